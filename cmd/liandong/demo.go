package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/alicebob/miniredis/v2"

	"liandong/configs"
	"liandong/gateway/pbxsim"
	"liandong/gateway/pbxsim/dialplan"
	"liandong/gateway/pbxsim/simmedia"
	"liandong/internal/config"
	"liandong/internal/redisproc"
)

func runDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "demo", "[flags]",
		"Run the whole system on loopback with embedded defaults and no outside setup:\n"+
			"an emulated Asterisk (ARI on --pbx-listen, with a control API to place calls),\n"+
			"Redis (a redis-server child when one is on PATH, else an embedded Redis-compatible\n"+
			"server), and the gateway with its HTTP API. Prints the URLs; Ctrl-C stops everything.")
	var cf configFlags
	cf.register(fs, "")
	embedded := fs.Bool("embedded-redis", false, "use the embedded Redis even when redis-server is installed")
	pbxListen := fs.String("pbx-listen", "127.0.0.1:8088", "`address` of the emulated Asterisk (ARI and its control API)")
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

	// Without --config the demo runs on the embedded samples.
	if cf.path == "" {
		if err := unpackSamples(dir); err != nil {
			return err
		}
		cfg.Files.IVR = filepath.Join(dir, "ivr.yaml")
		cfg.Files.Catalog = filepath.Join(dir, "catalog.yaml")
		cfg.Files.FAQ = filepath.Join(dir, "faq.yaml")
		cfg.Files.Lexicon = filepath.Join(dir, "kb-lexicon.yaml")
		cfg.Prompts.SoundsDir = filepath.Join(dir, "sounds")
	}

	redisURL, redisKind, stopRedis, err := startDemoRedis(ctx, dir, *embedded)
	if err != nil {
		return err
	}
	defer stopRedis()

	// The emulated Asterisk plays prompts from <sounds>/<prefix>/NAME.wav,
	// as Asterisk does from its sounds directory.
	simSounds := filepath.Join(dir, "asterisk-sounds")
	if err := os.MkdirAll(simSounds, 0o755); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	promptDir, _ := filepath.Abs(cfg.Prompts.SoundsDir)
	if err := os.Symlink(promptDir, filepath.Join(simSounds, cfg.Prompts.SoundPrefix)); err != nil {
		return fmt.Errorf("demo: link prompts: %w", err)
	}
	password := "demo-" + randomHex(6)
	dp, err := dialplan.Builtin()
	if err != nil {
		return fmt.Errorf("demo: built-in dialplan: %w", err)
	}
	dp.SetGlobal("ARI_APP", cfg.ARI.Application)
	simOpts := pbxsim.Options{
		User: cfg.ARI.User, Password: password,
		Endpoints: pbxsim.LabEndpoints(),
		Dialplan:  pbxsim.ExtensionsDialplan(dp, log),
		SoundsDir: simSounds,
		Logger:    log,
	}
	// Real audio, so what a caller heard can be fetched as a wav.
	simmedia.Enable(&simOpts, simmedia.Config{SoundsDir: simSounds, Logger: log})
	sim := pbxsim.New(simOpts)
	// The emulator lives as long as the demo; it is closed below, after
	// the gateway has let go of it.
	if err := sim.Start(context.WithoutCancel(ctx), *pbxListen); err != nil {
		return fmt.Errorf("demo: start the emulated Asterisk on %s: %w", *pbxListen, err)
	}
	defer sim.Close()

	for _, kv := range [][2]string{
		{"redis.url", redisURL}, {"redis.mode", "single"}, {"ari.urls", sim.URL()},
		{"calllog.spool_dir", filepath.Join(dir, "spool")},
		{"prompts.tts.cache_dir", filepath.Join(dir, "tts")},
	} {
		if err := config.Set(&cfg, kv[0], kv[1], "demo"); err != nil {
			return err
		}
	}
	cfg.ARI.Password = config.Secret(password)
	if err := cfg.Validate(); err != nil {
		return err
	}
	log.Info("demo redis", "kind", redisKind, "url", redisURL)

	return serve(ctx, e, cfg, log, func(addr string) {
		w := e.stdout
		fmt.Fprintf(w, "liandong demo is running (Ctrl-C to stop)\n")
		fmt.Fprintf(w, "  HTTP API:          http://%s/  (health: http://%s/healthz)\n", addr, addr)
		fmt.Fprintf(w, "  ask the FAQ:       curl 'http://%s/api/v1/kb/ask?q=社保怎么查'\n", addr)
		fmt.Fprintf(w, "  emulated Asterisk: %s/ari  (user %s, password %s)\n", sim.URL(), cfg.ARI.User, password)
		fmt.Fprintf(w, "  Redis:             %s (%s)\n", redisURL, redisKind)
		fmt.Fprintf(w, "  place a call:      curl -X POST %s/sim/calls -d '{\"to\":\"12345\",\"caller_number\":\"13800138000\"}'\n", sim.URL())
		fmt.Fprintf(w, "  press a key:       curl -X POST %s/sim/channels/ID/dtmf -d '{\"digits\":\"1\"}'\n", sim.URL())
		fmt.Fprintf(w, "  hear the call:     curl -o heard.wav %s/sim/channels/ID/heard\n", sim.URL())
	})
}

// unpackSamples writes the embedded sample configuration into dir.
func unpackSamples(dir string) error {
	return fs.WalkDir(configs.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		target := filepath.Join(dir, filepath.FromSlash(path))
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := configs.FS.ReadFile(path)
		if err != nil {
			return err
		}
		if err := os.WriteFile(target, b, 0o644); err != nil {
			return fmt.Errorf("demo: unpack %s: %w", path, err)
		}
		return nil
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

func randomHex(n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n]
}
