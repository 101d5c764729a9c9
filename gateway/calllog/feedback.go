package calllog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"
)

// Feedback statuses the ticketing side reports (受理反馈闭环): 受理
// accepted, 办理中 in_progress, 办结 done, 退回 returned.
var FeedbackKinds = []string{"accepted", "in_progress", "done", "returned"}

// Feedback is one entry of the feedback stream P{hotline}:feedback, written
// by the ticketing side with XADD (fields in docs/redis-schema.md).
type Feedback struct {
	// ID identifies the feedback for de-duplication: the entry's "id" field
	// if the ticketing side sets one, else the stream entry id.
	ID string `json:"id"`
	// Entry is the stream entry id it came from.
	Entry      string `json:"entry"`
	Order      string `json:"order"`                 // 工单编号 / 警单编号
	Status     string `json:"status"`                // one of FeedbackKinds
	StatusText string `json:"status_text,omitempty"` // the ticketing side's own label, e.g. 办理中
	TimeMS     int64  `json:"at"`                    // when it happened, Unix ms
	Operator   string `json:"operator"`              // who (办理人)
	Unit       string `json:"unit,omitempty"`        // 承办单位
	Text       string `json:"text,omitempty"`        // 办理意见 / 办结内容 / 退回理由
}

// MaxDeadLetters bounds the dead-letter stream (approximately: XADD MAXLEN ~).
const MaxDeadLetters = 100000

// MaxFeedbackHistory bounds the history kept in a work-order hash.
const MaxFeedbackHistory = 200

// feedbackKeys are the fields a feedback entry may carry.
var feedbackKeys = []string{"id", "order", "status", "status_text", "ts", "operator", "unit", "text"}

// ParseFeedback checks one feedback stream entry. Errors wrap
// ErrInvalidFeedback and name the field that is wrong.
func ParseFeedback(entryID string, values map[string]any) (Feedback, error) {
	fb := Feedback{Entry: entryID}
	str := func(k string) (string, error) {
		v, ok := values[k]
		if !ok {
			return "", nil
		}
		s, ok := v.(string)
		if !ok {
			return "", fmt.Errorf("%w: field %q is not a string", ErrInvalidFeedback, k)
		}
		return s, nil
	}
	for k := range values {
		if !slices.Contains(feedbackKeys, k) {
			return fb, fmt.Errorf("%w: unknown field %q", ErrInvalidFeedback, k)
		}
	}
	get := map[string]string{}
	for _, k := range feedbackKeys {
		s, err := str(k)
		if err != nil {
			return fb, err
		}
		get[k] = s
	}
	fb.ID, fb.Order, fb.Status, fb.StatusText = get["id"], get["order"], get["status"], get["status_text"]
	fb.Operator, fb.Unit, fb.Text = get["operator"], get["unit"], get["text"]
	bad := func(format string, a ...any) (Feedback, error) {
		return fb, fmt.Errorf("%w: %s", ErrInvalidFeedback, fmt.Sprintf(format, a...))
	}
	if fb.ID == "" {
		fb.ID = entryID
	} else if !isID(fb.ID, 128) {
		return bad("id %q is not an identifier", fb.ID)
	}
	if fb.Order == "" {
		return bad("order is required")
	}
	if !isID(fb.Order, 128) {
		return bad("order %q is not an identifier", fb.Order)
	}
	if !slices.Contains(FeedbackKinds, fb.Status) {
		return bad("status %q is not one of %s", fb.Status, strings.Join(FeedbackKinds, ", "))
	}
	ts, err := strconv.ParseInt(get["ts"], 10, 64)
	if err != nil || ts <= 0 {
		return bad("ts %q is not a Unix time in milliseconds", get["ts"])
	}
	fb.TimeMS = ts
	if fb.Operator == "" || !isID(fb.Operator, 128) {
		return bad("operator %q is missing or not an identifier", fb.Operator)
	}
	if fb.Unit != "" && !isID(fb.Unit, 128) {
		return bad("unit %q is not an identifier", fb.Unit)
	}
	for k, v := range map[string]string{"status_text": fb.StatusText, "text": fb.Text} {
		if !utf8.ValidString(v) || utf8.RuneCountInString(v) > MaxSummaryLen {
			return bad("%s must be UTF-8 of at most %d characters", k, MaxSummaryLen)
		}
		for _, r := range v {
			if r < 0x20 && r != '\t' && r != '\n' {
				return bad("%s has a control character", k)
			}
		}
	}
	return fb, nil
}

// FeedbackStreamKey is the stream the ticketing side appends feedback to.
func FeedbackStreamKey(prefix, hotline string) string {
	return prefix + "{" + hotline + "}:feedback"
}

// FeedbackDeadKey is the dead-letter stream of feedback entries that could
// not be applied (malformed, unknown order), each with its reason.
func FeedbackDeadKey(prefix, hotline string) string {
	return prefix + "{" + hotline + "}:feedback:dead"
}

// NormalizeNumber is the form a caller number has in the caller index, so
// that +8613812345678, 8613812345678 and 13812345678 find the same orders:
// the leading + and a China country code (86 or 0086) before an 11-digit
// mobile number are dropped. Other numbers are kept as they are.
func NormalizeNumber(n string) string {
	for _, cc := range []string{"+86", "0086", "86"} {
		if rest, ok := strings.CutPrefix(n, cc); ok && len(rest) == 11 && rest[0] == '1' {
			return rest
		}
	}
	return n
}

// CallerOrdersKey is the index of a caller number's work orders: a sorted
// set of order numbers scored by 受理时间 (Unix ms), the latest 50 kept.
// number is in NormalizeNumber form.
func CallerOrdersKey(prefix, hotline, number string) string {
	return prefix + "{" + hotline + "}:caller:" + number + ":orders"
}

// Results of ApplyFeedback.
const (
	FeedbackApplied   = 1 // new, and now the order's latest state
	FeedbackDuplicate = 0 // already applied (redelivery): nothing changed
	FeedbackOlder     = 2 // new, added to the history, but older than the latest state
)

// feedbackSrc applies one feedback entry to a work order and its call.
// KEYS[1] order hash, KEYS[2] call record (ignored when ARGV[3] is empty).
// ARGV: feedback id, item JSON, call id expected, status, status text, ts,
// operator, unit, max history.
// Returns -1 unknown order, -2 call id changed since it was read, else one
// of the FeedbackXxx results.
const feedbackSrc = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local cid = redis.call('HGET', KEYS[1], 'call_id') or ''
if cid ~= ARGV[3] then return -2 end
local hist = {}
local h = redis.call('HGET', KEYS[1], 'history')
if h then hist = cjson.decode(h) end
for _, it in ipairs(hist) do
  if it.id == ARGV[1] then return 0 end
end
local item = cjson.decode(ARGV[2])
hist[#hist+1] = item
table.sort(hist, function(a, b)
  if a.at ~= b.at then return a.at < b.at end
  return a.id < b.id
end)
local maxh = tonumber(ARGV[9])
while #hist > maxh do table.remove(hist, 1) end
redis.call('HSET', KEYS[1], 'history', cjson.encode(hist))
redis.call('HINCRBY', KEYS[1], 'feedback_count', 1)
if hist[#hist].id ~= ARGV[1] then return 2 end
redis.call('HSET', KEYS[1], 'status', ARGV[4], 'status_text', ARGV[5], 'status_at', ARGV[6], 'status_by', ARGV[7], 'status_unit', ARGV[8])
if ARGV[3] ~= '' and redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('HSET', KEYS[2], 'work_order_status', ARGV[4], 'work_order_status_at', ARGV[6])
end
return 1
`

var feedbackScript = redis.NewScript(feedbackSrc)

// ApplyFeedback links one feedback entry to its work order (status fields
// and history in the order hash) and, when the order came from a call, to
// the call record (work_order_status). It is idempotent: a feedback id
// already in the history changes nothing (FeedbackDuplicate). An order that
// does not exist gives ErrUnknownOrder.
func ApplyFeedback(ctx context.Context, rdb redis.UniversalClient, prefix, hotline string, fb Feedback) (int, error) {
	orderKey := WorkOrderKey(prefix, hotline, fb.Order)
	item, err := json.Marshal(fb)
	if err != nil {
		return 0, fmt.Errorf("apply feedback %s: %w", fb.ID, err)
	}
	for range 3 { // the order's call id changing under us is rare; retry
		cid, err := rdb.HGet(ctx, orderKey, "call_id").Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return 0, fmt.Errorf("apply feedback %s: %w", fb.ID, err)
		}
		callKey := orderKey
		if cid != "" {
			callKey = RecordKey(prefix, hotline, cid)
		}
		n, err := feedbackScript.Run(ctx, rdb, []string{orderKey, callKey},
			fb.ID, string(item), cid, fb.Status, fb.StatusText, fb.TimeMS, fb.Operator, fb.Unit, MaxFeedbackHistory).Int()
		if err != nil {
			return 0, fmt.Errorf("apply feedback %s: %w", fb.ID, err)
		}
		switch n {
		case -1:
			return 0, fmt.Errorf("apply feedback %s: order %s: %w", fb.ID, fb.Order, ErrUnknownOrder)
		case -2:
			continue
		}
		return n, nil
	}
	return 0, fmt.Errorf("apply feedback %s: order %s keeps changing its call", fb.ID, fb.Order)
}

// FeedbackOptions configures a FeedbackConsumer.
type FeedbackOptions struct {
	Prefix   string   // default DefaultPrefix
	Hotlines []string // one stream per hotline; required
	Group    string   // default DefaultFeedbackGroup
	Consumer string   // default DefaultConsumerName()
	Block    time.Duration
	MinIdle  time.Duration
	Logger   *slog.Logger
}

// DefaultFeedbackGroup is the consumer group the gateways share.
const DefaultFeedbackGroup = "liandong-feedback"

// FeedbackStats are the consumer's counters since it started.
type FeedbackStats struct {
	Applied      uint64 // new feedback linked to its order
	Duplicates   uint64 // redeliveries that changed nothing
	DeadLettered uint64 // malformed or unknown-order entries moved to the dead-letter stream
}

// FeedbackConsumer applies the feedback streams of some hotlines, sharing
// the work with other gateway instances through a consumer group.
type FeedbackConsumer struct {
	rdb  redis.UniversalClient
	opt  FeedbackOptions
	log  *slog.Logger
	once sync.Once

	applied, dups, dead atomic.Uint64
}

// NewFeedbackConsumer returns a consumer; Run starts it.
func NewFeedbackConsumer(rdb redis.UniversalClient, opt FeedbackOptions) *FeedbackConsumer {
	if opt.Prefix == "" {
		opt.Prefix = DefaultPrefix
	}
	if opt.Group == "" {
		opt.Group = DefaultFeedbackGroup
	}
	if opt.Consumer == "" {
		opt.Consumer = DefaultConsumerName()
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	return &FeedbackConsumer{rdb: rdb, opt: opt, log: opt.Logger}
}

// Stats returns the counters.
func (f *FeedbackConsumer) Stats() FeedbackStats {
	return FeedbackStats{Applied: f.applied.Load(), Duplicates: f.dups.Load(), DeadLettered: f.dead.Load()}
}

// Run consumes every hotline's feedback stream until ctx ends (one goroutine
// per hotline, all ended before Run returns). It returns nil when ctx ends;
// Redis outages are retried, bad entries dead-lettered.
func (f *FeedbackConsumer) Run(ctx context.Context) error {
	if len(f.opt.Hotlines) == 0 {
		return fmt.Errorf("%w: feedback consumer: no hotlines", ErrInvalidOptions)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(f.opt.Hotlines))
	for i, h := range f.opt.Hotlines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = ConsumeGroup(ctx, f.rdb, GroupOptions{
				Stream: FeedbackStreamKey(f.opt.Prefix, h), Group: f.opt.Group, Consumer: f.opt.Consumer,
				Block: f.opt.Block, MinIdle: f.opt.MinIdle, Logger: f.log,
			}, func(ctx context.Context, m redis.XMessage) error { return f.Handle(ctx, h, m) })
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Handle applies one entry of a hotline's feedback stream. It returns an
// error only when Redis failed (the entry stays pending and is retried);
// malformed entries and unknown orders are logged with the reason and moved
// to the dead-letter stream, and Handle returns nil so they are acknowledged.
func (f *FeedbackConsumer) Handle(ctx context.Context, hotline string, m redis.XMessage) error {
	fb, err := ParseFeedback(m.ID, m.Values)
	if err == nil {
		var n int
		n, err = ApplyFeedback(ctx, f.rdb, f.opt.Prefix, hotline, fb)
		switch {
		case err == nil && n == FeedbackDuplicate:
			f.dups.Add(1)
			return nil
		case err == nil:
			f.applied.Add(1)
			return nil
		case !errors.Is(err, ErrUnknownOrder):
			return err
		}
	}
	return f.deadLetter(ctx, hotline, m, err)
}

func (f *FeedbackConsumer) deadLetter(ctx context.Context, hotline string, m redis.XMessage, reason error) error {
	fields, _ := json.Marshal(m.Values)
	// The reason quotes the bad value, which could be a phone number.
	f.log.Warn("calllog: feedback entry skipped; moved to the dead-letter stream",
		"hotline", hotline, "entry", m.ID, "reason", digitRun.ReplaceAllStringFunc(reason.Error(), MaskPhone))
	err := f.rdb.XAdd(ctx, &redis.XAddArgs{
		Stream: FeedbackDeadKey(f.opt.Prefix, hotline),
		MaxLen: MaxDeadLetters, Approx: true,
		Values: []any{"entry", m.ID, "reason", reason.Error(), "at", time.Now().UnixMilli(), "fields", string(fields)},
	}).Err()
	if err != nil {
		return fmt.Errorf("dead-letter feedback entry %s: %w", m.ID, err)
	}
	f.dead.Add(1)
	return nil
}

// FeedbackItem is one entry of a work order's feedback history.
type FeedbackItem = Feedback

// OrderView is a work order with its feedback, for the API and the IVR.
type OrderView struct {
	Hotline  string     `json:"hotline"`
	Order    *WorkOrder `json:"order"`
	Revision uint64     `json:"revision"`
	// Status is the latest feedback status ("" before any feedback), with
	// its label, time, operator and unit.
	Status     string `json:"status"`
	StatusText string `json:"status_text,omitempty"`
	StatusAt   int64  `json:"status_at,omitempty"`
	StatusBy   string `json:"status_by,omitempty"`
	StatusUnit string `json:"status_unit,omitempty"`
	// History is every feedback, oldest first.
	History []FeedbackItem `json:"history"`
}

// ReadOrderFeedback returns a work order with its current feedback state and
// history. ErrNotFound if the order does not exist.
func ReadOrderFeedback(ctx context.Context, rdb redis.UniversalClient, prefix, hotline, orderNo string) (*OrderView, error) {
	vals, err := rdb.HMGet(ctx, WorkOrderKey(prefix, hotline, orderNo),
		"order", "last_seq", "status", "status_text", "status_at", "status_by", "status_unit", "history").Result()
	if err != nil {
		return nil, fmt.Errorf("read work order %s: %w", orderNo, err)
	}
	s := func(i int) string { v, _ := vals[i].(string); return v }
	if s(0) == "" {
		return nil, fmt.Errorf("read work order %s: %w", orderNo, ErrNotFound)
	}
	w, err := decodeWorkOrder(s(0))
	if err != nil {
		return nil, fmt.Errorf("read work order %s: %w", orderNo, err)
	}
	v := &OrderView{Hotline: hotline, Order: w, Status: s(2), StatusText: s(3), StatusBy: s(5), StatusUnit: s(6), History: []FeedbackItem{}}
	v.Revision, _ = strconv.ParseUint(s(1), 10, 64)
	v.StatusAt, _ = strconv.ParseInt(s(4), 10, 64)
	if h := s(7); h != "" {
		if err := json.Unmarshal([]byte(h), &v.History); err != nil {
			return nil, fmt.Errorf("read work order %s: history: %w", orderNo, err)
		}
	}
	return v, nil
}

// LatestOrder returns the latest work order (by 受理时间) of a caller number
// across hotlines, with its feedback. ErrNotFound when the number has none.
func LatestOrder(ctx context.Context, rdb redis.UniversalClient, prefix string, hotlines []string, number string) (*OrderView, error) {
	if !isPhone(number) || number == "anonymous" {
		return nil, fmt.Errorf("latest work order of %s: %w", MaskPhone(number), ErrNotFound)
	}
	type cand struct {
		hotline, order string
		score          float64
	}
	var cs []cand
	for _, h := range hotlines {
		zs, err := rdb.ZRevRangeWithScores(ctx, CallerOrdersKey(prefix, h, NormalizeNumber(number)), 0, 0).Result()
		if err != nil {
			return nil, fmt.Errorf("latest work order of %s: %w", MaskPhone(number), err)
		}
		for _, z := range zs {
			cs = append(cs, cand{h, fmt.Sprint(z.Member), z.Score})
		}
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].score > cs[j].score })
	for _, c := range cs {
		v, err := ReadOrderFeedback(ctx, rdb, prefix, c.hotline, c.order)
		if errors.Is(err, ErrNotFound) {
			continue // expired order still in the index
		}
		return v, err
	}
	return nil, fmt.Errorf("latest work order of %s: %w", MaskPhone(number), ErrNotFound)
}
