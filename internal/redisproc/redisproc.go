// Package redisproc runs a redis-server child process on a loopback port:
// for `liandong demo` and `liandong bench`, and for the test kit redistest.
package redisproc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ErrNotInstalled means no redis-server is on PATH.
var ErrNotInstalled = errors.New("redis-server not found on PATH")

// Proc is a running redis-server.
type Proc struct {
	// Addr is 127.0.0.1:port.
	Addr string
	// Port is the TCP port.
	Port int

	bin  string
	dir  string
	args []string
	cmd  *exec.Cmd
	done chan struct{}
}

// Start launches redis-server on a free loopback port with its working
// files in dir (no persistence), and waits until it answers PING.
func Start(ctx context.Context, dir string, extraArgs ...string) (*Proc, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, ErrNotInstalled
	}
	port, err := FreePort()
	if err != nil {
		return nil, fmt.Errorf("start redis-server: find a free port: %w", err)
	}
	p := &Proc{
		Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		Port: port,
		bin:  bin,
		dir:  dir,
	}
	p.args = append([]string{
		"--bind", "127.0.0.1",
		"--port", strconv.Itoa(port),
		"--save", "",
		"--appendonly", "no",
		"--dir", dir,
		"--protected-mode", "no",
	}, extraArgs...)
	if err := p.start(ctx); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Proc) start(ctx context.Context) error {
	logPath := filepath.Join(p.dir, "redis.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return fmt.Errorf("start redis-server: create log: %w", err)
	}
	p.cmd = exec.Command(p.bin, p.args...)
	p.cmd.Stdout, p.cmd.Stderr = logf, logf
	if err := p.cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("start redis-server: %w", err)
	}
	done := make(chan struct{})
	p.done = done
	cmd := p.cmd
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(done)
	}()
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := waitPing(wctx, p.Addr, done); err != nil {
		p.Stop()
		b, _ := os.ReadFile(logPath)
		return fmt.Errorf("start redis-server on %s: no answer to PING: %w\n%s", p.Addr, err, b)
	}
	return nil
}

// Stop kills the server and waits for it to exit; safe to call twice.
func (p *Proc) Stop() {
	if p.cmd == nil || p.cmd.Process == nil {
		return
	}
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Kill()
	<-p.done
}

// Restart brings the server back on the same port after Stop (data is not
// kept), as when Redis returns after an outage.
func (p *Proc) Restart(ctx context.Context) error {
	p.Stop()
	var err error
	for range 20 {
		if err = p.start(ctx); err == nil {
			return nil
		}
		// The port can be briefly unavailable right after the kill.
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("restart redis-server: %w", err)
}

// URL is the redis:// URL of the server.
func (p *Proc) URL() string { return "redis://" + p.Addr }

// FreePort asks the kernel for a free TCP port on 127.0.0.1.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func waitPing(ctx context.Context, addr string, exited <-chan struct{}) error {
	var last error
	for {
		if last = Ping(ctx, addr); last == nil {
			return nil
		}
		select {
		case <-exited:
			return errors.New("redis-server exited")
		case <-ctx.Done():
			return fmt.Errorf("%w (last: %v)", ctx.Err(), last)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Ping sends one RESP PING to addr, without a client library.
func Ping(ctx context.Context, addr string) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "+PONG") {
		return fmt.Errorf("unexpected reply %q", strings.TrimSpace(line))
	}
	return nil
}
