package main

import (
	"context"

	"github.com/redis/go-redis/v9"

	"liandong/knowledge"
	"liandong/knowledge/store"
)

// kbRedis loads the configuration and connects to its Redis.
func kbRedis(e *env, cf *configFlags) (redis.UniversalClient, string, error) {
	rdb, prefix, _, _, err := cmdRedis(e, cf)
	return rdb, prefix, err
}

func runKBImport(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "kb import", "[flags] FILE",
		"Validate every entry of a FAQ YAML file, then write the new and changed ones to\n"+
			"Redis as published versions (every earlier version is kept). Nothing is written\n"+
			"if any entry is invalid; each problem is listed with its entry and field.")
	var cf configFlags
	cf.register(fs, "configs/liandong.yaml")
	dryRun := fs.Bool("dry-run", false, "show what would be added and changed, write nothing")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("kb import needs exactly one YAML file")
	}
	rdb, prefix, err := kbRedis(e, &cf)
	if err != nil {
		return err
	}
	defer rdb.Close()
	return store.RunImport(ctx, e.stdout, rdb, prefix, fs.Arg(0), *dryRun)
}

func runKBExport(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "kb export", "[flags]",
		"Write the FAQ entries in Redis to standard output as YAML, in the format of\n"+
			"configs/faq.yaml (so an export can be imported again).")
	var cf configFlags
	cf.register(fs, "configs/liandong.yaml")
	status := fs.String("status", "", "only entries in this `status`: draft, in_review, published, archived")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	rdb, prefix, err := kbRedis(e, &cf)
	if err != nil {
		return err
	}
	defer rdb.Close()
	return store.RunExport(ctx, e.stdout, rdb, prefix, *status)
}

// kbCommands are the knowledge-base subcommands.
func kbCommands() []command {
	return []command{
		{"import", "validate a FAQ YAML file and load it into Redis (--dry-run shows what would change)", runKBImport},
		{"export", "write the FAQ in Redis as YAML (the format of configs/faq.yaml)", runKBExport},
		{"eval", "top-1/top-3 accuracy and no-answer precision of the FAQ search on a TSV", runKBEval},
	}
}

func runKB(ctx context.Context, e *env, args []string) error {
	return runGroup(ctx, e, "kb", "subcommand", kbCommands(), args)
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
