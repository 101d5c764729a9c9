package media

// G.722 (ITU-T G.722, 64 kbit/s mode): 16 kHz audio split by a 24-tap QMF
// into two 8 kHz sub-bands, the lower coded by 6-bit ADPCM and the higher by
// 2-bit ADPCM, one byte per pair of input samples: (high << 6) | low. This is
// the raw bitstream Asterisk's format_g722 reads and writes (.g722 files), so
// 20 ms (320 samples) is 160 bytes. The arithmetic is the Recommendation's
// fixed-point one (16-bit saturating, predictor coefficients in Q14), so the
// encoder and any conforming decoder track the same predictor state.

// G722FrameBytes is the size of 20 ms of G.722 (320 samples at 16 kHz).
const G722FrameBytes = 160

// qmfTaps are the even taps h(0), h(2), ... h(22) of the QMF; the odd taps
// are the same in reverse order (the filter is symmetric). They sum to 4096
// per branch.
var qmfTaps = [12]int32{3, -11, 12, 32, -210, 951, 3876, -805, 362, -156, 53, -11}

func qmfOdd(i int) int32 { return qmfTaps[11-i] }

// Lower sub-band: 6-bit quantiser decision levels (relative to the scale
// factor, Q12), the codes for negative and positive differences by interval,
// the 4-bit inverse quantiser used for prediction, the 6-bit one used for
// output, and the log scale factor adaptation.
var (
	g722Q6 = [31]int32{0, 35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650,
		714, 786, 858, 940, 1023, 1121, 1219, 1339, 1458, 1612, 1765, 1980, 2195, 2557, 2919, 0}
	g722ILN = [31]uint8{0, 63, 62, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17,
		16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4}
	g722ILP = [31]uint8{0, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45,
		44, 43, 42, 41, 40, 39, 38, 37, 36, 35, 34, 33, 32}
	g722QM4 = [16]int32{0, -20456, -12896, -8968, -6288, -4240, -2584, -1200,
		20456, 12896, 8968, 6288, 4240, 2584, 1200, 0}
	g722QM6 = [64]int32{-136, -136, -136, -136, -24808, -21904, -19008, -16704, -14984, -13512,
		-12280, -11192, -10232, -9360, -8576, -7856, -7192, -6576, -6000, -5456, -4944, -4464,
		-4008, -3576, -3168, -2776, -2400, -2032, -1688, -1360, -1040, -728, 24808, 21904, 19008,
		16704, 14984, 13512, 12280, 11192, 10232, 9360, 8576, 7856, 7192, 6576, 6000, 5456, 4944,
		4464, 4008, 3576, 3168, 2776, 2400, 2032, 1688, 1360, 1040, 728, 432, 136, -432, -136}
	g722RL42 = [16]int{0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0}
	g722WL   = [8]int32{-60, -30, 58, 172, 334, 538, 1198, 3042}
)

// Higher sub-band: 2-bit codes, inverse quantiser and log scale adaptation.
var (
	g722IHN = [3]uint8{0, 1, 0}
	g722IHP = [3]uint8{0, 3, 2}
	g722QM2 = [4]int32{-7408, -1616, 7408, 1616}
	g722RH2 = [4]int{2, 1, 2, 1}
	g722WH  = [3]int32{0, -214, 798}
)

// g722ILB is the inverse log table of the scale factor (2^(i/32) in Q11).
var g722ILB = [32]int32{2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543,
	2599, 2656, 2714, 2774, 2834, 2896, 2960, 3025, 3091, 3158, 3228, 3298, 3371, 3444, 3520,
	3597, 3676, 3756, 3838, 3922, 4008}

func clamp16(v int32) int32 {
	if v > 32767 {
		return 32767
	}
	if v < -32768 {
		return -32768
	}
	return v
}

// sign16 is 0 for v >= 0 and -1 for v < 0 (the sign bit of a 16-bit value).
func sign16(v int32) int32 { return v >> 15 }

// g722Band is one sub-band's ADPCM predictor and scale factor.
type g722Band struct {
	s, sp, sz int32    // signal estimate, its pole and zero parts
	r         [3]int32 // reconstructed signal, now and the two before
	a         [3]int32 // pole coefficients a1, a2 (Q14; index 0 unused)
	b         [7]int32 // zero coefficients b1..b6 (Q14)
	d         [7]int32 // quantised differences, now and six before
	p         [3]int32 // partially reconstructed signal, now and two before
	nb, det   int32    // log scale factor and scale factor
}

// adapt updates the predictor with the quantised difference dq (the
// Recommendation's block 4: RECONS, PARREC, UPPOL2, UPPOL1, UPZERO, DELAYA,
// FILTEP, FILTEZ, PREDIC).
func (bd *g722Band) adapt(dq int32) {
	bd.d[0] = dq
	bd.r[0] = clamp16(bd.s + dq)
	bd.p[0] = clamp16(bd.sz + dq)

	s0, s1, s2 := sign16(bd.p[0]), sign16(bd.p[1]), sign16(bd.p[2])
	// Second pole: a2 leaks by 2^-7 and moves by 2^-7 with the signs of p,
	// against f(a1) = 4*a1 (saturated at 2).
	f := clamp16(bd.a[1] * 4)
	if s0 == s1 {
		f = -f
	}
	f = min(f, 32767)
	a2 := f >> 7
	if s0 == s2 {
		a2 += 128
	} else {
		a2 -= 128
	}
	a2 += (bd.a[2] * 32512) >> 15
	a2 = max(min(a2, 12288), -12288)

	// First pole: leaks by 2^-8, moves by 3*2^-8, bounded by 1 - 2^-4 - |a2|.
	a1 := int32(-192)
	if s0 == s1 {
		a1 = 192
	}
	a1 = clamp16(a1 + (bd.a[1]*32640)>>15)
	lim := clamp16(15360 - a2)
	a1 = max(min(a1, lim), -lim)

	// Zeros: each leaks by 2^-8 and moves by 2^-7 with the signs of dq.
	var step int32
	if dq != 0 {
		step = 128
	}
	sd := sign16(dq)
	var nb [7]int32
	for i := 1; i < 7; i++ {
		g := -step
		if sign16(bd.d[i]) == sd {
			g = step
		}
		nb[i] = clamp16(g + (bd.b[i]*32640)>>15)
	}

	for i := 6; i > 0; i-- {
		bd.d[i] = bd.d[i-1]
		bd.b[i] = nb[i]
	}
	bd.r[2], bd.r[1] = bd.r[1], bd.r[0]
	bd.p[2], bd.p[1] = bd.p[1], bd.p[0]
	bd.a[1], bd.a[2] = a1, a2

	p1 := (bd.a[1] * clamp16(bd.r[1]+bd.r[1])) >> 15
	p2 := (bd.a[2] * clamp16(bd.r[2]+bd.r[2])) >> 15
	bd.sp = clamp16(p1 + p2)
	var z int32
	for i := 6; i > 0; i-- {
		z += (bd.b[i] * clamp16(bd.d[i]+bd.d[i])) >> 15
	}
	bd.sz = clamp16(z)
	bd.s = clamp16(bd.sp + bd.sz)
}

// scale recomputes the scale factor from the log scale factor nb; shift is
// 8 for the lower band and 10 for the higher.
func (bd *g722Band) scale(shift int32) {
	i := (bd.nb >> 6) & 31
	e := shift - (bd.nb >> 11)
	var v int32
	if e < 0 {
		v = g722ILB[i] << -e
	} else {
		v = g722ILB[i] >> e
	}
	bd.det = v << 2
}

// lowLog adapts the lower band's scale factor after code (6 bits).
func (bd *g722Band) lowLog(code uint8) {
	nb := (bd.nb*127)>>7 + g722WL[g722RL42[code>>2]]
	bd.nb = max(min(nb, 18432), 0)
	bd.scale(8)
}

// highLog adapts the higher band's scale factor after code (2 bits).
func (bd *g722Band) highLog(code uint8) {
	nb := (bd.nb*127)>>7 + g722WH[g722RH2[code]]
	bd.nb = max(min(nb, 22528), 0)
	bd.scale(10)
}

func newG722Bands() (lo, hi g722Band) {
	lo.det, hi.det = 32, 8
	return lo, hi
}

// G722Encoder encodes 16 kHz 16-bit audio as G.722 at 64 kbit/s. The zero
// value is not ready: use NewG722Encoder. Not safe for concurrent use.
type G722Encoder struct {
	x      [24]int32 // QMF input history, newest last
	lo, hi g722Band
	odd    bool  // one sample is waiting for its pair
	held   int16 // that sample
}

// NewG722Encoder returns an encoder in the Recommendation's reset state.
func NewG722Encoder() *G722Encoder {
	e := &G722Encoder{}
	e.lo, e.hi = newG722Bands()
	return e
}

// Encode appends the G.722 bytes of pcm (16 kHz) to dst: one byte per two
// samples. An odd trailing sample is kept for the next call (Flush pads it).
func (e *G722Encoder) Encode(dst []byte, pcm []int16) []byte {
	for _, v := range pcm {
		if !e.odd {
			e.held, e.odd = v, true
			continue
		}
		e.odd = false
		dst = append(dst, e.pair(int32(e.held), int32(v)))
	}
	return dst
}

// Flush appends the byte of a sample left waiting (paired with silence).
func (e *G722Encoder) Flush(dst []byte) []byte {
	if e.odd {
		e.odd = false
		dst = append(dst, e.pair(int32(e.held), 0))
	}
	return dst
}

// pair codes two consecutive input samples.
func (e *G722Encoder) pair(x0, x1 int32) byte {
	copy(e.x[:], e.x[2:])
	e.x[22], e.x[23] = x0, x1
	// Transmit QMF: even taps on the newer phase, odd taps on the older.
	var sa, sb int32
	for i := range 12 {
		sa += qmfTaps[i] * e.x[23-2*i]
		sb += qmfOdd(i) * e.x[22-2*i]
	}
	xl := (sa + sb) >> 14
	xh := (sa - sb) >> 14

	// Lower band: 6-bit quantisation of the prediction error.
	el := clamp16(xl - e.lo.s)
	mag := el
	if el < 0 {
		mag = -(el + 1)
	}
	m := 1
	for ; m < 30; m++ {
		if mag < (g722Q6[m]*e.lo.det)>>12 {
			break
		}
	}
	var il uint8
	if el < 0 {
		il = g722ILN[m]
	} else {
		il = g722ILP[m]
	}
	dl := (e.lo.det * g722QM4[il>>2]) >> 15
	e.lo.lowLog(il)
	e.lo.adapt(dl)

	// Higher band: 2-bit quantisation.
	eh := clamp16(xh - e.hi.s)
	mag = eh
	if eh < 0 {
		mag = -(eh + 1)
	}
	mh := 1
	if mag >= (564*e.hi.det)>>12 {
		mh = 2
	}
	var ih uint8
	if eh < 0 {
		ih = g722IHN[mh]
	} else {
		ih = g722IHP[mh]
	}
	dh := (e.hi.det * g722QM2[ih]) >> 15
	e.hi.highLog(ih)
	e.hi.adapt(dh)
	return ih<<6 | il
}

// G722Decoder decodes G.722 at 64 kbit/s to 16 kHz 16-bit audio. Use
// NewG722Decoder. Not safe for concurrent use.
type G722Decoder struct {
	xd, xs [12]int32 // receive QMF histories of rl-rh and rl+rh, newest first
	lo, hi g722Band
}

// NewG722Decoder returns a decoder in the reset state.
func NewG722Decoder() *G722Decoder {
	d := &G722Decoder{}
	d.lo, d.hi = newG722Bands()
	return d
}

// Decode appends the samples of data (two per byte) to dst. Every byte is a
// valid code: it never fails.
func (d *G722Decoder) Decode(dst []int16, data []byte) []int16 {
	for _, c := range data {
		il, ih := c&0x3f, c>>6

		// Lower band: the 6-bit code for the output, its 4 leading bits
		// for the predictor (as the encoder).
		rl := clamp16(d.lo.s + (d.lo.det*g722QM6[il])>>15)
		rl = max(min(rl, 16383), -16384)
		dl := (d.lo.det * g722QM4[il>>2]) >> 15
		d.lo.lowLog(il)
		d.lo.adapt(dl)

		dh := (d.hi.det * g722QM2[ih]) >> 15
		rh := clamp16(d.hi.s + dh)
		rh = max(min(rh, 16383), -16384)
		d.hi.highLog(ih)
		d.hi.adapt(dh)

		// Receive QMF.
		copy(d.xd[1:], d.xd[:11])
		copy(d.xs[1:], d.xs[:11])
		d.xd[0], d.xs[0] = rl-rh, rl+rh
		var o0, o1 int32
		for i := range 12 {
			o0 += qmfTaps[i] * d.xd[i]
			o1 += qmfOdd(i) * d.xs[i]
		}
		dst = append(dst, int16(clamp16(o0>>11)), int16(clamp16(o1>>11)))
	}
	return dst
}

// EncodeG722 codes 16 kHz audio from a fresh encoder (an odd sample count is
// padded with one silent sample).
func EncodeG722(pcm []int16) []byte {
	e := NewG722Encoder()
	return e.Flush(e.Encode(make([]byte, 0, (len(pcm)+1)/2), pcm))
}

// DecodeG722 decodes a G.722 stream from a fresh decoder to 16 kHz audio.
func DecodeG722(data []byte) []int16 {
	return NewG722Decoder().Decode(make([]int16, 0, 2*len(data)), data)
}
