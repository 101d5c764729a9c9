package api

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"time"
)

// MetricsWriter writes the Prometheus text exposition (format 0.0.4) of the
// process: KPIs and gateway counters. kpi.Exporter implements it.
type MetricsWriter interface {
	WriteMetrics(ctx context.Context, w io.Writer) error
}

// MetricsTimeout bounds one scrape (the KPI counters are read from Redis).
const MetricsTimeout = 5 * time.Second

// MetricsHandler serves GET /metrics. The exposition is built in memory
// first, so a failure mid-way gives a clean 503 instead of a truncated body
// Prometheus would half-ingest.
func MetricsHandler(m MetricsWriter, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), MetricsTimeout)
		defer cancel()
		var b bytes.Buffer
		if err := m.WriteMetrics(ctx, &b); err != nil {
			log.Warn("api: metrics scrape failed", "err", err)
			http.Error(w, "metrics unavailable: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		_, _ = w.Write(b.Bytes())
	})
}
