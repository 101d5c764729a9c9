package pbxsim_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"liandong/gateway/pbxsim"
	"liandong/gateway/pbxsim/dialplan"
	"liandong/gateway/pbxsim/pbxsimtest"
)

// Every error of originate's and create's formats/originator handling, with
// Asterisk's status and message (resource_channels.c).
func TestOriginateFormatsErrors(t *testing.T) {
	long := strings.Repeat("x", 129)
	tests := []struct {
		name, path, query string
		status            int
		msg               string
	}{
		{"both", "/channels", "endpoint=PJSIP/agent1001&app=liandong&originator=ORIG&formats=ulaw", 400, "Originator and formats can't both be specified"},
		{"both, with id", "/channels/c1", "endpoint=PJSIP/agent1001&app=liandong&originator=ORIG&formats=ulaw", 400, "Originator and formats can't both be specified"},
		{"both, create", "/channels/create", "endpoint=PJSIP/agent1001&app=liandong&originator=ORIG&formats=ulaw", 400, "Originator and formats can't both be specified"},
		{"both, unknown originator", "/channels", "endpoint=PJSIP/agent1001&app=liandong&originator=nope&formats=ulaw", 400, "Originator and formats can't both be specified"},
		{"both before a bad endpoint", "/channels", "endpoint=garbage&app=liandong&originator=ORIG&formats=ulaw", 400, "Originator and formats can't both be specified"},
		{"endpoint before both", "/channels", "app=liandong&originator=ORIG&formats=ulaw", 400, "Endpoint must be specified"},
		{"unknown format", "/channels", "endpoint=PJSIP/agent1001&app=liandong&formats=bogus", 400, "Provided format (bogus) was not found"},
		{"unknown format, with id", "/channels/c1", "endpoint=PJSIP/agent1001&app=liandong&formats=bogus", 400, "Provided format (bogus) was not found"},
		{"unknown format, create", "/channels/create", "endpoint=PJSIP/agent1001&app=liandong&formats=bogus", 400, "Provided format (bogus) was not found"},
		{"second format unknown, stripped", "/channels", "endpoint=PJSIP/agent1001&app=liandong&formats=ulaw,%20nosuch%20", 400, "Provided format (nosuch) was not found"},
		{"empty item", "/channels", "endpoint=PJSIP/agent1001&app=liandong&formats=ulaw,", 400, "Provided format () was not found"},
		{"names are case-sensitive", "/channels", "endpoint=PJSIP/agent1001&app=liandong&formats=ULAW", 400, "Provided format (ULAW) was not found"},
		{"app before formats", "/channels", "endpoint=PJSIP/agent1001&formats=bogus", 400, "Application or extension must be specified"},
		{"unknown originator", "/channels", "endpoint=PJSIP/agent1001&app=liandong&originator=nope", 400, "Provided originator channel was not found"},
		{"unknown originator, with id", "/channels/c1", "endpoint=PJSIP/agent1001&app=liandong&originator=nope", 400, "Provided originator channel was not found"},
		{"unknown originator, create: none", "/channels/create", "endpoint=PJSIP/agent1001&app=liandong&originator=nope", 200, ""},
		{"originator by name", "/channels", "endpoint=PJSIP/agent1001&app=liandong&originator=ORIGNAME", 200, ""},
		{"video format accepted", "/channels", "endpoint=PJSIP/agent1001&app=liandong&formats=h264,ulaw", 200, ""},
		{"id too long", "/channels", "endpoint=PJSIP/agent1001&app=liandong&channelId=" + long, 400, "Uniqueid length exceeds maximum of 128"},
		{"other id too long", "/channels", "endpoint=Local/1@default&app=liandong&otherChannelId=" + long, 400, "Uniqueid length exceeds maximum of 128"},
	}
	s := pbxsimtest.Start(t)
	ec := dialEvents(t, s, "app=liandong", true)
	orig := stasisCaller(t, s, ec)
	origName := channelField(t, s, orig, "name")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := strings.NewReplacer("ORIGNAME", url.QueryEscape(origName), "ORIG", orig).Replace(tc.query)
			st, _, body := do(t, s, "POST", "/ari"+tc.path+"?"+q, "", true)
			if st != tc.status {
				t.Fatalf("status %d %s, want %d", st, body, tc.status)
			}
			if tc.msg != "" {
				var m map[string]string
				if err := json.Unmarshal([]byte(body), &m); err != nil || m["message"] != tc.msg {
					t.Errorf("body %s, want message %q", body, tc.msg)
				}
			}
			if st == 200 {
				var ch map[string]any
				_ = json.Unmarshal([]byte(body), &ch)
				mustDo(t, s, "DELETE", "/ari/channels/"+ch["id"].(string))
			}
		})
	}
}

// What formats and originator do to the new channel: its native formats
// (CHANNEL(audionativeformat)), linkedid, inherited variables and connected line.
func TestOriginateFormatsEffects(t *testing.T) {
	s := pbxsimtest.Start(t, pbxsim.Options{Endpoints: append(pbxsim.LabEndpoints(),
		pbxsim.Endpoint{Tech: "PJSIP", Resource: "wide", Context: "default", Allow: []string{"g722", "ulaw"},
			Behaviour: pbxsim.Behaviour{Mode: pbxsim.ModeNoAnswer}})})
	ec := dialEvents(t, s, "app=liandong", true)
	orig := stasisCaller(t, s, ec)
	mustDo(t, s, "POST", "/ari/channels/"+orig+"/variable?variable=_INHERIT&value=one")
	mustDo(t, s, "POST", "/ari/channels/"+orig+"/variable?variable=__FOREVER&value=two")
	mustDo(t, s, "POST", "/ari/channels/"+orig+"/variable?variable=PLAIN&value=three")
	allAudio := "(g723|ulaw|alaw|gsm|g726|g726aal2|adpcm|slin|slin12|slin16|slin24|slin32|slin44|slin48|slin96|slin192|lpc10|g729|speex|speex16|speex32|ilbc|g722|siren7|siren14|testlaw|g719|opus|codec2)"
	tests := []struct {
		name, path, query string
		native            string
		linked            bool              // linkedid is the originator's
		vars              map[string]string // variable -> value ("" = not found)
	}{
		{"pjsip, no formats", "/channels", "endpoint=PJSIP/agent1001&app=liandong", "(ulaw|alaw)", false, nil},
		{"pjsip, formats in request order", "/channels", "endpoint=PJSIP/agent1001&app=liandong&formats=alaw,ulaw", "(alaw|ulaw)", false, nil},
		{"pjsip, allowed first then the endpoint's", "/channels", "endpoint=PJSIP/agent1001&app=liandong&formats=slin16,ulaw", "(ulaw|alaw)", false, nil},
		{"pjsip, none allowed: the endpoint's", "/channels", "endpoint=PJSIP/agent1001&app=liandong&formats=slin16", "(alaw|ulaw)", false, nil},
		{"pjsip, wideband endpoint", "/channels", "endpoint=PJSIP/wide&app=liandong&formats=g722", "(g722|ulaw)", false, nil},
		{"local, formats", "/channels", "endpoint=Local/ringwait@lab-internal&app=liandong&formats=slin16,g722", "(slin16|g722)", false, nil},
		{"local, video only", "/channels", "endpoint=Local/ringwait@lab-internal&app=liandong&formats=h264", "(nothing)", false, nil},
		{"local, no formats: all audio", "/channels", "endpoint=Local/ringwait@lab-internal&app=liandong", allAudio, false, nil},
		{"create, formats", "/channels/create", "endpoint=PJSIP/agent1001&app=liandong&formats=ulaw", "(ulaw|alaw)", false, nil},
		{"originator: its formats, linkedid, inheritance", "/channels", "endpoint=Local/ringwait@lab-internal&app=liandong&originator=ORIG", "(alaw|ulaw)", true,
			map[string]string{"INHERIT": "one", "__FOREVER": "two", "FOREVER": "two", "PLAIN": ""}},
		{"originator on pjsip", "/channels", "endpoint=PJSIP/agent1002&app=liandong&originator=ORIG", "(alaw|ulaw)", true, map[string]string{"INHERIT": "one"}},
		{"create with originator: no inheritance", "/channels/create", "endpoint=PJSIP/agent1002&app=liandong&originator=ORIG", "(alaw|ulaw)", true, map[string]string{"INHERIT": ""}},
		{"create, unknown originator", "/channels/create", "endpoint=PJSIP/agent1002&app=liandong&originator=nope", "(ulaw|alaw)", false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := mustDo(t, s, "POST", "/ari"+tc.path+"?"+strings.ReplaceAll(tc.query, "ORIG", orig))
			var ch pbxsim.ChannelModel
			if err := json.Unmarshal([]byte(body), &ch); err != nil {
				t.Fatal(err)
			}
			defer mustDo(t, s, "DELETE", "/ari/channels/"+ch.ID)
			if got := getVar(t, s, ch.ID, "CHANNEL(audionativeformat)"); got != tc.native {
				t.Errorf("audionativeformat %q, want %q", got, tc.native)
			}
			wantLinked := ch.ID
			if tc.linked {
				wantLinked = orig
			}
			if got := getVar(t, s, ch.ID, "CHANNEL(linkedid)"); got != wantLinked {
				t.Errorf("linkedid %q, want %q", got, wantLinked)
			}
			for k, v := range tc.vars {
				if got := getVar(t, s, ch.ID, k); got != v {
					t.Errorf("variable %s = %q, want %q", k, got, v)
				}
			}
			if tc.linked && tc.path == "/channels" {
				if ch.Connected.Number != "13800138000" {
					t.Errorf("connected %+v, want the originator's caller id", ch.Connected)
				}
			}
		})
	}
	// A Local pair shares the requestor's linkedid.
	body := mustDo(t, s, "POST", "/ari/channels?endpoint=Local/ringwait@lab-internal&app=liandong&otherChannelId=half2&originator="+orig)
	var one pbxsim.ChannelModel
	_ = json.Unmarshal([]byte(body), &one)
	if got := getVar(t, s, "half2", "CHANNEL(linkedid)"); got != orig {
		t.Errorf(";2 linkedid %q, want %q", got, orig)
	}
	mustDo(t, s, "DELETE", "/ari/channels/"+one.ID)
}

// Once the phone answers, the first codec offered is the channel's native format.
func TestOriginateFormatsAnswered(t *testing.T) {
	s := pbxsimtest.Start(t)
	ec := dialEvents(t, s, "app=liandong", true)
	body := mustDo(t, s, "POST", "/ari/channels?endpoint=PJSIP/agent1001&app=liandong&formats=alaw")
	var ch pbxsim.ChannelModel
	_ = json.Unmarshal([]byte(body), &ch)
	ec.expect("StasisStart")
	if got := getVar(t, s, ch.ID, "CHANNEL(audionativeformat)"); got != "(alaw)" {
		t.Errorf("answered audionativeformat %q, want (alaw)", got)
	}
}

func getVar(t *testing.T, s *pbxsim.Server, id, name string) string {
	t.Helper()
	st, _, body := do(t, s, "GET", "/ari/channels/"+id+"/variable?variable="+url.QueryEscape(name), "", true)
	if st == 404 {
		return ""
	}
	var v struct{ Value string }
	if st != 200 || json.Unmarshal([]byte(body), &v) != nil {
		t.Fatalf("GET %s = %d %s", name, st, body)
	}
	return v.Value
}

func channelField(t *testing.T, s *pbxsim.Server, id, field string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(mustDo(t, s, "GET", "/ari/channels/"+id)), &m); err != nil {
		t.Fatal(err)
	}
	v, _ := m[field].(string)
	return v
}

func TestParseEndpointAllow(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"PJSIP/w=answer;allow=g722,ulaw", "[g722 ulaw]", true},
		{"PJSIP/w;allow= slin16 ", "[slin16]", true},
		{"PJSIP/w;allow=mp3", "", false},
	}
	for _, tc := range tests {
		e, err := pbxsim.ParseEndpoint(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err %v, want ok=%v", tc.in, err, tc.ok)
			continue
		}
		if tc.ok && fmt.Sprint(e.Allow) != tc.want {
			t.Errorf("%s: allow %v, want %s", tc.in, e.Allow, tc.want)
		}
	}
}

// Snoop channels are signed linear, externalMedia channels their format.
func TestNativeFormatsOfOtherChannels(t *testing.T) {
	s := pbxsimtest.Start(t)
	ec := dialEvents(t, s, "app=liandong", true)
	caller := stasisCaller(t, s, ec)
	for k, want := range map[string]string{"CHANNEL(audionativeformat)": "(alaw|ulaw)",
		"CHANNEL(audioreadformat)": "alaw", "CHANNEL(audiowriteformat)": "alaw", "CHANNEL(channeltype)": "PJSIP"} {
		if got := getVar(t, s, caller, k); got != want {
			t.Errorf("inbound caller %s: %q, want %q", k, got, want)
		}
	}
	var sn, em pbxsim.ChannelModel
	_ = json.Unmarshal([]byte(mustDo(t, s, "POST", "/ari/channels/"+caller+"/snoop?app=liandong&spy=in")), &sn)
	if got := getVar(t, s, sn.ID, "CHANNEL(audionativeformat)"); got != "(slin)" {
		t.Errorf("snoop: %q, want (slin)", got)
	}
	_ = json.Unmarshal([]byte(mustDo(t, s, "POST", "/ari/channels/externalMedia?app=liandong&external_host=127.0.0.1:9&format=slin16")), &em)
	if got := getVar(t, s, em.ID, "CHANNEL(audionativeformat)"); got != "(slin16)" {
		t.Errorf("externalMedia: %q, want (slin16)", got)
	}
}

// Originate's label (with an extension, no app): a number is the priority, a
// name is looked up in the dialplan.
func TestOriginateLabel(t *testing.T) {
	dp, err := dialplan.Parse(strings.NewReader(`[default]
exten => start,1,NoOp()
 same => n(second),Set(WHERE=second)
 same => n,Wait(30)
`), "labels.conf")
	if err != nil {
		t.Fatal(err)
	}
	s := pbxsimtest.Start(t, pbxsim.Options{Dialplan: pbxsim.ExtensionsDialplan(dp, nil)})
	tests := []struct {
		name, query string
		status      int
		msg         string
	}{
		{"named label", "extension=start&label=second", 200, ""},
		{"numeric label", "extension=start&label=2", 200, ""},
		{"label in an explicit context", "extension=start&context=default&label=second", 200, ""},
		{"unknown label", "extension=start&label=nowhere", 404, "Requested label can not be found"},
		{"label in another context", "extension=start&context=other&label=second", 404, "Requested label can not be found"},
		{"priority 0", "extension=start&label=0", 400, "Requested priority is illegal"},
		{"app wins over label", "app=liandong&label=nowhere", 200, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, _, body := do(t, s, "POST", "/ari/channels?endpoint=PJSIP/agent1001&"+tc.query, "", true)
			if st != tc.status || (tc.msg != "" && !strings.Contains(body, tc.msg)) {
				t.Fatalf("%d %s, want %d %q", st, body, tc.status, tc.msg)
			}
			if st == 200 {
				var ch pbxsim.ChannelModel
				_ = json.Unmarshal([]byte(body), &ch)
				mustDo(t, s, "DELETE", "/ari/channels/"+ch.ID)
			}
		})
	}
	// The label's priority is where the answered channel starts.
	body := mustDo(t, s, "POST", "/ari/channels?endpoint=PJSIP/agent1001&extension=start&label=second")
	var ch pbxsim.ChannelModel
	_ = json.Unmarshal([]byte(body), &ch)
	deadline := time.Now().Add(3 * time.Second)
	for getVar(t, s, ch.ID, "WHERE") != "second" {
		if time.Now().After(deadline) {
			t.Fatal("the channel did not run from the label's priority")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
