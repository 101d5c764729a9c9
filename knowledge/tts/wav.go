package tts

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"time"
)

// Format describes a PCM wav.
type Format struct {
	Rate     int // samples per second
	Channels int
	Bits     int // bits per sample
	// DataBytes is the length of the audio data.
	DataBytes int64
}

// Telephone reports whether f is what Asterisk plays as .wav without
// transcoding: 8 kHz, mono, 16-bit.
func (f Format) Telephone() bool { return f.Rate == 8000 && f.Channels == 1 && f.Bits == 16 }

// Duration is the length of the audio.
func (f Format) Duration() time.Duration {
	bps := int64(f.Rate) * int64(f.Channels) * int64(f.Bits/8)
	if bps <= 0 {
		return 0
	}
	return time.Duration(f.DataBytes * int64(time.Second) / bps)
}

// ParseWAV reads the RIFF/WAVE header of b: PCM only. A data chunk whose
// declared size runs past the end (a streamed header) counts what is there.
func ParseWAV(b []byte) (Format, error) {
	f, _, err := parseWAV(b)
	return f, err
}

// parseWAV also returns where the audio data starts.
func parseWAV(b []byte) (Format, int, error) {
	bad := func(format string, a ...any) (Format, int, error) {
		return Format{}, 0, fmt.Errorf("parse wav: %s: %w", fmt.Sprintf(format, a...), ErrBadAudio)
	}
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return bad("no RIFF/WAVE header")
	}
	var f Format
	var haveFmt bool
	for off := 12; off+8 <= len(b); {
		id := string(b[off : off+4])
		size := int64(binary.LittleEndian.Uint32(b[off+4:]))
		body := off + 8
		switch id {
		case "fmt ":
			if size < 16 || int64(body)+16 > int64(len(b)) {
				return bad("short fmt chunk")
			}
			if tag := binary.LittleEndian.Uint16(b[body:]); tag != 1 && tag != 0xFFFE {
				return bad("format tag %d is not PCM", tag)
			}
			f.Channels = int(binary.LittleEndian.Uint16(b[body+2:]))
			f.Rate = int(binary.LittleEndian.Uint32(b[body+4:]))
			f.Bits = int(binary.LittleEndian.Uint16(b[body+14:]))
			if f.Channels < 1 || f.Rate < 1 || f.Bits%8 != 0 || f.Bits == 0 {
				return bad("%d channels, %d Hz, %d bits", f.Channels, f.Rate, f.Bits)
			}
			haveFmt = true
		case "data":
			if !haveFmt {
				return bad("data before fmt")
			}
			f.DataBytes = min(size, int64(len(b)-body))
			return f, body, nil
		}
		next := int64(body) + size + size&1
		if next > int64(len(b)) {
			break
		}
		off = int(next)
	}
	return bad("no data chunk")
}

// statWAV reads the header of a wav file (not the audio) and its size.
func statWAV(path string) (Format, int64, error) {
	fh, err := os.Open(path)
	if err != nil {
		return Format{}, 0, err
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return Format{}, 0, err
	}
	head := make([]byte, min(st.Size(), 4096))
	if _, err := io.ReadFull(fh, head); err != nil {
		return Format{}, 0, err
	}
	f, off, err := parseWAV(head)
	if err != nil {
		return Format{}, 0, err
	}
	// The header declares the data length; the file may hold less.
	declared := int64(binary.LittleEndian.Uint32(head[off-4:]))
	f.DataBytes = min(declared, st.Size()-int64(off))
	return f, st.Size(), nil
}
