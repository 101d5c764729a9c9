package pbxsim

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

type app struct {
	name         string
	sock         *eventSocket
	subscribeAll bool
	channels     map[string]bool
	bridges      map[string]int // refcount: explicit subscriptions and app channels that entered
	endpoints    map[string]bool
	devices      map[string]bool
}

func (a *app) model() ApplicationModel {
	m := ApplicationModel{Name: a.name, ChannelIDs: keys(a.channels), BridgeIDs: countKeys(a.bridges),
		EndpointIDs: keys(a.endpoints), DeviceNames: keys(a.devices), EventsAllowed: []any{}, EventsDisallowed: []any{}}
	return m
}

func countKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k, n := range m {
		if n > 0 {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// eventSocket is one /ari/events connection: an ordered queue drained by one writer
// goroutine; a write that blocks longer than the write timeout drops the socket.
type eventSocket struct {
	conn    *websocket.Conn
	timeout time.Duration

	mu      sync.Mutex
	queue   [][]byte
	stalled bool
	dead    bool
	notify  chan struct{}
	gone    chan struct{} // closed when the socket is finished
	once    sync.Once
}

func newEventSocket(conn *websocket.Conn, timeout time.Duration) *eventSocket {
	return &eventSocket{conn: conn, timeout: timeout, notify: make(chan struct{}, 1), gone: make(chan struct{})}
}

func (so *eventSocket) enqueue(data []byte) {
	so.mu.Lock()
	if !so.dead {
		so.queue = append(so.queue, data)
	}
	so.mu.Unlock()
	select {
	case so.notify <- struct{}{}:
	default:
	}
}

func (so *eventSocket) setStalled(v bool) {
	so.mu.Lock()
	so.stalled = v
	so.mu.Unlock()
	select {
	case so.notify <- struct{}{}:
	default:
	}
}

// kill closes the connection at once (no close handshake), as a crashed peer would.
func (so *eventSocket) kill() {
	so.once.Do(func() {
		so.mu.Lock()
		so.dead = true
		so.queue = nil
		conn := so.conn
		so.mu.Unlock()
		if conn != nil {
			_ = conn.CloseNow()
		}
		close(so.gone)
	})
}

func (so *eventSocket) writer(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-so.gone:
			return
		case <-so.notify:
		}
		for {
			so.mu.Lock()
			if so.stalled || len(so.queue) == 0 || so.dead {
				so.mu.Unlock()
				break
			}
			batch := so.queue
			so.queue = nil
			conn := so.conn
			so.mu.Unlock()
			for _, msg := range batch {
				wctx, cancel := context.WithTimeout(ctx, so.timeout)
				err := conn.Write(wctx, websocket.MessageText, msg)
				cancel()
				if err != nil {
					so.kill()
					return
				}
			}
		}
	}
}

const badRequestHTML = "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\r\n<html><head>\r\n<title>400 Bad Request</title>\r\n</head><body>\r\n<h1>Bad Request</h1>\r\n<p>HTTP request is missing param: [app]</p>\r\n<hr />\r\n<address>Asterisk</address>\r\n</body></html>\r\n"

// serveEvents handles GET /ari/events?app=A[,B]&subscribeAll=bool.
func (s *Server) serveEvents(w http.ResponseWriter, r *http.Request) {
	var names []string
	for _, n := range strings.Split(r.URL.Query().Get("app"), ",") {
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(badRequestHTML))
		return
	}
	all := astTrue(r.URL.Query().Get("subscribeAll"))
	s.mu.Lock()
	closed := s.closed
	refuse := s.faults.refuseSockets
	s.mu.Unlock()
	if closed || refuse {
		writeErr(w, http.StatusServiceUnavailable, "Service unavailable")
		return
	}
	// The app is registered before the handshake completes, so a client that saw 101 can
	// rely on Stasis() finding it.
	so := newEventSocket(nil, s.opts.WriteTimeout)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.sockets[so] = struct{}{}
	for _, n := range names {
		a := s.apps[n]
		if a == nil {
			a = &app{name: n, channels: map[string]bool{}, bridges: map[string]int{}, endpoints: map[string]bool{}, devices: map[string]bool{}}
			s.apps[n] = a
		} else if a.sock != nil && a.sock != so {
			ev := evPlain{s.base("ApplicationReplaced")}
			s.publish(&ev, []*app{a})
		}
		a.sock = so
		a.subscribeAll = all
	}
	s.mu.Unlock()
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		s.dropSocket(so, names)
		return
	}
	so.mu.Lock()
	so.conn = conn
	so.mu.Unlock()

	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		so.writer(s.ctx)
	}()
	rctx := conn.CloseRead(s.ctx)
	select {
	case <-rctx.Done():
	case <-so.gone:
	case <-s.ctx.Done():
	}
	s.dropSocket(so, names)
}

func (s *Server) dropSocket(so *eventSocket, names []string) {
	so.kill()
	s.mu.Lock()
	delete(s.sockets, so)
	for _, n := range names {
		if a := s.apps[n]; a != nil && a.sock == so {
			// As in Asterisk, an application whose socket closes is
			// deactivated, not forgotten, while channels are still in it:
			// a client that reconnects gets their events again (those sent
			// in the gap are lost).
			a.sock = nil
			if len(a.channels) == 0 {
				delete(s.apps, n)
			}
		}
	}
	s.mu.Unlock()
}

// astTrue is Asterisk's ast_true: yes, true, y, t, 1, on (any case).
func astTrue(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "yes", "true", "y", "t", "1", "on":
		return true
	}
	return false
}
