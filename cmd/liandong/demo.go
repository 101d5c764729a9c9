package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/alicebob/miniredis/v2"

	"liandong/internal/config"
	"liandong/internal/redisproc"
)

func runDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "demo", "[flags]",
		"Run the whole system on loopback with embedded defaults and no outside setup:\n"+
			"Redis (a redis-server child when one is on PATH, else an embedded Redis-compatible\n"+
			"server) and the gateway's HTTP API. The emulated Asterisk joins as it lands.\n"+
			"Prints the URLs; Ctrl-C stops everything.")
	var cf configFlags
	cf.register(fs, "")
	embedded := fs.Bool("embedded-redis", false, "use the embedded Redis even when redis-server is installed")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	cfg, err := cf.load(e)
	if err != nil {
		return err
	}
	log, err := newLogger(e, cfg)
	if err != nil {
		return err
	}

	dir, err := os.MkdirTemp("", "liandong-demo-")
	if err != nil {
		return fmt.Errorf("demo: make work dir: %w", err)
	}
	defer os.RemoveAll(dir)

	redisURL, redisKind, stopRedis, err := startDemoRedis(ctx, dir, *embedded)
	if err != nil {
		return err
	}
	defer stopRedis()
	if err := config.Set(&cfg, "redis.url", redisURL, "demo"); err != nil {
		return err
	}
	cfg.Redis.Mode = "single"
	cfg.CallLog.SpoolDir = dir + "/spool"
	if err := cfg.Validate(); err != nil {
		return err
	}
	log.Info("demo redis", "kind", redisKind, "url", redisURL)

	return serve(ctx, e, cfg, log, func(addr string) {
		fmt.Fprintf(e.stdout, "liandong demo is running (Ctrl-C to stop)\n")
		fmt.Fprintf(e.stdout, "  Redis:    %s (%s)\n", redisURL, redisKind)
		fmt.Fprintf(e.stdout, "  HTTP API: http://%s/  (health: http://%s/healthz)\n", addr, addr)
	})
}

// startDemoRedis starts a redis-server child when one is installed, else an
// embedded Redis-compatible server, and says which.
func startDemoRedis(ctx context.Context, dir string, embedded bool) (url, kind string, stop func(), err error) {
	if !embedded {
		p, err := redisproc.Start(ctx, dir)
		switch {
		case err == nil:
			return p.URL(), "redis-server child process", p.Stop, nil
		case !errors.Is(err, redisproc.ErrNotInstalled):
			return "", "", nil, fmt.Errorf("demo: %w", err)
		}
	}
	m := miniredis.NewMiniRedis()
	if err := m.Start(); err != nil {
		return "", "", nil, fmt.Errorf("demo: start embedded redis: %w", err)
	}
	return "redis://" + m.Addr(), "embedded Redis-compatible server (miniredis; install redis-server for the real one)", m.Close, nil
}
