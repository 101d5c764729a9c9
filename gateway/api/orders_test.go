package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"testing"

	"liandong/gateway/calllog"
)

func TestOrdersRoute(t *testing.T) {
	h := New(Options{Orders: OrdersFunc(func(_ context.Context, hotline, no string) (*calllog.OrderView, error) {
		switch no {
		case "GD202611280001":
			return &calllog.OrderView{Hotline: hotline, Status: "accepted", History: []calllog.FeedbackItem{}}, nil
		case "down":
			return nil, errors.New("redis: connection refused")
		}
		return nil, calllog.ErrNotFound
	})})
	tests := []struct {
		path   string
		status int
	}{
		{"/api/v1/orders/12345/GD202611280001", 200},
		{"/api/v1/orders/12345/nope", 404},
		{"/api/v1/orders/12345/down", 503},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", tt.path, nil))
		if rec.Code != tt.status {
			t.Errorf("GET %s = %d, want %d: %s", tt.path, rec.Code, tt.status, rec.Body)
		}
		if tt.status == 200 {
			var v calllog.OrderView
			if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil || v.Hotline != "12345" || v.Status != "accepted" {
				t.Errorf("body = %s (%v)", rec.Body, err)
			}
		}
	}
}
