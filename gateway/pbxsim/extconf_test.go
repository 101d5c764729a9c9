package pbxsim_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"

	"liandong/gateway/pbxsim"
	"liandong/gateway/pbxsim/dialplan"
)

// The emulator driven by an extensions.conf: the recorded lab's file sends
// 12345 into Stasis at priority 2, as the real Asterisk did.
func TestExtensionsDialplan(t *testing.T) {
	dp, err := dialplan.ParseFile("dialplan/testdata/asterisk-lab.conf")
	if err != nil {
		t.Fatal(err)
	}
	s := pbxsim.New(pbxsim.Options{
		User: "u", Password: "p",
		Endpoints: pbxsim.LabEndpoints(),
		Dialplan:  pbxsim.ExtensionsDialplan(dp, nil),
	})
	ctx := context.Background()
	if err := s.Start(ctx, "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })

	// No application is connected: Stasis fails and the dialplan goes on
	// to Hangup(), so the channel goes away.
	id, err := s.Call(ctx, pbxsim.CallSpec{To: "12345", CallerNumber: "13800138000"})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := s.Channel(id)
		if errors.Is(err, pbxsim.ErrChannelNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("channel to 12345 with no app connected still exists: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}

	// With the application connected, the call enters Stasis from the
	// dialplan's priority 2, as the recorded Asterisk reported it.
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(wctx, "ws://"+s.Addr()+"/ari/events?app=liandong&subscribeAll=false",
		&websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte("u:p"))}}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	// The application registers just after the upgrade, as in Asterisk.
	for {
		req, _ := http.NewRequestWithContext(wctx, "GET", "http://"+s.Addr()+"/ari/applications/liandong", nil)
		req.SetBasicAuth("u", "p")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	inApp, err := s.Call(ctx, pbxsim.CallSpec{To: "12345", CallerNumber: "13800138000"})
	if err != nil {
		t.Fatal(err)
	}
	for {
		_, b, err := ws.Read(wctx)
		if err != nil {
			t.Fatalf("no StasisStart: %v", err)
		}
		var ev struct {
			Type    string   `json:"type"`
			Args    []string `json:"args"`
			Channel struct {
				Dialplan struct {
					Context  string `json:"context"`
					Exten    string `json:"exten"`
					Priority int    `json:"priority"`
					AppName  string `json:"app_name"`
					AppData  string `json:"app_data"`
				} `json:"dialplan"`
			} `json:"channel"`
		}
		if err := json.Unmarshal(b, &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Type != "StasisStart" {
			continue
		}
		d := ev.Channel.Dialplan
		if d.Context != "from-pstn" || d.Exten != "12345" || d.Priority != 2 || d.AppName != "Stasis" || d.AppData != "liandong" {
			t.Errorf("StasisStart dialplan = %+v, want from-pstn,12345,2 Stasis(liandong)", d)
		}
		break
	}
	if err := s.HangupRemote(inApp); err != nil {
		t.Fatal(err)
	}

	// An extension the dialplan does not have is refused.
	if _, err := s.Call(ctx, pbxsim.CallSpec{To: "99999", CallerNumber: "13800138000"}); err == nil {
		deadline := time.Now().Add(5 * time.Second)
		for len(s.ChannelIDs()) > 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if ids := s.ChannelIDs(); len(ids) > 0 {
			t.Errorf("a call to an unknown extension left channels %v", ids)
		}
	}
}
