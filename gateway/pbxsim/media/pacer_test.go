package media

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestPacerRealTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := NewPacer(PacerConfig{})
		l := p.NewLeg(LegConfig{})
		var ev events
		l.Play(NewPCM(make([]int16, 8000), Rate8k), ev.on) // 1 s
		ctx, cancel := context.WithCancelCause(t.Context())
		done := make(chan error, 1)
		go func() { done <- p.Run(ctx) }()
		time.Sleep(time.Second + FrameDuration/2)
		st := p.Stats()
		if st.Ticks != 50 {
			t.Errorf("after 1 s: %d ticks, want 50", st.Ticks)
		}
		if st.Late != 0 || st.Skipped != 0 {
			t.Errorf("late %d skipped %d", st.Late, st.Skipped)
		}
		time.Sleep(FrameDuration)
		synctest.Wait()
		if got := ev.list(); len(got) != 2 || got[1] != PlaybackDone {
			t.Errorf("a 1 s playback after 1.03 s: %v", got)
		}
		stop := errors.New("call over")
		cancel(stop)
		if err := <-done; !errors.Is(err, stop) {
			t.Errorf("Run returned %v, want the cause", err)
		}
	})
}

// slowSource makes each tick take d, to push the pacer behind real time.
// (Tests change d atomically: under synctest, waiting for the pacer's
// mutex while it sleeps would stop the fake clock.)
type slowSource struct{ d atomic.Int64 }

func (s *slowSource) Rate() int                       { return Rate8k }
func (s *slowSource) Duration() (time.Duration, bool) { return 0, false }
func (s *slowSource) ReadFrame(dst []int16) error {
	if d := s.d.Load(); d > 0 {
		time.Sleep(time.Duration(d))
	}
	clear(dst)
	return nil
}

func TestPacerFallsBehind(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var behind atomic.Int64
		p := NewPacer(PacerConfig{OnBehind: func(lag time.Duration) { behind.Add(1) }})
		l := p.NewLeg(LegConfig{})
		slow := &slowSource{}
		l.Say(slow, nil)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- p.Run(ctx) }()
		time.Sleep(500 * time.Millisecond)
		if st := p.Stats(); st.Late != 0 || st.Skipped != 0 || behind.Load() != 0 {
			t.Fatalf("on time, yet %+v", st)
		}
		slow.d.Store(int64(50 * time.Millisecond)) // each tick now takes 2.5 frames
		time.Sleep(time.Second)
		st := p.Stats()
		if st.Late == 0 || st.Skipped == 0 || behind.Load() == 0 || st.MaxLag < FrameDuration {
			t.Errorf("behind real time not reported: %+v, OnBehind %d", st, behind.Load())
		}
		slow.d.Store(0)
		time.Sleep(100 * time.Millisecond)
		before := p.Stats().Skipped
		time.Sleep(time.Second)
		if after := p.Stats().Skipped; after != before {
			t.Errorf("still skipping after recovery: %d -> %d", before, after)
		}
		cancel()
		<-done
	})
}

// Catching up: a single stall shorter than MaxCatchUp frames is made good
// by ticking back to back, without skipping.
func TestPacerCatchUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := NewPacer(PacerConfig{MaxCatchUp: 5})
		l := p.NewLeg(LegConfig{})
		slow := &slowSource{}
		l.Say(slow, nil)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- p.Run(ctx) }()
		time.Sleep(200*time.Millisecond + FrameDuration/2)
		slow.d.Store(int64(70 * time.Millisecond))
		time.Sleep(FrameDuration)
		slow.d.Store(0)
		time.Sleep(time.Second - 200*time.Millisecond - FrameDuration)
		st := p.Stats()
		if st.Skipped != 0 || st.Ticks != 50 {
			t.Errorf("after a 70 ms stall: %+v; want 50 ticks, none skipped", st)
		}
		cancel()
		<-done
	})
}
