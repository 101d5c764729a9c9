package speech

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Synthesize speaks one text (normalised with Normalize) with espeak-ng and
// writes it to out as Generate does: 8 kHz, mono, 16-bit signed linear wav,
// silence trimmed, level normalised. The text goes to espeak-ng on stdin, so
// a text that looks like an option is still read as text.
func Synthesize(ctx context.Context, text, out string, o Options) error {
	o = o.withDefaults()
	tmp, err := os.CreateTemp(filepath.Dir(out), ".espeak-*.wav")
	if err != nil {
		return fmt.Errorf("synthesize: %w", err)
	}
	raw := tmp.Name()
	tmp.Close()
	defer os.Remove(raw)
	cmd := exec.CommandContext(ctx, o.Espeak, "-v", o.Voice, "-s", fmt.Sprint(o.Speed), "-w", raw, "--stdin")
	cmd.Stdin = strings.NewReader(Normalize(text))
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("synthesize: espeak-ng: %w: %s", err, bytes.TrimSpace(b))
	}
	return Convert(ctx, raw, out, o)
}

// Convert turns any wav sox reads into the telephone wav Generate writes
// (8 kHz, mono, 16-bit signed linear, silence trimmed, level normalised).
func Convert(ctx context.Context, in, out string, o Options) error {
	o = o.withDefaults()
	if b, err := exec.CommandContext(ctx, o.Sox, soxArgs(in, out)...).CombinedOutput(); err != nil {
		return fmt.Errorf("convert wav: sox: %w: %s", err, bytes.TrimSpace(b))
	}
	return nil
}

func soxArgs(in, out string) []string {
	// -R -D: no random dither, so regenerating gives the same bytes.
	// Trim leading and trailing silence, then level every prompt alike.
	return []string{"-R", "-D", in, "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", out,
		"silence", "1", "0.05", "0.5%", "reverse", "silence", "1", "0.05", "0.5%", "reverse", "norm", "-3"}
}

func (o Options) withDefaults() Options {
	if o.Espeak == "" {
		o.Espeak = "espeak-ng"
	}
	if o.Sox == "" {
		o.Sox = "sox"
	}
	if o.Voice == "" {
		o.Voice = Voice
	}
	if o.Speed == 0 {
		o.Speed = 190
	}
	return o
}
