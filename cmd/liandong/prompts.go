package main

import (
	"context"
	"fmt"

	"liandong/ivr"
	"liandong/knowledge/speech"
)

func runPrompts(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "prompts", "[flags]",
		"Regenerate the prompt wav files (8 kHz mono 16-bit, as Asterisk plays them) from the\n"+
			"texts in the IVR flow file, with espeak-ng (voice "+speech.Voice+") and sox.\n"+
			"Prompts with {placeholders} are spoken at run time and skipped here.")
	flows := fs.String("flows", "configs/ivr.yaml", "IVR flow `FILE` whose prompts to speak")
	out := fs.String("out", "configs/sounds", "output `DIR` for the wav files")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	set, err := ivr.LoadFile(*flows)
	if err != nil {
		return err
	}
	g, err := set.GeneratePrompts(ctx, *out, speech.Options{})
	if err != nil {
		return fmt.Errorf("generate prompts: %w", err)
	}
	fmt.Fprintf(e.stdout, "wrote %d prompts to %s (voice %s)\n", len(g.Written), *out, speech.Voice)
	for _, s := range g.Skipped {
		fmt.Fprintf(e.stdout, "  template, spoken at run time: %s\n", s)
	}
	for _, s := range g.Stale {
		fmt.Fprintf(e.stdout, "  stale, no prompt uses it: %s\n", s)
	}
	return nil
}
