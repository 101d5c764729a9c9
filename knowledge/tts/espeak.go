package tts

import (
	"context"
	"fmt"
	"os"

	"liandong/knowledge/speech"
)

// Espeak is the embedded engine: espeak-ng (voice speech.Voice, which reads
// Chinese as Mandarin) and sox, as the IVR's prompt files are made.
type Espeak struct {
	opt speech.Options
	dir string // scratch files
}

var _ Engine = (*Espeak)(nil)

// NewEspeak returns the espeak-ng engine; scratch is a directory for its
// temporary files ("" = the system's). Zero options take speech's defaults.
func NewEspeak(o speech.Options, scratch string) *Espeak {
	if o.Voice == "" {
		o.Voice = speech.Voice
	}
	return &Espeak{opt: o, dir: scratch}
}

// Name implements Engine.
func (e *Espeak) Name() string { return "espeak-ng" }

// Voice implements Engine.
func (e *Espeak) Voice() string { return e.opt.Voice }

// Synthesize implements Engine: numbers are read as speech.Normalize does
// (12345 digit by digit).
func (e *Espeak) Synthesize(ctx context.Context, text string) ([]byte, error) {
	f, err := os.CreateTemp(e.dir, "tts-*.wav")
	if err != nil {
		return nil, fmt.Errorf("espeak-ng synthesize: %w", err)
	}
	out := f.Name()
	f.Close()
	defer os.Remove(out)
	if err := speech.Synthesize(ctx, text, out, e.opt); err != nil {
		return nil, fmt.Errorf("espeak-ng %w: %w", err, ErrEngine)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("espeak-ng synthesize: %w", err)
	}
	return b, nil
}
