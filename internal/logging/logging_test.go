package logging

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestMaskPhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"13812345678", "138****5678"},
		{"+8613812345678", "+861******5678"},
		{"0356-2023456", "035*-***3456"},
		{"2023456", "20***56"},
		{"12345", "12345"},
		{"110", "110"},
		{"", ""},
		{"anonymous", "anonymous"},
		{"138****5678", "138****5678"},
	}
	for _, tt := range tests {
		if got := MaskPhone(tt.in); got != tt.want {
			t.Errorf("MaskPhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestLoggerMasks(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		var buf bytes.Buffer
		log, err := New(&buf, "debug", format)
		if err != nil {
			t.Fatal(err)
		}
		log.Info("call started", "caller", "13812345678", slog.Any("from", Phone("13987654321")), "line", "12345")
		log.Info(fmt.Sprintf("formatted %v", Phone("13555550000")))
		out := buf.String()
		for _, leak := range []string{"13812345678", "13987654321", "13555550000"} {
			if strings.Contains(out, leak) {
				t.Errorf("%s log leaks %s:\n%s", format, leak, out)
			}
		}
		for _, want := range []string{"138****5678", "139****4321", "135****0000", "12345"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s log lacks %s:\n%s", format, want, out)
			}
		}
	}
}

func TestNewRejectsBadSettings(t *testing.T) {
	if _, err := New(&bytes.Buffer{}, "loud", "text"); err == nil || !strings.Contains(err.Error(), "loud") {
		t.Errorf("bad level: err = %v", err)
	}
	if _, err := New(&bytes.Buffer{}, "info", "xml"); err == nil || !strings.Contains(err.Error(), "xml") {
		t.Errorf("bad format: err = %v", err)
	}
}

func FuzzMaskPhone(f *testing.F) {
	f.Add("13812345678")
	f.Add("+86 138 1234 5678")
	f.Fuzz(func(t *testing.T, s string) {
		m := MaskPhone(s)
		if len(m) != len(s) {
			t.Fatalf("length changed: %q -> %q", s, m)
		}
		if again := MaskPhone(m); again != m {
			t.Fatalf("masking twice changed %q to %q", m, again)
		}
	})
}
