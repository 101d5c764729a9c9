package kpi_test

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/redis/go-redis/v9"

	"liandong/gateway/api"
	"liandong/gateway/calllog"
	"liandong/gateway/calllog/ivrorders"
	"liandong/gateway/kpi"
	"liandong/ivr"
)

// Example_wiring shows how a gateway process wires the feedback consumer,
// the KPI aggregator, /metrics, the IVR's work-order lookup, `liandong
// report` and `liandong tail`. (Compiled, not run: it needs a Redis.)
func Example_wiring() {
	ctx := context.Background()
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{"127.0.0.1:6379"}})
	log := slog.Default()
	prefix, hotlines := "liandong:", []string{"12345", "110"}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	var cl *calllog.Log // the process's call log (calllog.Open)

	// serve: background consumers, one goroutine each, ended by ctx.
	fb := calllog.NewFeedbackConsumer(rdb, calllog.FeedbackOptions{Prefix: prefix, Hotlines: hotlines, Logger: log})
	agg := kpi.NewAggregator(rdb, kpi.AggregatorOptions{Prefix: prefix, Hotlines: hotlines, Location: loc, Logger: log})
	go fb.Run(ctx)
	go agg.Run(ctx)

	// serve: /metrics.
	handler := api.New(api.Options{Metrics: &kpi.Exporter{
		RDB: rdb, Prefix: prefix, Hotlines: hotlines, Location: loc,
		LiveCalls:  func() int { return 0 }, // gateway.(*Gateway).Live
		CallLog:    cl.Stats,
		Feedback:   fb.Stats,
		Aggregator: agg.Stats,
	}})
	_ = handler

	// serve: the IVR's 查询工单办理进度; the state names come from configuration.
	var orders ivr.WorkOrders = &ivrorders.Lookup{RDB: rdb, Prefix: prefix, Hotlines: hotlines,
		StateNames: map[string]string{"": "已登记", "accepted": "已受理", "in_progress": "办理中", "done": "已办结", "returned": "已退回"}}
	_ = ivr.Deps{WorkOrders: orders}

	// liandong report --day 2026-11-28 [--json]
	_ = kpi.RunReport(ctx, os.Stdout, rdb, kpi.ReportOptions{Prefix: prefix, Hotlines: hotlines, Day: "2026-11-28", Location: loc})

	// liandong tail --stream events,feedback -f
	_ = calllog.RunTail(ctx, os.Stdout, rdb, calllog.TailOptions{Prefix: prefix, Hotlines: hotlines,
		Kinds: []string{"events", "feedback"}, Follow: true, Location: loc})
}
