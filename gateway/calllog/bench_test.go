package calllog

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestRunBenchSmall(t *testing.T) {
	res, err := RunBench(context.Background(), BenchOptions{Events: 5000, Emitters: 3})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", res)
	if res.Events != 5000 || res.Lost != 0 || res.Duplicated != 0 || res.OutOfOrder != 0 {
		t.Errorf("result %+v", res)
	}
	if res.EventsPerS <= 0 || res.EmitNsP99 <= 0 || res.Calls != 3*129 {
		t.Errorf("result %+v", res)
	}
}

// BenchmarkEmit is the cost Emit adds on the call path while the writer
// keeps up (memory queue). Drains happen with the timer stopped.
func BenchmarkEmit(b *testing.B) {
	s := redistestStart(b)
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr})
	defer rdb.Close()
	lg, _ := newLogger()
	l, err := Open(context.Background(), rdb, Options{SpoolDir: b.TempDir(), Logger: lg, QueueSize: 1 << 16})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close(context.Background())
	script := benchScript()
	calls := make([]*Call, 1000)
	for i := range calls {
		calls[i] = l.Call("12345", fmt.Sprintf("e-%d", i))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%4096 == 0 && l.Stats().Queued > 1<<15 {
			b.StopTimer()
			waitQueue(l)
			b.StartTimer()
		}
		c := calls[i%len(calls)]
		e := script[int(c.seq)%len(script)]
		if err := c.Emit(e.t, e.p); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
}

// BenchmarkEmitRedisDown is Emit's cost while Redis is down and the queue is
// full: every event is appended to the overflow spool on the call path.
func BenchmarkEmitRedisDown(b *testing.B) {
	s := redistestStart(b)
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	defer rdb.Close()
	s.Stop()
	lg, _ := newLogger()
	l, err := Open(context.Background(), rdb, Options{SpoolDir: b.TempDir(), Logger: lg, QueueSize: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close(context.Background())
	c := l.Call("12345", "down")
	p := map[string]string{"menu": "main", "choice": "1"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := c.Emit(IVRChoice, p); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
}

// BenchmarkThroughput is the sustained rate of events applied in Redis
// (stream entry + record update + de-duplication check), in events/s.
func BenchmarkThroughput(b *testing.B) {
	res, err := RunBench(context.Background(), BenchOptions{Events: max(b.N, 1000), Emitters: 4})
	if err != nil {
		b.Fatal(err)
	}
	if res.Lost != 0 || res.Duplicated != 0 || res.OutOfOrder != 0 {
		b.Fatalf("lost %d duplicated %d out of order %d", res.Lost, res.Duplicated, res.OutOfOrder)
	}
	b.ReportMetric(res.EventsPerS, "events/s")
	b.ReportMetric(res.EmitNsP99, "emit-p99-ns")
}

// BenchmarkRawXAdd is the baseline the script is measured against: plain
// pipelined XADDs of the same entries, no record, no de-duplication.
func BenchmarkRawXAdd(b *testing.B) {
	s := redistestStart(b)
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr})
	defer rdb.Close()
	ctx := context.Background()
	data := payloadJSON(map[string]string{"menu": "main", "choice": "2"})
	var g idGen
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i += 1024 {
		pipe := rdb.Pipeline()
		for j := i; j < min(i+1024, b.N); j++ {
			pipe.XAdd(ctx, &redis.XAddArgs{Stream: "raw", Values: []any{"id", g.next(time.Now().UnixMilli()), "hotline", "12345", "call", fmt.Sprint("c", j%1000), "seq", j, "ts", 1, "type", "ivr.choice", "data", data}})
		}
		if _, err := pipe.Exec(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
}

func waitQueue(l *Log) {
	for l.Stats().Queued > 0 {
		time.Sleep(100 * time.Microsecond)
	}
}

func TestRunBenchNoRedisServer(t *testing.T) {
	_, err := RunBench(context.Background(), BenchOptions{Events: 10, RedisServer: "no-such-redis-server-binary"})
	if !errors.Is(err, exec.ErrNotFound) {
		t.Fatalf("got %v, want an error wrapping exec.ErrNotFound", err)
	}
}

// BenchmarkEmitOnly is Emit's own cost (validate, id, enqueue) with no
// writer running beside it: what a call goroutine pays per event.
func BenchmarkEmitOnly(b *testing.B) {
	const ring = 1 << 16
	l := &Log{opt: Options{SpoolDir: "unused"}.withDefaults(), q: make([]Event, ring), wake: make(chan struct{}, 1)}
	script := benchScript()
	calls := make([]*Call, 1000)
	for i := range calls {
		calls[i] = l.Call("12345", fmt.Sprintf("e-%d", i))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if l.qLen == ring {
			b.StopTimer()
			l.qLen, l.qHead = 0, 0
			b.StartTimer()
		}
		c := calls[i%len(calls)]
		e := script[int(c.seq)%len(script)]
		if err := c.Emit(e.t, e.p); err != nil {
			b.Fatal(err)
		}
	}
}
