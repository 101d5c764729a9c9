package store

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"liandong/internal/redistest"
	"liandong/knowledge"
)

// waitFor polls cond until it holds or the deadline passes; it returns how
// long it took.
func waitFor(t *testing.T, what string, limit time.Duration, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > limit {
			t.Fatalf("%s: not within %v", what, limit)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(start)
}

func searchable(h *knowledge.Holder, id string, version int) func() bool {
	return func() bool {
		e, ok := h.Index().Entry(id)
		return ok && e.Version == version
	}
}

func TestLiveUpdatesAndOutage(t *testing.T) {
	// Checked after every cleanup, including the redis-server's.
	ign := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ign) })
	srv := redistest.Start(t)
	newClient := func() redis.UniversalClient {
		return redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{srv.Addr}, MaxRetries: -1,
			DialTimeout: 200 * time.Millisecond})
	}
	writer, reader := newClient(), newClient()
	defer writer.Close()
	defer reader.Close()
	ws := New(writer, Options{Prefix: "lv:"})
	rs := New(reader, Options{Prefix: "lv:"})
	publish(t, ws, sample("live-a"))

	h := knowledge.NewHolder(nil)
	live := NewLive(rs, h, LiveOptions{Resync: time.Hour, Recalibrate: time.Hour, RetryMax: 100 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- live.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run = %v", err)
		}
	}()

	waitFor(t, "initial load", 5*time.Second, searchable(h, "live-a", 1))

	// An edit published elsewhere reaches this instance's index.
	ctxb := context.Background()
	e := sample("live-a")
	e.Answer = "第二版答复。"
	if _, err := ws.Edit(ctxb, ed, "live-a", 0, e); err != nil {
		t.Fatal(err)
	}
	// A draft is not served: version 1 stays.
	if e, _ := h.Index().Entry("live-a"); e.Version != 1 {
		t.Fatalf("draft served: version %d", e.Version)
	}
	republish(t, ws, "live-a")
	took := waitFor(t, "publish reaches the index", 5*time.Second, searchable(h, "live-a", 2))
	t.Logf("publish to swap: %v", took)

	if _, err := ws.Archive(ctxb, rev, "live-a", 0, ""); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "archive removes it", 5*time.Second, func() bool { _, ok := h.Index().Entry("live-a"); return !ok })
	if _, err := ws.Rollback(ctxb, rev, "live-a", 0, 1, "restore"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "rollback serves v1's text as v3", 5*time.Second, searchable(h, "live-a", 3))

	// Redis goes away: searches keep answering from the last index.
	srv.Stop()
	time.Sleep(300 * time.Millisecond)
	res := h.Search("怎样查询个人社保缴费记录", 3)
	if len(res.Hits) == 0 || res.Hits[0].ID != "live-a" {
		t.Fatalf("search during outage = %+v, want live-a", res)
	}
	// Redis comes back (empty): a new publish arrives.
	srv.Restart(t)
	waitFor(t, "writer reconnects", 5*time.Second, func() bool { return writer.Ping(ctxb).Err() == nil })
	b := sample("live-b")
	b.Title = "新生儿怎样办理医保参保？"
	b.Answer = "请携带出生医学证明办理。"
	b.SimilarQuestions = nil
	b.Keywords = []string{"医保"}
	publish(t, ws, b)
	waitFor(t, "publish after restart", 5*time.Second, searchable(h, "live-b", 1))
}

func TestReloadUnchangedDoesNotSwap(t *testing.T) {
	s, _, _ := newStore(t)
	publish(t, s, sample("r-1"))
	h := knowledge.NewHolder(nil)
	l := NewLive(s, h, LiveOptions{})
	ctx := context.Background()
	tests := []struct {
		name      string
		calibrate bool
		changed   bool
	}{
		{"first load", false, true},
		{"same set", false, false},
		{"recalibration swaps but is no change", true, false},
	}
	for _, tt := range tests {
		before := h.Index()
		changed, err := l.Reload(ctx, tt.calibrate)
		if err != nil || changed != tt.changed {
			t.Fatalf("%s: changed = %v, %v; want %v", tt.name, changed, err, tt.changed)
		}
		if swapped := h.Index() != before; swapped != (tt.changed || tt.calibrate) {
			t.Errorf("%s: swapped = %v", tt.name, swapped)
		}
	}
}

// A quiet subscription is pinged, not mistaken for an outage: notices
// still arrive after several ping intervals.
func TestLiveQuietSubscription(t *testing.T) {
	ign := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ign) })
	s, _, rdb := newStore(t)
	h := knowledge.NewHolder(nil)
	l := NewLive(s, h, LiveOptions{Resync: time.Hour, Recalibrate: time.Hour, PingEvery: 20 * time.Millisecond})
	sw := l.Swapped() // before Run, so the initial swap cannot be missed
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx) }()
	defer func() {
		cancel()
		<-done
		rdb.Close()
	}()
	select {
	case <-sw:
	case <-time.After(5 * time.Second):
		t.Fatal("no initial load")
	}
	time.Sleep(150 * time.Millisecond) // several ping intervals
	publish(t, s, sample("quiet-1"))
	waitFor(t, "publish after quiet time", 5*time.Second, searchable(h, "quiet-1", 1))
}

func TestSetLexicon(t *testing.T) {
	s, _, _ := newStore(t)
	publish(t, s, sample("lx-1"))
	h := knowledge.NewHolder(nil)
	l := NewLive(s, h, LiveOptions{})
	ctx := context.Background()
	if _, err := l.Reload(ctx, false); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		lx   *knowledge.Lexicon
		ok   bool
	}{
		{"synonyms", &knowledge.Lexicon{Synonyms: map[string][]string{"社保": {"设保"}}}, true},
		{"invalid", &knowledge.Lexicon{Synonyms: map[string][]string{"社保": {""}}}, false},
	}
	for _, tt := range tests {
		before := h.Index()
		err := l.SetLexicon(ctx, tt.lx)
		if (err == nil) != tt.ok {
			t.Fatalf("%s: err = %v", tt.name, err)
		}
		if swapped := h.Index() != before; swapped != tt.ok {
			t.Fatalf("%s: swapped = %v", tt.name, swapped)
		}
	}
	if e, ok := h.Index().Entry("lx-1"); !ok || e.Version != 1 {
		t.Fatal("entry lost after a lexicon change")
	}
}
