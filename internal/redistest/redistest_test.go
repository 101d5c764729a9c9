package redistest

import (
	"context"
	"testing"
	"time"

	"liandong/internal/redisproc"
)

func TestStartAnswersAndRestarts(t *testing.T) {
	s := Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := redisproc.Ping(ctx, s.Addr); err != nil {
		t.Fatalf("ping fresh server: %v", err)
	}
	s.Stop()
	if err := redisproc.Ping(ctx, s.Addr); err == nil {
		t.Fatal("ping after Stop succeeded; want connection error")
	}
	s.Restart(t)
	if err := redisproc.Ping(ctx, s.Addr); err != nil {
		t.Fatalf("ping after Restart: %v", err)
	}
}
