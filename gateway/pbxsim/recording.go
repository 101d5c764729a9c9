package pbxsim

import (
	"net/http"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"liandong/gateway/pbxsim/media"
)

// LiveRecordingModel is Asterisk's LiveRecording model.
type LiveRecordingModel struct {
	Name      string `json:"name"`
	Format    string `json:"format"`
	State     string `json:"state"`
	TargetURI string `json:"target_uri"`
	Duration  *int   `json:"duration,omitempty"`
	// TalkingDuration and SilenceDuration (with maxSilenceSeconds) split the
	// duration by the recorder's silence detection.
	TalkingDuration *int   `json:"talking_duration,omitempty"`
	SilenceDuration *int   `json:"silence_duration,omitempty"`
	Cause           string `json:"cause,omitempty"`
}

// StoredRecordingModel is Asterisk's StoredRecording model.
type StoredRecordingModel struct {
	Name   string `json:"name"`
	Format string `json:"format"`
}

type recording struct {
	name, format, target string
	state                string
	ch                   *channel
	br                   *bridge
	started              time.Time
	paused               time.Duration
	pausedAt             time.Time
	timer                *time.Timer
	recorder             bool   // added the bridge's Recorder participant
	key                  string // the media's id of this recording (MediaControls)
	terminateOn          string // "", "none", "any", or the DTMF keys that stop it
	maxSilence           time.Duration
	silTimer             *time.Timer
	beeping              bool // RecordingStarted sent, the beep still playing
	trimOnEnd            bool // ended by silence, maxDurationSeconds or a key: trailing silence is trimmed
	final                *LiveRecordingModel
}

// beepTone is what a recording's beep plays (Asterisk plays its "beep" sound, a
// short 1 kHz tone) and beepLength how long it lasts before recording starts.
const (
	beepTone   = "tone:1000"
	beepLength = 250 * time.Millisecond
)

// silencePoll is how often a recording with maxSilenceSeconds asks the media
// how long its audio has been silent.
const silencePoll = 100 * time.Millisecond

// mediaState tells the media of r's new state.
func (s *Server) mediaState(r *recording, state string) {
	if c := s.controls(); c != nil {
		c.Recording(r.key, r.target, state)
	}
}

type stored struct {
	format   string
	duration time.Duration
	key      string // the media's recording id: its audio (RecordedAudio)
}

type evRecording struct {
	eventBase
	Recording *LiveRecordingModel `json:"recording"`
}

// recFormats are the file formats Asterisk 22 records in (its format modules'
// extensions, ast_get_format_for_file_ext); all but ogg carry the audio here.
var recFormats = map[string]bool{"wav": true, "wav16": true, "gsm": true, "g722": true, "ogg": true,
	"ulaw": true, "pcm": true, "ul": true, "mu": true, "ulw": true, "alaw": true, "al": true, "alw": true,
	"sln": true, "raw": true, "sln16": true}

func (r *recording) model(withDuration bool) *LiveRecordingModel {
	if withDuration && r.final != nil {
		return r.final
	}
	m := &LiveRecordingModel{Name: r.name, Format: r.format, State: r.state, TargetURI: r.target}
	if withDuration {
		d := int(r.elapsed() / time.Second)
		m.Duration = &d
	}
	return m
}

func (r *recording) elapsed() time.Duration {
	e := time.Since(r.started) - r.paused
	if !r.pausedAt.IsZero() {
		e -= time.Since(r.pausedAt)
	}
	return e
}

func (s *Server) recTargets(r *recording) []*app {
	pb := &playback{ch: r.ch, br: r.br}
	return s.pbTargets(pb)
}

func (s *Server) recEvent(r *recording, typ string, withDuration bool) {
	ev := evRecording{s.base(typ), r.model(withDuration)}
	s.publish(&ev, s.recTargets(r))
}

// recParamsMissing answers the parameters the generated ARI stubs require.
func recParamsMissing(w http.ResponseWriter, p *params) bool {
	switch {
	case p.get("name") == "":
		writeErr(w, http.StatusBadRequest, "Missing parameter name")
	case p.get("format") == "":
		writeErr(w, http.StatusBadRequest, "Missing parameter format")
	default:
		return false
	}
	return true
}

// negativeMax is the first of maxDurationSeconds/maxSilenceSeconds (by its
// Asterisk name) that is negative, or "".
func negativeMax(p *params) string {
	for _, k := range [][2]string{{"maxDurationSeconds", "max_duration_seconds"}, {"maxSilenceSeconds", "max_silence_seconds"}} {
		if n, err := strconv.Atoi(p.get(k[0])); err == nil && n < 0 {
			return k[1]
		}
	}
	return ""
}

// hChanRecord checks in ast_ari_channels_record's order: negative maxima,
// the channel, terminateOn, ifExists, the format, then the recording itself.
func (s *Server) hChanRecord(w http.ResponseWriter, _ *http.Request, ids []string, p *params) {
	if recParamsMissing(w, p) {
		return
	}
	if k := negativeMax(p); k != "" {
		writeErr(w, http.StatusBadRequest, k+" cannot be negative")
		return
	}
	s.withChan(w, ids[0], true, func(ch *channel) { s.startRecording(w, p, ch, nil) })
}

// hBridgeRecord checks in ast_ari_bridges_record's order: the bridge, the
// format and recorder_format (422), terminateOn, ifExists, then the recording
// (negative maxima are its EINVAL: 500 "Error parsing request").
func (s *Server) hBridgeRecord(w http.ResponseWriter, _ *http.Request, ids []string, p *params) {
	if recParamsMissing(w, p) {
		return
	}
	s.withBridge(w, ids[0], func(b *bridge) { s.startRecording(w, p, nil, b) })
}

// recNameEscapes reports whether a recording name leaves the recordings
// directory (ast_safe_mkdir refuses it: EPERM).
func recNameEscapes(name string) bool {
	if !strings.Contains(name, "/") || strings.HasPrefix(name, "/") {
		return false // no directory part, or under the recordings directory ("dir//name")
	}
	dir := path.Clean(path.Dir(name))
	return dir == ".." || strings.HasPrefix(dir, "../")
}

func (s *Server) startRecording(w http.ResponseWriter, p *params, ch *channel, b *bridge) {
	name, format := p.get("name"), p.get("format")
	unknownFormat := func() bool {
		if !recFormats[format] {
			writeErr(w, http.StatusUnprocessableEntity, "specified format is unknown on this system")
			return true
		}
		return false
	}
	if b != nil {
		if unknownFormat() {
			return
		}
		if rf := p.get("recorder_format"); rf != "" && !knownFormat(rf) {
			writeErr(w, http.StatusUnprocessableEntity, "specified recorder_format is unknown on this system")
			return
		}
	}
	terminateOn := strings.ToLower(p.get("terminateOn"))
	switch terminateOn {
	case "", "none", "any", "*", "#":
	default:
		writeErr(w, http.StatusBadRequest, "terminateOn invalid")
		return
	}
	ifExists := strings.ToLower(p.get("ifExists"))
	switch ifExists {
	case "", "fail", "overwrite", "append":
	default:
		writeErr(w, http.StatusBadRequest, "ifExists invalid")
		return
	}
	if ch != nil && unknownFormat() {
		return
	}
	// stasis_app_control_record: EINVAL, EPERM, then EEXIST.
	if negativeMax(p) != "" {
		writeErr(w, http.StatusInternalServerError, "Error parsing request")
		return
	}
	if recNameEscapes(name) {
		writeErr(w, http.StatusBadRequest, "Recording name invalid")
		return
	}
	_, exists := s.stored[name]
	if (exists && (ifExists == "" || ifExists == "fail")) || s.recordings[name] != nil {
		writeErr(w, http.StatusConflict, "Recording '"+name+"' already exists and can not be overwritten")
		return
	}
	r := &recording{name: name, format: format, state: "queued", ch: ch, br: b, terminateOn: terminateOn}
	if n, err := strconv.Atoi(p.get("maxSilenceSeconds")); err == nil && n > 0 {
		r.maxSilence = time.Duration(n) * time.Second
	}
	if ch != nil {
		r.target = "channel:" + ch.id
		ch.recordings = append(ch.recordings, r)
	} else {
		r.target = "bridge:" + b.id
		b.recordings = append(b.recordings, r)
		if b.recorder == "" && b.kind == "mixing" {
			// Asterisk records a bridge through a Recorder/ARI-...;2 participant.
			b.recorder = "Recorder/ARI-" + hex8(s.localSeq) + ";2"
			s.localSeq++
			if len(b.members) >= 2 {
				for range 3 {
					s.multiVars(b, nil)
				}
			}
			r.recorder = true
		}
		// Recording a bridge subscribes the app to it for good (BridgeDestroyed arrives).
		for _, m := range b.members {
			if m.stasis != nil {
				if a := s.apps[m.stasis.app]; a != nil {
					a.bridges[b.id]++
					break
				}
			}
		}
	}
	s.recordings[name] = r
	w.Header().Set("Location", "/ari/recordings/live/"+name)
	writeJSON(w, http.StatusCreated, r.model(false))
	s.recSeq++
	r.key = name + "#" + strconv.Itoa(s.recSeq)
	if rf, ok := s.controls().(RecordingFormatter); ok {
		rf.RecordingFormat(r.key, r.format)
	}
	maxDur := 0
	if n, err := strconv.Atoi(p.get("maxDurationSeconds")); err == nil && n > 0 {
		maxDur = n
	}
	if cause, failed := s.recordingFails(ch); failed {
		// Asterisk's record_file fails on the channel's thread, after the 201.
		s.failRecording(r, cause)
		return
	}
	if ch != nil && ch.state != "Up" {
		// record_file auto-answers the channel (ast_auto_answer).
		s.markAnswered(ch)
		s.setState(ch, "Up")
	}
	// RecordingStarted is published before ast_play_and_record_full, which
	// plays the beep and only then opens the file: the beep is not recorded.
	r.state, r.started = "recording", time.Now()
	s.recEvent(r, "RecordingStarted", false)
	if p.get("beep") == "true" {
		// A bridge recording beeps on its Recorder channel, whose other half
		// is in the bridge: the members hear it.
		beepID := "beep-" + r.key
		if o := s.opts.Observer; o != nil {
			o.PlaybackStarted(beepID, r.target, beepTone)
		}
		if ch != nil {
			ch.heard = append(ch.heard, beepTone)
		} else {
			for _, m := range b.members {
				m.heard = append(m.heard, beepTone)
			}
		}
		r.beeping = true
		r.timer = s.after(beepLength, func() {
			if o := s.opts.Observer; o != nil {
				o.PlaybackStopped(beepID, r.target)
			}
			if s.recordings[r.name] == r {
				r.beeping = false
				r.started = time.Now()
				s.beginRecording(r, maxDur)
			}
		})
		return
	}
	s.beginRecording(r, maxDur)
}

// beginRecording starts r's audio (after its beep, if any).
func (s *Server) beginRecording(r *recording, maxDur int) {
	s.mediaState(r, "recording")
	if maxDur > 0 {
		r.timer = s.after(time.Duration(maxDur)*time.Second, func() { r.trimOnEnd = true; s.finishRecording(r, "done") })
	}
	if r.maxSilence > 0 {
		s.pollSilence(r)
	}
}

// pollSilence ends r once its audio has been silent for maxSilenceSeconds
// (energy-based, in the media); without media it is not acted on.
func (s *Server) pollSilence(r *recording) {
	sil, ok := s.controls().(RecordingSilencer)
	if !ok {
		return
	}
	r.silTimer = s.after(silencePoll, func() {
		if s.recordings[r.name] != r {
			return
		}
		if d, known := sil.RecordingSilence(r.key); known && d >= r.maxSilence {
			r.trimOnEnd = true
			s.finishRecording(r, "done")
			return
		}
		s.pollSilence(r)
	})
}

// dtmfTerminate stops ch's recordings whose terminateOn matches digit.
func (s *Server) dtmfTerminate(ch *channel, digit string) {
	for _, r := range append([]*recording(nil), ch.recordings...) {
		if r.state != "recording" && r.state != "paused" {
			continue
		}
		if t := r.terminateOn; t == "any" || (t != "" && t != "none" && strings.Contains(t, digit)) {
			r.trimOnEnd = true
			s.finishRecording(r, "done")
		}
	}
}

// finishRecording ends r: done keeps it as a stored recording, canceled discards it.
func (s *Server) finishRecording(r *recording, state string) {
	if s.recordings[r.name] != r {
		return
	}
	s.stopTimer(r.timer)
	s.stopTimer(r.silTimer)
	delete(s.recordings, r.name)
	if r.beeping {
		// Ended during its beep: __ast_play_and_record returns before
		// opening the file, so nothing is stored and the event has no
		// duration.
		r.state = state
		s.recEvent(r, "RecordingFinished", false)
		s.unlinkRecording(r)
		return
	}
	d := r.elapsed()
	// record_file ends every recording COMPLETE: a cancelled one too is
	// "done" in its RecordingFinished (its file is deleted).
	r.state = "done"
	fin := r.model(false)
	dur := int(d / time.Second)
	if r.maxSilence > 0 {
		var talking, silence int
		dur, talking, silence = s.silenceDurations(r, dur)
		fin.TalkingDuration, fin.SilenceDuration = &talking, &silence
	}
	fin.Duration = &dur
	r.final = fin
	s.mediaState(r, state)
	if state == "done" {
		s.stored[r.name] = stored{format: r.format, duration: d, key: r.key}
	}
	s.recEvent(r, "RecordingFinished", true)
	s.unlinkRecording(r)
}

// unlinkRecording detaches a finished or failed r from its channel or bridge
// (the bridge's Recorder participant leaves with it).
func (s *Server) unlinkRecording(r *recording) {
	if r.ch != nil {
		r.ch.recordings = removeRec(r.ch.recordings, r)
		return
	}
	b := r.br
	b.recordings = removeRec(b.recordings, r)
	if r.recorder {
		b.recorder = ""
		if len(b.members) == 2 {
			for range 2 {
				s.pairVars(b.members[0], b.members[1])
			}
		} else if len(b.members) >= 3 {
			s.multiVars(b, nil)
		}
	}
}

func removeRec(list []*recording, r *recording) []*recording {
	for i, x := range list {
		if x == r {
			return append(list[:i:i], list[i+1:]...)
		}
	}
	return list
}

func (s *Server) stopRecordings(list []*recording) {
	for _, r := range append([]*recording(nil), list...) {
		s.finishRecording(r, "done")
	}
}

func (s *Server) withLive(w http.ResponseWriter, name string, fn func(r *recording)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.recordings[name]
	if r == nil {
		writeErr(w, http.StatusNotFound, "Recording not found")
		return
	}
	fn(r)
}

func (s *Server) hLiveGet(w http.ResponseWriter, _ *http.Request, ids []string, _ *params) {
	s.withLive(w, ids[0], func(r *recording) { writeJSON(w, http.StatusOK, r.model(false)) })
}

func (s *Server) hLiveCancel(w http.ResponseWriter, _ *http.Request, ids []string, _ *params) {
	s.withLive(w, ids[0], func(r *recording) { noContent(w); s.finishRecording(r, "canceled") })
}

func (s *Server) hLiveStop(w http.ResponseWriter, _ *http.Request, ids []string, _ *params) {
	s.withLive(w, ids[0], func(r *recording) { noContent(w); s.finishRecording(r, "done") })
}

func (s *Server) hLivePause(w http.ResponseWriter, _ *http.Request, ids []string, _ *params) {
	s.withLive(w, ids[0], func(r *recording) {
		if r.pausedAt.IsZero() {
			r.pausedAt, r.state = time.Now(), "paused"
			s.mediaState(r, "paused")
		}
		noContent(w)
	})
}

func (s *Server) hLiveUnpause(w http.ResponseWriter, _ *http.Request, ids []string, _ *params) {
	s.withLive(w, ids[0], func(r *recording) {
		if !r.pausedAt.IsZero() {
			r.paused += time.Since(r.pausedAt)
			r.pausedAt, r.state = time.Time{}, "recording"
			s.mediaState(r, "unpaused")
		}
		noContent(w)
	})
}

func (s *Server) hLiveMute(w http.ResponseWriter, req *http.Request, ids []string, _ *params) {
	s.withLive(w, ids[0], func(r *recording) {
		if req.Method == http.MethodDelete {
			s.mediaState(r, "unmuted")
		} else {
			s.mediaState(r, "muted")
		}
		noContent(w)
	})
}

func (s *Server) hStoredList(w http.ResponseWriter, _ *http.Request, _ []string, _ *params) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]StoredRecordingModel, 0, len(s.stored))
	for n, st := range s.stored {
		out = append(out, StoredRecordingModel{Name: n, Format: st.format})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) withStored(w http.ResponseWriter, name string, fn func(st stored)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.stored[name]
	if !ok {
		writeErr(w, http.StatusNotFound, "Recording not found")
		return
	}
	fn(st)
}

func (s *Server) hStoredGet(w http.ResponseWriter, _ *http.Request, ids []string, _ *params) {
	s.withStored(w, ids[0], func(st stored) {
		writeJSON(w, http.StatusOK, StoredRecordingModel{Name: ids[0], Format: st.format})
	})
}

func (s *Server) hStoredDelete(w http.ResponseWriter, _ *http.Request, ids []string, _ *params) {
	s.withStored(w, ids[0], func(stored) { delete(s.stored, ids[0]); noContent(w) })
}

func (s *Server) hStoredCopy(w http.ResponseWriter, _ *http.Request, ids []string, p *params) {
	s.withStored(w, ids[0], func(st stored) {
		dst := p.get("destinationRecordingName")
		if dst == "" {
			writeErr(w, http.StatusBadRequest, "Missing parameter destinationRecordingName")
			return
		}
		if _, ok := s.stored[dst]; ok {
			writeErr(w, http.StatusConflict, "A recording with the same name already exists on the system")
			return
		}
		s.stored[dst] = st
		writeJSON(w, http.StatusOK, StoredRecordingModel{Name: dst, Format: st.format})
	})
}

// hStoredFile serves the recording's audio in its format when the media kept it
// (simmedia), else silence of its length (wav: 8 kHz 16-bit mono).
func (s *Server) hStoredFile(w http.ResponseWriter, _ *http.Request, ids []string, _ *params) {
	s.mu.Lock()
	st, ok := s.stored[ids[0]]
	s.mu.Unlock()
	if c := s.controls(); ok && c != nil {
		// Asked without s.mu: the media takes its own lock only.
		if pcm, rate, kept := c.RecordedAudio(st.key); kept {
			data, _, err := media.EncodeRecording(st.format, media.Audio{Samples: pcm, Rate: rate})
			if err == nil {
				ct := "application/octet-stream"
				if strings.HasPrefix(st.format, "wav") {
					ct = "audio/wav"
				}
				w.Header().Set("Content-Type", ct)
				w.WriteHeader(http.StatusOK)
				_, _ = w.Write(data)
				return
			}
		}
	}
	s.withStored(w, ids[0], func(st stored) {
		// Silence of the recording's length, in its format when there is an
		// encoder for it (ogg: none), else as an 8 kHz 16-bit WAV.
		n := int(st.duration / time.Second * 8000)
		n = min(max(n, 0), 8000*3600)
		buf, _, err := media.EncodeRecording(st.format, media.Audio{Samples: make([]int16, n), Rate: media.Rate8k})
		if err != nil {
			buf = media.EncodeWAV(make([]int16, n), 8000)
		}
		ct := "audio/wav"
		if !strings.HasPrefix(st.format, "wav") {
			ct = "application/octet-stream"
		}
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(buf)
	})
}

// hSnoop answers POST /channels/{id}/snoop: a Snoop/ channel put into the app at once.
func (s *Server) hSnoop(w http.ResponseWriter, _ *http.Request, ids []string, p *params) {
	s.snoop(w, ids[0], p.get("snoopId"), p)
}

func (s *Server) hSnoopID(w http.ResponseWriter, _ *http.Request, ids []string, p *params) {
	s.snoop(w, ids[0], ids[1], p)
}

func (s *Server) snoop(w http.ResponseWriter, target, id string, p *params) {
	s.withChan(w, target, false, func(t *channel) {
		appName := p.get("app")
		if appName == "" {
			writeErr(w, http.StatusBadRequest, "Missing parameter app")
			return
		}
		for _, k := range []string{"spy", "whisper"} {
			switch p.get(k) {
			case "", "none", "both", "in", "out":
			default:
				writeErr(w, http.StatusBadRequest, "Invalid direction specified for "+k)
				return
			}
		}
		if id != "" && s.channels[id] != nil {
			writeErr(w, http.StatusConflict, "Channel with given unique ID already exists")
			return
		}
		if s.apps[appName] == nil {
			writeErr(w, http.StatusInternalServerError, "Allocation failed")
			return
		}
		ch := s.newChannel("Snoop", "", nil, id)
		ch.name = "Snoop/" + t.id + "-" + hex8(s.snoopSeq)
		s.snoopSeq++
		ch.protocolID = ""
		ch.state = "Up"
		s.markAnswered(ch)
		ch.snooped = t
		t.snoops = append(t.snoops, ch)
		if c := s.controls(); c != nil {
			c.Snoop(ch.id, t.id, p.get("spy"), p.get("whisper"))
		}
		args := splitArgs(p.get("appArgs"))
		ch.dp = DialplanCEP{Context: "default", Exten: "s", Priority: 1, AppName: "Stasis",
			AppData: strings.Join(append([]string{appName}, args...), ",")}
		ch.stasis = &stasisState{app: appName, args: args, exit: make(chan stasisExit, 1)}
		s.announce(ch)
		s.subscribe(appName, ch.id)
		writeJSON(w, http.StatusOK, ch.model())
		ev := evStasisStart{s.base("StasisStart"), args, ch.model()}
		s.chanEvent(ch, &ev)
	})
}
