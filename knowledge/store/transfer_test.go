package store

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"liandong/internal/redistest"
	"liandong/knowledge"
)

var update = flag.Bool("update", false, "rewrite golden files")

const faqPath = "../../configs/faq.yaml"

func TestImportExportRoundTrip(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	orig, err := knowledge.LoadFAQ(faqPath)
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	rep, err := s.Import(ctx, orig, ImportOptions{Progress: func(done, total int) { calls++ }})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Added) != len(orig) || len(rep.Changed)+len(rep.Unchanged) != 0 || calls != len(orig) {
		t.Fatalf("first import: %d added, %d changed, %d unchanged, %d progress calls; want %d added",
			len(rep.Added), len(rep.Changed), len(rep.Unchanged), calls, len(orig))
	}
	var buf bytes.Buffer
	if err := s.Export(ctx, &buf, Filter{Status: knowledge.StatusPublished}); err != nil {
		t.Fatal(err)
	}
	back, err := knowledge.DecodeFAQ(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("export does not load as faq.yaml: %v", err)
	}
	if len(back) != len(orig) {
		t.Fatalf("exported %d entries, want %d", len(back), len(orig))
	}
	byID := map[string]knowledge.Entry{}
	for _, e := range back {
		byID[e.ID] = e
	}
	for _, e := range orig {
		if !sameContent(e, byID[e.ID]) {
			t.Fatalf("entry %s changed in the round trip:\n%+v\n%+v", e.ID, e, byID[e.ID])
		}
	}
	// Importing the export again changes nothing.
	rep, err = s.Import(ctx, back, ImportOptions{})
	if err != nil || len(rep.Unchanged) != len(orig) {
		t.Fatalf("re-import: %+v, %v; want all unchanged", rep, err)
	}
	// And the published set is what the search index is built from.
	pub, err := s.Published(ctx)
	if err != nil || len(pub) != len(orig) {
		t.Fatalf("published = %d, %v", len(pub), err)
	}
	if _, err := knowledge.Build(pub, nil, knowledge.Options{}); err != nil {
		t.Fatal(err)
	}
}

func TestImportDiff(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	publish(t, s, sample("d-1"))
	publish(t, s, sample("d-2"))
	changed := sample("d-2")
	changed.Answer = "新口径。"
	draft := sample("d-3")
	draft.Status = knowledge.StatusDraft
	noTitle := sample("d-4")
	noTitle.Title = ""
	tests := []struct {
		name    string
		in      []knowledge.Entry
		dry     bool
		err     error
		added   int
		changed int
		same    int
		invalid []string // "id/field"
	}{
		{"invalid: nothing written", []knowledge.Entry{changed, noTitle, {Department: "x"}, sample("d-1"), sample("d-1")}, false, ErrInvalidImport, 0, 0, 0,
			[]string{"d-4/title", "#3/id", "d-1/id"}},
		{"dry run", []knowledge.Entry{sample("d-1"), changed, draft}, true, nil, 1, 1, 1, nil},
		{"real", []knowledge.Entry{sample("d-1"), changed, draft}, false, nil, 1, 1, 1, nil},
		{"again", []knowledge.Entry{sample("d-1"), changed, draft}, false, nil, 0, 0, 3, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := s.Import(ctx, tt.in, ImportOptions{DryRun: tt.dry, Author: "ops"})
			if !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			var inv []string
			for _, i := range rep.Invalid {
				inv = append(inv, i.ID+"/"+i.Field)
			}
			if len(rep.Added) != tt.added || len(rep.Changed) != tt.changed || len(rep.Unchanged) != tt.same ||
				fmt.Sprint(inv) != fmt.Sprint(tt.invalid) {
				t.Fatalf("report %+v, want %d/%d/%d invalid %v", rep, tt.added, tt.changed, tt.same, tt.invalid)
			}
		})
	}
	if rep, _ := s.Import(ctx, []knowledge.Entry{sample("d-2")}, ImportOptions{DryRun: true}); fmt.Sprint(rep.Fields) != "map[d-2:[answer]]" {
		t.Errorf("changed fields = %v, want d-2: answer", rep.Fields)
	}
	asked := changed
	asked.CallerQuestions = []string{"单位不给交社保咋办"}
	if rep, _ := s.Import(ctx, []knowledge.Entry{asked}, ImportOptions{DryRun: true}); fmt.Sprint(rep.Fields) != "map[d-2:[caller_questions]]" {
		t.Errorf("changed fields = %v, want d-2: caller_questions", rep.Fields)
	}
	// After the real import: d-2 serves the new answer as version 2, the old
	// version archived; d-3 is a draft, not served.
	r, _ := s.Get(ctx, "d-2")
	old, _ := s.GetVersion(ctx, "d-2", 1)
	if r.Version != 2 || r.LiveVersion != 2 || r.Answer != "新口径。" || old.Status != knowledge.StatusArchived {
		t.Fatalf("d-2 = v%d live %d %q, v1 %s", r.Version, r.LiveVersion, r.Answer, old.Status)
	}
	if r, _ := s.Get(ctx, "d-3"); r.Status != knowledge.StatusDraft || r.LiveVersion != 0 {
		t.Fatalf("d-3 = %s live %d", r.Status, r.LiveVersion)
	}
}

func TestRunImportExport(t *testing.T) {
	s, _, rdb := newStore(t)
	ctx := context.Background()
	dir := t.TempDir()
	// A large file draws a progress bar.
	var b strings.Builder
	b.WriteString("entries:\n")
	for i := range 250 {
		fmt.Fprintf(&b, "  - id: gen-%03d\n    department: 测试部门\n    title: 第%d个测试问题怎么办？\n    answer: 第%d个测试答复。\n", i, i, i)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("entries:\n  - id: x-1\n    department: d\n    title: t\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	edited := filepath.Join(dir, "edited.yaml")
	if err := os.WriteFile(edited, []byte(strings.Replace(b.String(), "第7个测试答复", "第7个新答复", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	unknown := filepath.Join(dir, "unknown.yaml")
	if err := os.WriteFile(unknown, []byte("entries:\n  - id: x-1\n    titel: t\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		path string
		dry  bool
		err  error
		want []string
	}{
		{"dry run", big, true, nil, []string{"250 entries: 250 added, 0 changed, 0 unchanged (dry run, nothing written)"}},
		{"import", big, false, nil, []string{"] 250/250 100%", "250 added"}},
		{"again", big, false, nil, []string{"0 added, 0 changed, 250 unchanged"}},
		{"one edited", edited, true, nil, []string{"changed: gen-007 (answer)\n", "0 added, 1 changed, 249 unchanged (dry run"}},
		{"invalid", bad, false, ErrInvalidImport, []string{"invalid: entry x-1: field answer: is empty", "nothing written"}},
		{"unknown key", unknown, false, ErrInvalid, nil},
		{"missing file", filepath.Join(dir, "nope.yaml"), false, os.ErrNotExist, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := RunImport(ctx, &out, rdb, "t:", tt.path, tt.dry)
			if !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
	var out bytes.Buffer
	if err := RunExport(ctx, &out, rdb, "t:", "published"); err != nil {
		t.Fatal(err)
	}
	es, err := knowledge.DecodeFAQ(&out)
	if err != nil || len(es) != 250 {
		t.Fatalf("export = %d entries, %v", len(es), err)
	}
	if err := RunExport(ctx, &out, rdb, "t:", "bogus"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad status: %v", err)
	}
	if imported, _, err := s.ImportIfEmpty(ctx, faqPath); imported || err != nil {
		t.Fatalf("ImportIfEmpty on a full store = %v, %v", imported, err)
	}
}

func TestImportIfEmpty(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	imported, rep, err := s.ImportIfEmpty(ctx, faqPath)
	if err != nil || !imported || len(rep.Added) != 100 {
		t.Fatalf("ImportIfEmpty = %v, %d added, %v", imported, len(rep.Added), err)
	}
	h, err := s.History(ctx, "kb-001")
	if err != nil || len(h) != 1 || h[0].Action != "import" {
		t.Fatalf("history = %+v, %v", h, err)
	}
}

// The export format is pinned by a golden file (go test -run Golden -update).
func TestExportGolden(t *testing.T) {
	srv := redistest.Start(t)
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{srv.Addr}})
	t.Cleanup(func() { rdb.Close() })
	at := time.Date(2026, 11, 28, 9, 30, 0, 0, time.UTC)
	s := New(rdb, Options{Prefix: "g:", Now: func() time.Time { return at }})
	ctx := context.Background()
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a := sample("kb-001")
	a.ValidFrom = &from
	b := sample("kb-002")
	b.Department = "住房和城乡建设"
	b.Title = "公积金怎么提取？"
	b.Keywords = nil
	b.Status = knowledge.StatusDraft
	if _, err := s.Import(ctx, []knowledge.Entry{b, a}, ImportOptions{Author: "ops"}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []knowledge.Status{"", knowledge.StatusPublished} {
		var out bytes.Buffer
		if err := s.Export(ctx, &out, Filter{Status: f}); err != nil {
			t.Fatal(err)
		}
		name := "testdata/export-all.golden.yaml"
		if f != "" {
			name = "testdata/export-" + string(f) + ".golden.yaml"
		}
		if *update {
			if err := os.WriteFile(name, out.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Bytes(), want) {
			t.Errorf("export (status %q) differs from %s:\n%s", f, name, out.String())
		}
	}
}
