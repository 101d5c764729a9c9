package simmedia_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"liandong/gateway/pbxsim/media"
	"liandong/gateway/pbxsim/pbxsimtest"
)

// pair bridges two callers, a saying 697 Hz and b 1209 Hz; addA is addChannel's
// extra query for a.
func (r *rig) pair(addA string) (a, b string) {
	r.t.Helper()
	r.must("POST", "/ari/bridges?type=mixing&bridgeId=b1")
	a, b = r.caller(), r.caller()
	r.must("POST", "/ari/bridges/b1/addChannel?channel="+a+addA)
	r.must("POST", "/ari/bridges/b1/addChannel?channel="+b)
	for id, u := range map[string]string{a: "tone:697", b: "tone:1209"} {
		if err := r.s.Speak(id, u); err != nil {
			r.t.Fatal(err)
		}
	}
	return a, b
}

// speaker is a caller in no bridge saying uri: a channel Asterisk can record
// (a bridged channel's recording fails).
func (r *rig) speaker(uri string) string {
	r.t.Helper()
	id := r.caller()
	if err := r.s.Speak(id, uri); err != nil {
		r.t.Fatal(err)
	}
	return id
}

// hears reports whether pcm carries freq (well above the noise of a mix).
func hears(pcm []int16, rate int, freq float64) bool { return level(pcm, rate, freq) > 0.1 }

func TestMute(t *testing.T) {
	tests := []struct {
		name   string
		addA   string   // addChannel query for a
		mute   []string // requests on a's mute, in order
		bHearA bool     // b hears a's 697 Hz
		aHearB bool     // a hears b's 1209 Hz
	}{
		{"none", "", nil, true, true},
		{"in", "", []string{"POST in"}, false, true},
		{"out", "", []string{"POST out"}, true, false},
		{"both", "", []string{"POST both"}, false, false},
		{"default is both", "", []string{"POST "}, false, false},
		{"both then unmute in", "", []string{"POST both", "DELETE in"}, true, false},
		{"in then out then unmute both", "", []string{"POST in", "POST out", "DELETE both"}, true, true},
		{"addChannel mute=true", "&mute=true", nil, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := start(t)
			a, b := r.pair(tc.addA)
			for _, req := range tc.mute {
				m, d, _ := strings.Cut(req, " ")
				q := ""
				if d != "" {
					q = "?direction=" + d
				}
				r.must(m, "/ari/channels/"+a+"/mute"+q)
			}
			time.Sleep(settle)
			pa, rate := r.heard(a, 200*time.Millisecond)
			pb, _ := r.heard(b, 200*time.Millisecond)
			if got := hears(pb, rate, 697); got != tc.bHearA {
				t.Errorf("b hears a: %v, want %v (level %.3f)", got, tc.bHearA, level(pb, rate, 697))
			}
			if got := hears(pa, rate, 1209); got != tc.aHearB {
				t.Errorf("a hears b: %v, want %v (level %.3f)", got, tc.aHearB, level(pa, rate, 1209))
			}
			if !tc.aHearB && media.Energy(pa) != 0 {
				t.Errorf("muted out, a heard energy %v, want silence", media.Energy(pa))
			}
		})
	}
}

func TestAnnouncerInHoldingBridge(t *testing.T) {
	r := start(t)
	r.must("POST", "/ari/bridges?type=holding&bridgeId=h1")
	p, ann := r.caller(), r.caller()
	r.must("POST", "/ari/bridges/h1/addChannel?channel="+p)
	r.must("POST", "/ari/bridges/h1/addChannel?channel="+ann+"&role=announcer")
	if err := r.s.Speak(ann, "tone:1000"); err != nil {
		t.Fatal(err)
	}
	if err := r.s.Speak(p, "tone:697"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(settle)
	pp, rate := r.heard(p, 200*time.Millisecond)
	if !hears(pp, rate, 1000) {
		t.Errorf("participant does not hear the announcer (level %.3f)", level(pp, rate, 1000))
	}
	pa, _ := r.heard(ann, 200*time.Millisecond)
	if e := media.Energy(pa); e != 0 {
		t.Errorf("announcer heard energy %v, want silence", e)
	}
}

// decode reads a recording file of format back into 8 kHz samples.
func decode(t *testing.T, format, body string) []int16 {
	t.Helper()
	a, err := media.DecodeRecording(format, []byte(body))
	if err != nil {
		t.Fatalf("recording %s: %v", format, err)
	}
	if format == "wav" && a.Rate != 8000 {
		t.Fatalf("recording wav at %d Hz", a.Rate)
	}
	return media.Resample(a.Samples, a.Rate, 8000)
}

func TestRecordingAudio(t *testing.T) {
	tests := []struct {
		name, target, format string
		want, not            []float64
	}{
		// A channel recording keeps what the channel says (its far end's voice).
		{"channel wav", "a", "wav", []float64{697}, []float64{1209}},
		{"channel ulaw", "a", "ulaw", []float64{697}, []float64{1209}},
		{"channel sln", "b", "sln", []float64{1209}, []float64{697}},
		{"bridge wav", "bridge", "wav", []float64{697, 1209}, nil},
		{"bridge alaw", "bridge", "alaw", []float64{697, 1209}, nil},
		{"channel g722", "a", "g722", []float64{697}, []float64{1209}},
		{"channel gsm", "b", "gsm", []float64{1209}, []float64{697}},
		{"bridge gsm", "bridge", "gsm", []float64{697, 1209}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := start(t)
			var path string
			switch tc.target {
			case "a":
				path = "/ari/channels/" + r.speaker("tone:697")
			case "b":
				path = "/ari/channels/" + r.speaker("tone:1209")
			default:
				r.pair("")
				path = "/ari/bridges/b1"
			}
			r.must("POST", path+"/record?name=rec1&format="+tc.format)
			time.Sleep(600 * time.Millisecond)
			r.must("POST", "/ari/recordings/live/rec1/stop")
			pcm := decode(t, tc.format, r.must("GET", "/ari/recordings/stored/rec1/file"))
			if len(pcm) < 3200 {
				t.Fatalf("recorded %d samples, want at least 0.4 s", len(pcm))
			}
			pcm = pcm[len(pcm)-1600:]
			for _, f := range tc.want {
				if !hears(pcm, 8000, f) {
					t.Errorf("%v Hz missing from the recording (level %.3f)", f, level(pcm, 8000, f))
				}
			}
			for _, f := range tc.not {
				if hears(pcm, 8000, f) {
					t.Errorf("%v Hz in the recording (level %.3f), want absent", f, level(pcm, 8000, f))
				}
			}
		})
	}
}

func TestRecordingPausedAndMuted(t *testing.T) {
	r := start(t)
	a := r.speaker("tone:697")
	r.must("POST", "/ari/channels/"+a+"/record?name=rec2&format=wav")
	time.Sleep(300 * time.Millisecond)
	r.must("POST", "/ari/recordings/live/rec2/mute")
	time.Sleep(300 * time.Millisecond)
	r.must("POST", "/ari/recordings/live/rec2/stop")
	pcm := decode(t, "wav", r.must("GET", "/ari/recordings/stored/rec2/file"))
	if len(pcm) < 4000 {
		t.Fatalf("recorded %d samples", len(pcm))
	}
	if e := media.Energy(pcm[len(pcm)-1200:]); e != 0 {
		t.Errorf("muted recording has energy %v at its end, want silence", e)
	}
	if !hears(pcm[:1600], 8000, 697) {
		t.Errorf("the recording before mute misses the channel's voice")
	}
}

func TestRecordingOfChannelMutedIn(t *testing.T) {
	r := start(t)
	a := r.speaker("tone:697")
	r.must("POST", "/ari/channels/"+a+"/record?name=rec3&format=wav")
	time.Sleep(300 * time.Millisecond)
	r.must("POST", "/ari/channels/"+a+"/mute?direction=in")
	time.Sleep(300 * time.Millisecond)
	r.must("POST", "/ari/recordings/live/rec3/stop")
	pcm := decode(t, "wav", r.must("GET", "/ari/recordings/stored/rec3/file"))
	if len(pcm) < 4000 {
		t.Fatalf("recorded %d samples", len(pcm))
	}
	if e := media.Energy(pcm[len(pcm)-1200:]); e != 0 {
		t.Errorf("a channel muted in was recorded with energy %v, want silence", e)
	}
	if !hears(pcm[:1600], 8000, 697) {
		t.Errorf("the recording before mute misses the channel's voice")
	}
}

func TestSnoopAudio(t *testing.T) {
	tests := []struct {
		spy       string
		want, not []float64
	}{
		{"in", []float64{697}, []float64{1209}},
		{"out", []float64{1209}, []float64{697}},
		{"both", []float64{697, 1209}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.spy, func(t *testing.T) {
			r := start(t)
			a, _ := r.pair("")
			var sn struct{ ID string }
			if err := json.Unmarshal([]byte(r.must("POST", "/ari/channels/"+a+"/snoop?app="+pbxsimtest.App+"&spy="+tc.spy)), &sn); err != nil || sn.ID == "" {
				t.Fatalf("snoop: %v %q", err, sn.ID)
			}
			// As recorded: the app records the snoop channel.
			r.must("POST", "/ari/channels/"+sn.ID+"/record?name=snooprec&format=wav")
			time.Sleep(600 * time.Millisecond)
			r.must("POST", "/ari/recordings/live/snooprec/stop")
			pcm := decode(t, "wav", r.must("GET", "/ari/recordings/stored/snooprec/file"))
			if len(pcm) < 3200 {
				t.Fatalf("recorded %d samples", len(pcm))
			}
			pcm = pcm[len(pcm)-1600:]
			for _, f := range tc.want {
				if !hears(pcm, 8000, f) {
					t.Errorf("snoop misses %v Hz (level %.3f)", f, level(pcm, 8000, f))
				}
			}
			for _, f := range tc.not {
				if hears(pcm, 8000, f) {
					t.Errorf("snoop has %v Hz (level %.3f), want absent", f, level(pcm, 8000, f))
				}
			}
			r.must("DELETE", "/ari/channels/"+sn.ID)
		})
	}
}

func TestSnoopWhisperIn(t *testing.T) {
	r := start(t)
	a, b := r.pair("")
	var sn struct{ ID string }
	if err := json.Unmarshal([]byte(r.must("POST", "/ari/channels/"+a+"/snoop?app="+pbxsimtest.App+"&whisper=in")), &sn); err != nil {
		t.Fatal(err)
	}
	r.must("POST", "/ari/channels/"+sn.ID+"/play?media=tone:1000")
	time.Sleep(settle)
	pb, rate := r.heard(b, 200*time.Millisecond)
	for _, f := range []float64{1000, 697} {
		if !hears(pb, rate, f) {
			t.Errorf("a's peer misses %v Hz (level %.3f): whisper in mixes into what a says", f, level(pb, rate, f))
		}
	}
	r.must("DELETE", "/ari/channels/"+sn.ID)
	time.Sleep(settle)
	pb, _ = r.heard(b, 200*time.Millisecond)
	if hears(pb, rate, 1000) || !hears(pb, rate, 697) {
		t.Errorf("after the snoop hung up, b hears 1000 Hz at %.3f, 697 Hz at %.3f", level(pb, rate, 1000), level(pb, rate, 697))
	}
}

func TestSnoopWhisperDirections(t *testing.T) {
	tests := []struct {
		whisper      string
		aHear, bHear bool // the 1000 Hz played to the snoop channel
	}{
		{"out", true, false},
		{"in", false, true},
		{"both", true, true},
		{"none", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.whisper, func(t *testing.T) {
			r := start(t)
			a, b := r.pair("")
			var sn struct{ ID string }
			if err := json.Unmarshal([]byte(r.must("POST", "/ari/channels/"+a+"/snoop?app="+pbxsimtest.App+"&whisper="+tc.whisper)), &sn); err != nil {
				t.Fatal(err)
			}
			r.must("POST", "/ari/channels/"+sn.ID+"/play?media=tone:1000")
			time.Sleep(settle)
			pa, rate := r.heard(a, 200*time.Millisecond)
			pb, _ := r.heard(b, 200*time.Millisecond)
			if got := hears(pa, rate, 1000); got != tc.aHear {
				t.Errorf("target hears the whisper: %v, want %v (level %.3f)", got, tc.aHear, level(pa, rate, 1000))
			}
			if !hears(pa, rate, 1209) {
				t.Errorf("target no longer hears its peer (level %.3f)", level(pa, rate, 1209))
			}
			if got := hears(pb, rate, 1000); got != tc.bHear {
				t.Errorf("peer hears the whisper: %v, want %v (level %.3f)", got, tc.bHear, level(pb, rate, 1000))
			}
			r.must("DELETE", "/ari/channels/"+sn.ID)
			time.Sleep(settle)
			if pa, _ := r.heard(a, 200*time.Millisecond); hears(pa, rate, 1000) {
				t.Errorf("after the snoop hung up, the target still hears it (level %.3f)", level(pa, rate, 1000))
			}
		})
	}
}
