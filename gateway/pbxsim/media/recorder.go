package media

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// Sink receives audio one 20 ms frame at a time; the frame's length gives
// its rate (160 samples: 8 kHz, 320: 16 kHz). Called on the pacer goroutine:
// it must not block, and must not keep frame after returning.
type Sink interface {
	WriteFrame(frame []int16) error
}

// Recorder is a Sink that keeps what it is given, for tests ("what did the
// caller hear") and for recordings. It holds at most its limit and drops
// the rest (Dropped counts it). Safe for concurrent use.
type Recorder struct {
	mu      sync.Mutex
	rate    int
	max     int
	samples []int16
	dropped int
	silent  int // trailing frames below SilenceThreshold
	silRuns int // frames of the silent runs that ended before
	up      upsampler
	down    downsampler
	conv    [MaxFrameSamples]int16
}

var _ Sink = (*Recorder)(nil)

// NewRecorder returns a Recorder storing audio at rate, up to limit (0 means
// 10 minutes). Storage for the first minute is allocated up front so that
// recording does not allocate per frame.
func NewRecorder(rate int, limit time.Duration) *Recorder {
	if limit <= 0 {
		limit = 10 * time.Minute
	}
	max := durToSamples(limit, rate)
	return &Recorder{rate: rate, max: max, samples: make([]int16, 0, min(max, rate*60))}
}

// WriteFrame implements Sink, converting 8 <-> 16 kHz to the recorder's rate.
func (r *Recorder) WriteFrame(frame []int16) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := FrameSamples(r.rate)
	in := frame
	if len(frame) != n {
		convertFrame(r.conv[:n], frame, &r.up, &r.down)
		in = r.conv[:n]
	}
	var sum int
	for _, v := range in {
		if v < 0 {
			sum -= int(v)
		} else {
			sum += int(v)
		}
	}
	if sum < SilenceThreshold*len(in) {
		r.silent++
	} else {
		r.silRuns += r.silent
		r.silent = 0
	}
	room := r.max - len(r.samples)
	if room < len(in) {
		r.dropped += len(in) - max(room, 0)
		in = in[:max(room, 0)]
	}
	r.samples = append(r.samples, in...)
	return nil
}

// SilenceThreshold is the mean absolute amplitude under which a frame counts
// as silence (Asterisk's default silencethreshold of 256).
const SilenceThreshold = 256

// TrailingSilence is how long the audio has been silent up to now (for
// ARI's maxSilenceSeconds).
func (r *Recorder) TrailingSilence() time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return time.Duration(r.silent) * FrameDuration
}

// Silence is how much of the audio was silent in all (every silent run, the
// current one included) and in the current, trailing run: what Asterisk's
// recorder subtracts for talking_duration and trims.
func (r *Recorder) Silence() (total, trailing time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return time.Duration(r.silRuns+r.silent) * FrameDuration, time.Duration(r.silent) * FrameDuration
}

// TrimTrailingSilence drops the trailing silence but keep of it, as Asterisk
// rewinds a recording that silence ended (it keeps 200 ms).
func (r *Recorder) TrimTrailingSilence(keep time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	drop := durToSamples(time.Duration(r.silent)*FrameDuration-keep, r.rate)
	if drop > 0 && drop <= len(r.samples) {
		r.samples = r.samples[:len(r.samples)-drop]
	}
}

// Rate is the recorder's sample rate.
func (r *Recorder) Rate() int { return r.rate }

// Samples returns a copy of what was recorded.
func (r *Recorder) Samples() []int16 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int16(nil), r.samples...)
}

// Audio returns a copy of what was recorded, with its rate.
func (r *Recorder) Audio() Audio { return Audio{Samples: r.Samples(), Rate: r.rate} }

// Duration is the length recorded so far.
func (r *Recorder) Duration() time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return samplesToDur(len(r.samples), r.rate)
}

// Dropped is the number of samples not kept because the limit was reached.
func (r *Recorder) Dropped() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.dropped
}

// Reset forgets what was recorded.
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.samples = r.samples[:0]
	r.dropped = 0
}

// WriteWAV writes what was recorded as a 16-bit PCM WAV file.
func (r *Recorder) WriteWAV(w io.Writer) error { return WriteWAV(w, r.Samples(), r.rate) }

// EncodeRecording returns audio in one of Asterisk's recording formats and
// the file extension it uses: "wav" (16-bit PCM at 8 kHz), "wav16" (at
// 16 kHz), "sln"/"sln16" (raw little-endian PCM; "raw" is sln), "ulaw" (also
// "pcm", "ul", "mu", "ulw"), "alaw" (also "al", "alw"), "g722" (the raw
// 64 kbit/s bitstream of 16 kHz audio) and "gsm" (33-byte GSM 06.10 frames,
// the last padded with silence). Audio is resampled as the format needs.
// Another name wraps ErrUnknownFormat.
func EncodeRecording(format string, a Audio) (data []byte, ext string, err error) {
	at := func(rate int) []int16 {
		if a.Rate == rate {
			return a.Samples
		}
		return Resample(a.Samples, a.Rate, rate)
	}
	switch format {
	case "wav":
		return EncodeWAV(at(Rate8k), Rate8k), ".wav", nil
	case "wav16":
		return EncodeWAV(at(Rate16k), Rate16k), ".wav16", nil
	case "sln", "raw":
		return EncodeSlinLE(nil, at(Rate8k)), "." + format, nil
	case "sln16":
		return EncodeSlinLE(nil, at(Rate16k)), ".sln16", nil
	case "ulaw", "pcm", "ul", "mu", "ulw":
		return Ulaw.Encode(nil, at(Rate8k)), "." + format, nil
	case "alaw", "al", "alw":
		return Alaw.Encode(nil, at(Rate8k)), "." + format, nil
	case "g722":
		return EncodeG722(at(Rate16k)), ".g722", nil
	case "gsm":
		return EncodeGSM(at(Rate8k)), ".gsm", nil
	}
	return nil, "", fmt.Errorf("encode recording as %q: %w", format, ErrUnknownFormat)
}

// DecodeRecording reads a recording file in one of EncodeRecording's formats
// back to audio at its own rate. Malformed data wraps ErrBadWAV or
// ErrBadGSM; another format ErrUnknownFormat.
func DecodeRecording(format string, data []byte) (Audio, error) {
	switch format {
	case "wav", "wav16":
		a, err := ParseWAV(data)
		if err != nil {
			return Audio{}, fmt.Errorf("decode recording %s: %w", format, err)
		}
		return a, nil
	case "sln", "raw":
		return Audio{Samples: DecodeSlinLE(nil, data), Rate: Rate8k}, nil
	case "sln16":
		return Audio{Samples: DecodeSlinLE(nil, data), Rate: Rate16k}, nil
	case "ulaw", "pcm", "ul", "mu", "ulw":
		return Audio{Samples: Ulaw.Decode(nil, data), Rate: Rate8k}, nil
	case "alaw", "al", "alw":
		return Audio{Samples: Alaw.Decode(nil, data), Rate: Rate8k}, nil
	case "g722":
		return Audio{Samples: DecodeG722(data), Rate: Rate16k}, nil
	case "gsm":
		pcm, err := DecodeGSM(data)
		if err != nil {
			return Audio{}, fmt.Errorf("decode recording gsm: %w", err)
		}
		return Audio{Samples: pcm, Rate: Rate8k}, nil
	}
	return Audio{}, fmt.Errorf("decode recording %q: %w", format, ErrUnknownFormat)
}

// ThroughCodec is a as it sounds once stored in format and read back: the
// lossy codecs (g722, gsm, ulaw, alaw) change it, PCM formats only resample.
// An unknown format returns a unchanged.
func ThroughCodec(format string, a Audio) Audio {
	data, _, err := EncodeRecording(format, a)
	if err != nil {
		return a
	}
	out, err := DecodeRecording(format, data)
	if err != nil {
		return a
	}
	return out
}
