package gateway

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"liandong/gateway/ari"
	"liandong/internal/logging"
	"liandong/ivr"
)

// call is one caller's channel in Stasis and the flow it runs. Everything
// but info() runs on the call's own goroutine.
type call struct {
	g         *Gateway
	conn      ari.Conn
	sub       *ari.Subscription
	log       *slog.Logger
	id        string
	channelID string
	node      string
	caller    string
	args      []string
	exten     string

	cancel context.CancelCauseFunc

	digits []byte // DTMF received and not yet read, in order
	gone   bool   // the channel has left Stasis
	// trigger is when the latest event reached the gateway, until the
	// command it caused is sent (see Options.Observe).
	trigger time.Time
	// playing is the playback the call waits for; playbackLost is set when
	// a reconnect found it gone (its PlaybackFinished fell in the gap).
	playing      string
	playbackLost bool

	mu   sync.Mutex // guards the fields info() reads
	meta CallInfo
}

var _ ivr.Call = (*call)(nil)
var _ Leg = (*call)(nil)

func newCall(g *Gateway, conn ari.Conn, sub *ari.Subscription, ss *ari.StasisStart) *call {
	c := &call{
		g:         g,
		conn:      conn,
		sub:       sub,
		id:        ss.Channel.ID,
		channelID: ss.Channel.ID,
		node:      conn.Name(),
		caller:    ss.Channel.Caller.Number,
		args:      ss.Args,
		exten:     ss.Channel.Dialplan.Exten,
	}
	c.log = g.log.With("call", c.id, "caller", logging.Phone(c.caller))
	c.meta = CallInfo{ID: c.id, Node: c.node, Caller: c.caller, Started: time.Now()}
	return c
}

func (c *call) info() CallInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.meta
}

// line picks the flow's line: the first Stasis argument when a flow is
// configured for it, else the dialed extension, else the default line.
func (c *call) pickFlow() (line string, f *ivr.Flow, err error) {
	var cands []string
	if len(c.args) > 0 && c.args[0] != "" {
		cands = append(cands, c.args[0])
	}
	if c.exten != "" {
		cands = append(cands, c.exten)
	}
	if c.g.o.DefaultLine != "" {
		cands = append(cands, c.g.o.DefaultLine)
	}
	for _, l := range cands {
		if f, err = c.g.o.Flows.Flow(l); err == nil {
			return l, f, nil
		}
	}
	if err == nil {
		err = ivr.ErrUnknownLine
	}
	return "", nil, fmt.Errorf("pick flow for lines %v: %w", cands, err)
}

func (c *call) run(parent context.Context) {
	ctx, cancel := context.WithCancelCause(parent)
	c.cancel = cancel
	defer cancel(nil)
	defer c.release(ctx)

	line, flow, err := c.pickFlow()
	if err != nil {
		c.log.Error("no flow for call; hanging up", "err", err)
		c.hangup(ctx, "normal")
		return
	}
	c.mu.Lock()
	c.meta.Line, c.meta.Flow, c.meta.FlowVersion = line, flow.Name, flow.Version()
	c.mu.Unlock()
	c.log = c.log.With("line", line)
	rec := c.g.o.Recorder
	if rec != nil {
		rec.CallStarted(ctx, c.info())
	}
	c.log.Info("call started", "flow", flow.Name, "version", flow.Version())

	var res ivr.Result
	c.reacted()
	if err := c.conn.Answer(ctx, c.channelID); err != nil {
		c.log.Warn("answer failed", "err", err)
		res = ivr.Result{End: ivr.EndError, Err: err}
	} else {
		c.mu.Lock()
		c.meta.Answered = time.Now()
		c.mu.Unlock()
		res = c.g.o.Engine.Run(ctx, flow, c)
	}
	switch res.End {
	case ivr.EndTransferred, ivr.EndQueueTransferred:
		// The call was handed on; whoever took it owns the channel now.
	default:
		c.hangup(ctx, "normal")
	}
	c.log.Info("call ended", "end", res.End, "node", res.Node, "steps", res.Steps, "err", res.Err)
	if rec != nil {
		rec.CallEnded(context.WithoutCancel(ctx), c.info(), string(res.End), time.Now())
	}
}

// release lets go of what the call held, whatever ended it.
func (c *call) release(ctx context.Context) {
	c.sub.Close()
}

// hangup hangs the channel up unless it is gone already; it runs even when
// the call's context has ended, under its own deadline.
func (c *call) hangup(ctx context.Context, reason string) {
	if c.gone {
		return
	}
	c.reacted()
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.g.o.CleanupTimeout)
	defer cancel()
	if err := c.conn.Hangup(hctx, c.channelID, reason); err != nil && !errors.Is(err, ari.ErrNotFound) {
		c.log.Warn("hangup failed", "err", err)
	}
	c.gone = true
}

// NextEvent reads the call's next event and keeps the call's state: DTMF
// is buffered for ReadDigit, and the channel leaving ends the call's context.
func (c *call) NextEvent(ctx context.Context) (*ari.Event, error) {
	ev, err := c.sub.Next(ctx)
	if err != nil {
		return nil, c.why(ctx, err)
	}
	c.handle(ctx, ev)
	return ev, nil
}

// handle keeps the call's state from one of its events.
func (c *call) handle(ctx context.Context, ev *ari.Event) {
	switch ev.Type {
	case "ChannelDtmfReceived", "PlaybackFinished", "StasisEnd", "ChannelHangupRequest":
		// The events the flow acts on.
		c.trigger = ev.Received
	}
	switch ev.Type {
	case "ChannelDtmfReceived":
		if d, ok := ev.ARI.(*ari.ChannelDtmfReceived); ok && ev.ChannelID == c.channelID && len(d.Digit) == 1 {
			c.digits = append(c.digits, d.Digit[0])
		}
	case "StasisEnd", "ChannelHangupRequest", "ChannelDestroyed":
		if ev.ChannelID == c.channelID {
			c.gone = true
			c.cancel(ErrCallerHangup)
		}
	case ari.TypeResync:
		c.checkResync(ctx, ev.Snapshot)
	}
}

// checkResync ends the call if its channel did not survive a reconnect.
// A snapshot is taken while events flow, so a channel missing from it is
// asked about once more before the call is given up.
func (c *call) checkResync(ctx context.Context, snap *ari.Snapshot) {
	// A snapshot taken while the node comes back may be incomplete
	// (snap.Err); every conclusion below is checked with Asterisk itself.
	if snap == nil || !snap.Reconnect {
		return
	}
	if snap.HasChannel(c.channelID) {
		// Events in the gap are lost: a playback that ended then would
		// be waited for forever.
		if c.playing != "" {
			if _, err := c.conn.Playback(ctx, c.playing); errors.Is(err, ari.ErrNotFound) {
				c.playbackLost = true
			}
		}
		return
	}
	_, err := c.conn.Channel(ctx, c.channelID)
	if errors.Is(err, ari.ErrNotFound) {
		c.log.Warn("call's channel gone after reconnect")
		c.gone = true
		c.cancel(ErrChannelGone)
	}
}

// why turns a context error into the call's reason: ivr.ErrHangup when the
// caller left.
func (c *call) why(ctx context.Context, err error) error {
	if cause := context.Cause(ctx); cause != nil && ctx.Err() != nil {
		if errors.Is(cause, ivr.ErrHangup) {
			return cause
		}
		return fmt.Errorf("%w: %w", err, cause)
	}
	if c.gone {
		return ErrCallerHangup
	}
	return err
}

func (c *call) popDigit() byte {
	d := c.digits[0]
	c.digits = c.digits[1:]
	return d
}

// ID implements ivr.Call.
func (c *call) ID() string { return c.id }

// Line implements ivr.Call.
func (c *call) Line() string { return c.info().Line }

// CallerNumber implements ivr.Call.
func (c *call) CallerNumber() string { return c.caller }

// ChannelID implements Leg.
func (c *call) ChannelID() string { return c.channelID }

// Conn implements Leg.
func (c *call) Conn() ari.Conn { return c.conn }

// Subscription implements Leg.
func (c *call) Subscription() *ari.Subscription { return c.sub }

// Play implements ivr.Call: one ARI playback of all the prompt's sounds,
// watched before it is requested since Asterisk may report it first.
func (c *call) Play(ctx context.Context, p ivr.Prompt) (byte, error) {
	if c.gone {
		return 0, ErrCallerHangup
	}
	if len(p.Sounds) == 0 {
		return 0, nil
	}
	if p.BargeIn && len(c.digits) > 0 {
		// The caller typed ahead: they know what they want.
		return c.popDigit(), nil
	}
	id := newID()
	c.sub.WatchPlayback(id)
	defer c.sub.UnwatchPlayback(id)
	c.playing, c.playbackLost = id, false
	defer func() { c.playing = "" }()
	c.reacted()
	if _, err := c.conn.Play(ctx, c.channelID, id, p.Sounds...); err != nil {
		if c.gone || errors.Is(err, ari.ErrNotFound) {
			return 0, ErrCallerHangup
		}
		return 0, fmt.Errorf("play %v: %w", p.Sounds, c.why(ctx, err))
	}
	for {
		ev, err := c.NextEvent(ctx)
		if err != nil {
			c.stopPlayback(ctx, id)
			return 0, err
		}
		if c.playbackLost {
			c.log.Warn("playback ended while the ARI socket was down", "playback", id)
			return 0, nil
		}
		switch ev.Type {
		case "PlaybackFinished":
			if ev.PlaybackID != id {
				continue
			}
			if pf, ok := ev.ARI.(*ari.PlaybackFinished); ok && pf.Playback.State == "failed" {
				return 0, fmt.Errorf("play %v: %w", p.Sounds, ErrPlaybackFailed)
			}
			// A hangup stops the playback too; its events may already be
			// queued behind the finish. Take what is there.
			c.drainReady(ctx)
			if c.gone {
				return 0, ErrCallerHangup
			}
			return 0, nil
		case "ChannelDtmfReceived":
			if p.BargeIn && len(c.digits) > 0 {
				c.stopPlayback(ctx, id)
				return c.popDigit(), nil
			}
		}
	}
}

// reacted records the time from the triggering event to the command about
// to be sent.
func (c *call) reacted() {
	if c.trigger.IsZero() {
		return
	}
	if obs := c.g.o.Observe; obs != nil {
		obs(time.Since(c.trigger))
	}
	c.trigger = time.Time{}
}

// drainReady handles the events already queued, without waiting.
func (c *call) drainReady(ctx context.Context) {
	for !c.gone {
		ev, ok := c.sub.TryNext()
		if !ok {
			return
		}
		c.handle(ctx, ev)
	}
}

func (c *call) stopPlayback(ctx context.Context, id string) {
	if c.gone {
		return
	}
	c.reacted()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.g.o.CleanupTimeout)
	defer cancel()
	if err := c.conn.StopPlayback(sctx, id); err != nil && !errors.Is(err, ari.ErrNotFound) {
		c.log.Warn("stop playback failed", "playback", id, "err", err)
	}
}

// ReadDigit implements ivr.Call.
func (c *call) ReadDigit(ctx context.Context) (byte, error) {
	if len(c.digits) == 0 {
		// Waiting for the caller: what comes next is no reaction to an
		// earlier event (a timeout, or the next key).
		c.trigger = time.Time{}
	}
	for len(c.digits) == 0 {
		if c.gone {
			return 0, ErrCallerHangup
		}
		if _, err := c.NextEvent(ctx); err != nil {
			return 0, err
		}
	}
	return c.popDigit(), nil
}

// Enqueue implements ivr.Call through the configured Queuer; without one
// no agent can be reached, which the flow handles as an unavailable queue.
func (c *call) Enqueue(ctx context.Context, req ivr.QueueRequest) (ivr.QueueOutcome, error) {
	if c.g.o.Queues == nil {
		c.log.Warn("no queue service configured; caller cannot reach an agent", "queue", req.Queue)
		return ivr.QueueUnavailable, nil
	}
	return c.g.o.Queues.Enqueue(ctx, c, req)
}

// Transfer implements ivr.Call through the configured Transferer.
func (c *call) Transfer(ctx context.Context, req ivr.TransferRequest) error {
	if c.g.o.Transfers == nil {
		return fmt.Errorf("transfer to %s: %w", req.Target, ErrNoTransfer)
	}
	return c.g.o.Transfers.Transfer(ctx, c, req)
}

// Hangup implements ivr.Call.
func (c *call) Hangup(ctx context.Context, reason string) error {
	c.hangup(ctx, "normal")
	return nil
}

func newID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "ld-" + hex.EncodeToString(b[:])
}
