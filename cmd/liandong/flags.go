package main

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"liandong/internal/config"
	"liandong/internal/logging"
)

// configFlags are the flags shared by the commands that read the config.
type configFlags struct {
	path      string
	overrides []config.Override
}

func (c *configFlags) register(fs *flagSet, defaultPath string) {
	c.path = defaultPath
	fs.StringVar(&c.path, "config", defaultPath, "configuration `FILE` (YAML; see configs/liandong.yaml)")
	fs.Func("set", "override one setting, `key=value` (repeatable), e.g. --set redis.url=redis://10.0.0.5:6379/0", func(s string) error {
		o, err := config.ParseOverride(s)
		if err != nil {
			return err
		}
		c.overrides = append(c.overrides, o)
		return nil
	})
	short := func(flagName, key, help string) {
		fs.Func(flagName, help+" (same as --set "+key+"=...)", func(s string) error {
			c.overrides = append(c.overrides, config.Override{Key: key, Value: s})
			return nil
		})
	}
	short("listen", "http.listen", "HTTP API listen `address`")
	short("redis-url", "redis.url", "Redis `URL`")
	short("ari-url", "ari.urls", "Asterisk ARI base `URL`s, comma-separated")
	short("log-level", "log.level", "log `level`: debug, info, warn, error")
	short("log-format", "log.format", "log `format`: text or json")
}

// load reads the configuration with the flags' overrides on top.
func (c *configFlags) load(e *env) (config.Config, error) {
	cfg, err := config.Load(c.path, e.environ, c.overrides)
	if err != nil {
		return config.Config{}, fmt.Errorf("load configuration: %w", err)
	}
	return cfg, nil
}

func isConfigError(err error) bool { return errors.Is(err, config.ErrInvalid) }

func newLogger(e *env, cfg config.Config) (*slog.Logger, error) {
	return logging.New(e.stderr, strings.ToLower(cfg.Log.Level), cfg.Log.Format)
}
