package media

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Sounds resolves ARI media URIs to Sources: "sound:NAME" from a sounds
// directory laid out like Asterisk's (NAME.wav etc., per-language folders
// en/, zh/, ...), "sound:http(s)://..." fetched over HTTP, "recording:NAME"
// from a recordings directory, "tone:NAME" or "tone:SPEC" from indications,
// and "digits:123" read aloud. Decoded files are cached in memory and shared
// read-only between playbacks. Safe for concurrent use.
type Sounds struct {
	// Dir is the sounds directory (Asterisk's astdatadir/sounds).
	Dir string
	// RecordingsDir holds stored recordings for recording:NAME; empty = none.
	RecordingsDir string
	// ToneZone is the indications zone of tone: URIs without ";tonezone="
	// ("cn", "fr", "us"); empty means DefaultToneZone.
	ToneZone string
	// HTTP fetches sound:http:// URIs; nil means http.DefaultClient.
	HTTP *http.Client
	// MaxEntries bounds the cache; 0 means 512.
	MaxEntries int

	mu    sync.Mutex
	cache map[string]*soundEntry
}

type soundEntry struct {
	audio  Audio // native rate
	byRate map[int][]int16
	mod    time.Time // file's modification time and size when loaded, to
	size   int64     // notice a recording replaced under the same name
}

// NewSounds returns a resolver over dir.
func NewSounds(dir string) *Sounds { return &Sounds{Dir: dir} }

// File extensions tried, best first; Asterisk also picks among the formats
// present. .sln* and .wav16 follow Asterisk's names.
var soundExts = []struct {
	ext   string
	raw   Format // Codec 0 = a WAV container (unless codec)
	le    bool
	codec string // decoded by DecodeRecording: g722, gsm
}{
	{ext: ".wav16"},
	{ext: ".sln16", raw: Slin16, le: true},
	{ext: ".wav"},
	{ext: ".sln", raw: Slin, le: true},
	{ext: ".ulaw", raw: Ulaw},
	{ext: ".pcm", raw: Ulaw},
	{ext: ".alaw", raw: Alaw},
	{ext: ".al", raw: Alaw},
	{ext: ".g722", codec: "g722"},
	{ext: ".gsm", codec: "gsm"},
}

// Synthetic digit timing, used for digits: when the sounds directory has no
// digits/N file: the key's DTMF tone pair for DigitTone, then DigitGap of
// silence (about the length of Asterisk's spoken digit files), so a test
// can decode what was "said" with DetectDTMF.
const (
	DigitTone = 300 * time.Millisecond
	DigitGap  = 200 * time.Millisecond
)

// Open resolves a media URI for a channel whose language is lang (empty
// means "en") and returns a Source at rate (8000 or 16000). Errors: a sound
// with no file wraps ErrSoundNotFound, an unknown scheme or bad body wraps
// ErrBadMediaURI, a bad tone ErrBadTone, an unreadable file ErrBadWAV.
func (s *Sounds) Open(ctx context.Context, uri, lang string, rate int) (Source, error) {
	scheme, body, ok := strings.Cut(uri, ":")
	if !ok || body == "" {
		return nil, fmt.Errorf("open media %q: %w", uri, ErrBadMediaURI)
	}
	if lang == "" {
		lang = "en"
	}
	switch scheme {
	case "sound":
		if strings.HasPrefix(body, "http://") || strings.HasPrefix(body, "https://") {
			a, err := s.fetch(ctx, body, rate)
			if err != nil {
				return nil, fmt.Errorf("open media %q: %w", uri, err)
			}
			return NewPCM(a, rate), nil
		}
		a, err := s.sound(body, lang, rate)
		if err != nil {
			return nil, fmt.Errorf("open media %q: %w", uri, err)
		}
		return NewPCM(a, rate), nil
	case "recording":
		if s.RecordingsDir == "" {
			return nil, fmt.Errorf("open media %q: no recordings directory: %w", uri, ErrSoundNotFound)
		}
		p, ok := withExt(filepath.Join(s.RecordingsDir, filepath.Clean("/"+body)))
		if !ok {
			return nil, fmt.Errorf("open media %q: %w", uri, ErrSoundNotFound)
		}
		a, err := s.load(p, rate)
		if err != nil {
			return nil, fmt.Errorf("open media %q: %w", uri, err)
		}
		return NewPCM(a, rate), nil
	case "tone":
		t, err := ParseToneURI(body, s.ToneZone, rate)
		if err != nil {
			return nil, fmt.Errorf("open media %q: %w", uri, err)
		}
		return t, nil
	case "digits":
		src, err := s.digits(body, lang, rate)
		if err != nil {
			return nil, fmt.Errorf("open media %q: %w", uri, err)
		}
		return src, nil
	}
	return nil, fmt.Errorf("open media %q: scheme %q not supported: %w", uri, scheme, ErrBadMediaURI)
}

// Exists reports whether sound:NAME has a file for lang.
func (s *Sounds) Exists(name, lang string) bool {
	_, err := s.find(name, lang)
	return err == nil
}

// find returns the path of NAME for lang, trying lang/, then en/, then the
// top of the directory, as Asterisk's file lookup does.
func (s *Sounds) find(name, lang string) (string, error) {
	if name == "" || strings.ContainsRune(name, 0) {
		return "", fmt.Errorf("sound name %q: %w", name, ErrBadMediaURI)
	}
	var bases []string
	if filepath.IsAbs(name) {
		bases = []string{filepath.Clean(name)}
	} else {
		clean := filepath.Clean("/" + name)[1:] // no escaping the directory
		if lang == "" {
			lang = "en"
		}
		for _, l := range []string{lang, "en", ""} {
			if l == "en" && lang == "en" && len(bases) > 0 {
				continue
			}
			bases = append(bases, filepath.Join(s.Dir, l, clean))
		}
	}
	for _, b := range bases {
		if p, ok := withExt(b); ok {
			return p, nil
		}
	}
	return "", fmt.Errorf("sound %q (language %s): %w", name, lang, ErrSoundNotFound)
}

// withExt returns the first existing file base+ext, best format first.
func withExt(base string) (string, bool) {
	for _, e := range soundExts {
		p := base + e.ext
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p, true
		}
	}
	return "", false
}

func (s *Sounds) sound(name, lang string, rate int) ([]int16, error) {
	p, err := s.find(name, lang)
	if err != nil {
		return nil, err
	}
	return s.load(p, rate)
}

// load decodes a file (cached) and returns it at rate.
func (s *Sounds) load(path string, rate int) ([]int16, error) {
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("load %s: %w", path, ErrSoundNotFound)
		}
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	if e := s.cached(path); e != nil && e.mod.Equal(st.ModTime()) && e.size == st.Size() {
		return s.atRate(e, rate), nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("load %s: %w", path, ErrSoundNotFound)
		}
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	a, err := decodeSoundFile(path, data)
	if err != nil {
		return nil, err
	}
	return s.atRate(s.store(path, a, st.ModTime(), st.Size()), rate), nil
}

func decodeSoundFile(path string, data []byte) (Audio, error) {
	ext := filepath.Ext(path)
	for _, e := range soundExts {
		if e.ext != ext || (e.raw.Codec == 0 && e.codec == "") {
			continue
		}
		if len(data) > MaxWAVBytes {
			return Audio{}, fmt.Errorf("load %s: %d bytes: %w", path, len(data), ErrBadWAV)
		}
		if e.codec != "" {
			a, err := DecodeRecording(e.codec, data)
			if err != nil {
				return Audio{}, fmt.Errorf("load %s: %w", path, err)
			}
			return a, nil
		}
		if len(data) > MaxWAVBytes {
			return Audio{}, fmt.Errorf("load %s: %d bytes: %w", path, len(data), ErrBadWAV)
		}
		if e.le {
			return Audio{Samples: DecodeSlinLE(nil, data), Rate: e.raw.SampleRate}, nil
		}
		return Audio{Samples: e.raw.Decode(nil, data), Rate: e.raw.SampleRate}, nil
	}
	a, err := ParseWAV(data)
	if err != nil {
		return Audio{}, fmt.Errorf("load %s: %w", path, err)
	}
	return a, nil
}

func (s *Sounds) cached(key string) *soundEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cache[key]
}

func (s *Sounds) store(key string, a Audio, mod time.Time, size int64) *soundEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cache == nil {
		s.cache = make(map[string]*soundEntry)
	}
	limit := s.MaxEntries
	if limit <= 0 {
		limit = 512
	}
	if len(s.cache) >= limit {
		for k := range s.cache { // evict an arbitrary entry
			delete(s.cache, k)
			break
		}
	}
	e := &soundEntry{audio: a, byRate: map[int][]int16{}, mod: mod, size: size}
	s.cache[key] = e
	return e
}

func (s *Sounds) atRate(e *soundEntry, rate int) []int16 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := e.byRate[rate]; ok {
		return v
	}
	v := Resample(e.audio.Samples, e.audio.Rate, rate)
	e.byRate[rate] = v
	return v
}

// fetch gets a WAV over HTTP, as res_http_media_cache does (cached by URL).
func (s *Sounds) fetch(ctx context.Context, url string, rate int) ([]int16, error) {
	if e := s.cached(url); e != nil {
		return s.atRate(e, rate), nil
	}
	client := s.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %v: %w", url, err, ErrBadMediaURI)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %v: %w", url, err, ErrSoundNotFound)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch %s: status %d: %w", url, resp.StatusCode, ErrSoundNotFound)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxWAVBytes+1))
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %v: %w", url, err, ErrSoundNotFound)
	}
	a, err := ParseWAV(data)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", url, err)
	}
	return s.atRate(s.store(url, a, time.Time{}, 0), rate), nil
}

// digitSound names Asterisk's file for a character of digits:.
func digitSound(c byte) (string, bool) {
	switch {
	case c >= '0' && c <= '9':
		return "digits/" + string(c), true
	case c == '*':
		return "digits/star", true
	case c == '#':
		return "digits/pound", true
	}
	return "", false
}

// digits reads a digit string aloud: each character from its digits/N file
// when the sounds directory has it, else the synthetic stand-in (DTMF of the
// key for DigitTone, then DigitGap of silence).
func (s *Sounds) digits(str, lang string, rate int) (Source, error) {
	var parts []Source
	for i := 0; i < len(str); i++ {
		name, ok := digitSound(str[i])
		if !ok {
			if str[i] == '-' || str[i] == ' ' {
				continue // Asterisk says "dash" or nothing; we keep quiet
			}
			return nil, fmt.Errorf("digits %q: character %q: %w", str, str[i], ErrBadMediaURI)
		}
		if a, err := s.sound(name, lang, rate); err == nil {
			parts = append(parts, NewPCM(a, rate))
			continue
		}
		src, err := DTMF(str[i:i+1], DigitTone, DigitGap, rate)
		if err != nil {
			return nil, err
		}
		parts = append(parts, src)
	}
	if len(parts) == 0 {
		return NewPCM(nil, rate), nil
	}
	return Concat(parts...), nil
}

// MOH returns an endless Source that plays every sound file of dir in name
// order, over and over, as a musiconhold.conf class with mode=files does.
// No playable file wraps ErrSoundNotFound (Asterisk then plays silence).
func (s *Sounds) MOH(dir string, rate int) (Source, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("music on hold %s: %v: %w", dir, err, ErrSoundNotFound)
	}
	var parts [][]int16
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		known := false
		for _, x := range soundExts {
			if filepath.Ext(e.Name()) == x.ext {
				known = true
			}
		}
		if !known {
			continue
		}
		a, err := s.load(filepath.Join(dir, e.Name()), rate)
		if err != nil || len(a) == 0 {
			continue // Asterisk skips files it cannot play
		}
		parts = append(parts, a)
	}
	if len(parts) == 0 {
		return nil, fmt.Errorf("music on hold %s: no playable file: %w", dir, ErrSoundNotFound)
	}
	return Loop(rate, parts...), nil
}

// Loop returns an endless Source playing parts (samples at rate) in turn,
// over and over, without gaps.
func Loop(rate int, parts ...[]int16) Source {
	var nonEmpty [][]int16
	for _, p := range parts {
		if len(p) > 0 {
			nonEmpty = append(nonEmpty, p)
		}
	}
	return &loop{parts: nonEmpty, rate: rate}
}

type loop struct {
	parts  [][]int16
	rate   int
	i, pos int
}

func (l *loop) Rate() int                       { return l.rate }
func (l *loop) Duration() (time.Duration, bool) { return 0, false }

func (l *loop) ReadFrame(dst []int16) error {
	if len(l.parts) == 0 {
		clear(dst)
		return nil
	}
	for k := 0; k < len(dst); {
		p := l.parts[l.i]
		c := copy(dst[k:], p[l.pos:])
		k += c
		l.pos += c
		if l.pos >= len(p) {
			l.pos = 0
			l.i = (l.i + 1) % len(l.parts)
		}
	}
	return nil
}
