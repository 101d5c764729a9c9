package media

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Pacer is the media clock: one goroutine (Run) that every 20 ms moves one
// frame through every leg and mixer it owns. Legs and mixers are plain
// state, not goroutines, so thousands cost one goroutine in all.
//
// All methods are safe for concurrent use. Callbacks (playback events, DTMF,
// input end) run after the tick has released the pacer's lock, on the
// pacer goroutine; they must not block for long.
type Pacer struct {
	log      *slog.Logger
	onBehind func(lag time.Duration)
	catchUp  int

	mu     sync.Mutex
	legs   []*Leg
	mixers []*Mixer
	notes  []func() // callbacks queued during a tick
	// scratch buffers of the mixers, shared: mixing happens one mixer at a
	// time under mu, so bridges carry no buffers of their own.
	scratch struct {
		sum    [MaxFrameSamples]int32
		bridge [MaxFrameSamples]int16
		tmp    [MaxFrameSamples]int16
	}
	tickMu sync.Mutex // serialises Tick (Run and direct callers)
	run    []func()   // the notes being run (swapped with notes)

	statMu sync.Mutex
	stats  PacerStats
	warned time.Time
}

// PacerConfig configures a Pacer.
type PacerConfig struct {
	// Logger gets a warning (at most once a second) when the pacer falls
	// behind real time; nil discards.
	Logger *slog.Logger
	// OnBehind, if set, is called (on the pacer goroutine) with the lag each
	// time the pacer has to drop frames to get back to real time.
	OnBehind func(lag time.Duration)
	// MaxCatchUp is how many late frames are still played, back to back,
	// before the pacer gives up and skips ahead; 0 means 3 (60 ms).
	MaxCatchUp int
}

// PacerStats counts what the pacer did.
type PacerStats struct {
	Ticks   uint64        // frames moved
	Late    uint64        // ticks started more than one frame late
	Skipped uint64        // frames dropped to get back to real time
	MaxLag  time.Duration // worst lateness of a tick
	Work    time.Duration // total time spent inside ticks
	Legs    int           // legs now registered
	Mixers  int           // mixers now registered
}

// NewPacer returns a pacer; start it with Run.
func NewPacer(cfg PacerConfig) *Pacer {
	p := &Pacer{log: cfg.Logger, onBehind: cfg.OnBehind, catchUp: cfg.MaxCatchUp}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	if p.catchUp <= 0 {
		p.catchUp = 3
	}
	return p
}

// Run ticks every FrameDuration until ctx ends, and returns ctx's cause.
// Deadlines are absolute (start + n*20 ms) so timer slack does not add up
// to drift; a late tick is followed at once by the ones it missed, up to
// MaxCatchUp, after which the missing frames are skipped and reported.
func (p *Pacer) Run(ctx context.Context) error {
	start := time.Now()
	var n int64 // ticks done
	timer := time.NewTimer(FrameDuration)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-timer.C:
		}
		now := time.Now()
		due := int64(now.Sub(start)/FrameDuration) + 0 // ticks that should be done by now
		if behind := due - n; behind > int64(p.catchUp) {
			skip := behind - int64(p.catchUp)
			n += skip
			lag := now.Sub(start.Add(time.Duration(n) * FrameDuration))
			p.noteSkip(uint64(skip), time.Duration(skip)*FrameDuration+lag)
		}
		for n < due {
			lag := now.Sub(start.Add(time.Duration(n+1) * FrameDuration))
			p.noteLag(lag)
			p.Tick()
			n++
			if ctx.Err() != nil {
				return context.Cause(ctx)
			}
			now = time.Now()
		}
		timer.Reset(start.Add(time.Duration(n+1) * FrameDuration).Sub(time.Now()))
	}
}

func (p *Pacer) noteLag(lag time.Duration) {
	p.statMu.Lock()
	if lag > p.stats.MaxLag {
		p.stats.MaxLag = lag
	}
	if lag > FrameDuration {
		p.stats.Late++
	}
	p.statMu.Unlock()
}

func (p *Pacer) noteSkip(frames uint64, lag time.Duration) {
	p.statMu.Lock()
	p.stats.Skipped += frames
	warn := time.Since(p.warned) >= time.Second
	if warn {
		p.warned = time.Now()
	}
	p.statMu.Unlock()
	if warn {
		p.log.Warn("media pacer behind real time", "lag", lag, "skipped_frames", frames)
	}
	if p.onBehind != nil {
		p.onBehind(lag)
	}
}

// Stats returns the counters so far.
func (p *Pacer) Stats() PacerStats {
	p.statMu.Lock()
	defer p.statMu.Unlock()
	return p.stats
}

// Tick moves one frame through every leg and mixer now. Run calls it every
// 20 ms; tests and benchmarks call it directly to run faster than real time.
func (p *Pacer) Tick() {
	p.tickMu.Lock()
	defer p.tickMu.Unlock()
	t0 := time.Now()
	p.mu.Lock()
	for _, l := range p.legs {
		l.pull()
	}
	for _, m := range p.mixers {
		m.mix()
	}
	for _, l := range p.legs {
		l.push()
	}
	p.run, p.notes = p.notes, p.run[:0]
	p.mu.Unlock()
	for i, f := range p.run {
		f()
		p.run[i] = nil
	}
	d := time.Since(t0)
	p.statMu.Lock()
	p.stats.Ticks++
	p.stats.Work += d
	p.statMu.Unlock()
}

// counted updates the leg and mixer counts; p.mu held.
func (p *Pacer) counted() {
	p.statMu.Lock()
	p.stats.Legs, p.stats.Mixers = len(p.legs), len(p.mixers)
	p.statMu.Unlock()
}

// note queues f to run after the current tick; p.mu must be held.
func (p *Pacer) note(f func()) { p.notes = append(p.notes, f) }

func removeItem[T comparable](s []T, v T) []T {
	for i, x := range s {
		if x == v {
			last := len(s) - 1
			s[i] = s[last]
			var zero T
			s[last] = zero
			return s[:last]
		}
	}
	return s
}
