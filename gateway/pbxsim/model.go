package pbxsim

import "time"

// tsLayout is Asterisk's timestamp format, e.g. 2026-11-28T09:34:29.902+0000.
const tsLayout = "2006-01-02T15:04:05.000-0700"

func ts(t time.Time) string { return t.Format(tsLayout) }

// CallerID is Asterisk's CallerID model.
type CallerID struct {
	Name   string `json:"name"`
	Number string `json:"number"`
}

// DialplanCEP is Asterisk's DialplanCEP model (context, extension, priority).
type DialplanCEP struct {
	Context  string `json:"context"`
	Exten    string `json:"exten"`
	Priority int64  `json:"priority"`
	AppName  string `json:"app_name"`
	AppData  string `json:"app_data"`
}

// ChannelModel is Asterisk's Channel model, with the fields Asterisk 22 sends.
type ChannelModel struct {
	ID           string            `json:"id"`
	Name         string            `json:"name"`
	State        string            `json:"state"`
	ProtocolID   string            `json:"protocol_id"`
	Caller       CallerID          `json:"caller"`
	Connected    CallerID          `json:"connected"`
	Accountcode  string            `json:"accountcode"`
	Dialplan     DialplanCEP       `json:"dialplan"`
	Creationtime string            `json:"creationtime"`
	Language     string            `json:"language"`
	Channelvars  map[string]string `json:"channelvars,omitempty"`
}

// BridgeModel is Asterisk's Bridge model.
type BridgeModel struct {
	ID           string   `json:"id"`
	Technology   string   `json:"technology"`
	BridgeType   string   `json:"bridge_type"`
	BridgeClass  string   `json:"bridge_class"`
	Creator      string   `json:"creator"`
	Name         string   `json:"name"`
	Channels     []string `json:"channels"`
	Creationtime string   `json:"creationtime"`
	VideoMode    string   `json:"video_mode"`
}

// PlaybackModel is Asterisk's Playback model.
type PlaybackModel struct {
	ID           string `json:"id"`
	MediaURI     string `json:"media_uri"`
	NextMediaURI string `json:"next_media_uri,omitempty"`
	TargetURI    string `json:"target_uri"`
	Language     string `json:"language"`
	State        string `json:"state"`
}

// ApplicationModel is Asterisk's Application model.
type ApplicationModel struct {
	Name             string   `json:"name"`
	ChannelIDs       []string `json:"channel_ids"`
	BridgeIDs        []string `json:"bridge_ids"`
	EndpointIDs      []string `json:"endpoint_ids"`
	DeviceNames      []string `json:"device_names"`
	EventsAllowed    []any    `json:"events_allowed"`
	EventsDisallowed []any    `json:"events_disallowed"`
}

// EndpointModel is Asterisk's Endpoint model.
type EndpointModel struct {
	Technology string   `json:"technology"`
	Resource   string   `json:"resource"`
	State      string   `json:"state"`
	ChannelIDs []string `json:"channel_ids"`
}

// AsteriskInfo is Asterisk's AsteriskInfo model (GET /asterisk/info).
type AsteriskInfo struct {
	Build  BuildInfo  `json:"build"`
	System SystemInfo `json:"system"`
	Config ConfigInfo `json:"config"`
	Status StatusInfo `json:"status"`
}

// BuildInfo is part of AsteriskInfo.
type BuildInfo struct {
	OS      string `json:"os"`
	Kernel  string `json:"kernel"`
	Machine string `json:"machine"`
	Options string `json:"options"`
	Date    string `json:"date"`
	User    string `json:"user"`
}

// SystemInfo is part of AsteriskInfo.
type SystemInfo struct {
	Version  string `json:"version"`
	EntityID string `json:"entity_id"`
}

// ConfigInfo is part of AsteriskInfo.
type ConfigInfo struct {
	Name            string    `json:"name"`
	DefaultLanguage string    `json:"default_language"`
	SetID           SetIDInfo `json:"setid"`
}

// SetIDInfo is part of ConfigInfo.
type SetIDInfo struct {
	User  string `json:"user"`
	Group string `json:"group"`
}

// StatusInfo is part of AsteriskInfo.
type StatusInfo struct {
	StartupTime    string `json:"startup_time"`
	LastReloadTime string `json:"last_reload_time"`
}

// AsteriskPing is Asterisk's AsteriskPing model.
type AsteriskPing struct {
	AsteriskID string `json:"asterisk_id"`
	Ping       string `json:"ping"`
	Timestamp  string `json:"timestamp"`
}

// Variable is Asterisk's Variable model.
type Variable struct {
	Value string `json:"value"`
}
