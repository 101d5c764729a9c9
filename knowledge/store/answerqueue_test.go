package store

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"liandong/internal/redistest"
)

func TestAnswerQueue(t *testing.T) {
	srv := redistest.Start(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr})
	t.Cleanup(func() { rdb.Close() })
	s := New(rdb, Options{})
	q := NewAnswerQueue(s, 2, nil)
	// Full queue: the third answer is dropped, never blocking.
	for i := range 3 {
		ok := q.Record(Answer{EntryID: "kb-001", Version: 1, Channel: ChannelPhone, CallID: "c1"})
		if want := i < 2; ok != want {
			t.Errorf("Record %d = %v, want %v", i, ok, want)
		}
	}
	if q.Dropped() != 1 {
		t.Errorf("Dropped = %d, want 1", q.Dropped())
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { q.Run(ctx); close(done) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		hits, err := s.Hits(context.Background(), time.Now(), "kb-001")
		if err == nil && len(hits.Entries) == 1 && hits.Entries[0].Count == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("hits = %v, %v; want kb-001: 2", hits, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
}
