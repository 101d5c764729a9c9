package media

import (
	"math"
	"testing"
)

// The G.722 QMF pair alone (no ADPCM) reconstructs its input 22 samples
// later, near perfectly: the analysis and synthesis filters match.
func TestG722QMFReconstruction(t *testing.T) {
	pcm := make([]int16, 3200)
	for i := range pcm {
		ti := float64(i) / 16000
		pcm[i] = int16(8000*math.Sin(2*math.Pi*440*ti) + 3000*math.Sin(2*math.Pi*5200*ti))
	}
	var x [24]int32
	var xd, xs [12]int32
	out := make([]int16, 0, len(pcm))
	for n := 0; n+1 < len(pcm); n += 2 {
		copy(x[:], x[2:])
		x[22], x[23] = int32(pcm[n]), int32(pcm[n+1])
		var sa, sb int32
		for i := range 12 {
			sa += qmfTaps[i] * x[23-2*i]
			sb += qmfOdd(i) * x[22-2*i]
		}
		xl, xh := (sa+sb)>>14, (sa-sb)>>14
		copy(xd[1:], xd[:11])
		copy(xs[1:], xs[:11])
		xd[0], xs[0] = xl-xh, xl+xh
		var o0, o1 int32
		for i := range 12 {
			o0 += qmfTaps[i] * xd[i]
			o1 += qmfOdd(i) * xs[i]
		}
		out = append(out, int16(clamp16(o0>>11)), int16(clamp16(o1>>11)))
	}
	var sig, noise float64
	for i := 400; i+22 < len(out); i++ {
		e := float64(out[i+22]) - float64(pcm[i])
		sig += float64(pcm[i]) * float64(pcm[i])
		noise += e * e
	}
	if snr := 10 * math.Log10(sig/noise); snr < 55 {
		t.Errorf("QMF alone: SNR %.1f dB, want >= 55", snr)
	}
}
