package pbxsim_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"liandong/gateway/pbxsim"
	"liandong/gateway/pbxsim/pbxsimtest"
)

// Writing CALLERID(num) through ARI changes the caller and sends
// ChannelCallerId (not ChannelVarset), as Asterisk does.
func TestChannelCallerIDEvent(t *testing.T) {
	s := pbxsimtest.Start(t)
	ctx, ws := appSocket(t, s)
	auth := http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(pbxsimtest.User+":"+pbxsimtest.Password))}}
	next := func(want string) map[string]any {
		t.Helper()
		for {
			_, b, err := ws.Read(ctx)
			if err != nil {
				t.Fatalf("waiting for %s: %v", want, err)
			}
			var ev map[string]any
			json.Unmarshal(b, &ev)
			if ev["type"] == want {
				return ev
			}
			if want == "ChannelCallerId" && ev["type"] == "ChannelVarset" {
				t.Fatalf("CALLERID(num) sent ChannelVarset: %s", b)
			}
		}
	}
	for {
		req, _ := http.NewRequestWithContext(ctx, "GET", s.URL()+"/ari/applications/"+pbxsimtest.App, nil)
		req.Header = auth
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	id, err := s.Call(ctx, pbxsim.CallSpec{To: "12345", CallerNumber: "13800138000"})
	if err != nil {
		t.Fatal(err)
	}
	next("StasisStart")
	q := url.Values{"variable": {"CALLERID(num)"}, "value": {"13900139000"}}
	req, _ := http.NewRequestWithContext(ctx, "POST", s.URL()+"/ari/channels/"+id+"/variable?"+q.Encode(), nil)
	req.Header = auth
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("set CALLERID(num) = %d, want 204", resp.StatusCode)
	}
	ev := next("ChannelCallerId")
	ch, _ := ev["channel"].(map[string]any)
	caller, _ := ch["caller"].(map[string]any)
	if caller["number"] != "13900139000" {
		t.Errorf("ChannelCallerId caller = %v, want the new number", caller)
	}
	if _, ok := ev["caller_presentation_txt"]; !ok {
		t.Errorf("ChannelCallerId lacks caller_presentation_txt: %v", ev)
	}
	_ = s.HangupRemote(id)
}
