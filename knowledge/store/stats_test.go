package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestNormalizeQuestion(t *testing.T) {
	tests := []struct{ in, want string }{
		{"  社保 怎么查？？ ", "社保 怎么查"},
		{"社保怎么查", "社保怎么查"},
		{"ＡＢＣ　社保！", "abc 社保"},
		{"我的电话13812345678打不通", "我的电话***********打不通"},
		{"。。。", ""},
	}
	for _, tt := range tests {
		if got := NormalizeQuestion(tt.in); got != tt.want {
			t.Errorf("NormalizeQuestion(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestStatsPerDay(t *testing.T) {
	s, _, rdb := newStore(t)
	ctx := context.Background()
	day1 := time.Date(2026, 11, 27, 10, 0, 0, 0, time.Local)
	day2 := day1.Add(24 * time.Hour)
	answers := []Answer{
		{EntryID: "kb-001", Version: 1, Channel: ChannelPhone, At: day1},
		{EntryID: "kb-001", Version: 2, Channel: ChannelText, At: day1},
		{EntryID: "kb-001", Version: 2, Channel: ChannelText, At: day1},
		{EntryID: "kb-002", Version: 1, Channel: ChannelPhone, At: day1},
		{EntryID: "kb-002", Version: 1, Channel: ChannelPhone, At: day2},
	}
	for _, a := range answers {
		if err := s.RecordAnswer(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	for _, bad := range []Answer{{EntryID: "kb-001", Channel: ChannelPhone}, {EntryID: "kb-001", Version: 1, Channel: "fax"}} {
		if err := s.RecordAnswer(ctx, bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("RecordAnswer(%+v) = %v, want ErrInvalid", bad, err)
		}
	}
	h, err := s.Hits(ctx, day1, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Entries) != 2 || h.Entries[0] != (Count{"kb-001", 3}) || h.Entries[1] != (Count{"kb-002", 1}) {
		t.Fatalf("day1 hits = %+v", h.Entries)
	}
	if len(h.ByVersion) != 3 || h.ByVersion[0] != (VersionHits{"kb-001", 2, ChannelText, 2}) {
		t.Fatalf("day1 by version = %+v", h.ByVersion)
	}
	h, _ = s.Hits(ctx, day2, "kb-001")
	if len(h.Entries) != 0 {
		t.Fatalf("day2 kb-001 = %+v, want none", h.Entries)
	}
	if ttl := rdb.TTL(ctx, s.k.hits(dayKey(day1))).Val(); ttl <= 0 {
		t.Errorf("daily hits key has no TTL (%v)", ttl)
	}
	if n := rdb.XLen(ctx, s.k.answers()).Val(); n != 5 {
		t.Errorf("answers stream has %d, want 5", n)
	}

	for _, q := range []string{"燃气费怎么交？", "燃气费怎么交", "燃气费怎么交。", "宠物丢了怎么办"} {
		if err := s.RecordUnanswered(ctx, q, day1); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{"宠物丢了怎么办", "宠物丢了怎么办", "燃气费怎么交"} {
		if err := s.RecordUnanswered(ctx, q, day2); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		last time.Time
		days int
		n    int
		want []Count
	}{
		{day1, 1, 10, []Count{{"燃气费怎么交", 3}, {"宠物丢了怎么办", 1}}},
		{day1, 1, 1, []Count{{"燃气费怎么交", 3}}},
		{day2, 1, 10, []Count{{"宠物丢了怎么办", 2}, {"燃气费怎么交", 1}}},
		{day2, 2, 10, []Count{{"燃气费怎么交", 4}, {"宠物丢了怎么办", 3}}},
		{day2, 7, 1, []Count{{"燃气费怎么交", 4}}},
	}
	for _, tt := range tests {
		u, err := s.Unanswered(ctx, tt.last, tt.days, tt.n)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(u) != fmt.Sprint(tt.want) {
			t.Errorf("Unanswered(%s, %d days, %d) = %v, want %v", dayKey(tt.last), tt.days, tt.n, u, tt.want)
		}
	}
	if _, err := s.Unanswered(ctx, day1, 0, 10); !errors.Is(err, ErrInvalid) {
		t.Errorf("0 days: %v", err)
	}
	r, err := s.HitsRange(ctx, day2, 2, "kb-002")
	if err != nil || len(r) != 2 || r[0].Entries[0].Count != 1 || r[1].Entries[0].Count != 1 || r[1].Day != day2.Format("2006-01-02") {
		t.Fatalf("HitsRange = %+v, %v", r, err)
	}
}

func TestFeedbackTasks(t *testing.T) {
	s, _, _ := newStore(t)
	ctx := context.Background()
	publish(t, s, sample("f-1"))
	e := sample("f-2")
	e.Department = "住房和城乡建设"
	publish(t, s, e)
	tests := []struct {
		id      string
		version int
		kind    FeedbackKind
		err     error
	}{
		{"f-1", 0, FeedbackWrong, nil},
		{"f-2", 1, FeedbackOutdated, nil},
		{"f-1", 0, "rude", ErrInvalid},
		{"nope", 0, FeedbackWrong, ErrNotFound},
		{"f-1", 7, FeedbackWrong, ErrNotFound},
	}
	for _, tt := range tests {
		task, err := s.Feedback(ctx, Actor{User: "agent7"}, tt.id, tt.version, tt.kind, "政策已调整")
		if !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
			t.Fatalf("Feedback(%s, %s) = %v, want %v", tt.id, tt.kind, err, tt.err)
		}
		if err == nil && task.Version != 1 {
			t.Errorf("task version = %d, want 1", task.Version)
		}
	}
	all, err := s.Tasks(ctx, "", 0)
	if err != nil || len(all) != 2 || all[0].EntryID != "f-2" {
		t.Fatalf("Tasks = %+v, %v; want 2, newest first", all, err)
	}
	hr, _ := s.Tasks(ctx, "人力资源和社会保障", 0)
	if len(hr) != 1 || hr[0].EntryID != "f-1" || hr[0].Kind != FeedbackWrong || hr[0].User != "agent7" {
		t.Fatalf("department tasks = %+v", hr)
	}
}
