package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

type fakeMetrics struct{ err error }

func (f fakeMetrics) WriteMetrics(_ context.Context, w io.Writer) error {
	fmt.Fprint(w, "# HELP liandong_live_calls Calls.\n# TYPE liandong_live_calls gauge\nliandong_live_calls 3\n")
	return f.err
}

func TestMetricsEndpoint(t *testing.T) {
	tests := []struct {
		name   string
		m      MetricsWriter
		status int
		body   string
		ctype  string
	}{
		{"exposition", fakeMetrics{}, 200, "liandong_live_calls 3\n", "text/plain; version=0.0.4; charset=utf-8"},
		{"failure is a clean 503, not half a body", fakeMetrics{err: errors.New("redis down")}, 503, "metrics unavailable: redis down\n", "text/plain; charset=utf-8"},
		{"not mounted without a writer", nil, 404, "404 page not found\n", "text/plain; charset=utf-8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			New(Options{Metrics: tc.m}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
			if rec.Code != tc.status || !strings.HasSuffix(rec.Body.String(), tc.body) || rec.Header().Get("Content-Type") != tc.ctype {
				t.Errorf("got %d %q %q", rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
			}
			if tc.status == 503 && strings.Contains(rec.Body.String(), "liandong_live_calls") {
				t.Error("partial exposition served")
			}
		})
	}
}
