package speech

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Voice is the espeak-ng voice that reads Chinese characters as Mandarin.
// Debian's espeak-ng 1.51 "cmn" voice reads the tone numbers of its pinyin
// as English (您好 → "nin two hao three"); "cmn-latn-pinyin" does not.
const Voice = "cmn-latn-pinyin"

// Options tune Generate; zero values take the defaults.
type Options struct {
	Espeak string // espeak-ng binary (default "espeak-ng")
	Sox    string // sox binary (default "sox")
	Voice  string // default Voice
	Speed  int    // words per minute (default 190: the greeting, emergency key and menu fit in about 15 s)
}

// Generated reports what Generate wrote.
type Generated struct {
	Written []string // file names written
	Skipped []string // templates (spoken at run time)
	Stale   []string // .wav files in dir that no prompt uses
}

var templateRE = regexp.MustCompile(`\{[a-z_]+\}`)

// Generate writes one wav per fixed prompt (name → text) into dir: the text
// normalised (Normalize), spoken by espeak-ng, converted by sox to what
// Asterisk plays as .wav: 8 kHz, mono, 16-bit signed linear, with leading and
// trailing silence trimmed and the level normalised. Texts with
// {placeholders} are skipped: they are spoken at run time.
func Generate(ctx context.Context, prompts map[string]string, dir string, o Options) (Generated, error) {
	o = o.withDefaults()
	var g Generated
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return g, fmt.Errorf("generate prompts: %w", err)
	}
	tmp, err := os.MkdirTemp("", "liandong-prompts-")
	if err != nil {
		return g, fmt.Errorf("generate prompts: %w", err)
	}
	defer os.RemoveAll(tmp)

	names := make([]string, 0, len(prompts))
	for n := range prompts {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		text := prompts[name]
		if templateRE.MatchString(text) {
			g.Skipped = append(g.Skipped, name)
			continue
		}
		if strings.ContainsAny(name, `/\.`) {
			return g, fmt.Errorf("generate prompt %q: bad name", name)
		}
		raw := filepath.Join(tmp, name+".wav")
		out := filepath.Join(dir, name+".wav")
		if b, err := exec.CommandContext(ctx, o.Espeak, "-v", o.Voice, "-s", fmt.Sprint(o.Speed), "-w", raw, Normalize(text)).CombinedOutput(); err != nil {
			return g, fmt.Errorf("generate prompt %q: espeak-ng: %w: %s", name, err, b)
		}
		if b, err := exec.CommandContext(ctx, o.Sox, soxArgs(raw, out)...).CombinedOutput(); err != nil {
			return g, fmt.Errorf("generate prompt %q: sox: %w: %s", name, err, b)
		}
		g.Written = append(g.Written, name+".wav")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.wav"))
	for _, f := range files {
		base := strings.TrimSuffix(filepath.Base(f), ".wav")
		if t, ok := prompts[base]; !ok || templateRE.MatchString(t) {
			g.Stale = append(g.Stale, filepath.Base(f))
		}
	}
	return g, nil
}

// Phonemes returns espeak-ng's phoneme transcription of text in voice (the
// `-x` output), used to check that a voice really reads Mandarin.
func Phonemes(ctx context.Context, espeak, voice, text string) (string, error) {
	if espeak == "" {
		espeak = "espeak-ng"
	}
	b, err := exec.CommandContext(ctx, espeak, "-v", voice, "-q", "-x", text).Output()
	if err != nil {
		return "", fmt.Errorf("espeak-ng phonemes: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}
