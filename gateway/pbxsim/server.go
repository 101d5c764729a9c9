package pbxsim

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"sync"
	"time"
)

// Server is the emulated Asterisk. All telephony state lives behind one mutex; events
// are marshalled under it, in order, into each event socket's own queue.
type Server struct {
	opts  Options
	log   *slog.Logger
	start time.Time
	epoch int64 // seconds part of channel unique ids

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup // everything that must end before Close returns
	watch  sync.WaitGroup // the Start context watcher

	mu         sync.Mutex
	closed     bool
	seq        int64
	pjsipSeq   int
	localSeq   int
	snoopSeq   int
	recSeq     int
	recordings map[string]*recording
	stored     map[string]stored
	devices    map[string]string
	mailboxes  map[string]MailboxModel
	globals    map[string]string
	ended      map[string]Ended
	endedLog   []string // ids in ended, oldest first, bounded
	channels   map[string]*channel
	bridges    map[string]*bridge
	playbacks  map[string]*playback
	apps       map[string]*app
	endpoints  map[string]*endpoint
	timers     map[*time.Timer]struct{}
	sockets    map[*eventSocket]struct{}
	faults     faultState

	httpMu  sync.Mutex
	httpSrv *http.Server
	addr    string
	handler http.Handler
}

type endpoint struct {
	Endpoint
	channels map[string]*channel
}

// New builds a server; call Start to listen, or mount Handler yourself.
func New(opts Options) *Server {
	opts.setDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	now := time.Now()
	s := &Server{
		opts: opts, log: opts.Logger, start: now, epoch: now.Unix(),
		ctx: ctx, cancel: cancel,
		channels: map[string]*channel{}, bridges: map[string]*bridge{},
		playbacks: map[string]*playback{}, apps: map[string]*app{},
		endpoints: map[string]*endpoint{}, timers: map[*time.Timer]struct{}{},
		sockets:    map[*eventSocket]struct{}{},
		recordings: map[string]*recording{}, stored: map[string]stored{},
		devices: map[string]string{}, mailboxes: map[string]MailboxModel{}, globals: map[string]string{}, ended: map[string]Ended{},
	}
	for _, e := range opts.Endpoints {
		s.endpoints[e.ID()] = &endpoint{Endpoint: e, channels: map[string]*channel{}}
	}
	s.handler = s.buildHandler()
	return s
}

// Handler serves /ari/ (ARI REST and events) and /sim/ (the control API).
func (s *Server) Handler() http.Handler { return s.handler }

// Start listens on addr (e.g. "127.0.0.1:0") and serves until ctx ends or Close.
func (s *Server) Start(ctx context.Context, addr string) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("pbxsim start: %w", err)
	}
	srv := &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return s.ctx }}
	s.httpMu.Lock()
	s.httpSrv, s.addr = srv, ln.Addr().String()
	s.httpMu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("pbxsim serve", "err", err)
		}
	}()
	// The watcher is not in s.wg: it calls close itself, which waits on s.wg.
	s.watch.Add(1)
	go func() {
		defer s.watch.Done()
		select {
		case <-ctx.Done():
			_ = s.close()
		case <-s.ctx.Done():
		}
	}()
	return nil
}

// Addr is the listening address after Start ("127.0.0.1:8088").
func (s *Server) Addr() string {
	s.httpMu.Lock()
	defer s.httpMu.Unlock()
	return s.addr
}

// URL is "http://" + Addr().
func (s *Server) URL() string { return "http://" + s.Addr() }

// Close stops everything: sockets, timers, dialplan goroutines, the listener.
func (s *Server) Close() error {
	err := s.close()
	s.watch.Wait()
	return err
}

func (s *Server) close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		s.wg.Wait()
		return nil
	}
	s.closed = true
	for t := range s.timers {
		t.Stop()
	}
	s.timers = nil
	for _, ch := range s.channels {
		ch.cancel()
	}
	socks := make([]*eventSocket, 0, len(s.sockets))
	for so := range s.sockets {
		socks = append(socks, so)
	}
	s.mu.Unlock()
	s.cancel()
	for _, so := range socks {
		so.kill()
	}
	s.httpMu.Lock()
	srv := s.httpSrv
	s.httpMu.Unlock()
	if srv != nil {
		// A short grace for requests in flight; connections a client opened but never
		// used count as active for five seconds in net/http, so then close them hard.
		sctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		if err := srv.Shutdown(sctx); err != nil {
			_ = srv.Close()
		}
		cancel()
	}
	s.wg.Wait()
	s.closeObserver()
	return nil
}

// after runs fn under s.mu after d, unless the server closed first.
func (s *Server) after(d time.Duration, fn func()) *time.Timer {
	var t *time.Timer
	t = time.AfterFunc(d, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.closed {
			return
		}
		delete(s.timers, t)
		fn()
	})
	if s.timers != nil {
		s.timers[t] = struct{}{}
	}
	return t
}

func (s *Server) stopTimer(t *time.Timer) {
	if t != nil {
		t.Stop()
		delete(s.timers, t)
	}
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func (s *Server) base(typ string) eventBase {
	return eventBase{Type: typ, Timestamp: ts(time.Now()), AsteriskID: s.opts.AsteriskID}
}

// publish marshals ev once per target app and queues it on the app's socket.
func (s *Server) publish(ev event, to []*app) {
	for _, a := range to {
		if a.sock == nil {
			continue
		}
		ev.base().Application = a.name
		data, err := json.Marshal(ev)
		if err != nil {
			s.log.Error("pbxsim marshal event", "type", ev.base().Type, "err", err)
			continue
		}
		a.sock.enqueue(data)
	}
}

func (s *Server) chanTargets(ch *channel) []*app {
	var out []*app
	for _, a := range s.sortedApps() {
		if a.subscribeAll || a.channels[ch.id] {
			out = append(out, a)
		}
	}
	return out
}

func (s *Server) bridgeTargets(b *bridge, ch *channel) []*app {
	var out []*app
	for _, a := range s.sortedApps() {
		if a.subscribeAll || a.bridges[b.id] > 0 || (ch != nil && a.channels[ch.id]) {
			out = append(out, a)
		}
	}
	return out
}

func (s *Server) sortedApps() []*app {
	if len(s.apps) == 1 {
		for _, a := range s.apps {
			return []*app{a}
		}
	}
	out := make([]*app, 0, len(s.apps))
	for _, a := range s.apps {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func (s *Server) chanEvent(ch *channel, ev event) { s.publish(ev, s.chanTargets(ch)) }
