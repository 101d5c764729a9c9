package tts

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"liandong/knowledge/speech"
)

func TestEngineFor(t *testing.T) {
	tests := []struct {
		name, voice, url string
		want             string // engine name, "" for none
		err              bool
	}{
		{"espeak-ng", "cmn-latn-pinyin", "", "espeak-ng", false},
		{"", "", "", "espeak-ng", false},
		{"http", "xiaoyan", "http://tts.local/v1", "http", false},
		{"http", "xiaoyan", "", "", true},
		{"none", "", "", "", false},
		{"festival", "", "", "", true},
	}
	for _, tc := range tests {
		eng, err := EngineFor(tc.name, tc.voice, HTTPOptions{URL: tc.url})
		if tc.err {
			if err == nil {
				t.Errorf("EngineFor(%q) accepted", tc.name)
			}
			continue
		}
		if err != nil {
			t.Errorf("EngineFor(%q): %v", tc.name, err)
			continue
		}
		got := ""
		if eng != nil {
			got = eng.Name()
			if tc.voice != "" && eng.Voice() != tc.voice {
				t.Errorf("EngineFor(%q) voice %q", tc.name, eng.Voice())
			}
		}
		if got != tc.want {
			t.Errorf("EngineFor(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestCheck(t *testing.T) {
	if _, _, err := Check(t.Context(), &fakeEngine{}, "您好"); err != nil {
		t.Errorf("fake engine: %v", err)
	}
	if _, _, err := Check(t.Context(), &fakeEngine{fail: ErrEngine}, "您好"); !errors.Is(err, ErrEngine) {
		t.Errorf("failing engine: %v", err)
	}
	srv := ttsServer(t, func(w http.ResponseWriter, _ *http.Request, _ map[string]any) {
		w.Write(sineWAV(8000, 1, 0))
	})
	eng, _ := NewHTTP(HTTPOptions{URL: srv.URL})
	if _, _, err := Check(t.Context(), eng, "您好"); !errors.Is(err, ErrBadAudio) {
		t.Errorf("silent engine: %v", err)
	}
	needTools(t, "espeak-ng", "sox")
	f, took, err := Check(t.Context(), NewEspeak(speech.Options{}, ""), "您好")
	if err != nil || !f.Telephone() || took > 10*time.Second {
		t.Errorf("espeak-ng: %+v %v %v", f, took, err)
	}
}
