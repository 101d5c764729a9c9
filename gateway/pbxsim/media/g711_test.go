package media

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestG711KnownValues(t *testing.T) {
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"ulaw enc 0", UlawEncode(0), uint8(0xFF)},
		{"ulaw enc -1", UlawEncode(-1), uint8(0x7F)},
		{"ulaw enc -4 (Asterisk's table)", UlawEncode(-4), uint8(0x7F)},
		{"ulaw enc -5", UlawEncode(-5), uint8(0x7E)},
		{"ulaw enc 1000", UlawEncode(1000), uint8(0xCE)},
		{"ulaw enc max", UlawEncode(32767), uint8(0x80)},
		{"ulaw enc min", UlawEncode(-32768), uint8(0x00)},
		{"ulaw dec 0x80", UlawDecode(0x80), int16(32124)},
		{"ulaw dec 0x00", UlawDecode(0x00), int16(-32124)},
		{"ulaw dec 0xFF", UlawDecode(0xFF), int16(0)},
		{"ulaw dec 0x7F", UlawDecode(0x7F), int16(0)},
		{"ulaw dec 0xCE", UlawDecode(0xCE), int16(988)},
		{"alaw enc 0", AlawEncode(0), uint8(0xD5)},
		{"alaw enc -1", AlawEncode(-1), uint8(0x55)},
		{"alaw enc 1000", AlawEncode(1000), uint8(0xFA)},
		{"alaw enc max", AlawEncode(32767), uint8(0xAA)},
		{"alaw enc min", AlawEncode(-32768), uint8(0x2A)},
		{"alaw dec 0xD5", AlawDecode(0xD5), int16(8)},
		{"alaw dec 0x55", AlawDecode(0x55), int16(-8)},
		{"alaw dec 0xAA", AlawDecode(0xAA), int16(32256)},
		{"alaw dec 0x2A", AlawDecode(0x2A), int16(-32256)},
		{"alaw dec 0xFA", AlawDecode(0xFA), int16(1008)},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

// The decode tables must equal the reference implementation's exactly.
func TestG711DecodeGolden(t *testing.T) {
	f, err := os.Open("testdata/g711-decode.golden")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		var code uint8
		var u, a int16
		if _, err := fmt.Sscanf(line, "%x %d %d", &code, &u, &a); err != nil {
			t.Fatalf("golden line %q: %v", line, err)
		}
		if got := UlawDecode(code); got != u {
			t.Errorf("UlawDecode(%#02x) = %d, want %d", code, got, u)
		}
		if got := AlawDecode(code); got != a {
			t.Errorf("AlawDecode(%#02x) = %d, want %d", code, got, a)
		}
		n++
	}
	if n != 256 {
		t.Fatalf("golden has %d codes, want 256", n)
	}
}

// Encoding: every 16-bit sample against a reference encoder. Non-negative
// samples must match it exactly. Negative ones follow Asterisk's tables,
// which round a magnitude differently from the reference's arithmetic
// shift: there they must still decode to within one quantisation step.
func TestG711EncodeGolden(t *testing.T) {
	golden, err := os.ReadFile("testdata/g711-encode.golden")
	if err != nil {
		t.Fatal(err)
	}
	if len(golden) != 2*65536 {
		t.Fatalf("golden is %d bytes", len(golden))
	}
	var diffU, diffA int
	for i := range 65536 {
		s := int16(i - 32768)
		wu, wa := golden[i], golden[65536+i]
		gu, ga := UlawEncode(s), AlawEncode(s)
		if s >= 0 && (gu != wu || ga != wa) {
			t.Fatalf("encode(%d) = ulaw %#02x alaw %#02x, want %#02x %#02x", s, gu, ga, wu, wa)
		}
		if gu != wu {
			diffU++
		}
		if ga != wa {
			diffA++
		}
		mag := int(s)
		if mag < 0 {
			mag = -mag
		}
		step := (mag+132)/16 + 4 // a bit more than a segment's step
		if e := int(UlawDecode(gu)) - int(s); e > step || e < -step {
			t.Fatalf("ulaw(%d) decodes to %d", s, UlawDecode(gu))
		}
		if e := int(AlawDecode(ga)) - int(s); e > step+8 || e < -step-8 {
			t.Fatalf("alaw(%d) decodes to %d", s, AlawDecode(ga))
		}
	}
	if diffA != 0 || diffU > 65536/8 {
		t.Errorf("encodings differ from the reference: ulaw %d, alaw %d", diffU, diffA)
	}
	t.Logf("negative samples encoded as Asterisk does, not as the reference: ulaw %d", diffU)
}

func TestG711RoundTripCodes(t *testing.T) {
	for c := range 256 {
		code := uint8(c)
		if got := AlawEncode(AlawDecode(code)); got != code {
			t.Errorf("alaw %#02x -> %d -> %#02x", code, AlawDecode(code), got)
		}
		want := code
		if code == 0x7F { // µ-law negative zero decodes to 0, which encodes as 0xFF
			want = 0xFF
		}
		if got := UlawEncode(UlawDecode(code)); got != want {
			t.Errorf("ulaw %#02x -> %d -> %#02x, want %#02x", code, UlawDecode(code), got, want)
		}
	}
}

func TestFormatsLookup(t *testing.T) {
	tests := []struct {
		name        string
		pt          uint8
		rate, bytes int
		wantErr     bool
	}{
		{"ulaw", 0, 8000, 160, false},
		{"alaw", 8, 8000, 160, false},
		{"slin", 10, 8000, 320, false},
		{"slin16", 118, 16000, 640, false},
		{"g722", 0, 0, 0, true},
		{"ULAW", 0, 0, 0, true},
		{"", 0, 0, 0, true},
	}
	for _, tt := range tests {
		f, err := LookupFormat(tt.name)
		if tt.wantErr {
			if err == nil || !strings.Contains(err.Error(), tt.name) {
				t.Errorf("LookupFormat(%q) err = %v, want ErrUnknownFormat naming it", tt.name, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("LookupFormat(%q): %v", tt.name, err)
		}
		if f.PayloadType != tt.pt || f.SampleRate != tt.rate || f.ClockRate != tt.rate || f.FrameBytes() != tt.bytes {
			t.Errorf("%s = %+v (frame %d bytes)", tt.name, f, f.FrameBytes())
		}
		if back, ok := FormatForPayloadType(tt.pt); !ok || back.Name != tt.name {
			t.Errorf("FormatForPayloadType(%d) = %v, %v", tt.pt, back.Name, ok)
		}
	}
}

func TestSlinByteOrder(t *testing.T) {
	samples := []int16{0x0102, -2, 0x7FFF}
	be := Slin16.Encode(nil, samples)
	if want := []byte{0x01, 0x02, 0xFF, 0xFE, 0x7F, 0xFF}; string(be) != string(want) {
		t.Errorf("slin16 on the wire = % x, want big-endian % x", be, want)
	}
	le := EncodeSlinLE(nil, samples)
	if want := []byte{0x02, 0x01, 0xFE, 0xFF, 0xFF, 0x7F}; string(le) != string(want) {
		t.Errorf("slin LE = % x, want % x", le, want)
	}
	if got := Slin.Decode(nil, be); fmt.Sprint(got) != fmt.Sprint(samples) {
		t.Errorf("decode BE = %v", got)
	}
	if got := DecodeSlinLE(nil, le); fmt.Sprint(got) != fmt.Sprint(samples) {
		t.Errorf("decode LE = %v", got)
	}
	// G.711 payloads: one byte per sample.
	if got := Ulaw.Encode(nil, samples); len(got) != 3 {
		t.Errorf("ulaw payload %d bytes", len(got))
	}
}
