package ari

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// fakeARI is a small ARI server for the adapter's tests: basic auth, the
// /events WebSocket (one subscriber at a time, like Asterisk: a second socket
// for the app gets the first one an ApplicationReplaced), programmable REST
// handlers and fault injection. gateway/pbxsim is the full emulator; this one
// only needs to speak the protocol.
type fakeARI struct {
	t    testing.TB
	srv  *httptest.Server
	user string
	pass string
	app  string

	mu       sync.Mutex
	ws       *websocket.Conn
	all      map[*websocket.Conn]bool
	handlers map[string]http.HandlerFunc // "METHOD /ari/path"
	fallback http.HandlerFunc            // for requests no handler matches
	channels []json.RawMessage           // GET /channels
	bridges  []json.RawMessage           // GET /bridges

	noPong atomic.Bool   // accept sockets but never read them (no pongs)
	quit   chan struct{} // closed by close
	// writeTimeout is Asterisk's websocket_write_timeout: a socket not read
	// within it is dropped. Default 100 ms, as in Asterisk.
	writeTimeout time.Duration
	wsAttempts   atomic.Int64 // /events requests, accepted or not
	wsAccepted   atomic.Int64
	connCh       chan *websocket.Conn
}

func newFakeARI(t testing.TB) *fakeARI {
	t.Helper()
	f := &fakeARI{t: t, user: "liandong", pass: "secret", app: "liandong",
		handlers: map[string]http.HandlerFunc{}, all: map[*websocket.Conn]bool{}, connCh: make(chan *websocket.Conn, 16), quit: make(chan struct{})}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.close)
	return f
}

func (f *fakeARI) close() {
	select {
	case <-f.quit:
		return
	default:
		close(f.quit)
	}
	f.mu.Lock()
	var all []*websocket.Conn
	for c := range f.all {
		all = append(all, c)
	}
	f.ws = nil
	f.mu.Unlock()
	for _, c := range all {
		c.CloseNow()
	}
	f.srv.CloseClientConnections()
	f.srv.Close()
}

func (f *fakeARI) cfg() NodeConfig {
	return NodeConfig{Name: "ast1", URL: f.srv.URL + "/ari", Username: f.user, Password: f.pass, App: f.app}
}

// handle installs a REST handler for an exact method and path.
func (f *fakeARI) handle(method, path string, h http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.handlers[method+" "+path] = h
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if body != nil {
		json.NewEncoder(w).Encode(body)
	}
}

func (f *fakeARI) serve(w http.ResponseWriter, r *http.Request) {
	u, p, ok := r.BasicAuth()
	if r.URL.Path == "/ari/events" {
		f.wsAttempts.Add(1)
	}
	if !ok || u != f.user || p != f.pass {
		w.Header().Set("WWW-Authenticate", `Basic realm="Asterisk REST Interface"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Authentication required"})
		return
	}
	if r.URL.Path == "/ari/events" {
		f.serveEvents(w, r)
		return
	}
	f.mu.Lock()
	h := f.handlers[r.Method+" "+r.URL.Path]
	if h == nil && (r.Method != "GET" || r.URL.Path != "/ari/applications/"+f.app && r.URL.Path != "/ari/channels" && r.URL.Path != "/ari/bridges") {
		h = f.fallback
	}
	f.mu.Unlock()
	if h != nil {
		h(w, r)
		return
	}
	switch r.Method + " " + r.URL.Path {
	case "GET /ari/applications/" + f.app:
		writeJSON(w, 200, map[string]any{"name": f.app, "channel_ids": []string{}, "bridge_ids": []string{},
			"endpoint_ids": []string{}, "device_names": []string{}})
	case "GET /ari/channels":
		f.mu.Lock()
		defer f.mu.Unlock()
		writeJSON(w, 200, append([]json.RawMessage{}, f.channels...))
	case "GET /ari/bridges":
		f.mu.Lock()
		defer f.mu.Unlock()
		writeJSON(w, 200, append([]json.RawMessage{}, f.bridges...))
	default:
		writeJSON(w, 404, map[string]string{"message": "Resource not found"})
	}
}

func (f *fakeARI) serveEvents(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("app") != f.app {
		http.Error(w, "400 Bad Request", http.StatusBadRequest)
		return
	}
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true}) // Asterisk checks no Origin
	if err != nil {
		return
	}
	f.wsAccepted.Add(1)
	f.mu.Lock()
	old := f.ws
	f.ws = c
	f.all[c] = true
	f.mu.Unlock()
	if old != nil {
		// Asterisk tells the old socket and keeps it open, silent.
		f.writeTo(old, []byte(`{"type":"ApplicationReplaced","timestamp":"2026-11-28T09:35:38.078+0000","application":"liandong","asterisk_id":"02:fc:00:00:00:01"}`))
	}
	select {
	case f.connCh <- c:
	default:
	}
	if f.noPong.Load() {
		<-f.quit // a peer that never reads: pings go unanswered
		c.CloseNow()
	} else {
		ctx := c.CloseRead(context.Background()) // answers pings
		<-ctx.Done()
	}
	f.mu.Lock()
	if f.ws == c {
		f.ws = nil
	}
	delete(f.all, c)
	f.mu.Unlock()
}

// waitConn waits for the next accepted socket.
func (f *fakeARI) waitConn(t testing.TB) *websocket.Conn {
	t.Helper()
	select {
	case c := <-f.connCh:
		return c
	case <-time.After(5 * time.Second):
		t.Fatal("no websocket connection")
		return nil
	}
}

func (f *fakeARI) writeTo(c *websocket.Conn, msg []byte) error {
	// Asterisk drops a socket it cannot write to within
	// websocket_write_timeout (http.conf, default 100 ms).
	d := f.writeTimeout
	if d == 0 {
		d = 100 * time.Millisecond
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return c.Write(ctx, websocket.MessageText, msg)
}

// send writes one event to the current subscriber, waiting a little for
// one: the client may see the handshake complete before the handler here
// has registered the socket.
func (f *fakeARI) send(msg []byte) error {
	deadline := time.Now().Add(2 * time.Second)
	for {
		f.mu.Lock()
		c := f.ws
		f.mu.Unlock()
		if c != nil {
			return f.writeTo(c, msg)
		}
		if time.Now().After(deadline) {
			return errors.New("fake ari: no subscriber socket")
		}
		time.Sleep(time.Millisecond)
	}
}

func (f *fakeARI) mustSend(t testing.TB, msgs ...string) {
	t.Helper()
	for _, m := range msgs {
		if err := f.send([]byte(m)); err != nil {
			t.Fatalf("send event: %v", err)
		}
	}
}

// dropSocket closes the subscriber's socket abruptly.
func (f *fakeARI) dropSocket() {
	f.mu.Lock()
	c := f.ws
	f.ws = nil
	f.mu.Unlock()
	if c != nil {
		c.CloseNow()
	}
}

// transcriptLine is one line of gateway/pbxsim/testdata/transcripts/*.jsonl.
type transcriptLine struct {
	Kind    string            `json:"kind"`
	Type    string            `json:"type"`
	Event   json.RawMessage   `json:"event"`
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Query   map[string]string `json:"query"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"body"`
	Msg     string            `json:"msg"`
}

const transcriptDir = "../pbxsim/testdata/transcripts"

func readTranscript(t testing.TB, name string) []transcriptLine {
	t.Helper()
	fh, err := os.Open(filepath.Join(transcriptDir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	var out []transcriptLine
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	for sc.Scan() {
		var l transcriptLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func transcriptFiles(t testing.TB) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(transcriptDir, "*.jsonl"))
	if err != nil || len(m) == 0 {
		t.Fatalf("no transcripts: %v", err)
	}
	for i := range m {
		m[i] = filepath.Base(m[i])
	}
	return m
}

// transcriptEvents returns every recorded event of one transcript.
func transcriptEvents(t testing.TB, name string) [][]byte {
	var out [][]byte
	for _, l := range readTranscript(t, name) {
		if l.Kind == "event" {
			out = append(out, []byte(l.Event))
		}
	}
	return out
}

// testOptions are fast settings for tests.
func testOptions() Options {
	return Options{
		RequestTimeout:  2 * time.Second,
		DialTimeout:     2 * time.Second,
		PingInterval:    200 * time.Millisecond,
		PongTimeout:     3 * time.Second,
		BackoffMin:      5 * time.Millisecond,
		BackoffMax:      50 * time.Millisecond,
		ConnectAttempts: 3,
	}
}

func openClient(t testing.TB, f *fakeARI, opts Options) *Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := Open(ctx, []NodeConfig{f.cfg()}, opts)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// nextOf waits for the next event of type typ on m, skipping others.
func nextOf(t testing.TB, m *Mailbox, typ string) *Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		ev, err := m.Next(ctx)
		if err != nil {
			t.Fatalf("waiting for %s: %v", typ, err)
		}
		if ev.Type == typ {
			return ev
		}
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var _ = strings.TrimSpace

func readFileBytes(p string) ([]byte, error) { return os.ReadFile(p) }
