package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"liandong/gateway/pbxsim"
	"liandong/gateway/pbxsim/dialplan"
	"liandong/gateway/pbxsim/simmedia"
	"liandong/internal/config"
)

// endpointFlags collects --endpoint values (pbxsim.ParseEndpoint syntax).
type endpointFlags []pbxsim.Endpoint

func (f *endpointFlags) String() string { return "" }

func (f *endpointFlags) Set(s string) error {
	ep, err := pbxsim.ParseEndpoint(s)
	if err != nil {
		return err
	}
	if ep.CallerID.Number == "" {
		ep.CallerID = pbxsim.CallerID{Name: ep.Resource, Number: ep.Resource}
	}
	*f = append(*f, ep)
	return nil
}

func runPbxsim(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "pbxsim", "[flags]",
		"Run the ARI-compatible Asterisk emulator on its own, so the gateway (or anything\n"+
			"else) can point at it as at Asterisk. ARI is under /ari (basic auth), its control\n"+
			"API under /sim (docs/pbxsim.md). The built-in dialplan sends 12345 and 110 in\n"+
			"context from-pstn to Stasis(--app); --dialplan adds an extensions.conf.\n"+
			"Endpoint behaviours: answer[:RING], answer:RING,hangup:AFTER, busy[:RING], noanswer, offline.")
	listen := fs.String("listen", "127.0.0.1:8088", "HTTP `address` for ARI and the control API")
	user := fs.String("user", "liandong", "ARI `user` (ari.conf)")
	password := fs.String("password", "liandong", "ARI `password` (ari.conf)")
	app := fs.String("app", "liandong", "Stasis `application` of the built-in dialplan")
	dpFile := fs.String("dialplan", "", "extensions.conf `FILE` added to the built-in contexts")
	sounds := fs.String("sounds", "", "sounds `DIR`: sound:NAME plays DIR/NAME.wav")
	var eps endpointFlags
	fs.Var(&eps, "endpoint", "a phone, `TECH/RES=BEHAVIOUR[;context=CTX][;callerid=Name <num>]` (repeatable), e.g. PJSIP/1001=answer:800ms;context=from-agents")
	moh := fs.String("moh", "", "music-on-hold `DIR`: class C plays DIR/C/*.wav (a generated tune when empty)")
	noMedia := fs.Bool("no-media", false, "no audio: playbacks only take their time (lighter, for load tests)")
	writeTimeout := fs.Duration("write-timeout", 100*time.Millisecond, "drop an event socket that does not read for this long (http.conf websocket_write_timeout)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	dp, err := dialplan.Builtin()
	if err != nil {
		return fmt.Errorf("pbxsim: built-in dialplan: %w", err)
	}
	dp.SetGlobal("ARI_APP", *app)
	if *dpFile != "" {
		f, err := os.Open(*dpFile)
		if err != nil {
			return fmt.Errorf("pbxsim: %w", err)
		}
		err = dp.Load(f, *dpFile)
		f.Close()
		if err != nil {
			return fmt.Errorf("pbxsim: load dialplan: %w", err)
		}
	}
	endpoints := pbxsim.LabEndpoints()
	for _, ep := range eps {
		replaced := false
		for i := range endpoints {
			if endpoints[i].ID() == ep.ID() {
				endpoints[i], replaced = ep, true
			}
		}
		if !replaced {
			endpoints = append(endpoints, ep)
		}
	}
	log, err := newLogger(e, config.Default())
	if err != nil {
		return err
	}
	opts := pbxsim.Options{
		User: *user, Password: *password,
		Endpoints:    endpoints,
		Dialplan:     pbxsim.ExtensionsDialplan(dp, log),
		SoundsDir:    *sounds,
		WriteTimeout: *writeTimeout,
		Logger:       log,
	}
	if !*noMedia {
		// Real audio: playbacks, bridges, music on hold, externalMedia RTP.
		simmedia.Enable(&opts, simmedia.Config{SoundsDir: *sounds, MOHDir: *moh, Logger: log})
	}
	sim := pbxsim.New(opts)
	if err := sim.Start(context.WithoutCancel(ctx), *listen); err != nil {
		return err
	}
	defer sim.Close()
	fmt.Fprintf(e.stdout, "pbxsim listening on %s (ARI %s/ari, control %s/sim)\n", sim.URL(), sim.URL(), sim.URL())
	select {
	case <-ctx.Done():
	case <-e.drain:
	}
	return nil
}
