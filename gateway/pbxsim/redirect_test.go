package pbxsim_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"liandong/gateway/pbxsim"
	"liandong/gateway/pbxsim/pbxsimtest"
)

// Error cases of POST /channels/{id}/redirect, in Asterisk's order of checks
// (res/ari/resource_channels.c ast_ari_channels_redirect).
func TestRedirectErrors(t *testing.T) {
	s := pbxsimtest.Start(t)
	l := newXferLab(t, s)
	up := l.answered("pstn", "", "12345", "13800138000")
	var created struct{ ID string }
	if err := json.Unmarshal([]byte(l.ari(200, "POST", "/ari/channels/create?endpoint=PJSIP/agent1001&app=liandong")), &created); err != nil {
		t.Fatal(err)
	}
	outside, err := s.Call(t.Context(), pbxsim.CallSpec{To: "answerwait", Context: "lab-internal"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		status     int
		want       string
	}{
		{"no channel id (router stops at the empty segment: an originate)", "/ari/channels//redirect?endpoint=PJSIP/agent1001", 400, "Application or extension must be specified"},
		{"unknown channel", "/ari/channels/12345/redirect?endpoint=PJSIP/agent1001", 404, "Channel not found"},
		{"not in Stasis", "/ari/channels/" + outside + "/redirect?endpoint=PJSIP/agent1001", 409, "Channel not in Stasis application"},
		{"Down channel", "/ari/channels/" + created.ID + "/redirect?endpoint=PJSIP/agent1002", 412, "Channel in invalid state"},
		{"no endpoint", "/ari/channels/" + up + "/redirect", 400, "Required parameter 'endpoint' not provided."},
		{"no tech", "/ari/channels/" + up + "/redirect?endpoint=agent1001", 422, "Endpoint parameter 'agent1001' does not contain tech/resource"},
		{"empty tech", "/ari/channels/" + up + "/redirect?endpoint=/agent1001", 422, "Endpoint parameter '/agent1001' does not contain tech/resource"},
		{"no resource", "/ari/channels/" + up + "/redirect?endpoint=PJSIP/", 422, "No resource provided in endpoint parameter 'PJSIP/'"},
		{"other tech", "/ari/channels/" + up + "/redirect?endpoint=Local/s@default", 422, "Endpoint technology 'Local' does not match channel technology 'PJSIP'"},
		{"longer tech", "/ari/channels/" + up + "/redirect?endpoint=PJSIPX/a", 422, "Endpoint technology 'PJSIPX' does not match channel technology 'PJSIP'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, _, body := do(t, s, "POST", tt.path, "", true)
			if st != tt.status || !strings.Contains(body, `"message":"`+tt.want+`"`) {
				t.Errorf("POST %s = %d %s, want %d %q", tt.path, st, body, tt.status, tt.want)
			}
		})
	}
	if _, err := s.Channel(up); err != nil {
		t.Errorf("a refused redirect ended the channel: %v", err)
	}
	_ = s.HangupRemote(outside)
}

// An unanswered PJSIP channel is answered 302 with the endpoint's contact: the
// session ends (hangup cause hangup_sip2cause(302) = 16) and the channel leaves
// Stasis; the caller, following the 302, reaches the phone directly.
func TestRedirectUnansweredIs302(t *testing.T) {
	s := pbxsimtest.Start(t)
	l := newXferLab(t, s)
	id := l.call("pstn", "", "12345", "13800138000")
	l.ari(204, "POST", "/ari/channels/"+id+"/redirect?endpoint=PJSIP/agent1001")
	evs := l.until(func(ev map[string]any) bool { return ev["type"] == "StasisEnd" && chanID(ev) == id })
	inOrder(t, evs, sub{"ChannelHangupRequest", id}, sub{"StasisEnd", id})
	hr := find(t, evs, "ChannelHangupRequest")
	if hr["cause"] != float64(16) || hr["soft"] != nil {
		t.Errorf("ChannelHangupRequest = %v, want cause 16, not soft", hr)
	}
	e, ok := s.EndedChannel(id)
	if !ok {
		t.Fatal("channel not ended")
	}
	want := pbxsim.Redirected{Method: "302", Target: "sip:agent1001@" + pbxsim.PhoneContactHost,
		Endpoint: "PJSIP/agent1001", Outcome: "answered"}
	if e.SIP != 302 || e.Cause != 16 || e.Answered || e.Redirected == nil || *e.Redirected != want {
		t.Errorf("ended = %+v (redirected %+v), want SIP 302, cause 16, %+v", e, e.Redirected, want)
	}
}

// An answered channel gets a REFER; the far end follows it and hangs up (BYE).
// A Refer-To naming this Asterisk becomes a new call into it.
func TestRedirectAnsweredIsREFER(t *testing.T) {
	s := pbxsimtest.Start(t)
	l := newXferLab(t, s)
	id := l.answered("pstn", "", "12345", "13800138000")
	l.ari(204, "POST", "/ari/channels/"+id+"/redirect?endpoint=PJSIP/sip:110@127.0.0.1:5060")
	evs := l.until(func(ev map[string]any) bool { return ev["type"] == "StasisEnd" && chanID(ev) == id })
	inOrder(t, evs, sub{"ChannelHangupRequest", id}, sub{"StasisEnd", id})
	if hr := find(t, evs, "ChannelHangupRequest"); hr["cause"] != nil {
		t.Errorf("ChannelHangupRequest after the far end's BYE has a cause: %v", hr)
	}
	// The followed call arrives as a new inbound call to 110.
	start := l.until(func(ev map[string]any) bool { return ev["type"] == "StasisStart" })
	next := start[len(start)-1]
	if fieldOf(next, "channel.dialplan.exten") != "110" || fieldOf(next, "channel.caller.number") != "13800138000" {
		t.Errorf("followed call = %v", next["channel"])
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		e, _ := s.EndedChannel(id)
		if e.Redirected != nil && e.Redirected.Followed == chanID(next) {
			if e.Redirected.Method != "REFER" || e.Redirected.Outcome != "called" || !e.Answered || e.SIP != 0 {
				t.Errorf("ended = %+v %+v", e, e.Redirected)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ended record lacks the followed call: %+v", e.Redirected)
		}
		time.Sleep(10 * time.Millisecond)
	}
	_ = s.HangupRemote(chanID(next))
}

// Redirects that change nothing: a REFER the target phone refuses (busy), a
// REFER the far end cannot follow (no URI), a 302 to an unparsable target, and a
// channel technology without transfer support.
func TestRedirectWithoutEffect(t *testing.T) {
	s := pbxsimtest.Start(t)
	l := newXferLab(t, s)
	if err := s.SetBehaviour("PJSIP/agent1002", pbxsim.Behaviour{Mode: pbxsim.ModeBusy}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetBehaviour("PJSIP/agent1001", pbxsim.Behaviour{Mode: pbxsim.ModeOffline}); err != nil {
		t.Fatal(err)
	}
	up := l.answered("pstn", "", "12345", "1")
	ring := l.call("pstn", "", "12345", "2")
	tests := []struct {
		name, id, endpoint string
		want               *pbxsim.Redirected
	}{
		{"REFER to a busy phone", up, "PJSIP/agent1002", &pbxsim.Redirected{Method: "REFER", Target: "sip:agent1002@" + pbxsim.PhoneContactHost,
			ReferredBy: "<sip:12345@127.0.0.1>", Endpoint: "PJSIP/agent1002", Outcome: "busy"}},
		{"REFER to no URI", up, "PJSIP/1000", &pbxsim.Redirected{Method: "REFER", Target: "1000", ReferredBy: "<sip:12345@127.0.0.1>", Outcome: "rejected"}},
		{"302 to no URI", ring, "PJSIP/1000", nil},
		{"302 to an offline endpoint (no contact)", ring, "PJSIP/agent1001", nil},
		{"REFER to an offline endpoint", up, "PJSIP/agent1001", &pbxsim.Redirected{Method: "REFER", Target: "agent1001", ReferredBy: "<sip:12345@127.0.0.1>", Outcome: "rejected"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l.ari(204, "POST", "/ari/channels/"+tt.id+"/redirect?endpoint="+tt.endpoint)
			info, err := s.Channel(tt.id)
			if err != nil {
				t.Fatalf("channel gone: %v", err)
			}
			if (tt.want == nil) != (info.Redirected == nil) || (tt.want != nil && *info.Redirected != *tt.want) {
				t.Errorf("redirected = %+v, want %+v", info.Redirected, tt.want)
			}
		})
	}
	l.ec.none(100 * time.Millisecond)
	// A Local channel in Stasis: Local has no transfer callback.
	body := l.ari(200, "POST", "/ari/channels?endpoint=Local/answerwait@lab-internal&app=liandong")
	var loc struct{ ID string }
	_ = json.Unmarshal([]byte(body), &loc)
	l.until(func(ev map[string]any) bool { return ev["type"] == "StasisStart" && chanID(ev) == loc.ID })
	l.ari(204, "POST", "/ari/channels/"+loc.ID+"/redirect?endpoint=Local/12345@from-pstn")
	if _, err := s.Channel(loc.ID); err != nil {
		t.Errorf("Local channel redirect changed it: %v", err)
	}
	for _, id := range []string{up, ring, loc.ID} {
		l.ari(204, "DELETE", "/ari/channels/"+id)
	}
}
