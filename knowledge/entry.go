package knowledge

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Status is the review state of an entry. Only published entries are searched.
type Status string

// The review states an entry moves through.
const (
	StatusDraft     Status = "draft"
	StatusInReview  Status = "in_review"
	StatusPublished Status = "published"
	StatusArchived  Status = "archived"
)

// Valid reports whether s is one of the known states.
func (s Status) Valid() bool {
	switch s {
	case StatusDraft, StatusInReview, StatusPublished, StatusArchived:
		return true
	}
	return false
}

// Entry is one 一问一答 FAQ entry.
type Entry struct {
	ID               string   `yaml:"id" json:"id"`
	Department       string   `yaml:"department" json:"department"`
	Title            string   `yaml:"title" json:"title"` // 标准问
	SimilarQuestions []string `yaml:"similar_questions,omitempty" json:"similar_questions,omitempty"`
	// CallerQuestions (来电问法) are questions callers asked that this
	// entry answers, as they said them: editors add them from the
	// unanswered-question statistics and agents' feedback. Searched with
	// less weight than similar questions (they carry the caller's story
	// too), never shown or read out.
	CallerQuestions []string   `yaml:"caller_questions,omitempty" json:"caller_questions,omitempty"`
	Answer          string     `yaml:"answer" json:"answer"`
	Keywords        []string   `yaml:"keywords,omitempty" json:"keywords,omitempty"`
	ValidFrom       *time.Time `yaml:"valid_from,omitempty" json:"valid_from,omitempty"`
	ValidUntil      *time.Time `yaml:"valid_until,omitempty" json:"valid_until,omitempty"`
	Status          Status     `yaml:"status,omitempty" json:"status"`
	Version         int        `yaml:"version,omitempty" json:"version"`
	Author          string     `yaml:"author,omitempty" json:"author,omitempty"`
	Reviewer        string     `yaml:"reviewer,omitempty" json:"reviewer,omitempty"`
	CreatedAt       *time.Time `yaml:"created_at,omitempty" json:"created_at,omitempty"`
	UpdatedAt       *time.Time `yaml:"updated_at,omitempty" json:"updated_at,omitempty"`
}

// Limits on entry fields; they keep one entry speakable on the phone and the
// index small.
const (
	MaxTitleRunes    = 100
	MaxAnswerRunes   = 2000
	MaxQuestionRunes = 100
	MaxSimilar       = 50
	MaxCallerQs      = 200
	MaxKeywords      = 30
	MaxKeywordRunes  = 20
)

var idPattern = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)

// FieldError names the entry and field that failed validation.
type FieldError struct {
	ID    string // entry id, or "#N" (1-based position) when the id itself is missing
	Field string
	Msg   string
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("entry %s: field %s: %s", e.ID, e.Field, e.Msg)
}

// Unwrap lets errors.Is match ErrInvalidEntry.
func (e *FieldError) Unwrap() error { return ErrInvalidEntry }

// ApplyDefaults fills what a file may omit: status published, version 1.
func (e *Entry) ApplyDefaults() {
	if e.Status == "" {
		e.Status = StatusPublished
	}
	if e.Version == 0 {
		e.Version = 1
	}
}

// Validate checks one entry; the error is a *FieldError.
func (e *Entry) Validate() error {
	id := e.ID
	bad := func(field, format string, a ...any) error {
		return &FieldError{ID: id, Field: field, Msg: fmt.Sprintf(format, a...)}
	}
	if id == "" {
		return bad("id", "is empty")
	}
	if !idPattern.MatchString(id) || len(id) > 64 {
		return bad("id", "%q must be lowercase letters, digits and dashes (max 64)", id)
	}
	if strings.TrimSpace(e.Department) == "" {
		return bad("department", "is empty")
	}
	if err := checkText(e.Title, MaxTitleRunes); err != "" {
		return bad("title", "%s", err)
	}
	if err := checkText(e.Answer, MaxAnswerRunes); err != "" {
		return bad("answer", "%s", err)
	}
	for _, l := range []struct {
		field    string
		items    []string
		maxItems int
		maxRunes int
	}{
		{"similar_questions", e.SimilarQuestions, MaxSimilar, MaxQuestionRunes},
		{"caller_questions", e.CallerQuestions, MaxCallerQs, MaxQuestionRunes},
		{"keywords", e.Keywords, MaxKeywords, MaxKeywordRunes},
	} {
		if len(l.items) > l.maxItems {
			return bad(l.field, "has %d items, max %d", len(l.items), l.maxItems)
		}
		for i, it := range l.items {
			if err := checkText(it, l.maxRunes); err != "" {
				return bad(fmt.Sprintf("%s[%d]", l.field, i), "%s", err)
			}
		}
	}
	if !e.Status.Valid() {
		return bad("status", "%q is not one of draft, in_review, published, archived", e.Status)
	}
	if e.Version < 1 {
		return bad("version", "%d must be >= 1", e.Version)
	}
	if e.ValidFrom != nil && e.ValidUntil != nil && !e.ValidUntil.After(*e.ValidFrom) {
		return bad("valid_until", "must be after valid_from")
	}
	return nil
}

func checkText(s string, max int) string {
	if strings.TrimSpace(s) == "" {
		return "is empty"
	}
	if !utf8.ValidString(s) {
		return "is not valid UTF-8"
	}
	if n := utf8.RuneCountInString(s); n > max {
		return fmt.Sprintf("has %d characters, max %d", n, max)
	}
	return ""
}

// Searchable reports whether the entry is published and valid at t.
func (e *Entry) Searchable(t time.Time) bool {
	if e.Status != StatusPublished {
		return false
	}
	if e.ValidFrom != nil && t.Before(*e.ValidFrom) {
		return false
	}
	if e.ValidUntil != nil && !t.Before(*e.ValidUntil) {
		return false
	}
	return true
}
