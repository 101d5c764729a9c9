// Package api serves liandong's HTTP API: health and readiness now; the
// agent, editor and supervisor APIs and the web console mount here as they
// land.
package api

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sort"
	"time"
)

// Check reports whether one dependency is usable; nil means healthy.
type Check func(ctx context.Context) error

// Options configure the API handler.
type Options struct {
	Logger  *slog.Logger
	Version string
	// Checks are run by /readyz, each with CheckTimeout.
	Checks       map[string]Check
	CheckTimeout time.Duration
	// KB, if set, serves /api/v1/kb/ (the knowledge-base API, NewKB).
	KB http.Handler
	// IVR, if set, serves the flows' version and reloads under /api/v1/ivr/.
	IVR FlowRegistry
	// Media, if set, serves rendered audio under /media/ for Asterisk's
	// sound:http:// playback (package gateway/media).
	Media http.Handler
	// Metrics, when set, is served at GET /metrics (Prometheus text format).
	Metrics MetricsWriter
	// Orders, if set, serves GET /api/v1/orders/{hotline}/{no}.
	Orders Orders
}

// New returns the API's root handler.
func New(o Options) http.Handler {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.CheckTimeout <= 0 {
		o.CheckTimeout = 2 * time.Second
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		status, body := ready(r.Context(), o)
		writeJSON(w, status, body)
	})
	mux.HandleFunc("GET /api/v1/version", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"version": o.Version})
	})
	if o.IVR != nil {
		mountIVR(mux, o.IVR)
	}
	if o.Media != nil {
		mux.Handle("/media/", o.Media)
	}
	if o.KB != nil {
		mux.Handle("/api/v1/kb/", o.KB)
	}
	if o.Orders != nil {
		mountOrders(mux, o.Orders)
	}
	if o.Metrics != nil {
		mux.Handle("GET /metrics", MetricsHandler(o.Metrics, o.Logger))
	}
	return mux
}

type readiness struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
}

func ready(ctx context.Context, o Options) (int, readiness) {
	names := make([]string, 0, len(o.Checks))
	for n := range o.Checks {
		names = append(names, n)
	}
	sort.Strings(names)
	out := readiness{Status: "ok", Checks: map[string]string{}}
	code := http.StatusOK
	for _, n := range names {
		cctx, cancel := context.WithTimeout(ctx, o.CheckTimeout)
		err := o.Checks[n](cctx)
		cancel()
		if err != nil {
			out.Checks[n] = err.Error()
			out.Status = "unavailable"
			code = http.StatusServiceUnavailable
			continue
		}
		out.Checks[n] = "ok"
	}
	return code, out
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
