package api

import (
	"context"
	"strings"
	"testing"
	"time"

	"liandong/knowledge/store"
)

// Editors read and change the search tables through the API; a change is
// validated, versioned, audited and served by the live index.
func TestKBLexicon(t *testing.T) {
	f := newKBFixture(t)
	v1 := `{"version":0,"yaml":"synonyms:\n  社保: [老保险]\n","comment":"来电常说老保险"}`
	steps := []step{
		{"none yet", "GET", "/api/v1/kb/lexicon", "wang", "", "", "", 404, "", nil},
		{"editor may not", "PUT", "/api/v1/kb/lexicon", "wang", "editor", "", v1, 403, "", []string{"reviewer"}},
		{"not JSON", "PUT", "/api/v1/kb/lexicon", "li", "reviewer", "", "synonyms: {}", 400, "", []string{`"field":"body"`}},
		{"unknown field", "PUT", "/api/v1/kb/lexicon", "li", "reviewer", "", `{"yml":""}`, 400, "", []string{`"field":"body"`, "yml"}},
		{"bad table", "PUT", "/api/v1/kb/lexicon", "li", "reviewer", "", `{"version":0,"yaml":"concepts:\n  - {name: a, kind: verb, triggers: [x]}\n"}`, 400, "", []string{`"field":"yaml"`, "kind \\\"verb\\\""}},
		{"put", "PUT", "/api/v1/kb/lexicon", "li", "reviewer", "", v1, 200, `"1"`, []string{`"version":1`, "老保险", `"user":"li"`}},
		{"get", "GET", "/api/v1/kb/lexicon", "wang", "", "", "", 200, `"1"`, []string{"老保险"}},
		{"stale body version", "PUT", "/api/v1/kb/lexicon", "li", "reviewer", "", v1, 409, `"1"`, []string{`"current"`, "老保险"}},
		{"stale If-Match", "PUT", "/api/v1/kb/lexicon", "li", "reviewer", `"5"`, v1, 412, `"1"`, []string{`"current"`}},
		{"second", "PUT", "/api/v1/kb/lexicon", "li", "reviewer", `"1"`, `{"yaml":"synonyms:\n  社保: [老保险, 设保]\n"}`, 200, `"2"`, nil},
		{"version 1", "GET", "/api/v1/kb/lexicon/versions/1", "wang", "", "", "", 200, `"1"`, []string{"老保险"}},
		{"version x", "GET", "/api/v1/kb/lexicon/versions/x", "wang", "", "", "", 400, "", []string{`"field":"n"`}},
		{"version 7", "GET", "/api/v1/kb/lexicon/versions/7", "wang", "", "", "", 404, "", nil},
		{"history", "GET", "/api/v1/kb/lexicon/history", "wang", "", "", "", 200, "", []string{`"action":"lexicon"`, "来电常说老保险"}},
	}
	f.run(t, steps)
	// The stored tables are what the live index is built with.
	ctx := context.Background()
	l := store.NewLive(f.st, f.h, store.LiveOptions{Resync: time.Hour})
	if _, err := l.Reload(ctx, false); err != nil {
		t.Fatal(err)
	}
	r := f.h.Index().Search("我的老保险交了几年在哪查", 3)
	if len(r.Hits) == 0 || !strings.Contains(strings.Join(r.Hits[0].Why, " "), "社保") {
		t.Fatalf("the stored synonym is not served: %+v", r)
	}
}
