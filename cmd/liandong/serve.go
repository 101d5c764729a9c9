package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"liandong/gateway"
	"liandong/gateway/api"
	"liandong/gateway/ari"
	"liandong/internal/config"
	"liandong/ivr"
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

// ariNodes turns the ari section into the adapter's node list.
func ariNodes(cfg config.Config) []ari.NodeConfig {
	nodes := make([]ari.NodeConfig, 0, len(cfg.ARI.URLs))
	for _, u := range cfg.ARI.URLs {
		name := u
		if pu, err := url.Parse(u); err == nil {
			name = pu.Host
		}
		nodes = append(nodes, ari.NodeConfig{
			Name: name, URL: ariBase(u) + "/ari", Username: cfg.ARI.User,
			Password: cfg.ARI.Password.Reveal(), App: cfg.ARI.Application,
		})
	}
	return nodes
}

// ariBase is an ari.urls entry without a trailing "/" or "/ari": the
// configuration takes Asterisk's HTTP server address either way.
func ariBase(u string) string {
	return strings.TrimSuffix(strings.TrimRight(u, "/"), "/ari")
}

// serve runs what the configuration describes until ctx ends (stop now) or
// e.drain closes (finish gracefully). started, if set, learns the bound
// HTTP address once everything runs.
func serve(ctx context.Context, e *env, cfg config.Config, log *slog.Logger, started func(httpAddr string)) error {
	opts, err := cfg.Redis.UniversalOptions()
	if err != nil {
		return err
	}
	// Short timeouts and one retry: the call log spools and retries on its
	// own, and no API request should hang on Redis.
	opts.MaxRetries = 1
	opts.ReadTimeout, opts.WriteTimeout = time.Second, time.Second
	rdb := redis.NewUniversalClient(opts)
	defer rdb.Close()
	pctx, cancel := context.WithTimeout(ctx, cfg.Redis.DialTimeout.D())
	if err := rdb.Ping(pctx).Err(); err != nil {
		// Not fatal: Redis may come back; readiness reports it meanwhile.
		log.Warn("redis unreachable at start", "err", err)
	}
	cancel()

	flows, err := ivr.NewRegistry(cfg.Files.IVR)
	if err != nil {
		return fmt.Errorf("load IVR flows: %w", err)
	}
	log.Info("IVR flows loaded", "file", cfg.Files.IVR, "version", flows.Current().Version)

	// Listen first: spoken answers are fetched by Asterisk from this
	// listener, so its address goes into their URLs.
	ln, err := net.Listen("tcp", cfg.HTTP.Listen)
	if err != nil {
		return fmt.Errorf("listen for http on %s: %w", cfg.HTTP.Listen, err)
	}
	publicURL := cfg.HTTP.PublicURL
	if publicURL == "" {
		publicURL = "http://" + ln.Addr().String()
	}
	svc, err := buildServices(ctx, cfg, log, rdb, flows, publicURL)
	if err != nil {
		ln.Close()
		return err
	}
	defer svc.close()

	client, err := ari.Open(ctx, ariNodes(cfg), ari.Options{
		Logger:         log,
		RequestTimeout: cfg.ARI.RequestTimeout.D(),
		BackoffMin:     cfg.ARI.ReconnectMin.D(),
		BackoffMax:     cfg.ARI.ReconnectMax.D(),
	})
	if err != nil {
		ln.Close()
		return fmt.Errorf("connect to Asterisk (run 'liandong doctor' for help): %w", err)
	}
	defer client.Close()

	gw, err := gateway.New(gateway.Options{
		Logger:      log,
		Events:      client.Events(),
		Flows:       flows,
		Engine:      ivr.NewEngine(svc.deps),
		Recorder:    svc.recorder,
		DefaultLine: "12345",
	})
	if err != nil {
		ln.Close()
		return err
	}

	svc.metrics.LiveCalls = gw.Live
	handler := api.New(svc.apiOptions(api.Options{
		Logger:  log,
		Version: versionString(),
		IVR:     flows,
		Checks: map[string]api.Check{
			"redis": func(ctx context.Context) error { return rdb.Ping(ctx).Err() },
			"asterisk": func(ctx context.Context) error {
				for _, n := range client.Nodes() {
					if n.Connected() {
						return nil
					}
				}
				return errors.New("no Asterisk node connected")
			},
		},
	}))
	srv, addr, httpErr := serveOn(log, ln, handler)

	gctx, stopCalls := context.WithCancel(context.WithoutCancel(ctx))
	defer stopCalls()
	gwErr := make(chan error, 1)
	go func() { gwErr <- gw.Run(gctx) }()
	reloadDone := make(chan struct{})
	go func() {
		defer close(reloadDone)
		for {
			select {
			case <-gctx.Done():
				return
			case <-e.reload:
				if v, err := flows.Reload(); err != nil {
					log.Error("reload IVR flows failed; keeping the running version", "err", err)
				} else {
					log.Info("IVR flows reloaded", "version", v)
				}
			}
		}
	}()
	if started != nil {
		started(addr)
	}

	var runErr error
	select {
	case <-ctx.Done():
		log.Info("stopping now", "live_calls", gw.Live())
	case <-e.drain:
		timeout := cfg.Shutdown.DrainTimeout.D()
		log.Info("draining: no new calls", "live_calls", gw.Live(), "timeout", timeout)
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
		if left := gw.Drain(dctx); left > 0 {
			log.Warn("drain timeout: ending the calls still live", "live_calls", left)
		}
		cancel()
	case err := <-httpErr:
		runErr = err
	case err := <-gwErr:
		runErr = fmt.Errorf("gateway stopped: %w", err)
		gwErr <- nil
	}
	stopCalls()
	if err := <-gwErr; err != nil && runErr == nil {
		runErr = err
	}
	<-reloadDone
	stopHTTP(ctx, log, srv, httpErr, 5*time.Second)
	return runErr
}

// startHTTP listens on addr and serves h in the background.
func startHTTP(log *slog.Logger, addr string, h http.Handler) (*http.Server, string, <-chan error, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", nil, fmt.Errorf("listen for http on %s: %w", addr, err)
	}
	srv, a, errc := serveOn(log, ln, h)
	return srv, a, errc, nil
}

// serveOn serves h on ln in the background.
func serveOn(log *slog.Logger, ln net.Listener, h http.Handler) (*http.Server, string, <-chan error) {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() {
		err := srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		} else if err != nil {
			err = fmt.Errorf("serve http: %w", err)
		}
		errc <- err
	}()
	log.Info("http listening", "addr", ln.Addr().String())
	return srv, ln.Addr().String(), errc
}

// stopHTTP lets requests in flight finish within timeout, then closes.
func stopHTTP(ctx context.Context, log *slog.Logger, srv *http.Server, errc <-chan error, timeout time.Duration) {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	if ctx.Err() != nil {
		_ = srv.Close() // SIGINT: stop now
	} else if err := srv.Shutdown(sctx); err != nil {
		log.Warn("http shutdown incomplete", "err", err)
		_ = srv.Close()
	}
	select {
	case <-errc:
	case <-sctx.Done():
	}
}
