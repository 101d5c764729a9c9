package simmedia

import (
	"sync"
	"time"
)

// ring keeps the most recent audio a leg heard. It grows as audio comes, up to
// its limit, so a short call costs little memory.
type ring struct {
	mu    sync.Mutex
	buf   []int16
	limit int
	head  int // next write index once full
	full  bool
}

func newRing(rate int, limit time.Duration) *ring {
	return &ring{limit: max(1, int(int64(rate)*int64(limit)/int64(time.Second)))}
}

// WriteFrame implements media.Sink.
func (r *ring) WriteFrame(frame []int16) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for len(frame) > 0 {
		if !r.full {
			n := min(len(frame), r.limit-len(r.buf))
			r.buf = append(r.buf, frame[:n]...)
			frame = frame[n:]
			if len(r.buf) == r.limit {
				r.full = true
			}
			continue
		}
		n := copy(r.buf[r.head:], frame)
		frame = frame[n:]
		r.head = (r.head + n) % r.limit
	}
	return nil
}

// samples is a copy of what is kept, oldest first.
func (r *ring) samples() []int16 {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]int16, 0, len(r.buf))
	if r.full {
		out = append(out, r.buf[r.head:]...)
		return append(out, r.buf[:r.head]...)
	}
	return append(out, r.buf...)
}
