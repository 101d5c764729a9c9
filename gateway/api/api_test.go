package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestHealthAndReadiness(t *testing.T) {
	redisUp := true
	h := New(Options{Version: "v-test", Checks: map[string]Check{
		"redis": func(context.Context) error {
			if redisUp {
				return nil
			}
			return errors.New("dial tcp 127.0.0.1:6379: connection refused")
		},
	}})
	tests := []struct {
		name   string
		path   string
		up     bool
		status int
		field  string
		want   string
	}{
		{"liveness", "/healthz", false, 200, "status", "ok"},
		{"ready", "/readyz", true, 200, "status", "ok"},
		{"not ready", "/readyz", false, 503, "status", "unavailable"},
		{"version", "/api/v1/version", true, 200, "version", "v-test"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			redisUp = tt.up
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", tt.path, nil))
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			var body map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			if body[tt.field] != tt.want {
				t.Errorf("%s = %v, want %v", tt.field, body[tt.field], tt.want)
			}
		})
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/healthz", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /healthz = %d, want 405", rec.Code)
	}
}
