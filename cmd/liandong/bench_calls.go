package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"liandong/gateway"
	"liandong/gateway/ari"
	"liandong/internal/logging"
	"liandong/ivr"
)

// callsResult is what `liandong bench calls --json` prints.
type callsResult struct {
	Calls       int   `json:"calls"`
	Concurrency int   `json:"concurrency"`
	Completed   int64 `json:"completed"`
	Failed      int64 `json:"failed"`
	PeakLive    int64 `json:"peak_live"`
	// Lost calls never reached the gateway (their StasisStart fell in a
	// gap of the event socket); Reconnects counts the socket's reopenings.
	Lost         int64   `json:"lost"`
	Reconnects   int64   `json:"reconnects"`
	Reactions    int     `json:"reactions"`
	P50ms        float64 `json:"p50_ms"`
	P99ms        float64 `json:"p99_ms"`
	MaxMs        float64 `json:"max_ms"`
	BytesPerCall int64   `json:"bytes_per_call"`
	Seconds      float64 `json:"seconds"`
	GOMAXPROCS   int     `json:"gomaxprocs"`
}

// benchRecorder counts how calls end.
type benchRecorder struct {
	completed, failed atomic.Int64
	mu                sync.Mutex
	started           map[string]bool
}

func (r *benchRecorder) Report(context.Context, ivr.Step) {}
func (r *benchRecorder) CallStarted(_ context.Context, c gateway.CallInfo) {
	r.mu.Lock()
	r.started[c.ID] = true
	r.mu.Unlock()
}
func (r *benchRecorder) CallEnded(_ context.Context, _ gateway.CallInfo, end string, _ time.Time) {
	if end == string(ivr.EndHangup) {
		r.completed.Add(1)
	} else {
		r.failed.Add(1)
	}
}

func runBenchCalls(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "bench calls", "[flags]",
		"Callers dial 12345 on the emulated Asterisk (a `liandong pbxsim` child process, so\n"+
			"this process holds only the gateway), hear the greeting, press 1 during it and\n"+
			"follow the flow in configs/ivr.yaml to its end. Reports the gateway's reaction\n"+
			"time (an ARI event reaching it -> the command it sends because of it), p50/p99,\n"+
			"and the heap per live call at peak concurrency.")
	calls := fs.Int("calls", 1000, "how many calls in all")
	conc := fs.Int("concurrency", 100, "how many calls at once")
	flows := fs.String("flows", "", "IVR flow `FILE` (default: the embedded configs/ivr.yaml)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the gateway to `FILE`")
	ramp := fs.Duration("ramp", 10*time.Second, "spread the first --concurrency calls over this long (callers do not all dial in the same millisecond)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *calls <= 0 || *conc <= 0 {
		return usagef("--calls and --concurrency must be positive")
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	res, err := benchCalls(ctx, *calls, *conc, *flows, *ramp)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(e.stdout).Encode(res)
	}
	fmt.Fprintf(e.stdout, "calls %d, concurrency %d (peak live %d), %.1f s, GOMAXPROCS %d\n", res.Calls, res.Concurrency, res.PeakLive, res.Seconds, res.GOMAXPROCS)
	fmt.Fprintf(e.stdout, "completed %d, failed %d, lost %d (event socket reopened %d times)\n", res.Completed, res.Failed, res.Lost, res.Reconnects)
	fmt.Fprintf(e.stdout, "reaction latency over %d reactions: p50 %.3f ms, p99 %.3f ms, max %.3f ms\n", res.Reactions, res.P50ms, res.P99ms, res.MaxMs)
	fmt.Fprintf(e.stdout, "heap per live call: %d bytes\n", res.BytesPerCall)
	return nil
}

func benchCalls(ctx context.Context, calls, conc int, flowsPath string, ramp time.Duration) (callsResult, error) {
	dir, err := os.MkdirTemp("", "liandong-bench-")
	if err != nil {
		return callsResult{}, err
	}
	defer os.RemoveAll(dir)
	if err := unpackSamples(dir); err != nil {
		return callsResult{}, err
	}
	if flowsPath == "" {
		flowsPath = filepath.Join(dir, "ivr.yaml")
	}
	fset, err := ivr.LoadFile(flowsPath)
	if err != nil {
		return callsResult{}, err
	}
	sounds := filepath.Join(dir, "asterisk-sounds")
	if err := os.MkdirAll(sounds, 0o755); err != nil {
		return callsResult{}, err
	}
	if err := os.Symlink(filepath.Join(dir, "sounds"), filepath.Join(sounds, "liandong")); err != nil {
		return callsResult{}, err
	}

	// The emulator runs in its own process, so the heap measured here is
	// the gateway's alone.
	pctx, stopPbx := context.WithCancel(ctx)
	defer stopPbx()
	base, waitPbx, err := startPbxsimChild(pctx, sounds)
	if err != nil {
		return callsResult{}, err
	}
	defer func() {
		stopPbx() // ends the child, then reap it
		waitPbx()
	}()

	hc := &http.Client{Transport: &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 512, IdleConnTimeout: time.Minute}}
	defer hc.CloseIdleConnections()
	octx, cancelOpen := context.WithCancel(ctx)
	defer cancelOpen()
	client, err := ari.Open(octx, []ari.NodeConfig{{Name: "bench", URL: base + "/ari", Username: "bench", Password: "bench", App: "liandong"}},
		ari.Options{HTTPClient: hc, RequestTimeout: 10 * time.Second})
	if err != nil {
		return callsResult{}, fmt.Errorf("bench: connect to the emulator: %w", err)
	}
	defer client.Close()
	for {
		if _, err := client.Node("bench").Application(ctx); err == nil {
			break
		}
		select {
		case <-ctx.Done():
			return callsResult{}, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}

	var mu sync.Mutex
	reactions := make([]time.Duration, 0, calls*6)
	rec := &benchRecorder{started: map[string]bool{}}
	placedAt := map[string]time.Time{}
	var lost int64
	gw, err := gateway.New(gateway.Options{
		Logger:      logging.Discard(),
		Events:      client.Events(),
		Flows:       ivr.NewRegistryFrom(fset),
		Engine:      ivr.NewEngine(ivr.Deps{}),
		Recorder:    rec,
		DefaultLine: "12345",
		Observe: func(d time.Duration) {
			mu.Lock()
			reactions = append(reactions, d)
			mu.Unlock()
		},
	})
	if err != nil {
		return callsResult{}, err
	}
	gctx, stopGw := context.WithCancel(ctx)
	gwDone := make(chan error, 1)
	go func() { gwDone <- gw.Run(gctx) }()
	defer func() { stopGw(); <-gwDone }()

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	baseline := ms.HeapAlloc

	start := time.Now()
	var placed, peak int64
	var bytesPerCall int64
	measured := false
	var pressWG sync.WaitGroup
	defer pressWG.Wait()
	lastEnded, lastProgress := int64(-1), time.Now()
	for {
		// A call the gateway has not seen 10 s after dialling never will.
		if len(placedAt) > 0 {
			rec.mu.Lock()
			for id, at := range placedAt {
				switch {
				case rec.started[id]:
					delete(placedAt, id)
					delete(rec.started, id)
				case time.Since(at) > 10*time.Second:
					delete(placedAt, id)
					lost++
				}
			}
			rec.mu.Unlock()
		}
		ended := rec.completed.Load() + rec.failed.Load() + lost
		if ended != lastEnded {
			lastEnded, lastProgress = ended, time.Now()
		} else if time.Since(lastProgress) > 60*time.Second {
			return callsResult{}, fmt.Errorf("bench: no call ended for 60 s (%d placed, %d ended, %d live in the gateway)", placed, ended, gw.Live())
		}
		live := placed - ended
		if live > peak {
			peak = live
		}
		if !measured && (live >= int64(conc) || placed == int64(calls)) && int64(gw.Live()) >= live*9/10 {
			// At peak: the gateway's heap per live call.
			runtime.GC()
			runtime.ReadMemStats(&ms)
			if n := int64(gw.Live()); n > 0 && ms.HeapAlloc > baseline {
				bytesPerCall = int64(ms.HeapAlloc-baseline) / n
				measured = true
			}
		}
		if ended >= int64(calls) {
			break
		}
		// During the ramp, call k waits until k/conc of it has passed.
		rampOK := placed >= int64(conc) || time.Since(start) >= time.Duration(float64(ramp)*float64(placed)/float64(conc))
		if placed < int64(calls) && live < int64(conc) && rampOK {
			id, err := placeCall(ctx, hc, base)
			if err != nil {
				return callsResult{}, err
			}
			placed++
			placedAt[id] = time.Now()
			// The caller presses 1 somewhere in the greeting.
			delay := 400*time.Millisecond + rand.N(800*time.Millisecond)
			pressWG.Add(1)
			time.AfterFunc(delay, func() {
				defer pressWG.Done()
				_ = simPost(ctx, hc, base+"/sim/channels/"+id+"/dtmf", `{"digits":"1"}`)
			})
			continue
		}
		select {
		case <-ctx.Done():
			return callsResult{}, ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
	}
	elapsed := time.Since(start)
	mu.Lock()
	defer mu.Unlock()
	slices.Sort(reactions)
	pct := func(p float64) float64 {
		if len(reactions) == 0 {
			return 0
		}
		i := int(p * float64(len(reactions)-1))
		return float64(reactions[i]) / float64(time.Millisecond)
	}
	return callsResult{
		Calls: calls, Concurrency: conc,
		Completed: rec.completed.Load(), Failed: rec.failed.Load(), PeakLive: peak,
		Lost: lost, Reconnects: client.Node("bench").Stats().Connections - 1,
		Reactions: len(reactions), P50ms: pct(0.50), P99ms: pct(0.99), MaxMs: pct(1),
		BytesPerCall: bytesPerCall, Seconds: elapsed.Seconds(), GOMAXPROCS: runtime.GOMAXPROCS(0),
	}, nil
}

// startPbxsimChild runs `liandong pbxsim` from this binary on a free port.
func startPbxsimChild(ctx context.Context, sounds string) (base string, wait func(), err error) {
	exe, err := os.Executable()
	if err != nil {
		return "", nil, fmt.Errorf("bench: find own binary: %w", err)
	}
	cmd := exec.CommandContext(ctx, exe, "pbxsim", "--listen", "127.0.0.1:0", "--user", "bench", "--password", "bench",
		"--sounds", sounds, "--app", "liandong", "--no-media")
	cmd.Env = append(os.Environ(), "GOMAXPROCS="+fmt.Sprint(runtime.GOMAXPROCS(0)))
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("bench: start the emulator: %w", err)
	}
	wait = func() { _ = cmd.Wait() }
	re := regexp.MustCompile(`listening on (http://\S+)`)
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			go io.Copy(io.Discard, out)
			return m[1], wait, nil
		}
	}
	_ = cmd.Process.Kill()
	wait()
	return "", nil, fmt.Errorf("bench: the emulator did not start: %s", stderr.String())
}

func placeCall(ctx context.Context, hc *http.Client, base string) (string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/sim/calls", bytes.NewBufferString(`{"to":"12345","caller_number":"13800138000"}`))
	resp, err := hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("bench: place a call: %w", err)
	}
	defer resp.Body.Close()
	var r struct {
		ChannelID string `json:"channel_id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || r.ChannelID == "" {
		return "", fmt.Errorf("bench: place a call: status %d: %v", resp.StatusCode, err)
	}
	return r.ChannelID, nil
}

func simPost(ctx context.Context, hc *http.Client, url, body string) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewBufferString(body))
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		return errors.New(resp.Status)
	}
	return nil
}
