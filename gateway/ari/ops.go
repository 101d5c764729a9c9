package ari

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// OriginateParams is POST /channels.
type OriginateParams struct {
	Endpoint  string            // e.g. PJSIP/agent1001 (required)
	App       string            // Stasis app; default the node's app
	AppArgs   string            // comma-separated, become StasisStart.Args
	CallerID  string            // `"Name" <number>`
	Timeout   time.Duration     // ring timeout; 0 = Asterisk's default (30 s)
	Variables map[string]string // channel variables (request body)
	// ChannelID and OtherChannelID let the caller Watch the new channel
	// before originating: its events come before the HTTP answer.
	ChannelID      string
	OtherChannelID string
	Originator     string // channel id of the calling party
	Formats        string
}

// CreateParams is POST /channels/create (then Dial).
type CreateParams struct {
	Endpoint       string
	App            string
	AppArgs        string
	ChannelID      string
	OtherChannelID string
	Originator     string
	Formats        string
	Variables      map[string]string
}

// ExternalMediaParams is POST /channels/externalMedia.
type ExternalMediaParams struct {
	ChannelID      string
	App            string
	ExternalHost   string // host:port where Asterisk sends RTP (required)
	Format         string // e.g. ulaw (required)
	Encapsulation  string // default rtp
	Transport      string // default udp
	ConnectionType string // default client
	Direction      string // default both
	Data           string
	Variables      map[string]string
}

// SnoopParams is POST /channels/{id}/snoop.
type SnoopParams struct {
	SnoopID string
	App     string
	AppArgs string
	Spy     string // none, in, out, both
	Whisper string // none, in, out, both
}

// RecordParams is POST /channels|bridges/{id}/record.
type RecordParams struct {
	Name        string // required
	Format      string // required, e.g. wav
	MaxDuration time.Duration
	MaxSilence  time.Duration
	IfExists    string // fail, overwrite, append
	Beep        bool
	TerminateOn string // none, any, *, #
}

// AddChannelParams is POST /bridges/{id}/addChannel.
type AddChannelParams struct {
	Channels   []string
	Role       string
	AbsorbDTMF bool
	Mute       bool
}

func (n *Node) app(a string) string {
	if a == "" {
		return n.cfg.App
	}
	return a
}

func set(q url.Values, k, v string) {
	if v != "" {
		q.Set(k, v)
	}
}

func secs(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return strconv.Itoa(int((d + time.Second - 1) / time.Second))
}

type varsBody struct {
	Variables map[string]string `json:"variables"`
}

func vars(m map[string]string) any {
	if len(m) == 0 {
		return nil
	}
	return varsBody{Variables: m}
}

// --- channels ---

// Channel returns a channel's current state.
func (n *Node) Channel(ctx context.Context, id string) (*Channel, error) {
	var c Channel
	if err := need(n.cfg.Name, "get channel", "channel id", id); err != nil {
		return nil, err
	}
	err := n.do(ctx, req{op: "get channel", id: id, method: http.MethodGet, path: "/channels/" + esc(id), out: &c})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// Channels lists every channel of the node.
func (n *Node) Channels(ctx context.Context) ([]Channel, error) {
	var cs []Channel
	err := n.do(ctx, req{op: "list channels", method: http.MethodGet, path: "/channels", out: &cs})
	return cs, err
}

// Answer answers a channel.
func (n *Node) Answer(ctx context.Context, id string) error {
	return n.chanOp(ctx, "answer", id, http.MethodPost, "/answer", nil)
}

// Hangup hangs a channel up; reason is Asterisk's (normal, busy, congestion,
// no_answer, rejected, ...), "" lets Asterisk choose.
func (n *Node) Hangup(ctx context.Context, id, reason string) error {
	q := url.Values{}
	set(q, "reason", reason)
	return n.chanOp(ctx, "hangup", id, http.MethodDelete, "", q)
}

// Ring indicates ringing to the caller; StopRing stops it.
func (n *Node) Ring(ctx context.Context, id string) error {
	return n.chanOp(ctx, "ring", id, http.MethodPost, "/ring", nil)
}

// StopRing stops ringing indication.
func (n *Node) StopRing(ctx context.Context, id string) error {
	return n.chanOp(ctx, "stop ring", id, http.MethodDelete, "/ring", nil)
}

// StartMOH plays music on hold to the channel (class "" = default).
func (n *Node) StartMOH(ctx context.Context, id, class string) error {
	q := url.Values{}
	set(q, "mohClass", class)
	return n.chanOp(ctx, "start moh", id, http.MethodPost, "/moh", q)
}

// StopMOH stops the channel's music on hold.
func (n *Node) StopMOH(ctx context.Context, id string) error {
	return n.chanOp(ctx, "stop moh", id, http.MethodDelete, "/moh", nil)
}

// Hold puts the channel on hold.
func (n *Node) Hold(ctx context.Context, id string) error {
	return n.chanOp(ctx, "hold", id, http.MethodPost, "/hold", nil)
}

// Unhold takes the channel off hold.
func (n *Node) Unhold(ctx context.Context, id string) error {
	return n.chanOp(ctx, "unhold", id, http.MethodDelete, "/hold", nil)
}

// Mute mutes the channel in direction in, out or both ("" = both).
func (n *Node) Mute(ctx context.Context, id, direction string) error {
	q := url.Values{}
	set(q, "direction", direction)
	return n.chanOp(ctx, "mute", id, http.MethodPost, "/mute", q)
}

// Unmute unmutes the channel in direction in, out or both ("" = both).
func (n *Node) Unmute(ctx context.Context, id, direction string) error {
	q := url.Values{}
	set(q, "direction", direction)
	return n.chanOp(ctx, "unmute", id, http.MethodDelete, "/mute", q)
}

// SendDTMF sends digits to the channel.
func (n *Node) SendDTMF(ctx context.Context, id, digits string) error {
	if err := need(n.cfg.Name, "send dtmf", "digits", digits); err != nil {
		return err
	}
	return n.chanOp(ctx, "send dtmf", id, http.MethodPost, "/dtmf", url.Values{"dtmf": {digits}})
}

// Var reads a channel variable (ErrNotFound when unset).
func (n *Node) Var(ctx context.Context, id, name string) (string, error) {
	if err := need(n.cfg.Name, "get var", "variable name", name); err != nil {
		return "", err
	}
	var v struct {
		Value string `json:"value"`
	}
	if err := need(n.cfg.Name, "get var", "channel id", id); err != nil {
		return "", err
	}
	err := n.do(ctx, req{op: "get var", id: id, method: http.MethodGet, path: "/channels/" + esc(id) + "/variable",
		query: url.Values{"variable": {name}}, out: &v})
	return v.Value, err
}

// SetVar sets a channel variable.
func (n *Node) SetVar(ctx context.Context, id, name, value string) error {
	if err := need(n.cfg.Name, "set var", "variable name", name); err != nil {
		return err
	}
	return n.chanOp(ctx, "set var", id, http.MethodPost, "/variable", url.Values{"variable": {name}, "value": {value}})
}

// Play starts media (one or more URIs, played in turn) on a channel.
// Watch playbackID first to get its events; "" lets Asterisk pick an id.
func (n *Node) Play(ctx context.Context, channelID, playbackID string, media ...string) (*PlaybackData, error) {
	return n.play(ctx, "play", "/channels/", channelID, playbackID, media)
}

// StopPlayback stops a playback.
func (n *Node) StopPlayback(ctx context.Context, playbackID string) error {
	if err := need(n.cfg.Name, "stop playback", "playback id", playbackID); err != nil {
		return err
	}
	return n.do(ctx, req{op: "stop playback", id: playbackID, method: http.MethodDelete, path: "/playbacks/" + esc(playbackID)})
}

// Playback returns a playback's state.
func (n *Node) Playback(ctx context.Context, playbackID string) (*PlaybackData, error) {
	var p PlaybackData
	if err := need(n.cfg.Name, "get playback", "playback id", playbackID); err != nil {
		return nil, err
	}
	if err := n.do(ctx, req{op: "get playback", id: playbackID, method: http.MethodGet, path: "/playbacks/" + esc(playbackID), out: &p}); err != nil {
		return nil, err
	}
	return &p, nil
}

// Originate calls an endpoint into the app.
func (n *Node) Originate(ctx context.Context, p OriginateParams) (*Channel, error) {
	if err := need(n.cfg.Name, "originate", "endpoint", p.Endpoint); err != nil {
		return nil, err
	}
	q := url.Values{"endpoint": {p.Endpoint}, "app": {n.app(p.App)}}
	set(q, "appArgs", p.AppArgs)
	set(q, "callerId", p.CallerID)
	set(q, "timeout", secs(p.Timeout))
	set(q, "channelId", p.ChannelID)
	set(q, "otherChannelId", p.OtherChannelID)
	set(q, "originator", p.Originator)
	set(q, "formats", p.Formats)
	var c Channel
	err := n.do(ctx, req{op: "originate", id: maskNumbers(p.Endpoint), method: http.MethodPost, path: "/channels", query: q, body: vars(p.Variables), out: &c})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// CreateChannel creates a channel without dialing it (then Dial).
func (n *Node) CreateChannel(ctx context.Context, p CreateParams) (*Channel, error) {
	if err := need(n.cfg.Name, "create channel", "endpoint", p.Endpoint); err != nil {
		return nil, err
	}
	q := url.Values{"endpoint": {p.Endpoint}, "app": {n.app(p.App)}}
	set(q, "appArgs", p.AppArgs)
	set(q, "channelId", p.ChannelID)
	set(q, "otherChannelId", p.OtherChannelID)
	set(q, "originator", p.Originator)
	set(q, "formats", p.Formats)
	var c Channel
	err := n.do(ctx, req{op: "create channel", id: maskNumbers(p.Endpoint), method: http.MethodPost, path: "/channels/create", query: q, body: vars(p.Variables), out: &c})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// Dial dials a created channel; caller is the calling channel's id (may be
// ""), timeout 0 = Asterisk's default.
func (n *Node) Dial(ctx context.Context, id, caller string, timeout time.Duration) error {
	q := url.Values{}
	set(q, "caller", caller)
	set(q, "timeout", secs(timeout))
	return n.chanOp(ctx, "dial", id, http.MethodPost, "/dial", q)
}

// ExternalMedia creates an RTP channel to p.ExternalHost and returns the
// local address and port Asterisk uses for it.
func (n *Node) ExternalMedia(ctx context.Context, p ExternalMediaParams) (*ExternalMedia, error) {
	if err := need(n.cfg.Name, "external media", "external host", p.ExternalHost); err != nil {
		return nil, err
	}
	if err := need(n.cfg.Name, "external media", "format", p.Format); err != nil {
		return nil, err
	}
	q := url.Values{"app": {n.app(p.App)}, "external_host": {p.ExternalHost}, "format": {p.Format}}
	set(q, "channelId", p.ChannelID)
	set(q, "encapsulation", p.Encapsulation)
	set(q, "transport", p.Transport)
	set(q, "connection_type", p.ConnectionType)
	set(q, "direction", p.Direction)
	set(q, "data", p.Data)
	var em ExternalMedia
	err := n.do(ctx, req{op: "external media", id: p.ExternalHost, method: http.MethodPost, path: "/channels/externalMedia", query: q, body: vars(p.Variables), out: &em.Channel})
	if err != nil {
		return nil, err
	}
	em.LocalAddress = em.ChannelVars["UNICASTRTP_LOCAL_ADDRESS"]
	em.LocalPort, _ = strconv.Atoi(em.ChannelVars["UNICASTRTP_LOCAL_PORT"])
	return &em, nil
}

// Snoop creates a channel that spies on and/or whispers to channel id.
func (n *Node) Snoop(ctx context.Context, id string, p SnoopParams) (*Channel, error) {
	q := url.Values{"app": {n.app(p.App)}}
	set(q, "appArgs", p.AppArgs)
	set(q, "spy", p.Spy)
	set(q, "whisper", p.Whisper)
	set(q, "snoopId", p.SnoopID)
	var c Channel
	if err := n.chanOpOut(ctx, "snoop", id, http.MethodPost, "/snoop", q, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// Record records a channel.
func (n *Node) Record(ctx context.Context, id string, p RecordParams) (*LiveRecordingData, error) {
	return n.record(ctx, "record channel", "/channels/", id, p)
}

// ControlPlayback pauses, unpauses, restarts, reverses or forwards a
// playback (operation: pause, unpause, restart, reverse, forward).
func (n *Node) ControlPlayback(ctx context.Context, playbackID, operation string) error {
	if err := need(n.cfg.Name, "control playback", "playback id", playbackID); err != nil {
		return err
	}
	if err := need(n.cfg.Name, "control playback", "operation", operation); err != nil {
		return err
	}
	return n.do(ctx, req{op: "control playback", id: playbackID, method: http.MethodPost,
		path: "/playbacks/" + esc(playbackID) + "/control", query: url.Values{"operation": {operation}}})
}

// DialplanTarget is where ContinueInDialplan sends a channel; empty fields
// keep the channel's current value.
type DialplanTarget struct {
	Context   string
	Extension string
	Priority  int
	Label     string
}

// ContinueInDialplan lets the channel leave Stasis and go on in the dialplan.
func (n *Node) ContinueInDialplan(ctx context.Context, id string, p DialplanTarget) error {
	q := url.Values{}
	set(q, "context", p.Context)
	set(q, "extension", p.Extension)
	if p.Priority > 0 {
		q.Set("priority", strconv.Itoa(p.Priority))
	}
	set(q, "label", p.Label)
	return n.chanOp(ctx, "continue in dialplan", id, http.MethodPost, "/continue", q)
}

// Move hands the channel to another Stasis application.
func (n *Node) Move(ctx context.Context, id, app, appArgs string) error {
	if err := need(n.cfg.Name, "move", "app", app); err != nil {
		return err
	}
	q := url.Values{"app": {app}}
	set(q, "appArgs", appArgs)
	return n.chanOp(ctx, "move", id, http.MethodPost, "/move", q)
}

// StopRecording stops a live recording and stores it.
func (n *Node) StopRecording(ctx context.Context, name string) error {
	if err := need(n.cfg.Name, "stop recording", "recording name", name); err != nil {
		return err
	}
	return n.do(ctx, req{op: "stop recording", id: name, method: http.MethodPost, path: "/recordings/live/" + esc(name) + "/stop"})
}

func (n *Node) chanOp(ctx context.Context, op, id, method, sub string, q url.Values) error {
	return n.chanOpOut(ctx, op, id, method, sub, q, nil)
}

func (n *Node) chanOpOut(ctx context.Context, op, id, method, sub string, q url.Values, out any) error {
	if err := need(n.cfg.Name, op, "channel id", id); err != nil {
		return err
	}
	return n.do(ctx, req{op: op, id: id, method: method, path: "/channels/" + esc(id) + sub, query: q, out: out})
}

func (n *Node) play(ctx context.Context, op, base, target, playbackID string, media []string) (*PlaybackData, error) {
	if err := need(n.cfg.Name, op, "target id", target); err != nil {
		return nil, err
	}
	if err := need(n.cfg.Name, op, "media", strings.Join(media, "")); err != nil {
		return nil, err
	}
	q := url.Values{"media": {strings.Join(media, ",")}}
	set(q, "playbackId", playbackID)
	var p PlaybackData
	if err := n.do(ctx, req{op: op, id: target, method: http.MethodPost, path: base + esc(target) + "/play", query: q, out: &p}); err != nil {
		return nil, err
	}
	return &p, nil
}

func (n *Node) record(ctx context.Context, op, base, target string, p RecordParams) (*LiveRecordingData, error) {
	if err := need(n.cfg.Name, op, "target id", target); err != nil {
		return nil, err
	}
	if err := need(n.cfg.Name, op, "recording name", p.Name); err != nil {
		return nil, err
	}
	if err := need(n.cfg.Name, op, "format", p.Format); err != nil {
		return nil, err
	}
	q := url.Values{"name": {p.Name}, "format": {p.Format}}
	set(q, "maxDurationSeconds", secs(p.MaxDuration))
	set(q, "maxSilenceSeconds", secs(p.MaxSilence))
	set(q, "ifExists", p.IfExists)
	if p.Beep {
		q.Set("beep", "true")
	}
	set(q, "terminateOn", p.TerminateOn)
	var r LiveRecordingData
	if err := n.do(ctx, req{op: op, id: target, method: http.MethodPost, path: base + esc(target) + "/record", query: q, out: &r}); err != nil {
		return nil, err
	}
	return &r, nil
}

// --- bridges ---

// CreateBridge creates a bridge; typ is Asterisk's comma list (mixing,
// holding, dtmf_events, proxy_media), id "" lets Asterisk pick. The app is
// not subscribed to bridges it creates: call SubscribeApp("bridge:"+id) to
// get BridgeDestroyed reliably.
func (n *Node) CreateBridge(ctx context.Context, id, typ, name string) (*BridgeData, error) {
	q := url.Values{}
	set(q, "bridgeId", id)
	set(q, "type", typ)
	set(q, "name", name)
	var b BridgeData
	if err := n.do(ctx, req{op: "create bridge", id: id, method: http.MethodPost, path: "/bridges", query: q, out: &b}); err != nil {
		return nil, err
	}
	return &b, nil
}

// Bridge returns a bridge's state.
func (n *Node) Bridge(ctx context.Context, id string) (*BridgeData, error) {
	var b BridgeData
	if err := need(n.cfg.Name, "get bridge", "bridge id", id); err != nil {
		return nil, err
	}
	if err := n.do(ctx, req{op: "get bridge", id: id, method: http.MethodGet, path: "/bridges/" + esc(id), out: &b}); err != nil {
		return nil, err
	}
	return &b, nil
}

// Bridges lists every bridge of the node.
func (n *Node) Bridges(ctx context.Context) ([]BridgeData, error) {
	var bs []BridgeData
	err := n.do(ctx, req{op: "list bridges", method: http.MethodGet, path: "/bridges", out: &bs})
	return bs, err
}

// DestroyBridge destroys a bridge (its channels stay in Stasis).
func (n *Node) DestroyBridge(ctx context.Context, id string) error {
	return n.bridgeOp(ctx, "destroy bridge", id, http.MethodDelete, "", nil)
}

// AddChannel puts channels into a bridge (moving them from another bridge).
func (n *Node) AddChannel(ctx context.Context, bridgeID string, p AddChannelParams) error {
	if err := need(n.cfg.Name, "add channel", "channel list", strings.Join(p.Channels, "")); err != nil {
		return err
	}
	q := url.Values{"channel": {strings.Join(p.Channels, ",")}}
	set(q, "role", p.Role)
	if p.AbsorbDTMF {
		q.Set("absorbDTMF", "true")
	}
	if p.Mute {
		q.Set("mute", "true")
	}
	return n.bridgeOp(ctx, "add channel", bridgeID, http.MethodPost, "/addChannel", q)
}

// RemoveChannel takes channels out of a bridge.
func (n *Node) RemoveChannel(ctx context.Context, bridgeID string, channels ...string) error {
	if err := need(n.cfg.Name, "remove channel", "channel list", strings.Join(channels, "")); err != nil {
		return err
	}
	return n.bridgeOp(ctx, "remove channel", bridgeID, http.MethodPost, "/removeChannel", url.Values{"channel": {strings.Join(channels, ",")}})
}

// StartBridgeMOH plays music on hold to a bridge (class "" = default).
func (n *Node) StartBridgeMOH(ctx context.Context, bridgeID, class string) error {
	q := url.Values{}
	set(q, "mohClass", class)
	return n.bridgeOp(ctx, "start bridge moh", bridgeID, http.MethodPost, "/moh", q)
}

// StopBridgeMOH stops a bridge's music on hold (ErrConflict when none plays).
func (n *Node) StopBridgeMOH(ctx context.Context, bridgeID string) error {
	return n.bridgeOp(ctx, "stop bridge moh", bridgeID, http.MethodDelete, "/moh", nil)
}

// PlayBridge plays media to every member of a bridge.
func (n *Node) PlayBridge(ctx context.Context, bridgeID, playbackID string, media ...string) (*PlaybackData, error) {
	return n.play(ctx, "play bridge", "/bridges/", bridgeID, playbackID, media)
}

// RecordBridge records a bridge's mix.
func (n *Node) RecordBridge(ctx context.Context, bridgeID string, p RecordParams) (*LiveRecordingData, error) {
	return n.record(ctx, "record bridge", "/bridges/", bridgeID, p)
}

func (n *Node) bridgeOp(ctx context.Context, op, id, method, sub string, q url.Values) error {
	if err := need(n.cfg.Name, op, "bridge id", id); err != nil {
		return err
	}
	return n.do(ctx, req{op: op, id: id, method: method, path: "/bridges/" + esc(id) + sub, query: q})
}

// --- application, asterisk ---

// Application returns the app's subscriptions.
func (n *Node) Application(ctx context.Context) (*ApplicationData, error) {
	var a ApplicationData
	if err := n.do(ctx, req{op: "get application", id: n.cfg.App, method: http.MethodGet, path: "/applications/" + esc(n.cfg.App), out: &a}); err != nil {
		return nil, err
	}
	return &a, nil
}

// SubscribeApp subscribes the app to an event source: "channel:ID",
// "bridge:ID", "endpoint:TECH/RES", "deviceState:NAME".
func (n *Node) SubscribeApp(ctx context.Context, source string) error {
	if err := need(n.cfg.Name, "subscribe app", "event source", source); err != nil {
		return err
	}
	return n.do(ctx, req{op: "subscribe app", id: source, method: http.MethodPost,
		path: "/applications/" + esc(n.cfg.App) + "/subscription", query: url.Values{"eventSource": {source}}})
}

// UnsubscribeApp undoes SubscribeApp.
func (n *Node) UnsubscribeApp(ctx context.Context, source string) error {
	if err := need(n.cfg.Name, "unsubscribe app", "event source", source); err != nil {
		return err
	}
	return n.do(ctx, req{op: "unsubscribe app", id: source, method: http.MethodDelete,
		path: "/applications/" + esc(n.cfg.App) + "/subscription", query: url.Values{"eventSource": {source}}})
}

// Info is GET /asterisk/info.
func (n *Node) Info(ctx context.Context) (*AsteriskInfo, error) {
	var i AsteriskInfo
	if err := n.do(ctx, req{op: "asterisk info", method: http.MethodGet, path: "/asterisk/info", out: &i}); err != nil {
		return nil, err
	}
	return &i, nil
}

// Ping is GET /asterisk/ping: a cheap health check.
func (n *Node) Ping(ctx context.Context) (*PingInfo, error) {
	var p PingInfo
	if err := n.do(ctx, req{op: "asterisk ping", method: http.MethodGet, path: "/asterisk/ping", out: &p}); err != nil {
		return nil, err
	}
	return &p, nil
}
