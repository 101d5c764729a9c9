package simmedia_test

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"liandong/gateway/pbxsim"
	"liandong/gateway/pbxsim/media"
	"liandong/gateway/pbxsim/pbxsimtest"
	"liandong/gateway/pbxsim/simmedia"
)

func TestDuration(t *testing.T) {
	dir := t.TempDir()
	tone, _ := media.NewTone("800", 8000)
	pcm := make([]int16, 4000) // 500 ms
	_ = tone.ReadFrame(pcm[:160])
	for i := 160; i < len(pcm); i += 160 {
		_ = tone.ReadFrame(pcm[i : i+160])
	}
	if err := os.WriteFile(filepath.Join(dir, "beep.wav"), media.EncodeWAV(pcm, 8000), 0o644); err != nil {
		t.Fatal(err)
	}
	m := simmedia.New(simmedia.Config{SoundsDir: dir, NoClock: true})
	defer m.Close()
	tests := []struct {
		uri  string
		want time.Duration
		err  error
	}{
		{"sound:beep", 500 * time.Millisecond, nil},
		{"tone:1000", pbxsim.Forever, nil},
		{"tone:1000/300", pbxsim.Forever, nil}, // repeats, as tone strings do
		{"tone:!1000/300", 300 * time.Millisecond, nil},
		{"digits:12", 1000 * time.Millisecond, nil},
		{"number:7", 600 * time.Millisecond, nil}, // not decoded: the fallback's
		{"sound:nosuch", 0, pbxsim.ErrMediaNotFound},
		{"bogus:x", 0, pbxsim.ErrBadMediaScheme},
	}
	for _, tc := range tests {
		t.Run(tc.uri, func(t *testing.T) {
			d, err := m.Duration(tc.uri, "en")
			if !errors.Is(err, tc.err) || (tc.err == nil && d != tc.want) {
				t.Errorf("Duration(%q) = %v, %v; want %v, %v", tc.uri, d, err, tc.want, tc.err)
			}
		})
	}
}

func TestChannelMOHAndBridgePlayback(t *testing.T) {
	r := start(t)
	a, b := r.caller(), r.caller()
	r.must("POST", "/ari/bridges?type=mixing&bridgeId=b1")
	r.must("POST", "/ari/bridges/b1/addChannel?channel="+a+","+b)
	r.must("POST", "/ari/bridges/b1/play?media=tone:1400")
	time.Sleep(settle)
	for _, id := range []string{a, b} {
		pcm, rate := r.heard(id, 200*time.Millisecond)
		if l := level(pcm, rate, 1400); l < 0.5 {
			t.Errorf("bridge playback: %s heard 1400 Hz at level %.3f", id, l)
		}
	}
	// Channel MOH overrides the bridge for that channel only.
	r.must("POST", "/ari/channels/"+a+"/moh")
	time.Sleep(settle + 300*time.Millisecond)
	pcm, rate := r.heard(a, 600*time.Millisecond)
	if f, _ := media.DominantFrequency(pcm, rate, 300, 1500, 10); f < 430 || f > 890 {
		t.Errorf("channel MOH: dominant %v Hz, want the generated tune", f)
	}
	r.must("DELETE", "/ari/channels/"+a+"/moh")
	time.Sleep(settle)
	pcm, rate = r.heard(a, 200*time.Millisecond)
	if l := level(pcm, rate, 1400); l < 0.5 {
		t.Errorf("after MOH stop, bridge playback at level %.3f", l)
	}
}

func TestControlSpeak(t *testing.T) {
	r := start(t)
	a, b := r.caller(), r.caller()
	r.must("POST", "/ari/bridges?type=mixing&bridgeId=b1")
	r.must("POST", "/ari/bridges/b1/addChannel?channel="+a+","+b)
	resp, err := http.Post(r.s.URL()+"/sim/channels/"+a+"/speak", "application/json", strings.NewReader(`{"uri":"digits:5"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 {
		t.Fatalf("speak = %d", resp.StatusCode)
	}
	time.Sleep(700 * time.Millisecond)
	st, body := r.do("GET", "/sim/channels/"+b+"/heard")
	if st != 200 {
		t.Fatalf("heard = %d", st)
	}
	wav, err := media.ParseWAV(bytes.Clone([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	if got := media.DetectDTMF(wav.Samples, wav.Rate); got != "5" {
		t.Errorf("the other party heard digits %q, want \"5\"", got)
	}
}

func TestDialplanPlayback(t *testing.T) {
	dir := t.TempDir()
	tone, _ := media.NewTone("800", 8000)
	pcm := make([]int16, 4800) // 600 ms
	for i := 0; i < len(pcm); i += 160 {
		_ = tone.ReadFrame(pcm[i : i+160])
	}
	if err := os.WriteFile(filepath.Join(dir, "beep.wav"), media.EncodeWAV(pcm, 8000), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := pbxsim.Options{SoundsDir: dir, Routes: []pbxsim.Route{
		{Context: "lab-internal", Exten: "beep", Steps: []string{"Answer()", "Playback(beep)", "Wait(5)"}},
	}}
	simmedia.Enable(&opts, simmedia.Config{})
	s := pbxsimtest.Start(t, opts)
	id, err := s.Call(t.Context(), pbxsim.CallSpec{To: "beep", Context: "lab-internal"})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(400 * time.Millisecond)
	got, rate, err := s.Heard(id)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) < 1600 {
		t.Fatalf("heard %d samples", len(got))
	}
	if f, p := media.DominantFrequency(got[len(got)-1600:], rate, 300, 3400, 10); f != 800 || p < 0.8 {
		t.Errorf("Playback(beep): heard %v Hz (purity %.2f), want 800 Hz", f, p)
	}
	time.Sleep(700 * time.Millisecond) // the file has ended: Wait(5) is silent
	got, _, _ = s.Heard(id)
	if e := media.Energy(got[len(got)-1600:]); e != 0 {
		t.Errorf("after Playback, energy %v, want silence", e)
	}
}

func TestHTTPPlayback(t *testing.T) {
	tone, _ := media.NewTone("1100", 8000)
	pcm := make([]int16, 16000) // 2 s
	for i := 0; i < len(pcm); i += 160 {
		_ = tone.ReadFrame(pcm[i : i+160])
	}
	wav := media.EncodeWAV(pcm, 8000)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "audio/wav")
		_, _ = w.Write(wav)
	}))
	defer hs.Close()
	r := start(t)
	a := r.caller()
	r.must("POST", "/ari/channels/"+a+"/play?media=sound:"+hs.URL+"/prompts/a-long-enough-name-for-the-media-cache.wav")
	time.Sleep(settle + 200*time.Millisecond)
	got, rate := r.heard(a, 200*time.Millisecond)
	if f, p := media.DominantFrequency(got, rate, 300, 3400, 10); f != 1100 || p < 0.8 {
		t.Errorf("http sound: heard %v Hz (purity %.2f), want 1100 Hz", f, p)
	}
}
