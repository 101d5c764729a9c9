package media

import (
	"fmt"
	"strings"
	"time"
)

var (
	dtmfRows = [4]float64{697, 770, 852, 941}
	dtmfCols = [4]float64{1209, 1336, 1477, 1633}
	dtmfKeys = [4][4]byte{
		{'1', '2', '3', 'A'},
		{'4', '5', '6', 'B'},
		{'7', '8', '9', 'C'},
		{'*', '0', '#', 'D'},
	}
)

// DTMFFrequencies returns the row and column frequencies of a key
// (0-9, *, #, A-D); ok is false for anything else.
func DTMFFrequencies(key byte) (row, col float64, ok bool) {
	if key >= 'a' && key <= 'd' {
		key -= 'a' - 'A'
	}
	for r := range 4 {
		for c := range 4 {
			if dtmfKeys[r][c] == key {
				return dtmfRows[r], dtmfCols[c], true
			}
		}
	}
	return 0, 0, false
}

// DTMFAmplitude is the peak amplitude of each of the two frequencies.
const DTMFAmplitude = 6000

// DTMF returns a finite Source of keys: each key sounds for on, followed by
// off of silence. An invalid key is an error naming it.
func DTMF(keys string, on, off time.Duration, rate int) (Source, error) {
	var b strings.Builder
	for i := 0; i < len(keys); i++ {
		row, col, ok := DTMFFrequencies(keys[i])
		if !ok {
			return nil, fmt.Errorf("dtmf %q: key %q is not 0-9, *, #, A-D: %w", keys, keys[i], ErrBadTone)
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "!%g+%g/%d,!0/%d", row, col, on.Milliseconds(), off.Milliseconds())
	}
	if b.Len() == 0 {
		return NewPCM(nil, rate), nil
	}
	return NewTone(b.String(), rate)
}

// DTMFDetector finds DTMF keys in a stream of audio, in blocks of 20 ms
// frames: a key is reported once, when its tone has been seen in two
// consecutive frames, and again only after a frame without it. It checks
// the row and column energies against each other (twist) and against the
// rest of the signal, so speech and single tones do not trigger it.
type DTMFDetector struct {
	rate    int
	last    byte // key seen in the previous frame, 0 = none
	count   int  // consecutive frames of last
	emitted bool
}

// NewDTMFDetector returns a detector for audio at rate.
func NewDTMFDetector(rate int) *DTMFDetector { return &DTMFDetector{rate: rate} }

// Detect consumes one frame and returns the key that completed in it, or 0.
func (d *DTMFDetector) Detect(frame []int16) byte {
	k := classifyDTMF(frame, d.rate)
	if k == 0 || k != d.last {
		d.last, d.count, d.emitted = k, 0, false
		if k == 0 {
			return 0
		}
	}
	d.count++
	if d.count >= 2 && !d.emitted {
		d.emitted = true
		return k
	}
	return 0
}

// classifyDTMF returns the key whose two tones dominate frame, or 0.
func classifyDTMF(frame []int16, rate int) byte {
	e := Energy(frame)
	if e < 1e-5 { // about -50 dBFS: silence
		return 0
	}
	var rp, cp [4]float64
	ri, ci := 0, 0
	for i := range 4 {
		rp[i] = Goertzel(frame, rate, dtmfRows[i])
		cp[i] = Goertzel(frame, rate, dtmfCols[i])
		if rp[i] > rp[ri] {
			ri = i
		}
		if cp[i] > cp[ci] {
			ci = i
		}
	}
	r, c := rp[ri], cp[ci]
	// Twist: neither tone more than 8 dB weaker than the other.
	if r < c/6.3 || c < r/6.3 {
		return 0
	}
	// Each winner clearly above the other candidates of its group.
	for i := range 4 {
		if i != ri && rp[i]*6 > r {
			return 0
		}
		if i != ci && cp[i]*6 > c {
			return 0
		}
	}
	// The pair carries most of the energy (a sine of power p has mean
	// energy p/2).
	if (r+c)/2 < 0.6*e {
		return 0
	}
	return dtmfKeys[ri][ci]
}

// DetectDTMF returns the keys found in audio (rate Hz), in order.
func DetectDTMF(samples []int16, rate int) string {
	d := NewDTMFDetector(rate)
	n := FrameSamples(rate)
	var out []byte
	for i := 0; i+n <= len(samples); i += n {
		if k := d.Detect(samples[i : i+n]); k != 0 {
			out = append(out, k)
		}
	}
	return string(out)
}
