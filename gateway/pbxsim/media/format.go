package media

import (
	"encoding/binary"
	"fmt"
	"time"
)

// FrameDuration is the packetisation time of every frame this package moves:
// Asterisk's default for G.711 and slin (50 packets a second).
const FrameDuration = 20 * time.Millisecond

// MaxFrameSamples is the size of the largest frame handled: 20 ms at 16 kHz.
const MaxFrameSamples = 320

// Supported sample rates.
const (
	Rate8k  = 8000
	Rate16k = 16000
)

// FrameSamples returns the number of samples in one 20 ms frame at rate.
func FrameSamples(rate int) int { return rate / 50 }

// Codec names the wire encoding of a Format.
type Codec uint8

// Codecs.
const (
	CodecUlaw Codec = iota + 1 // G.711 µ-law, one byte a sample
	CodecAlaw                  // G.711 A-law, one byte a sample
	CodecSlin                  // 16-bit signed linear, big-endian on RTP
)

// Format is one of Asterisk's audio formats as named in ARI (the externalMedia
// "format" parameter, channel formats).
type Format struct {
	Name        string // Asterisk's name: "ulaw", "alaw", "slin", "slin16"
	Codec       Codec
	SampleRate  int   // audio samples per second
	ClockRate   int   // RTP timestamp units per second
	PayloadType uint8 // RTP payload type Asterisk uses for it
	Encoding    string
}

// The formats of Asterisk that the emulator carries. Payload types are
// Asterisk's static table (main/rtp_engine.c): ulaw 0, alaw 8, slin 10
// (RFC 3551's L16 slot; Asterisk maps slin to 10 and 11 and sends the first),
// slin16 118. Asterisk puts slin on RTP in network byte order (big-endian).
var (
	Ulaw   = Format{Name: "ulaw", Codec: CodecUlaw, SampleRate: Rate8k, ClockRate: Rate8k, PayloadType: 0, Encoding: "PCMU"}
	Alaw   = Format{Name: "alaw", Codec: CodecAlaw, SampleRate: Rate8k, ClockRate: Rate8k, PayloadType: 8, Encoding: "PCMA"}
	Slin   = Format{Name: "slin", Codec: CodecSlin, SampleRate: Rate8k, ClockRate: Rate8k, PayloadType: 10, Encoding: "L16"}
	Slin16 = Format{Name: "slin16", Codec: CodecSlin, SampleRate: Rate16k, ClockRate: Rate16k, PayloadType: 118, Encoding: "L16"}
)

var formats = []Format{Ulaw, Alaw, Slin, Slin16}

// Formats lists the supported formats.
func Formats() []Format { return append([]Format(nil), formats...) }

// LookupFormat returns the format with Asterisk's name (case-sensitive, as
// Asterisk's format cache is). An unknown name wraps ErrUnknownFormat.
func LookupFormat(name string) (Format, error) {
	for _, f := range formats {
		if f.Name == name {
			return f, nil
		}
	}
	return Format{}, fmt.Errorf("lookup format %q: %w", name, ErrUnknownFormat)
}

// FormatForPayloadType returns the format Asterisk decodes an RTP payload
// type as (11 is the second slin slot); ok is false for anything else.
func FormatForPayloadType(pt uint8) (Format, bool) {
	switch pt {
	case 0:
		return Ulaw, true
	case 8:
		return Alaw, true
	case 10, 11:
		return Slin, true
	case 118:
		return Slin16, true
	}
	return Format{}, false
}

// FrameSamples is the number of samples in one 20 ms frame of f.
func (f Format) FrameSamples() int { return f.SampleRate / 50 }

// FrameBytes is the payload size of one 20 ms frame of f.
func (f Format) FrameBytes() int {
	if f.Codec == CodecSlin {
		return 2 * f.FrameSamples()
	}
	return f.FrameSamples()
}

// BytesPerSample is 1 for G.711 and 2 for slin.
func (f Format) BytesPerSample() int {
	if f.Codec == CodecSlin {
		return 2
	}
	return 1
}

// String returns the Asterisk name.
func (f Format) String() string { return f.Name }

// Encode appends the wire form of samples (G.711, or big-endian slin as on
// RTP) to dst and returns it; it does not allocate when dst has room.
func (f Format) Encode(dst []byte, samples []int16) []byte {
	switch f.Codec {
	case CodecUlaw:
		for _, s := range samples {
			dst = append(dst, linearToUlaw[uint16(s)])
		}
	case CodecAlaw:
		for _, s := range samples {
			dst = append(dst, linearToAlaw[uint16(s)])
		}
	default:
		for _, s := range samples {
			dst = binary.BigEndian.AppendUint16(dst, uint16(s))
		}
	}
	return dst
}

// Decode appends the samples of a wire payload to dst. A trailing odd byte
// of slin is ignored.
func (f Format) Decode(dst []int16, payload []byte) []int16 {
	switch f.Codec {
	case CodecUlaw:
		for _, b := range payload {
			dst = append(dst, ulawToLinear[b])
		}
	case CodecAlaw:
		for _, b := range payload {
			dst = append(dst, alawToLinear[b])
		}
	default:
		for i := 0; i+1 < len(payload); i += 2 {
			dst = append(dst, int16(binary.BigEndian.Uint16(payload[i:])))
		}
	}
	return dst
}

// EncodeSlinLE appends samples as little-endian 16-bit PCM (the byte order
// of WAV files and of Asterisk's .sln/.sln16 files on x86).
func EncodeSlinLE(dst []byte, samples []int16) []byte {
	for _, s := range samples {
		dst = binary.LittleEndian.AppendUint16(dst, uint16(s))
	}
	return dst
}

// DecodeSlinLE appends little-endian 16-bit PCM samples to dst.
func DecodeSlinLE(dst []int16, b []byte) []int16 {
	for i := 0; i+1 < len(b); i += 2 {
		dst = append(dst, int16(binary.LittleEndian.Uint16(b[i:])))
	}
	return dst
}

// EncodeSlinBE appends samples as big-endian 16-bit PCM (network byte order,
// as Asterisk sends slin and slin16 over RTP).
func EncodeSlinBE(dst []byte, samples []int16) []byte { return Slin.Encode(dst, samples) }

// DecodeSlinBE appends big-endian 16-bit PCM samples to dst.
func DecodeSlinBE(dst []int16, b []byte) []int16 { return Slin.Decode(dst, b) }

// FormatRate is the sample rate of an Asterisk format name that a leg can
// carry (8 or 16 kHz: ulaw, alaw, gsm, slin, g722, slin16...), 0 otherwise.
func FormatRate(name string) int {
	switch name {
	case "ulaw", "alaw", "gsm", "slin", "g726", "g729", "ilbc", "adpcm", "lpc10", "testlaw", "g723":
		return Rate8k
	case "slin16", "g722", "speex16", "siren7":
		return Rate16k
	}
	return 0
}
