package simmedia

import (
	"sync"
	"time"

	"liandong/gateway/pbxsim"
	"liandong/gateway/pbxsim/media"
)

var _ pbxsim.TalkDetector = (*Media)(nil)

// talkDet is func_talkdetect on what a channel says: a tap on its leg's
// "in" direction, fed by the pacer.
type talkDet struct {
	silence   time.Duration
	threshold int
	remove    func() // the tap; nil until the channel is up

	mu      sync.Mutex
	talking bool
	talked  time.Duration // since talking started
	quiet   time.Duration // trailing silence while talking
	events  []pbxsim.TalkEvent
}

// WriteFrame implements media.Sink: Asterisk's DSP counts a frame as silence
// when its mean absolute amplitude is under the threshold.
func (d *talkDet) WriteFrame(frame []int16) error {
	var sum int
	for _, v := range frame {
		if v < 0 {
			sum -= int(v)
		} else {
			sum += int(v)
		}
	}
	loud := len(frame) > 0 && sum >= d.threshold*len(frame)
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case loud && !d.talking:
		d.talking, d.talked, d.quiet = true, 0, 0
		d.events = append(d.events, pbxsim.TalkEvent{Started: true})
	case loud:
		d.quiet = 0
	case d.talking:
		d.quiet += media.FrameDuration
	}
	if !d.talking {
		return nil
	}
	d.talked += media.FrameDuration
	if d.quiet >= d.silence {
		d.talking = false
		d.events = append(d.events, pbxsim.TalkEvent{Duration: d.talked - d.quiet})
	}
	return nil
}

// TalkDetect implements pbxsim.TalkDetector.
func (m *Media) TalkDetect(channelID string, silence time.Duration, threshold int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if old := m.talk[channelID]; old != nil {
		if old.remove != nil {
			old.remove()
		}
		delete(m.talk, channelID)
	}
	if silence <= 0 || m.closed {
		return
	}
	d := &talkDet{silence: silence, threshold: threshold}
	m.talk[channelID] = d
	if l := m.chans[channelID]; l != nil {
		d.remove = l.leg.Tap(media.DirIn, d)
	}
}

// TalkEvents implements pbxsim.TalkDetector.
func (m *Media) TalkEvents(channelID string) []pbxsim.TalkEvent {
	m.mu.Lock()
	d := m.talk[channelID]
	m.mu.Unlock()
	if d == nil {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	ev := d.events
	d.events = nil
	return ev
}
