package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"
)

// Channel is how an answer reached the caller.
type Channel string

// Channels an answer is given on.
const (
	ChannelPhone Channel = "phone"
	ChannelText  Channel = "text"
)

// Valid reports whether c is a known channel.
func (c Channel) Valid() bool { return c == ChannelPhone || c == ChannelText }

// Answer is one answer given to a caller: the entry AND its version, so a
// complaint can be traced to the exact text read out.
type Answer struct {
	EntryID string    `json:"entry_id"`
	Version int       `json:"version"`
	Channel Channel   `json:"channel"`
	CallID  string    `json:"call_id,omitempty"`
	At      time.Time `json:"at"`
}

// dayKey is the statistics day of t, in t's location (the caller passes
// local time; the store's clock gives it by default).
func dayKey(t time.Time) string { return t.Format("20060102") }

// ParseDay reads a day as 2006-01-02 or 20060102.
func ParseDay(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02", "20060102"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, invalidf("day", "%q is not a date like 2026-11-28", s)
}

// answersMaxLen bounds the stream of answers given (about a year of a busy
// hotline's FAQ answers); daily counters keep the totals.
const answersMaxLen = 5_000_000

// RecordAnswer counts an answer given: per entry per day, per version and
// channel, and appends it to the answers stream.
func (s *Store) RecordAnswer(ctx context.Context, a Answer) error {
	if a.EntryID == "" || a.Version < 1 {
		return fmt.Errorf("record answer: %w", invalidf("entry_id", "entry id and version are required"))
	}
	if !a.Channel.Valid() {
		return fmt.Errorf("record answer: %w", invalidf("channel", "%q is not phone or text", a.Channel))
	}
	if a.At.IsZero() {
		a.At = s.now()
	}
	day := dayKey(a.At)
	detail := a.EntryID + "|" + strconv.Itoa(a.Version) + "|" + string(a.Channel)
	// One round trip; not a transaction: the counters and the stream live
	// in different Cluster slots, and a lost count is not worth a MULTI.
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.ZIncrBy(ctx, s.k.hits(day), 1, a.EntryID)
		p.Expire(ctx, s.k.hits(day), s.opt.StatsTTL)
		p.HIncrBy(ctx, s.k.hitsDetail(day), detail, 1)
		p.Expire(ctx, s.k.hitsDetail(day), s.opt.StatsTTL)
		p.XAdd(ctx, &redis.XAddArgs{Stream: s.k.answers(), MaxLen: answersMaxLen, Approx: true, Values: []any{
			"entry_id", a.EntryID, "version", a.Version, "channel", string(a.Channel), "call_id", a.CallID,
			"at", a.At.UTC().Format(time.RFC3339Nano),
		}})
		return nil
	})
	if err != nil {
		return fmt.Errorf("record answer: %w", err)
	}
	return nil
}

// maxQuestionRunes bounds a stored unanswered question.
const maxQuestionRunes = 100

var longDigits = regexp.MustCompile(`[0-9]{5,}`)

// NormalizeQuestion makes questions that differ only in spacing,
// punctuation, width or case count as one, and masks long digit runs (phone
// and id numbers are personal data; the question is kept for its words).
func NormalizeQuestion(q string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.TrimSpace(q) {
		switch {
		case r >= '！' && r <= '～': // full-width ASCII forms
			r -= 0xFEE0
		case r == '\u3000':
			r = ' '
		}
		if unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if unicode.IsPunct(r) || unicode.IsSymbol(r) {
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(unicode.ToLower(r))
	}
	out := longDigits.ReplaceAllStringFunc(b.String(), func(d string) string { return strings.Repeat("*", len(d)) })
	if utf8.RuneCountInString(out) > maxQuestionRunes {
		out = string([]rune(out)[:maxQuestionRunes])
	}
	return out
}

// RecordUnanswered counts a question that found no answer, for 高频问题梳理.
func (s *Store) RecordUnanswered(ctx context.Context, question string, at time.Time) error {
	q := NormalizeQuestion(question)
	if q == "" {
		return nil
	}
	if at.IsZero() {
		at = s.now()
	}
	key := s.k.unanswered(dayKey(at))
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZIncrBy(ctx, key, 1, q)
		p.Expire(ctx, key, s.opt.StatsTTL)
		return nil
	})
	if err != nil {
		return fmt.Errorf("record unanswered question: %w", err)
	}
	return nil
}

// Count is a member of a daily ranking with its count.
type Count struct {
	Key   string `json:"key"`
	Count int64  `json:"count"`
}

// VersionHits counts the answers of one version on one channel.
type VersionHits struct {
	EntryID string  `json:"entry_id"`
	Version int     `json:"version"`
	Channel Channel `json:"channel"`
	Count   int64   `json:"count"`
}

// DayHits are the answers given on one day.
type DayHits struct {
	Day       string        `json:"day"`
	Entries   []Count       `json:"entries"`    // per entry, most asked first
	ByVersion []VersionHits `json:"by_version"` // per entry, version and channel
}

// Hits returns the answers given on day (only entryID's if set).
func (s *Store) Hits(ctx context.Context, day time.Time, entryID string) (DayHits, error) {
	d := dayKey(day)
	out := DayHits{Day: day.Format("2006-01-02"), Entries: []Count{}, ByVersion: []VersionHits{}}
	zs, err := s.rdb.ZRevRangeWithScores(ctx, s.k.hits(d), 0, -1).Result()
	if err != nil {
		return out, fmt.Errorf("read hits: %w", err)
	}
	for _, z := range zs {
		id, _ := z.Member.(string)
		if entryID == "" || id == entryID {
			out.Entries = append(out.Entries, Count{Key: id, Count: int64(z.Score)})
		}
	}
	det, err := s.rdb.HGetAll(ctx, s.k.hitsDetail(d)).Result()
	if err != nil {
		return out, fmt.Errorf("read hits: %w", err)
	}
	for k, v := range det {
		parts := strings.Split(k, "|")
		if len(parts) != 3 || (entryID != "" && parts[0] != entryID) {
			continue
		}
		ver, _ := strconv.Atoi(parts[1])
		n, _ := strconv.ParseInt(v, 10, 64)
		out.ByVersion = append(out.ByVersion, VersionHits{EntryID: parts[0], Version: ver, Channel: Channel(parts[2]), Count: n})
	}
	sortVersionHits(out.ByVersion)
	return out, nil
}

func sortVersionHits(v []VersionHits) {
	slices.SortFunc(v, func(a, b VersionHits) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.EntryID, b.EntryID),
			cmp.Compare(a.Version, b.Version), cmp.Compare(a.Channel, b.Channel))
	})
}

// MaxDays bounds a statistics range.
const MaxDays = 400

// HitsRange returns the answers given on each of the days days ending with
// last, oldest first.
func (s *Store) HitsRange(ctx context.Context, last time.Time, days int, entryID string) ([]DayHits, error) {
	if days < 1 || days > MaxDays {
		return nil, fmt.Errorf("read hits: %w", invalidf("days", "%d must be from 1 to %d", days, MaxDays))
	}
	out := make([]DayHits, 0, days)
	for i := days - 1; i >= 0; i-- {
		h, err := s.Hits(ctx, last.AddDate(0, 0, -i), entryID)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}

// Unanswered returns the n most frequent questions without an answer over
// the days days ending with last (高频问题梳理).
func (s *Store) Unanswered(ctx context.Context, last time.Time, days, n int) ([]Count, error) {
	if days < 1 || days > MaxDays {
		return nil, fmt.Errorf("read unanswered questions: %w", invalidf("days", "%d must be from 1 to %d", days, MaxDays))
	}
	if n <= 0 {
		n = 50
	}
	var zs []redis.Z
	var err error
	if days == 1 {
		zs, err = s.rdb.ZRevRangeWithScores(ctx, s.k.unanswered(dayKey(last)), 0, int64(n-1)).Result()
	} else {
		keys := make([]string, days)
		for i := range days {
			keys[i] = s.k.unanswered(dayKey(last.AddDate(0, 0, -i)))
		}
		zs, err = s.rdb.ZUnionWithScores(ctx, redis.ZStore{Keys: keys}).Result()
		slices.SortFunc(zs, func(a, b redis.Z) int {
			ma, _ := a.Member.(string)
			mb, _ := b.Member.(string)
			return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(ma, mb))
		})
		zs = zs[:min(n, len(zs))]
	}
	if err != nil {
		return nil, fmt.Errorf("read unanswered questions: %w", err)
	}
	out := make([]Count, 0, len(zs))
	for _, z := range zs {
		q, _ := z.Member.(string)
		out = append(out, Count{Key: q, Count: int64(z.Score)})
	}
	return out, nil
}

// FeedbackKind is what an agent says is wrong with an answer.
type FeedbackKind string

// Feedback kinds.
const (
	FeedbackWrong    FeedbackKind = "wrong"
	FeedbackOutdated FeedbackKind = "outdated"
)

// Task is a review task raised by feedback, for the entry's department.
type Task struct {
	StreamID   string       `json:"stream_id"`
	EntryID    string       `json:"entry_id"`
	Version    int          `json:"version"`
	Department string       `json:"department"`
	Kind       FeedbackKind `json:"kind"`
	Comment    string       `json:"comment,omitempty"`
	User       string       `json:"user"`
	At         time.Time    `json:"at"`
}

// Feedback records an agent's report that an answer is wrong or out of date:
// it becomes a review task for the entry's department. version is the
// version the agent saw (0: the one served now).
func (s *Store) Feedback(ctx context.Context, a Actor, id string, version int, kind FeedbackKind, comment string) (Task, error) {
	if strings.TrimSpace(a.User) == "" {
		return Task{}, fmt.Errorf("feedback on %s: %w", id, invalidf("user", "is empty"))
	}
	if kind != FeedbackWrong && kind != FeedbackOutdated {
		return Task{}, fmt.Errorf("feedback on %s: %w", id, invalidf("kind", "%q is not wrong or outdated", kind))
	}
	if utf8.RuneCountInString(comment) > 500 {
		return Task{}, fmt.Errorf("feedback on %s: %w", id, invalidf("comment", "is longer than 500 characters"))
	}
	st, err := s.readState(ctx, s.rdb, id)
	if err != nil {
		return Task{}, fmt.Errorf("feedback on %s: %w", id, err)
	}
	if !st.exists {
		return Task{}, fmt.Errorf("feedback on %s: %w", id, ErrNotFound)
	}
	if version == 0 {
		version = st.live
		if version == 0 {
			version = st.cur
		}
	}
	rec := st.curRec
	if version != st.cur {
		if rec, err = s.readVersion(ctx, s.rdb, id, version); err != nil {
			return Task{}, fmt.Errorf("feedback on %s: %w", id, err)
		}
	}
	t := Task{EntryID: id, Version: version, Department: rec.Department, Kind: kind, Comment: comment, User: a.User, At: s.now()}
	sid, err := s.rdb.XAdd(ctx, &redis.XAddArgs{Stream: s.k.tasks(), Values: []any{
		"entry_id", t.EntryID, "version", t.Version, "department", t.Department, "kind", string(t.Kind),
		"comment", t.Comment, "user", t.User, "at", t.At.UTC().Format(time.RFC3339Nano),
	}}).Result()
	if err != nil {
		return Task{}, fmt.Errorf("feedback on %s: %w", id, err)
	}
	t.StreamID = sid
	return t, nil
}

// Tasks returns the newest review tasks (at most n) of department ("" for all).
func (s *Store) Tasks(ctx context.Context, department string, n int) ([]Task, error) {
	if n <= 0 {
		n = 100
	}
	out := []Task{}
	last := "+"
	for len(out) < n {
		msgs, err := s.rdb.XRevRangeN(ctx, s.k.tasks(), last, "-", 500).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return nil, fmt.Errorf("read review tasks: %w", err)
		}
		for _, m := range msgs {
			if m.ID == last {
				continue
			}
			str := func(k string) string { v, _ := m.Values[k].(string); return v }
			if department != "" && str("department") != department {
				continue
			}
			t := Task{StreamID: m.ID, EntryID: str("entry_id"), Department: str("department"),
				Kind: FeedbackKind(str("kind")), Comment: str("comment"), User: str("user")}
			t.Version, _ = strconv.Atoi(str("version"))
			t.At, _ = time.Parse(time.RFC3339Nano, str("at"))
			out = append(out, t)
			if len(out) == n {
				break
			}
		}
		if len(msgs) < 500 {
			break
		}
		last = msgs[len(msgs)-1].ID
	}
	return out, nil
}
