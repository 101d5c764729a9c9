package pbxsim

import (
	"net"
	"time"
)

// MediaObserver is where media plugs in: it is told, in order, what audio must follow
// the telephony state. Calls are made under the server's lock: implementations must
// return at once (hand work to their own goroutines) and never call back into the Server.
type MediaObserver interface {
	// ChannelUp: media starts on the channel (answered; for externalMedia, RTP is its
	// local socket and Remote the external_host; Format is the codec).
	ChannelUp(ch MediaChannel)
	// ChannelGone: the channel was destroyed.
	ChannelGone(id string)
	// BridgeChanged: the bridge (kind "mixing" or "holding") now holds ids; nil once destroyed.
	BridgeChanged(bridgeID, kind string, ids []string)
	// PlaybackStarted: uri plays to target ("channel:ID" or "bridge:ID") under playbackID.
	PlaybackStarted(playbackID, target, uri string)
	// PlaybackStopped: the playback's current item ended or was stopped.
	PlaybackStopped(playbackID, target string)
	// MOH: music on hold of class starts on target ("" class: stops).
	MOH(target, class string)
}

// MediaChannel describes a channel whose media starts.
type MediaChannel struct {
	ID, Name, Tech string
	RTP            net.PacketConn // externalMedia only
	Remote         string         // externalMedia only
	// Format is the channel's codec: externalMedia's format, else its first
	// native audio format (originate "formats"), "" when it has none.
	Format string
}

func (s *Server) markAnswered(ch *channel) {
	ch.answered, ch.answeredAt = true, time.Now()
	if o := s.opts.Observer; o != nil {
		mc := MediaChannel{ID: ch.id, Name: ch.name, Tech: ch.tech, RTP: ch.rtp, Format: ch.codec()}
		if ch.rtp != nil && ch.orig != nil {
			mc.Remote, mc.Format, _ = cutFormat(ch.orig.dialstring)
		}
		o.ChannelUp(mc)
	}
}

// cutFormat splits externalMedia's dialstring "host:port/c(ulaw)".
func cutFormat(ds string) (string, string, bool) {
	for i := len(ds) - 1; i >= 0; i-- {
		if ds[i] == '/' {
			f := ds[i+1:]
			if len(f) > 3 && f[:2] == "c(" && f[len(f)-1] == ')' {
				return ds[:i], f[2 : len(f)-1], true
			}
		}
	}
	return ds, "", false
}

func (s *Server) obsBridge(b *bridge, gone bool) {
	if o := s.opts.Observer; o != nil {
		var ids []string
		if !gone {
			ids = make([]string, len(b.members))
			for i, m := range b.members {
				ids[i] = m.id
			}
		}
		o.BridgeChanged(b.id, b.kind, ids)
	}
}

// MediaControls is optionally implemented by a MediaObserver that applies the
// audio side of mute, bridge roles, recordings and snoops (package simmedia).
// As MediaObserver: called under the server's lock, must return at once.
type MediaControls interface {
	// Mute: the channel is now muted in dir ("in", "out", "both"; "": not muted).
	Mute(channelID, dir string)
	// BridgeRole: the channel joined the bridge as announcer and/or muted (addChannel).
	BridgeRole(bridgeID, channelID string, announcer, mute bool)
	// Recording: recording id (unique per live recording) of target ("channel:ID",
	// "bridge:ID") is now in state: "recording", "paused", "unpaused", "muted",
	// "unmuted", then "done" (kept: RecordedAudio returns it) or "canceled".
	Recording(id, target, state string)
	// Snoop: channel snoopID spies on targetID (spy and whisper: "in", "out", "both",
	// "none" or "").
	Snoop(snoopID, targetID, spy, whisper string)
	// RecordedAudio returns a finished recording's audio, when kept. Called without
	// the server's lock.
	RecordedAudio(id string) (pcm []int16, rate int, ok bool)
}

// controls is the observer's MediaControls, or nil.
func (s *Server) controls() MediaControls {
	c, _ := s.opts.Observer.(MediaControls)
	return c
}

// RecordingSilencer is optionally implemented by MediaControls: how long a live
// recording's audio (id as in Recording) has been silent, energy-based, for
// maxSilenceSeconds. Called under the server's lock: must return at once.
type RecordingSilencer interface {
	RecordingSilence(id string) (time.Duration, bool)
}

// TalkDetector is optionally implemented by MediaControls: func_talkdetect's
// TALK_DETECT on what a channel says. Called under the server's lock: must
// return at once.
type TalkDetector interface {
	// TalkDetect starts (silence > 0) or stops (silence 0) talk detection on the
	// channel: talking starts with a 20 ms frame whose mean amplitude reaches
	// threshold and ends after silence below it.
	TalkDetect(channelID string, silence time.Duration, threshold int)
	// TalkEvents returns, and forgets, the channel's transitions since the last call.
	TalkEvents(channelID string) []TalkEvent
}

// TalkEvent is a talk detection transition: started, or finished after
// Duration of talking (the trailing silence not counted, as Asterisk).
type TalkEvent struct {
	Started  bool
	Duration time.Duration
}
