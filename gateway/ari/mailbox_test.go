package ari

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"
)

func TestMailboxOrderAndGrowth(t *testing.T) {
	for _, n := range []int{0, 1, 7, 8, 9, 100, 5000} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			m := newMailbox()
			// Interleave pushes and pops so the ring wraps before growing.
			next := 0
			for i := 0; i < n; i++ {
				m.push(&Event{Type: strconv.Itoa(i)})
				if i%3 == 2 {
					ev, ok := m.TryNext()
					if !ok || ev.Type != strconv.Itoa(next) {
						t.Fatalf("pop %d: got %v", next, ev)
					}
					next++
				}
			}
			if m.Len() != n-next {
				t.Fatalf("Len = %d, want %d", m.Len(), n-next)
			}
			for ; next < n; next++ {
				ev, err := m.Next(context.Background())
				if err != nil || ev.Type != strconv.Itoa(next) {
					t.Fatalf("next %d: %v %v", next, ev, err)
				}
			}
			if _, ok := m.TryNext(); ok {
				t.Fatal("mailbox not empty")
			}
			if n > mailboxKeepCap && m.buf != nil {
				t.Fatalf("drained ring of %d kept", len(m.buf))
			}
		})
	}
}

func TestMailboxNextWaitsAndCloses(t *testing.T) {
	m := newMailbox()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := m.Next(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("empty Next = %v, want deadline", err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		m.push(&Event{Type: "x"})
	}()
	ev, err := m.Next(context.Background())
	if err != nil || ev.Type != "x" {
		t.Fatalf("Next = %v, %v", ev, err)
	}
	wg.Wait()
	m.push(&Event{Type: "dropped"})
	m.close()
	m.close()
	if _, err := m.Next(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Next after close = %v", err)
	}
	if m.push(&Event{}) {
		t.Fatal("push after close accepted")
	}
}

// TestMailboxConcurrent: one producer, one consumer, nothing lost or reordered.
func TestMailboxConcurrent(t *testing.T) {
	m := newMailbox()
	const n = 20000
	go func() {
		for i := 0; i < n; i++ {
			m.push(&Event{Type: strconv.Itoa(i)})
		}
	}()
	for i := 0; i < n; i++ {
		ev, err := m.Next(context.Background())
		if err != nil || ev.Type != strconv.Itoa(i) {
			t.Fatalf("event %d: %v %v", i, ev, err)
		}
	}
}
