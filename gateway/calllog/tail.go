package calllog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"
)

// Stream kinds RunTail can follow.
var TailKinds = []string{"events", "workorders", "feedback", "dead"}

// TailOptions configures RunTail.
type TailOptions struct {
	Prefix   string   // default DefaultPrefix
	Hotlines []string // required
	// Kinds selects the streams of each hotline: events, workorders,
	// feedback, dead (the feedback dead letters). Default: events.
	Kinds []string
	// From prints every entry after this stream entry id (exclusive), e.g.
	// the last id a previous tail showed; "0" for whole streams. Empty: the
	// last Last entries.
	From string
	// Last is how many of the latest entries of each stream to print first
	// when From is empty (default 10; -1 for none).
	Last int64
	// Follow keeps printing new entries (XREAD BLOCK) until ctx ends.
	Follow bool
	// FullNumbers prints phone numbers unmasked (personal data: only for
	// authorised operators). Default: masked like 138****5678.
	FullNumbers bool
	// Location formats times (default Asia/Shanghai, else UTC).
	Location *time.Location
	// Block is how long one XREAD waits (default 1s); bounds how long RunTail
	// takes to notice ctx ending.
	Block time.Duration
}

// RunTail prints the selected streams to w, one readable line per entry:
//
//	2026-11-28 10:00:12.345 12345/events 1764295212345-0 call=c1 #1 call.started caller=138****5678 channel=pstn line=12345
//
// With Follow it keeps reading until ctx ends and then returns nil.
func RunTail(ctx context.Context, w io.Writer, rdb redis.UniversalClient, opt TailOptions) error {
	if len(opt.Hotlines) == 0 {
		return fmt.Errorf("%w: tail: no hotline", ErrInvalidOptions)
	}
	if opt.Prefix == "" {
		opt.Prefix = DefaultPrefix
	}
	if len(opt.Kinds) == 0 {
		opt.Kinds = []string{"events"}
	}
	if opt.Last == 0 {
		opt.Last = 10
	}
	if opt.Block <= 0 {
		opt.Block = time.Second
	}
	if opt.Location == nil {
		opt.Location = shanghai()
	}
	if opt.From != "" && !validEntryID(opt.From) {
		return fmt.Errorf("%w: tail: %q is not a stream entry id (ms-seq)", ErrInvalidOptions, opt.From)
	}
	t := &tailer{w: w, opt: opt, names: map[string]string{}, kinds: map[string]string{}}
	var keys []string
	for _, h := range opt.Hotlines {
		for _, k := range opt.Kinds {
			key, err := tailKey(opt.Prefix, h, k)
			if err != nil {
				return err
			}
			keys = append(keys, key)
			t.names[key], t.kinds[key] = h+"/"+k, k
		}
	}
	// Without From: the last entries of each stream, merged by entry id
	// (ids are times). With From: everything after it, read below.
	last := map[string]string{}
	var backlog []keyed
	for _, key := range keys {
		last[key] = opt.From
		if opt.From != "" {
			continue
		}
		last[key] = "0-0"
		n := max(opt.Last, 1) // with Last -1, the newest id is still needed
		msgs, err := rdb.XRevRangeN(ctx, key, "+", "-", n).Result()
		if err != nil {
			return fmt.Errorf("tail %s: %w", key, err)
		}
		if len(msgs) > 0 {
			last[key] = msgs[0].ID
		}
		if opt.Last < 0 {
			continue
		}
		for i := len(msgs) - 1; i >= 0; i-- {
			backlog = append(backlog, keyed{key, msgs[i]})
		}
	}
	if err := t.printAll(backlog); err != nil {
		return err
	}
	// Read on: without blocking until the streams are drained (the From
	// case), then, when following, blocking until ctx ends.
	for ctx.Err() == nil {
		args := make([]string, 0, 2*len(keys))
		args = append(args, keys...)
		for _, k := range keys {
			args = append(args, last[k])
		}
		block := time.Duration(-1)
		if opt.Follow {
			block = opt.Block
		}
		res, err := rdb.XRead(ctx, &redis.XReadArgs{Streams: args, Count: 1000, Block: block}).Result()
		if errors.Is(err, redis.Nil) {
			if !opt.Follow {
				return nil
			}
			continue
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("tail: read: %w", err)
		}
		var batch []keyed
		for _, s := range res {
			for _, m := range s.Messages {
				batch = append(batch, keyed{s.Stream, m})
				last[s.Stream] = m.ID
			}
		}
		if err := t.printAll(batch); err != nil {
			return err
		}
	}
	return nil
}

// printAll prints entries of several streams merged by entry id.
func (t *tailer) printAll(ks []keyed) error {
	sort.SliceStable(ks, func(i, j int) bool { return lessID(ks[i].m.ID, ks[j].m.ID) })
	for _, k := range ks {
		if err := t.print(k.key, k.m); err != nil {
			return err
		}
	}
	return nil
}

type keyed struct {
	key string
	m   redis.XMessage
}

func tailKey(prefix, hotline, kind string) (string, error) {
	switch kind {
	case "events":
		return StreamKey(prefix, hotline), nil
	case "workorders":
		return WorkOrderStreamKey(prefix, hotline), nil
	case "feedback":
		return FeedbackStreamKey(prefix, hotline), nil
	case "dead":
		return FeedbackDeadKey(prefix, hotline), nil
	}
	return "", fmt.Errorf("%w: tail: unknown stream %q (one of %s)", ErrInvalidOptions, kind, strings.Join(TailKinds, ", "))
}

type tailer struct {
	w     io.Writer
	opt   TailOptions
	names map[string]string
	kinds map[string]string
}

func (t *tailer) print(key string, m redis.XMessage) error {
	v := func(k string) string { s, _ := m.Values[k].(string); return s }
	var b strings.Builder
	var ms int64
	switch t.kinds[key] {
	case "events":
		ms, _ = strconv.ParseInt(v("ts"), 10, 64)
		fmt.Fprintf(&b, "call=%s #%s %s", v("call"), v("seq"), v("type"))
		var data map[string]string
		if err := json.Unmarshal([]byte(v("data")), &data); err != nil && v("data") != "" {
			fmt.Fprintf(&b, " data=%s", t.quote(t.text(v("data"))))
		}
		keys := make([]string, 0, len(data))
		for k := range data {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			val := data[k]
			switch k {
			case "caller":
				val = t.phone(val)
			case "label":
				val = t.text(val)
			}
			fmt.Fprintf(&b, " %s=%s", k, t.quote(val))
		}
	case "workorders":
		ms, _ = strconv.ParseInt(v("ts"), 10, 64)
		fmt.Fprintf(&b, "order=%s rev %s %s", v("order"), v("seq"), v("type"))
		var wo WorkOrder
		if err := json.Unmarshal([]byte(v("data")), &wo); err != nil {
			fmt.Fprintf(&b, " (undecodable order: %v)", err)
			break
		}
		pairs := [][2]string{
			{"kind", wo.Kind}, {"type", wo.RequestType}, {"category", wo.Category}, {"region", wo.RegionCode},
			{"urgency", wo.Urgency}, {"severity", wo.Severity}, {"handling", wo.Handling}, {"lead", wo.LeadUnit},
			{"by", wo.AcceptedBy}, {"call", wo.CallID}, {"caller", t.phone(wo.CallerNumber)}, {"contact", t.phone(wo.ContactNumber)},
		}
		if wo.Police != nil {
			pairs = append(pairs, [2]string{"police_no", wo.Police.PoliceNo}, [2]string{"police_status", wo.Police.FeedbackStatus})
		}
		pairs = append(pairs, [2]string{"summary", cut(t.text(wo.Summary), 40)})
		for _, p := range pairs {
			if p[1] != "" {
				fmt.Fprintf(&b, " %s=%s", p[0], t.quote(p[1]))
			}
		}
	case "feedback":
		ms, _ = strconv.ParseInt(v("ts"), 10, 64)
		fmt.Fprintf(&b, "order=%s %s", v("order"), v("status"))
		for _, k := range []string{"status_text", "operator", "unit", "id", "text"} {
			if s := v(k); s != "" {
				if k == "text" || k == "status_text" {
					s = cut(t.text(s), 60)
				}
				fmt.Fprintf(&b, " %s=%s", k, t.quote(s))
			}
		}
	case "dead":
		ms, _ = strconv.ParseInt(v("at"), 10, 64)
		fmt.Fprintf(&b, "entry=%s reason=%s", v("entry"), t.quote(t.text(v("reason"))))
	}
	if ms == 0 {
		ms = entryMS(m.ID)
	}
	at := time.UnixMilli(ms).In(t.opt.Location).Format("2006-01-02 15:04:05.000")
	_, err := fmt.Fprintf(t.w, "%s %s %s %s\n", at, t.names[key], m.ID, b.String())
	if err != nil {
		return fmt.Errorf("tail: write: %w", err)
	}
	return nil
}

func (t *tailer) phone(v string) string {
	if t.opt.FullNumbers {
		return v
	}
	return MaskPhone(v)
}

// digitRun finds phone-like numbers inside free text.
var digitRun = regexp.MustCompile(`\+?[0-9]{7,}`)

// text masks phone-like digit runs in free text (a caller may dictate a
// number into a summary or a note).
func (t *tailer) text(v string) string {
	if t.opt.FullNumbers {
		return v
	}
	return digitRun.ReplaceAllStringFunc(v, MaskPhone)
}

// quote keeps a value on one line and unambiguous; Chinese stays readable.
func (t *tailer) quote(v string) string {
	if v != "" && !strings.ContainsAny(v, " \t\n\r\"=") {
		return v
	}
	return strconv.QuoteToGraphic(v)
}

func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

func entryMS(id string) int64 {
	ms, _, _ := strings.Cut(id, "-")
	n, _ := strconv.ParseInt(ms, 10, 64)
	return n
}

func validEntryID(id string) bool {
	ms, seq, ok := strings.Cut(id, "-")
	if _, err := strconv.ParseUint(ms, 10, 64); err != nil {
		return false
	}
	if !ok {
		return true
	}
	_, err := strconv.ParseUint(seq, 10, 64)
	return err == nil
}

func lessID(a, b string) bool {
	am, as, _ := strings.Cut(a, "-")
	bm, bs, _ := strings.Cut(b, "-")
	x, _ := strconv.ParseUint(am, 10, 64)
	y, _ := strconv.ParseUint(bm, 10, 64)
	if x != y {
		return x < y
	}
	x, _ = strconv.ParseUint(as, 10, 64)
	y, _ = strconv.ParseUint(bs, 10, 64)
	return x < y
}

// shanghai is the default time zone of the hotline; without a zone database
// it is the fixed UTC+8 (China has no daylight saving time).
func shanghai() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("Asia/Shanghai", 8*3600)
	}
	return loc
}
