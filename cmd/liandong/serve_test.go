package main

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"liandong/internal/logging"
)

// TestServeHTTPDrain checks SIGTERM's path: a request in flight finishes,
// then the server stops; SIGINT's path (ctx cancelled) stops at once.
func TestServeHTTPDrain(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-release
		io.WriteString(w, "done")
	})
	drain := make(chan struct{})
	addrc := make(chan string, 1)
	errc := make(chan error, 1)
	go func() {
		errc <- serveHTTP(context.Background(), drain, logging.Discard(), "127.0.0.1:0", h, 5*time.Second, func(a string) { addrc <- a })
	}()
	addr := <-addrc
	respc := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/")
		if err != nil {
			respc <- "error: " + err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		respc <- string(b)
	}()
	<-entered
	close(drain)
	select {
	case err := <-errc:
		t.Fatalf("server stopped before the request in flight finished: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	if got := <-respc; got != "done" {
		t.Errorf("in-flight request got %q, want done", got)
	}
	if err := <-errc; err != nil {
		t.Errorf("serveHTTP after drain: %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		errc <- serveHTTP(ctx, make(chan struct{}), logging.Discard(), "127.0.0.1:0", h, time.Minute, func(a string) { addrc <- a })
	}()
	<-addrc
	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("serveHTTP after cancel: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("serveHTTP did not stop on cancel")
	}
}
