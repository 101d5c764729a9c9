package ari

import (
	"context"
	"sync"
)

// Mailbox is an ordered, unbounded, never-dropping event queue with one
// consumer. The node's reader only appends and signals, so a slow consumer
// can never stall the socket; the ring doubles when full and is released
// when drained after a burst.
type Mailbox struct {
	mu     sync.Mutex
	buf    []*Event // ring, len is a power of two (or 0)
	head   int
	n      int
	closed bool
	ready  chan struct{} // capacity 1: "something may be queued"
	done   chan struct{} // closed by close
}

const (
	mailboxMinCap  = 8
	mailboxKeepCap = 256 // a drained ring larger than this is released
)

func newMailbox() *Mailbox {
	return &Mailbox{ready: make(chan struct{}, 1), done: make(chan struct{})}
}

// push appends e; it never blocks. It reports false once the mailbox is closed.
func (m *Mailbox) push(e *Event) bool {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return false
	}
	if m.n == len(m.buf) {
		m.grow()
	}
	m.buf[(m.head+m.n)&(len(m.buf)-1)] = e
	m.n++
	m.mu.Unlock()
	select {
	case m.ready <- struct{}{}:
	default:
	}
	return true
}

func (m *Mailbox) grow() {
	c := 2 * len(m.buf)
	if c < mailboxMinCap {
		c = mailboxMinCap
	}
	nb := make([]*Event, c)
	if m.n > 0 {
		k := copy(nb, m.buf[m.head:])
		if k < m.n {
			copy(nb[k:], m.buf[:m.n-k])
		}
	}
	m.buf, m.head = nb, 0
}

// TryNext returns the oldest queued event without waiting.
func (m *Mailbox) TryNext() (*Event, bool) {
	e, ok := m.pop()
	if ok {
		e.finish()
	}
	return e, ok
}

func (m *Mailbox) pop() (*Event, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.n == 0 || m.closed {
		return nil, false
	}
	e := m.buf[m.head]
	m.buf[m.head] = nil
	m.head = (m.head + 1) & (len(m.buf) - 1)
	m.n--
	if m.n == 0 {
		m.head = 0
		if len(m.buf) > mailboxKeepCap {
			m.buf = nil
		}
	}
	return e, true
}

// Next waits for the oldest queued event. It returns ctx's error when ctx
// ends and ErrClosed once the mailbox is closed.
func (m *Mailbox) Next(ctx context.Context) (*Event, error) {
	for {
		if e, ok := m.TryNext(); ok {
			return e, nil
		}
		select {
		case <-m.ready:
		case <-m.done:
			return nil, ErrClosed
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Ready is signalled (capacity 1) after events are queued, for consumers
// that select on several sources; drain with TryNext until it reports false.
func (m *Mailbox) Ready() <-chan struct{} { return m.ready }

// Done is closed when the mailbox is closed.
func (m *Mailbox) Done() <-chan struct{} { return m.done }

// Len is the number of queued events.
func (m *Mailbox) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.n
}

// close drops queued events and wakes Next.
func (m *Mailbox) close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return
	}
	m.closed = true
	m.buf, m.n, m.head = nil, 0, 0
	close(m.done)
}
