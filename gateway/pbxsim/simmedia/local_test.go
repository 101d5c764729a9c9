package simmedia_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"liandong/gateway/pbxsim"
	"liandong/gateway/pbxsim/dialplan"
)

// tdConf drives one Local half through two TONE_DETECT rounds, each
// waiting in Stasis while the app plays to the other half: 440 Hz wanted,
// then 480 Hz.
const tdConf = `
[td]
exten => pair,1,Answer()
 same => n,Stasis(liandong,pair)
 same => n,Hangup()

exten => run,1,NoOp()
 same => n,Set(TONE_DETECT(440)=)
 same => n,Stasis(liandong,play)
 same => n,Set(TONE_DETECT(0,,x)=)
 same => n,Set(TONE_DETECT(480)=)
 same => n,Stasis(liandong,play)
 same => n,Set(TONE_DETECT(0,,x)=)
 same => n,Hangup()
`

// TestToneDetectThroughLocal follows Asterisk's own TONE_DETECT test
// (tests/funcs/func_tonedetect): a playback to a Local channel's ;2 is what
// its ;1 receives, so a detector on ;1 hears France's 440 Hz ring once,
// and a 480 Hz detector nothing.
func TestToneDetectThroughLocal(t *testing.T) {
	dp, err := dialplan.Parse(strings.NewReader(tdConf), "td.conf")
	if err != nil {
		t.Fatal(err)
	}
	r := startWith(t, pbxsim.Options{Dialplan: pbxsim.ExtensionsDialplan(dp, nil)})
	r.must("POST", "/ari/channels?endpoint=Local/pair@td&context=td&extension=pair&priority=1")
	var one, two string
	for n := 1; n <= 2; n++ {
		ev := r.waitEvent("StasisStart", "", n, 3*time.Second)
		if ev == nil {
			t.Fatalf("StasisStart %d of the Local halves missing", n)
		}
		ch, _ := ev["channel"].(map[string]any)
		if name, _ := ch["name"].(string); strings.HasSuffix(name, ";1") {
			one, _ = ch["id"].(string)
		} else {
			two, _ = ch["id"].(string)
		}
	}
	if one == "" || two == "" {
		t.Fatalf("halves %q and %q", one, two)
	}
	r.must("POST", "/ari/applications/liandong/subscription?eventSource=channel:"+one)
	r.must("POST", "/ari/channels/"+one+"/continue?context=td&extension=run&priority=1")
	for round := 1; round <= 2; round++ {
		if r.waitEvent("StasisStart", one, round+1, 2*time.Second) == nil {
			t.Fatalf("round %d: ;1 did not come back into Stasis", round)
		}
		var pb struct{ ID string }
		if err := json.Unmarshal([]byte(r.must("POST", "/ari/channels/"+two+"/play?media="+url.QueryEscape("tone:ring;tonezone=fr"))), &pb); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second)
		r.must("DELETE", "/ari/playbacks/"+pb.ID)
		if r.waitEvent("PlaybackFinished", pb.ID, 1, time.Second) == nil {
			t.Fatalf("round %d: no PlaybackFinished", round)
		}
		r.must("POST", "/ari/channels/"+one+"/continue")
	}
	if r.waitEvent("ChannelToneDetected", one, 1, 0) == nil {
		t.Error("no ChannelToneDetected for the 440 Hz ring")
	}
	if ev := r.waitEvent("ChannelToneDetected", "", 2, 300*time.Millisecond); ev != nil {
		t.Errorf("a second ChannelToneDetected: %v", ev)
	}
}
