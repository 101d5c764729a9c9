package simmedia_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"liandong/gateway/pbxsim"
)

func (r *rig) toneDetect(id, args string) (int, string) {
	r.t.Helper()
	return r.do("POST", "/ari/channels/"+id+"/variable?variable="+url.QueryEscape("TONE_DETECT("+args+")")+"&value=")
}

func (r *rig) toneCount(id, dir string) string {
	r.t.Helper()
	body := r.must("GET", "/ari/channels/"+id+"/variable?variable="+url.QueryEscape("TONE_DETECT("+dir+")"))
	return strings.TrimSuffix(strings.TrimPrefix(body, `{"value":"`), `"}`)
}

// TestToneDetect: the caller (what the channel says: rx) or a playback to
// the channel (what it hears: tx) carries a tone; ChannelToneDetected comes
// when a detector of that frequency and direction hears it long enough.
func TestToneDetect(t *testing.T) {
	tests := []struct {
		name, args string
		speak      string // what the caller says
		play       string // what the app plays to the channel
		want       bool
		rx, tx     string // TONE_DETECT(rx), (tx) afterwards
		wait       time.Duration
	}{
		{"2100 Hz said, default rx", "2100", "tone:2100", "", true, "1", "0", 0},
		{"1000 Hz said, 2100 Hz wanted", "2100", "tone:1000", "", false, "0", "0", 0},
		{"2100 Hz said for 300 ms, 500 ms wanted", "2100", "tone:!2100/300", "", false, "0", "0", 0},
		{"2100 Hz said for 300 ms, 200 ms wanted", "2100,200", "tone:!2100/300", "", true, "1", "0", 0},
		{"2100 Hz played, default is rx only", "2100", "", "tone:2100", false, "0", "0", 0},
		{"2100 Hz played, t", "2100,,t", "", "tone:2100", true, "0", "1", 0},
		{"2100 Hz played, both directions (an option other than r/t)", "2100,,d(16)", "", "tone:2100", true, "0", "1", 0},
		{"2100 Hz said, t only", "2100,,t", "tone:2100", "", false, "0", "0", 0},
		// The second tone is reported ~260 ms into it, 960 ms in.
		{"two tones, n(2)", "2100,300,n(2)", "tone:!2100/500,!0/200,!2100/500", "", true, "2", "0", 1500 * time.Millisecond},
		{"one tone, n(2)", "2100,300,n(2)", "tone:!2100/500", "", false, "1", "0", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := start(t)
			a := r.caller()
			if st, body := r.toneDetect(a, tc.args); st != 204 {
				t.Fatalf("TONE_DETECT(%s) = %d %s", tc.args, st, body)
			}
			if tc.speak != "" {
				if err := r.s.Speak(a, tc.speak); err != nil {
					t.Fatal(err)
				}
			}
			if tc.play != "" {
				r.must("POST", "/ari/channels/"+a+"/play?media="+url.QueryEscape(tc.play))
			}
			// A 500 ms tone is reported ~440 ms in, a 300 ms one after ~260 ms.
			wait := 800 * time.Millisecond
			if tc.wait > 0 {
				wait = tc.wait
			}
			ev := r.waitEvent("ChannelToneDetected", a, 1, wait)
			if got := ev != nil; got != tc.want {
				t.Fatalf("ChannelToneDetected: %v, want %v", got, tc.want)
			}
			if ev != nil {
				if ch, _ := ev["channel"].(map[string]any); ch["state"] != "Up" || ev["application"] != "liandong" || ev["timestamp"] == "" {
					t.Errorf("event %v", ev)
				}
				if r.waitEvent("ChannelToneDetected", a, 2, 300*time.Millisecond) != nil {
					t.Error("two ChannelToneDetected for one tone")
				}
			}
			if got := r.toneCount(a, "rx"); got != tc.rx {
				t.Errorf("TONE_DETECT(rx) = %s, want %s", got, tc.rx)
			}
			if got := r.toneCount(a, "tx"); got != tc.tx {
				t.Errorf("TONE_DETECT(tx) = %s, want %s", got, tc.tx)
			}
			if r.waitEvent("ChannelVarset", a, 1, 0) != nil {
				t.Error("TONE_DETECT, a function, sent ChannelVarset")
			}
		})
	}
}

func TestToneDetectRemove(t *testing.T) {
	r := start(t)
	a := r.caller()
	if st, _ := r.toneDetect(a, "2100"); st != 204 {
		t.Fatal(st)
	}
	if st, _ := r.toneDetect(a, "0,,x"); st != 204 {
		t.Fatal(st)
	}
	if err := r.s.Speak(a, "tone:2100"); err != nil {
		t.Fatal(err)
	}
	if r.waitEvent("ChannelToneDetected", a, 1, 800*time.Millisecond) != nil {
		t.Fatal("ChannelToneDetected after TONE_DETECT(0,,x)")
	}
	// Removed: nothing to read, nothing to remove.
	if st, body := r.do("GET", "/ari/channels/"+a+"/variable?variable=TONE_DETECT(rx)"); st != 500 || !strings.Contains(body, "Unable to read provided function") {
		t.Errorf("read after remove = %d %s, want 500", st, body)
	}
	if st, body := r.toneDetect(a, "0,,x"); st != 400 || !strings.Contains(body, "Failed to execute function") {
		t.Errorf("second remove = %d %s, want 400", st, body)
	}
	// Set again while the tone goes on: detected.
	if st, _ := r.toneDetect(a, "2100"); st != 204 {
		t.Fatal(st)
	}
	if r.waitEvent("ChannelToneDetected", a, 1, time.Second) == nil {
		t.Fatal("no ChannelToneDetected after setting TONE_DETECT again")
	}
}

// TestToneDetectGoto: g() sends a channel in Stasis to the dialplan
// location once the tone is heard: it leaves the application there.
func TestToneDetectGoto(t *testing.T) {
	r := start(t)
	a := r.caller()
	if st, _ := r.toneDetect(a, "2100,300,g(lab-internal,answerwait,1)"); st != 204 {
		t.Fatal(st)
	}
	if err := r.s.Speak(a, "tone:2100"); err != nil {
		t.Fatal(err)
	}
	if r.waitEvent("ChannelToneDetected", a, 1, time.Second) == nil {
		t.Fatal("no ChannelToneDetected")
	}
	if r.waitEvent("StasisEnd", a, 1, 500*time.Millisecond) == nil {
		t.Fatal("no StasisEnd after the tone with g()")
	}
	// The dialplan takes the channel on asynchronously.
	for end := time.Now().Add(time.Second); ; time.Sleep(10 * time.Millisecond) {
		info, err := r.s.Channel(a)
		if err != nil {
			t.Fatal(err)
		}
		if info.InApp == "" && info.Model.Dialplan.Context == "lab-internal" && info.Model.Dialplan.Exten == "answerwait" {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("after the goto: app %q, dialplan %+v", info.InApp, info.Model.Dialplan)
		}
	}
}

// TestToneDetectRTOptions: with both r and t, detect_write leaves rx only.
func TestToneDetectRTOptions(t *testing.T) {
	r := start(t)
	a := r.caller()
	r.must("POST", "/ari/channels/"+a+"/play?media="+url.QueryEscape("tone:!2100/700"))
	st, _ := r.toneDetect(a, "2100,500,rt") // r wins over t
	if st != 204 {
		t.Fatal(st)
	}
	if r.waitEvent("ChannelToneDetected", a, 1, time.Second) != nil {
		t.Error("a tx tone detected with options rt (rx only)")
	}
}

// TestToneDetectGotoInDialplan: a channel running dialplan applications
// (Wait) is sent to g()'s location when the tone is heard, as Asterisk's
// documented Set(TONE_DETECT(2600,1000,g(got-2600,s,1))=), Wait(15).
func TestToneDetectGotoInDialplan(t *testing.T) {
	r := startWith(t, pbxsim.Options{Routes: []pbxsim.Route{
		{Context: "from-pstn", Exten: "12345", Steps: []string{"Answer()", "Set(TONE_DETECT(2100,300,g(got-tone,s,1))=)", "Wait(10)", "Hangup()"}},
		{Context: "got-tone", Exten: "s", Steps: []string{"Wait(10)", "Hangup()"}},
	}})
	a, err := r.s.Call(context.Background(), pbxsim.CallSpec{To: "12345", CallerNumber: "13800138000"})
	if err != nil {
		t.Fatal(err)
	}
	for end := time.Now().Add(time.Second); r.s.Speak(a, "tone:2100") != nil; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatal("the channel never answered")
		}
	}
	for end := time.Now().Add(1500 * time.Millisecond); ; time.Sleep(10 * time.Millisecond) {
		info, err := r.s.Channel(a)
		if err != nil {
			t.Fatal(err)
		}
		if d := info.Model.Dialplan; d.Context == "got-tone" && d.Exten == "s" && d.AppName == "Wait" {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("still at %+v, want got-tone,s,1", info.Model.Dialplan)
		}
	}
}
