package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"

	"liandong/gateway/calllog"
	"liandong/internal/logging"
)

// benchCommands are the benchmarks `liandong bench` runs.
func benchCommands() []command {
	return []command{
		{"calls", "callers go through the IVR on the emulator: reaction latency and memory per call", runBenchCalls},
		{"kb", "FAQ search latency and index memory over generated entries", runBenchKB},
		{"calllog", "call events per second into a real Redis, nothing lost or duplicated", runBenchCalllog},
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

func runBenchCalllog(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "bench calllog", "[flags]",
		"Events per second sustained into a real Redis by one call log (pipelined, every\n"+
			"event applied to its call record), then read back: lost, duplicated and out of\n"+
			"order must be 0. Also the Emit latency on the call path. Starts a redis-server\n"+
			"child (or uses --redis-addr).")
	n := fs.Int("events", 200000, "how many events")
	addr := fs.String("redis-addr", "", "an existing Redis `host:port` (a unique prefix is used and deleted)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *n <= 0 {
		return usagef("--events must be positive")
	}
	res, err := calllog.RunBench(ctx, calllog.BenchOptions{Events: *n, RedisAddr: *addr, Logger: logging.Discard()})
	if errors.Is(err, exec.ErrNotFound) {
		return fmt.Errorf("bench calllog: no redis-server on PATH (apt-get install redis-server) and no --redis-addr: %w", err)
	}
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(e.stdout).Encode(res)
	}
	fmt.Fprint(e.stdout, res.String())
	return nil
}
