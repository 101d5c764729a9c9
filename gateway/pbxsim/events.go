package pbxsim

// Event structs follow Asterisk's events.json; every event carries type, timestamp,
// asterisk_id and application. Fields Asterisk always sends are never omitted.

type eventBase struct {
	Type        string `json:"type"`
	Timestamp   string `json:"timestamp"`
	AsteriskID  string `json:"asterisk_id"`
	Application string `json:"application"`
}

func (b *eventBase) base() *eventBase { return b }

type event interface{ base() *eventBase }

type evChannel struct {
	eventBase
	Channel *ChannelModel `json:"channel"`
}

type evStasisStart struct {
	eventBase
	Args    []string      `json:"args"`
	Channel *ChannelModel `json:"channel"`
}

type evDtmf struct {
	eventBase
	Digit      string        `json:"digit"`
	DurationMs int           `json:"duration_ms"`
	Channel    *ChannelModel `json:"channel"`
}

type evVarset struct {
	eventBase
	Variable string        `json:"variable"`
	Value    string        `json:"value"`
	Channel  *ChannelModel `json:"channel,omitempty"`
}

type evHangupRequest struct {
	eventBase
	Cause     int           `json:"cause,omitempty"`
	Soft      bool          `json:"soft,omitempty"`
	TechCause int           `json:"tech_cause,omitempty"`
	Channel   *ChannelModel `json:"channel"`
}

type evDestroyed struct {
	eventBase
	Cause     int           `json:"cause"`
	CauseTxt  string        `json:"cause_txt"`
	TechCause int           `json:"tech_cause,omitempty"`
	Channel   *ChannelModel `json:"channel"`
}

type evDialplan struct {
	eventBase
	DialplanApp     string        `json:"dialplan_app"`
	DialplanAppData string        `json:"dialplan_app_data"`
	Channel         *ChannelModel `json:"channel"`
}

type evBridgeChannel struct {
	eventBase
	Bridge  *BridgeModel  `json:"bridge"`
	Channel *ChannelModel `json:"channel"`
}

type evBridge struct {
	eventBase
	Bridge *BridgeModel `json:"bridge"`
}

type evPlayback struct {
	eventBase
	Playback *PlaybackModel `json:"playback"`
}

type evDial struct {
	eventBase
	Dialstatus string        `json:"dialstatus"`
	Forward    string        `json:"forward"`
	Dialstring string        `json:"dialstring"`
	Caller     *ChannelModel `json:"caller,omitempty"`
	Peer       *ChannelModel `json:"peer"`
}

type evHold struct {
	eventBase
	MusicClass string        `json:"musicclass,omitempty"`
	Channel    *ChannelModel `json:"channel"`
}

type evPlain struct {
	eventBase
}
