package store

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"gopkg.in/yaml.v3"

	"liandong/knowledge"
)

// ImportOptions tune Import.
type ImportOptions struct {
	// DryRun computes the report and writes nothing.
	DryRun bool
	// Author is recorded on versions the file does not name an author for
	// (default "import").
	Author string
	// Progress, if set, is called after each entry written.
	Progress func(done, total int)
}

// InvalidEntry is an entry of an import that failed validation.
type InvalidEntry struct {
	ID     string `json:"id"` // "#N" (1-based position) when the id is missing
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// ImportReport is the diff of an import against the store.
type ImportReport struct {
	DryRun  bool     `json:"dry_run"`
	Added   []string `json:"added"`
	Changed []string `json:"changed"`
	// Fields names, per changed entry, what differs from its current version.
	Fields    map[string][]string `json:"fields"`
	Unchanged []string            `json:"unchanged"`
	Invalid   []InvalidEntry      `json:"invalid"`
}

// DecodeFile reads FAQ YAML in the layout of configs/faq.yaml strictly
// (unknown keys fail) without validating the entries, so Import can report
// every invalid entry at once.
func DecodeFile(r io.Reader) ([]knowledge.Entry, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read faq file: %w", err)
	}
	var f knowledge.FAQFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("decode faq file: empty document: %w", ErrInvalid)
		}
		return nil, fmt.Errorf("decode faq file: %w: %w", ErrInvalid, err)
	}
	return f.Entries, nil
}

// diffFields names the fields in which import entry a differs from the
// stored version b (nil: it would change nothing).
func diffFields(a, b knowledge.Entry) []string {
	eqTime := func(x, y *time.Time) bool {
		if x == nil || y == nil {
			return x == nil && y == nil
		}
		return x.Equal(*y)
	}
	var out []string
	add := func(same bool, name string) {
		if !same {
			out = append(out, name)
		}
	}
	add(strings.TrimSpace(a.Department) == b.Department, "department")
	add(a.Title == b.Title, "title")
	add(slices.Equal(a.SimilarQuestions, b.SimilarQuestions), "similar_questions")
	add(slices.Equal(a.CallerQuestions, b.CallerQuestions), "caller_questions")
	add(a.Answer == b.Answer, "answer")
	add(slices.Equal(a.Keywords, b.Keywords), "keywords")
	add(eqTime(a.ValidFrom, b.ValidFrom), "valid_from")
	add(eqTime(a.ValidUntil, b.ValidUntil), "valid_until")
	add(a.Status == b.Status, "status")
	return out
}

func sameContent(a, b knowledge.Entry) bool { return diffFields(a, b) == nil }

// Import brings entries into the store. Every entry is validated first: if
// any is invalid nothing is written and the error is ErrInvalidImport. An
// entry that differs from the current version (content or status) becomes
// a new version with the file's status (default published: an import is an
// administrator's act and needs no review round); equal ones are left alone.
// One change notice is published at the end.
func (s *Store) Import(ctx context.Context, entries []knowledge.Entry, o ImportOptions) (ImportReport, error) {
	rep := ImportReport{DryRun: o.DryRun, Added: []string{}, Changed: []string{}, Unchanged: []string{},
		Invalid: []InvalidEntry{}, Fields: map[string][]string{}}
	if o.Author == "" {
		o.Author = "import"
	}
	seen := map[string]int{}
	valid := make([]knowledge.Entry, 0, len(entries))
	for i, e := range entries {
		e.ApplyDefaults()
		e.Version = 1 // the store numbers versions; the file's number is not checked
		err := e.Validate()
		if j, dup := seen[e.ID]; dup && err == nil {
			err = &knowledge.FieldError{ID: e.ID, Field: "id", Msg: fmt.Sprintf("duplicate of entry #%d", j+1)}
		}
		if err != nil {
			inv := InvalidEntry{ID: e.ID, Reason: err.Error()}
			var fe *knowledge.FieldError
			if errors.As(err, &fe) {
				inv.Field, inv.Reason = fe.Field, fe.Msg
			}
			if inv.ID == "" {
				inv.ID = fmt.Sprintf("#%d", i+1)
			}
			rep.Invalid = append(rep.Invalid, inv)
			continue
		}
		seen[e.ID] = i
		valid = append(valid, e)
	}
	if len(rep.Invalid) > 0 {
		return rep, fmt.Errorf("import: %d of %d entries: %w", len(rep.Invalid), len(entries), ErrInvalidImport)
	}
	ids := make([]string, len(valid))
	for i, e := range valid {
		ids[i] = e.ID
	}
	cur, err := s.loadMany(ctx, slices.Clone(ids), false)
	if err != nil {
		return rep, fmt.Errorf("import: %w", err)
	}
	byID := make(map[string]Record, len(cur))
	for _, r := range cur {
		byID[r.ID] = r
	}
	var todo []knowledge.Entry
	for _, e := range valid {
		r, ok := byID[e.ID]
		if !ok {
			rep.Added = append(rep.Added, e.ID)
			todo = append(todo, e)
			continue
		}
		if fs := diffFields(e, r.Entry); fs != nil {
			rep.Changed = append(rep.Changed, e.ID)
			rep.Fields[e.ID] = fs
			todo = append(todo, e)
			continue
		}
		rep.Unchanged = append(rep.Unchanged, e.ID)
	}
	if o.DryRun || len(todo) == 0 {
		return rep, nil
	}
	for i, e := range todo {
		if err := s.importOne(ctx, e, o.Author); err != nil {
			return rep, fmt.Errorf("import: entry %s (%d written before it): %w", e.ID, i, err)
		}
		if o.Progress != nil {
			o.Progress(i+1, len(todo))
		}
	}
	msg, _ := json.Marshal(Change{Action: "import"})
	if err := s.rdb.Publish(ctx, s.k.changes(), msg).Err(); err != nil {
		s.log.Warn("import: change notice not published; instances pick it up at their next resync", "err", err)
	}
	return rep, nil
}

func (s *Store) importOne(ctx context.Context, e knowledge.Entry, author string) error {
	_, err := s.update(ctx, e.ID, func(st *state) (*write, error) {
		now := s.stamp()
		r := Record{}
		r.ID = e.ID
		content(&r.Entry, e)
		r.Status = e.Status
		r.Version = st.cur + 1
		r.Author = cmp.Or(e.Author, author)
		r.CreatedAt = cmp.Or(e.CreatedAt, st.curRec.CreatedAt, now)
		r.UpdatedAt = now
		w := &write{cur: r.Version,
			event: AuditEvent{Action: "import", User: author, Role: RoleAdmin, Version: r.Version, From: string(st.curRec.Status), To: string(r.Status)}}
		if !st.exists {
			w.created = *r.CreatedAt
			w.event.From = ""
		}
		switch r.Status {
		case knowledge.StatusPublished:
			r.Reviewer = cmp.Or(e.Reviewer, author)
			r.Approved = true
			w.live = &r.Version
		case knowledge.StatusArchived:
			none := 0
			w.live = &none
		}
		if (r.Status == knowledge.StatusPublished || r.Status == knowledge.StatusArchived) && st.live > 0 {
			old, err := s.readVersion(ctx, s.rdb, e.ID, st.live)
			if err != nil {
				return nil, err
			}
			old.Status = knowledge.StatusArchived
			old.UpdatedAt = now
			w.put = append(w.put, old)
		}
		w.put = append(w.put, r)
		return w, nil
	})
	return err
}

// Export writes entries as YAML in the layout of configs/faq.yaml. With
// f.Status published it writes the versions served to callers; otherwise
// the current version of every entry f matches.
func (s *Store) Export(ctx context.Context, w io.Writer, f Filter) error {
	if err := f.check(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	var recs []Record
	var err error
	if f.Status == knowledge.StatusPublished {
		var ids []string
		if ids, err = s.rdb.SMembers(ctx, s.k.live()).Result(); err == nil {
			recs, err = s.loadMany(ctx, ids, true)
		}
	} else {
		recs, err = s.List(ctx, f)
	}
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	file := knowledge.FAQFile{Entries: make([]knowledge.Entry, 0, len(recs))}
	for _, r := range recs {
		if f.Department != "" && r.Department != f.Department {
			continue
		}
		e := r.Entry
		utc := func(t *time.Time) *time.Time {
			if t == nil {
				return nil
			}
			u := t.UTC()
			return &u
		}
		e.CreatedAt, e.UpdatedAt = utc(e.CreatedAt), utc(e.UpdatedAt)
		file.Entries = append(file.Entries, e)
	}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(file); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

// ImportIfEmpty imports the FAQ file at path when the store has no entry
// (first start). It reports whether it imported.
func (s *Store) ImportIfEmpty(ctx context.Context, path string) (bool, ImportReport, error) {
	empty, err := s.Empty(ctx)
	if err != nil || !empty {
		return false, ImportReport{}, err
	}
	entries, err := readFile(path)
	if err != nil {
		return false, ImportReport{}, err
	}
	rep, err := s.Import(ctx, entries, ImportOptions{Author: "import"})
	return err == nil, rep, err
}

func readFile(path string) ([]knowledge.Entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	entries, err := DecodeFile(f)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", path, err)
	}
	return entries, nil
}

// progressMin is the size from which RunImport draws a progress bar.
const progressMin = 200

// progressBar draws "[=====     ] done/total" on w, redrawn in place.
func progressBar(w io.Writer) func(done, total int) {
	last := -1
	return func(done, total int) {
		const width = 30
		pct := done * 100 / total
		if pct == last && done != total {
			return
		}
		last = pct
		n := done * width / total
		fmt.Fprintf(w, "\r[%s%s] %d/%d %3d%%", strings.Repeat("=", n), strings.Repeat(" ", width-n), done, total, pct)
		if done == total {
			fmt.Fprintln(w)
		}
	}
}

// RunImport is `liandong kb import FILE [--dry-run]`: it validates the file,
// prints what would change (or changed), with a progress bar for large files.
func RunImport(ctx context.Context, w io.Writer, rdb redis.UniversalClient, prefix, path string, dryRun bool) error {
	entries, err := readFile(path)
	if err != nil {
		return err
	}
	s := New(rdb, Options{Prefix: prefix})
	o := ImportOptions{DryRun: dryRun}
	if len(entries) >= progressMin && !dryRun {
		o.Progress = progressBar(w)
	}
	rep, err := s.Import(ctx, entries, o)
	writeReport(w, path, len(entries), rep)
	return err
}

func writeReport(w io.Writer, path string, n int, rep ImportReport) {
	verb := "imported"
	if rep.DryRun {
		verb = "dry run, nothing written"
	}
	if len(rep.Invalid) > 0 {
		verb = "nothing written"
		for _, inv := range rep.Invalid {
			fmt.Fprintf(w, "invalid: entry %s: field %s: %s\n", inv.ID, inv.Field, inv.Reason)
		}
		fmt.Fprintf(w, "%s: %d entries, %d invalid (%s)\n", path, n, len(rep.Invalid), verb)
		return
	}
	const show = 20
	if n := len(rep.Added); n > 0 {
		more := ""
		ids := rep.Added
		if n > show {
			more, ids = fmt.Sprintf(" … (+%d)", n-show), ids[:show]
		}
		fmt.Fprintf(w, "added:   %s%s\n", strings.Join(ids, " "), more)
	}
	for i, id := range rep.Changed {
		if i == show {
			fmt.Fprintf(w, "changed: … (+%d)\n", len(rep.Changed)-show)
			break
		}
		fmt.Fprintf(w, "changed: %s (%s)\n", id, strings.Join(rep.Fields[id], ", "))
	}
	fmt.Fprintf(w, "%s: %d entries: %d added, %d changed, %d unchanged (%s)\n",
		path, n, len(rep.Added), len(rep.Changed), len(rep.Unchanged), verb)
}

// RunExport is `liandong kb export [--status S]`: the entries as YAML on w.
func RunExport(ctx context.Context, w io.Writer, rdb redis.UniversalClient, prefix, status string) error {
	s := New(rdb, Options{Prefix: prefix})
	return s.Export(ctx, w, Filter{Status: knowledge.Status(status)})
}
