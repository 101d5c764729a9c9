package store

import (
	"context"
	"testing"

	"liandong/knowledge"
)

// BenchmarkRecordAnswer is the cost recording an answer adds to a reply
// (a transaction for the counters, one XADD for the stream).
func BenchmarkRecordAnswer(b *testing.B) {
	s, _, _ := newStore(b)
	ctx := context.Background()
	a := Answer{EntryID: "kb-001", Version: 3, Channel: ChannelPhone}
	for b.Loop() {
		if err := s.RecordAnswer(ctx, a); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEdit is one optimistic-concurrency edit (WATCH, read, MULTI).
func BenchmarkEdit(b *testing.B) {
	s, _, _ := newStore(b)
	ctx := context.Background()
	e := sample("bench-1")
	if _, err := s.Create(ctx, ed, e); err != nil {
		b.Fatal(err)
	}
	v := 1
	for b.Loop() {
		r, err := s.Edit(ctx, ed, "bench-1", v, e)
		if err != nil {
			b.Fatal(err)
		}
		v = r.Version
	}
}

// BenchmarkReloadFast is the swap after a change notice with 100 entries:
// load the published set and build with the served calibration.
func BenchmarkReloadFast(b *testing.B) {
	s, _, _ := newStore(b)
	ctx := context.Background()
	if _, _, err := s.ImportIfEmpty(ctx, faqPath); err != nil {
		b.Fatal(err)
	}
	lex, err := knowledge.LoadLexicon("../../configs/kb-lexicon.yaml")
	if err != nil {
		b.Fatal(err)
	}
	h := knowledge.NewHolder(nil)
	l := NewLive(s, h, LiveOptions{Lexicon: lex})
	if _, err := l.Reload(ctx, true); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		l.loaded = false // force a rebuild
		if _, err := l.Reload(ctx, false); err != nil {
			b.Fatal(err)
		}
	}
}
