package simmedia

import (
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"liandong/gateway/pbxsim"
	"liandong/gateway/pbxsim/media"
)

var (
	_ pbxsim.MediaControls     = (*Media)(nil)
	_ pbxsim.RecordingSilencer = (*Media)(nil)
)

// RecordingLimit is the longest a recording keeps (Asterisk's is unbounded; a
// test emulator needs a bound).
const RecordingLimit = 10 * time.Minute

// RecordingsKept is how many finished recordings' audio RecordedAudio still returns.
const RecordingsKept = 32

// liveRec is a recording in progress: a tap on a leg (a channel's, or the leg
// listening to a bridge's mix).
type liveRec struct {
	rec    *media.Recorder
	mu     sync.Mutex
	paused bool
	muted  bool
	zero   [media.MaxFrameSamples]int16
	remove func()       // the tap
	bleg   *media.Leg   // bridge recordings: the Recorder participant's leg
	srcIn  *atomic.Bool // channel recordings: the channel is muted "in"
}

// WriteFrame implements media.Sink: a paused recording skips audio, a muted
// one records silence, as Asterisk does.
func (r *liveRec) WriteFrame(frame []int16) error {
	r.mu.Lock()
	paused, muted := r.paused, r.muted
	r.mu.Unlock()
	// Asterisk drops what a channel muted "in" says before anything reads it.
	muted = muted || (r.srcIn != nil && r.srcIn.Load())
	switch {
	case paused:
		return nil
	case muted:
		return r.rec.WriteFrame(r.zero[:len(frame)])
	}
	return r.rec.WriteFrame(frame)
}

func (r *liveRec) stop() {
	if r.remove != nil {
		r.remove()
	}
	if r.bleg != nil {
		r.bleg.Close()
	}
}

func dirOf(d string) media.Direction {
	switch d {
	case "in":
		return media.DirIn
	case "out":
		return media.DirOut
	case "both":
		return media.DirBoth
	}
	return 0
}

// Mute implements pbxsim.MediaControls: "in" mutes what the channel says
// (its bridge peers do not hear it), "out" what it hears.
func (m *Media) Mute(channelID, dir string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.muted[channelID] = dirOf(dir)
	if l := m.chans[channelID]; l != nil {
		l.mutedIn.Store(dirOf(dir)&media.DirIn != 0)
		l.leg.Unmute(media.DirBoth)
		l.leg.Mute(dirOf(dir))
	}
}

// BridgeRole implements pbxsim.MediaControls: addChannel's role=announcer (in a
// holding bridge: heard by all participants, hears nothing) and mute=true
// (others do not hear it).
func (m *Media) BridgeRole(bridgeID, channelID string, announcer, mute bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b := m.bridges[bridgeID]
	if b == nil || !b.members[channelID] {
		return
	}
	o := media.MemberOptions{Announcer: announcer, Mute: mute}
	b.opts[channelID] = o
	if l := m.chans[channelID]; l != nil {
		b.mix.Add(l.leg, o)
	}
}

// Recording implements pbxsim.MediaControls. A channel recording keeps what
// the channel says (the audio Asterisk reads from it: its far end's voice);
// a bridge recording keeps the bridge's mix, heard by a Recorder participant.
func (m *Media) Recording(id, target, state string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if state == "recording" {
		if m.closed {
			return
		}
		m.startRec(id, target)
		return
	}
	r := m.recs[id]
	if r == nil {
		return
	}
	switch state {
	case "paused", "unpaused":
		r.mu.Lock()
		r.paused = state == "paused"
		r.mu.Unlock()
	case "muted", "unmuted":
		r.mu.Lock()
		r.muted = state == "muted"
		r.mu.Unlock()
	case "done", "canceled":
		delete(m.recs, id)
		r.stop()
		if state == "done" {
			m.keepRec(id, r.rec.Audio())
		}
	}
}

// startRec; m.mu held.
func (m *Media) startRec(id, target string) {
	kind, tid, _ := strings.Cut(target, ":")
	r := &liveRec{rec: media.NewRecorder(media.Rate8k, RecordingLimit)}
	switch kind {
	case "channel":
		l := m.chans[tid]
		if l == nil {
			return
		}
		r.srcIn = &l.mutedIn // before the tap: the pacer reads it from then on
		r.remove = l.leg.Tap(media.DirIn, r)
	case "bridge":
		b := m.bridges[tid]
		if b == nil {
			return
		}
		// Asterisk records a bridge through a Recorder participant: it says
		// nothing and hears the mix of everyone.
		r.bleg = m.pacer.NewLeg(media.LegConfig{Rate: media.Rate8k})
		r.bleg.Tap(media.DirOut, r)
		b.mix.Add(r.bleg, media.MemberOptions{})
	default:
		return
	}
	m.recs[id] = r
}

// keepRec stores a finished recording's audio; m.mu held.
func (m *Media) keepRec(id string, a media.Audio) {
	if _, ok := m.stored[id]; !ok {
		m.storedLog = append(m.storedLog, id)
	}
	m.stored[id] = a
	if len(m.storedLog) > RecordingsKept {
		old := m.storedLog[0]
		delete(m.stored, old)
		delete(m.recFmt, old)
		delete(m.recPlayed, old)
		m.storedLog = m.storedLog[1:]
	}
}

// RecordedAudio implements pbxsim.MediaControls.
func (m *Media) RecordedAudio(id string) ([]int16, int, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.stored[id]
	if !ok {
		return nil, 0, false
	}
	return append([]int16(nil), a.Samples...), a.Rate, true
}

// Snoop implements pbxsim.MediaControls: the snoop channel says what the
// target says (spy "in"), hears (spy "out") or both; with whisper "in" the
// target's bridge peers also hear what the snoop channel hears (e.g. a
// playback on it), with whisper "out" the target itself hears it.
func (m *Media) Snoop(snoopID, targetID, spy, whisper string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	sn, t := m.chans[snoopID], m.chans[targetID]
	if sn == nil || t == nil {
		return
	}
	var srcs []media.Source
	d := dirOf(spy)
	for _, dir := range []media.Direction{media.DirIn, media.DirOut} {
		if d&dir == 0 {
			continue
		}
		p := media.NewPipe(sn.leg.Rate())
		sn.cleanup = append(sn.cleanup, t.leg.Tap(dir, p))
		srcs = append(srcs, p)
	}
	switch len(srcs) {
	case 1:
		sn.leg.Say(srcs[0], nil)
	case 2:
		sn.leg.Say(media.MixSources(srcs...), nil)
	}
	if dirOf(whisper)&media.DirOut != 0 {
		// Whisper "out": the target hears what is sent to the snoop channel.
		p := media.NewPipe(t.leg.Rate())
		sn.cleanup = append(sn.cleanup, sn.leg.Tap(media.DirOut, p))
		sn.cleanup = append(sn.cleanup, t.leg.AddWhisper(p))
	}
	if dirOf(whisper)&media.DirIn != 0 {
		p := media.NewPipe(t.leg.Rate())
		sn.cleanup = append(sn.cleanup, sn.leg.Tap(media.DirOut, p))
		t.whisper = p
		t.resay()
		sn.cleanup = append(sn.cleanup, func() {
			m.mu.Lock()
			if t.whisper == p {
				t.whisper = nil
				t.resay()
			}
			m.mu.Unlock()
		})
	}
}

// RecordingSilence implements pbxsim.RecordingSilencer: how long the live
// recording's audio has been silent (mean amplitude under media.SilenceThreshold).
func (m *Media) RecordingSilence(id string) (time.Duration, bool) {
	m.mu.Lock()
	r := m.recs[id]
	m.mu.Unlock()
	if r == nil {
		return 0, false
	}
	return r.rec.TrailingSilence(), true
}
