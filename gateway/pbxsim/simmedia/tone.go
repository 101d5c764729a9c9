package simmedia

import (
	"sync"

	"liandong/gateway/pbxsim"
	"liandong/gateway/pbxsim/media"
)

var _ pbxsim.ToneDetector = (*Media)(nil)

// toneDet is TONE_DETECT's audiohook on a channel: a frequency detector
// on what the leg says (rx) and/or hears (tx), fed by the pacer.
type toneDet struct {
	cfg     pbxsim.ToneDetectConfig
	removes []func() // its taps; nil until the channel is up

	mu   sync.Mutex
	hits []pbxsim.ToneHit
}

// toneTap is one direction's detector; the pacer goroutine is its only user.
type toneTap struct {
	d  *toneDet
	fd *media.FreqDetector
	tx bool
}

// WriteFrame implements media.Sink.
func (t *toneTap) WriteFrame(frame []int16) error {
	n := t.fd.Detect(frame)
	if n == 0 {
		return nil
	}
	t.d.mu.Lock()
	for range n {
		t.d.hits = append(t.d.hits, pbxsim.ToneHit{TX: t.tx})
	}
	t.d.mu.Unlock()
	return nil
}

// attach taps l at its rate (m.mu held). A frequency the rate cannot carry
// is never detected.
func (d *toneDet) attach(l *leg) {
	for _, dir := range []struct {
		on bool
		d  media.Direction
	}{{d.cfg.RX, media.DirIn}, {d.cfg.TX, media.DirOut}} {
		if !dir.on {
			continue
		}
		fd, err := media.NewFreqDetector(d.cfg.Freq, l.leg.Rate(), d.cfg.Duration, d.cfg.DB)
		if err != nil {
			continue
		}
		d.removes = append(d.removes, l.leg.Tap(dir.d, &toneTap{d: d, fd: fd, tx: dir.d == media.DirOut}))
	}
}

func (d *toneDet) detach() {
	for _, f := range d.removes {
		f()
	}
	d.removes = nil
}

// ToneDetect implements pbxsim.ToneDetector. A new configuration restarts
// the DSP (as ast_dsp_set_freqmode); detections not yet collected are kept.
func (m *Media) ToneDetect(channelID string, cfg *pbxsim.ToneDetectConfig) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var pending []pbxsim.ToneHit
	if old := m.tone[channelID]; old != nil {
		old.detach()
		old.mu.Lock()
		pending = old.hits
		old.mu.Unlock()
		delete(m.tone, channelID)
	}
	if cfg == nil || m.closed {
		return
	}
	if m.tone == nil {
		m.tone = map[string]*toneDet{}
	}
	d := &toneDet{cfg: *cfg, hits: pending}
	m.tone[channelID] = d
	if l := m.chans[channelID]; l != nil {
		d.attach(l)
	}
}

// ToneHits implements pbxsim.ToneDetector.
func (m *Media) ToneHits(channelID string) []pbxsim.ToneHit {
	m.mu.Lock()
	d := m.tone[channelID]
	m.mu.Unlock()
	if d == nil {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	h := d.hits
	d.hits = nil
	return h
}

// toneUp attaches a detector set before the channel was up (m.mu held).
func (m *Media) toneUp(id string, l *leg) {
	if d := m.tone[id]; d != nil && d.removes == nil {
		d.attach(l)
	}
}
