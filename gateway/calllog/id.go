package calllog

import (
	crand "crypto/rand"
	"encoding/binary"
)

// crockford is the base32 alphabet of ULIDs: sortable as ASCII, no I L O U.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// idGen makes ULIDs: 48 bits of Unix milliseconds then 80 bits that are
// random at the start of each millisecond and incremented within it, so ids
// from one generator are strictly increasing. Not safe for concurrent use:
// the Log calls it under its lock.
type idGen struct {
	lastMS int64
	hi     uint16 // top 16 of the 80 entropy bits
	lo     uint64 // low 64
}

func (g *idGen) next(ms int64) string {
	if ms > g.lastMS {
		var b [10]byte
		_, _ = crand.Read(b[:])                        // never fails on supported platforms
		g.hi = binary.BigEndian.Uint16(b[:2]) & 0x7fff // headroom for increments
		g.lo = binary.BigEndian.Uint64(b[2:])
		g.lastMS = ms
	} else {
		// Same (or a stepped-back) millisecond: keep the last time and count
		// up, so order never goes backwards.
		g.lo++
		if g.lo == 0 {
			g.hi++
		}
	}
	return encodeULID(uint64(g.lastMS), g.hi, g.lo)
}

func encodeULID(ms uint64, hi uint16, lo uint64) string {
	var out [26]byte
	// 128 bits = 48 time + 16 hi + 64 lo, written as 26 base32 digits (130
	// bits; the top 2 are zero).
	// Time: 48 bits -> 10 digits (50 bits).
	for i := 9; i >= 0; i-- {
		out[i] = crockford[ms&31]
		ms >>= 5
	}
	// Entropy: 80 bits -> 16 digits.
	for i := 25; i >= 10; i-- {
		out[i] = crockford[lo&31]
		lo = lo>>5 | uint64(hi&31)<<59
		hi >>= 5
	}
	return string(out[:])
}
