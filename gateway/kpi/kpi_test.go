package kpi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"liandong/gateway/calllog"
	"liandong/internal/redistest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var cst = time.FixedZone("CST", 8*3600)

// spec is one crafted call; the events are derived from it.
type spec struct {
	id       string
	start    time.Time
	faq      int
	queue    bool
	answerMS int64 // ms after queueing (or after start if not queued); -1: never answered
	xfers    [][2]string
	category string
	survey   int
	cause    string
}

// The crafted calls. Expected figures are computed by hand in TestFormulas.
func specs() []spec {
	d := func(day, h, m, s int) time.Time { return time.Date(2026, 11, day, h, m, s, 0, cst) }
	return []spec{
		{id: "r1", start: d(28, 10, 0, 0), faq: 1, queue: true, answerMS: 8000, xfers: [][2]string{{"110", "completed"}}, category: "to110-001", survey: 5, cause: "agent_hangup"},
		{id: "r2", start: d(28, 10, 5, 0), queue: true, answerMS: 20000, survey: 3, cause: "caller_hangup"},
		{id: "r3", start: d(28, 11, 0, 0), queue: true, answerMS: 15000, xfers: [][2]string{{"110", "cancelled"}, {"119", "failed"}}, category: "fire", survey: 2, cause: "caller_hangup"},
		{id: "r4", start: d(28, 12, 0, 0), queue: true, answerMS: -1, cause: "abandoned"},
		{id: "r5", start: d(28, 12, 30, 0), queue: true, answerMS: -1, cause: "system"},
		{id: "r6", start: d(28, 13, 0, 0), faq: 2, answerMS: -1, cause: "caller_hangup"},
		{id: "r7", start: d(28, 13, 30, 0), faq: 1, answerMS: -1, cause: "error"},
		{id: "r8", start: d(28, 14, 0, 0), faq: 1, queue: true, answerMS: 3000, survey: 4, cause: "caller_hangup"},
		{id: "r9", start: d(28, 15, 0, 0), answerMS: -1, survey: 1, cause: "caller_hangup"},
		{id: "r10", start: d(28, 16, 0, 0), answerMS: 0, cause: "agent_hangup"}, // straight to an agent, no queue
		{id: "r11", start: d(27, 23, 59, 59), queue: true, answerMS: 30000, cause: "caller_hangup"},
		// 16:00:30 UTC on the 27th is the 28th in Shanghai.
		{id: "r12", start: time.Date(2026, 11, 27, 16, 0, 30, 0, time.UTC), queue: true, answerMS: -1, cause: "caller_hangup"},
	}
}

func (s spec) events() []calllog.Event {
	t := s.start.UnixMilli()
	var evs []calllog.Event
	add := func(typ calllog.Type, p map[string]string) {
		evs = append(evs, calllog.Event{Hotline: "12345", CallID: s.id, Seq: uint64(len(evs) + 1), TimeMS: t, Type: typ, Payload: p})
		t += 1000
	}
	add(calllog.CallStarted, map[string]string{"caller": "13800000" + fmt.Sprintf("%03d", len(s.id)), "line": "12345"})
	for i := range s.faq {
		add(calllog.KBAnswered, map[string]string{"entry": "faq-" + strconv.Itoa(i), "version": "1"})
	}
	if s.category != "" {
		add(calllog.IntakeClassified, map[string]string{"category": s.category, "severity": "IV"})
	}
	if s.queue {
		add(calllog.QueueEntered, map[string]string{"queue": "general"})
	}
	if s.answerMS >= 0 {
		t += s.answerMS - 1000 // the answer comes answerMS after the previous event
		add(calllog.AgentAnswered, map[string]string{"agent": "a1"})
	}
	for i, x := range s.xfers {
		id := strconv.Itoa(i + 1)
		add(calllog.TransferRequested, map[string]string{"xfer": id, "target": x[0]})
		switch x[1] {
		case "completed":
			add(calllog.TransferCompleted, map[string]string{"xfer": id})
		case "cancelled":
			add(calllog.TransferCancelled, map[string]string{"xfer": id})
		case "failed":
			add(calllog.TransferFailed, map[string]string{"xfer": id, "reason": "busy"})
		}
	}
	if s.survey > 0 {
		add(calllog.SurveyRecorded, map[string]string{"score": strconv.Itoa(s.survey)})
	}
	add(calllog.CallEnded, map[string]string{"cause": s.cause})
	return evs
}

// world writes the crafted calls through a real calllog.Log into a real
// redis-server.
func world(t *testing.T) *redis.Client {
	t.Helper()
	srv := redistest.Start(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	t.Cleanup(func() { rdb.Close() })
	ctx := context.Background()
	l, err := calllog.Open(ctx, rdb, calllog.Options{SpoolDir: t.TempDir(), Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range specs() {
		for _, ev := range s.events() {
			if err := l.Emit(ev); err != nil {
				t.Fatalf("%s: %v", s.id, err)
			}
		}
	}
	fctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := l.Flush(fctx); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(fctx); err != nil {
		t.Fatal(err)
	}
	return rdb
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

func f(v float64) *float64 { return &v }

// Expected figures, computed by hand from specs():
// day 2026-11-28 (Shanghai) = r1..r10 and r12 (11 calls); r11 is the 27th.
//
//	asked for an agent: r1 r2 r3 r4 r5 r8 r10 r12 = 8
//	answered: r1 r2 r3 r8 r10 = 5              -> 人工接通率 5/8 = 0.625
//	waits 8, 20, 15, 3, 0 s; <= 15 s: 4       -> 15秒接通率 4/5 = 0.8
//	abandoned: r4 (abandoned), r12 (hung up in queue); r5 ended by the system -> 2/8 = 0.25
//	avg wait 46/5 = 9.2 s; p90: sorted 0 3 8 15 20, rank ceil(4.5)=5 -> 20 s
//	FAQ used: r1 r6 r7 r8 = 4; self-service: r6 only (r7 ended in error, r1 r8 asked) -> 0.25
//	surveyed: r1 5, r2 3, r3 2, r8 4, r9 1 = 5; satisfied (>= 3): 3 -> 0.6
//	transfers: 110 x2, 119 x1; by category to110-001 1, fire 2
//
// month 2026-11 adds r11 (answered after 30 s): asked 9, answered 6 -> 0.6667;
// 15 s 4/6 = 0.6667; abandoned 2/9 = 0.2222; avg 76/6 = 12.667 s;
// p90 rank ceil(5.4)=6 of 0 3 8 15 20 30 -> 30 s.
func TestFormulas(t *testing.T) {
	rdb := world(t)
	ctx := context.Background()
	byPeriod := map[string][]Contribution{}
	waits := map[string][]int64{}
	for _, s := range specs() {
		rec, err := calllog.ReadRecord(ctx, rdb, calllog.DefaultPrefix, "12345", s.id)
		if err != nil {
			t.Fatal(err)
		}
		c, err := FromRecord(rec, Shanghai())
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{c.Day, c.Month} {
			byPeriod[p] = append(byPeriod[p], c)
			if c.WaitMS >= 0 {
				waits[p] = append(waits[p], c.WaitMS)
			}
		}
	}
	tests := []struct {
		period string
		calls  int64
		want   KPIs
	}{
		{"2026-11-28", 11, KPIs{AgentAnswerRate: f(0.625), Answered15sRate: f(0.8), AbandonRate: f(0.25), AvgWaitS: f(9.2), P90WaitS: f(20), SelfServiceRate: f(0.25), SatisfactionRate: f(0.6)}},
		{"2026-11-27", 1, KPIs{AgentAnswerRate: f(1), Answered15sRate: f(0), AbandonRate: f(0), AvgWaitS: f(30), P90WaitS: f(30)}},
		{"2026-11", 12, KPIs{AgentAnswerRate: f(0.6667), Answered15sRate: f(0.6667), AbandonRate: f(0.2222), AvgWaitS: f(12.667), P90WaitS: f(30), SelfServiceRate: f(0.25), SatisfactionRate: f(0.6)}},
	}
	for _, tc := range tests {
		t.Run(tc.period, func(t *testing.T) {
			c := Sum(byPeriod[tc.period])
			if c.Calls != tc.calls {
				t.Errorf("calls %d, want %d", c.Calls, tc.calls)
			}
			got := Compute(c, P90(waits[tc.period]))
			if g, w := js(got), js(tc.want); g != w {
				t.Errorf("kpis\n got %s\nwant %s", g, w)
			}
		})
	}
	day := Sum(byPeriod["2026-11-28"])
	if js(day.ByTarget) != `{"110":2,"119":1}` || js(day.ByCategory) != `{"fire":2,"to110-001":1}` ||
		js(day.ByOutcome) != `{"cancelled":1,"completed":1,"failed":1}` {
		t.Errorf("transfers %v %v %v", day.ByTarget, day.ByCategory, day.ByOutcome)
	}
}

func js(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestP90NearestRank(t *testing.T) {
	for _, tc := range []struct {
		in   []int64
		want int64
	}{
		{[]int64{5}, 5},
		{[]int64{1, 2}, 2},
		{[]int64{10, 1, 9, 2, 8, 3, 7, 4, 6, 5}, 9},
		{[]int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 10},
	} {
		if got := P90(tc.in); got == nil || *got != tc.want {
			t.Errorf("P90(%v) = %v, want %d", tc.in, got, tc.want)
		}
	}
	if P90(nil) != nil {
		t.Error("P90 of nothing must be nil")
	}
}

func TestFromRecordIncomplete(t *testing.T) {
	if _, err := FromRecord(map[string]string{"call_id": "x"}, cst); !errors.Is(err, ErrIncomplete) {
		t.Errorf("err %v, want ErrIncomplete", err)
	}
}

// runAggregator counts the world's calls and returns the aggregator.
func runAggregator(t *testing.T, rdb *redis.Client) *Aggregator {
	t.Helper()
	a := NewAggregator(rdb, AggregatorOptions{Hotlines: []string{"12345"}, Block: 50 * time.Millisecond, Logger: quiet()})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for a.Stats().Counted < uint64(len(specs())) {
		if time.Now().After(deadline) {
			t.Fatalf("counted %+v", a.Stats())
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	return a
}

func TestReportGolden(t *testing.T) {
	rdb := world(t)
	runAggregator(t, rdb)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		opt  ReportOptions
	}{
		{"report-day.golden.json", ReportOptions{Hotlines: []string{"12345"}, Day: "2026-11-28", JSON: true}},
		{"report-month.golden.json", ReportOptions{Hotlines: []string{"12345"}, Month: "2026-11", JSON: true}},
		{"report-day.golden.txt", ReportOptions{Hotlines: []string{"12345", "110"}, Day: "2026-11-28"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			if err := RunReport(ctx, &b, rdb, tc.opt); err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name, b.String())
		})
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if os.Getenv("UPDATE_GOLDEN") != "" {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (UPDATE_GOLDEN=1 to create): %v", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s:\n--- got\n%s--- want\n%s", path, got, want)
	}
}

func TestReportBadPeriod(t *testing.T) {
	srv := redistest.Start(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer rdb.Close()
	for _, opt := range []ReportOptions{
		{Hotlines: []string{"12345"}},
		{Hotlines: []string{"12345"}, Day: "2026-11-28", Month: "2026-11"},
		{Hotlines: []string{"12345"}, Day: "28.11.2026"},
		{Hotlines: []string{"12345"}, Month: "2026-13"},
		{Day: "2026-11-28"},
	} {
		if err := RunReport(context.Background(), &strings.Builder{}, rdb, opt); !errors.Is(err, ErrBadPeriod) {
			t.Errorf("%+v: %v, want ErrBadPeriod", opt, err)
		}
	}
}

// Redelivered call.ended entries (a consumer crashed before XACK) count the
// call once; an ended call whose record is gone is skipped, not fatal.
func TestAggregatorIdempotent(t *testing.T) {
	rdb := world(t)
	a := runAggregator(t, rdb)
	ctx := context.Background()
	before, _, err := Read(ctx, rdb, DayKey(calllog.DefaultPrefix, "12345", "2026-11-28"))
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := rdb.XRange(ctx, calllog.StreamKey(calllog.DefaultPrefix, "12345"), "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if err := a.Handle(ctx, "12345", m); err != nil {
			t.Fatal(err)
		}
	}
	gone := redis.XMessage{ID: "1-1", Values: map[string]any{"type": "call.ended", "call": "never-was"}}
	if err := a.Handle(ctx, "12345", gone); err != nil {
		t.Fatal(err)
	}
	// The batch path too (what Run uses).
	if n, err := a.HandleBatch(ctx, "12345", append(msgs, gone)); err != nil || n != len(msgs)+1 {
		t.Fatalf("batch: %d, %v", n, err)
	}
	after, _, err := Read(ctx, rdb, DayKey(calllog.DefaultPrefix, "12345", "2026-11-28"))
	if err != nil {
		t.Fatal(err)
	}
	if js(before) != js(after) {
		t.Errorf("counts changed on redelivery:\n%s\n%s", js(before), js(after))
	}
	if s := a.Stats(); s.Duplicates != 2*uint64(len(specs())) || s.Skipped != 2 {
		t.Errorf("stats %+v", s)
	}
}
