package simmedia_test

import (
	"net/url"
	"testing"
	"time"
)

func TestRecordTerminateOn(t *testing.T) {
	tests := []struct {
		terminateOn, digit string
		stops              bool
	}{
		{"#", "#", true},
		{"#", "1", false},
		{"*", "*", true},
		{"any", "5", true},
		{"none", "#", false},
		{"", "#", false},
	}
	for _, tc := range tests {
		t.Run(tc.terminateOn+"/"+tc.digit, func(t *testing.T) {
			r := start(t)
			a := r.caller()
			q := ""
			if tc.terminateOn != "" {
				q = "&terminateOn=" + url.QueryEscape(tc.terminateOn)
			}
			r.must("POST", "/ari/channels/"+a+"/record?name=t1&format=wav"+q)
			if err := r.s.SendDTMF(a, tc.digit, 50*time.Millisecond); err != nil {
				t.Fatal(err)
			}
			ev := r.waitEvent("RecordingFinished", "t1", 1, 600*time.Millisecond)
			if got := ev != nil; got != tc.stops {
				t.Fatalf("RecordingFinished after DTMF %s: %v, want %v", tc.digit, got, tc.stops)
			}
			st, _ := r.do("GET", "/ari/recordings/stored/t1")
			if want := map[bool]int{true: 200, false: 404}[tc.stops]; st != want {
				t.Errorf("stored recording status %d, want %d", st, want)
			}
		})
	}
}

func TestRecordBeep(t *testing.T) {
	for _, beep := range []bool{true, false} {
		t.Run(map[bool]string{true: "beep", false: "no beep"}[beep], func(t *testing.T) {
			r := start(t)
			a := r.caller()
			q := ""
			if beep {
				q = "&beep=true"
			}
			r.must("POST", "/ari/channels/"+a+"/record?name=b1&format=wav"+q)
			time.Sleep(200 * time.Millisecond)
			pcm, rate := r.heard(a, 120*time.Millisecond)
			if got := hears(pcm, rate, 1000); got != beep {
				t.Errorf("channel heard the 1 kHz beep: %v, want %v (level %.3f)", got, beep, level(pcm, rate, 1000))
			}
			if r.waitEvent("RecordingStarted", "b1", 1, time.Second) == nil {
				t.Fatal("no RecordingStarted")
			}
			time.Sleep(settle)
			if pcm, rate := r.heard(a, 200*time.Millisecond); hears(pcm, rate, 1000) {
				t.Errorf("the beep goes on once recording started (level %.3f)", level(pcm, rate, 1000))
			}
		})
	}
}

func TestRecordMaxSilence(t *testing.T) {
	r := start(t)
	a := r.speaker("tone:697")
	quiet := r.caller() // says nothing
	r.must("POST", "/ari/channels/"+a+"/record?name=s1&format=wav&maxSilenceSeconds=1")
	r.must("POST", "/ari/channels/"+quiet+"/record?name=s2&format=wav&maxSilenceSeconds=1")
	if r.waitEvent("RecordingFinished", "s2", 1, 2*time.Second) == nil {
		t.Error("a silent recording with maxSilenceSeconds=1 did not finish within 2 s")
	}
	if r.waitEvent("RecordingFinished", "s1", 1, 300*time.Millisecond) != nil {
		t.Fatal("a recording of a talking channel ended for silence")
	}
	// The channel falls silent: muted "in", its recording gets silence.
	r.must("POST", "/ari/channels/"+a+"/mute?direction=in")
	start := time.Now()
	if r.waitEvent("RecordingFinished", "s1", 1, 2*time.Second) == nil {
		t.Fatal("the recording did not end after 1 s of silence")
	}
	if d := time.Since(start); d < 800*time.Millisecond {
		t.Errorf("ended %v after the silence began, want about 1 s", d)
	}
}

func TestPlayStoredRecording(t *testing.T) {
	r := start(t)
	a := r.speaker("tone:697")
	quiet := r.caller()
	r.must("POST", "/ari/channels/"+a+"/record?name=said&format=wav")
	time.Sleep(800 * time.Millisecond)
	r.must("POST", "/ari/recordings/live/said/stop")
	r.must("POST", "/ari/recordings/stored/said/copy?destinationRecordingName=said2")
	tests := []struct {
		name, uri string
		hear      bool
		state     string
	}{
		{"stored", "recording:said", true, "done"},
		{"copy", "recording:said2", true, "done"},
		{"unknown", "recording:nope", false, "failed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id := "pb-" + tc.name
			r.must("POST", "/ari/channels/"+quiet+"/play/"+id+"?media="+tc.uri)
			time.Sleep(300 * time.Millisecond)
			pcm, rate := r.heard(quiet, 160*time.Millisecond)
			if got := hears(pcm, rate, 697); got != tc.hear {
				t.Errorf("heard the recorded 697 Hz: %v, want %v (level %.3f)", got, tc.hear, level(pcm, rate, 697))
			}
			ev := r.waitEvent("PlaybackFinished", id, 1, 2*time.Second)
			if ev == nil {
				t.Fatal("no PlaybackFinished")
			}
			if st := ev["playback"].(map[string]any)["state"]; st != tc.state {
				t.Errorf("PlaybackFinished state %v, want %s", st, tc.state)
			}
		})
	}
	time.Sleep(settle)
	if pcm, _ := r.heard(quiet, 200*time.Millisecond); hears(pcm, 8000, 697) {
		t.Error("the recording still plays after PlaybackFinished")
	}
}

func TestRecordBadOptions(t *testing.T) {
	r := start(t)
	a := r.caller()
	for _, q := range []string{"terminateOn=5", "maxSilenceSeconds=-1", "maxDurationSeconds=-2"} {
		if st, body := r.do("POST", "/ari/channels/"+a+"/record?name=t1&format=wav&"+q); st != 400 {
			t.Errorf("%s: %d %s, want 400", q, st, body)
		}
	}
}

// Recordings in gsm and g722 carry the audio, in the file and when played
// back (through the codec: what the file decodes to).
func TestPlayStoredCodedRecording(t *testing.T) {
	for _, format := range []string{"gsm", "g722"} {
		t.Run(format, func(t *testing.T) {
			r := start(t)
			a := r.speaker("tone:697")
			quiet := r.caller()
			r.must("POST", "/ari/channels/"+a+"/record?name=said&format="+format)
			time.Sleep(700 * time.Millisecond)
			r.must("POST", "/ari/recordings/live/said/stop")
			file := decode(t, format, r.must("GET", "/ari/recordings/stored/said/file"))
			if !hears(file[len(file)-1600:], 8000, 697) {
				t.Fatalf("the %s file misses the 697 Hz tone (level %.3f)", format, level(file[len(file)-1600:], 8000, 697))
			}
			r.must("POST", "/ari/channels/"+quiet+"/play/pb1?media=recording:said")
			time.Sleep(400 * time.Millisecond)
			pcm, rate := r.heard(quiet, 160*time.Millisecond)
			if !hears(pcm, rate, 697) {
				t.Errorf("playback of the %s recording: 697 Hz level %.3f", format, level(pcm, rate, 697))
			}
			if r.waitEvent("PlaybackFinished", "pb1", 1, 2*time.Second) == nil {
				t.Fatal("no PlaybackFinished")
			}
		})
	}
}

// With maxSilenceSeconds, RecordingFinished splits the duration into
// talking_duration and silence_duration (Asterisk's whole-second arithmetic),
// and a recording that silence ends is trimmed to 200 ms of its silence.
func TestRecordSilenceDurations(t *testing.T) {
	r := start(t)
	a := r.speaker("tone:697")
	r.must("POST", "/ari/channels/"+a+"/record?name=sd&format=sln&maxSilenceSeconds=3")
	time.Sleep(500 * time.Millisecond)
	r.must("POST", "/ari/channels/"+a+"/mute?direction=in")
	time.Sleep(1500 * time.Millisecond)
	r.must("DELETE", "/ari/channels/"+a+"/mute?direction=in")
	time.Sleep(600 * time.Millisecond)
	r.must("POST", "/ari/recordings/live/sd/stop")
	ev := r.waitEvent("RecordingFinished", "sd", 1, time.Second)
	if ev == nil {
		t.Fatal("no RecordingFinished")
	}
	rec := ev["recording"].(map[string]any)
	// 2.6 s recorded, 1.5 s of it silent: talking 2 - (1500-200)/1000 = 1.
	if rec["duration"] != 2.0 || rec["talking_duration"] != 1.0 || rec["silence_duration"] != 1.0 {
		t.Errorf("durations %v / %v / %v, want 2 / 1 / 1", rec["duration"], rec["talking_duration"], rec["silence_duration"])
	}
	file := decode(t, "sln", r.must("GET", "/ari/recordings/stored/sd/file"))
	if n := len(file); n < 8000*25/10 {
		t.Errorf("stopped recording has %d samples, want it untrimmed (~2.6 s)", n)
	}

	// Ended by 1 s of silence: the file keeps 200 ms of it.
	b := r.speaker("tone:697")
	r.must("POST", "/ari/channels/"+b+"/record?name=st&format=sln&maxSilenceSeconds=1")
	time.Sleep(600 * time.Millisecond)
	r.must("POST", "/ari/channels/"+b+"/mute?direction=in")
	if r.waitEvent("RecordingFinished", "st", 1, 3*time.Second) == nil {
		t.Fatal("silence did not end the recording")
	}
	file = decode(t, "sln", r.must("GET", "/ari/recordings/stored/st/file"))
	if d := time.Duration(len(file)) * time.Second / 8000; d < 600*time.Millisecond || d > 1100*time.Millisecond {
		t.Errorf("silence-ended recording lasts %v, want ~0.8 s (0.6 s of tone + 0.2 s of silence)", d)
	}
}
