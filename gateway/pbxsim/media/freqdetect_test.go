package media

import (
	"errors"
	"math"
	"testing"
	"time"
)

// sine returns d of a sine of freq Hz at peak amp, rate Hz.
func fdSine(freq float64, amp float64, d time.Duration, rate int) []int16 {
	n := int(int64(rate) * int64(d) / int64(time.Second))
	out := make([]int16, n)
	for i := range out {
		out[i] = int16(amp * math.Sin(2*math.Pi*freq*float64(i)/float64(rate)))
	}
	return out
}

func TestFreqDetectorGeometry(t *testing.T) {
	tests := []struct {
		freq, rate      int
		dur             time.Duration
		block, required int
	}{
		// 2100 Hz at 8 kHz: 42 periods in 160 samples; 90% of 500 ms is 3600
		// samples, less a block: (3600-159)/160 = 21.
		{2100, 8000, 500 * time.Millisecond, 160, 21},
		// 1000 Hz: 20 periods in 160 samples.
		{1000, 8000, 1000 * time.Millisecond, 160, 44},
		// 200 Hz: 4 periods in 20 ms, raised to 5: 200 samples.
		{200, 8000, 500 * time.Millisecond, 200, 17},
		// 16 kHz: 320-sample blocks.
		{2100, 16000, 500 * time.Millisecond, 320, 21},
		// Under 50 ms: no block is required (Asterisk's own caveat).
		{2100, 8000, 40 * time.Millisecond, 160, 0},
	}
	for _, tc := range tests {
		d, err := NewFreqDetector(tc.freq, tc.rate, tc.dur, 16)
		if err != nil {
			t.Fatal(err)
		}
		if d.BlockSize() != tc.block || d.HitsRequired() != tc.required {
			t.Errorf("%d Hz %v at %d: block %d, required %d; want %d, %d", tc.freq, tc.dur, tc.rate,
				d.BlockSize(), d.HitsRequired(), tc.block, tc.required)
		}
	}
}

func TestFreqDetector(t *testing.T) {
	silence := make([]int16, 8000)
	tests := []struct {
		name  string
		audio [][]int16
		want  int
	}{
		{"2100 Hz for 1 s", [][]int16{fdSine(2100, 8000, time.Second, 8000)}, 1},
		{"2100 Hz for 400 ms (too short)", [][]int16{fdSine(2100, 8000, 400*time.Millisecond, 8000)}, 0},
		{"2100 Hz for 480 ms (within 10%)", [][]int16{fdSine(2100, 8000, 480*time.Millisecond, 8000)}, 1},
		{"1000 Hz", [][]int16{fdSine(1000, 8000, time.Second, 8000)}, 0},
		{"2150 Hz (off frequency)", [][]int16{fdSine(2150, 8000, time.Second, 8000)}, 0},
		{"silence", [][]int16{silence}, 0},
		{"whisper (-56 dBFS)", [][]int16{fdSine(2100, 50, time.Second, 8000)}, 0},
		{"two tones with a gap", [][]int16{fdSine(2100, 8000, 700*time.Millisecond, 8000), silence[:800],
			fdSine(2100, 8000, 700*time.Millisecond, 8000)}, 2},
		{"tone plus loud noise", [][]int16{fdMix(fdSine(2100, 6000, time.Second, 8000), fdSine(700, 6000, time.Second, 8000))}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := NewFreqDetector(2100, 8000, 500*time.Millisecond, 16)
			if err != nil {
				t.Fatal(err)
			}
			got := 0
			for _, a := range tc.audio {
				for i := 0; i < len(a); i += 160 { // 20 ms frames, as the pacer delivers
					got += d.Detect(a[i:min(i+160, len(a))])
				}
			}
			if got != tc.want {
				t.Errorf("detections %d, want %d", got, tc.want)
			}
		})
	}
}

// TestFreqDetectorLatency: a detection comes when the run reaches the
// required blocks, ~440 ms into a 2100 Hz tone with the default 500 ms.
func TestFreqDetectorLatency(t *testing.T) {
	d, _ := NewFreqDetector(2100, 8000, 500*time.Millisecond, 16)
	tone := fdSine(2100, 8000, time.Second, 8000)
	for i := 0; i < len(tone); i += 160 {
		if d.Detect(tone[i:i+160]) > 0 {
			if at := time.Duration(i+160) * time.Second / 8000; at != 440*time.Millisecond {
				t.Errorf("detected at %v, want 440ms", at)
			}
			return
		}
	}
	t.Fatal("not detected")
}

func fdMix(a, b []int16) []int16 {
	out := make([]int16, len(a))
	for i := range a {
		out[i] = a[i] + b[i]
	}
	return out
}

func TestFreqDetectorBadInput(t *testing.T) {
	for _, tc := range []struct {
		freq, rate int
		dur        time.Duration
		db         int
	}{{0, 8000, time.Second, 16}, {-5, 8000, time.Second, 16}, {4001, 8000, time.Second, 16},
		{2100, 0, time.Second, 16}, {2100, 8000, 0, 16}, {2100, 8000, time.Second, 0}} {
		if _, err := NewFreqDetector(tc.freq, tc.rate, tc.dur, tc.db); !errors.Is(err, ErrBadTone) {
			t.Errorf("NewFreqDetector(%d, %d, %v, %d) = %v, want ErrBadTone", tc.freq, tc.rate, tc.dur, tc.db, err)
		}
	}
}

func BenchmarkFreqDetector(b *testing.B) {
	d, _ := NewFreqDetector(2100, 8000, 500*time.Millisecond, 16)
	frame := fdSine(2100, 8000, 20*time.Millisecond, 8000)
	b.ReportAllocs()
	for b.Loop() {
		d.Detect(frame)
	}
}
