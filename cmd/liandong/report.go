package main

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"liandong/gateway/calllog"
	"liandong/gateway/kpi"
)

// cmdRedis loads the configuration and connects to its Redis.
func cmdRedis(e *env, cf *configFlags) (redis.UniversalClient, string, []string, *time.Location, error) {
	cfg, err := cf.load(e)
	if err != nil {
		return nil, "", nil, nil, err
	}
	opts, err := cfg.Redis.UniversalOptions()
	if err != nil {
		return nil, "", nil, nil, err
	}
	loc, err := time.LoadLocation(cfg.CallLog.TimeZone)
	if err != nil {
		return nil, "", nil, nil, err
	}
	return redis.NewUniversalClient(opts), cfg.Redis.KeyPrefix, cfg.CallLog.Hotlines, loc, nil
}

func splitList(s string) []string {
	var out []string
	for _, it := range strings.Split(s, ",") {
		if it = strings.TrimSpace(it); it != "" {
			out = append(out, it)
		}
	}
	return out
}

func runReport(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "report", "--day YYYY-MM-DD | --month YYYY-MM [flags]",
		"The hotline KPIs of one day or month (人工接通率, 15秒接通率, abandon rate, waits,\n"+
			"transfers, FAQ self-service, 满意率), as a table or JSON. Formulas: docs/kpi.md.")
	var cf configFlags
	cf.register(fs, "configs/liandong.yaml")
	day := fs.String("day", "", "the `day`, e.g. 2026-11-28")
	month := fs.String("month", "", "the `month`, e.g. 2026-11")
	hotlines := fs.String("hotline", "", "comma-separated `hotlines` (default: calllog.hotlines)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if (*day == "") == (*month == "") {
		return usagef("give exactly one of --day and --month")
	}
	rdb, prefix, hl, loc, err := cmdRedis(e, &cf)
	if err != nil {
		return err
	}
	defer rdb.Close()
	if *hotlines != "" {
		hl = splitList(*hotlines)
	}
	err = kpi.RunReport(ctx, e.stdout, rdb, kpi.ReportOptions{Prefix: prefix, Hotlines: hl, Day: *day, Month: *month, JSON: *asJSON, Location: loc})
	if errors.Is(err, kpi.ErrBadPeriod) {
		return usagef("%v", err)
	}
	return err
}

func runTail(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "tail", "[flags]",
		"Print the entries of the call-event, work-order and feedback streams, one line\n"+
			"each, and with -f follow new ones. Phone numbers are masked unless --full-numbers.")
	var cf configFlags
	cf.register(fs, "configs/liandong.yaml")
	hotlines := fs.String("hotline", "", "comma-separated `hotlines` (default: calllog.hotlines)")
	streams := fs.String("stream", "events", "comma-separated `streams`: events, workorders, feedback, dead")
	from := fs.String("from", "", "print entries after this stream `id` (\"0\": from the start)")
	last := fs.Int64("last", 10, "print the last `N` entries first")
	follow := fs.Bool("f", false, "follow: keep printing new entries until Ctrl-C")
	full := fs.Bool("full-numbers", false, "print phone numbers unmasked (personal data: authorised operators only)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	rdb, prefix, hl, loc, err := cmdRedis(e, &cf)
	if err != nil {
		return err
	}
	defer rdb.Close()
	if *hotlines != "" {
		hl = splitList(*hotlines)
	}
	err = calllog.RunTail(ctx, e.stdout, rdb, calllog.TailOptions{Prefix: prefix, Hotlines: hl, Kinds: splitList(*streams),
		From: *from, Last: *last, Follow: *follow, FullNumbers: *full, Location: loc})
	if errors.Is(err, calllog.ErrInvalidOptions) {
		return usagef("%v", err)
	}
	if ctx.Err() != nil {
		return nil
	}
	return err
}
