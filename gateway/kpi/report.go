package kpi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/redis/go-redis/v9"

	"liandong/gateway/calllog"
)

// ErrBadPeriod is returned for a report period that is not a valid day
// (2006-01-02) or month (2006-01), or when both or neither are given.
var ErrBadPeriod = errors.New("kpi: bad report period")

// ReportOptions selects a report: exactly one of Day and Month.
type ReportOptions struct {
	Prefix   string   // default calllog.DefaultPrefix
	Hotlines []string // required
	Day      string   // 2026-11-28
	Month    string   // 2026-11
	JSON     bool     // JSON instead of a table
	Location *time.Location
}

// Report is the KPI report of one period, one entry per hotline.
type Report struct {
	Period   string          `json:"period"` // day | month
	Date     string          `json:"date"`   // 2026-11-28 | 2026-11
	TimeZone string          `json:"time_zone"`
	Hotlines []HotlineReport `json:"hotlines"`
}

// HotlineReport is one hotline's counters and KPIs.
type HotlineReport struct {
	Hotline string `json:"hotline"`
	Counts  Counts `json:"counts"`
	KPI     KPIs   `json:"kpi"`
}

// BuildReport reads the counters of the period.
func BuildReport(ctx context.Context, rdb redis.UniversalClient, opt ReportOptions) (*Report, error) {
	if opt.Prefix == "" {
		opt.Prefix = calllog.DefaultPrefix
	}
	if opt.Location == nil {
		opt.Location = Shanghai()
	}
	if len(opt.Hotlines) == 0 {
		return nil, fmt.Errorf("%w: no hotline", ErrBadPeriod)
	}
	r := &Report{TimeZone: opt.Location.String()}
	key := DayKey
	switch {
	case opt.Day != "" && opt.Month != "", opt.Day == "" && opt.Month == "":
		return nil, fmt.Errorf("%w: give one of --day and --month", ErrBadPeriod)
	case opt.Day != "":
		if _, err := time.ParseInLocation("2006-01-02", opt.Day, opt.Location); err != nil {
			return nil, fmt.Errorf("%w: day %q is not YYYY-MM-DD", ErrBadPeriod, opt.Day)
		}
		r.Period, r.Date = "day", opt.Day
	default:
		if _, err := time.ParseInLocation("2006-01", opt.Month, opt.Location); err != nil {
			return nil, fmt.Errorf("%w: month %q is not YYYY-MM", ErrBadPeriod, opt.Month)
		}
		r.Period, r.Date, key = "month", opt.Month, MonthKey
	}
	for _, h := range opt.Hotlines {
		c, p90, err := Read(ctx, rdb, key(opt.Prefix, h, r.Date))
		if err != nil {
			return nil, fmt.Errorf("kpi report: %w", err)
		}
		r.Hotlines = append(r.Hotlines, HotlineReport{Hotline: h, Counts: c, KPI: Compute(c, p90)})
	}
	return r, nil
}

// RunReport writes the report of a day or month to w, as a table (Chinese
// KPI names with their English keys) or as JSON. This is `liandong report`.
func RunReport(ctx context.Context, w io.Writer, rdb redis.UniversalClient, opt ReportOptions) error {
	r, err := BuildReport(ctx, rdb, opt)
	if err != nil {
		return err
	}
	if opt.JSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(r); err != nil {
			return fmt.Errorf("kpi report: write: %w", err)
		}
		return nil
	}
	return writeTable(w, r)
}

func writeTable(w io.Writer, r *Report) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for i, h := range r.Hotlines {
		if i > 0 {
			fmt.Fprintln(tw)
		}
		c, k := h.Counts, h.KPI
		// ASCII columns first: terminals draw Chinese twice as wide as
		// tabwriter counts, so the Chinese name goes last.
		fmt.Fprintf(tw, "hotline %s, %s %s (%s)\n", h.Hotline, r.Period, r.Date, r.TimeZone)
		fmt.Fprintf(tw, "key\tvalue\tn/d\t指标\n")
		row := func(name, key, val, how string) { fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", key, val, how, name) }
		row("呼入量", "calls", fmt.Sprint(c.Calls), "")
		row("请求人工", "asked_agent", fmt.Sprint(c.AskedAgent), "")
		row("人工接通率", "agent_answer_rate", pct(k.AgentAnswerRate), fmt.Sprintf("%d/%d", c.Answered, c.AskedAgent))
		row("15秒接通率", "answered_15s_rate", pct(k.Answered15sRate), fmt.Sprintf("%d/%d", c.Answered15s, c.Answered))
		row("放弃率", "abandon_rate", pct(k.AbandonRate), fmt.Sprintf("%d/%d", c.Abandoned, c.AskedAgent))
		row("平均等待", "avg_wait_s", secs(k.AvgWaitS), "")
		row("90%等待", "p90_wait_s", secs(k.P90WaitS), "")
		row("知识库自助解决率", "faq_self_service_rate", pct(k.SelfServiceRate), fmt.Sprintf("%d/%d", c.SelfService, c.KBUsed))
		row("满意率", "satisfaction_rate", pct(k.SatisfactionRate), fmt.Sprintf("%d/%d", c.Satisfied, c.Surveyed))
		row("转接", "transfers", fmt.Sprint(c.Transfers), "")
		row("按目标转接", "transfers_by_target", kv(c.ByTarget), "")
		row("按事项转接", "transfers_by_category", kv(c.ByCategory), "")
		row("转接结果", "transfers_by_outcome", kv(c.ByOutcome), "")
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("kpi report: write: %w", err)
	}
	return nil
}

func pct(v *float64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.2f%%", *v*100)
}

func secs(v *float64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.1fs", *v)
}

func kv(m map[string]int64) string {
	if len(m) == 0 {
		return "-"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, m[k])
	}
	return strings.Join(parts, " ")
}
