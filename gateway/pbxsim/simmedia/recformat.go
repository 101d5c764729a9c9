package simmedia

import (
	"time"

	"liandong/gateway/pbxsim"
	"liandong/gateway/pbxsim/media"
)

var _ pbxsim.RecordingFormatter = (*Media)(nil)

// RecordingFormat implements pbxsim.RecordingFormatter: a stored recording
// plays back as its file sounds, through its codec.
func (m *Media) RecordingFormat(id, format string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.recFmt == nil {
		m.recFmt = map[string]string{}
	}
	m.recFmt[id] = format
}

// coded reports whether a format's file changes the audio (a lossy codec).
func coded(format string) bool {
	switch format {
	case "g722", "gsm", "ulaw", "pcm", "ul", "mu", "ulw", "alaw", "al", "alw":
		return true
	}
	return false
}

// playStored plays stored recording key on l or b; m.mu held. A recording in
// a lossy format plays what its file decodes to: encoded and decoded once, off
// the lock (a long recording takes a while), then cached.
func (m *Media) playStored(playbackID string, l *leg, b *bridge, key string, a media.Audio, rate int) {
	format := m.recFmt[key]
	if c, ok := m.recPlayed[key]; ok {
		a = c
	} else if coded(format) {
		m.playbacks[playbackID] = nil // reserved: stopped before it starts if asked
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			out := media.ThroughCodec(format, a)
			m.mu.Lock()
			defer m.mu.Unlock()
			if _, ok := m.stored[key]; ok {
				if m.recPlayed == nil {
					m.recPlayed = map[string]media.Audio{}
				}
				m.recPlayed[key] = out
			}
			if _, ok := m.playbacks[playbackID]; ok && !m.closed {
				m.play(playbackID, l, b, media.ConvertRate(media.NewPCM(out.Samples, out.Rate), rate))
			}
		}()
		return
	}
	m.play(playbackID, l, b, media.ConvertRate(media.NewPCM(a.Samples, a.Rate), rate))
}

var _ pbxsim.RecordingSilenceStats = (*Media)(nil)

// RecordingSilenceTotal implements pbxsim.RecordingSilenceStats.
func (m *Media) RecordingSilenceTotal(id string) (total, trailing time.Duration, ok bool) {
	m.mu.Lock()
	r := m.recs[id]
	m.mu.Unlock()
	if r == nil {
		return 0, 0, false
	}
	total, trailing = r.rec.Silence()
	return total, trailing, true
}

// TrimRecording implements pbxsim.RecordingSilenceStats.
func (m *Media) TrimRecording(id string, keep time.Duration) {
	m.mu.Lock()
	r := m.recs[id]
	m.mu.Unlock()
	if r != nil {
		r.rec.TrimTrailingSilence(keep)
	}
}
