package knowledge

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestLoadSampleFAQ(t *testing.T) {
	entries, err := LoadFAQ("../configs/faq.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 100 {
		t.Fatalf("got %d entries, want 100", len(entries))
	}
	for i, e := range entries {
		if want := fmt.Sprintf("kb-%03d", i+1); e.ID != want {
			t.Errorf("entry %d: id %s, want %s", i, e.ID, want)
		}
		if e.Status != StatusPublished || e.Version != 1 {
			t.Errorf("%s: defaults not applied: status %q version %d", e.ID, e.Status, e.Version)
		}
	}
}

func TestDecodeFAQErrors(t *testing.T) {
	const ok = "  - id: kb-1\n    department: 部门\n    title: 标题？\n    answer: 答复。\n"
	tests := []struct {
		name, yaml string
		want       string // substring of the error
	}{
		{"unknown key", ok + "    colour: red\n", "field colour not found"},
		{"unknown top key", "entriez: []\n", "field entriez not found"},
		{"empty", "", "empty document"},
		{"missing id", "  - department: 部门\n    title: 标题\n    answer: 答\n", "entry #1: field id: is empty"},
		{"bad id", strings.Replace(ok, "kb-1", "KB 1", 1), "entry KB 1: field id"},
		{"missing title", strings.Replace(ok, "    title: 标题？\n", "", 1), "entry kb-1: field title: is empty"},
		{"missing answer", strings.Replace(ok, "    answer: 答复。\n", "", 1), "entry kb-1: field answer: is empty"},
		{"missing department", strings.Replace(ok, "    department: 部门\n", "", 1), "entry kb-1: field department"},
		{"bad status", ok + "    status: live\n", "entry kb-1: field status"},
		{"bad version", ok + "    version: -2\n", "entry kb-1: field version"},
		{"empty similar", ok + "    similar_questions: [问一, \"\"]\n", "entry kb-1: field similar_questions[1]: is empty"},
		{"empty caller question", ok + "    caller_questions: [\" \"]\n", "entry kb-1: field caller_questions[0]: is empty"},
		{"long caller question", ok + "    caller_questions: [" + strings.Repeat("问", MaxQuestionRunes+1) + "]\n", "entry kb-1: field caller_questions[0]"},
		{"too many caller questions", ok + "    caller_questions: [" + strings.Repeat("问一,", MaxCallerQs) + "问二]\n", "entry kb-1: field caller_questions: has 201 items, max 200"},
		{"long keyword", ok + "    keywords: [" + strings.Repeat("长", MaxKeywordRunes+1) + "]\n", "entry kb-1: field keywords[0]"},
		{"window", ok + "    valid_from: 2026-02-01T00:00:00Z\n    valid_until: 2026-01-01T00:00:00Z\n", "entry kb-1: field valid_until"},
		{"duplicate", ok + ok, "entry kb-1: field id: duplicate"},
		{"wrong type", "  - id: [a]\n", "decode faq"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeFAQ(strings.NewReader("entries:\n" + tt.yaml))
			if tt.yaml == "" {
				_, err = DecodeFAQ(strings.NewReader(""))
			}
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q does not contain %q", err, tt.want)
			}
		})
	}
	var fe *FieldError
	_, err := DecodeFAQ(strings.NewReader("entries:\n" + strings.Replace(ok, "    title: 标题？\n", "", 1)))
	if !errors.As(err, &fe) || fe.ID != "kb-1" || fe.Field != "title" || !errors.Is(err, ErrInvalidEntry) {
		t.Fatalf("want a FieldError for kb-1/title wrapping ErrInvalidEntry, got %v", err)
	}
}

func TestSearchable(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	before, after := now.Add(-time.Hour), now.Add(time.Hour)
	tests := []struct {
		name string
		e    Entry
		want bool
	}{
		{"published", Entry{Status: StatusPublished}, true},
		{"draft", Entry{Status: StatusDraft}, false},
		{"in review", Entry{Status: StatusInReview}, false},
		{"archived", Entry{Status: StatusArchived}, false},
		{"not yet", Entry{Status: StatusPublished, ValidFrom: &after}, false},
		{"expired", Entry{Status: StatusPublished, ValidUntil: &before}, false},
		{"in window", Entry{Status: StatusPublished, ValidFrom: &before, ValidUntil: &after}, true},
	}
	for _, tt := range tests {
		if got := tt.e.Searchable(now); got != tt.want {
			t.Errorf("%s: Searchable = %v, want %v", tt.name, got, tt.want)
		}
	}
}
