package media

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestRecorderLimitAndSilence(t *testing.T) {
	r := NewRecorder(Rate8k, 100*time.Millisecond)
	loud := sine(700, 8000, 0.02, 8000)
	quiet := make([]int16, 160)
	for range 3 {
		_ = r.WriteFrame(loud)
	}
	if r.TrailingSilence() != 0 {
		t.Errorf("silence after tone: %v", r.TrailingSilence())
	}
	for range 4 {
		_ = r.WriteFrame(quiet)
	}
	if r.TrailingSilence() != 80*time.Millisecond {
		t.Errorf("trailing silence %v, want 80ms", r.TrailingSilence())
	}
	if r.Duration() != 100*time.Millisecond || r.Dropped() != 320 {
		t.Errorf("duration %v dropped %d", r.Duration(), r.Dropped())
	}
	// 16 kHz frames into an 8 kHz recorder are converted.
	r.Reset()
	_ = r.WriteFrame(sine(700, 16000, 0.02, 8000))
	if len(r.Samples()) != 160 {
		t.Errorf("converted frame: %d samples", len(r.Samples()))
	}
}

// Recordings written in each format are read back by recording:NAME.
func TestEncodeRecordingFormats(t *testing.T) {
	dir := t.TempDir()
	a := Audio{Samples: sine(900, 16000, 0.5, 8000), Rate: Rate16k}
	s := &Sounds{Dir: t.TempDir(), RecordingsDir: dir}
	for _, f := range []string{"wav", "wav16", "sln", "sln16", "ulaw", "alaw", "g722", "gsm"} {
		data, ext, err := EncodeRecording(f, a)
		if err != nil {
			t.Fatal(err)
		}
		name := "rec-" + f
		if err := os.WriteFile(filepath.Join(dir, name+ext), data, 0o644); err != nil {
			t.Fatal(err)
		}
		src, err := s.Open(context.Background(), "recording:"+name, "en", Rate8k)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if d, _ := src.Duration(); absDur(d-500*time.Millisecond) > time.Millisecond {
			t.Errorf("%s: duration %v", f, d)
		}
		got := readAll(t, src, time.Second)
		if fq, _ := DominantFrequency(got[1000:3000], Rate8k, 300, 3000, 10); math.Abs(fq-900) > 10 {
			t.Errorf("%s: %v Hz", f, fq)
		}
	}
	// ogg (format_ogg_vorbis) has no encoder here.
	if _, _, err := EncodeRecording("ogg", a); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("ogg: %v", err)
	}
	if _, err := DecodeRecording("ogg", nil); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("decode ogg: %v", err)
	}
}
