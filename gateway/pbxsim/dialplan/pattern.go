package dialplan

import "strings"

// IsPattern reports whether an extension name is a pattern ("_X." etc.).
func IsPattern(name string) bool { return strings.HasPrefix(name, "_") }

// MatchExten reports whether a dialed extension matches an extension name,
// as Asterisk's E_MATCH does: a plain name must be equal (ignoring '-'),
// a pattern ("_" prefix) is matched character by character with X (0-9),
// Z (1-9), N (2-9), [set] (ranges allowed), '.' (one or more of anything)
// and '!' (zero or more of anything); '-' outside a set is ignored on both
// sides.
func MatchExten(name, exten string) bool { return matchCore(name, exten) == fullMatch }

// CanMatchExten reports whether exten matches name now or could match it
// after more characters are dialed (Asterisk's E_CANMATCH), e.g. "123"
// for "12345" or for "_1XXXX".
func CanMatchExten(name, exten string) bool { return matchCore(name, exten) != noMatch }

const (
	noMatch   = iota
	fullMatch // matches as it is
	needsMore // a prefix of something that matches
)

// matchCore is _extension_match_core without the mode.
func matchCore(name, exten string) int {
	if !IsPattern(name) {
		n, d := stripDash(name), stripDash(exten)
		switch {
		case n == d:
			return fullMatch
		case strings.HasPrefix(n, d):
			return needsMore
		}
		return noMatch
	}
	p := name[1:]
	d := exten
	i, j := 0, 0
	for {
		for j < len(d) && d[j] == '-' {
			j++
		}
		for i < len(p) && p[i] == '-' {
			i++
		}
		if j >= len(d) || i >= len(p) {
			break
		}
		c := d[j]
		switch p[i] {
		case '[':
			end := strings.IndexByte(p[i+1:], ']')
			if end < 0 {
				return noMatch
			}
			set := p[i+1 : i+1+end]
			i += end + 2
			if set == "" {
				continue // empty sets are ignored, the data character stays
			}
			if !inSet(set, c) {
				return noMatch
			}
			j++
			continue
		case 'n', 'N':
			if c < '2' || c > '9' {
				return noMatch
			}
		case 'x', 'X':
			if c < '0' || c > '9' {
				return noMatch
			}
		case 'z', 'Z':
			if c < '1' || c > '9' {
				return noMatch
			}
		case '.', '!':
			return fullMatch
		default:
			if c != p[i] {
				return noMatch
			}
		}
		i++
		j++
	}
	if j < len(d) {
		return noMatch // data longer than the pattern
	}
	// Data ended: an exact match if the pattern ended too or what is left
	// is '!' (zero or more); anything else needs more characters.
	if i >= len(p) || p[i] == '!' {
		return fullMatch
	}
	return needsMore
}

func inSet(set string, c byte) bool {
	for k := 0; k < len(set); k++ {
		if k+2 < len(set) && set[k+1] == '-' {
			if c >= set[k] && c <= set[k+2] {
				return true
			}
			k += 2
			continue
		}
		if c == set[k] {
			return true
		}
	}
	return false
}

func stripDash(s string) string {
	if strings.IndexByte(s, '-') < 0 {
		return s
	}
	return strings.ReplaceAll(s, "-", "")
}

// CompareExten orders two extension names as Asterisk sorts a context
// (ext_cmp): plain names before patterns, plain names by byte value
// ignoring '-', patterns position by position with the more specific
// character class first. It returns -1, 0 or +1.
func CompareExten(a, b string) int {
	ap, bp := IsPattern(a), IsPattern(b)
	switch {
	case !ap && bp:
		return -1
	case ap && !bp:
		return 1
	case !ap && !bp:
		return sign(strings.Compare(stripDash(a), stripDash(b)))
	}
	l, r := a[1:], b[1:]
	for {
		var lbits, rbits [32]byte
		lw, ln := patternPos(l, &lbits)
		rw, rn := patternPos(r, &rbits)
		if lw != rw {
			return sign(lw - rw)
		}
		// Same score: the set with the lowest characters comes first.
		for k := range lbits {
			if lbits[k] != rbits[k] {
				if rbits[k] < lbits[k] {
					return -1
				}
				return 1
			}
		}
		if lw == posEnd {
			return 0
		}
		l, r = l[ln:], r[rn:]
	}
}

const (
	posDot   = 0x18000
	posBang  = 0x28000
	posEnd   = 0x30000
	posError = 0x40000
)

// patternPos scores the next pattern position (bits 0-7 lowest character,
// 8-15 set size, above: '.', '!', end, error) and returns how many bytes
// it consumed. Empty sets are skipped as Asterisk skips them.
func patternPos(p string, bits *[32]byte) (score, n int) {
	for {
		for n < len(p) && p[n] == '-' {
			n++
		}
		if n >= len(p) {
			return posEnd, n
		}
		c := p[n]
		n++
		switch c {
		case 'n', 'N':
			bits[6], bits[7] = 0x3f, 0xc0
			return 0x0800 | '2', n
		case 'x', 'X':
			bits[6], bits[7] = 0xff, 0xc0
			return 0x0A00 | '0', n
		case 'z', 'Z':
			bits[6], bits[7] = 0x7f, 0xc0
			return 0x0900 | '1', n
		case '.':
			return posDot, n
		case '!':
			return posBang, n
		case '[':
		default:
			bits[c/8] = 1 << (7 - c%8)
			return 0x0100 | int(c), n
		}
		end := strings.IndexByte(p[n:], ']')
		if end < 0 {
			return posError, len(p)
		}
		set := p[n : n+end]
		n += end + 1
		count, cmin := 0, 0xFF
		for k := 0; k < len(set); k++ {
			c1, c2 := set[k], set[k]
			if k+2 < len(set) && set[k+1] == '-' {
				c2 = set[k+2]
				k += 2
			}
			if int(c1) < cmin {
				cmin = int(c1)
			}
			for ch := int(c1); ch <= int(c2); ch++ {
				mask := byte(1 << (7 - ch%8))
				if bits[ch/8]&mask == 0 {
					bits[ch/8] |= mask
					count += 0x100
				}
			}
		}
		if count != 0 {
			return count | cmin, n
		}
	}
}

func sign(v int) int {
	switch {
	case v < 0:
		return -1
	case v > 0:
		return 1
	}
	return 0
}

// validatePattern checks what the matcher needs: every '[' closed.
func validatePattern(name string) string {
	if name == "_" {
		return "empty pattern '_'"
	}
	p := name[1:]
	for i := 0; i < len(p); i++ {
		if p[i] == '[' {
			end := strings.IndexByte(p[i+1:], ']')
			if end < 0 {
				return "pattern " + quote(name) + " has '[' without ']'"
			}
			i += end + 1
		}
	}
	return ""
}

func quote(s string) string { return "'" + s + "'" }
