package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"liandong/knowledge"
)

// The search tables (synonyms, concepts, rejects: knowledge.Lexicon) live
// in Redis next to the entries, so that an editor's change reaches every
// gateway instance like a published entry does: kept as the YAML the
// editor wrote (comments and order stay), every version kept, each change
// audited and announced on the changes channel.

// LexiconID names the lexicon in the audit trail and in change notices.
const LexiconID = "lexicon"

// Hash fields of the lexicon key; versions are "v:N" like entries'.
const (
	fLexBy = "by"
	fLexAt = "at"
)

func (k keys) lexicon() string { return k.p + "kb:{faq}:lexicon" }

// LexiconRecord is one version of the search tables.
type LexiconRecord struct {
	Version int       `json:"version"`
	YAML    string    `json:"yaml"`
	User    string    `json:"user,omitempty"`
	At      time.Time `json:"at"`
}

// MaxLexiconBytes bounds the YAML of the search tables.
const MaxLexiconBytes = 4 << 20

// GetLexicon returns the current search tables; ErrNotFound when none were
// ever stored.
func (s *Store) GetLexicon(ctx context.Context) (LexiconRecord, error) {
	return s.lexiconVersion(ctx, s.rdb, 0)
}

// GetLexiconVersion returns version n of the search tables.
func (s *Store) GetLexiconVersion(ctx context.Context, n int) (LexiconRecord, error) {
	if n <= 0 {
		return LexiconRecord{}, invalidf("version", "must be positive")
	}
	return s.lexiconVersion(ctx, s.rdb, n)
}

// lexiconVersion reads version n (0: the current one).
func (s *Store) lexiconVersion(ctx context.Context, c redis.Cmdable, n int) (LexiconRecord, error) {
	if n == 0 {
		cur, err := c.HGet(ctx, s.k.lexicon(), fCur).Int()
		if errors.Is(err, redis.Nil) {
			return LexiconRecord{}, fmt.Errorf("lexicon: %w", ErrNotFound)
		}
		if err != nil {
			return LexiconRecord{}, fmt.Errorf("read lexicon: %w", err)
		}
		n = cur
	}
	vals, err := c.HMGet(ctx, s.k.lexicon(), vField(n), fLexBy+":"+strconv.Itoa(n), fLexAt+":"+strconv.Itoa(n)).Result()
	if err != nil {
		return LexiconRecord{}, fmt.Errorf("read lexicon: %w", err)
	}
	if vals[0] == nil {
		return LexiconRecord{}, fmt.Errorf("lexicon version %d: %w", n, ErrNotFound)
	}
	r := LexiconRecord{Version: n, YAML: fmt.Sprint(vals[0])}
	if vals[1] != nil {
		r.User = fmt.Sprint(vals[1])
	}
	if vals[2] != nil {
		r.At, _ = time.Parse(time.RFC3339Nano, fmt.Sprint(vals[2]))
	}
	return r, nil
}

// LexiconConflictError is returned when a change's expected version is not
// the current one.
type LexiconConflictError struct {
	Expected int
	Current  LexiconRecord
}

func (e *LexiconConflictError) Error() string {
	return fmt.Sprintf("lexicon: expected version %d, current is %d", e.Expected, e.Current.Version)
}

// Unwrap lets errors.Is match ErrConflict.
func (e *LexiconConflictError) Unwrap() error { return ErrConflict }

// PutLexicon stores new search tables as the next version and announces
// them: every instance's Live rebuilds its index with them. expected is
// the version the editor changed (0 when there is none yet); a stale one
// fails with a *LexiconConflictError. The YAML must decode and validate
// (errors wrap knowledge.ErrInvalidLexicon and ErrInvalid, naming the line
// or the table row). A change goes live at once, so it needs a reviewer.
func (s *Store) PutLexicon(ctx context.Context, a Actor, expected int, text, comment string) (LexiconRecord, error) {
	if err := a.check(RoleReviewer); err != nil {
		return LexiconRecord{}, fmt.Errorf("put lexicon: %w", err)
	}
	if len(text) > MaxLexiconBytes {
		return LexiconRecord{}, fmt.Errorf("put lexicon: %w", invalidf("yaml", "longer than %d bytes", MaxLexiconBytes))
	}
	if _, err := knowledge.DecodeLexicon(strings.NewReader(text)); err != nil {
		return LexiconRecord{}, fmt.Errorf("put lexicon: %w", &InputError{Field: "yaml", Msg: err.Error(), Err: err})
	}
	return s.putLexicon(ctx, a, expected, text, comment, false)
}

// ImportLexiconIfEmpty stores the tables of a file as version 1 when Redis
// has none yet (a fresh deployment); it reports whether it did.
func (s *Store) ImportLexiconIfEmpty(ctx context.Context, text string) (bool, error) {
	if _, err := knowledge.DecodeLexicon(strings.NewReader(text)); err != nil {
		return false, fmt.Errorf("import lexicon: %w", err)
	}
	_, err := s.putLexicon(ctx, Actor{User: "import", Role: RoleAdmin}, 0, text, "", true)
	if errors.Is(err, ErrConflict) {
		return false, nil
	}
	return err == nil, err
}

func (s *Store) putLexicon(ctx context.Context, a Actor, expected int, text, comment string, onlyIfEmpty bool) (LexiconRecord, error) {
	key := s.k.lexicon()
	var out LexiconRecord
	txf := func(tx *redis.Tx) error {
		cur, err := tx.HGet(ctx, key, fCur).Int()
		if err != nil && !errors.Is(err, redis.Nil) {
			return fmt.Errorf("read lexicon: %w", err)
		}
		if cur != expected || (onlyIfEmpty && cur != 0) {
			curRec, err := s.lexiconVersion(ctx, tx, 0)
			if err != nil && !errors.Is(err, ErrNotFound) {
				return err
			}
			return &LexiconConflictError{Expected: expected, Current: curRec}
		}
		now := s.now()
		n := cur + 1
		out = LexiconRecord{Version: n, YAML: text, User: a.User, At: now}
		msg, _ := json.Marshal(Change{ID: LexiconID, Version: n, Action: "lexicon"})
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.HSet(ctx, key, fCur, n, vField(n), text,
				fLexBy+":"+strconv.Itoa(n), a.User, fLexAt+":"+strconv.Itoa(n), now.UTC().Format(time.RFC3339Nano))
			p.XAdd(ctx, s.auditArgs(LexiconID, AuditEvent{Action: "lexicon", User: a.User, Role: a.Role,
				Version: n, From: strconv.Itoa(cur), To: strconv.Itoa(n), Comment: comment, At: now}))
			p.Publish(ctx, s.k.changes(), msg)
			return nil
		})
		return err
	}
	for range maxTxRetries {
		err := s.rdb.Watch(ctx, txf, key)
		if errors.Is(err, redis.TxFailedErr) {
			continue
		}
		if err != nil {
			return LexiconRecord{}, fmt.Errorf("put lexicon: %w", err)
		}
		return out, nil
	}
	return LexiconRecord{}, fmt.Errorf("put lexicon: too much contention: %w", ErrConflict)
}
