package ari

import (
	"encoding/json"

	"github.com/CyCoreSystems/ari/v5"
)

// ari/v5's models and events, re-exported so the rest of the gateway shares
// the vocabulary without importing ari/v5 (this package is its only importer).
type (
	ChannelData       = ari.ChannelData
	BridgeData        = ari.BridgeData
	PlaybackData      = ari.PlaybackData
	LiveRecordingData = ari.LiveRecordingData
	ApplicationData   = ari.ApplicationData
	AsteriskInfo      = ari.AsteriskInfo
	CallerID          = ari.CallerID
	DialplanCEP       = ari.DialplanCEP

	// ARIEvent is the decoded event interface of ari/v5.
	ARIEvent = ari.Event

	StasisStart            = ari.StasisStart
	StasisEnd              = ari.StasisEnd
	ChannelStateChange     = ari.ChannelStateChange
	ChannelDtmfReceived    = ari.ChannelDtmfReceived
	ChannelHangupRequest   = ari.ChannelHangupRequest
	ChannelDestroyed       = ari.ChannelDestroyed
	ChannelEnteredBridge   = ari.ChannelEnteredBridge
	ChannelLeftBridge      = ari.ChannelLeftBridge
	ChannelVarset          = ari.ChannelVarset
	ChannelDialplan        = ari.ChannelDialplan
	ChannelConnectedLine   = ari.ChannelConnectedLine
	ChannelCallerID        = ari.ChannelCallerID
	ChannelHold            = ari.ChannelHold
	ChannelUnhold          = ari.ChannelUnhold
	ChannelTalkingStarted  = ari.ChannelTalkingStarted
	ChannelTalkingFinished = ari.ChannelTalkingFinished
	Dial                   = ari.Dial
	PlaybackStarted        = ari.PlaybackStarted
	PlaybackContinuing     = ari.PlaybackContinuing
	PlaybackFinished       = ari.PlaybackFinished
	RecordingStarted       = ari.RecordingStarted
	RecordingFinished      = ari.RecordingFinished
	RecordingFailed        = ari.RecordingFailed
	BridgeCreated          = ari.BridgeCreated
	BridgeDestroyed        = ari.BridgeDestroyed
	BridgeMerged           = ari.BridgeMerged
	ApplicationReplaced    = ari.ApplicationReplaced
)

// Channel is a channel as Asterisk reports it. ari.ChannelData's own JSON
// decoder drops "language" and has no "protocol_id" (the SIP Call-ID);
// Channel keeps both.
type Channel struct {
	ari.ChannelData
	// ProtocolID is the channel's protocol id (SIP Call-ID for PJSIP).
	ProtocolID string `json:"protocol_id,omitempty"`
}

// UnmarshalJSON decodes through ari/v5's decoder, then restores what it drops.
func (c *Channel) UnmarshalJSON(b []byte) error {
	if err := c.ChannelData.UnmarshalJSON(b); err != nil {
		return err
	}
	var x struct {
		Language   string `json:"language"`
		ProtocolID string `json:"protocol_id"`
	}
	if err := json.Unmarshal(b, &x); err != nil {
		return err
	}
	c.Language, c.ProtocolID = x.Language, x.ProtocolID
	return nil
}

// MarshalJSON writes ari/v5's form plus "language" and "protocol_id", so a
// Channel survives a round trip (ari/v5's encoder drops both).
func (c Channel) MarshalJSON() ([]byte, error) {
	b, err := c.ChannelData.MarshalJSON()
	if err != nil {
		return nil, err
	}
	extra, err := json.Marshal(struct {
		Language   string `json:"language"`
		ProtocolID string `json:"protocol_id"`
	}{c.Language, c.ProtocolID})
	if err != nil {
		return nil, err
	}
	// Splice {...ari/v5...} and {"language":...} into one object.
	out := append(b[:len(b)-1:len(b)-1], ',')
	return append(out, extra[1:]...), nil
}

// ExternalMedia is the channel created by externalMedia, with the local RTP
// address Asterisk sends from and expects media back on (channelvars
// UNICASTRTP_LOCAL_ADDRESS/PORT, which ari/v5 discards).
type ExternalMedia struct {
	Channel
	LocalAddress string
	LocalPort    int
}

// PingInfo is GET /asterisk/ping.
type PingInfo struct {
	AsteriskID string `json:"asterisk_id"`
	Ping       string `json:"ping"`
	Timestamp  string `json:"timestamp"`
}

// Snapshot is what a node held right after a (re)connect: the app's
// subscriptions, every channel and every bridge. Calls compare it with what
// they believe to reconcile events lost while the socket was down.
type Snapshot struct {
	Node        string
	Reconnect   bool // false for the first connection
	Application ApplicationData
	Channels    []Channel
	Bridges     []BridgeData
	// Err is set when part of the resync failed (the rest is still filled).
	Err error
}

// HasChannel reports whether the snapshot lists channel id.
func (s *Snapshot) HasChannel(id string) bool {
	for i := range s.Channels {
		if s.Channels[i].ID == id {
			return true
		}
	}
	return false
}

// HasBridge reports whether the snapshot lists bridge id.
func (s *Snapshot) HasBridge(id string) bool {
	for i := range s.Bridges {
		if s.Bridges[i].ID == id {
			return true
		}
	}
	return false
}
