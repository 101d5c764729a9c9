package pbxsim

import (
	"os"
	"time"
)

// rawFormats are Asterisk's headerless sound and recording files by
// extension, with their bytes per second of audio (gsm: 33-byte frames of
// 20 ms; g722: 64 kbit/s).
var rawFormats = []struct {
	ext         string
	bytesPerSec int64
}{
	{".sln16", 32000}, {".g722", 8000}, {".sln", 16000}, {".ulaw", 8000}, {".alaw", 8000}, {".gsm", 1650},
}

// rawFileDuration is the playing time of base with the first raw extension
// that exists (whole gsm frames only).
func rawFileDuration(base string) (time.Duration, bool) {
	for _, f := range rawFormats {
		st, err := os.Stat(base + f.ext)
		if err != nil || !st.Mode().IsRegular() {
			continue
		}
		n := st.Size()
		if f.ext == ".gsm" {
			n -= n % 33
		}
		return time.Duration(n * int64(time.Second) / f.bytesPerSec), true
	}
	return 0, false
}
