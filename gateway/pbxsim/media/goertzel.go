package media

import "math"

// Goertzel returns the power of freq in samples (rate Hz), normalised so that
// a full-scale sine at freq over the whole block gives about 1.0 and silence 0.
func Goertzel(samples []int16, rate int, freq float64) float64 {
	if len(samples) == 0 || rate <= 0 {
		return 0
	}
	w := 2 * math.Pi * freq / float64(rate)
	coeff := 2 * math.Cos(w)
	var s1, s2 float64
	for _, x := range samples {
		s0 := float64(x)/32768 + coeff*s1 - s2
		s2, s1 = s1, s0
	}
	p := s1*s1 + s2*s2 - coeff*s1*s2
	n := float64(len(samples))
	return p * 4 / (n * n)
}

// Energy returns the mean power of samples, normalised like Goertzel (a
// full-scale sine gives 0.5).
func Energy(samples []int16) float64 {
	if len(samples) == 0 {
		return 0
	}
	var e float64
	for _, x := range samples {
		v := float64(x) / 32768
		e += v * v
	}
	return e / float64(len(samples))
}

// DominantFrequency scans lo..hi Hz in step Hz with Goertzel and returns the
// strongest frequency and its share of the block's energy (0..1; near 1 for
// a pure tone). For tests: "what tone did the caller hear".
func DominantFrequency(samples []int16, rate int, lo, hi, step float64) (freq, purity float64) {
	var best float64
	for f := lo; f <= hi; f += step {
		if p := Goertzel(samples, rate, f); p > best {
			best, freq = p, f
		}
	}
	if e := Energy(samples); e > 0 {
		purity = best / (2 * e)
	}
	return freq, purity
}
