package calllog

import (
	"slices"
	"strconv"
	"unicode/utf8"
)

// The writer encodes every payload; encoding/json's reflection was a
// quarter of its CPU, so payloads (flat string maps) and record items are
// encoded by hand. Output is the same JSON encoding/json would produce for
// these shapes, keys sorted, except that <, > and & are not escaped.

// appendJSONString appends s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigit(c>>4), hexDigit(c&0xf))
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigit(byte(r&0xf)))
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func hexDigit(c byte) byte { return "0123456789abcdef"[c&0xf] }

// payloadJSON encodes a flat payload with sorted keys.
func payloadJSON(p map[string]string) string {
	if len(p) == 0 {
		return "{}"
	}
	var kbuf [8]string
	keys := kbuf[:0]
	for k := range p {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b := make([]byte, 0, 64*len(keys))
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = appendJSONString(b, p[k])
	}
	return string(append(b, '}'))
}

// objJSON builds a small JSON object from alternating key, value pairs;
// values that are int64 are numbers, strings are strings, and empty
// strings are left out. Keys come out in the order given.
type kv struct {
	k     string
	s     string
	n     int64
	isNum bool
}

func objJSON(fields ...kv) string {
	b := make([]byte, 0, 128)
	b = append(b, '{')
	first := true
	for _, f := range fields {
		if !f.isNum && f.s == "" {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendJSONString(b, f.k)
		b = append(b, ':')
		if f.isNum {
			b = strconv.AppendInt(b, f.n, 10)
		} else {
			b = appendJSONString(b, f.s)
		}
	}
	return string(append(b, '}'))
}

func str(k, v string) kv       { return kv{k: k, s: v} }
func num(k string, v int64) kv { return kv{k: k, n: v, isNum: true} }
