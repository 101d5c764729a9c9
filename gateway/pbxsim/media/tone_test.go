package media

import (
	"errors"
	"io"
	"math"
	"strings"
	"testing"
	"time"
)

// readAll reads up to max of src.
func readAll(t *testing.T, src Source, max time.Duration) []int16 {
	t.Helper()
	n := FrameSamples(src.Rate())
	var out []int16
	buf := make([]int16, n)
	for d := time.Duration(0); d < max; d += FrameDuration {
		err := src.ReadFrame(buf)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, buf...)
	}
	return out
}

// cadence returns, per 10 ms block, whether it carries sound.
func cadence(samples []int16, rate int) string {
	blk := rate / 100
	var b strings.Builder
	for i := 0; i+blk <= len(samples); i += blk {
		if Energy(samples[i:i+blk]) > 1e-4 {
			b.WriteByte('#')
		} else {
			b.WriteByte('.')
		}
	}
	return b.String()
}

func TestIndications(t *testing.T) {
	tests := []struct {
		uri    string
		freqs  []float64 // present while on
		on     int       // 10 ms blocks on
		off    int       // 10 ms blocks off
		finite bool
	}{
		{"ring;tonezone=cn", []float64{450}, 100, 400, false},
		{"busy;tonezone=cn", []float64{450}, 35, 35, false},
		{"congestion;tonezone=cn", []float64{450}, 70, 70, false},
		{"dial;tonezone=cn", []float64{450}, 1000, 0, false},
		{"ring;tonezone=us", []float64{440, 480}, 200, 400, false},
		{"busy;tonezone=us", []float64{480, 620}, 50, 50, false},
		{"congestion;tonezone=us", []float64{480, 620}, 25, 25, false},
		{"dial;tonezone=us", []float64{350, 440}, 1000, 0, false},
		{"450/1000,0/4000", []float64{450}, 100, 400, false},
		{"ring", []float64{440, 480}, 200, 400, false}, // default zone us
	}
	for _, tt := range tests {
		t.Run(tt.uri, func(t *testing.T) {
			src, err := ParseToneURI(tt.uri, "", Rate8k)
			if err != nil {
				t.Fatal(err)
			}
			if _, finite := src.Duration(); finite != tt.finite {
				t.Errorf("finite = %v", finite)
			}
			total := tt.on + tt.off
			s := readAll(t, src, time.Duration(min(2*total, 1000))*10*time.Millisecond)
			c := cadence(s, Rate8k)
			want := strings.Repeat("#", tt.on) + strings.Repeat(".", tt.off)
			if tt.off == 0 {
				want = strings.Repeat("#", len(c))
			} else {
				want = strings.Repeat(want, 2)
			}
			if c != want[:len(c)] {
				t.Errorf("cadence\n got %s\nwant %s", c, want[:len(c)])
			}
			on := s[:tt.on*80]
			for _, f := range tt.freqs {
				if p := Goertzel(on, Rate8k, f); p < 0.01 {
					t.Errorf("%v Hz power %.4f, want present", f, p)
				}
			}
			if p := Goertzel(on, Rate8k, 1000); p > 0.001 {
				t.Errorf("1000 Hz power %.4f in a tone without it", p)
			}
		})
	}
}

func TestToneOnceAndFinite(t *testing.T) {
	// "!950/330,!1400/330,!1800/330,0" (us info): three once, then silence forever.
	src, err := ParseToneURI("info;tonezone=us", "", Rate8k)
	if err != nil {
		t.Fatal(err)
	}
	s := readAll(t, src, 2*time.Second)
	if len(s) != 16000 {
		t.Fatalf("endless tone ended after %d samples", len(s))
	}
	for i, f := range []float64{950, 1400, 1800} {
		seg := s[i*2640+200 : (i+1)*2640-200]
		if got, _ := DominantFrequency(seg, Rate8k, 300, 3000, 10); math.Abs(got-f) > 10 {
			t.Errorf("segment %d: %v Hz, want %v", i, got, f)
		}
	}
	if e := Energy(s[3*2640+100:]); e != 0 {
		t.Errorf("after the once-only parts: energy %v, want silence", e)
	}
	// All-'!' tones end.
	fin, err := NewTone("!440/100,!0/100", Rate16k)
	if err != nil {
		t.Fatal(err)
	}
	if d, ok := fin.Duration(); !ok || d != 200*time.Millisecond {
		t.Errorf("duration %v %v", d, ok)
	}
	if got := len(readAll(t, fin, time.Second)); got != 3200 {
		t.Errorf("read %d samples, want 3200", got)
	}
}

func TestToneErrors(t *testing.T) {
	for _, spec := range []string{"", "abc", "440/x", "440/-5", "440+", "99999", "ring;tonezone=zz"} {
		if _, err := ParseToneURI(spec, "", Rate8k); !errors.Is(err, ErrBadTone) {
			t.Errorf("%q: err = %v, want ErrBadTone", spec, err)
		}
	}
}

func TestDTMFGenerateDetect(t *testing.T) {
	for _, rate := range []int{Rate8k, Rate16k} {
		keys := "0123456789*#ABCD"
		src, err := DTMF(keys, 100*time.Millisecond, 60*time.Millisecond, rate)
		if err != nil {
			t.Fatal(err)
		}
		s := readAll(t, src, 10*time.Second)
		if got := DetectDTMF(s, rate); got != keys {
			t.Errorf("rate %d: detected %q, want %q", rate, got, keys)
		}
		// Through G.711 as well.
		for i, v := range s {
			s[i] = UlawDecode(UlawEncode(v))
		}
		if got := DetectDTMF(s, rate); got != keys {
			t.Errorf("rate %d via ulaw: detected %q, want %q", rate, got, keys)
		}
	}
	if _, err := DTMF("12x", time.Second, 0, Rate8k); !errors.Is(err, ErrBadTone) {
		t.Errorf("bad key: %v", err)
	}
}

// Tones, speech-like noise and single frequencies are not DTMF.
func TestDTMFNoFalsePositives(t *testing.T) {
	for _, uri := range []string{"ring;tonezone=us", "busy;tonezone=us", "dial;tonezone=cn", "info;tonezone=us", "697", "697+1550", "941+1400", "1209+1336"} {
		src, err := ParseToneURI(uri, "", Rate8k)
		if err != nil {
			t.Fatal(err)
		}
		if got := DetectDTMF(readAll(t, src, 3*time.Second), Rate8k); got != "" {
			t.Errorf("%s: detected %q", uri, got)
		}
	}
	// white-ish noise
	noise := make([]int16, 16000)
	x := uint32(1)
	for i := range noise {
		x = x*1664525 + 1013904223
		noise[i] = int16(x>>16) / 4
	}
	if got := DetectDTMF(noise, Rate8k); got != "" {
		t.Errorf("noise: detected %q", got)
	}
}

// The recurrence oscillator matches direct evaluation, also far into a tone.
func TestToneSynthMatchesDirect(t *testing.T) {
	p := tonePart{f1: 440, f2: 480}
	for _, n0 := range []int64{0, 12345, 8000 * 3600} {
		got := make([]int16, 320)
		p.synth(got, n0, Rate16k)
		for i, v := range got {
			want := p.sample(n0+int64(i), Rate16k)
			if d := int(v) - int(want); d > 1 || d < -1 {
				t.Fatalf("n0 %d sample %d: %d, want %d", n0, i, v, want)
			}
		}
	}
}

func BenchmarkToneFrame(b *testing.B) {
	src, _ := NewTone("440+480/2000,0/4000", Rate8k)
	buf := make([]int16, 160)
	b.ReportAllocs()
	for b.Loop() {
		_ = src.ReadFrame(buf)
	}
}
