package main

import (
	"context"
	"fmt"
	"io"

	"liandong/knowledge"
)

// kbCommands are the knowledge-base subcommands.
func kbCommands() []command {
	return []command{
		{"eval", "top-1/top-3 accuracy and no-answer precision of the FAQ search on a TSV", runKBEval},
	}
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

func runKBEval(_ context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "kb eval", "[flags] FILE",
		"Run the FAQ search (the same code the gateway serves from; no Redis needed) over a\n"+
			"TSV of query<TAB>expected_id (expected \"none\": the FAQ has no answer) and print\n"+
			"top-1 and top-3 accuracy and the precision of \"no answer\".")
	kb := fs.String("kb", "configs/faq.yaml", "FAQ `FILE` (YAML)")
	lexicon := fs.String("lexicon", "configs/kb-lexicon.yaml", "synonym, homophone and concept `FILE` (empty: none)")
	asJSON := fs.Bool("json", false, "print one JSON object with n, top1, top3, none_precision and results")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("kb eval needs exactly one TSV file")
	}
	return knowledge.RunEval(e.stdout, *kb, *lexicon, fs.Arg(0), *asJSON)
}

func runBenchKB(_ context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "bench kb", "[flags]",
		"Search latency over N generated FAQ entries (p50/p99, one goroutine) and the memory\n"+
			"of the index.")
	n := fs.Int("entries", 10000, "how many entries to generate")
	kb := fs.String("kb", "configs/faq.yaml", "FAQ `FILE` whose vocabulary the entries are made from")
	lexicon := fs.String("lexicon", "configs/kb-lexicon.yaml", "lexicon `FILE`")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *n <= 0 {
		return usagef("--entries must be positive")
	}
	return knowledge.RunBench(e.stdout, *kb, *lexicon, *n, *asJSON)
}
