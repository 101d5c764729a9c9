// Package logging builds the one structured logger (log/slog) the binary
// passes down, and masks caller numbers, which are personal data, wherever
// they reach a log.
package logging

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// New returns a logger writing text or JSON at the given level. As a safety
// net, attributes whose key names a phone number (see PhoneKeys) are masked
// even when a caller forgot to wrap the value in Phone.
func New(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("new logger: level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv, ReplaceAttr: maskAttr}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	default:
		return nil, fmt.Errorf("new logger: format %q: want text or json", format)
	}
}

// Discard is a logger that drops everything, for tests and benchmarks.
func Discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// PhoneKeys are attribute keys whose values are always masked.
var PhoneKeys = map[string]bool{
	"caller": true, "caller_number": true, "callee": true, "number": true,
	"phone": true, "callerid": true, "caller_id": true, "contact": true, "ani": true,
}

func maskAttr(_ []string, a slog.Attr) slog.Attr {
	if PhoneKeys[strings.ToLower(a.Key)] && a.Value.Kind() == slog.KindString {
		return slog.String(a.Key, MaskPhone(a.Value.String()))
	}
	return a
}

// Phone is a caller number that logs masked: slog.Any("from", Phone(n)).
type Phone string

// LogValue masks the number.
func (p Phone) LogValue() slog.Value { return slog.StringValue(MaskPhone(string(p))) }

// String masks the number too, so fmt cannot leak it.
func (p Phone) String() string { return MaskPhone(string(p)) }

// MaskPhone hides the middle digits of a phone number: a mobile number keeps
// its first 3 and last 4 digits (138****5678). Numbers of 5 digits or fewer
// are service codes (110, 12345), not personal data, and stay as they are.
// Characters other than digits (+, -, spaces) keep their places.
func MaskPhone(s string) string {
	// A '*' counts as a digit already hidden, so masking twice changes
	// nothing.
	isDigit := func(c byte) bool { return c >= '0' && c <= '9' || c == '*' }
	n := 0
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			n++
		}
	}
	var head, tail int
	switch {
	case n <= 5:
		return s
	case n <= 7:
		head, tail = 2, 2
	default:
		head, tail = 3, 4
	}
	b := []byte(s)
	d := 0
	for i := range b {
		if !isDigit(b[i]) {
			continue
		}
		if d >= head && d < n-tail {
			b[i] = '*'
		}
		d++
	}
	return string(b)
}
