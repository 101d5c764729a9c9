package gateway_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"liandong/gateway"
	"liandong/gateway/ari"
	"liandong/gateway/pbxsim"
	"liandong/gateway/pbxsim/pbxsimtest"
	"liandong/ivr"
)

// steps records what the flow engine reports, as the call log would.
type steps struct {
	mu  sync.Mutex
	all []ivr.Step
}

func (s *steps) Report(_ context.Context, st ivr.Step) {
	s.mu.Lock()
	s.all = append(s.all, st)
	s.mu.Unlock()
}

// trail is the call's steps as "event:node:detail" strings.
func (s *steps) trail(callID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, st := range s.all {
		if st.CallID != callID || st.Event == ivr.EventEnter {
			continue
		}
		out = append(out, fmt.Sprintf("%s:%s:%s", st.Event, st.Node, st.Detail))
	}
	return out
}

// fakeTransfers and fakeQueues stand in for services of later issues, so
// that the gateway's side of the seam is exercised.
type fakeTransfers struct{ err error }

// Transfer takes the call over as a completed transfer ends it: the leg is
// hung up by its new owner.
func (f fakeTransfers) Transfer(ctx context.Context, leg gateway.Leg, req ivr.TransferRequest) error {
	if f.err != nil {
		return f.err
	}
	return leg.Conn().Hangup(ctx, leg.ChannelID(), "normal")
}

// fanout reports each step to several reporters.
type fanout struct{ to []ivr.Reporter }

func (f fanout) Report(ctx context.Context, s ivr.Step) {
	for _, r := range f.to {
		r.Report(ctx, s)
	}
}

type rig struct {
	sim    *pbxsim.Server
	client *ari.Client
	gw     *gateway.Gateway
	steps  *steps
}

// start runs the emulator, the real ARI adapter and the gateway, and checks
// at the end that no goroutine is left behind.
// rigOption adjusts the adapter's options or adds a step reporter.
type rigOption struct {
	ari      func(*ari.Options)
	reporter ivr.Reporter
	sounds   map[string]time.Duration
}

// withSound makes the emulator's sound last d.
func withSound(name string, d time.Duration) rigOption {
	return rigOption{sounds: map[string]time.Duration{name: d}}
}

func withRequestTimeout(d time.Duration) rigOption {
	return rigOption{ari: func(o *ari.Options) { o.RequestTimeout = d }}
}

// withReporter also sends the flow's steps to rep.
func withReporter(rep ivr.Reporter) rigOption { return rigOption{reporter: rep} }

func start(t *testing.T, o gateway.Options, opts ...rigOption) *rig {
	t.Helper()
	t.Cleanup(func() { goleak.VerifyNone(t, goleak.IgnoreCurrent()) })
	fs, err := ivr.LoadFile("testdata/flows.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sounds := map[string]time.Duration{}
	for name := range fs.Prompts {
		sounds["liandong/"+name] = 150 * time.Millisecond
	}
	for _, f := range opts {
		for k, v := range f.sounds {
			sounds[k] = v
		}
	}
	sim := pbxsimtest.Start(t, pbxsim.Options{Sounds: sounds})
	ctx, cancel := context.WithCancel(context.Background())
	hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	ao := ari.Options{HTTPClient: hc, Logger: testLogger(t)}
	var extra []ivr.Reporter
	for _, f := range opts {
		if f.ari != nil {
			f.ari(&ao)
		}
		if f.reporter != nil {
			extra = append(extra, f.reporter)
		}
	}
	client, err := ari.Open(ctx, []ari.NodeConfig{{Name: "ast1", URL: sim.URL() + "/ari",
		Username: pbxsimtest.User, Password: pbxsimtest.Password, App: pbxsimtest.App}}, ao)
	if err != nil {
		cancel()
		t.Fatalf("open ARI: %v", err)
	}
	// Asterisk registers the application just after the socket's upgrade;
	// a call placed before that would find no application (as in Asterisk).
	waitFor(t, "application registered", 5*time.Second, func() bool {
		_, err := client.Node("ast1").Application(ctx)
		return err == nil
	})
	st := &steps{}
	o.Events = client.Events()
	o.Flows = ivr.NewRegistryFrom(fs)
	o.Engine = ivr.NewEngine(ivr.Deps{Reporter: fanout{append([]ivr.Reporter{st}, extra...)}})
	if o.Logger == nil {
		o.Logger = testLogger(t)
	}
	gw, err := gateway.New(o)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- gw.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("gateway run: %v", err)
		}
		client.Close()
		hc.CloseIdleConnections()
	})
	return &rig{sim: sim, client: client, gw: gw, steps: st}
}

func (r *rig) call(t *testing.T, to string) string {
	t.Helper()
	id, err := r.sim.Call(context.Background(), pbxsim.CallSpec{To: to, CallerNumber: "13800138000"})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (r *rig) waitTrail(t *testing.T, id, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !slices.Contains(r.steps.trail(id), want) {
		if time.Now().After(deadline) {
			t.Fatalf("call never reached %q; trail:\n%s", want, strings.Join(r.steps.trail(id), "\n"))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitGone waits until the call has left the gateway and the emulator holds
// no channel.
func (r *rig) waitGone(t *testing.T) {
	t.Helper()
	waitFor(t, "calls to end", 5*time.Second, func() bool { return r.gw.Live() == 0 && len(r.sim.ChannelIDs()) == 0 })
}

func TestCallFlows(t *testing.T) {
	tests := []struct {
		name      string
		transfers gateway.Transferer
		// act drives the caller; it returns the steps that must appear in
		// order.
		act  func(t *testing.T, r *rig, id string)
		want []string
	}{
		{
			name: "greeting plays, key 1 then survey answered",
			act: func(t *testing.T, r *rig, id string) {
				r.waitTrail(t, id, "played:main:main")
				r.sim.SendDTMF(id, "1", 0)
				r.waitTrail(t, id, "played:survey:survey")
				r.sim.SendDTMF(id, "2", 0)
			},
			want: []string{"played:main:main", "digits:main:", "survey:survey:基本满意", "played:survey:survey_thanks"},
		},
		{
			name: "barge-in: a key during the greeting stops it",
			act: func(t *testing.T, r *rig, id string) {
				waitFor(t, "greeting to start", 2*time.Second, func() bool {
					info, err := r.sim.Channel(id)
					return err == nil && len(info.Heard) > 0
				})
				r.sim.SendDTMF(id, "1", 0)
				r.waitTrail(t, id, "played:survey:survey")
				r.sim.HangupRemote(id)
			},
			want: []string{"played:main:main", "digits:main:", "caller_hangup:survey:"},
		},
		{
			name: "no input: timeout, reprompt, then goodbye and hangup",
			act:  func(t *testing.T, r *rig, id string) {},
			want: []string{"timeout:main:", "played:main:no_input", "played:main:main", "timeout:main:", "exhausted:main:", "played:goodbye:goodbye"},
		},
		{
			name: "invalid key then retries exhausted",
			act: func(t *testing.T, r *rig, id string) {
				r.waitTrail(t, id, "played:main:main")
				r.sim.SendDTMF(id, "7", 0)
				r.waitTrail(t, id, "played:main:main")
				r.sim.SendDTMF(id, "8", 0)
			},
			want: []string{"invalid:main:", "played:main:invalid", "invalid:main:", "exhausted:main:", "played:goodbye:goodbye"},
		},
		{
			name: "0 reaches the queue; with no ACD the caller hears no agent",
			act: func(t *testing.T, r *rig, id string) {
				r.waitTrail(t, id, "played:main:main")
				r.sim.SendDTMF(id, "0", 0)
			},
			want: []string{"queued:to_agent:12345", "dequeued:to_agent:unavailable", "played:no_agent:no_agent"},
		},
		{
			name:      "emergency key hands the call to 110",
			transfers: fakeTransfers{},
			act: func(t *testing.T, r *rig, id string) {
				r.waitTrail(t, id, "played:main:main")
				r.sim.SendDTMF(id, "9", 0)
			},
			want: []string{"transferred:emergency:110"},
		},
		{
			name:      "emergency transfer failing falls back to an agent",
			transfers: fakeTransfers{err: errors.New("110 trunk down")},
			act: func(t *testing.T, r *rig, id string) {
				r.waitTrail(t, id, "played:main:main")
				r.sim.SendDTMF(id, "9", 0)
			},
			want: []string{"error:emergency:transfer 110: 110 trunk down", "queued:to_agent:12345"},
		},
		{
			name: "hangup in the middle of the greeting",
			act: func(t *testing.T, r *rig, id string) {
				waitFor(t, "greeting to start", 2*time.Second, func() bool {
					info, err := r.sim.Channel(id)
					return err == nil && len(info.Heard) > 0
				})
				r.sim.HangupRemote(id)
			},
			want: []string{"caller_hangup:main:"},
		},
		{
			name: "hangup while the menu waits for a key",
			act: func(t *testing.T, r *rig, id string) {
				r.waitTrail(t, id, "played:main:main")
				r.sim.HangupRemote(id)
			},
			want: []string{"caller_hangup:main:"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := gateway.Options{}
			if tt.transfers != nil {
				o.Transfers = tt.transfers
			}
			r := start(t, o)
			id := r.call(t, "12345")
			tt.act(t, r, id)
			r.waitGone(t)
			trail := r.steps.trail(id)
			i := 0
			for _, s := range trail {
				if i < len(tt.want) && s == tt.want[i] {
					i++
				}
			}
			if i < len(tt.want) {
				t.Errorf("step %q missing or out of order; trail:\n%s", tt.want[i], strings.Join(trail, "\n"))
			}
		})
	}
}

// testLogger logs into the test's output when LIANDONG_TEST_LOG is set.
func testLogger(t *testing.T) *slog.Logger {
	if os.Getenv("LIANDONG_TEST_LOG") == "" {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}
