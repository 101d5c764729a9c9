package pbxsim

import (
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Forever is the duration of media that plays until stopped (tones).
const Forever time.Duration = -1

// MediaSource tells how long a media URI plays. It is the seam where real media
// (decoding, pacing, RTP) plugs in; the server only needs durations to time playbacks.
type MediaSource interface {
	// Duration returns how long uri plays (Forever: until stopped). ErrMediaNotFound
	// makes the playback fail at once, ErrBadMediaScheme makes it hang (as Asterisk does).
	Duration(uri, language string) (time.Duration, error)
}

// FileMedia reads durations from WAV headers under Dir (Dir/<lang>/<name>.wav or
// Dir/<name>.wav); Fixed adds named sounds with given durations. digits:, number: and
// characters: take DigitDuration per character (default 600ms); tone: plays forever.
type FileMedia struct {
	Dir           string
	Fixed         map[string]time.Duration
	DigitDuration time.Duration
}

var _ MediaSource = (*FileMedia)(nil)

// Duration implements MediaSource.
func (m *FileMedia) Duration(uri, language string) (time.Duration, error) {
	scheme, rest, ok := strings.Cut(uri, ":")
	if !ok {
		return 0, fmt.Errorf("media %q: %w", uri, ErrBadMediaScheme)
	}
	per := m.DigitDuration
	if per <= 0 {
		per = 600 * time.Millisecond
	}
	switch scheme {
	case "sound", "recording":
		if d, ok := m.Fixed[rest]; ok {
			return d, nil
		}
		if strings.HasPrefix(rest, "http://") || strings.HasPrefix(rest, "https://") {
			return httpDuration(rest)
		}
		if m.Dir == "" || rest == "" || strings.Contains(rest, "..") {
			return 0, fmt.Errorf("media %q: %w", uri, ErrMediaNotFound)
		}
		for _, p := range []string{filepath.Join(m.Dir, language, rest+".wav"), filepath.Join(m.Dir, rest+".wav")} {
			if d, err := WAVDuration(p); err == nil {
				return d, nil
			}
		}
		for _, base := range []string{filepath.Join(m.Dir, language, rest), filepath.Join(m.Dir, rest)} {
			if d, ok := rawFileDuration(base); ok {
				return d, nil
			}
		}
		return 0, fmt.Errorf("media %q: %w", uri, ErrMediaNotFound)
	case "digits", "number", "characters":
		if rest == "" {
			return 0, fmt.Errorf("media %q: %w", uri, ErrMediaNotFound)
		}
		return time.Duration(len(rest)) * per, nil
	case "tone":
		return Forever, nil
	}
	return 0, fmt.Errorf("media %q: %w", uri, ErrBadMediaScheme)
}

// minHTTPMediaURL emulates Asterisk 22.10.1's res_http_media_cache: a URL shorter than
// the local cache path (/usr/var/cache/asterisk/bucket-XXXXXX.wav) gets a truncated file
// name and fails to play.
const minHTTPMediaURL = len("/usr/var/cache/asterisk/bucket-XXXXXX.wav")

var httpMediaClient = &http.Client{Timeout: 5 * time.Second}

// httpDuration fetches a remote WAV's header for its duration.
func httpDuration(url string) (time.Duration, error) {
	if len(url) < minHTTPMediaURL {
		return 0, fmt.Errorf("media %q: url shorter than the cache path: %w", url, ErrMediaNotFound)
	}
	resp, err := httpMediaClient.Get(url)
	if err != nil {
		return 0, fmt.Errorf("media %q: %v: %w", url, err, ErrMediaNotFound)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("media %q: status %d: %w", url, resp.StatusCode, ErrMediaNotFound)
	}
	d, err := wavDuration(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return 0, fmt.Errorf("media %q: %v: %w", url, err, ErrMediaNotFound)
	}
	return d, nil
}

// WAVDuration reads a RIFF/WAVE file's header and returns its playing time.
func WAVDuration(path string) (time.Duration, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("wav duration: %w", err)
	}
	defer f.Close()
	return wavDuration(f)
}

func wavDuration(r io.Reader) (time.Duration, error) {
	var hdr [12]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, fmt.Errorf("wav header: %w", err)
	}
	if string(hdr[0:4]) != "RIFF" || string(hdr[8:12]) != "WAVE" {
		return 0, fmt.Errorf("wav header: not RIFF/WAVE: %w", ErrBadInput)
	}
	var byteRate uint32
	for range 64 {
		var ch [8]byte
		if _, err := io.ReadFull(r, ch[:]); err != nil {
			return 0, fmt.Errorf("wav chunk: %w", err)
		}
		size := binary.LittleEndian.Uint32(ch[4:8])
		switch string(ch[0:4]) {
		case "fmt ":
			if size < 16 || size > 1<<16 {
				return 0, fmt.Errorf("wav fmt chunk size %d: %w", size, ErrBadInput)
			}
			buf := make([]byte, size+size%2)
			if _, err := io.ReadFull(r, buf); err != nil {
				return 0, fmt.Errorf("wav fmt chunk: %w", err)
			}
			byteRate = binary.LittleEndian.Uint32(buf[8:12])
		case "data":
			if byteRate == 0 {
				return 0, fmt.Errorf("wav data before fmt: %w", ErrBadInput)
			}
			return time.Duration(uint64(size) * uint64(time.Second) / uint64(byteRate)), nil
		default:
			if _, err := io.CopyN(io.Discard, r, int64(size+size%2)); err != nil {
				return 0, fmt.Errorf("wav chunk: %w", err)
			}
		}
	}
	return 0, fmt.Errorf("wav: no data chunk: %w", ErrBadInput)
}
