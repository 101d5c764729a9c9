package ari

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func stasisStart(id string) string {
	return `{"type":"StasisStart","timestamp":"2026-11-28T09:34:29.902+0000","args":[],"channel":{"id":"` + id +
		`","name":"PJSIP/pstn-00000000","state":"Ring","protocol_id":"call-` + id + `","caller":{"name":"","number":"13800138000"},"connected":{"name":"","number":""},"accountcode":"","dialplan":{"context":"from-pstn","exten":"12345","priority":2,"app_name":"Stasis","app_data":"liandong"},"creationtime":"2026-11-28T09:34:29.901+0000","language":"zh"},"asterisk_id":"02:fc:00:00:00:01","application":"liandong"}`
}

func varset(id string, i int) string {
	return `{"type":"ChannelVarset","timestamp":"2026-11-28T09:34:29.902+0000","variable":"N","value":"` + strconv.Itoa(i) +
		`","channel":{"id":"` + id + `","name":"PJSIP/pstn-00000000","state":"Up","protocol_id":"","caller":{"name":"","number":""},"connected":{"name":"","number":""},"accountcode":"","dialplan":{"context":"from-pstn","exten":"12345","priority":2,"app_name":"Stasis","app_data":"liandong"},"creationtime":"2026-11-28T09:34:29.901+0000","language":"en"},"asterisk_id":"02:fc:00:00:00:01","application":"liandong"}`
}

// TestReplayInboundCall replays the first recorded call: the StasisStart
// reaches the default queue with a Subscription already watching the
// channel, and every later event of the call lands in it, in order.
func TestReplayInboundCall(t *testing.T) {
	f := newFakeARI(t)
	c := openClient(t, f, testOptions())
	if ev := nextOf(t, c.Events(), TypeResync); ev.Snapshot.Reconnect || ev.Snapshot.Err != nil {
		t.Fatalf("first resync: %+v", ev.Snapshot)
	}
	events := transcriptEvents(t, "01-inbound-playback-dtmf.jsonl")
	for _, e := range events {
		must(t, f.send(e))
	}
	ss := nextOf(t, c.Events(), "StasisStart")
	if ss.Sub == nil || ss.Node != "ast1" || ss.ChannelID != "1795858469.0" || ss.Language != "en" || ss.ProtocolID != "1-27388@127.0.0.1" {
		t.Fatalf("StasisStart: %s sub=%v node=%s", describe(ss), ss.Sub, ss.Node)
	}
	if _, ok := ss.ARI.(*StasisStart); !ok {
		t.Fatalf("ARI = %T", ss.ARI)
	}
	sub := ss.Sub
	defer sub.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for i, raw := range events[1:] {
		var want struct{ Type string }
		must(t, json.Unmarshal(raw, &want))
		ev, err := sub.Next(ctx)
		for err == nil && ev.Type == TypeResync {
			ev, err = sub.Next(ctx)
		}
		if err != nil {
			t.Fatalf("event %d (%s): %v", i+1, want.Type, err)
		}
		if ev.Type != want.Type || string(ev.Raw) != string(raw) {
			t.Fatalf("event %d: got %s, want %s", i+1, ev.Type, want.Type)
		}
	}
	if c.Events().Len() != 0 {
		t.Fatalf("%d events leaked to the default queue", c.Events().Len())
	}
}

// TestUnknownEventMidStream: event types ari/v5 does not know, one it cannot
// decode and a message that is no event at all are delivered raw or skipped;
// the socket stays up and the following events still arrive.
func TestUnknownEventMidStream(t *testing.T) {
	f := newFakeARI(t)
	c := openClient(t, f, testOptions())
	nextOf(t, c.Events(), TypeResync)
	sub := c.Nodes()[0].Subscribe()
	defer sub.Close()
	sub.WatchChannel("1795858600.1")
	extra := strings.Split(strings.TrimSpace(readFile(t, "testdata/extra-events.jsonl")), "\n")
	f.mustSend(t,
		extra[0], // ChannelToneDetected
		extra[1], // ChannelTransfer
		"this is not json",
		extra[2], // RESTResponse
		extra[3], // TextMessageReceived with object variables
		`{"no":"type"}`,
		varset("1795858600.1", 1),
	)
	want := []string{"ChannelToneDetected", "ChannelTransfer", "ChannelVarset"}
	for _, w := range want {
		ev := nextOf(t, sub.Mailbox, w)
		if w != "ChannelVarset" && ev.ARI != nil {
			t.Fatalf("%s decoded as %T", w, ev.ARI)
		}
		if w == "ChannelVarset" {
			if _, ok := ev.ARI.(*ChannelVarset); !ok {
				t.Fatalf("ChannelVarset ARI = %T", ev.ARI)
			}
		}
	}
	rr := nextOf(t, c.Events(), "RESTResponse")
	tm := nextOf(t, c.Events(), "TextMessageReceived")
	if rr.ARI != nil || tm.ARI != nil || tm.DecodeErr == nil {
		t.Fatalf("raw events: %s / %s", describe(rr), describe(tm))
	}
	st := c.Nodes()[0].Stats()
	if st.Connections != 1 || st.Skipped != 2 || st.Received != 7 {
		t.Fatalf("stats %+v: want 1 connection, 2 skipped, 7 received", st)
	}
}

// TestBurstWithStalledConsumer: 10,000 events while the owner does not
// consume at all. The reader must take every one of them off the socket
// (Stats.Received) and queue them (Len) while the consumer still sleeps: it
// never waits for a consumer. Nothing is dropped, the order is kept per
// owner, the socket is never reopened. Write latency under load is a speed
// figure and lives in BenchmarkBurstWriteLatency; here a write only fails
// past 5 s (a stalled reader, not a busy machine).
func TestBurstWithStalledConsumer(t *testing.T) {
	f := newFakeARI(t)
	f.writeTimeout = 5 * time.Second
	c := openClient(t, f, testOptions())
	nextOf(t, c.Events(), TypeResync)
	sub := c.Nodes()[0].Subscribe()
	defer sub.Close()
	sub.WatchChannel("owned")
	const total = 10000
	var maxWrite time.Duration
	over := 0
	for i := 0; i < total; i++ {
		id := "owned"
		if i%10 == 9 {
			id = "stranger"
		}
		msg := varset(id, i)
		start := time.Now()
		if err := f.send([]byte(msg)); err != nil {
			t.Fatalf("write %d blocked: %v", i, err)
		}
		d := time.Since(start)
		if d > maxWrite {
			maxWrite = d
		}
		if d > 100*time.Millisecond {
			over++
		}
	}
	t.Logf("slowest write of %d: %v; %d over 100 ms (machine load, see BenchmarkBurstWriteLatency)", total, maxWrite, over)
	n := c.Nodes()[0]
	for deadline := time.Now().Add(10 * time.Second); n.Stats().Received < total || sub.Len() < total*9/10; {
		if time.Now().After(deadline) {
			t.Fatalf("reader stalled while the consumer sleeps: %+v, queued %d", n.Stats(), sub.Len())
		}
		time.Sleep(5 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	check := func(m *Mailbox, wantIDs func(int) bool, n int) {
		t.Helper()
		prev := -1
		for k := 0; k < n; k++ {
			ev, err := m.Next(ctx)
			if err != nil {
				t.Fatalf("after %d events: %v (stats %+v, queued %d)", k, err, c.Nodes()[0].Stats(), m.Len())
			}
			if ev.Type != "ChannelVarset" {
				k--
				continue
			}
			v, _ := strconv.Atoi(ev.ARI.(*ChannelVarset).Value)
			if v <= prev || !wantIDs(v) {
				t.Fatalf("event %d: value %d after %d", k, v, prev)
			}
			prev = v
		}
	}
	check(sub.Mailbox, func(v int) bool { return v%10 != 9 }, total*9/10)
	check(c.Events(), func(v int) bool { return v%10 == 9 }, total/10)
	if st := c.Nodes()[0].Stats(); st.Connections != 1 {
		t.Fatalf("socket was reopened during the burst: %+v", st)
	}
}

// TestStalledREST: a request Asterisk never answers returns a deadline error
// after RequestTimeout; other requests and events are unaffected meanwhile.
func TestStalledREST(t *testing.T) {
	f := newFakeARI(t)
	release := make(chan struct{})
	defer close(release)
	f.handle("POST", "/ari/channels/stall/answer", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	f.handle("GET", "/ari/channels/ok", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]string{"id": "ok", "state": "Up", "language": "zh", "protocol_id": "p-1"})
	})
	opts := testOptions()
	opts.RequestTimeout = 300 * time.Millisecond
	c := openClient(t, f, opts)
	nextOf(t, c.Events(), TypeResync)
	n := c.Nodes()[0]

	done := make(chan error, 1)
	go func() { done <- n.Answer(context.Background(), "stall") }()

	for i := 0; i < 5; i++ {
		ch, err := n.Channel(context.Background(), "ok")
		if err != nil || ch.ID != "ok" || ch.Language != "zh" || ch.ProtocolID != "p-1" {
			t.Fatalf("request during a stall: %+v %v", ch, err)
		}
	}
	f.mustSend(t, stasisStart("during-stall"))
	if ev := nextOf(t, c.Events(), "StasisStart"); ev.ChannelID != "during-stall" {
		t.Fatal(describe(ev))
	} else {
		ev.Sub.Close()
	}
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "answer stall") {
			t.Fatalf("stalled answer: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("stalled request did not return")
	}
	// The caller's own context is honoured too.
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	if err := n.Answer(ctx, "stall"); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled answer: %v", err)
	}
}

func closedPortURL(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr + "/ari"
}

// TestOpenRefused: nothing listens; Open gives up after ConnectAttempts with
// a clear error instead of retrying forever.
func TestOpenRefused(t *testing.T) {
	cfg := NodeConfig{Name: "down", URL: closedPortURL(t), Username: "u", Password: "p", App: "liandong"}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := Open(ctx, []NodeConfig{cfg}, testOptions())
	if c != nil || !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "giving up after 3 attempt(s)") {
		t.Fatalf("Open = %v, %v", c, err)
	}
	if ctx.Err() != nil {
		t.Fatal("Open hung until the test deadline")
	}
	// A cancelled context ends Open at once.
	cctx, ccancel := context.WithCancel(context.Background())
	ccancel()
	opts := testOptions()
	opts.ConnectAttempts = 1000
	if _, err := Open(cctx, []NodeConfig{cfg}, opts); !errors.Is(err, context.Canceled) {
		t.Fatalf("Open with cancelled ctx: %v", err)
	}
}

// TestOpenWrongPassword: a 401 is reported at once, never retried.
func TestOpenWrongPassword(t *testing.T) {
	f := newFakeARI(t)
	cfg := f.cfg()
	cfg.Password = "wrong"
	c, err := Open(context.Background(), []NodeConfig{cfg}, testOptions())
	if c != nil || !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), "Authentication required") {
		t.Fatalf("Open = %v, %v", c, err)
	}
	if got := f.wsAttempts.Load(); got != 1 {
		t.Fatalf("%d socket attempts, want 1", got)
	}
	if StatusCode(err) != 401 {
		t.Fatalf("StatusCode = %d", StatusCode(err))
	}
}

// TestApplicationReplaced: another client takes the app; the adapter alerts
// (ApplicationReplaced on Events), drops the now-deaf socket, reconnects and
// resyncs, and events flow again.
func TestApplicationReplaced(t *testing.T) {
	f := newFakeARI(t)
	opts := testOptions()
	opts.BackoffMin, opts.BackoffMax = 50*time.Millisecond, 100*time.Millisecond
	c := openClient(t, f, opts)
	nextOf(t, c.Events(), TypeResync)
	f.waitConn(t)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	intruder, _, err := websocket.Dial(ctx, strings.Replace(f.srv.URL, "http", "ws", 1)+"/ari/events?app=liandong",
		&websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {c.Nodes()[0].auth}}})
	must(t, err)
	var iwg sync.WaitGroup
	iwg.Add(1)
	go func() { // the other client reads (and so answers pings) until closed
		defer iwg.Done()
		for {
			if _, _, err := intruder.Read(context.Background()); err != nil {
				return
			}
		}
	}()
	defer iwg.Wait()
	defer intruder.CloseNow()

	ar := nextOf(t, c.Events(), TypeApplicationReplaced)
	if !errors.Is(ar.Err, ErrReplaced) {
		t.Fatalf("ApplicationReplaced err = %v", ar.Err)
	}
	if d := nextOf(t, c.Events(), TypeDisconnected); !errors.Is(d.Err, ErrReplaced) {
		t.Fatalf("Disconnected err = %v", d.Err)
	}
	rs := nextOf(t, c.Events(), TypeResync)
	if !rs.Snapshot.Reconnect {
		t.Fatal("resync after replacement not marked as reconnect")
	}
	f.waitConn(t) // the intruder's
	f.waitConn(t) // ours again
	f.mustSend(t, stasisStart("after-replace"))
	ev := nextOf(t, c.Events(), "StasisStart")
	ev.Sub.Close()
	if got := c.Nodes()[0].Stats().Connections; got != 2 {
		t.Fatalf("connections = %d, want 2", got)
	}
}

// TestReconnectResync: the socket drops; the adapter reports it, reconnects
// with backoff and sends a Snapshot to the default queue and to every live
// Subscription, so calls can reconcile the gap.
func TestReconnectResync(t *testing.T) {
	f := newFakeARI(t)
	f.channels = []json.RawMessage{json.RawMessage(`{"id":"c1","name":"PJSIP/pstn-1","state":"Up","language":"zh","protocol_id":"x"}`)}
	f.bridges = []json.RawMessage{json.RawMessage(`{"id":"b1","bridge_type":"mixing","channels":["c1"]}`)}
	c := openClient(t, f, testOptions())
	nextOf(t, c.Events(), TypeResync)
	f.waitConn(t)
	sub := c.Nodes()[0].Subscribe()
	defer sub.Close()
	sub.WatchChannel("c1")

	f.dropSocket()
	nextOf(t, c.Events(), TypeDisconnected)
	rs := nextOf(t, c.Events(), TypeResync)
	mine := nextOf(t, sub.Mailbox, TypeResync)
	if rs.Snapshot != mine.Snapshot || !rs.Snapshot.Reconnect || rs.Snapshot.Err != nil {
		t.Fatalf("snapshot: %+v", rs.Snapshot)
	}
	s := rs.Snapshot
	if !s.HasChannel("c1") || s.HasChannel("c2") || !s.HasBridge("b1") || s.Channels[0].Language != "zh" || s.Application.Name != "liandong" {
		t.Fatalf("snapshot content: %+v", s)
	}
	f.waitConn(t)
	f.mustSend(t, varset("c1", 7))
	if ev := nextOf(t, sub.Mailbox, "ChannelVarset"); ev.ARI.(*ChannelVarset).Value != "7" {
		t.Fatal(describe(ev))
	}
}

// TestPongTimeout: a peer that stops answering pings is dropped and the
// node reconnects.
func TestPongTimeout(t *testing.T) {
	f := newFakeARI(t)
	f.noPong.Store(true)
	opts := testOptions()
	opts.PingInterval, opts.PongTimeout = 30*time.Millisecond, 60*time.Millisecond
	c := openClient(t, f, opts)
	f.waitConn(t)
	f.noPong.Store(false)
	d := nextOf(t, c.Events(), TypeDisconnected)
	if d.Err == nil {
		t.Fatal("no error on disconnect")
	}
	f.waitConn(t)
	if rs := nextOf(t, c.Events(), TypeResync); !rs.Snapshot.Reconnect {
		t.Fatal("no resync after reconnecting")
	}
}

// TestReconnectGivesUp: with ReconnectAttempts set, a node whose Asterisk is
// gone stops after that many attempts and says so.
func TestReconnectGivesUp(t *testing.T) {
	f := newFakeARI(t)
	opts := testOptions()
	opts.ReconnectAttempts = 3
	c := openClient(t, f, opts)
	nextOf(t, c.Events(), TypeResync)
	f.close()
	nextOf(t, c.Events(), TypeDisconnected)
	nd := nextOf(t, c.Events(), TypeNodeDown)
	if nd.Err == nil || !strings.Contains(nd.Err.Error(), "giving up after 3") {
		t.Fatalf("NodeDown: %v", nd.Err)
	}
}

// TestEventsBeforeHTTPResponse: Asterisk sends a new channel's events before
// answering the originate; a caller that watched the id first gets them all,
// and none leaks to the default queue as a "new call".
func TestEventsBeforeHTTPResponse(t *testing.T) {
	f := newFakeARI(t)
	var stateUp atomic.Bool
	f.handle("POST", "/ari/channels", func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("channelId")
		if r.URL.Query().Get("endpoint") != "PJSIP/agent1001" || r.URL.Query().Get("appArgs") != "agent" || r.URL.Query().Get("timeout") != "30" {
			writeJSON(w, 400, map[string]string{"message": "bad query " + r.URL.RawQuery})
			return
		}
		var body struct{ Variables map[string]string }
		json.NewDecoder(r.Body).Decode(&body)
		if body.Variables["LIANDONG_CASE"] != "c-1" {
			writeJSON(w, 400, map[string]string{"message": "variables missing"})
			return
		}
		sendOrFail(t, f, `{"type":"Dial","timestamp":"2026-11-28T09:34:42.900+0000","dialstatus":"","peer":{"id":"`+id+`","name":"PJSIP/agent1001-00000006","state":"Down"},"application":"liandong"}`)
		sendOrFail(t, f, stasisStart(id))
		time.Sleep(20 * time.Millisecond) // let the events win the race, as they do on Asterisk
		writeJSON(w, 200, map[string]string{"id": id, "name": "PJSIP/agent1001-00000006", "state": "Down", "protocol_id": "58001be3", "language": "en"})
	})
	f.handle("POST", "/ari/channels/agent-leg/answer", func(w http.ResponseWriter, r *http.Request) {
		sendOrFail(t, f, `{"type":"ChannelStateChange","timestamp":"2026-11-28T09:34:29.906+0000","channel":{"id":"agent-leg","state":"Up"},"application":"liandong"}`)
		time.Sleep(10 * time.Millisecond)
		w.WriteHeader(204)
	})
	c := openClient(t, f, testOptions())
	nextOf(t, c.Events(), TypeResync)
	n := c.Nodes()[0]
	sub := n.Subscribe()
	defer sub.Close()
	sub.WatchChannel("agent-leg") // before acting
	ch, err := n.Originate(context.Background(), OriginateParams{Endpoint: "PJSIP/agent1001", AppArgs: "agent",
		Timeout: 30 * time.Second, ChannelID: "agent-leg", Variables: map[string]string{"LIANDONG_CASE": "c-1"}})
	if err != nil || ch.ID != "agent-leg" || ch.ProtocolID != "58001be3" || ch.Language != "en" {
		t.Fatalf("originate: %+v %v", ch, err)
	}
	if sub.Len() < 2 {
		t.Fatalf("events sent before the HTTP answer not yet queued: %d (default %d, stats %+v)", sub.Len(), c.Events().Len(), n.Stats())
	}
	must(t, n.Answer(context.Background(), "agent-leg"))
	for _, w := range []string{"Dial", "StasisStart", "ChannelStateChange"} {
		ev := nextOf(t, sub.Mailbox, w)
		if ev.Sub != nil {
			t.Fatal("a watched channel was adopted as a new call")
		}
	}
	stateUp.Store(true)
	if c.Events().Len() != 0 {
		ev, _ := c.Events().TryNext()
		t.Fatalf("leaked to the default queue: %s", describe(ev))
	}
}

// TestPlaybackAndBridgeRouting: playback events follow the playback id, or
// its target channel; bridge events follow a watched bridge; a watched id
// moves between owners.
func TestPlaybackAndBridgeRouting(t *testing.T) {
	f := newFakeARI(t)
	c := openClient(t, f, testOptions())
	nextOf(t, c.Events(), TypeResync)
	n := c.Nodes()[0]
	call, queue := n.Subscribe(), n.Subscribe()
	defer call.Close()
	defer queue.Close()
	call.WatchChannel("c1")
	queue.WatchBridge("hold-1")
	queue.WatchPlayback("announce-1")
	f.mustSend(t,
		`{"type":"PlaybackStarted","playback":{"id":"p-x","target_uri":"channel:c1","state":"playing"}}`,
		`{"type":"PlaybackStarted","playback":{"id":"announce-1","target_uri":"bridge:hold-1","state":"playing"}}`,
		`{"type":"BridgeDestroyed","bridge":{"id":"hold-1","channels":[]}}`,
		`{"type":"ChannelEnteredBridge","bridge":{"id":"hold-1","channels":["c1"]},"channel":{"id":"c1"}}`,
	)
	if ev := nextOf(t, call.Mailbox, "PlaybackStarted"); ev.PlaybackID != "p-x" {
		t.Fatal(describe(ev))
	}
	if ev := nextOf(t, queue.Mailbox, "PlaybackStarted"); ev.PlaybackID != "announce-1" {
		t.Fatal(describe(ev))
	}
	nextOf(t, queue.Mailbox, "BridgeDestroyed")
	nextOf(t, call.Mailbox, "ChannelEnteredBridge") // the channel's owner wins over the bridge's
	queue.WatchChannel("c1")                        // e.g. a transfer hands the caller over
	f.mustSend(t, varset("c1", 1))
	nextOf(t, queue.Mailbox, "ChannelVarset")
	if call.Len() != 0 {
		t.Fatal("moved channel still routed to its old owner")
	}
	queue.UnwatchChannel("c1")
	f.mustSend(t, varset("c1", 2))
	nextOf(t, c.Events(), "ChannelVarset")
	// A bridge nobody watches: its event goes to the owner of a member.
	f.mustSend(t, `{"type":"BridgeDestroyed","bridge":{"id":"unwatched","channels":["x","c1"]}}`)
	nextOf(t, c.Events(), "BridgeDestroyed")
	call.WatchChannel("c1")
	f.mustSend(t, `{"type":"BridgeDestroyed","bridge":{"id":"unwatched","channels":["x","c1"]}}`)
	nextOf(t, call.Mailbox, "BridgeDestroyed")
}

// TestMultiNode: events carry their node; REST goes to the node that owns
// the channel.
func TestMultiNode(t *testing.T) {
	f1, f2 := newFakeARI(t), newFakeARI(t)
	var hits [2]atomic.Int64
	for i, f := range []*fakeARI{f1, f2} {
		f.handle("POST", "/ari/channels/same-id/answer", func(w http.ResponseWriter, r *http.Request) {
			hits[i].Add(1)
			w.WriteHeader(204)
		})
	}
	cfg1, cfg2 := f1.cfg(), f2.cfg()
	cfg2.Name = "ast2"
	c, err := Open(context.Background(), []NodeConfig{cfg1, cfg2}, testOptions())
	must(t, err)
	defer c.Close()
	nextOf(t, c.Events(), TypeResync)
	nextOf(t, c.Events(), TypeResync)
	// Two Asterisks may well hand out the same channel id.
	f2.mustSend(t, stasisStart("same-id"))
	ev := nextOf(t, c.Events(), "StasisStart")
	defer ev.Sub.Close()
	if ev.Node != "ast2" || ev.Sub.Node() != c.Node("ast2") {
		t.Fatalf("node = %s", ev.Node)
	}
	must(t, c.Node(ev.Node).Answer(context.Background(), ev.ChannelID))
	if hits[0].Load() != 0 || hits[1].Load() != 1 {
		t.Fatalf("answers: ast1=%d ast2=%d", hits[0].Load(), hits[1].Load())
	}
	f1.mustSend(t, stasisStart("same-id"))
	ev1 := nextOf(t, c.Events(), "StasisStart")
	defer ev1.Sub.Close()
	if ev1.Node != "ast1" || ev1.Sub == ev.Sub {
		t.Fatal("same channel id on two nodes shared an owner")
	}
	if _, err := Open(context.Background(), []NodeConfig{cfg1, cfg1}, testOptions()); !errors.Is(err, ErrConfig) {
		t.Fatalf("duplicate node names: %v", err)
	}
}

// TestCloseEndsEverything: Close wakes every waiting consumer and returns
// only when all goroutines are gone (TestMain checks leaks).
func TestCloseEndsEverything(t *testing.T) {
	f := newFakeARI(t)
	c := openClient(t, f, testOptions())
	nextOf(t, c.Events(), TypeResync)
	subs := []*Subscription{c.Nodes()[0].Subscribe(), c.Nodes()[0].Subscribe()}
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for _, m := range []*Mailbox{c.Events(), subs[0].Mailbox, subs[1].Mailbox} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := m.Next(context.Background())
			errs <- err
		}()
	}
	time.Sleep(10 * time.Millisecond)
	must(t, c.Close())
	wg.Wait()
	close(errs)
	for err := range errs {
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("Next after Close: %v", err)
		}
	}
	must(t, c.Close()) // idempotent
	subs[0].Close()
}

// TestRecordedResponses decodes Asterisk's recorded answers: externalMedia's
// channelvars, a channel's language and protocol_id, a bridge.
func TestRecordedResponses(t *testing.T) {
	f := newFakeARI(t)
	var em, ch, br []byte
	for _, name := range []string{"06-external-media.jsonl", "01-inbound-playback-dtmf.jsonl", "03-mixing-bridge-agent.jsonl"} {
		for _, l := range readTranscript(t, name) {
			switch {
			case l.Kind != "rest" || l.Status != 200:
			case l.Method == "POST" && l.Path == "/ari/channels/externalMedia" && em == nil:
				em = l.Body
			case l.Method == "GET" && l.Path == "/ari/channels/1795858469.0" && ch == nil:
				ch = l.Body
			case l.Method == "POST" && l.Path == "/ari/bridges" && br == nil:
				br = l.Body
			}
		}
	}
	f.handle("POST", "/ari/channels/externalMedia", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("external_host") != "127.0.0.1:40000" || r.URL.Query().Get("format") != "ulaw" || r.URL.Query().Get("app") != "liandong" {
			writeJSON(w, 400, map[string]string{"message": "bad " + r.URL.RawQuery})
			return
		}
		w.Write(em)
	})
	f.handle("GET", "/ari/channels/1795858469.0", func(w http.ResponseWriter, r *http.Request) { w.Write(ch) })
	f.handle("POST", "/ari/bridges", func(w http.ResponseWriter, r *http.Request) { w.Write(br) })
	n := newNode(f.cfg(), testOptions().withDefaults(), newMailbox())
	ctx := context.Background()
	m, err := n.ExternalMedia(ctx, ExternalMediaParams{ExternalHost: "127.0.0.1:40000", Format: "ulaw"})
	must(t, err)
	if m.LocalAddress != "127.0.0.1" || m.LocalPort == 0 || !strings.HasPrefix(m.Name, "UnicastRTP/") {
		t.Fatalf("external media: %+v", m)
	}
	got, err := n.Channel(ctx, "1795858469.0")
	must(t, err)
	if got.Language != "en" || got.ProtocolID != "1-27388@127.0.0.1" || got.Caller.Number != "13800138000" || got.Dialplan.Exten != "12345" {
		t.Fatalf("channel: %+v", got)
	}
	b, err := n.CreateBridge(ctx, "", "mixing", "case-c")
	must(t, err)
	if b.ID == "" || b.Type != "mixing" || b.Name == "" || b.Technology != "simple_bridge" {
		t.Fatalf("bridge: %+v", b)
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := readFileBytes(p)
	must(t, err)
	return string(b)
}

func sendOrFail(t *testing.T, f *fakeARI, msg string) {
	if err := f.send([]byte(msg)); err != nil {
		t.Errorf("send: %v", err)
	}
}

// TestOneNodeDownAtStart: with two nodes, one unreachable, Open succeeds,
// the other node keeps retrying in the background, and Close ends it.
func TestOneNodeDownAtStart(t *testing.T) {
	f := newFakeARI(t)
	down := NodeConfig{Name: "down", URL: closedPortURL(t), Username: "u", Password: "p", App: "liandong"}
	c, err := Open(context.Background(), []NodeConfig{f.cfg(), down}, testOptions())
	must(t, err)
	if ev := nextOf(t, c.Events(), TypeResync); ev.Node != "ast1" {
		t.Fatalf("resync from %s", ev.Node)
	}
	if c.Node("down").Connected() || !c.Node("ast1").Connected() {
		t.Fatal("connection states wrong")
	}
	time.Sleep(30 * time.Millisecond) // a few reconnect attempts
	must(t, c.Close())
}

func TestProbe(t *testing.T) {
	f := newFakeARI(t)
	f.handle("GET", "/ari/asterisk/info", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"system": map[string]string{"entity_id": "02:fc:00:00:00:01", "version": "22.10.1"}})
	})
	ctx := context.Background()
	info, err := Probe(ctx, f.cfg(), testOptions())
	if err != nil || info.SystemInfo.Version != "22.10.1" {
		t.Fatalf("probe: %+v %v", info, err)
	}
	bad := f.cfg()
	bad.Password = "x"
	if _, err := Probe(ctx, bad, testOptions()); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("probe with a wrong password: %v", err)
	}
	wrongApp := f.cfg()
	wrongApp.App = "other"
	if _, err := Probe(ctx, wrongApp, testOptions()); !errors.Is(err, ErrBadRequest) {
		t.Fatalf("probe of an app the server refuses: %v", err)
	}
	if _, err := Probe(ctx, NodeConfig{URL: "http://x"}, testOptions()); !errors.Is(err, ErrConfig) {
		t.Fatalf("probe of a bad config: %v", err)
	}
}

// TestConcurrentOwners: many calls watch, consume and close at once while
// events for all of them interleave on one socket; each sees exactly its
// own events, in order.
func TestConcurrentOwners(t *testing.T) {
	f := newFakeARI(t)
	c := openClient(t, f, testOptions())
	nextOf(t, c.Events(), TypeResync)
	n := c.Nodes()[0]
	const owners, each = 50, 20
	subs := make([]*Subscription, owners)
	for i := range subs {
		subs[i] = n.Subscribe()
		subs[i].WatchChannel("c-" + strconv.Itoa(i))
	}
	var wg sync.WaitGroup
	errs := make(chan error, owners)
	for i, s := range subs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer s.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			for k := 0; k < each; k++ {
				ev, err := s.Next(ctx)
				if err != nil {
					errs <- fmt.Errorf("owner %d event %d: %w", i, k, err)
					return
				}
				if ev.Type == TypeResync { // the first connection's, if it came late
					k--
					continue
				}
				v, ok := ev.ARI.(*ChannelVarset)
				if !ok || ev.ChannelID != "c-"+strconv.Itoa(i) || v.Value != strconv.Itoa(k) {
					errs <- fmt.Errorf("owner %d event %d: %s", i, k, describe(ev))
					return
				}
				if k == each/2 {
					s.WatchPlayback("p-" + strconv.Itoa(i)) // routing table writes while events flow
				}
			}
		}()
	}
	for k := 0; k < each; k++ {
		for i := 0; i < owners; i++ {
			f.mustSend(t, varset("c-"+strconv.Itoa(i), k))
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if st := n.Stats(); st.Owners != 0 {
		t.Fatalf("%d owners left after every Close", st.Owners)
	}
}

// TestSubscriptionActs: the helpers watch the id they make before the
// request, and drop it when Asterisk refuses.
func TestSubscriptionActs(t *testing.T) {
	f := newFakeARI(t)
	var refused atomic.Bool
	f.handle("POST", "/ari/channels", func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("channelId")
		if refused.Load() {
			writeJSON(w, 500, map[string]string{"error": "Allocation failed"})
			return
		}
		sendOrFail(t, f, stasisStart(id))
		time.Sleep(10 * time.Millisecond)
		writeJSON(w, 200, map[string]string{"id": id, "state": "Down"})
	})
	f.handle("POST", "/ari/channels/c1/play", func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("playbackId")
		sendOrFail(t, f, `{"type":"PlaybackStarted","playback":{"id":"`+id+`","target_uri":"channel:other","state":"playing"}}`)
		writeJSON(w, 201, map[string]string{"id": id, "state": "queued"})
	})
	c := openClient(t, f, testOptions())
	nextOf(t, c.Events(), TypeResync)
	sub := c.Nodes()[0].Subscribe()
	defer sub.Close()
	ch, err := sub.Originate(context.Background(), OriginateParams{Endpoint: "PJSIP/agent1001"})
	must(t, err)
	if ev := nextOf(t, sub.Mailbox, "StasisStart"); ev.ChannelID != ch.ID || ev.Sub != nil || len(ch.ID) != 36 {
		t.Fatalf("originated leg: %s (id %q)", describe(ev), ch.ID)
	}
	pb, err := sub.Play(context.Background(), "c1", "sound:hello-world")
	must(t, err)
	if ev := nextOf(t, sub.Mailbox, "PlaybackStarted"); ev.PlaybackID != pb.ID {
		t.Fatal(describe(ev))
	}
	refused.Store(true)
	_, err = sub.Originate(context.Background(), OriginateParams{Endpoint: "PJSIP/nosuch", ChannelID: "refused-1"})
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("refused originate: %v", err)
	}
	f.mustSend(t, varset("refused-1", 1))
	nextOf(t, c.Events(), "ChannelVarset") // no longer watched
}

// TestLivenessByData: a pong stuck behind a burst does not kill the socket
// as long as events keep arriving; silence past the pong timeout does.
func TestLivenessByData(t *testing.T) {
	f := newFakeARI(t)
	f.noPong.Store(true) // pings are never answered
	opts := testOptions()
	opts.PingInterval, opts.PongTimeout = 50*time.Millisecond, 300*time.Millisecond
	c := openClient(t, f, opts)
	f.waitConn(t)
	for i := 0; i < 150; i++ { // ~750 ms of traffic: several unanswered pings
		f.mustSend(t, varset("x", i))
		time.Sleep(5 * time.Millisecond)
	}
	if st := c.Nodes()[0].Stats(); st.Connections != 1 {
		t.Fatalf("socket dropped while events flowed: %+v", st)
	}
	f.noPong.Store(false)
	nextOf(t, c.Events(), TypeDisconnected) // silence: dropped
}
