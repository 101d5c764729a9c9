package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func sine(freq float64, rate int, d float64, amp float64) []int16 {
	n := int(float64(rate) * d)
	out := make([]int16, n)
	for i := range out {
		out[i] = int16(amp * math.Sin(2*math.Pi*freq*float64(i)/float64(rate)))
	}
	return out
}

// wavBytes builds a WAV by hand, to test encodings WriteWAV does not write.
func wavBytes(tag, channels uint16, rate uint32, bits uint16, data []byte) []byte {
	var b bytes.Buffer
	b.WriteString("RIFF")
	_ = binary.Write(&b, binary.LittleEndian, uint32(36+len(data)))
	b.WriteString("WAVEfmt ")
	block := channels * bits / 8
	writeLE(&b, uint32(16), tag, channels, rate, rate*uint32(block), block, bits)
	b.WriteString("data")
	_ = binary.Write(&b, binary.LittleEndian, uint32(len(data)))
	b.Write(data)
	return b.Bytes()
}

func writeLE(b *bytes.Buffer, vs ...any) {
	for _, v := range vs {
		_ = binary.Write(b, binary.LittleEndian, v)
	}
}

func TestWAVRoundTrip(t *testing.T) {
	in := sine(440, 8000, 0.1, 10000)
	enc := EncodeWAV(in, 8000)
	if len(enc) != 44+2*len(in) {
		t.Fatalf("wav is %d bytes, want %d", len(enc), 44+2*len(in))
	}
	a, err := ParseWAV(enc)
	if err != nil {
		t.Fatal(err)
	}
	if a.Rate != 8000 || len(a.Samples) != len(in) {
		t.Fatalf("got rate %d, %d samples", a.Rate, len(a.Samples))
	}
	for i := range in {
		if a.Samples[i] != in[i] {
			t.Fatalf("sample %d = %d, want %d", i, a.Samples[i], in[i])
		}
	}
}

func TestWAVEncodings(t *testing.T) {
	pcm := []int16{1000, -1000, 32767, -32768}
	stereo := []int16{1000, 3000, -1000, -3000} // two frames L,R
	var ulaw, alaw, pcm8 []byte
	for _, s := range pcm {
		ulaw = append(ulaw, UlawEncode(s))
		alaw = append(alaw, AlawEncode(s))
	}
	pcm8 = []byte{128, 255, 0}
	ext := func() []byte {
		// WAVE_FORMAT_EXTENSIBLE with PCM sub-format
		var b bytes.Buffer
		b.WriteString("RIFF")
		_ = binary.Write(&b, binary.LittleEndian, uint32(0))
		b.WriteString("WAVEfmt ")
		writeLE(&b, uint32(40), uint16(0xFFFE), uint16(1), uint32(16000), uint32(32000), uint16(2), uint16(16), uint16(22), uint16(16), uint32(4))
		b.Write([]byte{1, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xAA, 0, 0x38, 0x9B, 0x71})
		b.WriteString("LIST")
		_ = binary.Write(&b, binary.LittleEndian, uint32(3))
		b.Write([]byte{1, 2, 3, 0}) // odd chunk, padded
		b.WriteString("data")
		_ = binary.Write(&b, binary.LittleEndian, uint32(4))
		b.Write(EncodeSlinLE(nil, []int16{7, -7}))
		return b.Bytes()
	}()
	tests := []struct {
		name string
		data []byte
		rate int
		want []int16
	}{
		{"pcm16 mono", wavBytes(1, 1, 8000, 16, EncodeSlinLE(nil, pcm)), 8000, pcm},
		{"pcm16 stereo averaged", wavBytes(1, 2, 44100, 16, EncodeSlinLE(nil, stereo)), 44100, []int16{2000, -2000}},
		{"ulaw", wavBytes(7, 1, 8000, 8, ulaw), 8000, []int16{UlawDecode(ulaw[0]), UlawDecode(ulaw[1]), UlawDecode(ulaw[2]), UlawDecode(ulaw[3])}},
		{"alaw", wavBytes(6, 1, 8000, 8, alaw), 8000, []int16{AlawDecode(alaw[0]), AlawDecode(alaw[1]), AlawDecode(alaw[2]), AlawDecode(alaw[3])}},
		{"pcm8 unsigned", wavBytes(1, 1, 11025, 8, pcm8), 11025, []int16{0, 127 << 8, -128 << 8}},
		{"extensible with odd chunk", ext, 16000, []int16{7, -7}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ParseWAV(tt.data)
			if err != nil {
				t.Fatal(err)
			}
			if a.Rate != tt.rate || len(a.Samples) != len(tt.want) {
				t.Fatalf("rate %d, samples %v; want %d, %v", a.Rate, a.Samples, tt.rate, tt.want)
			}
			for i := range tt.want {
				if a.Samples[i] != tt.want[i] {
					t.Fatalf("samples %v, want %v", a.Samples, tt.want)
				}
			}
		})
	}
}

func TestWAVErrors(t *testing.T) {
	good := wavBytes(1, 1, 8000, 16, []byte{1, 0, 2, 0})
	noData := good[:36]
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "shorter than a RIFF header"},
		{"not riff", append([]byte("RIFX"), good[4:]...), "no RIFF signature"},
		{"not wave", append(append([]byte{}, good[:8]...), append([]byte("AVI "), good[12:]...)...), "not WAVE"},
		{"no data", noData, "no data chunk"},
		{"no fmt", append(append([]byte{}, good[:12]...), []byte("data\x02\x00\x00\x00\x01\x00")...), "data chunk before fmt"},
		{"3 channels", wavBytes(1, 3, 8000, 16, nil), "3 channels"},
		{"24 bit", wavBytes(1, 1, 8000, 24, nil), "24 bits"},
		{"float", wavBytes(3, 1, 8000, 32, nil), "encoding tag 3"},
		{"rate 0", wavBytes(1, 1, 0, 16, nil), "sample rate 0"},
		{"short fmt", append(append([]byte{}, good[:12]...), []byte("fmt \x04\x00\x00\x00\x01\x00\x01\x00")...), "fmt chunk of 4 bytes"},
		{"chunk overruns", append(append([]byte{}, good[:12]...), []byte("LIST\xff\x00\x00\x00ab")...), "claims 255 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseWAV(tt.data)
			if err == nil || !errors.Is(err, ErrBadWAV) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want ErrBadWAV mentioning %q", err, tt.want)
			}
		})
	}
}

func FuzzParseWAV(f *testing.F) {
	f.Add(EncodeWAV(sine(440, 8000, 0.01, 1000), 8000))
	f.Add(wavBytes(7, 1, 8000, 8, []byte{1, 2, 3}))
	f.Add(wavBytes(1, 2, 48000, 16, []byte{1, 2, 3, 4, 5}))
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVE"))
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVEdata\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := ParseWAV(data)
		if err != nil {
			if !errors.Is(err, ErrBadWAV) {
				t.Fatalf("error %v does not wrap ErrBadWAV", err)
			}
			return
		}
		if a.Rate < 1000 || a.Rate > 192000 || len(a.Samples) > len(data) {
			t.Fatalf("accepted rate %d with %d samples from %d bytes", a.Rate, len(a.Samples), len(data))
		}
		// What parses must survive a write and a re-read.
		b, err := ParseWAV(EncodeWAV(a.Samples, a.Rate))
		if err != nil || len(b.Samples) != len(a.Samples) {
			t.Fatalf("re-read: %v, %d samples of %d", err, len(b.Samples), len(a.Samples))
		}
	})
}

func TestReadWAVFileMissing(t *testing.T) {
	_, err := ReadWAVFile(filepath.Join(t.TempDir(), "none.wav"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err = %v", err)
	}
}

// Resampling keeps a tone's frequency and level and removes what the new
// rate cannot carry.
func TestResampleSine(t *testing.T) {
	tests := []struct {
		inRate, outRate int
		freq            float64
	}{
		{44100, 8000, 1000},
		{48000, 16000, 3000},
		{22050, 8000, 440},
		{8000, 16000, 1000},
		{16000, 8000, 2500},
		{11025, 16000, 700},
	}
	for _, tt := range tests {
		in := sine(tt.freq, tt.inRate, 0.5, 16000)
		out := Resample(in, tt.inRate, tt.outRate)
		if want := tt.outRate / 2; abs(len(out)-want) > 1 {
			t.Errorf("%d->%d: %d samples, want %d", tt.inRate, tt.outRate, len(out), want)
		}
		mid := out[len(out)/4 : 3*len(out)/4] // away from the edges
		f, purity := DominantFrequency(mid, tt.outRate, tt.freq-300, tt.freq+300, 2)
		if math.Abs(f-tt.freq) > 5 || purity < 0.95 {
			t.Errorf("%d->%d of %.0f Hz: dominant %.0f Hz, purity %.3f", tt.inRate, tt.outRate, tt.freq, f, purity)
		}
		// level kept within 0.5 dB
		if g := math.Sqrt(Energy(mid)*2) * 32768 / 16000; g < 0.94 || g > 1.06 {
			t.Errorf("%d->%d: gain %.3f", tt.inRate, tt.outRate, g)
		}
	}
	// A 6 kHz tone cannot survive 48k -> 8k: it must be filtered, not aliased to 2 kHz.
	out := Resample(sine(6000, 48000, 0.5, 16000), 48000, 8000)
	mid := out[len(out)/4 : 3*len(out)/4]
	if e := Energy(mid); e > 0.0005 {
		t.Errorf("6 kHz into 8 kHz leaves energy %.5f (aliasing); want < 0.0005", e)
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
