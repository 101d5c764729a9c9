package pbxsim

import (
	"errors"
	"net/http"
	"strings"
	"time"
)

type playback struct {
	id       string
	uris     []string
	idx      int
	target   string
	ch       *channel
	br       *bridge
	lang     string
	state    string
	timer    *time.Timer
	started  time.Time
	left     time.Duration // remaining time of the current item (Forever: never ends)
	skip     time.Duration
	finished bool
}

func (pb *playback) model() *PlaybackModel {
	m := &PlaybackModel{ID: pb.id, MediaURI: pb.uris[pb.idx], TargetURI: pb.target, Language: pb.lang, State: pb.state}
	if pb.idx+1 < len(pb.uris) {
		m.NextMediaURI = pb.uris[pb.idx+1]
	}
	return m
}

func (s *Server) pbTargets(pb *playback) []*app {
	if pb.ch != nil {
		return s.chanTargets(pb.ch)
	}
	seen := map[*app]bool{}
	var out []*app
	add := func(as []*app) {
		for _, a := range as {
			if !seen[a] {
				seen[a] = true
				out = append(out, a)
			}
		}
	}
	add(s.bridgeTargets(pb.br, nil))
	for _, m := range pb.br.members {
		add(s.chanTargets(m))
	}
	return out
}

func (s *Server) pbEvent(pb *playback, typ string) {
	ev := evPlayback{s.base(typ), pb.model()}
	s.publish(&ev, s.pbTargets(pb))
}

func mediaList(p *params) []string {
	var out []string
	for _, m := range strings.Split(p.get("media"), ",") {
		if m = strings.TrimSpace(m); m != "" {
			out = append(out, m)
		}
	}
	return out
}

func (s *Server) hChanPlay(w http.ResponseWriter, r *http.Request, ids []string, p *params) {
	s.chanPlay(w, ids[0], p.get("playbackId"), p)
}

func (s *Server) hChanPlayID(w http.ResponseWriter, r *http.Request, ids []string, p *params) {
	s.chanPlay(w, ids[0], ids[1], p)
}

func (s *Server) chanPlay(w http.ResponseWriter, chID, pbID string, p *params) {
	s.withAnswerable(w, chID, func(ch *channel) {
		s.queuePlayback(w, p, pbID, ch, nil)
	})
}

func (s *Server) hBridgePlay(w http.ResponseWriter, r *http.Request, ids []string, p *params) {
	s.withBridge(w, ids[0], func(b *bridge) { s.queuePlayback(w, p, p.get("playbackId"), nil, b) })
}

func (s *Server) hBridgePlayID(w http.ResponseWriter, r *http.Request, ids []string, p *params) {
	s.withBridge(w, ids[0], func(b *bridge) { s.queuePlayback(w, p, ids[1], nil, b) })
}

func (s *Server) queuePlayback(w http.ResponseWriter, p *params, id string, ch *channel, b *bridge) {
	uris := mediaList(p)
	if len(uris) == 0 {
		writeErr(w, http.StatusInternalServerError, "Failed to queue media for playback")
		return
	}
	if id == "" {
		id = newUUID()
	}
	lang := p.get("lang")
	if lang == "" {
		lang = "en"
	}
	pb := &playback{id: id, uris: uris, ch: ch, br: b, lang: lang, state: "queued",
		skip: time.Duration(atoiDefault(p.get("skipms"), 3000)) * time.Millisecond}
	var queue *[]*playback
	if ch != nil {
		pb.target = "channel:" + ch.id
		queue = &ch.playQueue
	} else {
		pb.target = "bridge:" + b.id
		queue = &b.playQueue
	}
	if s.playbacks[id] == nil {
		s.playbacks[id] = pb
	}
	*queue = append(*queue, pb)
	w.Header().Set("Location", "/ari/playbacks/"+id)
	writeJSON(w, http.StatusCreated, pb.model())
	if len(*queue) == 1 {
		s.startPlayback(pb)
	}
}

// startPlayback starts the current media item of pb.
func (s *Server) startPlayback(pb *playback) {
	pb.state = "playing"
	s.pbEvent(pb, "PlaybackStarted")
	uri := pb.uris[pb.idx]
	if o := s.opts.Observer; o != nil {
		o.PlaybackStarted(pb.id, pb.target, s.observedURI(uri))
	}
	if pb.ch != nil {
		pb.ch.heard = append(pb.ch.heard, uri)
	} else {
		for _, m := range pb.br.members {
			m.heard = append(m.heard, uri)
		}
	}
	if strings.Contains(uri, "://") {
		// Remote media is fetched off the lock, as res_http_media_cache downloads it.
		item := pb.idx
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			dur, err := s.opts.Media.Duration(uri, pb.lang)
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.closed || pb.finished || pb.idx != item {
				return
			}
			s.armPlayback(pb, dur, err)
		}()
		return
	}
	dur, err := s.mediaDuration(uri, pb.lang)
	s.armPlayback(pb, dur, err)
}

// armPlayback times the current item of pb from its media's duration or error.
func (s *Server) armPlayback(pb *playback, dur time.Duration, err error) {
	switch {
	case errors.Is(err, ErrMediaNotFound):
		dur = time.Millisecond
		pb.left = dur
		pb.timer = s.after(dur, func() { s.nextItem(pb, "failed") })
		return
	case err != nil:
		// Asterisk announces the start but never finishes it, and the queue moves on.
		if o := s.opts.Observer; o != nil {
			o.PlaybackStopped(pb.id, pb.target)
		}
		pb.state = "queued"
		s.finishPlayback(pb, "failed", true)
		return
	case dur == Forever:
		pb.left = Forever
		return
	}
	pb.left = dur
	pb.started = time.Now()
	pb.timer = s.after(dur, func() { s.nextItem(pb, "done") })
}

func (s *Server) nextItem(pb *playback, state string) {
	if pb.finished {
		return
	}
	if pb.idx+1 < len(pb.uris) {
		pb.state = "continuing"
		s.pbEvent(pb, "PlaybackContinuing")
		if o := s.opts.Observer; o != nil {
			o.PlaybackStopped(pb.id, pb.target)
		}
		pb.idx++
		s.startPlayback(pb)
		return
	}
	s.finishPlayback(pb, state, true)
}

// finishPlayback ends pb; the next queued playback of its target starts if next is set.
func (s *Server) finishPlayback(pb *playback, state string, next bool) {
	if pb.finished {
		return
	}
	pb.finished = true
	s.stopTimer(pb.timer)
	wasPlaying := pb.state != "queued"
	if o := s.opts.Observer; o != nil && wasPlaying {
		o.PlaybackStopped(pb.id, pb.target)
	}
	pb.state = state
	if wasPlaying {
		s.pbEvent(pb, "PlaybackFinished")
	}
	if s.playbacks[pb.id] == pb {
		delete(s.playbacks, pb.id)
	}
	var queue *[]*playback
	if pb.ch != nil {
		queue = &pb.ch.playQueue
	} else {
		queue = &pb.br.playQueue
	}
	for i, q := range *queue {
		if q == pb {
			*queue = append((*queue)[:i:i], (*queue)[i+1:]...)
			break
		}
	}
	for _, q := range *queue {
		if q.id == pb.id && s.playbacks[pb.id] == nil {
			s.playbacks[pb.id] = q
		}
	}
	if next && len(*queue) > 0 && (*queue)[0].state == "queued" {
		s.startPlayback((*queue)[0])
	}
}

// stopPlaybacks ends every playback of ch (hangup, leaving Stasis).
func (s *Server) stopPlaybacks(ch *channel, state string) {
	for _, pb := range append([]*playback(nil), ch.playQueue...) {
		s.finishPlayback(pb, state, false)
	}
}

func (s *Server) withPlayback(w http.ResponseWriter, id string, fn func(pb *playback)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	pb := s.playbacks[id]
	if pb == nil {
		writeErr(w, http.StatusNotFound, "Playback not found")
		return
	}
	fn(pb)
}

func (s *Server) hPlaybackGet(w http.ResponseWriter, _ *http.Request, ids []string, _ *params) {
	s.withPlayback(w, ids[0], func(pb *playback) { writeJSON(w, http.StatusOK, pb.model()) })
}

func (s *Server) hPlaybackStop(w http.ResponseWriter, _ *http.Request, ids []string, _ *params) {
	s.withPlayback(w, ids[0], func(pb *playback) {
		noContent(w)
		s.finishPlayback(pb, "done", true)
	})
}

func (s *Server) hPlaybackControl(w http.ResponseWriter, _ *http.Request, ids []string, p *params) {
	s.withPlayback(w, ids[0], func(pb *playback) {
		op := p.get("operation")
		switch op {
		case "restart", "pause", "unpause", "reverse", "forward":
		case "":
			writeErr(w, http.StatusBadRequest, "Missing parameter operation")
			return
		default:
			writeErr(w, http.StatusBadRequest, "Invalid operation "+op)
			return
		}
		if pb.state == "queued" {
			writeErr(w, http.StatusConflict, "Playback not playing")
			return
		}
		noContent(w)
		if pb.left == Forever {
			return
		}
		elapsed := time.Since(pb.started)
		remaining := pb.left - elapsed
		if pb.state == "paused" {
			remaining = pb.left
		}
		switch op {
		case "pause":
			if pb.state == "paused" {
				return
			}
			s.stopTimer(pb.timer)
			pb.left, pb.state = max(remaining, 0), "paused"
			return
		case "unpause":
			if pb.state != "paused" {
				return
			}
			pb.state = "playing"
			s.pbEvent(pb, "PlaybackStarted")
		case "restart":
			uri := pb.uris[pb.idx]
			if d, err := s.mediaDuration(uri, pb.lang); err == nil && d > 0 {
				remaining = d
			}
		case "forward":
			remaining -= pb.skip
		case "reverse":
			remaining += pb.skip
		}
		s.stopTimer(pb.timer)
		pb.left, pb.started = max(remaining, 0), time.Now()
		if pb.state != "paused" {
			pb.timer = s.after(pb.left, func() { s.nextItem(pb, "done") })
		}
	})
}

// mediaDuration is uri's duration: a stored recording's (recording:NAME, kept in
// memory) or the MediaSource's.
func (s *Server) mediaDuration(uri, lang string) (time.Duration, error) {
	if name, ok := strings.CutPrefix(uri, "recording:"); ok {
		if st, ok := s.stored[name]; ok {
			return st.duration, nil
		}
	}
	return s.opts.Media.Duration(uri, lang)
}

// observedURI is uri as the observer gets it: a stored recording is named by its
// media id (recording:ID, the id of MediaControls.Recording), so the media plays
// the audio it kept.
func (s *Server) observedURI(uri string) string {
	if name, ok := strings.CutPrefix(uri, "recording:"); ok {
		if st, ok := s.stored[name]; ok && st.key != "" {
			return "recording:" + st.key
		}
	}
	return uri
}
