package tts

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"liandong/knowledge"
	"liandong/knowledge/speech"
)

func needTools(t testing.TB, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
}

// A real FAQ answer of the sample knowledge base, spoken by espeak-ng, is a
// telephone wav of plausible length.
func TestEspeakRendersChineseAnswer(t *testing.T) {
	needTools(t, "espeak-ng", "sox")
	entries, err := knowledge.LoadFAQ("../../configs/faq.yaml")
	if err != nil {
		t.Fatal(err)
	}
	answer := entries[0].Answer
	c := newCache(t, NewEspeak(speech.Options{}, ""), Options{})
	it, err := c.Render(t.Context(), answer)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(it.Path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := ParseWAV(b)
	if err != nil || !f.Telephone() {
		t.Fatalf("wav %+v, %v; want 8 kHz mono 16-bit", f, err)
	}
	// About 4-5 characters a second at 190 words per minute.
	runes := len([]rune(answer))
	if lo, hi := time.Duration(runes)*time.Second/12, time.Duration(runes)*time.Second/2; it.Duration < lo || it.Duration > hi {
		t.Errorf("%d characters took %v, want %v..%v", runes, it.Duration, lo, hi)
	}
	if it.Size != int64(len(b)) || it.Duration != f.Duration() {
		t.Errorf("item %+v disagrees with file (%d bytes, %v)", it, len(b), f.Duration())
	}
}

// espeak-ng reads the normalised digits as Mandarin, one by one.
func TestEspeakReadsDigits(t *testing.T) {
	needTools(t, "espeak-ng")
	ph, err := speech.Phonemes(t.Context(), "", speech.Voice, speech.Normalize("请拨打12345"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(ph, "(en)") || strings.Count(ph, "_|") < 7 {
		t.Errorf("phonemes %q: want seven Mandarin syllables, no English", ph)
	}
}

// A text that looks like an option is read, not obeyed.
func TestEspeakTextIsNotAnOption(t *testing.T) {
	needTools(t, "espeak-ng", "sox")
	b, err := NewEspeak(speech.Options{}, t.TempDir()).Synthesize(t.Context(), "--version 您好")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseWAV(b); err != nil {
		t.Fatal(err)
	}
}

func TestEspeakMissingBinary(t *testing.T) {
	e := NewEspeak(speech.Options{Espeak: "/nonexistent/espeak-ng"}, t.TempDir())
	if _, err := e.Synthesize(t.Context(), "您好"); !errors.Is(err, ErrEngine) {
		t.Fatalf("err = %v, want ErrEngine", err)
	}
}

// ttsServer is a stand-in for a production engine: it checks the request
// and answers a real wav (16 kHz, as such engines often do).
func ttsServer(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, req map[string]any)) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req map[string]any
		body, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" || json.Unmarshal(body, &req) != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		handle(w, r, req)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestHTTPEngine(t *testing.T) {
	wav := sineWAV(16000, 1, 700*time.Millisecond)
	var got map[string]any
	var auth string
	srv := ttsServer(t, func(w http.ResponseWriter, r *http.Request, req map[string]any) {
		got, auth = req, r.Header.Get("Authorization")
		w.Header().Set("Content-Type", "audio/wav")
		w.Write(wav)
	})
	eng, err := NewHTTP(HTTPOptions{URL: srv.URL + "/v1/tts", Voice: "xiaoyan", Header: http.Header{"Authorization": {"Bearer k"}}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := eng.Synthesize(t.Context(), "您好")
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != string(wav) || got["text"] != "您好" || got["voice"] != "xiaoyan" || got["sample_rate"] != float64(8000) || auth != "Bearer k" {
		t.Fatalf("request %v auth %q, %d bytes back", got, auth, len(b))
	}
	if _, err := exec.LookPath("sox"); err == nil {
		c := newCache(t, eng, Options{})
		it, err := c.Render(t.Context(), "工单20261128001号")
		if err != nil {
			t.Fatal(err)
		}
		if got["text"] != "工单二零二六幺幺二八零零幺号" {
			t.Errorf("engine got %q, want digits normalised", got["text"])
		}
		b, _ := os.ReadFile(it.Path)
		if f, err := ParseWAV(b); err != nil || !f.Telephone() {
			t.Errorf("cached wav %+v, %v", f, err)
		}
	}
}

func TestHTTPEngineErrors(t *testing.T) {
	tests := []struct {
		name    string
		handle  func(w http.ResponseWriter, r *http.Request, req map[string]any)
		timeout time.Duration
		want    error
		msg     string
	}{
		{"server error with message", func(w http.ResponseWriter, _ *http.Request, _ map[string]any) {
			http.Error(w, `{"error":"voice not licensed"}`, http.StatusServiceUnavailable)
		}, 0, ErrEngine, "status 503: {\"error\":\"voice not licensed\"}"},
		{"not a wav", func(w http.ResponseWriter, _ *http.Request, _ map[string]any) {
			w.Header().Set("Content-Type", "audio/mpeg")
			w.Write([]byte("ID3\x04\x00 mp3 frames"))
		}, 0, ErrBadAudio, "audio/mpeg"},
		{"too slow", func(w http.ResponseWriter, r *http.Request, _ map[string]any) {
			<-r.Context().Done()
		}, 50 * time.Millisecond, ErrEngine, "no answer in 50ms"},
		{"too big", func(w http.ResponseWriter, _ *http.Request, _ map[string]any) {
			w.Write(sineWAV(8000, 1, 2*time.Second))
		}, 0, ErrBadAudio, "larger than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := ttsServer(t, tc.handle)
			eng, err := NewHTTP(HTTPOptions{URL: srv.URL, Timeout: tc.timeout, MaxBytes: 16000})
			if err != nil {
				t.Fatal(err)
			}
			_, err = eng.Synthesize(t.Context(), "您好")
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("err = %v, want %v containing %q", err, tc.want, tc.msg)
			}
		})
	}
}

func TestHTTPEngineBadURL(t *testing.T) {
	for _, u := range []string{"", "ftp://x/y", "localhost:8080/tts", "http://"} {
		if _, err := NewHTTP(HTTPOptions{URL: u}); err == nil {
			t.Errorf("NewHTTP(%q) accepted", u)
		}
	}
	eng, _ := NewHTTP(HTTPOptions{URL: "http://127.0.0.1:1/tts"})
	if _, err := eng.Synthesize(t.Context(), "您好"); !errors.Is(err, ErrEngine) {
		t.Errorf("refused connection: %v", err)
	}
}
