package calllog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// BenchOptions configures RunBench.
type BenchOptions struct {
	// Events is how many events to emit (default 200000).
	Events int
	// Emitters is how many goroutines emit concurrently (default 4); each
	// interleaves many calls.
	Emitters int
	// Client is an existing Redis (single, Sentinel or Cluster) to write to,
	// under a unique prefix that is deleted afterwards. It wins over RedisAddr.
	Client redis.UniversalClient
	// RedisAddr is an existing Redis to write to, like Client. When both are
	// empty, RunBench starts a redis-server child from PATH; if there is none
	// the error wraps exec.ErrNotFound, so the caller can fall back.
	RedisAddr string
	// RedisServer is the redis-server binary when RedisAddr is empty
	// (default "redis-server" from PATH).
	RedisServer string
	// SpoolDir is the Log's spool (default: a temporary directory).
	SpoolDir string
	// Logger receives the Log's warnings (default: discarded).
	Logger *slog.Logger
	// Log tunes the Log under test (queue, batch sizes, trimming...);
	// Prefix, SpoolDir and Logger are set by RunBench.
	Log Options
}

// BenchResult is what `liandong bench calllog` prints.
type BenchResult struct {
	Events     int     `json:"events"`
	EventsPerS float64 `json:"events_per_s"`
	Seconds    float64 `json:"seconds"`
	Lost       int     `json:"lost"`
	Duplicated int     `json:"duplicated"`
	OutOfOrder int     `json:"out_of_order"`
	Calls      int     `json:"calls"`
	EmitNsAvg  float64 `json:"emit_ns_avg"`
	EmitNsP50  float64 `json:"emit_ns_p50"`
	EmitNsP99  float64 `json:"emit_ns_p99"`
	EmitNsMax  float64 `json:"emit_ns_max"`
	Spooled    uint64  `json:"spooled"`
	Overflowed uint64  `json:"overflowed"`
	Redis      string  `json:"redis"`
}

// String renders the result as a small table.
func (r BenchResult) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "events        %d (%d calls)\n", r.Events, r.Calls)
	fmt.Fprintf(&b, "events/s      %.0f (%.2fs, until every event was in Redis)\n", r.EventsPerS, r.Seconds)
	fmt.Fprintf(&b, "lost          %d\n", r.Lost)
	fmt.Fprintf(&b, "duplicated    %d\n", r.Duplicated)
	fmt.Fprintf(&b, "out of order  %d\n", r.OutOfOrder)
	fmt.Fprintf(&b, "emit ns       avg %.0f  p50 %.0f  p99 %.0f  max %.0f\n", r.EmitNsAvg, r.EmitNsP50, r.EmitNsP99, r.EmitNsMax)
	fmt.Fprintf(&b, "spooled       %d (+%d overflow)\n", r.Spooled, r.Overflowed)
	fmt.Fprintf(&b, "redis         %s\n", r.Redis)
	return b.String()
}

// RunBench measures the call log against a real Redis: it emits opt.Events
// events of realistic calls from several goroutines, waits until all are in
// Redis, and reads the streams back to count lost, duplicated and
// out-of-order events. Emitters hold back while the queue is more than half
// full, so the figure is the sustained rate into Redis, not into the spool.
func RunBench(ctx context.Context, opt BenchOptions) (BenchResult, error) {
	if opt.Events <= 0 {
		opt.Events = 200000
	}
	if opt.Emitters <= 0 {
		opt.Emitters = 4
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	var res BenchResult
	rdb := opt.Client
	if rdb == nil {
		addr := opt.RedisAddr
		if addr == "" {
			srv, err := startRedisChild(ctx, opt.RedisServer)
			if err != nil {
				return res, fmt.Errorf("bench calllog: %w", err)
			}
			defer srv.stop()
			addr = srv.addr
			res.Redis = "child " + srv.version + " on " + addr
		} else {
			res.Redis = addr
		}
		c := redis.NewClient(&redis.Options{Addr: addr})
		defer c.Close()
		rdb = c
	} else {
		res.Redis = "given client"
	}
	if err := rdb.Ping(ctx).Err(); err != nil {
		return res, fmt.Errorf("bench calllog: ping redis: %w", err)
	}
	spool := opt.SpoolDir
	if spool == "" {
		d, err := os.MkdirTemp("", "calllog-bench-")
		if err != nil {
			return res, fmt.Errorf("bench calllog: %w", err)
		}
		defer os.RemoveAll(d)
		spool = d
	}
	var g idGen
	prefix := "liandong:bench:" + g.next(time.Now().UnixMilli()) + ":"
	defer cleanupPrefix(context.WithoutCancel(ctx), rdb, prefix)

	lopt := opt.Log
	lopt.Prefix, lopt.SpoolDir, lopt.Logger = prefix, spool, opt.Logger
	l, err := Open(ctx, rdb, lopt)
	if err != nil {
		return res, fmt.Errorf("bench calllog: %w", err)
	}
	closeLog := func() error {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		return l.Close(cctx)
	}

	script := benchScript()
	perCall := len(script)
	res.Calls = 0
	for w := range opt.Emitters {
		budget := opt.Events / opt.Emitters
		if w < opt.Events%opt.Emitters {
			budget++
		}
		res.Calls += (budget + perCall - 1) / perCall
	}
	lat := make([][]int64, opt.Emitters)
	var wg sync.WaitGroup
	var emitErr error
	var errOnce sync.Once
	start := time.Now()
	for w := range opt.Emitters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Emitter w runs its own calls, up to 64 at once, one event
			// each in turn, as concurrent calls do.
			budget := opt.Events / opt.Emitters
			if w < opt.Events%opt.Emitters {
				budget++
			}
			var mine []*Call
			for c := 0; c*perCall < budget; c++ {
				hot := "12345"
				if c%4 == 3 {
					hot = "110"
				}
				mine = append(mine, l.Call(hot, fmt.Sprintf("bench-%d-%07d", w, c)))
			}
			ls := make([]int64, 0, budget)
			const live = 64
			for base := 0; base < len(mine) && len(ls) < budget; base += live {
				group := mine[base:min(base+live, len(mine))]
				for step := 0; step < perCall && len(ls) < budget; step++ {
					for _, c := range group {
						if len(ls) >= budget {
							break
						}
						if len(ls)%256 == 0 {
							for l.Stats().Queued > l.opt.QueueSize/2 {
								time.Sleep(50 * time.Microsecond)
							}
						}
						e := script[step]
						t0 := time.Now()
						err := c.Emit(e.t, e.p)
						ls = append(ls, int64(time.Since(t0)))
						if err != nil {
							errOnce.Do(func() { emitErr = err })
							return
						}
					}
				}
			}
			lat[w] = ls
		}()
	}
	wg.Wait()
	if emitErr != nil {
		_ = closeLog()
		return res, fmt.Errorf("bench calllog: emit: %w", emitErr)
	}
	if err := l.Flush(ctx); err != nil {
		_ = closeLog()
		return res, fmt.Errorf("bench calllog: %w", err)
	}
	elapsed := time.Since(start)
	st := l.Stats()
	if err := closeLog(); err != nil {
		return res, fmt.Errorf("bench calllog: %w", err)
	}
	var all []int64
	for _, ls := range lat {
		all = append(all, ls...)
	}
	res.Events = len(all)
	res.Seconds = elapsed.Seconds()
	res.EventsPerS = float64(res.Events) / elapsed.Seconds()
	res.Spooled, res.Overflowed = st.Spooled, st.Overflowed
	if len(all) > 0 {
		slices.Sort(all)
		var sum int64
		for _, v := range all {
			sum += v
		}
		res.EmitNsAvg = float64(sum) / float64(len(all))
		res.EmitNsP50 = float64(all[len(all)/2])
		res.EmitNsP99 = float64(all[len(all)*99/100])
		res.EmitNsMax = float64(all[len(all)-1])
	}
	seen, dup, ooo, err := readBack(ctx, rdb, prefix, []string{"12345", "110"})
	if err != nil {
		return res, fmt.Errorf("bench calllog: read back: %w", err)
	}
	res.Duplicated, res.OutOfOrder = dup, ooo
	res.Lost = max(res.Events-seen, 0)
	return res, nil
}

// benchScript is the event sequence of one bench call.
func benchScript() []struct {
	t Type
	p map[string]string
} {
	type ev = struct {
		t Type
		p map[string]string
	}
	return []ev{
		{CallStarted, map[string]string{"caller": "13812345678", "line": "12345", "channel": "pstn"}},
		{IVRChoice, map[string]string{"menu": "main", "choice": "2"}},
		{KBAnswered, map[string]string{"entry": "faq-12", "version": "3"}},
		{IntakeClassified, map[string]string{"category": "housing.repair", "severity": "IV"}},
		{QueueEntered, map[string]string{"queue": "general"}},
		{AgentOffered, map[string]string{"agent": "a18"}},
		{AgentAnswered, map[string]string{"agent": "a18"}},
		{TransferRequested, map[string]string{"xfer": "1", "target": "110", "mode": "warm"}},
		{TransferConsultAnswered, map[string]string{"xfer": "1"}},
		{TransferCompleted, map[string]string{"xfer": "1"}},
		{DispatchCreated, map[string]string{"order": "GD2026000123", "kind": "ticket"}},
		{SurveyRecorded, map[string]string{"score": "5"}},
		{CallEnded, map[string]string{"cause": "agent_hangup", "disposition": "transferred"}},
	}
}

// readBack counts distinct event ids, duplicates and per-call order breaks
// in the streams of the given hotlines.
func readBack(ctx context.Context, rdb redis.UniversalClient, prefix string, hotlines []string) (seen, dup, ooo int, err error) {
	ids := map[string]struct{}{}
	last := map[string]uint64{}
	for _, h := range hotlines {
		start := "-"
		for {
			msgs, err := rdb.XRangeN(ctx, StreamKey(prefix, h), start, "+", 10000).Result()
			if err != nil {
				return 0, 0, 0, err
			}
			for _, m := range msgs {
				id, _ := m.Values["id"].(string)
				call, _ := m.Values["call"].(string)
				seqStr, _ := m.Values["seq"].(string)
				seq, _ := strconv.ParseUint(seqStr, 10, 64)
				if _, ok := ids[id]; ok {
					dup++
				} else {
					ids[id] = struct{}{}
				}
				if seq != last[call]+1 {
					ooo++
				}
				last[call] = seq
			}
			if len(msgs) < 10000 {
				break
			}
			start = "(" + msgs[len(msgs)-1].ID
		}
	}
	return len(ids), dup, ooo, nil
}

func cleanupPrefix(ctx context.Context, rdb redis.UniversalClient, prefix string) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	var batch []string
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 1000 {
			rdb.Unlink(ctx, batch...)
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		rdb.Unlink(ctx, batch...)
	}
}

type redisChild struct {
	cmd     *exec.Cmd
	dir     string
	addr    string
	version string
	done    chan struct{}
}

// startRedisChild runs a throwaway redis-server on a free loopback port.
func startRedisChild(ctx context.Context, bin string) (*redisChild, error) {
	if bin == "" {
		bin = "redis-server"
	}
	path, err := exec.LookPath(bin)
	if err != nil {
		return nil, fmt.Errorf("find redis-server: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("find a free port: %w", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	dir, err := os.MkdirTemp("", "calllog-redis-")
	if err != nil {
		return nil, fmt.Errorf("redis dir: %w", err)
	}
	c := &redisChild{dir: dir, addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), done: make(chan struct{})}
	c.cmd = exec.Command(path, "--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--save", "",
		"--appendonly", "no", "--dir", dir, "--protected-mode", "no")
	if err := c.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start redis-server: %w", err)
	}
	go func() {
		_ = c.cmd.Wait()
		close(c.done)
	}()
	rdb := redis.NewClient(&redis.Options{Addr: c.addr, MaxRetries: -1})
	defer rdb.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		info, err := rdb.Info(ctx, "server").Result()
		if err == nil {
			for _, line := range strings.Split(info, "\n") {
				if v, ok := strings.CutPrefix(strings.TrimSpace(line), "redis_version:"); ok {
					c.version = "redis-server " + v
				}
			}
			return c, nil
		}
		select {
		case <-c.done:
			os.RemoveAll(dir)
			return nil, errors.New("redis-server exited at startup")
		case <-ctx.Done():
			c.stop()
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			c.stop()
			return nil, fmt.Errorf("redis-server on %s did not answer: %w", c.addr, err)
		}
	}
}

func (c *redisChild) stop() {
	_ = c.cmd.Process.Kill()
	<-c.done
	os.RemoveAll(c.dir)
}
