package calllog

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"liandong/internal/redistest"
)

func TestMain(m *testing.M) {
	// Outage tests make go-redis print every refused dial; the Log's own
	// warnings are what the tests look at.
	redis.SetLogger(quietRedis{})
	goleak.VerifyTestMain(m)
}

type quietRedis struct{}

func (quietRedis) Printf(context.Context, string, ...any) {}

// logBuf collects log output so tests can assert on warnings.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newLogger() (*slog.Logger, *logBuf) {
	b := &logBuf{}
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})), b
}

// startDurable starts a redis-server that keeps acknowledged writes across
// Stop/Restart, as a production Redis with appendfsync always would.
func startDurable(t *testing.T) *redistest.Server {
	t.Helper()
	return redistest.Start(t, "--appendonly", "yes", "--appendfsync", "always")
}

func newClient(t *testing.T, addr string) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{
		Addr:         addr,
		DialTimeout:  300 * time.Millisecond,
		ReadTimeout:  time.Second,
		WriteTimeout: time.Second,
		MaxRetries:   1,
	})
	t.Cleanup(func() { c.Close() })
	return c
}

func testOptions(t *testing.T, dir string) (Options, *logBuf) {
	lg, buf := newLogger()
	return Options{
		SpoolDir:     dir,
		Logger:       lg,
		WriteTimeout: 500 * time.Millisecond,
		RetryMin:     20 * time.Millisecond,
		RetryMax:     100 * time.Millisecond,
	}, buf
}

func openLog(t *testing.T, rdb redis.UniversalClient, opt Options) *Log {
	t.Helper()
	l, err := Open(context.Background(), rdb, opt)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = l.Close(ctx)
	})
	return l
}

func flush(t *testing.T, l *Log) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := l.Flush(ctx); err != nil {
		t.Fatalf("flush: %v (stats %+v)", err, l.Stats())
	}
}

// script is the event list of one full call: every type once or more.
func callScript(i int) []struct {
	t Type
	p map[string]string
} {
	type ev = struct {
		t Type
		p map[string]string
	}
	caller := fmt.Sprintf("138%08d", i)
	return []ev{
		{CallStarted, map[string]string{"caller": caller, "line": "12345", "channel": "pstn"}},
		{IVRChoice, map[string]string{"menu": "main", "choice": "2"}},
		{IVRChoice, map[string]string{"menu": "consult", "choice": "1", "label": "社保"}},
		{KBAnswered, map[string]string{"entry": "faq-" + strconv.Itoa(i%7), "version": "3", "score": "0.82"}},
		{IntakeClassified, map[string]string{"category": "public-safety.noise", "severity": "IV"}},
		{QueueEntered, map[string]string{"queue": "general", "position": "2"}},
		{AgentOffered, map[string]string{"agent": "a17", "queue": "general"}},
		{AgentMissed, map[string]string{"agent": "a17", "reason": "noanswer"}},
		{AgentOffered, map[string]string{"agent": "a18"}},
		{AgentAnswered, map[string]string{"agent": "a18", "queue": "general"}},
		{TransferRequested, map[string]string{"xfer": "1", "target": "110", "mode": "warm", "agent": "a18"}},
		{TransferConsultAnswered, map[string]string{"xfer": "1", "party": "p110-3"}},
		{TransferCancelled, map[string]string{"xfer": "1"}},
		{TransferRequested, map[string]string{"xfer": "2", "target": "119"}},
		{TransferFailed, map[string]string{"xfer": "2", "reason": "busy"}},
		{DispatchCreated, map[string]string{"order": "GD" + strconv.Itoa(100000+i), "kind": "ticket", "unit": "city-env"}},
		{SurveyRecorded, map[string]string{"score": strconv.Itoa(1 + i%5)}},
		{CallEnded, map[string]string{"cause": "caller_hangup", "disposition": "dispatched"}},
	}
}

// streamEntry is one decoded stream entry.
type streamEntry struct {
	id, call, typ string
	seq           uint64
}

func readStream(t *testing.T, rdb redis.UniversalClient, key string) []streamEntry {
	t.Helper()
	ctx := context.Background()
	var out []streamEntry
	start := "-"
	for {
		msgs, err := rdb.XRangeN(ctx, key, start, "+", 5000).Result()
		if err != nil {
			t.Fatalf("xrange %s: %v", key, err)
		}
		for _, m := range msgs {
			seq, _ := strconv.ParseUint(m.Values["seq"].(string), 10, 64)
			out = append(out, streamEntry{id: m.Values["id"].(string), call: m.Values["call"].(string), typ: m.Values["type"].(string), seq: seq})
		}
		if len(msgs) < 5000 {
			return out
		}
		start = "(" + msgs[len(msgs)-1].ID
	}
}

// checkExactlyOnceInOrder verifies every call has seq 1..want, each once,
// in stream order, and no event id appears twice.
func checkExactlyOnceInOrder(t *testing.T, entries []streamEntry, want map[string]uint64) {
	t.Helper()
	ids := map[string]bool{}
	next := map[string]uint64{}
	for _, e := range entries {
		if ids[e.id] {
			t.Errorf("event %s (call %s seq %d) appears twice", e.id, e.call, e.seq)
		}
		ids[e.id] = true
		if e.seq != next[e.call]+1 {
			t.Errorf("call %s: seq %d after %d", e.call, e.seq, next[e.call])
		}
		next[e.call] = e.seq
	}
	for call, n := range want {
		if next[call] != n {
			t.Errorf("call %s: last seq %d, want %d", call, next[call], n)
		}
	}
	if len(next) != len(want) {
		t.Errorf("stream has %d calls, want %d", len(next), len(want))
	}
}

func redistestStart(t testing.TB, args ...string) *redistest.Server {
	return redistest.Start(t, args...)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
