package kpi

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"liandong/gateway/calllog"
)

// Exporter writes the Prometheus text exposition (format 0.0.4): today's and
// this month's KPIs per hotline, read from the counters at scrape time, plus
// the gateway counters the process feeds through the optional funcs. It
// implements the api package's MetricsWriter.
type Exporter struct {
	RDB      redis.UniversalClient
	Prefix   string // default calllog.DefaultPrefix
	Hotlines []string
	Location *time.Location   // default Asia/Shanghai
	Now      func() time.Time // default time.Now

	LiveCalls  func() int                    // calls in progress
	CallLog    func() calllog.Stats          // event writer counters
	Feedback   func() calllog.FeedbackStats  // feedback consumer counters
	Aggregator func() Stats                  // KPI aggregator counters
	Extra      func(m *MetricsBuilder) error // anything else the process wants to expose
}

// WriteMetrics writes the exposition to w.
func (e *Exporter) WriteMetrics(ctx context.Context, w io.Writer) error {
	prefix := e.Prefix
	if prefix == "" {
		prefix = calllog.DefaultPrefix
	}
	loc := e.Location
	if loc == nil {
		loc = Shanghai()
	}
	now := time.Now
	if e.Now != nil {
		now = e.Now
	}
	t := now().In(loc)
	m := NewMetricsBuilder()
	// KPIs come from Redis; when it cannot be read the process counters are
	// still served (they matter most during an outage), with
	// liandong_kpi_up 0 instead of the KPI families.
	kpis := NewMetricsBuilder()
	var kerr error
	for _, h := range e.Hotlines {
		for _, p := range []struct{ period, key string }{
			{"day", DayKey(prefix, h, t.Format("2006-01-02"))},
			{"month", MonthKey(prefix, h, t.Format("2006-01"))},
		} {
			c, p90, err := Read(ctx, e.RDB, p.key)
			if err != nil {
				kerr = err
				break
			}
			addKPIs(kpis, h, p.period, c, Compute(c, p90))
		}
		if kerr != nil {
			break
		}
	}
	m.Gauge("liandong_kpi_up", "1 if the KPI counters could be read from Redis for this scrape.", b2f(kerr == nil))
	if kerr == nil {
		m.merge(kpis)
	}
	if e.LiveCalls != nil {
		m.Gauge("liandong_live_calls", "Calls in progress on this instance.", float64(e.LiveCalls()))
	}
	if e.CallLog != nil {
		s := e.CallLog()
		for _, c := range []struct {
			name, help string
			v          uint64
		}{
			{"liandong_calllog_events_emitted_total", "Events accepted by the call log.", s.Emitted},
			{"liandong_calllog_events_written_total", "Events appended to Redis.", s.Written},
			{"liandong_calllog_events_duplicate_total", "Events Redis skipped as already applied (replays).", s.Duplicates},
			{"liandong_calllog_events_spooled_total", "Events moved from memory to the disk spool.", s.Spooled},
			{"liandong_calllog_events_overflowed_total", "Events written straight to the overflow spool.", s.Overflowed},
			{"liandong_calllog_events_replayed_total", "Events delivered to Redis from a spool.", s.Replayed},
			{"liandong_calllog_events_rejected_total", "Events refused for good, saved to rejected.jsonl.", s.Rejected},
		} {
			m.Counter(c.name, c.help, float64(c.v))
		}
		m.Gauge("liandong_calllog_queued_events", "Events in the memory queue.", float64(s.Queued))
		m.Gauge("liandong_calllog_spool_bytes", "Spooled bytes not yet delivered.", float64(s.SpoolBytes))
		m.Gauge("liandong_calllog_redis_down", "1 while the call log cannot reach Redis.", b2f(s.RedisDown))
	}
	if e.Feedback != nil {
		s := e.Feedback()
		m.Counter("liandong_feedback_applied_total", "Feedback entries linked to their work order.", float64(s.Applied))
		m.Counter("liandong_feedback_duplicate_total", "Feedback redeliveries that changed nothing.", float64(s.Duplicates))
		m.Counter("liandong_feedback_dead_letter_total", "Feedback entries moved to the dead-letter stream.", float64(s.DeadLettered))
	}
	if e.Aggregator != nil {
		s := e.Aggregator()
		m.Counter("liandong_kpi_calls_counted_total", "Calls added to the KPI counters by this instance.", float64(s.Counted))
		m.Counter("liandong_kpi_calls_skipped_total", "Ended calls not counted (record gone or incomplete).", float64(s.Skipped))
	}
	if e.Extra != nil {
		if err := e.Extra(m); err != nil {
			return err
		}
	}
	_, err := m.WriteTo(w)
	return err
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func addKPIs(m *MetricsBuilder, hotline, period string, c Counts, k KPIs) {
	l := []string{"hotline", hotline, "period", period}
	counts := []struct {
		name, help string
		v          int64
	}{
		{"liandong_kpi_calls", "Calls that started in the period (counted when they end).", c.Calls},
		{"liandong_kpi_asked_agent", "Calls that asked for an agent (queued or answered).", c.AskedAgent},
		{"liandong_kpi_answered", "Calls answered by an agent.", c.Answered},
		{"liandong_kpi_answered_15s", "Calls answered by an agent within 15 s of queueing.", c.Answered15s},
		{"liandong_kpi_abandoned", "Calls that asked for an agent and hung up before one answered.", c.Abandoned},
		{"liandong_kpi_kb_used", "Calls that were given at least one FAQ answer.", c.KBUsed},
		{"liandong_kpi_self_service", "Calls ended after an FAQ answer without asking for an agent.", c.SelfService},
		{"liandong_kpi_surveyed", "Calls with a satisfaction score.", c.Surveyed},
		{"liandong_kpi_satisfied", "Calls scored 3 (基本满意) or better.", c.Satisfied},
	}
	for _, x := range counts {
		m.Gauge(x.name, x.help, float64(x.v), l...)
	}
	ratios := []struct {
		name, help string
		v          *float64
	}{
		{"liandong_kpi_agent_answer_ratio", "人工接通率: answered / asked_agent.", k.AgentAnswerRate},
		{"liandong_kpi_answered_15s_ratio", "15秒接通率: answered within 15 s / answered.", k.Answered15sRate},
		{"liandong_kpi_abandon_ratio", "Abandon rate: abandoned / asked_agent.", k.AbandonRate},
		{"liandong_kpi_wait_seconds_avg", "Average wait of answered calls, seconds.", k.AvgWaitS},
		{"liandong_kpi_wait_seconds_p90", "90th percentile (nearest rank) wait of answered calls, seconds.", k.P90WaitS},
		{"liandong_kpi_faq_self_service_ratio", "FAQ self-service rate: self_service / kb_used.", k.SelfServiceRate},
		{"liandong_kpi_satisfaction_ratio", "Satisfaction rate: satisfied / surveyed.", k.SatisfactionRate},
	}
	for _, x := range ratios {
		m.Declare(x.name, x.help, "gauge")
		if x.v != nil { // no sample when there is no data (denominator 0)
			m.Gauge(x.name, x.help, *x.v, l...)
		}
	}
	for _, by := range []struct {
		name, help, label string
		m                 map[string]int64
	}{
		{"liandong_kpi_transfers_by_target", "Transfers asked for, by target line.", "target", c.ByTarget},
		{"liandong_kpi_transfers_by_category", "Transfers asked for, by the call's category.", "category", c.ByCategory},
		{"liandong_kpi_transfers_by_outcome", "Transfers by outcome.", "outcome", c.ByOutcome},
	} {
		m.Declare(by.name, by.help, "gauge")
		keys := make([]string, 0, len(by.m))
		for k := range by.m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			m.Gauge(by.name, by.help, float64(by.m[k]), append(append([]string(nil), l...), by.label, k)...)
		}
	}
}

// MetricsBuilder collects samples grouped by metric family and writes them
// in the Prometheus text format. Families keep the order they were first
// declared in; samples keep the order they were added in.
type MetricsBuilder struct {
	order []string
	fams  map[string]*family
}

type family struct {
	help, typ string
	lines     []string
}

// NewMetricsBuilder returns an empty builder.
func NewMetricsBuilder() *MetricsBuilder { return &MetricsBuilder{fams: map[string]*family{}} }

func (m *MetricsBuilder) merge(o *MetricsBuilder) {
	for _, name := range o.order {
		f := o.fams[name]
		m.Declare(name, f.help, f.typ)
		m.fams[name].lines = append(m.fams[name].lines, f.lines...)
	}
}

// Declare makes a family appear (HELP and TYPE) even with no sample.
func (m *MetricsBuilder) Declare(name, help, typ string) {
	if _, ok := m.fams[name]; !ok {
		m.fams[name] = &family{help: help, typ: typ}
		m.order = append(m.order, name)
	}
}

// Gauge adds a gauge sample; labels are name, value pairs.
func (m *MetricsBuilder) Gauge(name, help string, v float64, labels ...string) {
	m.add(name, help, "gauge", v, labels)
}

// Counter adds a counter sample (name should end in _total).
func (m *MetricsBuilder) Counter(name, help string, v float64, labels ...string) {
	m.add(name, help, "counter", v, labels)
}

func (m *MetricsBuilder) add(name, help, typ string, v float64, labels []string) {
	m.Declare(name, help, typ)
	var b strings.Builder
	b.WriteString(name)
	if len(labels) > 1 {
		b.WriteByte('{')
		for i := 0; i+1 < len(labels); i += 2 {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(labels[i])
			b.WriteString(`="`)
			b.WriteString(escapeLabel(labels[i+1]))
			b.WriteByte('"')
		}
		b.WriteByte('}')
	}
	b.WriteByte(' ')
	b.WriteString(formatValue(v))
	f := m.fams[name]
	f.lines = append(f.lines, b.String())
}

// WriteTo writes the exposition.
func (m *MetricsBuilder) WriteTo(w io.Writer) (int64, error) {
	cw := &countWriter{w: bufio.NewWriter(w)}
	for _, name := range m.order {
		f := m.fams[name]
		fmt.Fprintf(cw, "# HELP %s %s\n# TYPE %s %s\n", name, escapeHelp(f.help), name, f.typ)
		for _, l := range f.lines {
			fmt.Fprintln(cw, l)
		}
	}
	if err := cw.w.Flush(); err != nil {
		return cw.n, fmt.Errorf("write metrics: %w", err)
	}
	return cw.n, cw.err
}

type countWriter struct {
	w   *bufio.Writer
	n   int64
	err error
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	if err != nil && c.err == nil {
		c.err = fmt.Errorf("write metrics: %w", err)
	}
	return n, err
}

func escapeLabel(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

func escapeHelp(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`).Replace(s)
}

func formatValue(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
