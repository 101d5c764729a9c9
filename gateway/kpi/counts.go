// Package kpi computes the hotline's KPIs (人工接通率, 15秒接通率, abandon
// rate, waits, transfers, FAQ self-service, satisfaction) per day and per
// month from the call records of gateway/calllog.
//
// An Aggregator reads each hotline's event stream in a consumer group; at
// every call.ended it reads the finished call record and adds the call's
// contribution to counter hashes of its day and month (by the time the call
// started, in the configured time zone), once per call. Reports and the
// Prometheus exposition read those counters: a few small keys, whatever the
// number of calls. The formulas are in docs/kpi.md.
package kpi

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ErrIncomplete is returned for a call record that cannot be counted (no
// start or end time).
var ErrIncomplete = errors.New("kpi: call record incomplete")

// AnsweredWithin is the threshold of 15秒接通率.
const AnsweredWithin = 15 * time.Second

// SatisfiedMin is the lowest survey score counted as satisfied: scores are
// 5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意, and the rate counts
// 满意 and 基本满意 (and 非常满意).
const SatisfiedMin = 3

// Counter field names, as stored in the day and month hashes.
const (
	FCalls       = "calls"
	FAskedAgent  = "asked_agent"
	FAnswered    = "answered"
	FAnswered15s = "answered_15s"
	FAbandoned   = "abandoned"
	FWaitSumMS   = "wait_sum_ms"
	FKBUsed      = "kb_used"
	FSelfService = "self_service"
	FSurveyed    = "surveyed"
	FSatisfied   = "satisfied"
	FTransfers   = "transfers"
	// Prefixes of per-key counters: transfers by target line, by the call's
	// category, and by outcome.
	PTarget   = "transfer_target:"
	PCategory = "transfer_category:"
	POutcome  = "transfer_outcome:"
)

// Contribution is what one finished call adds to its day and month.
type Contribution struct {
	CallID string
	Day    string // 2006-01-02 in the KPI time zone
	Month  string // 2006-01
	// Add holds the counter increments (only non-zero ones).
	Add map[string]int64
	// WaitMS is the wait of a call answered by an agent; -1 otherwise.
	WaitMS int64
}

// FromRecord computes a finished call's contribution from its record hash
// (the fields of docs/redis-schema.md).
func FromRecord(rec map[string]string, loc *time.Location) (Contribution, error) {
	c := Contribution{CallID: rec["call_id"], Add: map[string]int64{}, WaitMS: -1}
	at, err := strconv.ParseInt(rec["started_at"], 10, 64)
	if err != nil || at <= 0 {
		at, err = strconv.ParseInt(rec["ended_at"], 10, 64)
		if err != nil || at <= 0 {
			return c, fmt.Errorf("%w: call %s has no start or end time", ErrIncomplete, c.CallID)
		}
	}
	t := time.UnixMilli(at).In(loc)
	c.Day, c.Month = t.Format("2006-01-02"), t.Format("2006-01")
	inc := func(f string, n int64) {
		if n != 0 {
			c.Add[f] += n
		}
	}
	inc(FCalls, 1)
	answered := rec["answered_at"] != ""
	asked := answered || rec["queued_at"] != ""
	if asked {
		inc(FAskedAgent, 1)
	}
	if answered {
		inc(FAnswered, 1)
		w, _ := strconv.ParseInt(rec["wait_ms"], 10, 64)
		w = max(w, 0) // answered without queueing: no wait
		c.WaitMS = w
		inc(FWaitSumMS, w)
		if w <= AnsweredWithin.Milliseconds() {
			inc(FAnswered15s, 1)
		}
	}
	cause := rec["end_cause"]
	if asked && !answered && (cause == "abandoned" || cause == "caller_hangup") {
		inc(FAbandoned, 1)
	}
	xfers := transfersOf(rec["transfers"])
	if n, _ := strconv.Atoi(rec["faq_count"]); n > 0 {
		inc(FKBUsed, 1)
		if !asked && len(xfers) == 0 && cause != "system" && cause != "error" {
			inc(FSelfService, 1)
		}
	}
	if s, err := strconv.Atoi(rec["survey_score"]); err == nil && s >= 1 && s <= 5 {
		inc(FSurveyed, 1)
		if s >= SatisfiedMin {
			inc(FSatisfied, 1)
		}
	}
	cat := rec["category"]
	if cat == "" {
		cat = "none"
	}
	for _, x := range xfers {
		inc(FTransfers, 1)
		inc(PTarget+orNone(x.Target), 1)
		inc(PCategory+cat, 1)
		inc(POutcome+orNone(x.Outcome), 1)
	}
	return c, nil
}

type transfer struct {
	Target  string `json:"target"`
	Outcome string `json:"outcome"`
}

func transfersOf(js string) []transfer {
	if js == "" {
		return nil
	}
	var xs []transfer
	if err := json.Unmarshal([]byte(js), &xs); err != nil {
		return nil
	}
	return xs
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// Counts are the counters of one period of one hotline.
type Counts struct {
	Calls       int64 `json:"calls"`
	AskedAgent  int64 `json:"asked_agent"`
	Answered    int64 `json:"answered"`
	Answered15s int64 `json:"answered_15s"`
	Abandoned   int64 `json:"abandoned"`
	WaitSumMS   int64 `json:"wait_sum_ms"`
	KBUsed      int64 `json:"kb_used"`
	SelfService int64 `json:"self_service"`
	Surveyed    int64 `json:"surveyed"`
	Satisfied   int64 `json:"satisfied"`
	Transfers   int64 `json:"transfers"`
	// ByTarget, ByCategory, ByOutcome count transfers (never nil).
	ByTarget   map[string]int64 `json:"transfers_by_target"`
	ByCategory map[string]int64 `json:"transfers_by_category"`
	ByOutcome  map[string]int64 `json:"transfers_by_outcome"`
}

// CountsFromHash reads a counter hash.
func CountsFromHash(h map[string]string) Counts {
	c := Counts{ByTarget: map[string]int64{}, ByCategory: map[string]int64{}, ByOutcome: map[string]int64{}}
	for k, v := range h {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			continue
		}
		c.add(k, n)
	}
	return c
}

func (c *Counts) add(k string, n int64) {
	switch k {
	case FCalls:
		c.Calls += n
	case FAskedAgent:
		c.AskedAgent += n
	case FAnswered:
		c.Answered += n
	case FAnswered15s:
		c.Answered15s += n
	case FAbandoned:
		c.Abandoned += n
	case FWaitSumMS:
		c.WaitSumMS += n
	case FKBUsed:
		c.KBUsed += n
	case FSelfService:
		c.SelfService += n
	case FSurveyed:
		c.Surveyed += n
	case FSatisfied:
		c.Satisfied += n
	case FTransfers:
		c.Transfers += n
	default:
		switch {
		case strings.HasPrefix(k, PTarget):
			c.ByTarget[k[len(PTarget):]] += n
		case strings.HasPrefix(k, PCategory):
			c.ByCategory[k[len(PCategory):]] += n
		case strings.HasPrefix(k, POutcome):
			c.ByOutcome[k[len(POutcome):]] += n
		}
	}
}

// Sum adds up contributions (for tests and offline recomputation).
func Sum(cs []Contribution) Counts {
	out := CountsFromHash(nil)
	for _, c := range cs {
		for k, n := range c.Add {
			out.add(k, n)
		}
	}
	return out
}

// KPIs are the figures of one period. A ratio is nil when its denominator
// is zero (no call of that kind): "no data", not 0%.
type KPIs struct {
	AgentAnswerRate  *float64 `json:"agent_answer_rate"`     // 人工接通率 = answered / asked_agent
	Answered15sRate  *float64 `json:"answered_15s_rate"`     // 15秒接通率 = answered_15s / answered
	AbandonRate      *float64 `json:"abandon_rate"`          // 放弃率 = abandoned / asked_agent
	AvgWaitS         *float64 `json:"avg_wait_s"`            // 平均等待 = wait_sum / answered
	P90WaitS         *float64 `json:"p90_wait_s"`            // 90% 等待 (nearest rank)
	SelfServiceRate  *float64 `json:"faq_self_service_rate"` // 自助解决率 = self_service / kb_used
	SatisfactionRate *float64 `json:"satisfaction_rate"`     // 满意率 = satisfied / surveyed
}

// Compute derives the KPIs from counters and the p90 wait (nil: none).
// Ratios are rounded to 4 decimals, seconds to 3.
func Compute(c Counts, p90WaitMS *int64) KPIs {
	var k KPIs
	k.AgentAnswerRate = ratio(c.Answered, c.AskedAgent, 4)
	k.Answered15sRate = ratio(c.Answered15s, c.Answered, 4)
	k.AbandonRate = ratio(c.Abandoned, c.AskedAgent, 4)
	k.AvgWaitS = ratio(c.WaitSumMS, c.Answered*1000, 3)
	if p90WaitMS != nil {
		v := round(float64(*p90WaitMS)/1000, 3)
		k.P90WaitS = &v
	}
	k.SelfServiceRate = ratio(c.SelfService, c.KBUsed, 4)
	k.SatisfactionRate = ratio(c.Satisfied, c.Surveyed, 4)
	return k
}

func ratio(n, d int64, digits int) *float64 {
	if d <= 0 {
		return nil
	}
	v := round(float64(n)/float64(d), digits)
	return &v
}

func round(v float64, digits int) float64 {
	p := math.Pow10(digits)
	return math.Round(v*p) / p
}

// P90 is the nearest-rank 90th percentile: the smallest value with at least
// 90% of the values at or below it (rank ceil(0.9 n), 1-based). nil if empty.
func P90(waits []int64) *int64 {
	if len(waits) == 0 {
		return nil
	}
	s := append([]int64(nil), waits...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	v := s[p90Rank(int64(len(s)))]
	return &v
}

// p90Rank is the 0-based index of the nearest-rank p90 among n values.
func p90Rank(n int64) int64 {
	return (9*n+9)/10 - 1 // ceil(0.9 n) - 1, in integers
}
