// Package redistest starts real redis-server processes on free loopback ports
// for tests. Tests never mock Redis: they talk to the same server binary that
// production uses.
package redistest

import (
	"context"
	"testing"

	"liandong/internal/redisproc"
)

// Server is a redis-server child process bound to a loopback port.
type Server struct {
	// Addr is host:port of the server.
	Addr string
	// Port is the TCP port the server listens on.
	Port int

	proc *redisproc.Proc
}

// Start launches a fresh redis-server for t on a free loopback port and
// stops it in t.Cleanup. The test fails if redis-server is not on PATH.
func Start(t testing.TB, extraArgs ...string) *Server {
	t.Helper()
	p, err := redisproc.Start(context.Background(), t.TempDir(), extraArgs...)
	if err != nil {
		t.Fatalf("redistest: %v (install it: apt-get install redis-server)", err)
	}
	t.Cleanup(p.Stop)
	return &Server{Addr: p.Addr, Port: p.Port, proc: p}
}

// Stop kills the server, as in a Redis outage. It is safe to call twice.
func (s *Server) Stop() { s.proc.Stop() }

// Restart starts the server again on the same port after Stop, as when an
// operator brings Redis back after an outage. Data is not kept.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	if err := s.proc.Restart(context.Background()); err != nil {
		t.Fatalf("redistest: %v", err)
	}
}

// URL is the redis:// URL of the server.
func (s *Server) URL() string { return s.proc.URL() }
