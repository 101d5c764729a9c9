package main

import (
	"context"
	"fmt"
	"io"
	"strings"
)

// benchCommands are the benchmarks `liandong bench` runs.
func benchCommands() []command {
	return []command{
		{"calls", "callers go through the IVR on the emulator: reaction latency and memory per call", runBenchCalls},
		{"kb", "FAQ search latency and index memory over generated entries", runBenchKB},
	}
}

func runBench(ctx context.Context, e *env, args []string) error {
	return runGroup(ctx, e, "bench", "benchmark", benchCommands(), args)
}

// runGroup runs one of a command group's subcommands (kb eval, bench calls).
func runGroup(ctx context.Context, e *env, group, what string, cmds []command, args []string) error {
	usage := func(w io.Writer) {
		fmt.Fprintf(w, "Usage: liandong %s <%s> [flags]\n\n%ss:\n", group, what, strings.ToUpper(what[:1])+what[1:])
		for _, c := range cmds {
			fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
		}
	}
	if len(args) == 0 {
		usage(e.stderr)
		return usagef("%s needs a %s", group, what)
	}
	switch args[0] {
	case "-h", "--help", "-help", "help":
		usage(e.stdout)
		return nil
	}
	for _, c := range cmds {
		if c.name == args[0] {
			return c.run(ctx, e, args[1:])
		}
	}
	usage(e.stderr)
	return usagef("unknown %s %s %q", group, what, args[0])
}
