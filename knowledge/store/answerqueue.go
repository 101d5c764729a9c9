package store

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"
)

// AnswerQueue records answers given on the phone without making a call wait
// on Redis: Record only queues; one goroutine (Run) writes. When the queue
// is full (Redis slow or down for long) an answer's statistics are dropped
// and counted; the call log still holds every answer with its version.
type AnswerQueue struct {
	s       *Store
	log     *slog.Logger
	ch      chan Answer
	dropped atomic.Int64
}

// NewAnswerQueue returns a queue of size answers in front of s.
func NewAnswerQueue(s *Store, size int, log *slog.Logger) *AnswerQueue {
	if size <= 0 {
		size = 4096
	}
	if log == nil {
		log = s.log
	}
	return &AnswerQueue{s: s, log: log, ch: make(chan Answer, size)}
}

// Record queues a; it never blocks. It reports false when a was dropped.
func (q *AnswerQueue) Record(a Answer) bool {
	if a.At.IsZero() {
		a.At = q.s.now()
	}
	select {
	case q.ch <- a:
		return true
	default:
		q.dropped.Add(1)
		return false
	}
}

// Dropped is how many answers were not recorded because the queue was full.
func (q *AnswerQueue) Dropped() int64 { return q.dropped.Load() }

// Run writes queued answers until ctx ends.
func (q *AnswerQueue) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case a := <-q.ch:
			wctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			if err := q.s.RecordAnswer(wctx, a); err != nil && ctx.Err() == nil {
				q.log.Warn("record answer statistics", "entry", a.EntryID, "version", a.Version, "err", err)
			}
			cancel()
		}
	}
}
