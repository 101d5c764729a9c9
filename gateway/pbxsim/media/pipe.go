package media

import (
	"io"
	"sync"
	"time"
)

// Pipe carries audio from a Sink to a Source: a leg's tap in, another leg's
// input out. It is what an ARI snoop channel needs (spy "in" or "out" of a
// channel, heard by the snoop channel) and what a test kit uses to feed a
// stream. It buffers up to eight frames, dropping the oldest beyond that,
// and gives silence when empty. Safe for concurrent use.
type Pipe struct {
	mu    sync.Mutex
	rate  int
	n     int
	buf   [8 * MaxFrameSamples]int16
	head  int
	level int
	up    upsampler
	down  downsampler
	conv  [MaxFrameSamples]int16
}

var (
	_ Sink   = (*Pipe)(nil)
	_ Source = (*Pipe)(nil)
)

// NewPipe returns a pipe delivering frames at rate.
func NewPipe(rate int) *Pipe { return &Pipe{rate: rate, n: FrameSamples(rate)} }

// WriteFrame implements Sink.
func (p *Pipe) WriteFrame(frame []int16) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(frame) != p.n {
		convertFrame(p.conv[:p.n], frame, &p.up, &p.down)
		frame = p.conv[:p.n]
	}
	capacity := len(p.buf) / MaxFrameSamples * p.n
	if p.level+len(frame) > capacity {
		drop := p.level + len(frame) - capacity
		p.head = (p.head + drop) % capacity
		p.level -= drop
	}
	tail := (p.head + p.level) % capacity
	for i, v := range frame {
		p.buf[(tail+i)%capacity] = v
	}
	p.level += len(frame)
	return nil
}

// Rate implements Source.
func (p *Pipe) Rate() int { return p.rate }

// Duration implements Source: a pipe is endless.
func (p *Pipe) Duration() (time.Duration, bool) { return 0, false }

// ReadFrame implements Source.
func (p *Pipe) ReadFrame(dst []int16) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	capacity := len(p.buf) / MaxFrameSamples * p.n
	k := min(len(dst), p.level)
	for i := range k {
		dst[i] = p.buf[(p.head+i)%capacity]
	}
	clear(dst[k:])
	p.head = (p.head + k) % capacity
	p.level -= k
	return nil
}

// MixSources returns a Source of the saturated sum of srcs (converted to the
// first one's rate), e.g. a snoop's "both" from its "in" and "out" pipes. It
// ends when every source has ended.
func MixSources(srcs ...Source) Source {
	if len(srcs) == 0 {
		return NewPCM(nil, Rate8k)
	}
	rate := srcs[0].Rate()
	m := &mixed{rate: rate, ended: make([]bool, len(srcs))}
	for _, s := range srcs {
		m.srcs = append(m.srcs, ConvertRate(s, rate))
	}
	return m
}

type mixed struct {
	srcs  []Source
	ended []bool
	rate  int
	tmp   [MaxFrameSamples]int16
	acc   [MaxFrameSamples]int32
}

func (m *mixed) Rate() int { return m.rate }

func (m *mixed) Duration() (time.Duration, bool) {
	var longest time.Duration
	for _, s := range m.srcs {
		d, ok := s.Duration()
		if !ok {
			return 0, false
		}
		longest = max(longest, d)
	}
	return longest, true
}

func (m *mixed) ReadFrame(dst []int16) error {
	acc := m.acc[:len(dst)]
	clear(acc)
	live := false
	for i, s := range m.srcs {
		if m.ended[i] {
			continue
		}
		tmp := m.tmp[:len(dst)]
		if err := s.ReadFrame(tmp); err != nil {
			if err != io.EOF {
				return err
			}
			m.ended[i] = true
			continue
		}
		live = true
		for k, v := range tmp {
			acc[k] += int32(v)
		}
	}
	if !live {
		return io.EOF
	}
	for k, v := range acc {
		dst[k] = sat32(v)
	}
	return nil
}
