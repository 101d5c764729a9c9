package media

import "math"

// Resample converts in (mono, inRate) to outRate with a windowed-sinc
// low-pass interpolator (Blackman window, cut-off at 0.45 of the lower rate),
// for whole files at load time. The kernel is tabulated at 1/256 of an input
// sample and interpolated, so no trigonometry runs per sample. Equal rates
// return a copy.
func Resample(in []int16, inRate, outRate int) []int16 {
	if inRate <= 0 || outRate <= 0 || len(in) == 0 {
		return nil
	}
	if inRate == outRate {
		return append([]int16(nil), in...)
	}
	const res = 256
	scale := math.Min(1, float64(outRate)/float64(inRate)) // kernel stretch when decimating
	fc := 0.45 * scale                                     // cut-off, cycles per input sample
	half := int(math.Ceil(16 / scale))                     // kernel half-width in input samples
	table := make([]float64, half*res+2)
	for i := range table {
		x := float64(i) / res
		table[i] = 2 * fc * sinc(2*fc*x) * blackman(x/float64(half))
	}
	kernel := func(x float64) float64 {
		ax := math.Abs(x) * res
		i := int(ax)
		if i+1 >= len(table) {
			return 0
		}
		return table[i] + (ax-float64(i))*(table[i+1]-table[i])
	}
	nOut := int(int64(len(in)) * int64(outRate) / int64(inRate))
	out := make([]int16, nOut)
	for n := range out {
		// position in input samples, computed exactly to avoid drift
		num := int64(n) * int64(inRate)
		c := int(num / int64(outRate))
		t := float64(c) + float64(num%int64(outRate))/float64(outRate)
		var acc, wsum float64
		for k := max(c-half+1, 0); k <= min(c+half, len(in)-1); k++ {
			h := kernel(t - float64(k))
			acc += h * float64(in[k])
			wsum += h
		}
		// Normalising by the kernel's sum keeps DC gain exactly 1, also at the edges.
		if wsum != 0 {
			acc /= wsum
		}
		out[n] = sat16(int64(math.Round(acc)))
	}
	return out
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

// blackman is the Blackman window over x in [-1, 1].
func blackman(x float64) float64 {
	if x <= -1 || x >= 1 {
		return 0
	}
	return 0.42 + 0.5*math.Cos(math.Pi*x) + 0.08*math.Cos(2*math.Pi*x)
}

func sat16(v int64) int16 {
	if v > math.MaxInt16 {
		return math.MaxInt16
	}
	if v < math.MinInt16 {
		return math.MinInt16
	}
	return int16(v)
}

// Streaming 2:1 converters between 8 and 16 kHz for live frames. They keep a
// short history so frame boundaries are seamless, and never allocate.

const halfTaps = 8 // taps on each side of the half-band kernel

// hbOdd[k] is the half-band kernel at offsets ±(k+0.5) input samples.
var hbOdd [halfTaps]int32

const hbShift = 15

func init() {
	var sum float64
	var c [halfTaps]float64
	for k := range halfTaps {
		x := float64(k) + 0.5
		c[k] = sinc(x) * blackman(x/float64(halfTaps+1))
		sum += 2 * c[k]
	}
	for k := range halfTaps {
		hbOdd[k] = int32(math.Round(c[k] / sum * (1 << hbShift)))
	}
}

// upsampler doubles the rate: even outputs are the input (delayed by
// halfTaps-1 samples), odd outputs are interpolated half-way.
type upsampler struct {
	hist [2 * halfTaps]int16 // last 2*halfTaps input samples, oldest first
}

// process writes 2*len(in) samples to out.
func (u *upsampler) process(out, in []int16) {
	h := &u.hist
	for i, x := range in {
		copy(h[:], h[1:])
		h[2*halfTaps-1] = x
		// centre between h[halfTaps-1] and h[halfTaps]
		var acc int32
		for k := range halfTaps {
			acc += hbOdd[k] * (int32(h[halfTaps-1-k]) + int32(h[halfTaps+k]))
		}
		out[2*i] = h[halfTaps-1]
		out[2*i+1] = sat32(acc >> hbShift)
	}
}

// downsampler halves the rate: a half-band low-pass (centre tap 1/2, odd
// taps from hbOdd halved) evaluated at every second input sample.
type downsampler struct {
	hist [4 * halfTaps]int16 // oldest first
}

// process writes len(in)/2 samples to out; len(in) must be even.
func (d *downsampler) process(out, in []int16) {
	h := &d.hist
	const n = 4 * halfTaps
	const mid = 2*halfTaps - 1
	for i := 0; i+1 < len(in); i += 2 {
		copy(h[:], h[2:])
		h[n-2], h[n-1] = in[i], in[i+1]
		acc := int32(h[mid]) << (hbShift - 1) // centre tap 0.5
		for k := range halfTaps {
			// odd offsets ±(2k+1) in input samples
			acc += (hbOdd[k] >> 1) * (int32(h[mid-2*k-1]) + int32(h[mid+2*k+1]))
		}
		out[i/2] = sat32(acc >> hbShift)
	}
}

func sat32(v int32) int16 {
	if v > math.MaxInt16 {
		return math.MaxInt16
	}
	if v < math.MinInt16 {
		return math.MinInt16
	}
	return int16(v)
}
