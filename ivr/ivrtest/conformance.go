package ivrtest

import (
	"context"
	"errors"
	"testing"
	"time"

	"liandong/ivr"
)

// Remote is the far end of a call under test: the caller's phone.
type Remote interface {
	Press(keys string)
	HangUp()
}

// Setup returns a fresh answered call, its remote end, and a prompt that
// plays for at least one second (e.g. a long sound on the emulator).
type Setup func(t *testing.T) (ivr.Call, Remote, ivr.Prompt)

// patience bounds how long the suite waits for a method that should return.
const patience = 3 * time.Second

// Conformance checks that an ivr.Call keeps the contract the engine relies
// on: barge-in, buffered digits, deadlines on ctx, ErrHangup. It uses real
// time (a few seconds in all).
func Conformance(t *testing.T, setup Setup) {
	t.Run("barge-in returns the first key", func(t *testing.T) {
		c, r, long := setup(t)
		long.BargeIn = true
		time.AfterFunc(200*time.Millisecond, func() { r.Press("5") })
		d, err := within(t, func(ctx context.Context) (byte, error) { return c.Play(ctx, long) })
		if err != nil || d != '5' {
			t.Fatalf("Play = %q, %v; want '5'", d, err)
		}
	})
	t.Run("keys during a prompt without barge-in are buffered", func(t *testing.T) {
		c, r, long := setup(t)
		long.BargeIn = false
		time.AfterFunc(200*time.Millisecond, func() { r.Press("78") })
		start := time.Now()
		d, err := within(t, func(ctx context.Context) (byte, error) { return c.Play(ctx, long) })
		if err != nil || d != 0 {
			t.Fatalf("Play = %q, %v; want 0", d, err)
		}
		if time.Since(start) < time.Second {
			t.Fatalf("a prompt without barge-in stopped after %v", time.Since(start))
		}
		for _, want := range []byte("78") {
			d, err := within(t, c.ReadDigit)
			if err != nil || d != want {
				t.Fatalf("ReadDigit = %q, %v; want %q", d, err, want)
			}
		}
	})
	t.Run("ReadDigit ends with its context", func(t *testing.T) {
		c, _, _ := setup(t)
		ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := c.ReadDigit(ctx)
		if err == nil || errors.Is(err, ivr.ErrHangup) {
			t.Fatalf("ReadDigit at deadline = %v; want the context's error", err)
		}
		if took := time.Since(start); took > patience {
			t.Fatalf("ReadDigit returned %v after its deadline", took)
		}
	})
	t.Run("Play ends with its context", func(t *testing.T) {
		c, _, long := setup(t)
		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		defer cancel()
		if _, err := c.Play(ctx, long); err == nil {
			t.Fatal("Play outlived its context without an error")
		}
	})
	t.Run("hangup during a prompt", func(t *testing.T) {
		c, r, long := setup(t)
		time.AfterFunc(200*time.Millisecond, r.HangUp)
		if _, err := within(t, func(ctx context.Context) (byte, error) { return c.Play(ctx, long) }); !errors.Is(err, ivr.ErrHangup) {
			t.Fatalf("Play = %v; want ErrHangup", err)
		}
		if _, err := within(t, c.ReadDigit); !errors.Is(err, ivr.ErrHangup) {
			t.Fatalf("ReadDigit after hangup = %v; want ErrHangup", err)
		}
	})
	t.Run("hangup while reading keys", func(t *testing.T) {
		c, r, _ := setup(t)
		time.AfterFunc(200*time.Millisecond, r.HangUp)
		if _, err := within(t, c.ReadDigit); !errors.Is(err, ivr.ErrHangup) {
			t.Fatalf("ReadDigit = %v; want ErrHangup", err)
		}
	})
}

// within runs f with a deadline of patience and fails the test if f does
// not return by then.
func within(t *testing.T, f func(context.Context) (byte, error)) (byte, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*patience)
	defer cancel()
	type res struct {
		d   byte
		err error
	}
	ch := make(chan res, 1)
	go func() {
		d, err := f(ctx)
		ch <- res{d, err}
	}()
	select {
	case r := <-ch:
		return r.d, r.err
	case <-time.After(patience):
		cancel()
		<-ch
		t.Fatalf("call did not return within %v", patience)
		return 0, nil
	}
}
