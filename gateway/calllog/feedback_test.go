package calllog

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// feedbackWorld writes two orders of one caller (the second newer) plus the
// call of the first, and returns the client.
func feedbackWorld(t *testing.T) (*redis.Client, *logBuf) {
	t.Helper()
	s := redistestStart(t)
	rdb := newClient(t, s.Addr)
	opt, buf := testOptions(t, t.TempDir())
	l := openLog(t, rdb, opt)
	c := l.Call("12345", "c-42")
	for _, e := range callScript(1)[:3] {
		if err := c.Emit(e.t, e.p); err != nil {
			t.Fatal(err)
		}
	}
	wo := sampleOrder()
	if err := l.PutWorkOrder("12345", 1, wo); err != nil {
		t.Fatal(err)
	}
	wo2 := sampleOrder()
	wo2.OrderNo, wo2.CallID, wo2.AcceptedAt = "GD20261128000999", "", wo.AcceptedAt+60_000
	if err := l.PutWorkOrder("12345", 1, wo2); err != nil {
		t.Fatal(err)
	}
	flush(t, l)
	return rdb, buf
}

func addFeedback(t *testing.T, rdb redis.UniversalClient, vals ...any) string {
	t.Helper()
	id, err := rdb.XAdd(context.Background(), &redis.XAddArgs{Stream: FeedbackStreamKey(DefaultPrefix, "12345"), Values: vals}).Result()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func runConsumer(t *testing.T, fc *FeedbackConsumer) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- fc.Run(ctx) }()
	return func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}
}

func pending(t *testing.T, rdb redis.UniversalClient) int64 {
	t.Helper()
	p, err := rdb.XPending(context.Background(), FeedbackStreamKey(DefaultPrefix, "12345"), DefaultFeedbackGroup).Result()
	if err != nil {
		t.Fatal(err)
	}
	return p.Count
}

func TestFeedbackAppliedOnceOnRedelivery(t *testing.T) {
	rdb, _ := feedbackWorld(t)
	ctx := context.Background()
	lg, _ := newLogger()
	const order = "GD20261128000123"
	addFeedback(t, rdb, "id", "fb-1", "order", order, "status", "accepted", "ts", "1764300100000", "operator", "u7", "unit", "city-housing", "status_text", "已受理")
	addFeedback(t, rdb, "id", "fb-2", "order", order, "status", "done", "ts", "1764400000000", "operator", "u7", "text", "已协调施工方停止夜间施工")
	// The ticketing side retried its XADD: same id, new stream entry.
	addFeedback(t, rdb, "id", "fb-2", "order", order, "status", "done", "ts", "1764400000000", "operator", "u7", "text", "已协调施工方停止夜间施工")
	// Late delivery of an older step: history only, state unchanged.
	addFeedback(t, rdb, "id", "fb-0", "order", order, "status", "in_progress", "ts", "1764300200000", "operator", "u8")

	fc := NewFeedbackConsumer(rdb, FeedbackOptions{Hotlines: []string{"12345"}, Block: 50 * time.Millisecond, Logger: lg})
	stop := runConsumer(t, fc)
	waitFor(t, "4 entries handled", func() bool { s := fc.Stats(); return s.Applied+s.Duplicates == 4 })
	stop()
	if s := fc.Stats(); s.Applied != 3 || s.Duplicates != 1 || s.DeadLettered != 0 {
		t.Fatalf("stats %+v, want 3 applied, 1 duplicate", s)
	}
	if n := pending(t, rdb); n != 0 {
		t.Errorf("%d entries still pending", n)
	}
	v, err := ReadOrderFeedback(ctx, rdb, DefaultPrefix, "12345", order)
	if err != nil {
		t.Fatal(err)
	}
	if v.Status != "done" || v.StatusAt != 1764400000000 || v.StatusBy != "u7" {
		t.Errorf("state %q at %d by %q, want done at 1764400000000 by u7", v.Status, v.StatusAt, v.StatusBy)
	}
	var ids []string
	for _, h := range v.History {
		ids = append(ids, h.ID+":"+h.Status)
	}
	if got := strings.Join(ids, ","); got != "fb-1:accepted,fb-0:in_progress,fb-2:done" {
		t.Errorf("history %s", got)
	}
	rec, err := ReadRecord(ctx, rdb, DefaultPrefix, "12345", "c-42")
	if err != nil {
		t.Fatal(err)
	}
	if rec["work_order_status"] != "done" || rec["work_order_status_at"] != "1764400000000" {
		t.Errorf("call record status %q at %q", rec["work_order_status"], rec["work_order_status_at"])
	}

	// A second consumer started over the same group sees nothing new.
	fc2 := NewFeedbackConsumer(rdb, FeedbackOptions{Hotlines: []string{"12345"}, Consumer: "other", Block: 50 * time.Millisecond, Logger: lg})
	stop2 := runConsumer(t, fc2)
	time.Sleep(150 * time.Millisecond)
	stop2()
	if s := fc2.Stats(); s != (FeedbackStats{}) {
		t.Errorf("second consumer handled %+v", s)
	}
}

// A consumer that applied an entry and crashed before XACK leaves it
// pending; another consumer claims it with XAUTOCLAIM and applies it again
// without changing anything.
func TestFeedbackCrashBeforeAckIsReclaimed(t *testing.T) {
	rdb, _ := feedbackWorld(t)
	ctx := context.Background()
	lg, _ := newLogger()
	stream := FeedbackStreamKey(DefaultPrefix, "12345")
	if err := rdb.XGroupCreateMkStream(ctx, stream, DefaultFeedbackGroup, "0").Err(); err != nil {
		t.Fatal(err)
	}
	addFeedback(t, rdb, "order", "GD20261128000123", "status", "accepted", "ts", "1764300100000", "operator", "u7")
	// The crashed worker: read, applied, never acknowledged.
	res, err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: DefaultFeedbackGroup, Consumer: "crashed", Streams: []string{stream, ">"}}).Result()
	if err != nil || len(res[0].Messages) != 1 {
		t.Fatalf("read: %v %v", res, err)
	}
	dead := NewFeedbackConsumer(rdb, FeedbackOptions{Hotlines: []string{"12345"}, Logger: lg})
	if err := dead.Handle(ctx, "12345", res[0].Messages[0]); err != nil {
		t.Fatal(err)
	}
	if n := pending(t, rdb); n != 1 {
		t.Fatalf("pending %d, want 1", n)
	}

	fc := NewFeedbackConsumer(rdb, FeedbackOptions{Hotlines: []string{"12345"}, Consumer: "survivor", Block: 50 * time.Millisecond, MinIdle: 100 * time.Millisecond, Logger: lg})
	stop := runConsumer(t, fc)
	waitFor(t, "reclaimed", func() bool { return fc.Stats().Duplicates == 1 })
	waitFor(t, "acknowledged", func() bool { return pending(t, rdb) == 0 })
	stop()
	v, err := ReadOrderFeedback(ctx, rdb, DefaultPrefix, "12345", "GD20261128000123")
	if err != nil {
		t.Fatal(err)
	}
	if len(v.History) != 1 || v.Status != "accepted" || v.History[0].ID != res[0].Messages[0].ID {
		t.Errorf("after reclaim: status %q history %+v", v.Status, v.History)
	}
}

// Bad input on the feedback stream: logged and dead-lettered with a reason,
// acknowledged, never a crash, and the good entry behind them is applied.
func TestFeedbackBadEntriesDeadLettered(t *testing.T) {
	rdb, _ := feedbackWorld(t)
	ctx := context.Background()
	lg, logs := newLogger()
	cases := []struct {
		vals   []any
		reason string
	}{
		{[]any{"order", "GD-NOPE", "status", "done", "ts", "1764300100000", "operator", "u7"}, "unknown work order"},
		{[]any{"order", "GD20261128000123", "status", "finished", "ts", "1764300100000", "operator", "u7"}, `status "finished" is not one of`},
		{[]any{"order", "GD20261128000123", "status", "13812345678", "ts", "1764300100000", "operator", "u7"}, `status "13812345678" is not one of`},
		{[]any{"order", "GD20261128000123", "status", "done", "ts", "yesterday", "operator", "u7"}, `ts "yesterday"`},
		{[]any{"order", "GD20261128000123", "status", "done", "ts", "1764300100000"}, "operator"},
		{[]any{"status", "done", "ts", "1764300100000", "operator", "u7"}, "order is required"},
		{[]any{"order", "GD{x}", "status", "done", "ts", "1764300100000", "operator", "u7"}, "not an identifier"},
		{[]any{"order", "GD20261128000123", "status", "done", "ts", "1764300100000", "operator", "u7", "colour", "red"}, `unknown field "colour"`},
		{[]any{"order", "GD20261128000123", "status", "done", "ts", "1764300100000", "operator", "u7", "text", "a\x00b"}, "control character"},
		{[]any{"order", "GD20261128000123", "status", "done", "ts", "1764300100000", "operator", "u7", "text", string([]byte{0xff, 0xfe})}, "UTF-8"},
	}
	for _, c := range cases {
		addFeedback(t, rdb, c.vals...)
	}
	good := addFeedback(t, rdb, "order", "GD20261128000123", "status", "returned", "ts", "1764300100000", "operator", "u7", "text", "非本单位职责")

	fc := NewFeedbackConsumer(rdb, FeedbackOptions{Hotlines: []string{"12345"}, Block: 50 * time.Millisecond, Logger: lg})
	stop := runConsumer(t, fc)
	waitFor(t, "all handled", func() bool { s := fc.Stats(); return s.Applied+s.DeadLettered == uint64(len(cases))+1 })
	stop()
	if s := fc.Stats(); s.Applied != 1 || s.DeadLettered != uint64(len(cases)) {
		t.Fatalf("stats %+v", s)
	}
	if n := pending(t, rdb); n != 0 {
		t.Errorf("%d pending: bad entries must be acknowledged", n)
	}
	dead, err := rdb.XRange(ctx, FeedbackDeadKey(DefaultPrefix, "12345"), "-", "+").Result()
	if err != nil || len(dead) != len(cases) {
		t.Fatalf("dead letters: %d, %v", len(dead), err)
	}
	for i, d := range dead {
		if r := d.Values["reason"].(string); !strings.Contains(r, cases[i].reason) {
			t.Errorf("case %d: reason %q, want it to mention %q", i, r, cases[i].reason)
		}
		if d.Values["entry"] == "" || d.Values["fields"] == "" {
			t.Errorf("case %d: dead letter without entry or fields: %v", i, d.Values)
		}
	}
	if strings.Contains(logs.String(), "13812345678") {
		t.Error("a phone number was logged unmasked")
	}
	if n := strings.Count(logs.String(), "moved to the dead-letter stream"); n != len(cases) {
		t.Errorf("%d warnings logged, want %d", n, len(cases))
	}
	v, err := ReadOrderFeedback(ctx, rdb, DefaultPrefix, "12345", "GD20261128000123")
	if err != nil || v.Status != "returned" || v.History[0].Entry != good {
		t.Errorf("good entry not applied: %+v %v", v, err)
	}
}

func TestLatestOrderOfCaller(t *testing.T) {
	rdb, _ := feedbackWorld(t)
	ctx := context.Background()
	v, err := LatestOrder(ctx, rdb, DefaultPrefix, []string{"110", "12345"}, "13812345678")
	if err != nil {
		t.Fatal(err)
	}
	if v.Order.OrderNo != "GD20261128000999" || v.Hotline != "12345" || v.Status != "" {
		t.Errorf("latest %s on %s status %q", v.Order.OrderNo, v.Hotline, v.Status)
	}
	for _, n := range []string{"+8613812345678", "008613812345678", "8613812345678"} {
		if v, err := LatestOrder(ctx, rdb, DefaultPrefix, []string{"12345"}, n); err != nil || v.Order.OrderNo != "GD20261128000999" {
			t.Errorf("%s: %v", n, err)
		}
	}
	for _, n := range []string{"13900000000", "anonymous", "", "12{3}", "+8603512345678"} {
		if _, err := LatestOrder(ctx, rdb, DefaultPrefix, []string{"12345"}, n); !errors.Is(err, ErrNotFound) {
			t.Errorf("%q: err %v, want ErrNotFound", n, err)
		}
	}
	score, err := rdb.ZScore(ctx, CallerOrdersKey(DefaultPrefix, "12345", "13812345678"), "GD20261128000123").Result()
	if err != nil || strconv.FormatFloat(score, 'f', 0, 64) != "1764300000000" {
		t.Errorf("index score %v %v", score, err)
	}
	if ttl := rdb.TTL(ctx, CallerOrdersKey(DefaultPrefix, "12345", "13812345678")).Val(); ttl <= 0 {
		t.Errorf("index has no expiry: %v", ttl)
	}
}

func FuzzParseFeedback(f *testing.F) {
	f.Add("GD1", "done", "1764300100000", "u7", "text")
	f.Add("", "", "", "", "")
	f.Add("GD{1}", "accepted", "-1", "u 7", "\x00")
	f.Fuzz(func(t *testing.T, order, status, ts, op, text string) {
		fb, err := ParseFeedback("1-0", map[string]any{"order": order, "status": status, "ts": ts, "operator": op, "text": text})
		if err == nil && (fb.Order == "" || fb.TimeMS <= 0 || !isID(fb.Order, 128)) {
			t.Fatalf("accepted bad feedback %+v", fb)
		}
		if err != nil && !errors.Is(err, ErrInvalidFeedback) {
			t.Fatalf("error %v does not wrap ErrInvalidFeedback", err)
		}
	})
}

// A Redis outage while the consumer runs is logged and retried; feedback
// added after Redis returns is applied.
func TestFeedbackConsumerSurvivesOutage(t *testing.T) {
	s := startDurable(t)
	rdb := newClient(t, s.Addr)
	opt, _ := testOptions(t, t.TempDir())
	l := openLog(t, rdb, opt)
	if err := l.PutWorkOrder("12345", 1, sampleOrder()); err != nil {
		t.Fatal(err)
	}
	flush(t, l)
	lg, logs := newLogger()
	fc := NewFeedbackConsumer(rdb, FeedbackOptions{Hotlines: []string{"12345"}, Block: 50 * time.Millisecond, Logger: lg})
	stop := runConsumer(t, fc)
	defer stop()
	addFeedback(t, rdb, "id", "a", "order", "GD20261128000123", "status", "accepted", "ts", "1764300100000", "operator", "u7")
	waitFor(t, "first applied", func() bool { return fc.Stats().Applied == 1 })
	s.Stop()
	waitFor(t, "outage logged", func() bool { return strings.Contains(logs.String(), "failed; retrying") })
	s.Restart(t)
	addFeedback(t, rdb, "id", "b", "order", "GD20261128000123", "status", "done", "ts", "1764400000000", "operator", "u7")
	waitFor(t, "second applied", func() bool { return fc.Stats().Applied == 2 })
	if !strings.Contains(logs.String(), "reached redis again") {
		t.Error("recovery not logged")
	}
}

// BenchmarkApplyFeedback: one feedback entry linked to its order and call
// (two round trips: the order's call id, then the script).
func BenchmarkApplyFeedback(b *testing.B) {
	s := redistestStart(b)
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr})
	defer rdb.Close()
	ctx := context.Background()
	rdb.HSet(ctx, WorkOrderKey(DefaultPrefix, "12345", "GD1"), "order", "{}", "call_id", "c1")
	rdb.HSet(ctx, RecordKey(DefaultPrefix, "12345", "c1"), "state", "ended")
	i := 0
	for b.Loop() {
		i++
		// A new order every 100 entries keeps the history short, as in life.
		if i%100 == 0 {
			rdb.HDel(ctx, WorkOrderKey(DefaultPrefix, "12345", "GD1"), "history")
		}
		fb := Feedback{ID: "f" + strconv.Itoa(i), Order: "GD1", Status: "in_progress", TimeMS: int64(1764300000000 + i), Operator: "u7"}
		if _, err := ApplyFeedback(ctx, rdb, DefaultPrefix, "12345", fb); err != nil {
			b.Fatal(err)
		}
	}
}

func TestNormalizeNumber(t *testing.T) {
	for in, want := range map[string]string{
		"13812345678": "13812345678", "+8613812345678": "13812345678", "8613812345678": "13812345678",
		"008613812345678": "13812345678", "03563612345": "03563612345", "+12025550123": "+12025550123",
		"12345": "12345", "anonymous": "anonymous", "86123": "86123",
	} {
		if got := NormalizeNumber(in); got != want {
			t.Errorf("NormalizeNumber(%q) = %q, want %q", in, got, want)
		}
	}
}
