package media_test

import (
	"bytes"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"

	"liandong/gateway/pbxsim/media"
)

var update = flag.Bool("update", false, "rewrite golden files")

// speechLike is a deterministic voiced-speech stand-in: a pulse train with
// a wandering pitch through two formant resonators, with a syllable-rate
// envelope, peaking at 12000.
func speechLike(rate, n int) []int16 {
	raw := make([]float64, n)
	var y1, y2, z1, z2, phase float64
	for i := range raw {
		t := float64(i) / float64(rate)
		phase += (110 + 30*math.Sin(2*math.Pi*1.3*t)) / float64(rate)
		var x float64
		if phase >= 1 {
			phase--
			x = 1
		}
		w1, w2 := 2*math.Pi*600/float64(rate), 2*math.Pi*1700/float64(rate)
		y := x + 2*0.97*math.Cos(w1)*y1 - 0.97*0.97*y2
		y2, y1 = y1, y
		z := y + 2*0.95*math.Cos(w2)*z1 - 0.95*0.95*z2
		z2, z1 = z1, z
		raw[i] = z * (0.6 + 0.4*math.Sin(2*math.Pi*4*t))
	}
	peak := 0.0
	for _, v := range raw {
		peak = max(peak, math.Abs(v))
	}
	out := make([]int16, n)
	for i, v := range raw {
		out[i] = int16(v / peak * 12000)
	}
	return out
}

func twoTones(rate, n int, f1, f2 float64) []int16 {
	out := make([]int16, n)
	for i := range out {
		t := float64(i) / float64(rate)
		out[i] = int16(8000*math.Sin(2*math.Pi*f1*t) + 3000*math.Sin(2*math.Pi*f2*t))
	}
	return out
}

// snr compares got, delayed by delay samples, with ref after a 50 ms settle.
func snr(ref, got []int16, delay int) float64 {
	var sig, noise float64
	for i := len(ref) / 20; i < len(ref) && i+delay < len(got); i++ {
		e := float64(got[i+delay]) - float64(ref[i])
		sig += float64(ref[i]) * float64(ref[i])
		noise += e * e
	}
	return 10 * math.Log10(sig/(noise+1e-9))
}

func TestG722RoundTrip(t *testing.T) {
	tests := []struct {
		name  string
		pcm   []int16
		floor float64 // dB
	}{
		{"tones 440+1800 Hz", twoTones(16000, 16000, 440, 1800), 30},
		{"tones 300+5200 Hz (both bands)", twoTones(16000, 16000, 300, 5200), 20},
		{"speech-like", speechLike(16000, 32000), 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			enc := media.EncodeG722(tc.pcm)
			if len(enc) != len(tc.pcm)/2 {
				t.Fatalf("%d bytes for %d samples, want one per two", len(enc), len(tc.pcm))
			}
			out := media.DecodeG722(enc)
			if len(out) != len(tc.pcm) {
				t.Fatalf("decoded %d samples, want %d", len(out), len(tc.pcm))
			}
			if got := snr(tc.pcm, out, 22); got < tc.floor {
				t.Errorf("SNR %.1f dB, want >= %.0f", got, tc.floor)
			}
		})
	}
	// 20 ms frames are 160 bytes, and streaming in odd pieces changes nothing.
	pcm := speechLike(16000, 3200)
	e := media.NewG722Encoder()
	var stream []byte
	for i, n := 0, 0; i < len(pcm); i += n {
		n = min(1+i%7*53, len(pcm)-i)
		stream = e.Encode(stream, pcm[i:i+n])
	}
	stream = e.Flush(stream)
	if !bytes.Equal(stream, media.EncodeG722(pcm)) {
		t.Error("chunked encoding differs from whole")
	}
	if f := media.EncodeG722(pcm[:320]); len(f) != media.G722FrameBytes {
		t.Errorf("20 ms frame is %d bytes, want %d", len(f), media.G722FrameBytes)
	}
	if len(media.EncodeG722(make([]int16, 3))) != 2 {
		t.Error("an odd sample count is not padded to a whole byte")
	}
}

func TestGSMRoundTrip(t *testing.T) {
	tests := []struct {
		name  string
		pcm   []int16
		floor float64
	}{
		{"tones 440+1300 Hz", twoTones(8000, 8000, 440, 1300), 15},
		{"speech-like", speechLike(8000, 16000), 12},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			enc := media.EncodeGSM(tc.pcm)
			frames := (len(tc.pcm) + 159) / 160
			if len(enc) != frames*media.GSMFrameBytes {
				t.Fatalf("%d bytes, want %d frames of 33", len(enc), frames)
			}
			for i := 0; i < len(enc); i += media.GSMFrameBytes {
				if enc[i]>>4 != 0xD {
					t.Fatalf("frame %d starts %#x, want the 0xD signature", i/33, enc[i])
				}
			}
			out, err := media.DecodeGSM(enc)
			if err != nil {
				t.Fatal(err)
			}
			if len(out) != frames*160 {
				t.Fatalf("decoded %d samples", len(out))
			}
			if got := snr(tc.pcm, out, 0); got < tc.floor {
				t.Errorf("SNR %.1f dB, want >= %.0f", got, tc.floor)
			}
		})
	}
	pcm := speechLike(8000, 1600)
	var e media.GSMEncoder
	var stream []byte
	for i, n := 0, 0; i < len(pcm); i += n {
		n = min(1+i%5*71, len(pcm)-i)
		stream = e.Encode(stream, pcm[i:i+n])
	}
	stream = e.Flush(stream)
	if !bytes.Equal(stream, media.EncodeGSM(pcm)) {
		t.Error("chunked encoding differs from whole")
	}
	// Silence stays (near) silent.
	out, _ := media.DecodeGSM(media.EncodeGSM(make([]int16, 1600)))
	if e := media.Energy(out); e > 16 {
		t.Errorf("silence decodes with energy %v", e)
	}
}

func TestGSMDecodeErrors(t *testing.T) {
	good := media.EncodeGSM(speechLike(8000, 320))
	bad := append([]byte(nil), good...)
	bad[33] = 0x20 | bad[33]&0x0f // second frame loses its signature
	tests := []struct {
		name string
		data []byte
		ok   bool
	}{
		{"two frames", good, true},
		{"empty", nil, true},
		{"trailing bytes", good[:40], false},
		{"short", good[:10], false},
		{"no signature", bad, false},
	}
	for _, tc := range tests {
		out, err := media.DecodeGSM(tc.data)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err %v, want ok=%v", tc.name, err, tc.ok)
		}
		if err != nil && !errors.Is(err, media.ErrBadGSM) {
			t.Errorf("%s: %v does not wrap ErrBadGSM", tc.name, err)
		}
		if tc.name == "no signature" && len(out) != 160 {
			t.Errorf("the good frame before the bad one decoded to %d samples", len(out))
		}
	}
}

// The encoders' output for a fixed input is pinned (testdata/*.golden,
// written by this package's encoders with -update): a change to either
// encoder shows here.
func TestCodecGolden(t *testing.T) {
	tests := []struct {
		file string
		enc  func() []byte
	}{
		{"g722-speech.golden", func() []byte { return media.EncodeG722(speechLike(16000, 8000)) }},
		{"gsm-speech.golden", func() []byte { return media.EncodeGSM(speechLike(8000, 4000)) }},
	}
	for _, tc := range tests {
		got := tc.enc()
		if !bytes.Equal(got, tc.enc()) {
			t.Fatalf("%s: encoding is not deterministic", tc.file)
		}
		path := filepath.Join("testdata", tc.file)
		if *update {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: encoder output changed (%d bytes, golden %d)", tc.file, len(got), len(want))
		}
	}
}

func FuzzDecodeG722(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0xff, 0x00, 0x3f, 0xc0})
	f.Add(media.EncodeG722(speechLike(16000, 640)))
	f.Fuzz(func(t *testing.T, data []byte) {
		if out := media.DecodeG722(data); len(out) != 2*len(data) {
			t.Fatalf("%d samples from %d bytes", len(out), len(data))
		}
	})
}

func FuzzDecodeGSM(f *testing.F) {
	f.Add([]byte{})
	f.Add(bytes.Repeat([]byte{0xdf}, 33))
	f.Add(bytes.Repeat([]byte{0xd0}, 66))
	f.Add(media.EncodeGSM(speechLike(8000, 480)))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := media.DecodeGSM(data)
		if err != nil && !errors.Is(err, media.ErrBadGSM) {
			t.Fatalf("error %v", err)
		}
		if len(out)%160 != 0 {
			t.Fatalf("%d samples: not whole frames", len(out))
		}
	})
}

// One op is one 20 ms frame.
func BenchmarkG722Encode(b *testing.B) {
	pcm := speechLike(16000, 320)
	e := media.NewG722Encoder()
	buf := make([]byte, 0, media.G722FrameBytes)
	b.ReportAllocs()
	for b.Loop() {
		buf = e.Encode(buf[:0], pcm)
	}
}

func BenchmarkG722Decode(b *testing.B) {
	data := media.EncodeG722(speechLike(16000, 320))
	d := media.NewG722Decoder()
	buf := make([]int16, 0, 320)
	b.ReportAllocs()
	for b.Loop() {
		buf = d.Decode(buf[:0], data)
	}
}

func BenchmarkGSMEncode(b *testing.B) {
	pcm := speechLike(8000, 160)
	var e media.GSMEncoder
	buf := make([]byte, 0, media.GSMFrameBytes)
	b.ReportAllocs()
	for b.Loop() {
		buf = e.EncodeFrame(buf[:0], pcm)
	}
}

func BenchmarkGSMDecode(b *testing.B) {
	data := media.EncodeGSM(speechLike(8000, 160))
	var d media.GSMDecoder
	buf := make([]int16, 0, 160)
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = d.DecodeFrame(buf[:0], data)
	}
}

// Full-scale, clipped and noisy input never breaks the encoders: whole
// frames come out and decode to the right length.
func TestCodecsExtremeInput(t *testing.T) {
	var seed uint32 = 1
	noise := make([]int16, 3200)
	for i := range noise {
		seed = seed*1664525 + 1013904223
		noise[i] = int16(seed >> 16)
	}
	square := make([]int16, 3200)
	for i := range square {
		square[i] = 32767
		if i/7%2 == 0 {
			square[i] = -32768
		}
	}
	inputs := map[string][]int16{
		"noise": noise, "square": square,
		"max": constPCM(32767, 3200), "min": constPCM(-32768, 3200), "zero": make([]int16, 3200),
	}
	for name, pcm := range inputs {
		g := media.DecodeG722(media.EncodeG722(pcm))
		if len(g) != len(pcm) {
			t.Errorf("%s: g722 %d samples", name, len(g))
		}
		enc := media.EncodeGSM(pcm)
		out, err := media.DecodeGSM(enc)
		if err != nil || len(out) != len(pcm) {
			t.Errorf("%s: gsm %d samples, %v", name, len(out), err)
		}
	}
}

func constPCM(v int16, n int) []int16 {
	out := make([]int16, n)
	for i := range out {
		out[i] = v
	}
	return out
}
