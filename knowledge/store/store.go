// Package store keeps the FAQ in Redis: every version of every entry, the
// review workflow (draft → in review → approved → published → archived),
// an audit trail, import/export, answer statistics and agents' feedback. It
// also keeps every gateway instance's in-memory search index in step with
// the published set (see Live).
//
// All keys of the FAQ itself share one Redis Cluster hash slot (the {faq}
// hash tag), so the workflow's transactions (WATCH/MULTI) work unchanged on
// a single server, Sentinel or Cluster.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"liandong/knowledge"
)

// DefaultPrefix is the key prefix when Options.Prefix is empty.
const DefaultPrefix = "liandong:"

// Role says what an actor may do in the workflow.
type Role string

// Roles: editor, reviewer and admin are each allowed what the one before
// may do, and more.
const (
	// RoleEditor creates and edits entries and submits them for review.
	RoleEditor Role = "editor"
	// RoleReviewer approves, rejects, publishes, archives and rolls back.
	RoleReviewer Role = "reviewer"
	// RoleAdmin may do everything, including import.
	RoleAdmin Role = "admin"
	// RoleAgent (a 12345 agent or 110 call-taker) may read entries and
	// report an answer as wrong or out of date (Feedback), nothing more.
	RoleAgent Role = "agent"
)

func (r Role) rank() int {
	switch r {
	case RoleAgent:
		return 0
	case RoleEditor:
		return 1
	case RoleReviewer:
		return 2
	case RoleAdmin:
		return 3
	}
	return 0
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleAgent || r.rank() > 0 }

// Actor is who does an operation. The editor API fills it from the
// authenticated user.
type Actor struct {
	User string `json:"user"`
	Role Role   `json:"role"`
}

func (a Actor) check(min Role) error {
	if strings.TrimSpace(a.User) == "" {
		return invalidf("user", "is empty")
	}
	if !a.Role.Valid() {
		return fmt.Errorf("role %q: %w", a.Role, ErrForbidden)
	}
	if a.Role.rank() < min.rank() {
		return fmt.Errorf("role %s needs %s: %w", a.Role, min, ErrForbidden)
	}
	return nil
}

// Record is one version of an entry with its review state. Entry.Version is
// the version number; Entry.Status the state of this version.
type Record struct {
	knowledge.Entry
	// Approved is set by Approve on a version in review; Publish needs it.
	Approved bool `json:"approved,omitempty"`
	// Comment is the last review comment (a rejection's reason).
	Comment string `json:"comment,omitempty"`
	// LiveVersion is the version callers are served now (0: none). It is
	// filled by Get and List, not stored with the version.
	LiveVersion int `json:"live_version,omitempty"`
}

// Options configure a Store.
type Options struct {
	// Prefix namespaces every key (default "liandong:").
	Prefix string
	Logger *slog.Logger
	// StatsTTL is how long daily statistics are kept (default 400 days).
	StatsTTL time.Duration
	// AuditMaxLen trims each entry's audit stream to about this many
	// events (0: keep all).
	AuditMaxLen int64
	// Now is the clock (default time.Now); tests set it.
	Now func() time.Time
}

// Store is the FAQ in Redis. It is safe for concurrent use.
type Store struct {
	rdb redis.UniversalClient
	k   keys
	log *slog.Logger
	now func() time.Time
	opt Options
}

// New returns a store over rdb.
func New(rdb redis.UniversalClient, o Options) *Store {
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.StatsTTL <= 0 {
		o.StatsTTL = 400 * 24 * time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Store{rdb: rdb, k: keys{p: o.Prefix}, log: o.Logger, now: o.Now, opt: o}
}

// keys names every Redis key of the store (docs/knowledge-editing.md).
type keys struct{ p string }

func (k keys) entry(id string) string { return k.p + "kb:{faq}:entry:" + id }
func (k keys) ids() string            { return k.p + "kb:{faq}:ids" }
func (k keys) live() string           { return k.p + "kb:{faq}:live" }
func (k keys) audit(id string) string { return k.p + "kb:{faq}:audit:" + id }

// changes is a channel, not a key; it carries the {faq} tag so that a
// PUBLISH inside the workflow's MULTI stays in the transaction's slot.
func (k keys) changes() string { return k.p + "kb:{faq}:changes" }

// Statistics share the {kbstats} slot so a range of days can be summed
// with one ZUNION on a Cluster too.
func (k keys) hits(day string) string       { return k.p + "kb:{kbstats}:hits:" + day }
func (k keys) hitsDetail(day string) string { return k.p + "kb:{kbstats}:hitsv:" + day }
func (k keys) unanswered(day string) string { return k.p + "kb:{kbstats}:unanswered:" + day }
func (k keys) answers() string              { return k.p + "kb:answers" }
func (k keys) tasks() string                { return k.p + "kb:tasks" }

// Hash fields of an entry.
const (
	fCur     = "cur"
	fLive    = "live"
	fCreated = "created"
)

func vField(n int) string { return "v:" + strconv.Itoa(n) }

// Change is the notice published on the changes channel when the published
// set changes.
type Change struct {
	ID      string `json:"id"`
	Version int    `json:"version"`
	Action  string `json:"action"`
}

// AuditEvent is one line of an entry's history.
type AuditEvent struct {
	StreamID string    `json:"stream_id"`
	Action   string    `json:"action"`
	User     string    `json:"user"`
	Role     Role      `json:"role"`
	Version  int       `json:"version"`
	From     string    `json:"from,omitempty"`
	To       string    `json:"to,omitempty"`
	Comment  string    `json:"comment,omitempty"`
	At       time.Time `json:"at"`
}

// state is an entry as read inside a transaction.
type state struct {
	exists  bool
	cur     int
	live    int
	created time.Time
	curRec  Record
}

// write is what one operation changes.
type write struct {
	put     []Record // version records to (re)write
	cur     int      // new current version (0: unchanged)
	live    *int     // new live version (nil: unchanged; 0: none)
	created time.Time
	event   AuditEvent
	notify  bool
}

const maxTxRetries = 20

// update runs fn on entry id's state inside WATCH/MULTI: of two writers
// racing on one entry, exactly one commits; the other retries on the new
// state (and typically fails with ErrConflict or ErrState).
func (s *Store) update(ctx context.Context, id string, fn func(st *state) (*write, error)) (Record, error) {
	key := s.k.entry(id)
	var out Record
	txf := func(tx *redis.Tx) error {
		st, err := s.readState(ctx, tx, id)
		if err != nil {
			return err
		}
		w, err := fn(st)
		if err != nil {
			return err
		}
		now := s.now()
		w.event.At = now
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			fields := make([]any, 0, 2*len(w.put)+6)
			for _, r := range w.put {
				r.LiveVersion = 0 // an entry's, not a version's
				data, err := json.Marshal(r)
				if err != nil {
					return fmt.Errorf("encode version: %w", err)
				}
				fields = append(fields, vField(r.Version), data)
			}
			if w.cur > 0 {
				fields = append(fields, fCur, w.cur)
			}
			if !w.created.IsZero() {
				fields = append(fields, fCreated, w.created.UTC().Format(time.RFC3339Nano))
			}
			if w.live != nil {
				fields = append(fields, fLive, *w.live)
				if *w.live > 0 {
					p.SAdd(ctx, s.k.live(), id)
				} else {
					p.SRem(ctx, s.k.live(), id)
				}
			}
			if len(fields) > 0 {
				p.HSet(ctx, key, fields...)
			}
			p.SAdd(ctx, s.k.ids(), id)
			p.XAdd(ctx, s.auditArgs(id, w.event))
			if w.notify {
				live := st.live
				if w.live != nil {
					live = *w.live
				}
				msg, _ := json.Marshal(Change{ID: id, Version: live, Action: w.event.Action})
				p.Publish(ctx, s.k.changes(), msg)
			}
			return nil
		})
		if err != nil {
			return err
		}
		// The record returned is the current version after the write.
		cur := st.cur
		if w.cur > 0 {
			cur = w.cur
		}
		out = st.curRec
		for _, r := range w.put {
			if r.Version == cur {
				out = r
			}
		}
		out.LiveVersion = st.live
		if w.live != nil {
			out.LiveVersion = *w.live
		}
		return nil
	}
	for range maxTxRetries {
		err := s.rdb.Watch(ctx, txf, key)
		if errors.Is(err, redis.TxFailedErr) {
			continue
		}
		return out, err
	}
	return Record{}, fmt.Errorf("entry %s: too much contention: %w", id, ErrConflict)
}

func (s *Store) auditArgs(id string, e AuditEvent) *redis.XAddArgs {
	a := &redis.XAddArgs{
		Stream: s.k.audit(id),
		Values: []any{
			"action", e.Action, "user", e.User, "role", string(e.Role),
			"version", e.Version, "from", e.From, "to", e.To, "comment", e.Comment,
			"at", e.At.UTC().Format(time.RFC3339Nano),
		},
	}
	if s.opt.AuditMaxLen > 0 {
		a.MaxLen = s.opt.AuditMaxLen
		a.Approx = true
	}
	return a
}

func (s *Store) readState(ctx context.Context, c redis.Cmdable, id string) (*state, error) {
	vals, err := c.HMGet(ctx, s.k.entry(id), fCur, fLive, fCreated).Result()
	if err != nil {
		return nil, fmt.Errorf("read entry %s: %w", id, err)
	}
	st := &state{}
	if vals[0] == nil {
		return st, nil
	}
	st.exists = true
	st.cur, _ = strconv.Atoi(fmt.Sprint(vals[0]))
	if vals[1] != nil {
		st.live, _ = strconv.Atoi(fmt.Sprint(vals[1]))
	}
	if vals[2] != nil {
		st.created, _ = time.Parse(time.RFC3339Nano, fmt.Sprint(vals[2]))
	}
	rec, err := s.readVersion(ctx, c, id, st.cur)
	if err != nil {
		return nil, err
	}
	st.curRec = rec
	return st, nil
}

func (s *Store) readVersion(ctx context.Context, c redis.Cmdable, id string, n int) (Record, error) {
	data, err := c.HGet(ctx, s.k.entry(id), vField(n)).Bytes()
	if errors.Is(err, redis.Nil) {
		return Record{}, fmt.Errorf("entry %s version %d: %w", id, n, ErrNotFound)
	}
	if err != nil {
		return Record{}, fmt.Errorf("read entry %s version %d: %w", id, n, err)
	}
	var r Record
	if err := json.Unmarshal(data, &r); err != nil {
		return Record{}, fmt.Errorf("decode entry %s version %d: %w", id, n, err)
	}
	return r, nil
}

// content copies the editable fields of e onto a new version.
func content(dst *knowledge.Entry, src knowledge.Entry) {
	dst.Department = strings.TrimSpace(src.Department)
	dst.Title = src.Title
	dst.SimilarQuestions = slices.Clone(src.SimilarQuestions)
	dst.CallerQuestions = slices.Clone(src.CallerQuestions)
	dst.Answer = src.Answer
	dst.Keywords = slices.Clone(src.Keywords)
	dst.ValidFrom = src.ValidFrom
	dst.ValidUntil = src.ValidUntil
}

func validate(e knowledge.Entry) error {
	if err := e.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return nil
}

func (s *Store) stamp() *time.Time {
	t := s.now().UTC()
	return &t
}

// Create stores e as version 1, a draft authored by a.
func (s *Store) Create(ctx context.Context, a Actor, e knowledge.Entry) (Record, error) {
	if err := a.check(RoleEditor); err != nil {
		return Record{}, fmt.Errorf("create entry: %w", err)
	}
	var r Record
	r.ID = strings.TrimSpace(e.ID)
	content(&r.Entry, e)
	r.Status = knowledge.StatusDraft
	r.Version = 1
	r.Author = a.User
	r.CreatedAt = s.stamp()
	r.UpdatedAt = r.CreatedAt
	if err := validate(r.Entry); err != nil {
		return Record{}, fmt.Errorf("create entry: %w", err)
	}
	out, err := s.update(ctx, r.ID, func(st *state) (*write, error) {
		if st.exists {
			return nil, fmt.Errorf("entry %s: %w", r.ID, ErrExists)
		}
		return &write{put: []Record{r}, cur: 1, created: *r.CreatedAt,
			event: AuditEvent{Action: "create", User: a.User, Role: a.Role, Version: 1, To: string(r.Status)}}, nil
	})
	if err != nil {
		return Record{}, fmt.Errorf("create entry: %w", err)
	}
	return out, nil
}

// Edit stores e's content as a new draft version. expected is the version
// the editor started from: if it is not the current one the edit fails with
// a *ConflictError carrying the current entry. An entry in review cannot be
// edited (reject it first); the published version keeps serving until the
// new one is published.
func (s *Store) Edit(ctx context.Context, a Actor, id string, expected int, e knowledge.Entry) (Record, error) {
	if err := a.check(RoleEditor); err != nil {
		return Record{}, fmt.Errorf("edit entry %s: %w", id, err)
	}
	if e.ID != "" && e.ID != id {
		return Record{}, fmt.Errorf("edit entry %s: %w", id, invalidf("id", "%q does not match the entry edited", e.ID))
	}
	out, err := s.update(ctx, id, func(st *state) (*write, error) {
		if !st.exists {
			return nil, ErrNotFound
		}
		if err := checkExpected(st, expected); err != nil {
			return nil, err
		}
		if st.curRec.Status == knowledge.StatusInReview {
			return nil, fmt.Errorf("version %d is in review: %w", st.cur, ErrState)
		}
		r := Record{}
		r.ID = id
		content(&r.Entry, e)
		r.Status = knowledge.StatusDraft
		r.Version = st.cur + 1
		r.Author = a.User
		r.CreatedAt = st.curRec.CreatedAt
		r.UpdatedAt = s.stamp()
		if err := validate(r.Entry); err != nil {
			return nil, err
		}
		return &write{put: []Record{r}, cur: r.Version,
			event: AuditEvent{Action: "edit", User: a.User, Role: a.Role, Version: r.Version, From: string(st.curRec.Status), To: string(r.Status)}}, nil
	})
	if err != nil {
		return Record{}, fmt.Errorf("edit entry %s: %w", id, err)
	}
	return out, nil
}

func checkExpected(st *state, expected int) error {
	if expected > 0 && expected != st.cur {
		cur := st.curRec
		cur.LiveVersion = st.live
		return &ConflictError{Expected: expected, Current: cur}
	}
	return nil
}

// transition changes the state of the current version.
func (s *Store) transition(ctx context.Context, a Actor, id string, expected int, action string, min Role,
	fn func(st *state, r *Record) (*write, error)) (Record, error) {
	if err := a.check(min); err != nil {
		return Record{}, fmt.Errorf("%s entry %s: %w", action, id, err)
	}
	out, err := s.update(ctx, id, func(st *state) (*write, error) {
		if !st.exists {
			return nil, ErrNotFound
		}
		if err := checkExpected(st, expected); err != nil {
			return nil, err
		}
		r := st.curRec
		from := r.Status
		w, err := fn(st, &r)
		if err != nil {
			return nil, err
		}
		r.UpdatedAt = s.stamp()
		w.put = append(w.put, r)
		w.event.Action, w.event.User, w.event.Role = action, a.User, a.Role
		w.event.Version, w.event.From, w.event.To = r.Version, string(from), string(r.Status)
		return w, nil
	})
	if err != nil {
		return Record{}, fmt.Errorf("%s entry %s: %w", action, id, err)
	}
	return out, nil
}

func stateErr(r *Record, want string) error {
	return fmt.Errorf("version %d is %s, needs %s: %w", r.Version, r.Status, want, ErrState)
}

// SubmitForReview moves the current draft into review.
func (s *Store) SubmitForReview(ctx context.Context, a Actor, id string, expected int) (Record, error) {
	return s.transition(ctx, a, id, expected, "submit", RoleEditor, func(st *state, r *Record) (*write, error) {
		if r.Status != knowledge.StatusDraft {
			return nil, stateErr(r, "draft")
		}
		r.Status = knowledge.StatusInReview
		r.Approved = false
		return &write{}, nil
	})
}

// Approve marks the version in review as approved; its author may not.
func (s *Store) Approve(ctx context.Context, a Actor, id string, expected int, comment string) (Record, error) {
	return s.transition(ctx, a, id, expected, "approve", RoleReviewer, func(st *state, r *Record) (*write, error) {
		if r.Status != knowledge.StatusInReview {
			return nil, stateErr(r, "in_review")
		}
		if r.Approved {
			return nil, fmt.Errorf("version %d is already approved: %w", r.Version, ErrState)
		}
		if r.Author == a.User {
			return nil, ErrSelfReview
		}
		r.Approved = true
		r.Reviewer = a.User
		r.Comment = comment
		return &write{event: AuditEvent{Comment: comment}}, nil
	})
}

// Reject sends the version in review back to draft with a comment (required).
func (s *Store) Reject(ctx context.Context, a Actor, id string, expected int, comment string) (Record, error) {
	if strings.TrimSpace(comment) == "" {
		return Record{}, fmt.Errorf("reject entry %s: %w", id, invalidf("comment", "is empty: say why"))
	}
	return s.transition(ctx, a, id, expected, "reject", RoleReviewer, func(st *state, r *Record) (*write, error) {
		if r.Status != knowledge.StatusInReview {
			return nil, stateErr(r, "in_review")
		}
		r.Status = knowledge.StatusDraft
		r.Approved = false
		r.Reviewer = a.User
		r.Comment = comment
		return &write{event: AuditEvent{Comment: comment}}, nil
	})
}

// Publish makes the approved version in review the one callers are served;
// the version served before is archived.
func (s *Store) Publish(ctx context.Context, a Actor, id string, expected int) (Record, error) {
	var prev Record
	return s.transition(ctx, a, id, expected, "publish", RoleReviewer, func(st *state, r *Record) (*write, error) {
		if r.Status != knowledge.StatusInReview {
			return nil, stateErr(r, "in_review")
		}
		if !r.Approved {
			return nil, ErrNotApproved
		}
		r.Status = knowledge.StatusPublished
		w := &write{live: &r.Version, notify: true}
		if err := s.retire(ctx, st, &prev, w); err != nil {
			return nil, err
		}
		return w, nil
	})
}

// retire archives the version served so far (if any) as part of w.
func (s *Store) retire(ctx context.Context, st *state, prev *Record, w *write) error {
	if st.live == 0 || st.live == st.cur {
		return nil
	}
	old, err := s.readVersion(ctx, s.rdb, st.curRec.ID, st.live)
	if err != nil {
		return err
	}
	old.Status = knowledge.StatusArchived
	old.UpdatedAt = s.stamp()
	*prev = old
	w.put = append(w.put, old)
	return nil
}

// Archive takes the entry off the air: its served version is archived. A
// newer draft, if any, stays as it is.
func (s *Store) Archive(ctx context.Context, a Actor, id string, expected int, comment string) (Record, error) {
	if err := a.check(RoleReviewer); err != nil {
		return Record{}, fmt.Errorf("archive entry %s: %w", id, err)
	}
	out, err := s.update(ctx, id, func(st *state) (*write, error) {
		if !st.exists {
			return nil, ErrNotFound
		}
		if err := checkExpected(st, expected); err != nil {
			return nil, err
		}
		if st.live == 0 {
			return nil, fmt.Errorf("no version is published: %w", ErrState)
		}
		old := st.curRec
		if st.live != st.cur {
			var err error
			if old, err = s.readVersion(ctx, s.rdb, id, st.live); err != nil {
				return nil, err
			}
		}
		old.Status = knowledge.StatusArchived
		old.UpdatedAt = s.stamp()
		none := 0
		return &write{put: []Record{old}, live: &none, notify: true,
			event: AuditEvent{Action: "archive", User: a.User, Role: a.Role, Version: old.Version,
				From: string(knowledge.StatusPublished), To: string(knowledge.StatusArchived), Comment: comment}}, nil
	})
	if err != nil {
		return Record{}, fmt.Errorf("archive entry %s: %w", id, err)
	}
	return out, nil
}

// Rollback publishes the content of version to as a new version, at once
// (undoing a bad answer must not wait for a review round). The version
// served before is archived; a pending draft stays in the history.
func (s *Store) Rollback(ctx context.Context, a Actor, id string, expected, to int, comment string) (Record, error) {
	if err := a.check(RoleReviewer); err != nil {
		return Record{}, fmt.Errorf("rollback entry %s: %w", id, err)
	}
	if to < 1 {
		return Record{}, fmt.Errorf("rollback entry %s: %w", id, invalidf("to", "%d must be a version >= 1", to))
	}
	out, err := s.update(ctx, id, func(st *state) (*write, error) {
		if !st.exists {
			return nil, ErrNotFound
		}
		if err := checkExpected(st, expected); err != nil {
			return nil, err
		}
		if to > st.cur {
			return nil, invalidf("to", "version %d does not exist (current is %d)", to, st.cur)
		}
		src, err := s.readVersion(ctx, s.rdb, id, to)
		if err != nil {
			return nil, err
		}
		r := Record{}
		r.ID = id
		content(&r.Entry, src.Entry)
		r.Status = knowledge.StatusPublished
		r.Version = st.cur + 1
		r.Author = a.User
		r.Reviewer = a.User
		r.Approved = true
		r.Comment = comment
		r.CreatedAt = st.curRec.CreatedAt
		r.UpdatedAt = s.stamp()
		w := &write{cur: r.Version, live: &r.Version, notify: true,
			event: AuditEvent{Action: "rollback", User: a.User, Role: a.Role, Version: r.Version,
				From: strconv.Itoa(to), To: string(r.Status), Comment: comment}}
		if st.live > 0 {
			old := st.curRec
			if st.live != st.cur {
				if old, err = s.readVersion(ctx, s.rdb, id, st.live); err != nil {
					return nil, err
				}
			}
			old.Status = knowledge.StatusArchived
			old.UpdatedAt = r.UpdatedAt
			w.put = append(w.put, old)
		}
		w.put = append(w.put, r)
		return w, nil
	})
	if err != nil {
		return Record{}, fmt.Errorf("rollback entry %s: %w", id, err)
	}
	return out, nil
}

// Get returns the current version of entry id.
func (s *Store) Get(ctx context.Context, id string) (Record, error) {
	st, err := s.readState(ctx, s.rdb, id)
	if err != nil {
		return Record{}, err
	}
	if !st.exists {
		return Record{}, fmt.Errorf("get entry %s: %w", id, ErrNotFound)
	}
	st.curRec.LiveVersion = st.live
	return st.curRec, nil
}

// GetVersion returns version n of entry id.
func (s *Store) GetVersion(ctx context.Context, id string, n int) (Record, error) {
	r, err := s.readVersion(ctx, s.rdb, id, n)
	if err != nil {
		return Record{}, fmt.Errorf("get entry: %w", err)
	}
	live, err := s.rdb.HGet(ctx, s.k.entry(id), fLive).Int()
	if err == nil {
		r.LiveVersion = live
	}
	return r, nil
}

// Filter selects entries for List and Export. Empty fields match all.
type Filter struct {
	// Status of the current version; for Export, "published" selects the
	// versions served to callers.
	Status     knowledge.Status
	Department string
}

func (f Filter) check() error {
	if f.Status != "" && !f.Status.Valid() {
		return invalidf("status", "%q is not one of draft, in_review, published, archived", f.Status)
	}
	return nil
}

// List returns the current version of every entry matching f, by id.
func (s *Store) List(ctx context.Context, f Filter) ([]Record, error) {
	if err := f.check(); err != nil {
		return nil, fmt.Errorf("list entries: %w", err)
	}
	ids, err := s.rdb.SMembers(ctx, s.k.ids()).Result()
	if err != nil {
		return nil, fmt.Errorf("list entries: %w", err)
	}
	recs, err := s.loadMany(ctx, ids, false)
	if err != nil {
		return nil, fmt.Errorf("list entries: %w", err)
	}
	out := recs[:0]
	for _, r := range recs {
		if (f.Status == "" || r.Status == f.Status) && (f.Department == "" || r.Department == f.Department) {
			out = append(out, r)
		}
	}
	return out, nil
}

// Published returns the versions served to callers, for the search index.
func (s *Store) Published(ctx context.Context) ([]knowledge.Entry, error) {
	ids, err := s.rdb.SMembers(ctx, s.k.live()).Result()
	if err != nil {
		return nil, fmt.Errorf("load published entries: %w", err)
	}
	recs, err := s.loadMany(ctx, ids, true)
	if err != nil {
		return nil, fmt.Errorf("load published entries: %w", err)
	}
	out := make([]knowledge.Entry, 0, len(recs))
	for _, r := range recs {
		if r.Status == knowledge.StatusPublished {
			out = append(out, r.Entry)
		}
	}
	return out, nil
}

// Empty reports whether the store has no entry at all (offer an import).
func (s *Store) Empty(ctx context.Context) (bool, error) {
	n, err := s.rdb.SCard(ctx, s.k.ids()).Result()
	if err != nil {
		return false, fmt.Errorf("count entries: %w", err)
	}
	return n == 0, nil
}

const loadBatch = 500

// loadMany reads the current (or live) version of each id, sorted by id,
// in two pipelined round trips per batch.
func (s *Store) loadMany(ctx context.Context, ids []string, live bool) ([]Record, error) {
	slices.Sort(ids)
	out := make([]Record, 0, len(ids))
	for start := 0; start < len(ids); start += loadBatch {
		batch := ids[start:min(start+loadBatch, len(ids))]
		metas := make([]*redis.SliceCmd, len(batch))
		if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, id := range batch {
				metas[i] = p.HMGet(ctx, s.k.entry(id), fCur, fLive)
			}
			return nil
		}); err != nil {
			return nil, err
		}
		type want struct {
			id       string
			n, liveV int
		}
		var wants []want
		for i, id := range batch {
			v := metas[i].Val()
			if len(v) < 2 || v[0] == nil {
				continue
			}
			cur, _ := strconv.Atoi(fmt.Sprint(v[0]))
			lv := 0
			if v[1] != nil {
				lv, _ = strconv.Atoi(fmt.Sprint(v[1]))
			}
			n := cur
			if live {
				n = lv
			}
			if n > 0 {
				wants = append(wants, want{id, n, lv})
			}
		}
		cmds := make([]*redis.StringCmd, len(wants))
		if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, w := range wants {
				cmds[i] = p.HGet(ctx, s.k.entry(w.id), vField(w.n))
			}
			return nil
		}); err != nil && !errors.Is(err, redis.Nil) {
			return nil, err
		}
		for i, w := range wants {
			data, err := cmds[i].Bytes()
			if err != nil {
				continue
			}
			var r Record
			if err := json.Unmarshal(data, &r); err != nil {
				return nil, fmt.Errorf("decode entry %s version %d: %w", w.id, w.n, err)
			}
			r.LiveVersion = w.liveV
			out = append(out, r)
		}
	}
	return out, nil
}

// History returns entry id's audit trail, oldest first.
func (s *Store) History(ctx context.Context, id string) ([]AuditEvent, error) {
	msgs, err := s.rdb.XRange(ctx, s.k.audit(id), "-", "+").Result()
	if err != nil {
		return nil, fmt.Errorf("history of entry %s: %w", id, err)
	}
	if len(msgs) == 0 {
		if n, err := s.rdb.Exists(ctx, s.k.entry(id)).Result(); err == nil && n == 0 {
			return nil, fmt.Errorf("history of entry %s: %w", id, ErrNotFound)
		}
	}
	out := make([]AuditEvent, 0, len(msgs))
	for _, m := range msgs {
		str := func(k string) string { v, _ := m.Values[k].(string); return v }
		e := AuditEvent{StreamID: m.ID, Action: str("action"), User: str("user"), Role: Role(str("role")),
			From: str("from"), To: str("to"), Comment: str("comment")}
		e.Version, _ = strconv.Atoi(str("version"))
		e.At, _ = time.Parse(time.RFC3339Nano, str("at"))
		out = append(out, e)
	}
	return out, nil
}
