package store

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"liandong/internal/redistest"
	"liandong/knowledge"
)

var (
	ed   = Actor{User: "wang", Role: RoleEditor}
	ed2  = Actor{User: "zhao", Role: RoleEditor}
	rev  = Actor{User: "li", Role: RoleReviewer}
	adm  = Actor{User: "root", Role: RoleAdmin}
	anon = Actor{Role: RoleEditor}
)

func newStore(t testing.TB) (*Store, *redistest.Server, redis.UniversalClient) {
	t.Helper()
	srv := redistest.Start(t)
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{srv.Addr}, MaxRetries: -1,
		DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { rdb.Close() })
	return New(rdb, Options{Prefix: "t:"}), srv, rdb
}

func sample(id string) knowledge.Entry {
	return knowledge.Entry{ID: id, Department: "人力资源和社会保障", Title: "怎样查询个人社保缴费记录？",
		Answer: "您可以通过电子社保卡查询。", SimilarQuestions: []string{"社保交了多少年在哪儿能查到？"}, Keywords: []string{"社保"}}
}

// publish takes a new entry through the whole review to published.
func publish(t *testing.T, s *Store, e knowledge.Entry) Record {
	t.Helper()
	ctx := context.Background()
	r, err := s.Create(ctx, ed, e)
	if err != nil {
		t.Fatal(err)
	}
	return republish(t, s, r.ID)
}

func republish(t *testing.T, s *Store, id string) Record {
	t.Helper()
	ctx := context.Background()
	if _, err := s.SubmitForReview(ctx, ed, id, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Approve(ctx, rev, id, 0, "ok"); err != nil {
		t.Fatal(err)
	}
	r, err := s.Publish(ctx, rev, id, 0)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestWorkflowRules(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	type op func(id string) (Record, error)
	create := func(a Actor) op {
		return func(id string) (Record, error) { return s.Create(ctx, a, sample(id)) }
	}
	edit := func(a Actor, exp int) op {
		return func(id string) (Record, error) {
			e := sample(id)
			e.Answer = "新的答复。"
			return s.Edit(ctx, a, id, exp, e)
		}
	}
	submit := func(a Actor) op { return func(id string) (Record, error) { return s.SubmitForReview(ctx, a, id, 0) } }
	approve := func(a Actor) op { return func(id string) (Record, error) { return s.Approve(ctx, a, id, 0, "") } }
	reject := func(a Actor, c string) op {
		return func(id string) (Record, error) { return s.Reject(ctx, a, id, 0, c) }
	}
	pub := func(a Actor) op { return func(id string) (Record, error) { return s.Publish(ctx, a, id, 0) } }
	archive := func(a Actor) op { return func(id string) (Record, error) { return s.Archive(ctx, a, id, 0, "") } }
	rollback := func(a Actor, to int) op {
		return func(id string) (Record, error) { return s.Rollback(ctx, a, id, 0, to, "") }
	}
	type step struct {
		do      op
		err     error
		status  knowledge.Status
		version int
		live    int
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"happy path", []step{
			{create(ed), nil, "draft", 1, 0},
			{submit(ed), nil, "in_review", 1, 0},
			{approve(rev), nil, "in_review", 1, 0},
			{pub(rev), nil, "published", 1, 1},
		}},
		{"edit published keeps serving old", []step{
			{create(ed), nil, "draft", 1, 0},
			{submit(ed), nil, "in_review", 1, 0},
			{approve(rev), nil, "in_review", 1, 0},
			{pub(rev), nil, "published", 1, 1},
			{edit(ed2, 1), nil, "draft", 2, 1},
			{submit(ed2), nil, "in_review", 2, 1},
			{approve(rev), nil, "in_review", 2, 1},
			{pub(rev), nil, "published", 2, 2},
			{archive(rev), nil, "archived", 2, 0},
			{rollback(rev, 1), nil, "published", 3, 3},
		}},
		{"stale edit", []step{
			{create(ed), nil, "draft", 1, 0},
			{edit(ed, 1), nil, "draft", 2, 0},
			{edit(ed2, 1), ErrConflict, "", 0, 0},
		}},
		{"roles", []step{
			{create(anon), ErrInvalid, "", 0, 0},
			{create(Actor{User: "x", Role: "boss"}), ErrForbidden, "", 0, 0},
			{create(ed), nil, "draft", 1, 0},
			{create(ed), ErrExists, "", 0, 0},
			{submit(ed), nil, "in_review", 1, 0},
			{approve(ed2), ErrForbidden, "", 0, 0},
			{approve(Actor{User: "wang", Role: RoleReviewer}), ErrSelfReview, "", 0, 0},
			{pub(rev), ErrNotApproved, "", 0, 0},
			{edit(ed, 0), ErrState, "", 0, 0},
			{reject(rev, ""), ErrInvalid, "", 0, 0},
			{reject(rev, "答复不准确"), nil, "draft", 1, 0},
			{approve(rev), ErrState, "", 0, 0},
			{archive(rev), ErrState, "", 0, 0},
			{pub(adm), ErrState, "", 0, 0},
			{rollback(ed, 1), ErrForbidden, "", 0, 0},
			{rollback(rev, 5), ErrInvalid, "", 0, 0},
		}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := "wf-" + string(rune('a'+i))
			for j, st := range tt.steps {
				r, err := st.do(id)
				if !errors.Is(err, st.err) || (st.err == nil) != (err == nil) {
					t.Fatalf("step %d: err = %v, want %v", j, err, st.err)
				}
				if err != nil {
					continue
				}
				if r.Status != st.status || r.Version != st.version || r.LiveVersion != st.live {
					t.Fatalf("step %d: got %s v%d live %d, want %s v%d live %d", j, r.Status, r.Version, r.LiveVersion, st.status, st.version, st.live)
				}
				got, err := s.Get(ctx, id)
				if err != nil || got.Status != r.Status || got.Version != r.Version || got.LiveVersion != r.LiveVersion {
					t.Fatalf("step %d: Get = %+v, %v; want what the op returned %+v", j, got, err, r)
				}
			}
		})
	}
}

func TestConflictCarriesCurrent(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	if _, err := s.Create(ctx, ed, sample("c-1")); err != nil {
		t.Fatal(err)
	}
	e := sample("c-1")
	e.Answer = "第二版。"
	if _, err := s.Edit(ctx, ed, "c-1", 1, e); err != nil {
		t.Fatal(err)
	}
	_, err := s.Edit(ctx, ed2, "c-1", 1, sample("c-1"))
	var ce *ConflictError
	if !errors.As(err, &ce) || ce.Current.Version != 2 || ce.Current.Answer != "第二版。" {
		t.Fatalf("err = %v, want a conflict carrying version 2", err)
	}
	v1, err := s.GetVersion(ctx, "c-1", 1)
	if err != nil || v1.Answer != sample("c-1").Answer {
		t.Fatalf("version 1 = %+v, %v; want the original kept", v1, err)
	}
	if _, err := s.GetVersion(ctx, "c-1", 9); !errors.Is(err, ErrNotFound) {
		t.Fatalf("version 9: %v, want ErrNotFound", err)
	}
	if _, err := s.Get(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown: %v, want ErrNotFound", err)
	}
}

// Many editors race on one version: exactly one wins.
func TestRacingEditorsOneWins(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	if _, err := s.Create(ctx, ed, sample("race")); err != nil {
		t.Fatal(err)
	}
	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			e := sample("race")
			e.Answer = "编辑" + string(rune('A'+i)) + "。"
			_, errs[i] = s.Edit(ctx, Actor{User: "u" + string(rune('a'+i)), Role: RoleEditor}, "race", 1, e)
		})
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, ErrConflict):
			t.Errorf("unexpected error %v", err)
		}
	}
	r, _ := s.Get(ctx, "race")
	if wins != 1 || r.Version != 2 {
		t.Fatalf("%d winners, version %d; want exactly 1 and version 2", wins, r.Version)
	}
}

func TestValidationNamesField(t *testing.T) {
	s, _, _ := newStore(t)
	tests := []struct {
		name  string
		mod   func(*knowledge.Entry)
		field string
	}{
		{"no title", func(e *knowledge.Entry) { e.Title = " " }, "title"},
		{"bad id", func(e *knowledge.Entry) { e.ID = "Bad ID" }, "id"},
		{"no department", func(e *knowledge.Entry) { e.Department = "" }, "department"},
		{"no answer", func(e *knowledge.Entry) { e.Answer = "" }, "answer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := sample("v-1")
			tt.mod(&e)
			_, err := s.Create(context.Background(), ed, e)
			var fe *knowledge.FieldError
			if !errors.Is(err, ErrInvalid) || !errors.As(err, &fe) || fe.Field != tt.field {
				t.Fatalf("err = %v, want invalid field %s", err, tt.field)
			}
		})
	}
}

func TestListHistoryPublished(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	publish(t, s, sample("l-1"))
	e := sample("l-2")
	e.Department = "住房和城乡建设"
	if _, err := s.Create(ctx, ed, e); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		f    Filter
		want []string
	}{
		{Filter{}, []string{"l-1", "l-2"}},
		{Filter{Status: knowledge.StatusPublished}, []string{"l-1"}},
		{Filter{Status: knowledge.StatusDraft}, []string{"l-2"}},
		{Filter{Department: "住房和城乡建设"}, []string{"l-2"}},
	}
	for _, tt := range tests {
		got, err := s.List(ctx, tt.f)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range got {
			ids = append(ids, r.ID)
		}
		if len(ids) != len(tt.want) || (len(ids) > 0 && ids[0] != tt.want[0]) {
			t.Errorf("List(%+v) = %v, want %v", tt.f, ids, tt.want)
		}
	}
	if _, err := s.List(ctx, Filter{Status: "gone"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad status filter: %v", err)
	}
	h, err := s.History(ctx, "l-1")
	if err != nil {
		t.Fatal(err)
	}
	var acts []string
	for _, e := range h {
		acts = append(acts, e.Action+"/"+e.User)
	}
	want := []string{"create/wang", "submit/wang", "approve/li", "publish/li"}
	if len(acts) != len(want) {
		t.Fatalf("history = %v, want %v", acts, want)
	}
	for i := range want {
		if acts[i] != want[i] {
			t.Fatalf("history = %v, want %v", acts, want)
		}
	}
	if _, err := s.History(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("history of unknown: %v", err)
	}
	pub, err := s.Published(ctx)
	if err != nil || len(pub) != 1 || pub[0].ID != "l-1" || pub[0].Version != 1 {
		t.Fatalf("Published = %+v, %v", pub, err)
	}
}
