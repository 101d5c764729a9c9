// Command mkprompts regenerates the IVR prompt wav files from the texts of a
// flow file (configs/sounds/make-prompts.sh runs it).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"liandong/ivr"
	"liandong/ivr/speech"
)

func main() {
	cfg := flag.String("config", "configs/ivr.yaml", "flow file")
	out := flag.String("out", "configs/sounds", "output directory")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *cfg, *out); err != nil {
		fmt.Fprintln(os.Stderr, "mkprompts:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg, out string) error {
	set, err := ivr.LoadFile(cfg)
	if err != nil {
		return err
	}
	g, err := set.GeneratePrompts(ctx, out, speech.Options{})
	if err != nil {
		return err
	}
	fmt.Printf("wrote %d prompts to %s (voice %s)\n", len(g.Written), out, speech.Voice)
	for _, s := range g.Skipped {
		fmt.Printf("  template, spoken at run time: %s\n", s)
	}
	for _, s := range g.Stale {
		fmt.Printf("  stale, no prompt uses it: %s\n", s)
	}
	return nil
}
