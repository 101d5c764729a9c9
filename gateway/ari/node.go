package ari

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// Node is one Asterisk node: its event socket, its routing table and REST.
// It implements Conn.
type Node struct {
	cfg    NodeConfig
	opts   Options
	log    *slog.Logger
	http   *http.Client
	wsHTTP *http.Client // http without Timeout: a client timeout would cut the event socket
	auth   string       // "Basic ..." header value
	router *router
	def    *Mailbox // Client.Events

	up       atomic.Bool
	closed   atomic.Bool  // set by Client.Close: REST answers ErrClosed
	conns    atomic.Int64 // successful connections so far
	received atomic.Int64 // messages read
	lastRead atomic.Int64 // unix nanos of the last message read
	skipped  atomic.Int64 // messages that were not events
}

func newNode(cfg NodeConfig, opts Options, def *Mailbox) *Node {
	cfg = cfg.withDefaults()
	ws := *opts.HTTPClient
	ws.Timeout = 0
	return &Node{
		wsHTTP: &ws,
		cfg:    cfg,
		opts:   opts,
		log:    opts.Logger.With("node", cfg.Name),
		http:   opts.HTTPClient,
		auth:   "Basic " + base64.StdEncoding.EncodeToString([]byte(cfg.Username+":"+cfg.Password)),
		router: newRouter(),
		def:    def,
	}
}

// Name is the node's configured name.
func (n *Node) Name() string { return n.cfg.Name }

// App is the Stasis application the node's socket serves.
func (n *Node) App() string { return n.cfg.App }

// Connected reports whether the event socket is up.
func (n *Node) Connected() bool { return n.up.Load() }

// Subscribe opens an empty Subscription on this node. The owner must Close it.
func (n *Node) Subscribe() *Subscription {
	s := newSubscription(n)
	n.router.mu.Lock()
	n.router.subs[s] = struct{}{}
	n.router.mu.Unlock()
	return s
}

// Stats are counters of a node's event socket.
type Stats struct {
	Connections int64 // successful (re)connections
	Received    int64 // messages read
	Skipped     int64 // messages that were not ARI events
	Owners      int   // open Subscriptions
}

// Stats returns the node's counters.
func (n *Node) Stats() Stats {
	n.router.mu.RLock()
	owners := len(n.router.subs)
	n.router.mu.RUnlock()
	return Stats{Connections: n.conns.Load(), Received: n.received.Load(), Skipped: n.skipped.Load(), Owners: owners}
}

func (n *Node) eventsURL() string {
	u := n.cfg.URL + "/events?" + url.Values{"app": {n.cfg.App}, "subscribeAll": {"false"}}.Encode()
	switch {
	case strings.HasPrefix(u, "https://"):
		return "wss://" + u[len("https://"):]
	case strings.HasPrefix(u, "http://"):
		return "ws://" + u[len("http://"):]
	}
	return u
}

// dial makes one attempt to open the event socket.
func (n *Node) dial(ctx context.Context) (*websocket.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, n.opts.DialTimeout)
	defer cancel()
	ws, resp, err := websocket.Dial(ctx, n.eventsURL(), &websocket.DialOptions{
		HTTPClient: n.wsHTTP,
		HTTPHeader: http.Header{"Authorization": {n.auth}},
	})
	if err != nil {
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			var body []byte
			if resp.Body != nil {
				body, _ = io.ReadAll(io.LimitReader(resp.Body, 4096))
			}
			return nil, &Error{Node: n.cfg.Name, Op: "connect events", ID: n.cfg.App, Method: http.MethodGet,
				Path: "/events", Status: resp.StatusCode, Message: errorMessage(body)}
		}
		return nil, fmt.Errorf("ari %s: connect events: %w: %w", n.cfg.Name, ErrUnavailable, err)
	}
	ws.SetReadLimit(n.opts.ReadLimit)
	return ws, nil
}

// connectFirst tries the first connection up to ConnectAttempts times; a
// 401 or a cancelled ctx ends it at once.
func (n *Node) connectFirst(ctx context.Context) (*websocket.Conn, error) {
	var last error
	for i := 0; i < n.opts.ConnectAttempts; i++ {
		if i > 0 {
			if err := sleep(ctx, backoff(i-1, n.opts.BackoffMin, n.opts.BackoffMax)); err != nil {
				return nil, fmt.Errorf("ari %s: connect: %w (last error: %w)", n.cfg.Name, err, last)
			}
		}
		ws, err := n.dial(ctx)
		if err == nil {
			return ws, nil
		}
		last = err
		if errors.Is(err, ErrUnauthorized) || errors.Is(err, ErrBadRequest) || ctx.Err() != nil {
			break
		}
		n.log.Warn("ari: connect failed", "attempt", i+1, "err", err)
	}
	return nil, fmt.Errorf("ari %s: connect: giving up after %d attempt(s): %w", n.cfg.Name, n.opts.ConnectAttempts, last)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// run serves ws, then reconnects with backoff until ctx ends or the node
// gives up.
func (n *Node) run(ctx context.Context, ws *websocket.Conn) {
	failures := 0
	for {
		if ws != nil {
			err := n.serve(ctx, ws)
			if ctx.Err() != nil {
				return
			}
			n.log.Warn("ari: event socket lost, reconnecting", "err", err)
			n.def.push(&Event{Node: n.cfg.Name, Type: TypeDisconnected, Err: err, Received: time.Now()})
			if !errors.Is(err, ErrReplaced) {
				failures = 0
			}
			ws = nil
		}
		if n.opts.ReconnectAttempts > 0 && failures >= n.opts.ReconnectAttempts {
			err := fmt.Errorf("ari %s: giving up after %d reconnect attempts", n.cfg.Name, failures)
			n.log.Error("ari: node down", "err", err)
			n.def.push(&Event{Node: n.cfg.Name, Type: TypeNodeDown, Err: err, Received: time.Now()})
			return
		}
		if sleep(ctx, backoff(failures, n.opts.BackoffMin, n.opts.BackoffMax)) != nil {
			return
		}
		failures++
		var err error
		if ws, err = n.dial(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			n.log.Warn("ari: reconnect failed", "attempt", failures, "err", err)
		}
	}
}

// serve reads ws until it fails. The read loop does nothing but take
// messages off the socket into an unbounded FIFO, so Asterisk's 100 ms write
// timeout never depends on decoding or on any consumer; a second goroutine
// decodes and routes them in order. serve returns once everything read has
// been routed.
func (n *Node) serve(ctx context.Context, ws *websocket.Conn) error {
	cctx, cancel := context.WithCancel(ctx)
	inbox := newMailbox()
	readDone := make(chan struct{})
	var replaced atomic.Bool
	var wg sync.WaitGroup
	defer func() {
		cancel()
		ws.CloseNow()
		wg.Wait()
		n.up.Store(false)
	}()
	n.up.Store(true)
	reconnect := n.conns.Add(1) > 1

	wg.Add(3)
	go func() {
		defer wg.Done()
		n.pinger(cctx, ws)
	}()
	go func() {
		defer wg.Done()
		n.resync(cctx, reconnect)
	}()
	go func() {
		defer wg.Done()
		n.dispatch(inbox, readDone, func() {
			replaced.Store(true)
			ws.CloseNow()
		})
	}()

	var err error
	for {
		var data []byte
		if _, data, err = ws.Read(cctx); err != nil {
			break
		}
		now := time.Now()
		n.lastRead.Store(now.UnixNano())
		n.received.Add(1)
		inbox.push(&Event{Raw: data, Received: now})
	}
	close(readDone)
	cancel()
	wg.Wait() // every message read is routed before the caller reports the loss
	if replaced.Load() {
		return ErrReplaced
	}
	return fmt.Errorf("ari %s: read events: %w", n.cfg.Name, err)
}

// dispatch decodes and routes the messages the reader queued, in order,
// until the reader is done and the queue is empty.
func (n *Node) dispatch(inbox *Mailbox, readDone <-chan struct{}, onReplaced func()) {
	for {
		ev, ok := inbox.pop()
		if !ok {
			select {
			case <-inbox.Ready():
				continue
			case <-readDone:
				if inbox.Len() > 0 {
					continue
				}
				return
			}
		}
		if err := n.handle(ev); errors.Is(err, ErrReplaced) {
			onReplaced()
		}
	}
}

// pinger closes ws when a pong does not come back in time; the reader then
// fails and the node reconnects. This is the socket's read deadline: an idle
// but healthy ARI socket carries no data, so only pongs prove it alive.
func (n *Node) pinger(ctx context.Context, ws *websocket.Conn) {
	t := time.NewTicker(n.opts.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		sent := time.Now()
		pctx, cancel := context.WithTimeout(ctx, n.opts.PongTimeout)
		err := ws.Ping(pctx)
		cancel()
		if err == nil || ctx.Err() != nil {
			continue
		}
		// The pong queues behind the events in the stream: during a burst
		// it comes late, but any message read meanwhile proves the socket
		// alive. Only a socket silent for a whole PongTimeout is dead.
		if time.Unix(0, n.lastRead.Load()).After(sent) {
			continue
		}
		n.log.Warn("ari: event socket silent past the pong timeout, closing", "err", err)
		ws.CloseNow()
		return
	}
}

// handle decodes ev.Raw into ev and routes it. It returns ErrReplaced when
// the socket must be dropped.
func (n *Node) handle(ev *Event) error {
	if err := decodeHeader(ev, ev.Raw); err != nil {
		n.skipped.Add(1)
		n.log.Warn("ari: skipping a message that is not an event", "err", err, "bytes", len(ev.Raw))
		return nil
	}
	ev.Node, ev.node = n.cfg.Name, n
	switch {
	case ev.Type == TypeApplicationReplaced:
		ev.Err = ErrReplaced
		n.log.Error("ari: application replaced: another client opened a socket for this app; reconnecting", "app", n.cfg.App)
		n.def.push(ev)
		return ErrReplaced
	case !ev.pending:
		n.log.Debug("ari: event type unknown to ari/v5, delivered raw", "type", ev.Type)
	}
	n.route(ev)
	return nil
}

func (n *Node) route(ev *Event) {
	if s := n.router.owner(ev); s != nil && s.push(ev) {
		return
	}
	if ev.Type == "StasisStart" && ev.ChannelID != "" {
		s, adopted := n.router.adopt(n, ev.ChannelID)
		if !adopted {
			if s.push(ev) {
				return
			}
		} else {
			ev.Sub = s
		}
	}
	n.def.push(ev)
}

// resync fetches the node's state after a (re)connect and tells the default
// queue and every Subscription of the node.
func (n *Node) resync(ctx context.Context, reconnect bool) {
	snap := &Snapshot{Node: n.cfg.Name, Reconnect: reconnect}
	var errs []error
	app, err := n.Application(ctx)
	if err != nil {
		errs = append(errs, err)
	} else {
		snap.Application = *app
	}
	if snap.Channels, err = n.Channels(ctx); err != nil {
		errs = append(errs, err)
	}
	if snap.Bridges, err = n.Bridges(ctx); err != nil {
		errs = append(errs, err)
	}
	if ctx.Err() != nil {
		return // the socket is already gone; the next connection resyncs
	}
	snap.Err = errors.Join(errs...)
	if snap.Err != nil {
		n.log.Warn("ari: resync incomplete", "err", snap.Err)
	}
	ev := &Event{Node: n.cfg.Name, Type: TypeResync, Snapshot: snap, Received: time.Now()}
	// The owners live now get this snapshot; one opened after the default
	// queue has seen it must not get it as if it were about its own gap.
	subs := n.router.all()
	n.def.push(ev)
	for _, s := range subs {
		s.push(ev)
	}
}
