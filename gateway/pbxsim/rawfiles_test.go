package pbxsim

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestFileMediaRawDurations(t *testing.T) {
	dir := t.TempDir()
	files := map[string]int{"a.gsm": 33*50 + 7, "b.g722": 4000, "c.sln16": 16000, "d.ulaw": 800}
	for name, size := range files {
		if err := os.WriteFile(filepath.Join(dir, name), make([]byte, size), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	m := &FileMedia{Dir: dir}
	tests := []struct {
		uri  string
		want time.Duration
		ok   bool
	}{
		{"recording:a", time.Second, true}, // whole frames only
		{"sound:b", 500 * time.Millisecond, true},
		{"sound:c", 500 * time.Millisecond, true},
		{"recording:d", 100 * time.Millisecond, true},
		{"sound:e", 0, false},
	}
	for _, tc := range tests {
		d, err := m.Duration(tc.uri, "en")
		if (err == nil) != tc.ok || d != tc.want {
			t.Errorf("%s: %v %v, want %v ok=%v", tc.uri, d, err, tc.want, tc.ok)
		}
	}
}
