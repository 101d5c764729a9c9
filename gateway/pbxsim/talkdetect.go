package pbxsim

import (
	"strconv"
	"strings"
	"time"
)

// func_talkdetect's defaults: 2500 ms of silence ends talking; a mean
// amplitude of 256 is talking.
const (
	talkSilenceDefault   = 2500 * time.Millisecond
	talkThresholdDefault = 256
	talkPoll             = 20 * time.Millisecond
)

type evTalkingFinished struct {
	eventBase
	Channel  *ChannelModel `json:"channel"`
	Duration int           `json:"duration"`
}

// talkDetect applies TALK_DETECT(set)=[silence_ms[,talking_threshold]] or
// TALK_DETECT(remove). Without a TalkDetector media there is no audio to
// detect talking in: nothing happens.
func (s *Server) talkDetect(ch *channel, on bool, value string) {
	td, ok := s.controls().(TalkDetector)
	if !ok {
		return
	}
	ch.talkGen++
	if !on {
		ch.talkOn = false
		td.TalkDetect(ch.id, 0, 0)
		return
	}
	silence, threshold := talkSilenceDefault, talkThresholdDefault
	sil, thr, _ := strings.Cut(value, ",")
	if n, err := strconv.Atoi(strings.TrimSpace(sil)); err == nil && n > 0 {
		silence = time.Duration(n) * time.Millisecond
	}
	if n, err := strconv.Atoi(strings.TrimSpace(thr)); err == nil && n > 0 {
		threshold = n
	}
	ch.talkOn = true
	td.TalkDetect(ch.id, silence, threshold)
	s.pollTalk(ch, td, ch.talkGen)
}

// pollTalk publishes the media's talk transitions every talkPoll while
// detection of generation gen is on and the channel lives.
func (s *Server) pollTalk(ch *channel, td TalkDetector, gen int) {
	s.after(talkPoll, func() {
		if ch.gone || !ch.talkOn || ch.talkGen != gen {
			return
		}
		for _, e := range td.TalkEvents(ch.id) {
			if e.Started {
				ev := evChannel{s.base("ChannelTalkingStarted"), ch.model()}
				s.chanEvent(ch, &ev)
				continue
			}
			ev := evTalkingFinished{s.base("ChannelTalkingFinished"), ch.model(), int(e.Duration / time.Millisecond)}
			s.chanEvent(ch, &ev)
		}
		s.pollTalk(ch, td, gen)
	})
}
