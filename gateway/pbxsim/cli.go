package pbxsim

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"
)

// DialplanLoader loads an extensions.conf-syntax file into a Dialplan; Main takes it so
// this package need not import the dialplan parser.
type DialplanLoader func(path string) (Dialplan, error)

// ParseEndpoint parses the --endpoint flag: "PJSIP/agent1001=answer:800ms", optionally
// followed by ";context=from-agents" and ";callerid=Agent 1001 <1001>".
func ParseEndpoint(s string) (Endpoint, error) {
	parts := strings.Split(s, ";")
	id, beh, hasBeh := strings.Cut(parts[0], "=")
	tech, res, ok := strings.Cut(strings.TrimSpace(id), "/")
	if !ok || tech == "" || res == "" {
		return Endpoint{}, fmt.Errorf("parse endpoint %q: want TECH/RESOURCE: %w", s, ErrBadInput)
	}
	e := Endpoint{Tech: tech, Resource: res, Context: "default",
		Behaviour: Behaviour{Mode: ModeAnswer, RingFor: 800 * time.Millisecond}}
	if hasBeh {
		b, err := ParseBehaviour(beh)
		if err != nil {
			return Endpoint{}, fmt.Errorf("parse endpoint %q: %w", s, err)
		}
		e.Behaviour = b
	}
	for _, p := range parts[1:] {
		k, v, _ := strings.Cut(p, "=")
		switch strings.TrimSpace(k) {
		case "context":
			e.Context = strings.TrimSpace(v)
		case "callerid":
			e.CallerID = parseCallerID(v)
		default:
			return Endpoint{}, fmt.Errorf("parse endpoint %q: unknown option %q: %w", s, k, ErrBadInput)
		}
	}
	return e, nil
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// Main runs the emulator standalone (the "pbxsim" command) until ctx ends. args are the
// flags without the command name; usage and errors go to stderr.
func Main(ctx context.Context, args []string, stderr io.Writer, load DialplanLoader, logger *slog.Logger) error {
	fs := flag.NewFlagSet("pbxsim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8088", "HTTP address for ARI (/ari/) and the control API (/sim/)")
	user := fs.String("user", "asterisk", "ARI user (ari.conf)")
	password := fs.String("password", "asterisk", "ARI password (ari.conf)")
	dialplan := fs.String("dialplan", "", "extensions.conf-syntax `file` (replaces the built-in routes)")
	sounds := fs.String("sounds", "", "`dir` with <name>.wav (or <lang>/<name>.wav) for sound:<name>")
	app := fs.String("app", "liandong", "Stasis app the built-in routes send 12345 and 110 to")
	lab := fs.Bool("lab", true, "add the lab endpoints PJSIP/pstn, PJSIP/agent1001, PJSIP/agent1002 and routes")
	writeTimeout := fs.Duration("write-timeout", 100*time.Millisecond, "event socket write timeout (websocket_write_timeout)")
	var endpoints multiFlag
	fs.Var(&endpoints, "endpoint", "endpoint and behaviour, repeatable: `PJSIP/1001=answer:800ms[;context=CTX][;callerid=Name <num>]`;\n"+
		"behaviours: answer[:ring], answer:1s,hangup:5s, busy[:ring], noanswer, offline")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: pbxsim [flags]\n\nAn ARI-compatible Asterisk emulator; see docs/pbxsim.md.\n\nflags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("pbxsim flags: %w", err)
	}
	opts := Options{User: *user, Password: *password, SoundsDir: *sounds, WriteTimeout: *writeTimeout, Logger: logger}
	if *lab {
		opts.Endpoints = LabEndpoints()
		opts.Routes = LabRoutes(*app)
	}
	for _, e := range endpoints {
		ep, err := ParseEndpoint(e)
		if err != nil {
			return err
		}
		replaced := false
		for i := range opts.Endpoints {
			if opts.Endpoints[i].ID() == ep.ID() {
				if ep.Context == "default" {
					ep.Context = opts.Endpoints[i].Context
				}
				if ep.CallerID == (CallerID{}) {
					ep.CallerID = opts.Endpoints[i].CallerID
				}
				opts.Endpoints[i], replaced = ep, true
			}
		}
		if !replaced {
			opts.Endpoints = append(opts.Endpoints, ep)
		}
	}
	if *dialplan != "" {
		if load == nil {
			return fmt.Errorf("pbxsim: --dialplan given but no dialplan loader: %w", ErrBadInput)
		}
		dp, err := load(*dialplan)
		if err != nil {
			return fmt.Errorf("pbxsim: load dialplan: %w", err)
		}
		opts.Dialplan = dp
	}
	s := New(opts)
	if err := s.Start(ctx, *listen); err != nil {
		_ = s.Close()
		if ctx.Err() != nil {
			return nil // stopped before it started
		}
		return err
	}
	if logger != nil {
		logger.Info("pbxsim listening", "addr", s.Addr(), "endpoints", len(opts.Endpoints))
	}
	<-ctx.Done()
	return s.Close()
}
