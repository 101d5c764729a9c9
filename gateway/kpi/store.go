package kpi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"liandong/gateway/calllog"
)

// Retention of the counters: days for 400 days, months for 800, so a year
// can be compared with the last (call records themselves expire sooner).
const (
	DayRetention   = 400 * 24 * time.Hour
	MonthRetention = 800 * 24 * time.Hour
)

// DayKey is the counter hash of a hotline's day (2006-01-02).
func DayKey(prefix, hotline, day string) string { return prefix + "{" + hotline + "}:kpi:day:" + day }

// MonthKey is the counter hash of a hotline's month (2006-01).
func MonthKey(prefix, hotline, month string) string {
	return prefix + "{" + hotline + "}:kpi:month:" + month
}

// WaitsKey is the sorted set of answered calls' waits (member call id, score
// ms) of a day or month counter hash.
func WaitsKey(periodKey string) string { return periodKey + ":waits" }

// SeenKey is the set of call ids already counted in a day: what makes
// counting idempotent.
func SeenKey(dayKey string) string { return dayKey + ":seen" }

// addSrc adds one call's contribution once.
// KEYS: day hash, month hash, day waits, month waits, day seen.
// ARGV: call id, day ttl s, month ttl s, wait ms ("" none), then field/incr pairs.
const addSrc = `
if redis.call('SADD', KEYS[5], ARGV[1]) == 0 then return 0 end
for i = 5, #ARGV, 2 do
  redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i+1])
  redis.call('HINCRBY', KEYS[2], ARGV[i], ARGV[i+1])
end
if ARGV[4] ~= '' then
  redis.call('ZADD', KEYS[3], ARGV[4], ARGV[1])
  redis.call('ZADD', KEYS[4], ARGV[4], ARGV[1])
  redis.call('EXPIRE', KEYS[3], ARGV[2])
  redis.call('EXPIRE', KEYS[4], ARGV[3])
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[5], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return 1
`

var addScript = redis.NewScript(addSrc)

// Add stores a call's contribution; false if the call was counted before.
func Add(ctx context.Context, rdb redis.UniversalClient, prefix, hotline string, c Contribution) (bool, error) {
	keys, args := addArgs(prefix, hotline, c)
	n, err := addScript.Run(ctx, rdb, keys, args...).Int()
	if err != nil {
		return false, fmt.Errorf("add kpi of call %s: %w", c.CallID, err)
	}
	return n == 1, nil
}

func addArgs(prefix, hotline string, c Contribution) ([]string, []any) {
	day, month := DayKey(prefix, hotline, c.Day), MonthKey(prefix, hotline, c.Month)
	wait := ""
	if c.WaitMS >= 0 {
		wait = fmt.Sprint(c.WaitMS)
	}
	args := []any{c.CallID, int64(DayRetention / time.Second), int64(MonthRetention / time.Second), wait}
	for k, n := range c.Add {
		args = append(args, k, n)
	}
	return []string{day, month, WaitsKey(day), WaitsKey(month), SeenKey(day)}, args
}

// Read returns the counters and the p90 wait of a period key (DayKey or
// MonthKey).
func Read(ctx context.Context, rdb redis.UniversalClient, periodKey string) (Counts, *int64, error) {
	h, err := rdb.HGetAll(ctx, periodKey).Result()
	if err != nil {
		return Counts{}, nil, fmt.Errorf("read kpi %s: %w", periodKey, err)
	}
	c := CountsFromHash(h)
	n, err := rdb.ZCard(ctx, WaitsKey(periodKey)).Result()
	if err != nil {
		return c, nil, fmt.Errorf("read kpi waits %s: %w", periodKey, err)
	}
	if n == 0 {
		return c, nil, nil
	}
	r := p90Rank(n)
	zs, err := rdb.ZRangeWithScores(ctx, WaitsKey(periodKey), r, r).Result()
	if err != nil || len(zs) != 1 {
		return c, nil, fmt.Errorf("read kpi p90 %s: %w", periodKey, err)
	}
	v := int64(zs[0].Score)
	return c, &v, nil
}

// AggregatorOptions configures an Aggregator.
type AggregatorOptions struct {
	Prefix   string         // default calllog.DefaultPrefix
	Hotlines []string       // required
	Location *time.Location // KPI time zone; default Asia/Shanghai
	Group    string         // default DefaultGroup
	Consumer string         // default calllog.DefaultConsumerName()
	Block    time.Duration  // XREADGROUP block; default 1s
	MinIdle  time.Duration  // reclaim after; default 30s
	Logger   *slog.Logger
}

// DefaultGroup is the consumer group the gateways' aggregators share on the
// event streams.
const DefaultGroup = "liandong-kpi"

// Stats are an Aggregator's counters.
type Stats struct {
	Counted    uint64 // calls added to their day and month
	Duplicates uint64 // call.ended seen again (redelivery): not counted twice
	Skipped    uint64 // records gone (expired) or incomplete: logged
}

// Aggregator keeps the KPI counters up to date from the event streams.
type Aggregator struct {
	rdb redis.UniversalClient
	opt AggregatorOptions
	log *slog.Logger

	counted, dups, skipped atomic.Uint64
}

// NewAggregator returns an Aggregator; Run starts it.
func NewAggregator(rdb redis.UniversalClient, opt AggregatorOptions) *Aggregator {
	if opt.Prefix == "" {
		opt.Prefix = calllog.DefaultPrefix
	}
	if opt.Location == nil {
		opt.Location = Shanghai()
	}
	if opt.Group == "" {
		opt.Group = DefaultGroup
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	return &Aggregator{rdb: rdb, opt: opt, log: opt.Logger}
}

// Stats returns the counters.
func (a *Aggregator) Stats() Stats {
	return Stats{Counted: a.counted.Load(), Duplicates: a.dups.Load(), Skipped: a.skipped.Load()}
}

// Run follows every hotline's event stream until ctx ends (one goroutine per
// hotline, all ended before it returns). A new group starts at the beginning
// of the stream, so the first run counts what the stream still holds.
func (a *Aggregator) Run(ctx context.Context) error {
	if len(a.opt.Hotlines) == 0 {
		return fmt.Errorf("kpi aggregator: no hotlines")
	}
	var wg sync.WaitGroup
	errs := make([]error, len(a.opt.Hotlines))
	for i, h := range a.opt.Hotlines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = calllog.ConsumeGroupBatch(ctx, a.rdb, calllog.GroupOptions{
				Stream: calllog.StreamKey(a.opt.Prefix, h), Group: a.opt.Group, Consumer: a.opt.Consumer,
				Block: a.opt.Block, MinIdle: a.opt.MinIdle, Count: 1000, Logger: a.log,
			}, func(ctx context.Context, msgs []redis.XMessage) (int, error) { return a.HandleBatch(ctx, h, msgs) })
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// HandleBatch processes the entries of one read: the records of its
// call.ended entries are read in one pipeline and counted in another, so a
// batch costs two round trips whatever its size. It returns len(msgs), or
// 0 and an error when Redis failed (the whole batch is retried; what was
// counted is not counted again).
func (a *Aggregator) HandleBatch(ctx context.Context, hotline string, msgs []redis.XMessage) (int, error) {
	var calls []string
	for _, m := range msgs {
		if typ, _ := m.Values["type"].(string); typ == string(calllog.CallEnded) {
			call, _ := m.Values["call"].(string)
			calls = append(calls, call)
		}
	}
	if len(calls) == 0 {
		return len(msgs), nil
	}
	pipe := a.rdb.Pipeline()
	recs := make([]*redis.MapStringStringCmd, len(calls))
	for i, call := range calls {
		recs[i] = pipe.HGetAll(ctx, calllog.RecordKey(a.opt.Prefix, hotline, call))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, fmt.Errorf("kpi: read call records: %w", err)
	}
	var cs []Contribution
	for i, call := range calls {
		if c, ok := a.contribution(hotline, call, recs[i].Val()); ok {
			cs = append(cs, c)
		}
	}
	if err := a.addAll(ctx, hotline, cs); err != nil {
		return 0, err
	}
	return len(msgs), nil
}

// contribution turns a record into a contribution, or logs why it cannot.
func (a *Aggregator) contribution(hotline, call string, rec map[string]string) (Contribution, bool) {
	if len(rec) == 0 {
		a.skipped.Add(1)
		a.log.Warn("kpi: call record gone; call not counted", "hotline", hotline, "call", call)
		return Contribution{}, false
	}
	c, err := FromRecord(rec, a.opt.Location)
	if err != nil {
		a.skipped.Add(1)
		a.log.Warn("kpi: call not counted", "hotline", hotline, "call", call, "err", err)
		return c, false
	}
	if c.CallID == "" {
		c.CallID = call
	}
	return c, true
}

// addAll stores contributions in one pipeline of script calls.
func (a *Aggregator) addAll(ctx context.Context, hotline string, cs []Contribution) error {
	if len(cs) == 0 {
		return nil
	}
	run := func() ([]*redis.Cmd, error) {
		pipe := a.rdb.Pipeline()
		cmds := make([]*redis.Cmd, len(cs))
		for i, c := range cs {
			keys, args := addArgs(a.opt.Prefix, hotline, c)
			cmds[i] = addScript.EvalSha(ctx, pipe, keys, args...)
		}
		_, err := pipe.Exec(ctx)
		return cmds, err
	}
	cmds, err := run()
	if err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
		if lerr := addScript.Load(ctx, a.rdb).Err(); lerr != nil {
			return fmt.Errorf("kpi: load script: %w", lerr)
		}
		cmds, err = run()
	}
	for _, cmd := range cmds {
		if n, cerr := cmd.Int(); cerr == nil {
			if n == 1 {
				a.counted.Add(1)
			} else {
				a.dups.Add(1)
			}
		}
	}
	if err != nil {
		return fmt.Errorf("kpi: add calls: %w", err)
	}
	return nil
}

// Handle processes one event-stream entry: only call.ended counts. It
// returns an error only when Redis failed (the entry is retried).
func (a *Aggregator) Handle(ctx context.Context, hotline string, m redis.XMessage) error {
	if typ, _ := m.Values["type"].(string); typ != string(calllog.CallEnded) {
		return nil
	}
	call, _ := m.Values["call"].(string)
	rec, err := a.rdb.HGetAll(ctx, calllog.RecordKey(a.opt.Prefix, hotline, call)).Result()
	if err != nil {
		return fmt.Errorf("kpi: read call record %s: %w", call, err)
	}
	c, ok := a.contribution(hotline, call, rec)
	if !ok {
		return nil
	}
	added, err := Add(ctx, a.rdb, a.opt.Prefix, hotline, c)
	if err != nil {
		return err
	}
	if added {
		a.counted.Add(1)
	} else {
		a.dups.Add(1)
	}
	return nil
}

// Shanghai is the default KPI time zone (Asia/Shanghai); without a zone
// database it is the fixed UTC+8 (China has no daylight saving time).
func Shanghai() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("Asia/Shanghai", 8*3600)
	}
	return loc
}
