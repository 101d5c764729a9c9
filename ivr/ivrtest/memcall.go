// Package ivrtest is the test kit of package ivr: an in-memory Call, and a
// conformance suite that any ivr.Call implementation (the gateway's ARI
// call) can run to check it keeps the contract the engine relies on.
package ivrtest

import (
	"context"
	"fmt"
	"sync"
	"time"

	"liandong/ivr"
)

// MemCall is an in-memory ivr.Call: prompts last SoundDur per sound, keys
// come from Press, the caller leaves with HangUp. Queue and transfer
// requests are recorded; Enqueue answers Outcome after QueueWait.
type MemCall struct {
	id, line, caller string
	SoundDur         time.Duration
	QueueWait        time.Duration
	Outcome          ivr.QueueOutcome
	TransferErr      error

	digits   chan byte
	gone     chan struct{}
	goneOnce sync.Once

	mu        sync.Mutex
	played    []ivr.Prompt
	queued    []ivr.QueueRequest
	transfers []ivr.TransferRequest
	hangups   []string
}

var (
	_ ivr.Call = (*MemCall)(nil)
	_ Remote   = (*MemCall)(nil)
)

// NewMemCall returns an answered call; prompts last soundDur per sound and
// the queue serves the caller at once.
func NewMemCall(id, line, caller string, soundDur time.Duration) *MemCall {
	return &MemCall{id: id, line: line, caller: caller, SoundDur: soundDur, Outcome: ivr.QueueServed,
		digits: make(chan byte, 64), gone: make(chan struct{})}
}

// ID implements ivr.Call.
func (c *MemCall) ID() string { return c.id }

// Line implements ivr.Call.
func (c *MemCall) Line() string { return c.line }

// CallerNumber implements ivr.Call.
func (c *MemCall) CallerNumber() string { return c.caller }

// Press queues keys as if the caller pressed them (keys beyond 64 pending are dropped).
func (c *MemCall) Press(keys string) {
	for i := 0; i < len(keys); i++ {
		select {
		case c.digits <- keys[i]:
		default:
		}
	}
}

// HangUp makes the caller leave.
func (c *MemCall) HangUp() { c.goneOnce.Do(func() { close(c.gone) }) }

func (c *MemCall) hungUp() error {
	select {
	case <-c.gone:
		return fmt.Errorf("memcall %s: %w", c.id, ivr.ErrHangup)
	default:
		return nil
	}
}

// Play implements ivr.Call.
func (c *MemCall) Play(ctx context.Context, p ivr.Prompt) (byte, error) {
	if err := c.hungUp(); err != nil {
		return 0, err
	}
	c.mu.Lock()
	c.played = append(c.played, p)
	c.mu.Unlock()
	var digits <-chan byte
	if p.BargeIn {
		digits = c.digits
	}
	t := time.NewTimer(time.Duration(len(p.Sounds)) * c.SoundDur)
	defer t.Stop()
	select {
	case d := <-digits:
		return d, nil
	case <-t.C:
		return 0, nil
	case <-c.gone:
		return 0, c.hungUp()
	case <-ctx.Done():
		return 0, context.Cause(ctx)
	}
}

// ReadDigit implements ivr.Call.
func (c *MemCall) ReadDigit(ctx context.Context) (byte, error) {
	if err := c.hungUp(); err != nil {
		return 0, err
	}
	select {
	case d := <-c.digits:
		return d, nil
	case <-c.gone:
		return 0, c.hungUp()
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// Enqueue implements ivr.Call.
func (c *MemCall) Enqueue(ctx context.Context, req ivr.QueueRequest) (ivr.QueueOutcome, error) {
	if err := c.hungUp(); err != nil {
		return 0, err
	}
	c.mu.Lock()
	c.queued = append(c.queued, req)
	c.mu.Unlock()
	t := time.NewTimer(c.QueueWait)
	defer t.Stop()
	select {
	case <-t.C:
		return c.Outcome, nil
	case <-c.gone:
		return 0, c.hungUp()
	case <-ctx.Done():
		return 0, context.Cause(ctx)
	}
}

// Transfer implements ivr.Call.
func (c *MemCall) Transfer(ctx context.Context, req ivr.TransferRequest) error {
	if err := c.hungUp(); err != nil {
		return err
	}
	c.mu.Lock()
	c.transfers = append(c.transfers, req)
	c.mu.Unlock()
	return c.TransferErr
}

// Hangup implements ivr.Call.
func (c *MemCall) Hangup(ctx context.Context, reason string) error {
	c.mu.Lock()
	c.hangups = append(c.hangups, reason)
	c.mu.Unlock()
	c.HangUp()
	return nil
}

// Played returns the prompts played so far.
func (c *MemCall) Played() []ivr.Prompt {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]ivr.Prompt(nil), c.played...)
}

// Queued returns the queue requests so far.
func (c *MemCall) Queued() []ivr.QueueRequest {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]ivr.QueueRequest(nil), c.queued...)
}

// Transfers returns the transfer requests so far.
func (c *MemCall) Transfers() []ivr.TransferRequest {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]ivr.TransferRequest(nil), c.transfers...)
}

// Hangups returns the reasons of our hangups so far.
func (c *MemCall) Hangups() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.hangups...)
}
