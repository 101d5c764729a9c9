package main

import (
	"context"
	"fmt"
	"io"
)

// kbCommands are the knowledge-base subcommands.
func kbCommands() []command {
	return []command{}
}

func runKB(ctx context.Context, e *env, args []string) error {
	usage := func(w io.Writer) {
		fmt.Fprintln(w, "Usage: liandong kb <subcommand> [flags]\n\nSubcommands:")
		for _, c := range kbCommands() {
			fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
		}
	}
	if len(args) == 0 {
		usage(e.stderr)
		return usagef("kb needs a subcommand")
	}
	switch args[0] {
	case "-h", "--help", "-help", "help":
		usage(e.stdout)
		return nil
	}
	for _, c := range kbCommands() {
		if c.name == args[0] {
			return c.run(ctx, e, args[1:])
		}
	}
	usage(e.stderr)
	return usagef("unknown kb subcommand %q", args[0])
}
