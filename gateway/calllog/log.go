package calllog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Log accepts call events without blocking and writes them to Redis from one
// writer goroutine, spooling to local files whenever Redis cannot take them.
//
// Memory bound: at most Options.QueueSize events are held in memory (plus
// one batch of Options.BatchSize in flight, and the overflow file's 256 KiB
// write buffer); each event is its envelope plus a payload whose values are
// each at most MaxValueLen bytes. Everything beyond goes to disk.
type Log struct {
	rdb    redis.UniversalClient
	opt    Options
	log    *slog.Logger
	script *redis.Script

	mu       sync.Mutex // guards the fields below, up to the blank line
	closed   bool
	ids      idGen
	q        []Event // ring buffer
	qHead    int
	qLen     int
	overflow bool       // Emit writes to ofl, not the queue
	ofl      *spoolFile // overflow spool; appended under mu
	oflErr   error

	wake   chan struct{}
	stop   chan struct{}
	done   chan struct{}
	wctx   context.Context // cancelled when Close runs out of time
	cancel context.CancelFunc

	// Owned by the writer goroutine.
	wsp      *spoolFile // writer spool
	rej      *os.File
	lock     *os.File
	held     []Event // popped but neither delivered nor spooled
	down     bool
	backoff  time.Duration
	nextTry  time.Time
	oflDirty bool

	busy       atomic.Bool
	wspPending atomic.Bool
	wspBytes   atomic.Int64 // undelivered bytes of the writer spool
	redisDown  atomic.Bool

	emitted, written, dups, spooled, overflowed, replayed, rejected atomic.Uint64
}

// Stats are counters since the Log was opened.
type Stats struct {
	Emitted    uint64 // accepted by Emit
	Written    uint64 // appended to a stream (first time)
	Duplicates uint64 // skipped by Redis as already applied (replays)
	Spooled    uint64 // moved from memory to the writer spool
	Overflowed uint64 // written by Emit straight to the overflow spool
	Replayed   uint64 // delivered to Redis from a spool file
	Rejected   uint64 // refused by Redis or corrupt in a spool: saved to rejected.jsonl
	Queued     int    // in memory now
	SpoolBytes int64  // on disk, not yet delivered (both spool files)
	RedisDown  bool
}

// Open starts a Log writing through rdb. A spool left by an earlier process
// in opt.SpoolDir is replayed before any new event.
func Open(ctx context.Context, rdb redis.UniversalClient, opt Options) (*Log, error) {
	if rdb == nil {
		return nil, fmt.Errorf("%w: nil redis client", ErrInvalidOptions)
	}
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("open call log: %w", err)
	}
	opt = opt.withDefaults()
	if err := os.MkdirAll(opt.SpoolDir, 0o700); err != nil {
		return nil, fmt.Errorf("open call log: create spool dir: %w", err)
	}
	l := &Log{
		rdb:    rdb,
		opt:    opt,
		log:    opt.Logger,
		script: redis.NewScript(applySrc),
		q:      make([]Event, opt.QueueSize),
		wake:   make(chan struct{}, 1),
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
	}
	var err error
	if l.lock, err = lockDir(opt.SpoolDir); err != nil {
		return nil, fmt.Errorf("open call log: %w", err)
	}
	if l.wsp, err = openSpool(opt.SpoolDir, spoolWriterFile, l.log); err != nil {
		l.lock.Close()
		return nil, fmt.Errorf("open call log: %w", err)
	}
	if l.ofl, err = openSpool(opt.SpoolDir, spoolOverflowFile, l.log); err != nil {
		l.wsp.close()
		l.lock.Close()
		return nil, fmt.Errorf("open call log: %w", err)
	}
	if l.rej, err = os.OpenFile(filepath.Join(opt.SpoolDir, spoolRejectFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600); err != nil {
		l.wsp.close()
		l.ofl.close()
		l.lock.Close()
		return nil, fmt.Errorf("open call log: %w", err)
	}
	if l.ofl.pending() {
		// New events must queue up behind the old overflow lines.
		l.overflow = true
	}
	l.wspPending.Store(l.wsp.pending())
	l.wspBytes.Store(l.wsp.unread())
	if l.wsp.pending() || l.ofl.pending() {
		l.log.Info("calllog: replaying spool left by an earlier run",
			"dir", opt.SpoolDir, "spool_bytes", l.wsp.unread(), "overflow_bytes", l.ofl.unread())
	}
	l.wctx, l.cancel = context.WithCancel(context.Background())
	go l.run()
	return l, nil
}

// Emit validates ev and queues it for Redis. It never waits on Redis: when
// the memory queue is full it appends the event to the overflow spool
// (buffered; fsynced by the writer within Options.SyncInterval). It fills
// ev.ID (a ULID) and ev.TimeMS when empty. The Log owns ev.Payload after a
// successful Emit. Emit returns ErrClosed after Close, an ErrInvalidEvent
// error for bad input, or ErrSpool if the disk refuses the event.
func (l *Log) Emit(ev Event) error {
	if l == nil || l.q == nil {
		return ErrClosed // a nil or never-opened Log: refuse, do not panic
	}
	if ev.TimeMS == 0 {
		ev.TimeMS = time.Now().UnixMilli()
	}
	if err := ev.Validate(); err != nil {
		return err
	}
	if ev.ID != "" && !isID(ev.ID, 64) {
		return fmt.Errorf("%w: event id %q", ErrInvalidEvent, ev.ID)
	}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return ErrClosed
	}
	if ev.ID == "" {
		ev.ID = l.ids.next(ev.TimeMS)
	}
	if !l.overflow && l.qLen < len(l.q) {
		l.q[(l.qHead+l.qLen)%len(l.q)] = ev
		l.qLen++
		l.mu.Unlock()
		l.emitted.Add(1)
		l.signal()
		return nil
	}
	first := !l.overflow
	l.overflow = true
	err := l.ofl.appendEvent(&ev)
	if err != nil {
		l.oflErr = err
	}
	l.mu.Unlock()
	if first {
		l.log.Warn("calllog: memory queue full; events go to the overflow spool until the writer catches up",
			"queue_size", len(l.q))
	}
	if err != nil {
		return fmt.Errorf("%w: call %s seq %d: %v", ErrSpool, ev.CallID, ev.Seq, err)
	}
	l.emitted.Add(1)
	l.overflowed.Add(1)
	l.signal()
	return nil
}

func (l *Log) signal() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// Stats returns the counters.
func (l *Log) Stats() Stats {
	l.mu.Lock()
	queued := l.qLen
	oflBytes := l.ofl.unread()
	l.mu.Unlock()
	return Stats{
		Emitted:    l.emitted.Load(),
		Written:    l.written.Load(),
		Duplicates: l.dups.Load(),
		Spooled:    l.spooled.Load(),
		Overflowed: l.overflowed.Load(),
		Replayed:   l.replayed.Load(),
		Rejected:   l.rejected.Load(),
		Queued:     queued,
		SpoolBytes: oflBytes + l.wspBytes.Load(),
		RedisDown:  l.redisDown.Load(),
	}
}

// idle reports whether everything emitted so far has reached Redis.
func (l *Log) idle() bool {
	l.mu.Lock()
	empty := l.qLen == 0 && !l.overflow
	l.mu.Unlock()
	return empty && !l.busy.Load() && !l.wspPending.Load()
}

// Flush waits until every event emitted before it is in Redis (memory queue
// and spools empty), or ctx ends. Meant for tests, benchmarks and shutdown
// reports; the call path never needs it.
func (l *Log) Flush(ctx context.Context) error {
	l.signal()
	t := time.NewTicker(2 * time.Millisecond)
	defer t.Stop()
	for !l.idle() {
		select {
		case <-ctx.Done():
			return fmt.Errorf("flush call log: %w", ctx.Err())
		case <-l.done:
			if l.idle() {
				return nil
			}
			return fmt.Errorf("flush call log: %w", ErrClosed)
		case <-t.C:
		}
	}
	return nil
}

// Close stops accepting events (Emit returns ErrClosed), delivers what is in
// memory to Redis while ctx allows, spools the rest, fsyncs and closes the
// spool files. Events still spooled are replayed by the next Open over the
// same directory. Close is safe to call more than once.
func (l *Log) Close(ctx context.Context) error {
	if l == nil || l.q == nil {
		return nil
	}
	l.mu.Lock()
	already := l.closed
	l.closed = true
	l.mu.Unlock()
	if !already {
		close(l.stop)
	}
	select {
	case <-l.done:
	case <-ctx.Done():
		l.cancel() // abort Redis round trips; the writer spools what is left
		<-l.done
	}
	l.cancel()
	if already {
		return nil
	}
	l.mu.Lock()
	err := errors.Join(l.oflErr, l.ofl.close())
	l.mu.Unlock()
	err = errors.Join(err, l.wsp.close(), l.rej.Close(), l.lock.Close())
	if err != nil {
		return fmt.Errorf("close call log: %w", err)
	}
	return nil
}

// Call numbers the events of one call. Use one per call; it is safe for
// concurrent use, and its Emit keeps seq and queue order together.
type Call struct {
	l       *Log
	hotline string
	id      string
	mu      sync.Mutex
	seq     uint64
}

// Call returns the event sequencer of a new call on hotline.
func (l *Log) Call(hotline, callID string) *Call {
	return &Call{l: l, hotline: hotline, id: callID}
}

// ResumeCall returns a sequencer that continues after lastSeq, for a call
// taken over from another process.
func (l *Log) ResumeCall(hotline, callID string, lastSeq uint64) *Call {
	return &Call{l: l, hotline: hotline, id: callID, seq: lastSeq}
}

// ID is the call id.
func (c *Call) ID() string { return c.id }

// Seq is the sequence number of the last event emitted.
func (c *Call) Seq() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seq
}

// Emit emits the call's next event. A rejected event does not use up a
// sequence number, so consumers never see a false gap.
func (c *Call) Emit(t Type, payload map[string]string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	err := c.l.Emit(Event{Hotline: c.hotline, CallID: c.id, Seq: c.seq + 1, Type: t, Payload: payload})
	if err == nil {
		c.seq++
	}
	return err
}

// reject saves an event Redis refused (or a corrupt spool line) so an
// operator can look at it; it is never retried.
func (l *Log) reject(line []byte, reason string) {
	l.rejected.Add(1)
	b, _ := json.Marshal(struct {
		At     int64  `json:"at"`
		Reason string `json:"reason"`
		Line   string `json:"line"`
	}{time.Now().UnixMilli(), reason, string(line)})
	if _, err := l.rej.Write(append(b, '\n')); err != nil {
		l.log.Error("calllog: cannot save rejected event", "err", err)
	}
}

func (l *Log) rejectEvent(ev *Event, reason string) {
	b, _ := json.Marshal(ev)
	l.log.Error("calllog: redis refused event; saved to rejected.jsonl",
		"call", ev.CallID, "seq", ev.Seq, "type", ev.Type, "reason", reason)
	l.reject(b, reason)
}

func seqString(n uint64) string { return strconv.FormatUint(n, 10) }
