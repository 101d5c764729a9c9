package gateway

import (
	"context"
	"time"

	"liandong/gateway/ari"
	"liandong/ivr"
)

// Leg is what the services that take a call over (queues, transfers) see of
// it: its channel on its Asterisk node, and the call's own event queue, which
// only the call's goroutine reads.
type Leg interface {
	// ID is the call id (the caller's channel id).
	ID() string
	ChannelID() string
	Line() string
	CallerNumber() string
	// Conn is the Asterisk node the channel lives on.
	Conn() ari.Conn
	// Subscription is the call's event queue: watch new ids on it before
	// acting on them.
	Subscription() *ari.Subscription
	// NextEvent returns the call's next event; hangups end the call's
	// context, and DTMF is kept for the flow.
	NextEvent(ctx context.Context) (*ari.Event, error)
}

// Queuer puts a caller in a queue until an agent has served them (the ACD).
type Queuer interface {
	Enqueue(ctx context.Context, leg Leg, req ivr.QueueRequest) (ivr.QueueOutcome, error)
}

// Transferer hands a call to another line or desk (110, 119, a trunk).
type Transferer interface {
	Transfer(ctx context.Context, leg Leg, req ivr.TransferRequest) error
}

// CallInfo describes a call for the call log and the API.
type CallInfo struct {
	ID     string
	Node   string
	Line   string
	Caller string // full number: personal data, log only masked
	Flow   string
	// FlowVersion is the flow version the call runs on: reloads do not
	// change a running call.
	FlowVersion string
	Started     time.Time
	Answered    time.Time
}

// Recorder receives the life of every call: the call log.
type Recorder interface {
	ivr.Reporter
	CallStarted(ctx context.Context, c CallInfo)
	CallEnded(ctx context.Context, c CallInfo, end string, at time.Time)
}
