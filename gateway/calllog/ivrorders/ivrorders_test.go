package ivrorders

import (
	"context"
	"errors"
	"testing"

	"github.com/redis/go-redis/v9"

	"liandong/gateway/calllog"
	"liandong/internal/redistest"
	"liandong/ivr"
)

func TestLatest(t *testing.T) {
	s := redistest.Start(t)
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr})
	defer rdb.Close()
	ctx := context.Background()
	// What the calllog script and the feedback consumer leave in Redis.
	const order = `{"order_no":"GD1","kind":"ticket","channel":"phone","accepted_at":1764300000000,"accepted_by":"a1","requester":{"type":"person"},"anonymous":false,"confidential":false,"request_type":"help","category":"c1","summary":"s","region_code":"140500","urgency":"normal","severity":"IV","handling":"assign","lead_unit":"city-water"}`
	rdb.HSet(ctx, calllog.WorkOrderKey("liandong:", "12345", "GD1"), "order", order, "last_seq", "1")
	rdb.ZAdd(ctx, calllog.CallerOrdersKey("liandong:", "12345", "13812345678"), redis.Z{Score: 1764300000000, Member: "GD1"})
	l := &Lookup{RDB: rdb, Hotlines: []string{"12345"}, StateNames: map[string]string{"": "已登记", "in_progress": "办理中"}}

	tests := []struct {
		name string
		set  []any
		want ivr.WorkOrder
	}{
		{"no feedback yet", nil, ivr.WorkOrder{ID: "GD1", State: "已登记", Department: "city-water"}},
		{"named status", []any{"status", "in_progress", "status_unit", "district-water"}, ivr.WorkOrder{ID: "GD1", State: "办理中", Department: "district-water"}},
		{"ticketing label wins", []any{"status", "done", "status_text", "已办结"}, ivr.WorkOrder{ID: "GD1", State: "已办结", Department: "district-water"}},
	}
	for _, tc := range tests {
		if tc.set != nil {
			rdb.HSet(ctx, calllog.WorkOrderKey("liandong:", "12345", "GD1"), tc.set...)
		}
		got, err := l.Latest(ctx, "13812345678")
		if err != nil || got != tc.want {
			t.Errorf("%s: got %+v, %v; want %+v", tc.name, got, err, tc.want)
		}
	}
	if _, err := l.Latest(ctx, "13900000000"); !errors.Is(err, ivr.ErrNotFound) {
		t.Errorf("unknown number: %v, want ivr.ErrNotFound", err)
	}
}
