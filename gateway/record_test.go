package gateway_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"liandong/gateway"
	"liandong/gateway/calllog"
	"liandong/internal/logging"
	"liandong/internal/redistest"
)

// A call through the gateway lands in the call log: its events in the
// hotline's stream in order, and its record.
func TestCallLogRecordsCalls(t *testing.T) {
	srv := redistest.Start(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	t.Cleanup(func() { rdb.Close() })
	ctx := context.Background()
	cl, err := calllog.Open(ctx, rdb, calllog.Options{SpoolDir: t.TempDir(), Logger: logging.Discard()})
	if err != nil {
		t.Fatal(err)
	}
	rec := gateway.NewCallLog(cl, nil)
	r := start(t, gateway.Options{Recorder: rec}, withReporter(rec))
	t.Cleanup(func() { cl.Close(context.Background()) })

	id := r.call(t, "12345")
	r.waitTrail(t, id, "played:main:main")
	r.sim.SendDTMF(id, "1", 0)
	r.waitTrail(t, id, "played:survey:survey")
	r.sim.SendDTMF(id, "3", 0)
	r.waitGone(t)
	fctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := cl.Flush(fctx); err != nil {
		t.Fatal(err)
	}

	entries, err := rdb.XRange(ctx, calllog.StreamKey("liandong:", "12345"), "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range entries {
		if e.Values["call"] == id || e.Values["call_id"] == id {
			types = append(types, e.Values["type"].(string))
		}
	}
	want := []string{"call.started", "ivr.choice", "survey.recorded", "call.ended"}
	if len(types) != len(want) {
		t.Fatalf("events of the call = %v, want %v (stream: %v)", types, want, entries)
	}
	for i := range want {
		if types[i] != want[i] {
			t.Errorf("event %d = %s, want %s", i, types[i], want[i])
		}
	}
	record, err := calllog.ReadRecord(ctx, rdb, "liandong:", "12345", id)
	if err != nil {
		t.Fatal(err)
	}
	if record["caller"] != "13800138000" {
		t.Errorf("record caller = %q, want the full number", record["caller"])
	}
	if len(record) < 4 {
		t.Errorf("record too thin: %v", record)
	}
}
