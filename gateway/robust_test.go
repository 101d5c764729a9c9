package gateway_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"liandong/gateway"
	"liandong/gateway/pbxsim"
	"liandong/gateway/pbxsim/pbxsimtest"
)

// An Asterisk restart loses every channel without a word; after the
// adapter reconnects, the resync tells each call its channel is gone.
func TestAsteriskRestartEndsCalls(t *testing.T) {
	r := start(t, gateway.Options{})
	id := r.call(t, "12345")
	r.waitTrail(t, id, "played:main:main")
	r.sim.Restart()
	waitFor(t, "calls to end after the restart", 10*time.Second, func() bool { return r.gw.Live() == 0 })
	// The gateway takes new calls on the new connection.
	waitFor(t, "application registered again", 10*time.Second, func() bool {
		id2, err := r.sim.Call(context.Background(), pbxsim.CallSpec{To: "12345", CallerNumber: "13900139000"})
		if err != nil {
			return false
		}
		ok := false
		deadline := time.Now().Add(time.Second)
		for time.Now().Before(deadline) && !ok {
			ok = r.gw.Live() == 1
			time.Sleep(10 * time.Millisecond)
		}
		if !ok {
			r.sim.HangupRemote(id2)
		}
		return ok
	})
	for _, ch := range r.sim.ChannelIDs() {
		r.sim.HangupRemote(ch)
	}
	r.waitGone(t)
}

// Event types ari/v5 does not know arrive mid-call; the call goes on.
func TestUnknownEventMidCall(t *testing.T) {
	r := start(t, gateway.Options{})
	id := r.call(t, "12345")
	r.waitTrail(t, id, "played:main:main")
	for _, typ := range []string{"ChannelToneDetected", "ChannelTransfer", "RESTResponse", "SomethingNew"} {
		raw := fmt.Sprintf(`{"type":%q,"timestamp":"2026-11-28T09:34:29.902+0000","application":%q,"channel":{"id":%q}}`, typ, pbxsimtest.App, id)
		if err := r.sim.InjectEvent(pbxsimtest.App, []byte(raw)); err != nil {
			t.Fatalf("inject %s: %v", typ, err)
		}
	}
	r.sim.SendDTMF(id, "1", 0)
	r.waitTrail(t, id, "played:survey:survey")
	r.sim.SendDTMF(id, "1", 0)
	r.waitTrail(t, id, "survey:survey:满意")
	r.waitGone(t)
}

// A stalled REST answer fails only the call it belongs to, within the
// adapter's deadline; a second call meanwhile is served normally.
func TestStalledRESTFailsOnlyThatCall(t *testing.T) {
	r := start(t, gateway.Options{}, withRequestTimeout(300*time.Millisecond))
	// The first POST of a call is its answer: held for 10 s.
	r.sim.AddFault(pbxsim.FaultRule{Method: "POST", PathPrefix: "/channels/", Delay: 10 * time.Second, Count: 1})
	stalled := r.call(t, "12345")
	// Well before the stall ends, the call has given up and hung up.
	waitFor(t, "stalled call to be given up", 5*time.Second, func() bool {
		_, err := r.sim.Channel(stalled)
		return err != nil && r.gw.Live() == 0
	})
	if tr := r.steps.trail(stalled); len(tr) != 0 {
		t.Errorf("the unanswered call ran its flow: %v", tr)
	}
	other := r.call(t, "12345")
	r.waitTrail(t, other, "played:main:main")
	r.sim.SendDTMF(other, "1", 0)
	r.waitTrail(t, other, "played:survey:survey")
	r.sim.HangupRemote(other)
	r.waitGone(t)
}

// Drain: no new calls (refused with congestion), live calls go on.
func TestDrain(t *testing.T) {
	r := start(t, gateway.Options{})
	live := r.call(t, "12345")
	r.waitTrail(t, live, "played:main:main")

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	if n := r.gw.Drain(ctx); n != 1 {
		t.Errorf("Drain with a live call = %d, want 1", n)
	}
	cancel()
	refused := r.call(t, "12345")
	waitFor(t, "new call to be refused", 5*time.Second, func() bool {
		_, err := r.sim.Channel(refused)
		return err != nil
	})
	if len(r.steps.trail(refused)) != 0 {
		t.Errorf("a call taken while draining ran the flow: %v", r.steps.trail(refused))
	}
	if r.gw.Live() != 1 {
		t.Errorf("live calls = %d, want 1 (the call in progress goes on)", r.gw.Live())
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if n := r.gw.Drain(ctx); n != 0 {
			t.Errorf("Drain after the caller left = %d, want 0", n)
		}
	}()
	r.sim.HangupRemote(live)
	wg.Wait()
	r.waitGone(t)
}

// Many callers at once: every call runs on its own and all end cleanly.
func TestConcurrentCalls(t *testing.T) {
	r := start(t, gateway.Options{})
	const n = 40
	ids := make([]string, n)
	for i := range ids {
		ids[i] = r.call(t, "12345")
	}
	for _, id := range ids {
		r.waitTrail(t, id, "played:main:main")
	}
	for i, id := range ids {
		r.sim.SendDTMF(id, "1", 0)
		_ = i
	}
	for i, id := range ids {
		r.waitTrail(t, id, "played:survey:survey")
		r.sim.SendDTMF(id, string(rune('1'+i%3)), 0)
	}
	r.waitGone(t)
	for i, id := range ids {
		want := []string{"survey:survey:满意", "survey:survey:基本满意", "survey:survey:不满意"}[i%3]
		found := false
		for _, s := range r.steps.trail(id) {
			found = found || s == want
		}
		if !found {
			t.Errorf("call %d: survey %q not recorded: %v", i, want, r.steps.trail(id))
		}
	}
}

// Observe sees the gateway's reactions: the answer on StasisStart, the
// stop on a barge-in key, the next prompt on PlaybackFinished, the hangup.
func TestObserveReactions(t *testing.T) {
	var mu sync.Mutex
	var seen []time.Duration
	r := start(t, gateway.Options{Observe: func(d time.Duration) {
		mu.Lock()
		seen = append(seen, d)
		mu.Unlock()
	}})
	id := r.call(t, "12345")
	r.waitTrail(t, id, "played:main:main")
	r.sim.SendDTMF(id, "1", 0)
	r.waitTrail(t, id, "played:survey:survey")
	r.sim.SendDTMF(id, "1", 0)
	r.waitGone(t)
	mu.Lock()
	defer mu.Unlock()
	// answer, play greeting? (no: it follows answer's response, not an
	// event), play survey after the key, play thanks after the key, hang up
	// after thanks finished.
	if len(seen) < 3 {
		t.Fatalf("observed %d reactions, want at least 3: %v", len(seen), seen)
	}
	for _, d := range seen {
		if d < 0 || d > time.Minute {
			t.Errorf("reaction time %v out of range", d)
		}
	}
}

// A burst of 10,000 events (of a type ari/v5 does not know, and known
// ones for channels no call owns) while a call is in its menu: the socket
// is read to the end, the gateway consumes them all, and the call goes on.
func TestEventBurstMidCall(t *testing.T) {
	// A greeting long enough to outlast the burst.
	r := start(t, gateway.Options{}, withSound("liandong/welcome", time.Minute))
	id := r.call(t, "12345")
	waitFor(t, "the greeting to start", 5*time.Second, func() bool {
		info, err := r.sim.Channel(id)
		return err == nil && len(info.Heard) > 0
	})
	node := r.client.Node("ast1")
	before := node.Stats().Received
	const n = 10000
	for i := range n {
		raw := fmt.Sprintf(`{"type":"ChannelToneDetected","timestamp":"2026-11-28T09:34:29.902+0000","application":%q,"channel":{"id":"burst-%d"}}`, pbxsimtest.App, i%50)
		if i%2 == 1 {
			raw = fmt.Sprintf(`{"type":"ChannelVarset","timestamp":"2026-11-28T09:34:29.902+0000","application":%q,"variable":"X","value":"%d","channel":{"id":"burst-%d"}}`, pbxsimtest.App, i, i%50)
		}
		if err := r.sim.InjectEvent(pbxsimtest.App, []byte(raw)); err != nil {
			t.Fatalf("inject event %d: %v", i, err)
		}
	}
	waitFor(t, "the burst to be read and consumed", 30*time.Second, func() bool {
		return node.Stats().Received-before >= n && r.client.Events().Len() == 0
	})
	if c := node.Stats().Connections; c != 1 {
		t.Errorf("the event socket was reopened during the burst (%d connections)", c)
	}
	if r.gw.Live() != 1 {
		t.Fatalf("the call did not survive the burst")
	}
	r.sim.SendDTMF(id, "1", 0) // barge-in
	r.waitTrail(t, id, "played:survey:survey")
	r.sim.SendDTMF(id, "2", 0)
	r.waitTrail(t, id, "survey:survey:基本满意")
	r.waitGone(t)
}

// The event socket drops while a prompt plays and the prompt ends in the
// gap: its PlaybackFinished is lost, as with Asterisk. After the reconnect
// the call finds the playback gone and goes on.
func TestPlaybackEndsWhileSocketDown(t *testing.T) {
	r := start(t, gateway.Options{}, withSound("liandong/welcome", 400*time.Millisecond))
	id := r.call(t, "12345")
	waitFor(t, "the greeting to start", 5*time.Second, func() bool {
		info, err := r.sim.Channel(id)
		return err == nil && len(info.Heard) > 0
	})
	r.sim.RefuseSockets(true)
	r.sim.DropSockets(pbxsimtest.App)
	time.Sleep(time.Second) // the greeting ends while nobody listens
	r.sim.RefuseSockets(false)
	r.waitTrail(t, id, "played:main:main")
	r.sim.SendDTMF(id, "1", 0)
	r.waitTrail(t, id, "played:survey:survey")
	r.sim.HangupRemote(id)
	r.waitGone(t)
}
