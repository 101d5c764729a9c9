package gateway

import (
	"context"
	"net/http"
	"testing"
	"time"

	"liandong/gateway/ari"
	"liandong/gateway/pbxsim"
	"liandong/gateway/pbxsim/pbxsimtest"
	"liandong/internal/logging"
	"liandong/ivr"
	"liandong/ivr/ivrtest"
)

// remote is the caller's phone on the emulator.
type remote struct {
	sim *pbxsim.Server
	id  string
}

func (r remote) Press(keys string) { _ = r.sim.SendDTMF(r.id, keys, 0) }
func (r remote) HangUp()           { _ = r.sim.HangupRemote(r.id) }

// TestCallConformance runs the ivr package's contract for Call against the
// gateway's ARI call, over the real adapter and the emulator.
func TestCallConformance(t *testing.T) {
	ivrtest.Conformance(t, func(t *testing.T) (ivr.Call, ivrtest.Remote, ivr.Prompt) {
		sim := pbxsimtest.Start(t, pbxsim.Options{Sounds: map[string]time.Duration{"liandong/long": 1500 * time.Millisecond}})
		ctx, cancel := context.WithCancelCause(t.Context())
		hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
		client, err := ari.Open(ctx, []ari.NodeConfig{{Name: "ast1", URL: sim.URL() + "/ari",
			Username: pbxsimtest.User, Password: pbxsimtest.Password, App: pbxsimtest.App}}, ari.Options{HTTPClient: hc})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			cancel(nil)
			client.Close()
			hc.CloseIdleConnections()
		})
		for {
			if _, err := client.Node("ast1").Application(ctx); err == nil {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		id, err := sim.Call(ctx, pbxsim.CallSpec{To: "12345", CallerNumber: "13800138000"})
		if err != nil {
			t.Fatal(err)
		}
		var ev *ari.Event
		for ev == nil || ev.Type != "StasisStart" {
			if ev, err = client.Events().Next(ctx); err != nil {
				t.Fatal(err)
			}
		}
		g := &Gateway{o: Options{CleanupTimeout: time.Second}, log: logging.Discard()}
		c := newCall(g, ev.Sub.Node(), ev.Sub, ev.ARI.(*ari.StasisStart))
		c.cancel = cancel
		t.Cleanup(ev.Sub.Close)
		if err := c.conn.Answer(ctx, c.channelID); err != nil {
			t.Fatal(err)
		}
		return c, remote{sim, id}, ivr.Prompt{Sounds: []string{"sound:liandong/long"}, Text: "long"}
	})
}
