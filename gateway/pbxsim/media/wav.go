package media

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"time"
)

// Audio is decoded mono audio in memory.
type Audio struct {
	Samples []int16
	Rate    int
}

// Duration of the audio.
func (a Audio) Duration() time.Duration { return samplesToDur(len(a.Samples), a.Rate) }

// Resample returns the audio at rate (a copy when already at rate).
func (a Audio) Resample(rate int) Audio {
	return Audio{Samples: Resample(a.Samples, a.Rate, rate), Rate: rate}
}

// Source returns a PCM source over the audio; the rate must be 8000 or
// 16000 (Resample first otherwise).
func (a Audio) Source() *PCM { return NewPCM(a.Samples, a.Rate) }

// WAV format tags.
const (
	wavPCM        = 1
	wavALaw       = 6
	wavULaw       = 7
	wavExtensible = 0xFFFE
)

// MaxWAVBytes bounds the files ParseWAV accepts (about 30 min of 16 kHz
// PCM), so a bad header cannot make it allocate without end.
const MaxWAVBytes = 64 << 20

// ReadWAVFile reads and parses a WAV file.
func ReadWAVFile(path string) (Audio, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Audio{}, fmt.Errorf("read wav %s: %w", path, err)
	}
	a, err := ParseWAV(data)
	if err != nil {
		return Audio{}, fmt.Errorf("read wav %s: %w", path, err)
	}
	return a, nil
}

// ParseWAV decodes a RIFF/WAVE file: PCM 16-bit or 8-bit, µ-law or A-law,
// mono or stereo (averaged to mono), any sample rate (kept as is). Errors
// wrap ErrBadWAV and say what is wrong.
func ParseWAV(data []byte) (Audio, error) {
	bad := func(format string, args ...any) (Audio, error) {
		return Audio{}, fmt.Errorf("parse wav: "+format+": %w", append(args, ErrBadWAV)...)
	}
	if len(data) > MaxWAVBytes {
		return bad("file of %d bytes exceeds %d", len(data), MaxWAVBytes)
	}
	if len(data) < 12 {
		return bad("file of %d bytes is shorter than a RIFF header", len(data))
	}
	if string(data[0:4]) != "RIFF" {
		return bad("no RIFF signature")
	}
	if string(data[8:12]) != "WAVE" {
		return bad("RIFF form is %q, not WAVE", data[8:12])
	}
	var (
		haveFmt             bool
		tag, channels, bits uint16
		rate                uint32
		blockAlign          uint16
		pcm                 []byte
		haveData            bool
	)
	rest := data[12:]
	for len(rest) >= 8 {
		id := string(rest[0:4])
		size := binary.LittleEndian.Uint32(rest[4:8])
		rest = rest[8:]
		body := rest
		if uint64(size) <= uint64(len(rest)) {
			body = rest[:size]
		} else if id != "data" {
			return bad("chunk %q claims %d bytes, only %d remain", id, size, len(rest))
		}
		// Writers that stream often leave the data size wrong (0 or
		// 0xFFFFFFFF): take what is there.
		switch id {
		case "fmt ":
			if len(body) < 16 {
				return bad("fmt chunk of %d bytes, need 16", len(body))
			}
			tag = binary.LittleEndian.Uint16(body[0:])
			channels = binary.LittleEndian.Uint16(body[2:])
			rate = binary.LittleEndian.Uint32(body[4:])
			blockAlign = binary.LittleEndian.Uint16(body[12:])
			bits = binary.LittleEndian.Uint16(body[14:])
			if tag == wavExtensible {
				if len(body) < 26 {
					return bad("extensible fmt chunk of %d bytes, need 26", len(body))
				}
				tag = binary.LittleEndian.Uint16(body[24:])
			}
			haveFmt = true
		case "data":
			if !haveFmt {
				return bad("data chunk before fmt chunk")
			}
			pcm = body
			haveData = true
		}
		if haveData {
			break
		}
		adv := uint64(size) + uint64(size&1) // chunks are padded to even size
		if adv > uint64(len(rest)) {
			break
		}
		rest = rest[adv:]
	}
	if !haveFmt {
		return bad("no fmt chunk")
	}
	if !haveData {
		return bad("no data chunk")
	}
	if channels != 1 && channels != 2 {
		return bad("%d channels, want 1 or 2", channels)
	}
	if rate < 1000 || rate > 192000 {
		return bad("sample rate %d out of range", rate)
	}
	var width int
	switch {
	case tag == wavPCM && bits == 16:
		width = 2
	case tag == wavPCM && bits == 8, tag == wavULaw && bits == 8, tag == wavALaw && bits == 8:
		width = 1
	default:
		return bad("encoding tag %d with %d bits is not PCM16, PCM8, µ-law or A-law", tag, bits)
	}
	frame := width * int(channels)
	if blockAlign != 0 && int(blockAlign) != frame {
		return bad("block align %d, want %d", blockAlign, frame)
	}
	n := len(pcm) / frame
	out := make([]int16, n)
	for i := range n {
		var sum int32
		for c := range int(channels) {
			off := i*frame + c*width
			var s int16
			switch {
			case width == 2:
				s = int16(binary.LittleEndian.Uint16(pcm[off:]))
			case tag == wavULaw:
				s = ulawToLinear[pcm[off]]
			case tag == wavALaw:
				s = alawToLinear[pcm[off]]
			default: // 8-bit PCM is unsigned
				s = int16(int32(pcm[off])-128) << 8
			}
			sum += int32(s)
		}
		out[i] = int16(sum / int32(channels))
	}
	return Audio{Samples: out, Rate: int(rate)}, nil
}

// EncodeWAV returns a mono 16-bit PCM WAV file of samples at rate.
func EncodeWAV(samples []int16, rate int) []byte {
	var b bytes.Buffer
	_ = WriteWAV(&b, samples, rate) // a bytes.Buffer does not fail
	return b.Bytes()
}

// WriteWAV writes a mono 16-bit PCM WAV file of samples at rate to w.
func WriteWAV(w io.Writer, samples []int16, rate int) error {
	dataLen := 2 * len(samples)
	hdr := make([]byte, 0, 44+dataLen)
	hdr = append(hdr, "RIFF"...)
	hdr = binary.LittleEndian.AppendUint32(hdr, uint32(36+dataLen))
	hdr = append(hdr, "WAVEfmt "...)
	hdr = binary.LittleEndian.AppendUint32(hdr, 16)
	hdr = binary.LittleEndian.AppendUint16(hdr, wavPCM)
	hdr = binary.LittleEndian.AppendUint16(hdr, 1)
	hdr = binary.LittleEndian.AppendUint32(hdr, uint32(rate))
	hdr = binary.LittleEndian.AppendUint32(hdr, uint32(2*rate))
	hdr = binary.LittleEndian.AppendUint16(hdr, 2)
	hdr = binary.LittleEndian.AppendUint16(hdr, 16)
	hdr = append(hdr, "data"...)
	hdr = binary.LittleEndian.AppendUint32(hdr, uint32(dataLen))
	hdr = EncodeSlinLE(hdr, samples)
	if _, err := w.Write(hdr); err != nil {
		return fmt.Errorf("write wav: %w", err)
	}
	return nil
}
