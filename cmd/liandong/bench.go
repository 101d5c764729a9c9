package main

import (
	"context"
	"fmt"
	"io"
)

// benchCommands are the benchmarks `liandong bench` runs.
func benchCommands() []command {
	return []command{
		{"calls", "callers go through the IVR on the emulator: reaction latency and memory per call", runBenchCalls},
		{"kb", "FAQ search latency and index memory over generated entries", runBenchKB},
	}
}

func runBench(ctx context.Context, e *env, args []string) error {
	usage := func(w io.Writer) {
		fmt.Fprintln(w, "Usage: liandong bench <benchmark> [flags]\n\nBenchmarks:")
		for _, c := range benchCommands() {
			fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
		}
	}
	if len(args) == 0 {
		usage(e.stderr)
		return usagef("bench needs a benchmark name")
	}
	switch args[0] {
	case "-h", "--help", "-help", "help":
		usage(e.stdout)
		return nil
	}
	for _, c := range benchCommands() {
		if c.name == args[0] {
			return c.run(ctx, e, args[1:])
		}
	}
	usage(e.stderr)
	return usagef("unknown benchmark %q", args[0])
}
