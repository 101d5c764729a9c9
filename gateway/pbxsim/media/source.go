package media

import (
	"io"
	"time"
)

// Source produces audio, one 20 ms frame at a time, at a fixed rate.
type Source interface {
	// Rate is the sample rate of the frames (8000 or 16000).
	Rate() int
	// ReadFrame fills dst (FrameSamples(Rate()) samples) with the next frame.
	// The last frame is padded with silence; after it, ReadFrame returns
	// io.EOF and leaves dst untouched. It must not block nor allocate.
	ReadFrame(dst []int16) error
	// Duration is the total length and true when the source is finite
	// (a file, a digit string), or 0 and false when it is endless (tones
	// without end, live audio).
	Duration() (time.Duration, bool)
}

// Seeker is a Source that can move its read position (for ARI's playback
// controls restart, forward and reverse).
type Seeker interface {
	// Seek moves to pos from the start, clamped to [0, Duration].
	Seek(pos time.Duration)
	// Position is the time read so far.
	Position() time.Duration
}

// PCM is a finite Source over samples in memory. Many PCM sources may share
// one read-only sample slice (the sound cache does so).
type PCM struct {
	samples []int16
	rate    int
	pos     int
}

var (
	_ Source = (*PCM)(nil)
	_ Seeker = (*PCM)(nil)
)

// NewPCM returns a Source reading samples at rate (8000 or 16000; use
// Resample first for other rates). samples is not copied and must not change.
func NewPCM(samples []int16, rate int) *PCM { return &PCM{samples: samples, rate: rate} }

// Rate implements Source.
func (p *PCM) Rate() int { return p.rate }

// ReadFrame implements Source.
func (p *PCM) ReadFrame(dst []int16) error {
	if p.pos >= len(p.samples) {
		return io.EOF
	}
	n := copy(dst, p.samples[p.pos:])
	clear(dst[n:])
	p.pos += len(dst)
	return nil
}

// Duration implements Source.
func (p *PCM) Duration() (time.Duration, bool) { return samplesToDur(len(p.samples), p.rate), true }

// Seek implements Seeker.
func (p *PCM) Seek(pos time.Duration) { p.pos = clampPos(durToSamples(pos, p.rate), len(p.samples)) }

// Position implements Seeker.
func (p *PCM) Position() time.Duration { return samplesToDur(min(p.pos, len(p.samples)), p.rate) }

// Samples returns the underlying samples (read-only).
func (p *PCM) Samples() []int16 { return p.samples }

func samplesToDur(n, rate int) time.Duration {
	if rate <= 0 {
		return 0
	}
	return time.Duration(int64(n) * int64(time.Second) / int64(rate))
}

func durToSamples(d time.Duration, rate int) int {
	return int(int64(d) * int64(rate) / int64(time.Second))
}

func clampPos(p, n int) int {
	if p < 0 {
		return 0
	}
	if p > n {
		return n
	}
	return p
}

// Silence is an endless Source of silence.
type Silence struct{ SampleRate int }

var _ Source = Silence{}

// Rate implements Source.
func (s Silence) Rate() int { return s.SampleRate }

// ReadFrame implements Source.
func (s Silence) ReadFrame(dst []int16) error { clear(dst); return nil }

// Duration implements Source.
func (s Silence) Duration() (time.Duration, bool) { return 0, false }

// Limit returns a Source that ends src after d (rounded up to whole frames).
func Limit(src Source, d time.Duration) Source {
	frames := int((d + FrameDuration - 1) / FrameDuration)
	return &limited{src: src, left: frames, total: frames}
}

type limited struct {
	src         Source
	left, total int
}

func (l *limited) Rate() int { return l.src.Rate() }

func (l *limited) ReadFrame(dst []int16) error {
	if l.left <= 0 {
		return io.EOF
	}
	if err := l.src.ReadFrame(dst); err != nil {
		return err
	}
	l.left--
	return nil
}

func (l *limited) Duration() (time.Duration, bool) {
	d := time.Duration(l.total) * FrameDuration
	if sd, ok := l.src.Duration(); ok && sd < d {
		return sd, true
	}
	return d, true
}

// Concat plays sources one after the other (all at the first one's rate;
// others are converted). It is finite when all parts are.
func Concat(parts ...Source) Source {
	if len(parts) == 0 {
		return NewPCM(nil, Rate8k)
	}
	rate := parts[0].Rate()
	c := &concat{rate: rate}
	for _, p := range parts {
		c.parts = append(c.parts, ConvertRate(p, rate))
	}
	return c
}

type concat struct {
	parts []Source
	rate  int
	i     int
}

func (c *concat) Rate() int { return c.rate }

func (c *concat) ReadFrame(dst []int16) error {
	for c.i < len(c.parts) {
		if err := c.parts[c.i].ReadFrame(dst); err == nil {
			return nil
		} else if err != io.EOF {
			return err
		}
		c.i++
	}
	return io.EOF
}

func (c *concat) Duration() (time.Duration, bool) {
	var total time.Duration
	for _, p := range c.parts {
		d, ok := p.Duration()
		if !ok {
			return 0, false
		}
		// each part ends on a frame boundary
		total += (d + FrameDuration - 1) / FrameDuration * FrameDuration
	}
	return total, true
}

// ConvertRate returns src delivering frames at rate (8000 <-> 16000) through
// the streaming half-band converters; src itself when the rates match.
func ConvertRate(src Source, rate int) Source {
	if src.Rate() == rate {
		return src
	}
	return &rateConv{src: src, rate: rate}
}

type rateConv struct {
	src  Source
	rate int
	buf  [MaxFrameSamples]int16
	up   upsampler
	down downsampler
}

func (r *rateConv) Rate() int { return r.rate }

func (r *rateConv) ReadFrame(dst []int16) error {
	in := r.buf[:FrameSamples(r.src.Rate())]
	if err := r.src.ReadFrame(in); err != nil {
		return err
	}
	convertFrame(dst, in, &r.up, &r.down)
	return nil
}

// convertFrame converts one frame between 8 and 16 kHz by the lengths of dst
// and src; equal lengths copy.
func convertFrame(dst, src []int16, up *upsampler, down *downsampler) {
	switch {
	case len(dst) == len(src):
		copy(dst, src)
	case len(dst) == 2*len(src):
		up.process(dst, src)
	case 2*len(dst) == len(src):
		down.process(dst, src)
	default:
		clear(dst)
	}
}

func (r *rateConv) Duration() (time.Duration, bool) { return r.src.Duration() }

// Seek forwards to the source when it can seek.
func (r *rateConv) Seek(pos time.Duration) {
	if s, ok := r.src.(Seeker); ok {
		s.Seek(pos)
	}
}

// Position forwards to the source when it can seek.
func (r *rateConv) Position() time.Duration {
	if s, ok := r.src.(Seeker); ok {
		return s.Position()
	}
	return 0
}
