package ari

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/coder/websocket"
)

type wsConn = websocket.Conn

// Conn is what a call sees of the Asterisk node its channels live on:
// subscriptions for events, and REST grouped by concern so that consumers
// can depend on the slice they use. Every operation is bounded by ctx and
// by Options.RequestTimeout. *Node implements it. The gateway defines its
// own, smaller interfaces where it needs them.
type Conn interface {
	Name() string
	App() string
	Subscribe() *Subscription
	ChannelOps
	MediaOps
	BridgeOps
	AppOps
}

// ChannelOps act on channels: state, answer, hangup, hold, variables,
// originate and dial.
type ChannelOps interface {
	Channel(ctx context.Context, id string) (*Channel, error)
	Channels(ctx context.Context) ([]Channel, error)
	Answer(ctx context.Context, id string) error
	Hangup(ctx context.Context, id, reason string) error
	Ring(ctx context.Context, id string) error
	StopRing(ctx context.Context, id string) error
	StartMOH(ctx context.Context, id, class string) error
	StopMOH(ctx context.Context, id string) error
	Hold(ctx context.Context, id string) error
	Unhold(ctx context.Context, id string) error
	Mute(ctx context.Context, id, direction string) error
	Unmute(ctx context.Context, id, direction string) error
	SendDTMF(ctx context.Context, id, digits string) error
	Var(ctx context.Context, id, name string) (string, error)
	SetVar(ctx context.Context, id, name, value string) error
	Originate(ctx context.Context, p OriginateParams) (*Channel, error)
	CreateChannel(ctx context.Context, p CreateParams) (*Channel, error)
	Dial(ctx context.Context, id, caller string, timeout time.Duration) error
	ContinueInDialplan(ctx context.Context, id string, p DialplanTarget) error
	Move(ctx context.Context, id, app, appArgs string) error
}

// MediaOps play, record and tap media.
type MediaOps interface {
	Play(ctx context.Context, channelID, playbackID string, media ...string) (*PlaybackData, error)
	PlayBridge(ctx context.Context, bridgeID, playbackID string, media ...string) (*PlaybackData, error)
	StopPlayback(ctx context.Context, playbackID string) error
	Playback(ctx context.Context, playbackID string) (*PlaybackData, error)
	ControlPlayback(ctx context.Context, playbackID, operation string) error
	Record(ctx context.Context, id string, p RecordParams) (*LiveRecordingData, error)
	RecordBridge(ctx context.Context, bridgeID string, p RecordParams) (*LiveRecordingData, error)
	StopRecording(ctx context.Context, name string) error
	ExternalMedia(ctx context.Context, p ExternalMediaParams) (*ExternalMedia, error)
	Snoop(ctx context.Context, id string, p SnoopParams) (*Channel, error)
}

// BridgeOps manage bridges and their members.
type BridgeOps interface {
	CreateBridge(ctx context.Context, id, typ, name string) (*BridgeData, error)
	Bridge(ctx context.Context, id string) (*BridgeData, error)
	Bridges(ctx context.Context) ([]BridgeData, error)
	DestroyBridge(ctx context.Context, id string) error
	AddChannel(ctx context.Context, bridgeID string, p AddChannelParams) error
	RemoveChannel(ctx context.Context, bridgeID string, channels ...string) error
	StartBridgeMOH(ctx context.Context, bridgeID, class string) error
	StopBridgeMOH(ctx context.Context, bridgeID string) error
}

// AppOps concern the application and Asterisk itself.
type AppOps interface {
	Application(ctx context.Context) (*ApplicationData, error)
	SubscribeApp(ctx context.Context, source string) error
	UnsubscribeApp(ctx context.Context, source string) error
	Info(ctx context.Context) (*AsteriskInfo, error)
	Ping(ctx context.Context) (*PingInfo, error)
}

var (
	_ Conn       = (*Node)(nil)
	_ ChannelOps = (*Node)(nil)
	_ MediaOps   = (*Node)(nil)
	_ BridgeOps  = (*Node)(nil)
	_ AppOps     = (*Node)(nil)
)

// Client drives one or more Asterisk nodes. Events nobody watches (above
// all a StasisStart for a new call, with Event.Sub already opened) and the
// adapter's own news (TypeResync, TypeDisconnected, TypeNodeDown,
// ApplicationReplaced) arrive on Events, tagged with their node.
type Client struct {
	nodes  []*Node
	byName map[string]*Node
	events *Mailbox
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once
	// closeIdle releases the keep-alive pool when the client built it.
	closeIdle func()
}

// Open validates the node list, connects every node's event socket (each
// bounded by Options.ConnectAttempts and ctx) and starts reading. It fails
// when a node is misconfigured or refuses the credentials (ErrUnauthorized,
// never retried), or when no node can be reached; a node that is merely
// unreachable while another is up keeps retrying in the background. ctx
// bounds the connecting only; the client lives until Close.
func Open(ctx context.Context, nodes []NodeConfig, opts Options) (*Client, error) {
	if len(nodes) == 0 {
		return nil, fmt.Errorf("%w: no asterisk node configured", ErrConfig)
	}
	ownHTTP := opts.HTTPClient == nil
	opts = opts.withDefaults()
	c := &Client{byName: map[string]*Node{}, events: newMailbox()}
	if ownHTTP {
		c.closeIdle = opts.HTTPClient.CloseIdleConnections
	}
	for _, nc := range nodes {
		if err := nc.Validate(); err != nil {
			return nil, err
		}
		n := newNode(nc, opts, c.events)
		if _, dup := c.byName[n.Name()]; dup {
			return nil, fmt.Errorf("%w: duplicate node name %q", ErrConfig, n.Name())
		}
		c.byName[n.Name()] = n
		c.nodes = append(c.nodes, n)
	}

	conns := make([]*wsConn, len(c.nodes))
	errs := make([]error, len(c.nodes))
	var wg sync.WaitGroup
	for i, n := range c.nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ws, err := n.connectFirst(ctx)
			conns[i], errs[i] = ws, err
		}()
	}
	wg.Wait()

	up := 0
	var fatal []error
	for i, err := range errs {
		switch {
		case err == nil:
			up++
		case errors.Is(err, ErrUnauthorized), errors.Is(err, ErrBadRequest), ctx.Err() != nil:
			fatal = append(fatal, err)
		default:
			c.nodes[i].log.Warn("ari: node unreachable at start, retrying in background", "err", err)
		}
	}
	if len(fatal) > 0 || up == 0 {
		for _, ws := range conns {
			if ws != nil {
				ws.CloseNow()
			}
		}
		if c.closeIdle != nil {
			c.closeIdle()
		}
		if len(fatal) == 0 {
			fatal = errs
		}
		return nil, fmt.Errorf("ari: open: %w", errors.Join(fatal...))
	}

	rctx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	for i, n := range c.nodes {
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			n.run(rctx, conns[i])
		}()
	}
	return c, nil
}

// Events is the default queue: unwatched events and adapter news, in order
// per node. One goroutine should consume it (Next or Ready/TryNext).
func (c *Client) Events() *Mailbox { return c.events }

// Nodes returns the nodes in configuration order.
func (c *Client) Nodes() []*Node { return c.nodes }

// Node returns the node named name (Event.Node), or nil.
func (c *Client) Node(name string) *Node { return c.byName[name] }

// Close stops every socket and goroutine of the client and closes the
// default queue and every Subscription. It waits for them to end.
func (c *Client) Close() error {
	c.once.Do(func() {
		for _, n := range c.nodes {
			n.closed.Store(true)
		}
		c.cancel()
		c.wg.Wait()
		c.events.close()
		for _, n := range c.nodes {
			for _, s := range n.router.all() {
				s.Close()
			}
		}
		if c.closeIdle != nil {
			c.closeIdle()
		}
	})
	return nil
}

// Probe checks one node without starting anything: the configuration, the
// credentials and Asterisk's version (GET /asterisk/info), then that the
// event socket for the app opens. For "liandong doctor".
func Probe(ctx context.Context, cfg NodeConfig, opts Options) (*AsteriskInfo, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	ownHTTP := opts.HTTPClient == nil
	opts = opts.withDefaults()
	if ownHTTP {
		defer opts.HTTPClient.CloseIdleConnections()
	}
	n := newNode(cfg, opts, newMailbox())
	info, err := n.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("ari: probe %s: %w", n.Name(), err)
	}
	ws, err := n.dial(ctx)
	if err != nil {
		return info, fmt.Errorf("ari: probe %s: %w", n.Name(), err)
	}
	ws.CloseNow()
	return info, nil
}
