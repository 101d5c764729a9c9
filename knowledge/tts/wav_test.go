package tts

import (
	"encoding/binary"
	"errors"
	"math"
	"testing"
	"time"
)

// sineWAV makes a PCM wav of a 440 Hz tone.
func sineWAV(rate, channels int, d time.Duration) []byte {
	n := int(int64(rate) * int64(d) / int64(time.Second))
	data := make([]byte, n*2*channels)
	for i := 0; i < n; i++ {
		v := int16(8000 * math.Sin(2*math.Pi*440*float64(i)/float64(rate)))
		for ch := 0; ch < channels; ch++ {
			binary.LittleEndian.PutUint16(data[(i*channels+ch)*2:], uint16(v))
		}
	}
	return wavBytes(rate, channels, 16, 1, data)
}

func wavBytes(rate, channels, bits, tag int, data []byte) []byte {
	b := make([]byte, 44, 44+len(data))
	copy(b, "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+len(data)))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], uint16(tag))
	binary.LittleEndian.PutUint16(b[22:], uint16(channels))
	binary.LittleEndian.PutUint32(b[24:], uint32(rate))
	binary.LittleEndian.PutUint32(b[28:], uint32(rate*channels*bits/8))
	binary.LittleEndian.PutUint16(b[32:], uint16(channels*bits/8))
	binary.LittleEndian.PutUint16(b[34:], uint16(bits))
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(len(data)))
	return append(b, data...)
}

func TestParseWAV(t *testing.T) {
	good := sineWAV(8000, 1, 500*time.Millisecond)
	withList := append(append([]byte{}, good[:36]...), append([]byte("LIST\x04\x00\x00\x00abcd"), good[36:]...)...)
	streamed := append([]byte{}, good...)
	binary.LittleEndian.PutUint32(streamed[40:], 0xFFFFFFFF)
	tests := []struct {
		name string
		in   []byte
		want Format
		err  bool
	}{
		{"8k mono", good, Format{8000, 1, 16, 8000}, false},
		{"16k stereo", sineWAV(16000, 2, 250*time.Millisecond), Format{16000, 2, 16, 16000}, false},
		{"extra chunk before data", withList, Format{8000, 1, 16, 8000}, false},
		{"streamed header", streamed, Format{8000, 1, 16, 8000}, false},
		{"empty", nil, Format{}, true},
		{"not riff", []byte("ID3\x03 some mp3 bytes here"), Format{}, true},
		{"html error page", []byte("<html>502 Bad Gateway</html>"), Format{}, true},
		{"not pcm (mu-law)", wavBytes(8000, 1, 8, 7, make([]byte, 100)), Format{}, true},
		{"no data chunk", good[:36], Format{}, true},
		{"zero channels", wavBytes(8000, 0, 16, 1, nil), Format{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := ParseWAV(tc.in)
			if tc.err {
				if !errors.Is(err, ErrBadAudio) {
					t.Fatalf("err = %v, want ErrBadAudio", err)
				}
				return
			}
			if err != nil || f != tc.want {
				t.Fatalf("ParseWAV = %+v, %v; want %+v", f, err, tc.want)
			}
		})
	}
	if d := (Format{8000, 1, 16, 16000}).Duration(); d != time.Second {
		t.Errorf("duration %v", d)
	}
}

func FuzzParseWAV(f *testing.F) {
	f.Add(sineWAV(8000, 1, 10*time.Millisecond))
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVEfmt \xff\xff\xff\xff"))
	f.Add([]byte("RIFF"))
	f.Fuzz(func(t *testing.T, b []byte) {
		fm, err := ParseWAV(b)
		if err == nil && (fm.DataBytes < 0 || fm.DataBytes > int64(len(b))) {
			t.Fatalf("data bytes %d of %d", fm.DataBytes, len(b))
		}
	})
}

func TestHash(t *testing.T) {
	a := Hash("espeak-ng", "cmn-latn-pinyin", "您好")
	if !ValidHash(a) {
		t.Fatalf("hash %q not valid", a)
	}
	for _, other := range []string{
		Hash("http", "cmn-latn-pinyin", "您好"),
		Hash("espeak-ng", "cmn", "您好"),
		Hash("espeak-ng", "cmn-latn-pinyin", "您好。"),
		Hash("espeak-ngcmn-latn-pinyin", "", "您好"),
	} {
		if other == a {
			t.Errorf("hash collision: %s", other)
		}
	}
	for _, s := range []string{"", "../../etc/passwd", "ABCDEF0123456789abcdef0123456789", a + "0"} {
		if ValidHash(s) {
			t.Errorf("ValidHash(%q) = true", s)
		}
	}
}

func TestSpeakable(t *testing.T) {
	tests := []struct{ in, want string }{
		{"住建/物业请按7", "住建、物业请按七"},
		{"请拨打12345", "请拨打幺二三四五"},
		{"上涨30%", "上涨百分之三十"},
		{"按#键或*键", "按井号键或星号键"},
		{"周一~周五", "周一至周五"},
		{"  您好 ", "您好"},
		{"交管12123", "交管幺二幺二三"},
	}
	for _, tc := range tests {
		if got := Speakable(tc.in); got != tc.want {
			t.Errorf("Speakable(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
