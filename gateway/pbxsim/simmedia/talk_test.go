package simmedia_test

import (
	"net/url"
	"testing"
	"time"
)

func (r *rig) talkDetect(id, fn, value string) {
	r.t.Helper()
	r.must("POST", "/ari/channels/"+id+"/variable?variable="+url.QueryEscape("TALK_DETECT("+fn+")")+"&value="+url.QueryEscape(value))
}

func TestTalkDetect(t *testing.T) {
	tests := []struct {
		name, value  string
		talks        bool
		minMs, maxMs float64 // ChannelTalkingFinished duration
	}{
		// digits:12 says 300 ms, 200 ms quiet, 300 ms, then silence: one
		// stretch of talking of about 800 ms with a 500 ms silence threshold.
		{"silence 500 ms", "500", true, 700, 900},
		// A 150 ms silence threshold splits it at the gap: the first stretch
		// is one digit.
		{"silence 150 ms", "150", true, 250, 350},
		{"threshold above the voice", "500,32000", false, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := start(t)
			a := r.caller()
			r.talkDetect(a, "set", tc.value)
			time.Sleep(100 * time.Millisecond)
			if err := r.s.Speak(a, "digits:12"); err != nil {
				t.Fatal(err)
			}
			started := r.waitEvent("ChannelTalkingStarted", a, 1, 500*time.Millisecond)
			if got := started != nil; got != tc.talks {
				t.Fatalf("ChannelTalkingStarted: %v, want %v", got, tc.talks)
			}
			if !tc.talks {
				return
			}
			fin := r.waitEvent("ChannelTalkingFinished", a, 1, 2*time.Second)
			if fin == nil {
				t.Fatal("no ChannelTalkingFinished")
			}
			if d, _ := fin["duration"].(float64); d < tc.minMs || d > tc.maxMs {
				t.Errorf("talking duration %v ms, want %v..%v", d, tc.minMs, tc.maxMs)
			}
		})
	}
}

func TestTalkDetectRemove(t *testing.T) {
	r := start(t)
	a := r.caller()
	r.talkDetect(a, "set", "")
	r.talkDetect(a, "remove", "")
	time.Sleep(50 * time.Millisecond)
	if err := r.s.Speak(a, "tone:697"); err != nil {
		t.Fatal(err)
	}
	if r.waitEvent("ChannelTalkingStarted", a, 1, 400*time.Millisecond) != nil {
		t.Fatal("ChannelTalkingStarted after TALK_DETECT(remove)")
	}
	if r.waitEvent("ChannelVarset", a, 1, 0) != nil {
		t.Error("TALK_DETECT, a function, sent ChannelVarset")
	}
	// Set again: the talking already going on is detected.
	r.talkDetect(a, "set", "")
	if r.waitEvent("ChannelTalkingStarted", a, 1, 400*time.Millisecond) == nil {
		t.Fatal("no ChannelTalkingStarted after TALK_DETECT(set) again")
	}
	if r.waitEvent("ChannelTalkingStarted", a, 2, 200*time.Millisecond) != nil {
		t.Error("two ChannelTalkingStarted for one stretch of talking")
	}
}
