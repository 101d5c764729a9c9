package main

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"liandong/internal/logging"
)

// TestStopHTTPLetsRequestsFinish checks the graceful path: a request in
// flight finishes before the server stops.
func TestStopHTTPLetsRequestsFinish(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-release
		io.WriteString(w, "done")
	})
	log := logging.Discard()
	srv, addr, errc, err := startHTTP(log, "127.0.0.1:0", h)
	if err != nil {
		t.Fatal(err)
	}
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
	stopped := make(chan struct{})
	go func() {
		stopHTTP(context.Background(), log, srv, errc, 5*time.Second)
		close(stopped)
	}()
	select {
	case <-stopped:
		t.Fatal("server stopped before the request in flight finished")
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	if got := <-respc; got != "done" {
		t.Errorf("in-flight request got %q, want done", got)
	}
	<-stopped
}
