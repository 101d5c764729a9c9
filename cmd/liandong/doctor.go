package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"liandong/gateway/ari"

	"liandong/internal/config"
)

// check is one doctor finding.
type check struct {
	name string
	err  error
	fix  string
}

func runDoctor(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "doctor", "[flags]",
		"Check the configuration, then whether each Asterisk ARI node and Redis answer.\n"+
			"Prints what is wrong and how to fix it; exits non-zero if anything is.")
	var cf configFlags
	cf.register(fs, "")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait for each service")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	cfg, err := cf.load(e)
	if err != nil {
		report(e.stdout, []check{{name: "configuration", err: err, fix: "correct the key named above in " + orDefault(cf.path, "the environment or flags")}})
		return err
	}
	checks := []check{{name: "configuration " + orDefault(cf.path, "(built-in defaults)")}}
	for _, u := range cfg.ARI.URLs {
		checks = append(checks, checkARI(ctx, cfg, u, *timeout))
	}
	checks = append(checks, checkRedis(ctx, cfg, *timeout))
	for _, f := range []struct{ key, path string }{
		{"files.ivr", cfg.Files.IVR}, {"files.catalog", cfg.Files.Catalog}, {"files.faq", cfg.Files.FAQ},
		{"prompts.sounds_dir", cfg.Prompts.SoundsDir},
	} {
		c := check{name: f.key + " " + f.path}
		if _, err := os.Stat(f.path); err != nil {
			c.err = err
			c.fix = "create it or point " + f.key + " at the right path (run from the project directory for the samples)"
		}
		checks = append(checks, c)
	}
	failed := report(e.stdout, checks)
	if failed > 0 {
		return fmt.Errorf("%d of %d checks failed", failed, len(checks))
	}
	return nil
}

func report(w io.Writer, checks []check) int {
	failed := 0
	for _, c := range checks {
		if c.err == nil {
			fmt.Fprintf(w, "ok    %s\n", c.name)
			continue
		}
		failed++
		fmt.Fprintf(w, "FAIL  %s\n      %v\n", c.name, c.err)
		if c.fix != "" {
			fmt.Fprintf(w, "      fix: %s\n", c.fix)
		}
	}
	return failed
}

func checkARI(ctx context.Context, cfg config.Config, base string, timeout time.Duration) check {
	c := check{name: "Asterisk ARI " + base}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	url := ariBase(base) + "/ari/asterisk/info"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		c.err, c.fix = err, "correct ari.urls"
		return c
	}
	req.SetBasicAuth(cfg.ARI.User, cfg.ARI.Password.Reveal())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.err = err
		switch {
		case errors.Is(err, syscall.ECONNREFUSED):
			c.fix = "nothing listens there: start Asterisk, check http.conf (enabled=yes, bindaddr, bindport) and ari.urls; for a local try run 'liandong demo'"
		case errors.Is(err, context.DeadlineExceeded):
			c.fix = "no answer within " + timeout.String() + ": check the host, a firewall, or Asterisk's load"
		default:
			var dnsErr *net.DNSError
			if errors.As(err, &dnsErr) {
				c.fix = "the host name does not resolve: correct ari.urls"
			}
		}
		return c
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	switch resp.StatusCode {
	case http.StatusOK:
		// REST answers; now the event socket, where calls arrive.
		// A socket under the gateway's own application name would take the
		// application away from a running gateway (ApplicationReplaced):
		// the probe uses a name of its own.
		node := ari.NodeConfig{Name: base, URL: ariBase(base) + "/ari", Username: cfg.ARI.User,
			Password: cfg.ARI.Password.Reveal(), App: cfg.ARI.Application + "-doctor"}
		if _, err := ari.Probe(ctx, node, ari.Options{RequestTimeout: timeout, DialTimeout: timeout}); err != nil {
			c.err = fmt.Errorf("REST answers but the event socket does not: %w", err)
			c.fix = "check ari.application (" + cfg.ARI.Application + ") and that http.conf allows WebSocket upgrades on /ari/events"
		}
	case http.StatusUnauthorized:
		c.err = fmt.Errorf("401 Unauthorized for user %q", cfg.ARI.User)
		c.fix = "ari.user and the password (LIANDONG_ARI_PASSWORD or ari.password_file) must match a [user] in ari.conf"
	case http.StatusNotFound:
		c.err = errors.New("404: the HTTP server answers but ARI is not there")
		c.fix = "enable ARI: ari.conf [general] enabled=yes, and load res_ari"
	default:
		c.err = fmt.Errorf("unexpected %s: %s", resp.Status, strings.TrimSpace(string(body)))
	}
	return c
}

func checkRedis(ctx context.Context, cfg config.Config, timeout time.Duration) check {
	target := cfg.Redis.URL
	if cfg.Redis.Mode != "single" {
		target = cfg.Redis.Mode + " " + strings.Join(cfg.Redis.Addrs, ",")
	}
	c := check{name: "Redis " + redactURL(target)}
	opts, err := cfg.Redis.UniversalOptions()
	if err != nil {
		c.err, c.fix = err, "correct the redis section"
		return c
	}
	opts.DialTimeout = timeout
	opts.MaxRetries = -1
	client := redis.NewUniversalClient(opts)
	defer client.Close()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		c.err = err
		msg := err.Error()
		switch {
		case errors.Is(err, syscall.ECONNREFUSED):
			c.fix = "nothing listens there: start redis-server (apt-get install redis-server) or correct redis.url"
		case strings.Contains(msg, "NOAUTH"), strings.Contains(msg, "WRONGPASS"), strings.Contains(msg, "invalid password"):
			c.fix = "set the Redis password: LIANDONG_REDIS_PASSWORD or redis.password_file"
		case errors.Is(err, context.DeadlineExceeded), strings.Contains(msg, "i/o timeout"):
			c.fix = "no answer within " + timeout.String() + ": check the host and a firewall"
		}
	}
	return c
}

// redactURL hides a password in a URL before it is printed.
func redactURL(s string) string {
	if i := strings.Index(s, "://"); i >= 0 {
		if at := strings.LastIndex(s, "@"); at > i {
			cred := s[i+3 : at]
			if u, _, ok := strings.Cut(cred, ":"); ok {
				return s[:i+3] + u + ":******" + s[at:]
			}
		}
	}
	return s
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
