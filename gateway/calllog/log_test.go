package calllog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestOneCallStreamAndRecord(t *testing.T) {
	s := startDurable(t)
	rdb := newClient(t, s.Addr)
	opt, _ := testOptions(t, t.TempDir())
	opt.Retention = time.Hour
	l := openLog(t, rdb, opt)

	c := l.Call("12345", "c-1")
	script := callScript(7)
	for _, e := range script {
		if err := c.Emit(e.t, e.p); err != nil {
			t.Fatalf("emit %s: %v", e.t, err)
		}
	}
	flush(t, l)

	key := StreamKey(DefaultPrefix, "12345")
	if key != "liandong:{12345}:events" {
		t.Fatalf("stream key %q", key)
	}
	entries := readStream(t, rdb, key)
	checkExactlyOnceInOrder(t, entries, map[string]uint64{"c-1": uint64(len(script))})
	for i, e := range entries {
		if e.typ != string(script[i].t) {
			t.Errorf("entry %d type %s, want %s", i, e.typ, script[i].t)
		}
	}
	msgs, _ := rdb.XRangeN(context.Background(), key, "-", "+", 1).Result()
	var data map[string]string
	if err := json.Unmarshal([]byte(msgs[0].Values["data"].(string)), &data); err != nil || data["caller"] != "13800000007" {
		t.Errorf("first entry data %v (%v)", msgs[0].Values["data"], err)
	}
	if msgs[0].Values["hotline"] != "12345" || len(msgs[0].Values["id"].(string)) != 26 {
		t.Errorf("first entry envelope %v", msgs[0].Values)
	}

	rec, err := ReadRecord(context.Background(), rdb, DefaultPrefix, "12345", "c-1")
	if err != nil {
		t.Fatal(err)
	}
	checkRecord(t, rec, 7, len(script))
	ttl := rdb.TTL(context.Background(), RecordKey(DefaultPrefix, "12345", "c-1")).Val()
	if ttl <= 0 || ttl > time.Hour {
		t.Errorf("record ttl %s, want retention 1h after call.ended", ttl)
	}
}

// checkRecord verifies a CDR built from callScript(i).
func checkRecord(t *testing.T, rec map[string]string, i, events int) {
	t.Helper()
	want := map[string]string{
		"hotline":         "12345",
		"caller":          fmt.Sprintf("138%08d", i),
		"line":            "12345",
		"channel":         "pstn",
		"state":           "ended",
		"ivr_path":        "main:2,consult:1",
		"faq_count":       "1",
		"category":        "public-safety.noise",
		"severity":        "IV",
		"queue":           "general",
		"offers":          "2",
		"missed":          "1",
		"agent":           "a18",
		"agents":          "a18",
		"transfer_count":  "2",
		"work_order":      fmt.Sprintf("GD%d", 100000+i),
		"work_order_kind": "ticket",
		"survey_score":    fmt.Sprint(1 + i%5),
		"end_cause":       "caller_hangup",
		"disposition":     "dispatched",
		"last_seq":        fmt.Sprint(events),
	}
	for k, v := range want {
		if rec[k] != v {
			t.Errorf("record %s = %q, want %q", k, rec[k], v)
		}
	}
	for _, k := range []string{"started_at", "queued_at", "answered_at", "ended_at", "wait_ms", "duration_ms", "faq", "transfers"} {
		if rec[k] == "" {
			t.Errorf("record lacks %s", k)
		}
	}
	var xfers []map[string]any
	if err := json.Unmarshal([]byte(rec["transfers"]), &xfers); err != nil || len(xfers) != 2 {
		t.Fatalf("transfers %q: %v", rec["transfers"], err)
	}
	out := map[string]string{}
	for _, x := range xfers {
		out[fmt.Sprint(x["id"])] = fmt.Sprint(x["outcome"], "/", x["target"])
	}
	if out["1"] != "cancelled/110" || out["2"] != "failed/119" {
		t.Errorf("transfer outcomes %v", out)
	}
	var faq []map[string]any
	if err := json.Unmarshal([]byte(rec["faq"]), &faq); err != nil || len(faq) != 1 || faq[0]["version"] != float64(3) {
		t.Errorf("faq %q: %v", rec["faq"], err)
	}
}

// TestOutageInBurst stops Redis in the middle of a burst of calls, keeps
// emitting, restarts it, and checks every event is there exactly once and in
// per-call order, and every record complete.
func TestOutageInBurst(t *testing.T) {
	for _, tc := range []struct {
		name  string
		queue int
	}{
		{"queue absorbs, writer spools", DefaultQueueSize},
		{"small queue, overflow spool", 256},
	} {
		t.Run(tc.name, func(t *testing.T) { testOutageInBurst(t, tc.queue) })
	}
}

func testOutageInBurst(t *testing.T, queue int) {
	s := startDurable(t)
	rdb := newClient(t, s.Addr)
	opt, logs := testOptions(t, t.TempDir())
	opt.QueueSize = queue
	opt.BatchSize = 64
	l := openLog(t, rdb, opt)

	const calls = 120
	script := callScript(0)
	third := len(script) / 3
	// Calls emit in three phases: before the outage, during it, after it.
	phase := []chan struct{}{make(chan struct{}), make(chan struct{})}
	var wg, emitted sync.WaitGroup
	for i := range calls {
		wg.Add(1)
		emitted.Add(1)
		go func() {
			defer wg.Done()
			c := l.Call("12345", fmt.Sprintf("call-%03d", i))
			for j, e := range callScript(i) {
				if j == third || j == 2*third {
					emitted.Done()
					<-phase[j/third-1]
				}
				if err := c.Emit(e.t, e.p); err != nil {
					t.Errorf("emit: %v", err)
				}
				time.Sleep(100 * time.Microsecond)
			}
		}()
	}
	emitted.Wait()
	s.Stop()
	emitted.Add(calls)
	close(phase[0])
	emitted.Wait()
	waitFor(t, "redis seen down and events spooled", func() bool {
		st := l.Stats()
		return st.RedisDown && st.Spooled+st.Overflowed > 0 && st.SpoolBytes > 0
	})
	s.Restart(t)
	close(phase[1])
	wg.Wait()
	total := calls * len(script)
	flush(t, l)

	st := l.Stats()
	t.Logf("stats: %+v", st)
	if st.SpoolBytes != 0 || st.Queued != 0 {
		t.Errorf("backlog left after flush: %+v", st)
	}
	if st.Spooled+st.Overflowed == 0 {
		t.Errorf("nothing was spooled during the outage: the test did not exercise it")
	}
	if st.Emitted != uint64(total) {
		t.Errorf("emitted %d, want %d", st.Emitted, total)
	}
	if !strings.Contains(logs.String(), "redis unreachable") {
		t.Errorf("no outage warning logged")
	}
	want := map[string]uint64{}
	for i := range calls {
		want[fmt.Sprintf("call-%03d", i)] = uint64(len(script))
	}
	entries := readStream(t, rdb, StreamKey(DefaultPrefix, "12345"))
	if len(entries) != total {
		t.Errorf("stream has %d entries, want %d", len(entries), total)
	}
	checkExactlyOnceInOrder(t, entries, want)
	for i := range calls {
		rec := rdb.HGetAll(context.Background(), RecordKey(DefaultPrefix, "12345", fmt.Sprintf("call-%03d", i))).Val()
		checkRecord(t, rec, i, len(script))
		if t.Failed() {
			break
		}
	}
}

// TestSpoolReplayAfterProcessRestart: Redis is down for a whole Log
// lifetime; a new Log over the same spool dir delivers it all, before its
// own newer events of the same call.
func TestSpoolReplayAfterProcessRestart(t *testing.T) {
	s := startDurable(t)
	rdb := newClient(t, s.Addr)
	dir := t.TempDir()
	s.Stop()

	opt, _ := testOptions(t, dir)
	opt.QueueSize = 4 // most events go through the overflow file
	l1, err := Open(context.Background(), rdb, opt)
	if err != nil {
		t.Fatal(err)
	}
	script := callScript(3)
	c := l1.Call("110", "x-1")
	for _, e := range script[:10] {
		if err := c.Emit(e.t, e.p); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := l1.Close(ctx); err != nil {
		t.Fatalf("close: %v", err)
	}
	if err := l1.Emit(Event{Hotline: "110", CallID: "x-1", Seq: 11, Type: CallEnded, Payload: map[string]string{"cause": "system"}}); !errors.Is(err, ErrClosed) {
		t.Fatalf("emit after close: %v, want ErrClosed", err)
	}
	if err := l1.Close(ctx); err != nil {
		t.Fatalf("second close: %v", err)
	}
	s.Restart(t)

	l2 := openLog(t, rdb, opt)
	c2 := l2.ResumeCall("110", "x-1", c.Seq())
	for _, e := range script[10:] {
		if err := c2.Emit(e.t, e.p); err != nil {
			t.Fatal(err)
		}
	}
	flush(t, l2)
	entries := readStream(t, rdb, StreamKey(DefaultPrefix, "110"))
	checkExactlyOnceInOrder(t, entries, map[string]uint64{"x-1": uint64(len(script))})
	if st := l2.Stats(); st.Written != uint64(len(script)) || st.Replayed < 10 {
		t.Errorf("written %d, want %d, replayed %d, want >= 10 (%+v)", st.Written, len(script), st.Replayed, st)
	}
	for _, f := range []string{spoolWriterFile, spoolOverflowFile} {
		if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || fi.Size() != 0 {
			t.Errorf("%s not truncated after replay: %v %v", f, fi, err)
		}
	}
}

// TestTornAndCorruptSpool: a torn last line is cut off and logged; a
// garbage line in the middle is skipped and saved; good lines all arrive.
func TestTornAndCorruptSpool(t *testing.T) {
	s := startDurable(t)
	rdb := newClient(t, s.Addr)
	dir := t.TempDir()
	var lines []string
	var g idGen
	for i, e := range callScript(1)[:4] {
		ev := Event{ID: g.next(1_700_000_000_000), Hotline: "12345", CallID: "t-1", Seq: uint64(i + 1), TimeMS: 1_700_000_000_000 + int64(i), Type: e.t, Payload: e.p}
		b, _ := json.Marshal(ev)
		lines = append(lines, string(b))
	}
	content := lines[0] + "\n" + lines[1] + "\n" + "{not json at all\n" + lines[2] + "\n" + lines[3] + "\n" + `{"id":"01HX","hotline":"12345","call":"t-1","se`
	if err := os.WriteFile(filepath.Join(dir, spoolWriterFile), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	opt, logs := testOptions(t, dir)
	l := openLog(t, rdb, opt)
	flush(t, l)

	entries := readStream(t, rdb, StreamKey(DefaultPrefix, "12345"))
	checkExactlyOnceInOrder(t, entries, map[string]uint64{"t-1": 4})
	out := logs.String()
	for _, want := range []string{"torn last line", "corrupt spool line skipped"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	torn, err := os.ReadFile(filepath.Join(dir, spoolWriterFile+".torn"))
	if err != nil || !strings.Contains(string(torn), `"call":"t-1","se`) {
		t.Errorf("torn tail not saved: %q %v", torn, err)
	}
	rej, err := os.ReadFile(filepath.Join(dir, spoolRejectFile))
	if err != nil || !strings.Contains(string(rej), "not json at all") {
		t.Errorf("corrupt line not saved: %q %v", rej, err)
	}
	if st := l.Stats(); st.Rejected != 1 || st.Replayed != 4 {
		t.Errorf("stats %+v", st)
	}
}

// TestReplayIsIdempotent: the same events delivered twice (a pipeline that
// reached Redis but whose reply was lost) appear once; the record counts once.
func TestReplayIsIdempotent(t *testing.T) {
	s := startDurable(t)
	rdb := newClient(t, s.Addr)
	var g idGen
	var evs []Event
	for i, e := range callScript(2) {
		evs = append(evs, Event{ID: g.next(1_700_000_000_000 + int64(i)), Hotline: "12345", CallID: "d-1", Seq: uint64(i + 1), TimeMS: 1_700_000_000_000 + int64(i), Type: e.t, Payload: e.p})
	}
	for round := range 2 {
		opt, _ := testOptions(t, t.TempDir())
		l := openLog(t, rdb, opt)
		for _, ev := range evs {
			if err := l.Emit(ev); err != nil {
				t.Fatal(err)
			}
		}
		flush(t, l)
		st := l.Stats()
		if round == 1 && (st.Duplicates != uint64(len(evs)) || st.Written != 0) {
			t.Errorf("second delivery: %+v, want all duplicates", st)
		}
	}
	entries := readStream(t, rdb, StreamKey(DefaultPrefix, "12345"))
	checkExactlyOnceInOrder(t, entries, map[string]uint64{"d-1": uint64(len(evs))})
	checkRecord(t, rdb.HGetAll(context.Background(), RecordKey(DefaultPrefix, "12345", "d-1")).Val(), 2, len(evs))
}

func TestTrimming(t *testing.T) {
	cases := []struct {
		name     string
		maxLen   int64
		minAge   time.Duration
		min, max int64
	}{
		{"maxlen ~100", 100, 0, 100, 400},
		{"minid ~ now-50ms", 0, 50 * time.Millisecond, 1, 1300},
		{"none", 0, 0, 2000, 2000},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := redistestStart(t)
			rdb := newClient(t, s.Addr)
			opt, _ := testOptions(t, t.TempDir())
			opt.MaxLen, opt.MinIDAge = tc.maxLen, tc.minAge
			l := openLog(t, rdb, opt)
			for i := range 2000 {
				if i == 1000 {
					flush(t, l)
					time.Sleep(100 * time.Millisecond) // the first half is now older than 50ms
				}
				c := l.Call("12345", fmt.Sprintf("m-%d", i))
				if err := c.Emit(IVRChoice, map[string]string{"menu": "main", "choice": "1"}); err != nil {
					t.Fatal(err)
				}
			}
			flush(t, l)
			n := rdb.XLen(context.Background(), StreamKey(DefaultPrefix, "12345")).Val()
			if n < tc.min || n > tc.max {
				t.Errorf("xlen %d after 2000 events, want %d..%d", n, tc.min, tc.max)
			}
		})
	}
}

func TestEmitRejectsBadEventsWithoutUsingSeq(t *testing.T) {
	s := redistestStart(t)
	rdb := newClient(t, s.Addr)
	opt, _ := testOptions(t, t.TempDir())
	l := openLog(t, rdb, opt)
	c := l.Call("12345", "b-1")
	if err := c.Emit(CallStarted, map[string]string{"caller": "not-a-number", "line": "12345"}); !errors.Is(err, ErrInvalidEvent) {
		t.Fatalf("bad caller: %v", err)
	}
	if err := c.Emit(CallStarted, map[string]string{"caller": "13812345678", "line": "12345"}); err != nil {
		t.Fatal(err)
	}
	if c.Seq() != 1 {
		t.Errorf("seq %d after one good and one bad event, want 1", c.Seq())
	}
	if err := l.Emit(Event{Hotline: "12{3}", CallID: "x", Seq: 1, Type: CallEnded, Payload: map[string]string{"cause": "system"}}); !errors.Is(err, ErrInvalidEvent) {
		t.Errorf("hotline with braces: %v", err)
	}
	if err := l.Emit(Event{Hotline: "12345", CallID: "x", Seq: 0, Type: CallEnded, Payload: map[string]string{"cause": "system"}}); !errors.Is(err, ErrInvalidEvent) {
		t.Errorf("seq 0: %v", err)
	}
}

func TestOpenRejectsBadOptions(t *testing.T) {
	s := redistestStart(t)
	rdb := newClient(t, s.Addr)
	cases := []struct {
		name string
		opt  Options
	}{
		{"no spool dir", Options{}},
		{"both trims", Options{SpoolDir: "x", MaxLen: 10, MinIDAge: time.Hour}},
		{"brace prefix", Options{SpoolDir: "x", Prefix: "a{b}:"}},
		{"negative queue", Options{SpoolDir: "x", QueueSize: -1}},
		{"huge script batch", Options{SpoolDir: "x", ScriptBatch: 5000}},
		{"retry backwards", Options{SpoolDir: "x", RetryMin: time.Second, RetryMax: time.Millisecond}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Open(context.Background(), rdb, tc.opt); !errors.Is(err, ErrInvalidOptions) {
				t.Errorf("got %v, want ErrInvalidOptions", err)
			}
		})
	}
	if _, err := Open(context.Background(), nil, Options{SpoolDir: t.TempDir()}); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("nil client: %v", err)
	}
}

// TestCloseWhileEmitting: every Emit that returned nil is delivered (by this
// Log or, from the spool, by the next one); the others got ErrClosed.
func TestCloseWhileEmitting(t *testing.T) {
	s := startDurable(t)
	rdb := newClient(t, s.Addr)
	dir := t.TempDir()
	opt, _ := testOptions(t, dir)
	opt.QueueSize = 64
	l, err := Open(context.Background(), rdb, opt)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	accepted := make([]uint64, 8)
	for w := range accepted {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := l.Call("12345", fmt.Sprintf("cw-%d", w))
			for i := 0; ; i++ {
				err := c.Emit(IVRChoice, map[string]string{"menu": "m", "choice": fmt.Sprint(i % 10)})
				if errors.Is(err, ErrClosed) {
					return
				}
				if err != nil {
					t.Errorf("emit: %v", err)
					return
				}
				accepted[w]++
				time.Sleep(100 * time.Microsecond) // bound the volume the test replays
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	s.Stop() // part of what is in flight must go to the spool
	time.Sleep(20 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := l.Close(ctx); err != nil {
		t.Fatalf("close: %v", err)
	}
	wg.Wait()
	s.Restart(t)
	l2 := openLog(t, rdb, opt)
	flush(t, l2)
	want := map[string]uint64{}
	for w, n := range accepted {
		if n > 0 {
			want[fmt.Sprintf("cw-%d", w)] = n
		}
	}
	checkExactlyOnceInOrder(t, readStream(t, rdb, StreamKey(DefaultPrefix, "12345")), want)
}

// TestPoisonEventDoesNotBlock: a key of the wrong type (written by someone
// else) makes Redis refuse that hotline's events for good; they are set
// aside in rejected.jsonl and other hotlines keep flowing.
func TestPoisonEventDoesNotBlock(t *testing.T) {
	s := redistestStart(t)
	rdb := newClient(t, s.Addr)
	dir := t.TempDir()
	opt, logs := testOptions(t, dir)
	l := openLog(t, rdb, opt)
	if err := rdb.Set(context.Background(), StreamKey(DefaultPrefix, "bad"), "not a stream", 0).Err(); err != nil {
		t.Fatal(err)
	}
	good, bad := l.Call("12345", "g-1"), l.Call("bad", "b-1")
	for i := range 5 {
		p := map[string]string{"menu": "m", "choice": fmt.Sprint(i)}
		if err := bad.Emit(IVRChoice, p); err != nil {
			t.Fatal(err)
		}
		if err := good.Emit(IVRChoice, p); err != nil {
			t.Fatal(err)
		}
	}
	flush(t, l)
	checkExactlyOnceInOrder(t, readStream(t, rdb, StreamKey(DefaultPrefix, "12345")), map[string]uint64{"g-1": 5})
	if st := l.Stats(); st.Rejected != 5 {
		t.Errorf("rejected %d, want 5", st.Rejected)
	}
	rej, _ := os.ReadFile(filepath.Join(dir, spoolRejectFile))
	if strings.Count(string(rej), "WRONGTYPE") != 5 || !strings.Contains(logs.String(), "redis refused event") {
		t.Errorf("rejected file:\n%s", rej)
	}
}

func TestSpoolDirLocked(t *testing.T) {
	s := redistestStart(t)
	rdb := newClient(t, s.Addr)
	opt, _ := testOptions(t, t.TempDir())
	l := openLog(t, rdb, opt)
	if _, err := Open(context.Background(), rdb, opt); !errors.Is(err, ErrSpoolLocked) {
		t.Fatalf("second Open on the same dir: %v, want ErrSpoolLocked", err)
	}
	if err := l.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	l2, err := Open(context.Background(), rdb, opt)
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	if err := l2.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestNilAndUnopenedLogRefuse(t *testing.T) {
	var nilLog *Log
	ev := Event{Hotline: "12345", CallID: "c", Seq: 1, Type: CallEnded, Payload: map[string]string{"cause": "system"}}
	if err := nilLog.Emit(ev); !errors.Is(err, ErrClosed) {
		t.Errorf("nil log: %v", err)
	}
	if err := nilLog.Call("12345", "c").Emit(CallEnded, map[string]string{"cause": "system"}); !errors.Is(err, ErrClosed) {
		t.Errorf("nil log call: %v", err)
	}
	if err := (&Log{}).Emit(ev); !errors.Is(err, ErrClosed) {
		t.Errorf("zero log: %v", err)
	}
	if err := nilLog.Close(context.Background()); err != nil {
		t.Errorf("close nil log: %v", err)
	}
}

// TestEmitNeverWaitsOnRedis: with Redis refusing every write (CLIENT PAUSE
// WRITE: connections stay open, scripts just hang), Emit keeps returning
// at once; everything arrives once and in order after the pause ends.
func TestEmitNeverWaitsOnRedis(t *testing.T) {
	s := startDurable(t)
	rdb := newClient(t, s.Addr)
	admin := newClient(t, s.Addr)
	opt, _ := testOptions(t, t.TempDir())
	opt.QueueSize = 128
	l := openLog(t, rdb, opt)
	ctx := context.Background()

	calls := make([]*Call, 30)
	for i := range calls {
		calls[i] = l.Call("12345", fmt.Sprintf("p-%d", i))
		if err := calls[i].Emit(CallStarted, map[string]string{"caller": "13812345678", "line": "12345"}); err != nil {
			t.Fatal(err)
		}
	}
	flush(t, l)
	if err := admin.Do(ctx, "CLIENT", "PAUSE", 60000, "WRITE").Err(); err != nil {
		t.Fatalf("pause: %v", err)
	}
	paused := true
	defer func() {
		if paused {
			admin.Do(ctx, "CLIENT", "UNPAUSE")
		}
	}()
	before := l.Stats().Written
	for round := range 100 {
		for _, c := range calls {
			if err := c.Emit(IVRChoice, map[string]string{"menu": "m", "choice": fmt.Sprint(round % 10)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	// All 3000 Emits returned while Redis took nothing: they did not wait.
	if w := l.Stats().Written; w != before {
		t.Fatalf("redis applied %d events during the pause; the test did not hold it", w-before)
	}
	if err := admin.Do(ctx, "CLIENT", "UNPAUSE").Err(); err != nil {
		t.Fatal(err)
	}
	paused = false
	flush(t, l)
	want := map[string]uint64{}
	for _, c := range calls {
		want[c.ID()] = 101
	}
	checkExactlyOnceInOrder(t, readStream(t, rdb, StreamKey(DefaultPrefix, "12345")), want)
	t.Logf("stats: %+v", l.Stats())
}
