package media

import (
	"fmt"
	"math"
)

// GSM 06.10 full-rate speech (RPE-LTP, 13 kbit/s): 160 samples of 8 kHz audio
// per 20 ms frame, packed into 33 bytes as Asterisk's format_gsm stores them
// (.gsm files): a 0xD signature nibble, then the 76 parameters most
// significant bit first — 8 log-area ratios (6,6,5,5,4,4,3,3 bits) and, for
// each of the four 5 ms sub-frames, the LTP lag (7), LTP gain (2), RPE grid
// (2), block maximum (6) and 13 pulses (3 each).
//
// The decoder is the Recommendation's fixed-point one. The encoder computes
// the LPC analysis and the LTP lag search in floating point (an encoder is
// free there), and everything the decoder depends on — parameter coding, the
// short-term analysis lattice, RPE quantisation and the reconstructed
// residual its long-term prediction runs on — in the same fixed point, so
// encoder and decoder stay in step.

// GSM frame sizes.
const (
	GSMFrameSamples = 160
	GSMFrameBytes   = 33
)

// gsmMagic is the signature nibble that starts every packed frame.
const gsmMagic = 0xD

// gsmFrame is the parameters of one frame.
type gsmFrame struct {
	larc  [8]int16 // log-area ratios, coded (offset to be non-negative)
	nc    [4]int16 // LTP lags 40..120
	bc    [4]int16 // LTP gains 0..3
	mc    [4]int16 // RPE grid positions 0..3
	xmaxc [4]int16 // block maxima 0..63
	xmc   [4][13]int16
}

var (
	gsmLARBits = [8]uint{6, 6, 5, 5, 4, 4, 3, 3}
	// Coding of the log-area ratios: LARc = A*LAR + B, within MIC..MAC.
	gsmA    = [8]int32{20480, 20480, 20480, 20480, 13964, 15360, 8534, 9036}
	gsmB    = [8]int32{0, 0, 2048, -2560, 94, -1792, -341, -1144}
	gsmMIC  = [8]int32{-32, -32, -16, -16, -8, -8, -4, -4}
	gsmMAC  = [8]int32{31, 31, 15, 15, 7, 7, 3, 3}
	gsmINVA = [8]int32{13107, 13107, 13107, 13107, 19223, 17476, 31454, 29708}
	// LTP gain decision levels and quantised gains (Q15).
	gsmDLB = [4]float64{0.2, 0.5, 0.8, 1}
	gsmQLB = [4]int32{3277, 11469, 21299, 32767}
	// RPE weighting filter (Q13).
	gsmH = [11]int32{-134, -374, 0, 2054, 5741, 8192, 5741, 2054, 0, -374, -134}
	// APCM: normalisation and inverse factors by mantissa.
	gsmNRFAC = [8]int32{29128, 26215, 23832, 21846, 20165, 18725, 17476, 16384}
	gsmFAC   = [8]int32{18431, 20479, 22527, 24575, 26623, 28671, 30719, 32767}
)

// 16-bit fixed-point helpers of the Recommendation.
func gAdd(a, b int32) int32 { return clamp16(a + b) }
func gSub(a, b int32) int32 { return clamp16(a - b) }
func gMult(a, b int32) int32 {
	if a == -32768 && b == -32768 {
		return 32767
	}
	return (a * b) >> 15
}
func gMultR(a, b int32) int32 {
	if a == -32768 && b == -32768 {
		return 32767
	}
	return (a*b + 16384) >> 15
}
func gAbs(a int32) int32 {
	if a < 0 {
		if a == -32768 {
			return 32767
		}
		return -a
	}
	return a
}

// gASR shifts right arithmetically (left for negative n), as the
// Recommendation's asr: large shifts give the sign.
func gASR(a int32, n int32) int32 {
	switch {
	case n >= 16:
		return a >> 15
	case n <= -16:
		return 0
	case n < 0:
		return clamp16(a << -n)
	}
	return a >> n
}

// larpp decodes coded log-area ratios (LARc, offset) to LARpp (Q15, halved).
func larpp(larc [8]int16) (out [8]int32) {
	for i := range 8 {
		t := (int32(larc[i]) + gsmMIC[i]) << 10
		t = gSub(t, gsmB[i]<<1)
		t = gMultR(gsmINVA[i], t)
		out[i] = gAdd(t, t)
	}
	return out
}

// reflection interpolates the LARs of the previous and current frame for
// samples [k0, k1) and turns them into reflection coefficients (Q15).
func reflection(prev, cur [8]int32, k0 int) (rp [8]int32) {
	for i := range 8 {
		var v int32
		switch k0 {
		case 0:
			v = gAdd(gAdd(prev[i]>>2, cur[i]>>2), prev[i]>>1)
		case 13:
			v = gAdd(prev[i]>>1, cur[i]>>1)
		case 27:
			v = gAdd(gAdd(prev[i]>>2, cur[i]>>2), cur[i]>>1)
		default:
			v = cur[i]
		}
		t := gAbs(v)
		switch {
		case t < 11059:
			t <<= 1
		case t < 20070:
			t += 11059
		default:
			t = gAdd(t>>2, 26112)
		}
		if v < 0 {
			t = -t
		}
		rp[i] = t
	}
	return rp
}

// gsmSegments are the interpolation segments of a frame.
var gsmSegments = [4][2]int{{0, 13}, {13, 27}, {27, 40}, {40, 160}}

// rpeDecode turns a sub-frame's block maximum and pulses into the 40-sample
// excitation (APCM inverse quantisation and grid positioning).
func rpeDecode(xmaxc, mc int16, xmc *[13]int16, erp *[40]int32) {
	exp, mant := xmaxcExpMant(int32(xmaxc))
	fac := gsmFAC[mant]
	sh := gSub(6, exp)
	var round int32 // 1 << (sh-1): half of the last step
	if sh > 0 {
		round = 1 << (sh - 1)
	}
	*erp = [40]int32{}
	for i := range 13 {
		t := (int32(xmc[i])<<1 - 7) << 12
		t = gMultR(fac, clamp16(t))
		t = gAdd(t, round)
		erp[int(mc)+3*i] = gASR(t, sh)
	}
}

// xmaxcExpMant splits a coded block maximum into exponent and mantissa.
func xmaxcExpMant(xmaxc int32) (exp, mant int32) {
	if xmaxc > 15 {
		exp = (xmaxc >> 3) - 1
	}
	mant = xmaxc - exp<<3
	if mant == 0 {
		return -4, 7
	}
	for mant <= 7 {
		mant = mant<<1 | 1
		exp--
	}
	return exp, mant - 8
}

// gsmLTPState is the reconstructed short-term residual history the long-term
// predictor reads (120 past samples), shared by encoder and decoder.
type gsmLTPState struct {
	dp  [120]int32
	nrp int32 // last valid lag (decoder)
}

// reconstruct adds the long-term prediction (lag nc, gain bc) to the
// excitation erp, giving the sub-frame's residual, and shifts it in.
func (l *gsmLTPState) reconstruct(nc, bc int32, erp *[40]int32, out *[40]int32) {
	if nc < 40 || nc > 120 {
		nc = l.nrp
	}
	l.nrp = nc
	b := gsmQLB[bc&3]
	for k := range 40 {
		var past int32
		if j := k - int(nc); j < 0 {
			past = l.dp[120+j]
		} else {
			past = out[j]
		}
		out[k] = gAdd(erp[k], gMultR(b, past))
	}
	copy(l.dp[:], l.dp[40:])
	copy(l.dp[80:], out[:])
}

// GSMDecoder decodes GSM 06.10 frames to 8 kHz audio. The zero value is
// ready. Not safe for concurrent use.
type GSMDecoder struct {
	ltp    gsmLTPState
	prevLA [8]int32
	v      [9]int32 // synthesis lattice state
	msr    int32    // de-emphasis state
}

// DecodeFrame appends the 160 samples of one 33-byte frame to dst. A frame
// of the wrong size or without the signature wraps ErrBadGSM.
func (d *GSMDecoder) DecodeFrame(dst []int16, frame []byte) ([]int16, error) {
	f, err := unpackGSM(frame)
	if err != nil {
		return dst, err
	}
	if d.ltp.nrp == 0 {
		d.ltp.nrp = 40
	}
	var wt [160]int32
	for j := range 4 {
		var erp, drp [40]int32
		rpeDecode(f.xmaxc[j], f.mc[j], &f.xmc[j], &erp)
		d.ltp.reconstruct(int32(f.nc[j]), int32(f.bc[j]), &erp, &drp)
		copy(wt[j*40:], drp[:])
	}
	cur := larpp(f.larc)
	for _, seg := range gsmSegments {
		rp := reflection(d.prevLA, cur, seg[0])
		for k := seg[0]; k < seg[1]; k++ {
			sri := wt[k]
			for i := 7; i >= 0; i-- {
				sri = gSub(sri, gMultR(rp[i], d.v[i]))
				d.v[i+1] = gAdd(d.v[i], gMultR(rp[i], sri))
			}
			d.v[0] = sri
			// De-emphasis, then back to 16 bits (13 significant).
			d.msr = gAdd(sri, gMultR(d.msr, 28180))
			dst = append(dst, int16(gAdd(d.msr, d.msr)&^7))
		}
	}
	d.prevLA = cur
	return dst, nil
}

// Decode appends the audio of whole frames in data; a trailing partial
// frame or a frame without the signature wraps ErrBadGSM.
func (d *GSMDecoder) Decode(dst []int16, data []byte) ([]int16, error) {
	for len(data) >= GSMFrameBytes {
		var err error
		if dst, err = d.DecodeFrame(dst, data[:GSMFrameBytes]); err != nil {
			return dst, err
		}
		data = data[GSMFrameBytes:]
	}
	if len(data) > 0 {
		return dst, fmt.Errorf("decode gsm: %d trailing bytes: %w", len(data), ErrBadGSM)
	}
	return dst, nil
}

// DecodeGSM decodes a GSM stream (whole 33-byte frames) from a fresh decoder.
func DecodeGSM(data []byte) ([]int16, error) {
	var d GSMDecoder
	return d.Decode(make([]int16, 0, len(data)/GSMFrameBytes*GSMFrameSamples), data)
}

// GSMEncoder encodes 8 kHz audio as GSM 06.10 frames. The zero value is
// ready. Not safe for concurrent use.
type GSMEncoder struct {
	z1     int32   // offset compensation: previous input
	z2     float64 // offset compensation: filter state
	mp     float64 // pre-emphasis: previous sample
	u      [8]int32
	ltp    gsmLTPState
	prevLA [8]int32
	buf    []int16 // samples waiting for a whole frame
}

// Encode appends the frames of pcm to dst; samples short of a whole frame
// wait for the next call (Flush pads them with silence).
func (e *GSMEncoder) Encode(dst []byte, pcm []int16) []byte {
	if len(e.buf) > 0 {
		n := min(GSMFrameSamples-len(e.buf), len(pcm))
		e.buf = append(e.buf, pcm[:n]...)
		pcm = pcm[n:]
		if len(e.buf) < GSMFrameSamples {
			return dst
		}
		dst = e.EncodeFrame(dst, e.buf)
		e.buf = e.buf[:0]
	}
	for len(pcm) >= GSMFrameSamples {
		dst = e.EncodeFrame(dst, pcm[:GSMFrameSamples])
		pcm = pcm[GSMFrameSamples:]
	}
	e.buf = append(e.buf, pcm...)
	return dst
}

// Flush appends a last frame for samples left waiting, padded with silence.
func (e *GSMEncoder) Flush(dst []byte) []byte {
	if len(e.buf) == 0 {
		return dst
	}
	frame := make([]int16, GSMFrameSamples)
	copy(frame, e.buf)
	e.buf = e.buf[:0]
	return e.EncodeFrame(dst, frame)
}

// EncodeGSM codes 8 kHz audio from a fresh encoder, the last frame padded.
func EncodeGSM(pcm []int16) []byte {
	var e GSMEncoder
	return e.Flush(e.Encode(make([]byte, 0, (len(pcm)+GSMFrameSamples-1)/GSMFrameSamples*GSMFrameBytes), pcm))
}

// EncodeFrame appends the 33 bytes of exactly 160 samples (fewer are padded
// with silence, more ignored).
func (e *GSMEncoder) EncodeFrame(dst []byte, pcm []int16) []byte {
	var f gsmFrame
	var so [160]int32
	var sof [160]float64
	for k := range 160 {
		var s int32
		if k < len(pcm) {
			s = int32(pcm[k])
		}
		s = (s >> 3) << 2 // 13 bits, as the Recommendation's input
		// Offset compensation (a DC notch), then pre-emphasis.
		s1 := float64(s - e.z1)
		e.z1 = s
		e.z2 = s1 + e.z2*32735/32768
		v := e.z2 - e.mp*28180/32768
		e.mp = e.z2
		sof[k] = v
		so[k] = clamp16(int32(math.Round(v)))
	}

	// LPC analysis: autocorrelation, Schur recursion, log-area ratios.
	r := schur(sof[:])
	for i := range 8 {
		lar := larOf(r[i])
		c := (gMult(gsmA[i], lar) + gsmB[i] + 256) >> 9
		c = max(min(c, gsmMAC[i]), gsmMIC[i])
		f.larc[i] = int16(c - gsmMIC[i])
	}
	cur := larpp(f.larc)

	// Short-term analysis filtering with the decoder's coefficients.
	var d [160]int32
	for _, seg := range gsmSegments {
		rp := reflection(e.prevLA, cur, seg[0])
		for k := seg[0]; k < seg[1]; k++ {
			di, sav := so[k], so[k]
			for i := range 8 {
				ui := e.u[i]
				e.u[i] = sav
				sav = gAdd(ui, gMultR(rp[i], di))
				di = gAdd(di, gMultR(rp[i], ui))
			}
			d[k] = di
		}
	}
	e.prevLA = cur

	for j := range 4 {
		seg := d[j*40 : j*40+40]
		nc, bc := e.ltpParams(seg)
		f.nc[j], f.bc[j] = int16(nc), int16(bc)
		// Long-term analysis filtering: the residual the RPE codes.
		b := gsmQLB[bc]
		var res [40]int32
		for k := range 40 {
			res[k] = gSub(seg[k], gMultR(b, e.ltp.dp[120+k-nc]))
		}
		mc, xmaxc, xmc := rpeEncode(&res)
		f.mc[j], f.xmaxc[j], f.xmc[j] = mc, xmaxc, xmc
		// The decoder's reconstruction, for the next sub-frames' prediction.
		var erp, drp [40]int32
		rpeDecode(xmaxc, mc, &xmc, &erp)
		e.ltp.reconstruct(int32(nc), int32(bc), &erp, &drp)
	}
	return packGSM(dst, &f)
}

// schur returns the first 8 reflection coefficients (Q15) of the frame's
// autocorrelation (Schur recursion; the sign convention of GSM 06.10, where
// a predictable signal gives negative r1... as the lattices above expect).
func schur(s []float64) (r [8]int32) {
	var acf [9]float64
	for k := range 9 {
		for i := k; i < len(s); i++ {
			acf[k] += s[i] * s[i-k]
		}
	}
	if acf[0] <= 0 {
		return r
	}
	var p, kk [9]float64
	for i := range 9 {
		p[i] = acf[i]
		kk[i] = acf[i]
	}
	for n := 1; n <= 8; n++ {
		if p[0] <= 0 || math.Abs(p[1]) >= p[0] {
			break
		}
		rn := -p[1] / p[0]
		r[n-1] = int32(math.Round(max(min(rn, 32767.0/32768), -1) * 32768))
		if r[n-1] > 32767 {
			r[n-1] = 32767
		}
		if n == 8 {
			break
		}
		p[0] += p[1] * rn
		for m := 1; m <= 8-n; m++ {
			p[m] = p[m+1] + rn*kk[m]
			kk[m] = kk[m] + rn*p[m+1]
		}
	}
	return r
}

// larOf transforms a reflection coefficient (Q15) to its log-area ratio
// (Q15, halved), piecewise linear as the Recommendation.
func larOf(r int32) int32 {
	t := gAbs(r)
	switch {
	case t < 22118:
		t >>= 1
	case t < 31130:
		t -= 11059
	default:
		t = (t - 26112) << 2
	}
	if r < 0 {
		return -t
	}
	return t
}

// ltpParams finds the lag (40..120) whose past residual best predicts seg,
// and codes the gain.
func (e *GSMEncoder) ltpParams(seg []int32) (nc, bc int) {
	best, bestR := 40, math.Inf(-1)
	for lag := 40; lag <= 120; lag++ {
		var rr float64
		for k := range 40 {
			rr += float64(seg[k]) * float64(e.ltp.dp[120+k-lag])
		}
		if rr > bestR {
			best, bestR = lag, rr
		}
	}
	var s float64
	for k := range 40 {
		v := float64(e.ltp.dp[120+k-best])
		s += v * v
	}
	if bestR <= 0 || s <= 0 {
		return best, 0
	}
	b := bestR / s
	for bc = 0; bc < 3; bc++ {
		if b <= gsmDLB[bc] {
			break
		}
	}
	return best, bc
}

// rpeEncode weights the 40-sample residual, picks the RPE grid with the most
// energy and quantises its 13 pulses (APCM).
func rpeEncode(e *[40]int32) (mc, xmaxc int16, xmc [13]int16) {
	var x [40]int32
	for k := range 40 {
		acc := int64(4096)
		for i := range 11 {
			if j := k + 5 - i; j >= 0 && j < 40 {
				acc += int64(e[j]) * int64(gsmH[i])
			}
		}
		x[k] = clamp16(int32(max(min(acc>>13, 32767), -32768)))
	}
	var bestE int64 = -1
	for m := range 4 {
		var en int64
		for i := range 13 {
			v := int64(x[m+3*i])
			en += v * v
		}
		if en > bestE {
			bestE, mc = en, int16(m)
		}
	}
	var xm [13]int32
	var xmax int32
	for i := range 13 {
		xm[i] = x[int(mc)+3*i]
		xmax = max(xmax, gAbs(xm[i]))
	}
	// Code the block maximum: 3-bit exponent, 3-bit mantissa.
	var exp int32
	t := xmax >> 9
	stop := false
	for range 6 {
		stop = stop || t <= 0
		t >>= 1
		if !stop {
			exp++
		}
	}
	xmaxc = int16(gAdd(xmax>>(exp+5), exp<<3))
	// Normalise and quantise the pulses to 3 bits.
	ex, mant := xmaxcExpMant(int32(xmaxc))
	sh := 6 - ex
	nr := gsmNRFAC[mant]
	for i := range 13 {
		v := gASR(xm[i], -sh)
		v = gMult(v, nr)
		xmc[i] = int16(max(min(v>>12+4, 7), 0))
	}
	return mc, xmaxc, xmc
}

// packGSM appends the 33-byte frame of f.
func packGSM(dst []byte, f *gsmFrame) []byte {
	var w bitWriter
	w.put(gsmMagic, 4)
	for i, n := range gsmLARBits {
		w.put(uint32(f.larc[i]), n)
	}
	for j := range 4 {
		w.put(uint32(f.nc[j]), 7)
		w.put(uint32(f.bc[j]), 2)
		w.put(uint32(f.mc[j]), 2)
		w.put(uint32(f.xmaxc[j]), 6)
		for i := range 13 {
			w.put(uint32(f.xmc[j][i]), 3)
		}
	}
	return append(dst, w.b[:]...)
}

// unpackGSM reads one 33-byte frame.
func unpackGSM(b []byte) (gsmFrame, error) {
	var f gsmFrame
	if len(b) != GSMFrameBytes {
		return f, fmt.Errorf("decode gsm: frame of %d bytes: %w", len(b), ErrBadGSM)
	}
	r := bitReader{b: b}
	if r.get(4) != gsmMagic {
		return f, fmt.Errorf("decode gsm: no 0xD signature: %w", ErrBadGSM)
	}
	for i, n := range gsmLARBits {
		f.larc[i] = int16(r.get(n))
	}
	for j := range 4 {
		f.nc[j] = int16(r.get(7))
		f.bc[j] = int16(r.get(2))
		f.mc[j] = int16(r.get(2))
		f.xmaxc[j] = int16(r.get(6))
		for i := range 13 {
			f.xmc[j][i] = int16(r.get(3))
		}
	}
	return f, nil
}

// bitWriter packs fields most significant bit first into one frame.
type bitWriter struct {
	b   [GSMFrameBytes]byte
	pos uint
}

func (w *bitWriter) put(v uint32, n uint) {
	for i := int(n) - 1; i >= 0; i-- {
		if v>>uint(i)&1 != 0 {
			w.b[w.pos>>3] |= 0x80 >> (w.pos & 7)
		}
		w.pos++
	}
}

type bitReader struct {
	b   []byte
	pos uint
}

func (r *bitReader) get(n uint) uint32 {
	var v uint32
	for range n {
		v = v<<1 | uint32(r.b[r.pos>>3]>>(7-r.pos&7)&1)
		r.pos++
	}
	return v
}
