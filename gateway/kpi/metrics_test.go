package kpi

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"liandong/gateway/calllog"
	"liandong/internal/redistest"
)

var sampleLine = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\.)*",?)*\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$`)

func TestExporterGolden(t *testing.T) {
	rdb := world(t)
	runAggregator(t, rdb)
	e := &Exporter{
		RDB: rdb, Hotlines: []string{"12345"},
		Now:       func() time.Time { return time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC) }, // 20:00 in Shanghai
		LiveCalls: func() int { return 7 },
		CallLog: func() calllog.Stats {
			return calllog.Stats{Emitted: 100, Written: 98, Duplicates: 1, Spooled: 2, Replayed: 2, Queued: 1, SpoolBytes: 512}
		},
		Feedback:   func() calllog.FeedbackStats { return calllog.FeedbackStats{Applied: 5, Duplicates: 1, DeadLettered: 2} },
		Aggregator: func() Stats { return Stats{Counted: 12} },
		Extra: func(m *MetricsBuilder) error {
			m.Gauge("liandong_test_label_escaping", "Escaping.", 1, "v", "a\"b\\c\nd")
			return nil
		},
	}
	var b strings.Builder
	if err := e.WriteMetrics(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	golden(t, "metrics.golden.txt", b.String())
	for _, l := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
		if strings.HasPrefix(l, "# HELP ") || strings.HasPrefix(l, "# TYPE ") {
			continue
		}
		if !sampleLine.MatchString(l) {
			t.Errorf("not a valid sample line: %q", l)
		}
	}
}

// With Redis gone the process counters are still served, and kpi_up says 0.
func TestExporterRedisDown(t *testing.T) {
	srv := redistest.Start(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer rdb.Close()
	srv.Stop()
	e := &Exporter{RDB: rdb, Hotlines: []string{"12345"}, LiveCalls: func() int { return 2 }}
	var b strings.Builder
	if err := e.WriteMetrics(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.Contains(out, "liandong_kpi_up 0\n") || !strings.Contains(out, "liandong_live_calls 2\n") || strings.Contains(out, "liandong_kpi_calls") {
		t.Errorf("exposition with Redis down:\n%s", out)
	}
}
