package media

import (
	"fmt"
	"math"
	"time"
)

// FreqDetector finds a single-frequency tone that lasts a minimum duration,
// the way Asterisk's DSP does in frequency mode (dsp.c ast_tone_detect_init /
// tone_detect, behind TONE_DETECT and WaitForTone):
//
//   - audio is cut in blocks of about 20 ms holding a whole number of periods
//     of the frequency (at least five);
//   - a block is a hit when the Goertzel energy at the frequency is at least
//     db decibels above the rest of the block's energy (and not near silence);
//   - a run of hits starts counting at its second hit; one missed block inside
//     the run is forgiven, two end it;
//   - the tone is reported once, when the run reaches the blocks that fill
//     90% of the duration, less one block (the first and last are partial).
//
// A tone that stays on is reported once; it must stop (two missed blocks)
// before it can be reported again. Not safe for concurrent use.
type FreqDetector struct {
	freq      int
	block     int     // samples per block
	required  int     // hits required
	threshold float64 // tone energy / total energy of a hit
	coeff     float64 // Goertzel 2cos(w)
	s1, s2    float64
	energy    float64
	pending   int
	hitCount  int
	lastHit   bool
}

// freqMinEnergy is dsp.c's TONE_THRESHOLD: a block's tone energy (Goertzel
// power times two, in 16-bit sample units squared) must reach it, so that
// near-silence is never a hit.
const freqMinEnergy = 7.8e7

// NewFreqDetector returns a detector of freq Hz (1..rate/2) lasting at least
// dur (> 0), db decibels (>= 1) above the rest of the signal, in audio at
// rate Hz. Asterisk's defaults are 500 ms and 16 dB.
func NewFreqDetector(freq, rate int, dur time.Duration, db int) (*FreqDetector, error) {
	switch {
	case rate <= 0:
		return nil, fmt.Errorf("new tone detector: sample rate %d: %w", rate, ErrBadTone)
	case freq <= 0 || 2*freq > rate:
		return nil, fmt.Errorf("new tone detector: frequency %d Hz is not within 1..%d: %w", freq, rate/2, ErrBadTone)
	case dur <= 0:
		return nil, fmt.Errorf("new tone detector: duration %v is not positive: %w", dur, ErrBadTone)
	case db < 1:
		return nil, fmt.Errorf("new tone detector: threshold %d dB is below 1: %w", db, ErrBadTone)
	}
	samples := int(dur.Milliseconds()) * rate / 1000
	samples = samples * 9 / 10 // 10% deviation of the duration allowed
	block := 20 * rate / 1000
	periods := max(block*freq/rate, 5)
	block = periods * rate / freq
	x := math.Pow(10, float64(db)/10)
	d := &FreqDetector{
		freq:      freq,
		block:     block,
		required:  (samples - (block - 1)) / block,
		threshold: x / (x + 1),
		coeff:     2 * math.Cos(2*math.Pi*float64(freq)/float64(rate)),
		pending:   block,
	}
	return d, nil
}

// BlockSize is the number of samples analysed together.
func (d *FreqDetector) BlockSize() int { return d.block }

// HitsRequired is how many counted blocks make a detection. It is zero for
// durations under about 45 ms: then, as in Asterisk, every block outside a
// run of hits counts as a detection (its documentation warns against
// durations under 50 ms).
func (d *FreqDetector) HitsRequired() int { return d.required }

// Detect consumes samples (any length; blocks carry over between calls) and
// returns how many detections completed in them.
func (d *FreqDetector) Detect(samples []int16) int {
	n := 0
	for _, v := range samples {
		x := float64(v)
		d.energy += x * x
		s0 := x + d.coeff*d.s1 - d.s2
		d.s2, d.s1 = d.s1, s0
		if d.pending--; d.pending > 0 {
			continue
		}
		if d.endBlock() {
			n++
		}
	}
	return n
}

// endBlock judges the block just completed and resets for the next one.
func (d *FreqDetector) endBlock() bool {
	tone := 2 * (d.s1*d.s1 + d.s2*d.s2 - d.coeff*d.s1*d.s2)
	total := d.energy * float64(d.block)
	hit := tone >= freqMinEnergy && tone > total*d.threshold
	if d.hitCount > 0 {
		d.hitCount++
	}
	if hit == d.lastHit {
		if !hit {
			d.hitCount = 0 // two misses in a row: the tone ended
		} else if d.hitCount == 0 {
			d.hitCount = 1
		}
	}
	detected := d.hitCount == d.required
	d.lastHit = hit
	d.s1, d.s2, d.energy, d.pending = 0, 0, 0, d.block
	return detected
}
