package media

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// soundsDir lays out a small Asterisk-like sounds directory; each file is a
// sine whose frequency tells which file was picked.
func soundsDir(t *testing.T) string {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "en", "hello-world.wav"), EncodeWAV(sine(500, 16000, 0.5, 8000), 16000))
	writeFile(t, filepath.Join(dir, "zh", "hello-world.wav"), EncodeWAV(sine(700, 44100, 0.5, 8000), 44100))
	writeFile(t, filepath.Join(dir, "top-only.wav"), EncodeWAV(sine(900, 8000, 0.3, 8000), 8000))
	writeFile(t, filepath.Join(dir, "en", "raw16.sln16"), EncodeSlinLE(nil, sine(1100, 16000, 0.2, 8000)))
	u := Ulaw.Encode(nil, sine(1300, 8000, 0.2, 8000))
	writeFile(t, filepath.Join(dir, "en", "rawu.ulaw"), u)
	writeFile(t, filepath.Join(dir, "en", "digits", "1.wav"), EncodeWAV(sine(1500, 8000, 0.4, 8000), 8000))
	writeFile(t, filepath.Join(dir, "en", "broken.wav"), []byte("RIFF....WAVEjunk"))
	return dir
}

func TestSoundsResolve(t *testing.T) {
	s := NewSounds(soundsDir(t))
	ctx := context.Background()
	tests := []struct {
		uri, lang string
		rate      int
		freq      float64
		dur       time.Duration
	}{
		{"sound:hello-world", "en", Rate8k, 500, 500 * time.Millisecond},
		{"sound:hello-world", "", Rate16k, 500, 500 * time.Millisecond},
		{"sound:hello-world", "zh", Rate8k, 700, 500 * time.Millisecond},
		{"sound:hello-world", "fr", Rate8k, 500, 500 * time.Millisecond}, // falls back to en
		{"sound:top-only", "zh", Rate16k, 900, 300 * time.Millisecond},
		{"sound:raw16", "en", Rate8k, 1100, 200 * time.Millisecond},
		{"sound:rawu", "en", Rate8k, 1300, 200 * time.Millisecond},
		{"sound:digits/1", "en", Rate8k, 1500, 400 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.uri+"/"+tt.lang, func(t *testing.T) {
			src, err := s.Open(ctx, tt.uri, tt.lang, tt.rate)
			if err != nil {
				t.Fatal(err)
			}
			if src.Rate() != tt.rate {
				t.Errorf("rate %d", src.Rate())
			}
			if d, ok := src.Duration(); !ok || absDur(d-tt.dur) > time.Millisecond {
				t.Errorf("duration %v %v, want %v", d, ok, tt.dur)
			}
			got := readAll(t, src, time.Minute)
			f, purity := DominantFrequency(got[len(got)/4:3*len(got)/4], tt.rate, 200, 3000, 10)
			if math.Abs(f-tt.freq) > 10 || purity < 0.9 {
				t.Errorf("heard %.0f Hz (purity %.2f), want %.0f", f, purity, tt.freq)
			}
		})
	}
	if !s.Exists("hello-world", "zh") || s.Exists("nope", "en") {
		t.Error("Exists is wrong")
	}
}

func TestSoundsErrors(t *testing.T) {
	s := NewSounds(soundsDir(t))
	ctx := context.Background()
	tests := []struct {
		uri  string
		want error
	}{
		{"sound:this-sound-does-not-exist", ErrSoundNotFound},
		{"sound:../../etc/passwd", ErrSoundNotFound},
		{"sound:broken", ErrBadWAV},
		{"bogusscheme:foo", ErrBadMediaURI},
		{"", ErrBadMediaURI},
		{"sound:", ErrBadMediaURI},
		{"tone:ring;tonezone=xx", ErrBadTone},
		{"digits:12x", ErrBadMediaURI},
		{"recording:foo", ErrSoundNotFound},
	}
	for _, tt := range tests {
		if _, err := s.Open(ctx, tt.uri, "en", Rate8k); !errors.Is(err, tt.want) {
			t.Errorf("%q: err = %v, want %v", tt.uri, err, tt.want)
		}
	}
}

func TestSoundsDigits(t *testing.T) {
	s := NewSounds(soundsDir(t))
	// digits/1 exists (a 1500 Hz sine), 2 and # do not: synthetic DTMF.
	src, err := s.Open(context.Background(), "digits:12#", "en", Rate8k)
	if err != nil {
		t.Fatal(err)
	}
	want := 400*time.Millisecond + 2*(DigitTone+DigitGap)
	if d, ok := src.Duration(); !ok || d != want {
		t.Errorf("duration %v %v, want %v", d, ok, want)
	}
	got := readAll(t, src, time.Minute)
	if f, _ := DominantFrequency(got[:3200], Rate8k, 200, 3000, 10); math.Abs(f-1500) > 10 {
		t.Errorf("first digit from its file: %v Hz", f)
	}
	if keys := DetectDTMF(got[3200:], Rate8k); keys != "2#" {
		t.Errorf("synthetic digits decode as %q, want \"2#\"", keys)
	}
	// Without any digit files: all synthetic, decodable.
	empty := NewSounds(t.TempDir())
	src, err = empty.Open(context.Background(), "digits:12345", "zh", Rate16k)
	if err != nil {
		t.Fatal(err)
	}
	if keys := DetectDTMF(readAll(t, src, time.Minute), Rate16k); keys != "12345" {
		t.Errorf("decoded %q", keys)
	}
}

func TestSoundsHTTPAndRecording(t *testing.T) {
	wav := EncodeWAV(sine(800, 8000, 0.2, 8000), 8000)
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		switch r.URL.Path {
		case "/prompt.wav":
			_, _ = w.Write(wav)
		case "/notaudio.wav":
			_, _ = w.Write([]byte("<html>hello</html>"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	rec := t.TempDir()
	writeFile(t, filepath.Join(rec, "call-1.wav"), wav)
	s := &Sounds{Dir: t.TempDir(), RecordingsDir: rec, HTTP: srv.Client()}
	ctx := context.Background()
	for range 2 {
		src, err := s.Open(ctx, "sound:"+srv.URL+"/prompt.wav", "en", Rate8k)
		if err != nil {
			t.Fatal(err)
		}
		if d, _ := src.Duration(); d != 200*time.Millisecond {
			t.Errorf("duration %v", d)
		}
	}
	if hits != 1 {
		t.Errorf("fetched %d times, want 1 (cached)", hits)
	}
	if _, err := s.Open(ctx, "sound:"+srv.URL+"/missing.wav", "en", Rate8k); !errors.Is(err, ErrSoundNotFound) {
		t.Errorf("missing: %v", err)
	}
	if _, err := s.Open(ctx, "sound:"+srv.URL+"/notaudio.wav", "en", Rate8k); !errors.Is(err, ErrBadWAV) {
		t.Errorf("not audio: %v", err)
	}
	src, err := s.Open(ctx, "recording:call-1", "en", Rate16k)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := src.Duration(); d != 200*time.Millisecond {
		t.Errorf("recording duration %v", d)
	}
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

func TestMOHLoops(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.wav"), EncodeWAV(sine(400, 8000, 0.1, 8000), 8000))
	writeFile(t, filepath.Join(dir, "b.sln16"), EncodeSlinLE(nil, sine(800, 16000, 0.1, 8000)))
	writeFile(t, filepath.Join(dir, "notes.txt"), []byte("not audio"))
	s := NewSounds(t.TempDir())
	src, err := s.MOH(dir, Rate8k)
	if err != nil {
		t.Fatal(err)
	}
	if _, finite := src.Duration(); finite {
		t.Error("MOH is finite")
	}
	got := readAll(t, src, 600*time.Millisecond)
	for i, want := range []float64{400, 800, 400, 800, 400, 800} {
		seg := got[i*800+80 : (i+1)*800-80]
		if f, _ := DominantFrequency(seg, Rate8k, 200, 3000, 10); math.Abs(f-want) > 10 {
			t.Errorf("segment %d: %v Hz, want %v", i, f, want)
		}
	}
	if _, err := s.MOH(t.TempDir(), Rate8k); !errors.Is(err, ErrSoundNotFound) {
		t.Errorf("empty class: %v", err)
	}
}

func FuzzOpenMediaURI(f *testing.F) {
	for _, seed := range []string{"tone:ring;tonezone=cn", "tone:!950/330,!1400/330,0", "tone:440*20/100", "digits:123#*", "sound:hello", "bogus:x", "tone:", "tone:1+2+3"} {
		f.Add(seed)
	}
	s := NewSounds(f.TempDir())
	f.Fuzz(func(t *testing.T, uri string) {
		src, err := s.Open(context.Background(), uri, "en", Rate8k)
		if err != nil {
			if !errors.Is(err, ErrBadMediaURI) && !errors.Is(err, ErrBadTone) && !errors.Is(err, ErrSoundNotFound) && !errors.Is(err, ErrBadWAV) {
				t.Fatalf("%q: unclassified error %v", uri, err)
			}
			return
		}
		buf := make([]int16, FrameSamples(Rate8k))
		for range 5 {
			if err := src.ReadFrame(buf); err != nil {
				break
			}
		}
	})
}

func TestSoundsCacheNoticesReplacedFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "rec.wav")
	writeFile(t, path, EncodeWAV(sine(500, 8000, 0.1, 8000), 8000))
	s := NewSounds(dir)
	src, err := s.Open(context.Background(), "sound:rec", "en", Rate8k)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := src.Duration(); d != 100*time.Millisecond {
		t.Fatalf("first: %v", d)
	}
	writeFile(t, path, EncodeWAV(sine(500, 8000, 0.3, 8000), 8000))
	src, err = s.Open(context.Background(), "sound:rec", "en", Rate8k)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := src.Duration(); d != 300*time.Millisecond {
		t.Errorf("after replacing the file: %v, want 300ms", d)
	}
}
