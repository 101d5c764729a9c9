package kpi

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"liandong/gateway/calllog"
	"liandong/internal/redistest"
)

// BenchmarkAggregator: calls per second the aggregator counts from the event
// stream of a real redis-server (it reads every event, counts at call.ended).
func BenchmarkAggregator(b *testing.B) {
	srv := redistest.Start(b)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer rdb.Close()
	ctx := context.Background()
	l, err := calllog.Open(ctx, rdb, calllog.Options{SpoolDir: b.TempDir(), Logger: quiet()})
	if err != nil {
		b.Fatal(err)
	}
	ss := specs()
	events := 0
	for i := range b.N {
		s := ss[i%len(ss)]
		s.id = fmt.Sprintf("b%d", i)
		for _, ev := range s.events() {
			ev.CallID = s.id
			if err := l.Emit(ev); err != nil {
				b.Fatal(err)
			}
			events++
		}
	}
	fctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := l.Flush(fctx); err != nil {
		b.Fatal(err)
	}
	_ = l.Close(fctx)
	b.ResetTimer()
	a := NewAggregator(rdb, AggregatorOptions{Hotlines: []string{"12345"}, Block: 20 * time.Millisecond, Logger: quiet()})
	rctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- a.Run(rctx) }()
	for a.Stats().Counted < uint64(b.N) {
		time.Sleep(time.Millisecond)
	}
	el := time.Since(start)
	stop()
	<-done
	b.ReportMetric(float64(b.N)/el.Seconds(), "calls/s")
	b.ReportMetric(float64(events)/el.Seconds(), "events/s")
}

// BenchmarkScrape: one /metrics exposition for one hotline (4 Redis reads).
func BenchmarkScrape(b *testing.B) {
	srv := redistest.Start(b)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	defer rdb.Close()
	e := &Exporter{RDB: rdb, Hotlines: []string{"12345"}}
	for b.Loop() {
		var sb strings.Builder
		if err := e.WriteMetrics(context.Background(), &sb); err != nil {
			b.Fatal(err)
		}
	}
}
