package ari

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/CyCoreSystems/ari/v5"
)

// Event types the adapter itself emits (never sent by Asterisk).
const (
	// TypeResync: a node (re)connected and Snapshot holds its state. Sent
	// to Client.Events and to every live Subscription of that node.
	TypeResync = "adapter.Resync"
	// TypeDisconnected: a node's event socket dropped (Err says why); the
	// node is reconnecting. Sent to Client.Events.
	TypeDisconnected = "adapter.Disconnected"
	// TypeNodeDown: a node gave up after Options.ReconnectAttempts. Sent to
	// Client.Events.
	TypeNodeDown = "adapter.NodeDown"
	// TypeApplicationReplaced is Asterisk's ApplicationReplaced, delivered to
	// Client.Events with Err = ErrReplaced; the node then reconnects.
	TypeApplicationReplaced = "ApplicationReplaced"
)

// Event is one ARI event as received on a node's socket, or an adapter
// event (Type*). It is shared between receivers: treat it as read-only.
type Event struct {
	Node string // NodeConfig.Name of the node it came from
	Type string // Asterisk's "type", or one of the Type* constants

	// ARI is the event decoded by ari/v5 (*StasisStart, *Dial, ...). It is
	// nil for types ari/v5 does not know (ChannelToneDetected,
	// ChannelTransfer, RESTResponse, ...), for known types it failed to
	// decode (DecodeErr is then set), and for adapter events.
	ARI ARIEvent
	// DecodeErr is why ari/v5 could not decode a type it knows.
	DecodeErr error
	// Raw is the message as received (nil for adapter events).
	Raw []byte

	// What the event is about, extracted for routing.
	ChannelID     string // channel.id; for Dial the peer; for playbacks/recordings the target channel
	BridgeID      string // bridge.id, or the target bridge of a playback/recording
	PlaybackID    string
	RecordingName string
	// Channel fields ari/v5 does not decode.
	Language   string
	ProtocolID string

	// Received is when the reader took the message off the socket.
	Received time.Time

	// Sub is set on a StasisStart for a channel nobody watched: the
	// adapter has already opened a Subscription watching ChannelID, so no
	// later event of that channel can be missed. The receiver owns it and
	// must Close it.
	Sub *Subscription
	// Snapshot is set on TypeResync.
	Snapshot *Snapshot
	// Err is set on TypeDisconnected, TypeNodeDown, TypeApplicationReplaced.
	Err error

	// secondary routing ids: Dial's caller, StasisStart's replaced channel.
	caller, replaced string
	// members are the bridge's channels, a last resort for routing a bridge
	// event nobody watches the bridge for.
	members []string
	// pending: ARI is still to be decoded. The node's dispatcher only
	// decodes what routing needs; the ari/v5 decode (three quarters of the
	// cost) runs on the consumer's goroutine when the event is taken from
	// its queue, so one busy node never serialises every call's decoding.
	pending bool
	node    *Node // for logging a late decode failure
}

// finish completes a deferred ari/v5 decode; called by the single consumer
// that took the event from its queue.
func (ev *Event) finish() {
	if !ev.pending {
		return
	}
	ev.pending = false
	ev.ARI, ev.DecodeErr = decodeARI(ev.Raw)
	if ev.DecodeErr != nil && ev.node != nil {
		ev.node.log.Warn("ari: event ari/v5 cannot decode, delivered raw", "type", ev.Type, "err", ev.DecodeErr)
	}
}

// knownTypes is every event type ari/v5's DecodeEvent handles.
var knownTypes = func() map[string]bool {
	m := map[string]bool{}
	v := reflect.ValueOf(ari.Events)
	for i := 0; i < v.NumField(); i++ {
		if s := v.Field(i).String(); s != "" && s != ari.Events.All {
			m[s] = true
		}
	}
	return m
}()

// KnownType reports whether ari/v5 v5.3.1 can decode events of type t.
func KnownType(t string) bool { return knownTypes[t] }

type idObj struct {
	ID string `json:"id"`
}

// header is the part of an event the adapter needs for routing, decoded
// before (and whatever the result of) ari/v5's decoder.
type header struct {
	Type    string `json:"type"`
	Channel *struct {
		ID         string `json:"id"`
		Language   string `json:"language"`
		ProtocolID string `json:"protocol_id"`
	} `json:"channel"`
	Peer           *idObj `json:"peer"`
	Caller         *idObj `json:"caller"`
	ReplaceChannel *idObj `json:"replace_channel"`
	Bridge         *struct {
		ID       string   `json:"id"`
		Channels []string `json:"channels"`
	} `json:"bridge"`
	Playback *struct {
		ID        string `json:"id"`
		TargetURI string `json:"target_uri"`
	} `json:"playback"`
	Recording *struct {
		Name      string `json:"name"`
		TargetURI string `json:"target_uri"`
	} `json:"recording"`
}

// Decode turns one WebSocket message into an Event. It decodes the type and
// routing ids first, then hands known types to ari/v5; it never panics, and
// fails only when the message is not a JSON object with a "type".
func Decode(data []byte) (*Event, error) {
	ev := &Event{}
	if err := decodeHeader(ev, data); err != nil {
		return nil, err
	}
	ev.finish()
	return ev, nil
}

// decodeHeader fills the type and routing fields and marks known types for
// the ari/v5 decode (finish).
func decodeHeader(ev *Event, data []byte) error {
	var h header
	if err := json.Unmarshal(data, &h); err != nil {
		return fmt.Errorf("ari: decode event: %w", err)
	}
	if h.Type == "" {
		return ErrNoType
	}
	ev.Type, ev.Raw = h.Type, data
	if h.Channel != nil {
		ev.ChannelID, ev.Language, ev.ProtocolID = h.Channel.ID, h.Channel.Language, h.Channel.ProtocolID
	}
	if h.Type == "Dial" && h.Peer != nil {
		ev.ChannelID = h.Peer.ID
	}
	if h.Bridge != nil {
		ev.BridgeID, ev.members = h.Bridge.ID, h.Bridge.Channels
	}
	if h.Caller != nil {
		ev.caller = h.Caller.ID
	}
	if h.ReplaceChannel != nil {
		ev.replaced = h.ReplaceChannel.ID
	}
	target := ""
	if h.Playback != nil {
		ev.PlaybackID, target = h.Playback.ID, h.Playback.TargetURI
	}
	if h.Recording != nil {
		ev.RecordingName, target = h.Recording.Name, h.Recording.TargetURI
	}
	if kind, id, ok := strings.Cut(target, ":"); ok {
		switch kind {
		case "channel":
			if ev.ChannelID == "" {
				ev.ChannelID = id
			}
		case "bridge":
			if ev.BridgeID == "" {
				ev.BridgeID = id
			}
		}
	}
	ev.pending = knownTypes[h.Type]
	return nil
}

// decodeARI runs ari/v5's decoder, turning a panic into an error: one bad
// event must never take the gateway down.
func decodeARI(data []byte) (e ari.Event, err error) {
	defer func() {
		if r := recover(); r != nil {
			e, err = nil, fmt.Errorf("ari: decode event: panic: %v", r)
		}
	}()
	e, err = ari.DecodeEvent(data)
	if err != nil {
		return nil, fmt.Errorf("ari: decode event: %w", err)
	}
	return e, nil
}

// routeKind is what an id names.
type routeKind uint8

const (
	kindChannel routeKind = iota + 1
	kindBridge
	kindPlayback
	kindRecording
)

type routeKey struct {
	kind routeKind
	id   string
}
