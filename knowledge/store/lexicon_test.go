package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"liandong/knowledge"
)

func TestPutLexiconRules(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	if _, err := s.GetLexicon(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("no tables yet: %v", err)
	}
	const v1 = "# 词表\nsynonyms:\n  社保: [设保]\n"
	tests := []struct {
		name     string
		a        Actor
		expected int
		yaml     string
		want     error
		msg      string
	}{
		{"editor may not", ed, 0, v1, ErrForbidden, "needs reviewer"},
		{"unknown key", rev, 0, "synonym: {}\n", ErrInvalid, "field synonym not found"},
		{"invalid table", rev, 0, "rejects: [\" \"]\n", knowledge.ErrInvalidLexicon, "rejects[0]: empty"},
		{"too big", rev, 0, strings.Repeat("#", MaxLexiconBytes+1), ErrInvalid, "longer than"},
		{"stale version", rev, 3, v1, ErrConflict, "expected version 3, current is 0"},
		{"first version", rev, 0, v1, nil, ""},
		{"again from 0", rev, 0, v1, ErrConflict, "expected version 0, current is 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := s.PutLexicon(ctx, tt.a, tt.expected, tt.yaml, "")
			if tt.want == nil {
				if err != nil || r.Version != 1 || r.YAML != v1 || r.User != rev.User {
					t.Fatalf("put: %+v %v", r, err)
				}
				return
			}
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("err %v, want %v containing %q", err, tt.want, tt.msg)
			}
		})
	}
	var ce *LexiconConflictError
	if _, err := s.PutLexicon(ctx, rev, 0, v1, ""); !errors.As(err, &ce) || ce.Current.YAML != v1 {
		t.Fatalf("conflict does not carry the current tables: %v", err)
	}
	if _, err := s.PutLexicon(ctx, rev, 1, v1+"fillers: [那个]\n", "add a filler"); err != nil {
		t.Fatal(err)
	}
	cur, err := s.GetLexicon(ctx)
	if err != nil || cur.Version != 2 || !strings.Contains(cur.YAML, "那个") || !strings.HasPrefix(cur.YAML, "# 词表") {
		t.Fatalf("current: %+v %v (the editor's text, comments kept)", cur, err)
	}
	if old, err := s.GetLexiconVersion(ctx, 1); err != nil || old.YAML != v1 {
		t.Fatalf("version 1: %+v %v", old, err)
	}
	if _, err := s.GetLexiconVersion(ctx, 9); !errors.Is(err, ErrNotFound) {
		t.Fatalf("version 9: %v", err)
	}
	hist, err := s.History(ctx, LexiconID)
	if err != nil || len(hist) != 2 || hist[1].Comment != "add a filler" || hist[1].User != rev.User {
		t.Fatalf("history: %+v %v", hist, err)
	}
	// The file only seeds an empty store.
	if did, err := s.ImportLexiconIfEmpty(ctx, "fillers: [嗯]\n"); did || err != nil {
		t.Fatalf("import over stored tables: %v %v", did, err)
	}
	s2, _, _ := newStore(t)
	if did, err := s2.ImportLexiconIfEmpty(ctx, v1); !did || err != nil {
		t.Fatalf("import into an empty store: %v %v", did, err)
	}
	if _, err := s2.ImportLexiconIfEmpty(ctx, "synonym: {}\n"); err == nil {
		t.Fatal("an invalid file was imported")
	}
}

// A reviewer's change to the stored tables reaches a running Live (every
// gateway instance) through the changes channel, without a restart.
func TestLiveFollowsStoredLexicon(t *testing.T) {
	s, _, _ := newStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	e := sample("lx-live")
	e.Title, e.SimilarQuestions, e.Keywords = "怎样查询个人社保缴费记录？", []string{"社保交了多少年在哪儿能查到？"}, []string{"社保", "缴费记录"}
	publish(t, s, e)
	h := knowledge.NewHolder(nil)
	l := NewLive(s, h, LiveOptions{Resync: time.Hour, Recalibrate: time.Hour})
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	waitFor(t, "first load", 5*time.Second, searchable(h, "lx-live", 1))
	const q = "我想查一下我的老保险交了几年"
	hasWhy := func(word string) func() bool {
		return func() bool {
			r := h.Index().Search(q, 3)
			if len(r.Hits) == 0 || r.Hits[0].ID != "lx-live" {
				return false
			}
			return strings.Contains(strings.Join(r.Hits[0].Why, " "), word)
		}
	}
	if hasWhy("社保")() {
		t.Fatal("老保险 matched 社保 before any synonym")
	}
	swapped := l.Swapped()
	if _, err := s.PutLexicon(ctx, rev, 0, "synonyms:\n  社保: [老保险]\n", "callers say 老保险"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-swapped:
	case <-time.After(time.Second):
		t.Fatal("the stored tables were not served within 1 s")
	}
	waitFor(t, "synonym served", time.Second, hasWhy("社保"))
}
