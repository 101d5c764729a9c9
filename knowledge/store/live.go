package store

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"liandong/knowledge"
)

// LiveOptions configure Live.
type LiveOptions struct {
	// Lexicon is the synonym and concept table the index is built with.
	Lexicon *knowledge.Lexicon
	Logger  *slog.Logger
	// Resync reloads the published set this often even without a notice
	// (a notice lost in an outage; validity windows opening). Default 1 min.
	Resync time.Duration
	// Recalibrate is how long after a change the index is rebuilt with a
	// fresh confidence calibration and discerner (slow: ~1 s per 100
	// entries). A change is first served at once with the previous ones.
	// Default 30 s.
	Recalibrate time.Duration
	// RetryMax bounds the wait between attempts while Redis is away
	// (default 2 s).
	RetryMax time.Duration
	// PingEvery pings the subscription after this long without a message,
	// so a connection that died silently is noticed (default 30 s).
	PingEvery time.Duration
}

// Live keeps a knowledge.Holder serving the published set: it loads it at
// start, and reloads when a change notice arrives on the changes channel,
// when the subscription comes back after an outage, and every Resync. A
// reload builds a new index aside and swaps it in, so searches never wait;
// when Redis is away the last index keeps serving.
type Live struct {
	s   *Store
	h   *knowledge.Holder
	opt LiveOptions
	log *slog.Logger

	mu      sync.Mutex // serialises reloads
	print   uint64     // fingerprint of the set served
	loaded  bool
	lexVer  int                // version of the stored tables served; 0: the file's
	lex     *knowledge.Lexicon // the stored tables of lexVer
	swapped chan struct{}      // closed and replaced on every swap (for waiters)
}

// NewLive returns a Live updating h from s.
func NewLive(s *Store, h *knowledge.Holder, o LiveOptions) *Live {
	if o.Logger == nil {
		o.Logger = s.log
	}
	if o.Resync <= 0 {
		o.Resync = time.Minute
	}
	if o.Recalibrate <= 0 {
		o.Recalibrate = 30 * time.Second
	}
	if o.RetryMax <= 0 {
		o.RetryMax = 2 * time.Second
	}
	if o.PingEvery <= 0 {
		o.PingEvery = 30 * time.Second
	}
	return &Live{s: s, h: h, opt: o, log: o.Logger, swapped: make(chan struct{})}
}

// Swapped returns a channel closed at the next swap of the index.
func (l *Live) Swapped() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.swapped
}

// Reload loads the published set and swaps in a new index if it changed.
// calibrate forces a fresh calibration; otherwise the served index's
// calibration is reused (fast) when it has one.
func (l *Live) Reload(ctx context.Context, calibrate bool) (changed bool, err error) {
	// Under the lock from the read on: two reloads cannot swap out of order.
	l.mu.Lock()
	defer l.mu.Unlock()
	entries, err := l.s.Published(ctx)
	if err != nil {
		return false, fmt.Errorf("reload faq index: %w", err)
	}
	lex, lexVer, err := l.lexicon(ctx)
	if err != nil {
		return false, fmt.Errorf("reload faq index: %w", err)
	}
	newLex := lexVer != l.lexVer
	calibrate = calibrate || (newLex && l.loaded) // other words, other signals
	fp := fingerprint(entries)
	if l.loaded && fp == l.print && !calibrate {
		return false, nil
	}
	opt := knowledge.Options{}
	if cur := l.h.Index(); !calibrate && cur.Len() > 0 {
		// Served at once: the calibration and the discerner of the index
		// serving now are reused; the rebuild after Recalibrate trains
		// both on the new set.
		c := cur.Calibration()
		opt.Calibration = &c
		opt.Previous = cur
	}
	ix, err := knowledge.Build(entries, lex, opt)
	if err != nil {
		return false, fmt.Errorf("reload faq index: %w", err)
	}
	l.h.Swap(ix)
	changed = !l.loaded || fp != l.print || newLex
	l.print, l.loaded = fp, true
	if newLex {
		l.log.Info("faq search tables changed", "version", lexVer)
	}
	l.lexVer, l.lex = lexVer, lex
	close(l.swapped)
	l.swapped = make(chan struct{})
	l.log.Info("faq index swapped", "entries", ix.Len(), "calibrated", opt.Calibration == nil)
	return changed, nil
}

// lexicon returns the search tables to build with: the stored ones
// (Store.PutLexicon) when Redis has any, else the file's (LiveOptions).
// Stored tables that do not decode (written by hand around the store) are
// logged and the ones served are kept. Called under l.mu.
func (l *Live) lexicon(ctx context.Context) (*knowledge.Lexicon, int, error) {
	cur, err := l.s.rdb.HGet(ctx, l.s.k.lexicon(), fCur).Int()
	switch {
	case errors.Is(err, redis.Nil):
		return l.opt.Lexicon, 0, nil
	case err != nil:
		return nil, 0, fmt.Errorf("read lexicon: %w", err)
	case cur == l.lexVer && l.lex != nil:
		return l.lex, cur, nil
	}
	rec, err := l.s.lexiconVersion(ctx, l.s.rdb, cur)
	if err != nil {
		return nil, 0, err
	}
	lx, err := knowledge.DecodeLexicon(strings.NewReader(rec.YAML))
	if err != nil {
		l.log.Error("stored faq search tables do not decode; serving the previous ones", "version", cur, "err", err)
		if l.lexVer == 0 {
			return l.opt.Lexicon, 0, nil
		}
		return l.lex, l.lexVer, nil
	}
	return lx, cur, nil
}

// SetLexicon replaces the file's synonym and concept table (used while
// Redis holds no stored tables) and rebuilds the index with it,
// recalibrated. An invalid lexicon is refused and the served index stays.
func (l *Live) SetLexicon(ctx context.Context, lx *knowledge.Lexicon) error {
	if lx == nil {
		lx = &knowledge.Lexicon{}
	}
	if err := lx.Validate(); err != nil {
		return fmt.Errorf("set lexicon: %w", err)
	}
	l.mu.Lock()
	l.opt.Lexicon = lx
	l.mu.Unlock()
	_, err := l.Reload(ctx, true)
	return err
}

// fingerprint identifies the set served: ids, versions and which entries
// are inside their validity window now.
func fingerprint(es []knowledge.Entry) uint64 {
	h := fnv.New64a()
	now := time.Now()
	for _, e := range es {
		if e.Searchable(now) {
			h.Write([]byte{1})
		}
		h.Write([]byte(e.ID))
		h.Write([]byte{0})
		h.Write([]byte(strconv.Itoa(e.Version)))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

// Run subscribes to change notices and keeps the index current until ctx
// ends; then it returns nil. Its goroutines end with it.
func (l *Live) Run(ctx context.Context) error {
	ps := l.s.rdb.Subscribe(ctx, l.s.k.changes())
	stop := context.AfterFunc(ctx, func() { _ = ps.Close() })
	defer func() {
		stop()
		_ = ps.Close()
	}()
	kick := make(chan struct{}, 1)
	kick <- struct{}{} // initial load
	var wg sync.WaitGroup
	wg.Go(func() { l.receive(ctx, ps, kick) })
	l.loop(ctx, kick)
	wg.Wait()
	return nil
}

// receive turns notices and (re)subscriptions into kicks. A
// resubscription means an outage may have swallowed notices.
func (l *Live) receive(ctx context.Context, ps *redis.PubSub, kick chan<- struct{}) {
	wait := 50 * time.Millisecond
	down := false
	for {
		msg, err := ps.ReceiveTimeout(ctx, l.opt.PingEvery)
		if ctx.Err() != nil {
			return
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			// Quiet, not necessarily dead: a failed ping reconnects.
			if err := ps.Ping(ctx); err == nil {
				continue
			}
		}
		if err != nil {
			if errors.Is(err, redis.ErrClosed) {
				return
			}
			if !down {
				l.log.Warn("faq change notices: redis unavailable, serving the last index", "err", err)
				down = true
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
			wait = min(2*wait, l.opt.RetryMax)
			continue
		}
		wait = 50 * time.Millisecond
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind != "subscribe" {
				continue
			}
			if down {
				l.log.Info("faq change notices: redis back")
				down = false
			}
		case *redis.Message:
		default:
			continue
		}
		select {
		case kick <- struct{}{}:
		default: // a reload is already pending; it will see this change too
		}
	}
}

func (l *Live) loop(ctx context.Context, kick <-chan struct{}) {
	resync := time.NewTicker(l.opt.Resync)
	defer resync.Stop()
	recal := time.NewTimer(time.Hour)
	recal.Stop()
	defer recal.Stop()
	for {
		calibrate := false
		select {
		case <-ctx.Done():
			return
		case <-kick:
		case <-resync.C:
		case <-recal.C:
			calibrate = true
		}
		changed, err := l.Reload(ctx, calibrate)
		if err != nil {
			if ctx.Err() == nil {
				l.log.Warn("faq index not reloaded; the last one keeps serving", "err", err)
			}
			continue
		}
		if changed && !calibrate {
			recal.Reset(l.opt.Recalibrate)
		}
	}
}
