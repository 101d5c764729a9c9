package media

// G.711 companding (ITU-T G.711), done with lookup tables built once at
// start-up: decoding is one load, encoding is one load from a 64 KiB table,
// which keeps per-frame cost flat.

var (
	ulawToLinear [256]int16
	alawToLinear [256]int16
	linearToUlaw [65536]uint8
	linearToAlaw [65536]uint8
)

func init() {
	for i := range 256 {
		ulawToLinear[i] = ulawDecode(uint8(i))
		alawToLinear[i] = alawDecode(uint8(i))
	}
	for i := range 65536 {
		// As Asterisk's tables (main/ulaw.c, main/alaw.c) are built: one
		// entry per 4 (µ-law) or 8 (A-law) linear values, holding the code
		// of the last value of the group. Only negative µ-law samples are
		// affected: a magnitude is rounded like -(s|3).
		linearToUlaw[i] = ulawEncode(int16(uint16(i) | 3))
		linearToAlaw[i] = alawEncode(int16(uint16(i) | 7))
	}
}

const (
	ulawBias = 0x84 // 132: makes the segment boundaries powers of two
	ulawClip = 32635
)

// ulawEncode is the reference µ-law encoder (14-bit magnitude plus bias,
// segment = position of the highest set bit, bits inverted on the wire).
func ulawEncode(s int16) uint8 {
	v := int32(s)
	var sign uint8
	if v < 0 {
		sign = 0x80
		v = -v
	}
	if v > ulawClip {
		v = ulawClip
	}
	v += ulawBias
	exp := uint8(7)
	for mask := int32(0x4000); v&mask == 0 && exp > 0; mask >>= 1 {
		exp--
	}
	mant := uint8(v>>(exp+3)) & 0x0F
	return ^(sign | exp<<4 | mant)
}

func ulawDecode(u uint8) int16 {
	u = ^u
	exp := (u >> 4) & 0x07
	mant := int32(u & 0x0F)
	v := ((mant << 3) + ulawBias) << exp
	v -= ulawBias
	if u&0x80 != 0 {
		return int16(-v)
	}
	return int16(v)
}

// alawEncode is the reference A-law encoder on the 13-bit magnitude; even
// bits are inverted on the wire (xor 0x55), the sign bit is 1 for positive.
func alawEncode(s int16) uint8 {
	v := int32(s) >> 3
	mask := uint8(0xD5)
	if v < 0 {
		mask = 0x55
		v = -v - 1
	}
	seg := uint8(0)
	for limit := int32(0x1F); v > limit; limit = limit<<1 | 1 {
		seg++
		if seg == 8 {
			return 0x7F ^ mask
		}
	}
	a := seg << 4
	if seg < 2 {
		a |= uint8(v>>1) & 0x0F
	} else {
		a |= uint8(v>>seg) & 0x0F
	}
	return a ^ mask
}

func alawDecode(a uint8) int16 {
	a ^= 0x55
	t := int32(a&0x0F) << 4
	seg := (a & 0x70) >> 4
	switch seg {
	case 0:
		t += 8
	case 1:
		t += 0x108
	default:
		t += 0x108
		t <<= seg - 1
	}
	if a&0x80 != 0 {
		return int16(t)
	}
	return int16(-t)
}

// UlawDecode returns the linear sample of one µ-law byte.
func UlawDecode(u uint8) int16 { return ulawToLinear[u] }

// UlawEncode returns the µ-law byte of one linear sample.
func UlawEncode(s int16) uint8 { return linearToUlaw[uint16(s)] }

// AlawDecode returns the linear sample of one A-law byte.
func AlawDecode(a uint8) int16 { return alawToLinear[a] }

// AlawEncode returns the A-law byte of one linear sample.
func AlawEncode(s int16) uint8 { return linearToAlaw[uint16(s)] }
