package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"

	"liandong/gateway/api"
	"liandong/internal/config"
)

func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "serve", "[flags]",
		"Run the gateway in production: Asterisk over ARI and Redis, as the configuration says.\n"+
			"SIGTERM stops taking new calls and drains live ones (shutdown.drain_timeout);\n"+
			"SIGINT stops at once; SIGHUP reloads the IVR flows.")
	var cf configFlags
	cf.register(fs, "configs/liandong.yaml")
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
	return serve(ctx, e, cfg, log, nil)
}

// serve runs what the configuration describes until ctx ends (stop now) or
// e.drain closes (finish gracefully). started, if set, learns the bound
// HTTP address.
func serve(ctx context.Context, e *env, cfg config.Config, log *slog.Logger, started func(httpAddr string)) error {
	opts, err := cfg.Redis.UniversalOptions()
	if err != nil {
		return err
	}
	rdb := redis.NewUniversalClient(opts)
	defer rdb.Close()
	pctx, cancel := context.WithTimeout(ctx, cfg.Redis.DialTimeout.D())
	if err := rdb.Ping(pctx).Err(); err != nil {
		// Not fatal: Redis may come back; readiness reports it meanwhile.
		log.Warn("redis unreachable at start", "err", err)
	}
	cancel()

	handler := api.New(api.Options{
		Logger:  log,
		Version: versionString(),
		Checks: map[string]api.Check{
			"redis": func(ctx context.Context) error { return rdb.Ping(ctx).Err() },
		},
	})
	return serveHTTP(ctx, e.drain, log, cfg.HTTP.Listen, handler, cfg.Shutdown.DrainTimeout.D(), started)
}

// serveHTTP listens on addr and serves h until ctx ends or drain closes;
// on drain it lets requests in flight finish within drainTimeout.
func serveHTTP(ctx context.Context, drain <-chan struct{}, log *slog.Logger, addr string, h http.Handler, drainTimeout time.Duration, started func(string)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen for http on %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("http listening", "addr", ln.Addr().String())
	if started != nil {
		started(ln.Addr().String())
	}
	select {
	case err := <-errc:
		return fmt.Errorf("serve http: %w", err)
	case <-ctx.Done():
		log.Info("stopping now")
		_ = srv.Close()
	case <-drain:
		log.Info("draining", "timeout", drainTimeout)
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), drainTimeout)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			log.Warn("drain incomplete", "err", err)
			_ = srv.Close()
		}
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve http: %w", err)
	}
	return nil
}
