package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"liandong/gateway/ari"
	"liandong/internal/logging"
	"liandong/ivr"
)

// Events is the stream of events nobody owns yet: new calls (StasisStart
// with a Subscription opened) and connection news. *ari.Mailbox is one.
type Events interface {
	Next(ctx context.Context) (*ari.Event, error)
}

// Flows gives the flow for a dialed line; *ivr.Registry is one. A call
// keeps the flow it started with, so reloads never disturb live calls.
type Flows interface {
	Flow(line string) (*ivr.Flow, error)
}

// Options configure a Gateway.
type Options struct {
	Logger *slog.Logger
	// Events is the ARI client's default event queue.
	Events Events
	Flows  Flows
	Engine *ivr.Engine
	// Queues, Transfers and Recorder may be nil until those services exist:
	// a flow that needs them then takes its fallback branch.
	Queues    Queuer
	Transfers Transferer
	Recorder  Recorder
	// DefaultLine is the line of a call whose StasisStart names none and
	// whose dialed extension is not a configured line.
	DefaultLine string
	// CleanupTimeout bounds each teardown step (hangup, stopping a playback).
	CleanupTimeout time.Duration
	// Observe, if set, learns each reaction time: from an ARI event
	// reaching the gateway to the command the gateway sends because of it
	// (answer on StasisStart, stop on a barge-in key, the next prompt on
	// PlaybackFinished, ...). For benchmarks and metrics.
	Observe func(d time.Duration)
}

// Gateway runs calls.
type Gateway struct {
	o   Options
	log *slog.Logger

	mu       sync.Mutex
	calls    map[string]*call
	wg       sync.WaitGroup
	draining atomic.Bool
	stopCtx  context.Context // cancelled when Run returns
}

// New returns a gateway; Run starts it.
func New(o Options) (*Gateway, error) {
	if o.Events == nil || o.Flows == nil || o.Engine == nil {
		return nil, errors.New("gateway: new: Events, Flows and Engine are required")
	}
	if o.Logger == nil {
		o.Logger = logging.Discard()
	}
	if o.CleanupTimeout <= 0 {
		o.CleanupTimeout = 3 * time.Second
	}
	return &Gateway{o: o, log: o.Logger, calls: map[string]*call{}}, nil
}

// Run takes calls until ctx ends; then it cancels the calls still live
// (cause ErrShutdown) and returns once every call goroutine has ended. For a
// graceful stop call Drain first.
func (g *Gateway) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(ErrShutdown)
	g.stopCtx = ctx
	defer g.wg.Wait()
	for {
		ev, err := g.o.Events.Next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("gateway: read events: %w", err)
		}
		g.handle(ctx, ev)
	}
}

func (g *Gateway) handle(ctx context.Context, ev *ari.Event) {
	switch ev.Type {
	case "StasisStart":
		g.stasisStart(ctx, ev)
	case ari.TypeResync:
		g.resync(ev)
	case ari.TypeApplicationReplaced:
		// Another client took the application: until the adapter has
		// reconnected, Asterisk sends this gateway no new calls.
		g.log.Error("ARI application taken over by another connection; reconnecting", "node", ev.Node, "err", ev.Err)
	case ari.TypeDisconnected, ari.TypeNodeDown:
		g.log.Warn("ARI node connection", "node", ev.Node, "event", ev.Type, "err", ev.Err)
	default:
		// Events of channels no call owns: e.g. the tail of a call that has
		// just ended. Nothing to do.
	}
}

func (g *Gateway) stasisStart(ctx context.Context, ev *ari.Event) {
	ss, ok := ev.ARI.(*ari.StasisStart)
	if !ok || ev.Sub == nil {
		// Someone in this process already owns the channel (an agent leg
		// that a queue originated): it was delivered there, not here.
		return
	}
	conn := ev.Sub.Node()
	if g.draining.Load() {
		ev.Sub.Close()
		hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), g.o.CleanupTimeout)
		defer cancel()
		// Congestion tells the carrier to try elsewhere (another instance).
		if err := conn.Hangup(hctx, ev.ChannelID, "congestion"); err != nil {
			g.log.Warn("refuse call while draining", "channel", ev.ChannelID, "err", err)
		}
		return
	}
	c := newCall(g, conn, ev.Sub, ss)
	c.trigger = ev.Received
	g.mu.Lock()
	g.calls[c.id] = c
	g.mu.Unlock()
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		c.run(ctx)
		g.mu.Lock()
		delete(g.calls, c.id)
		g.mu.Unlock()
	}()
}

// resync reports what an ARI (re)connect found. Each call checks its own
// channel when the same snapshot reaches its subscription (see
// call.NextEvent), so no call is judged from here.
func (g *Gateway) resync(ev *ari.Event) {
	if ev.Snapshot == nil {
		return
	}
	snap := ev.Snapshot
	g.log.Info("ARI node synchronised", "node", ev.Node, "reconnect", snap.Reconnect,
		"channels", len(snap.Channels), "bridges", len(snap.Bridges), "live_calls", g.Live(), "err", snap.Err)
}

// Drain stops taking new calls and waits until the live ones end or ctx
// ends; it returns how many were still live then (Run's end cancels them).
func (g *Gateway) Drain(ctx context.Context) int {
	g.draining.Store(true)
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		n := g.Live()
		if n == 0 {
			return 0
		}
		select {
		case <-ctx.Done():
			return n
		case <-t.C:
		}
	}
}

// Live is the number of calls in progress.
func (g *Gateway) Live() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.calls)
}

// Calls describes the calls in progress.
func (g *Gateway) Calls() []CallInfo {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]CallInfo, 0, len(g.calls))
	for _, c := range g.calls {
		out = append(out, c.info())
	}
	return out
}
