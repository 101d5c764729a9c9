package ari

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// maxBody bounds a REST answer read into memory.
const maxBody = 16 << 20

// req is one REST request.
type req struct {
	op, id string // for errors: "answer", "1795858469.0"
	method string
	path   string // under the ARI base URL, ids already escaped
	query  url.Values
	body   any // JSON body, or nil
	out    any // decoded 2xx body, or nil
}

// do sends r with the caller's context bounded by Options.RequestTimeout,
// and turns a non-2xx answer into *Error.
func (n *Node) do(ctx context.Context, r req) error {
	if n.closed.Load() {
		return fmt.Errorf("ari %s: %s %s: %w", n.cfg.Name, r.op, r.id, ErrClosed)
	}
	ctx, cancel := context.WithTimeout(ctx, n.opts.RequestTimeout)
	defer cancel()

	u := n.cfg.URL + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	var body io.Reader
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return fmt.Errorf("ari %s: %s %s: encode request: %w", n.cfg.Name, r.op, r.id, err)
		}
		body = bytes.NewReader(b)
	}
	hr, err := http.NewRequestWithContext(ctx, r.method, u, body)
	if err != nil {
		return fmt.Errorf("ari %s: %s %s: %w", n.cfg.Name, r.op, r.id, err)
	}
	hr.Header.Set("Authorization", n.auth)
	if r.body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	resp, err := n.http.Do(hr)
	if err != nil {
		if ctx.Err() != nil {
			// context.DeadlineExceeded or Canceled, testable with errors.Is.
			return fmt.Errorf("ari %s: %s %s: %w", n.cfg.Name, r.op, r.id, ctx.Err())
		}
		return fmt.Errorf("ari %s: %s %s: %w: %w", n.cfg.Name, r.op, r.id, ErrUnavailable, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("ari %s: %s %s: read response: %w", n.cfg.Name, r.op, r.id, ctx.Err())
		}
		return fmt.Errorf("ari %s: %s %s: read response: %w: %w", n.cfg.Name, r.op, r.id, ErrUnavailable, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &Error{Node: n.cfg.Name, Op: r.op, ID: r.id, Method: r.method, Path: r.path,
			Status: resp.StatusCode, Message: errorMessage(data)}
	}
	if r.out != nil && len(bytes.TrimSpace(data)) > 0 {
		if err := json.Unmarshal(data, r.out); err != nil {
			return fmt.Errorf("ari %s: %s %s: decode response: %w", n.cfg.Name, r.op, r.id, err)
		}
	}
	return nil
}

// esc escapes one path segment.
func esc(id string) string { return url.PathEscape(id) }

func need(node, op, what, v string) error {
	if strings.TrimSpace(v) == "" {
		return fmt.Errorf("ari %s: %s: %w: %s is empty", node, op, ErrBadRequest, what)
	}
	return nil
}

// IsGone reports whether err means the channel, bridge or playback no
// longer exists: the usual outcome of acting on a call that just hung up.
func IsGone(err error) bool { return errors.Is(err, ErrNotFound) }

// NewID returns a fresh random id (UUID v4 form) for a channel, bridge,
// playback or snoop, so the caller can Watch it before the request that
// creates it.
func NewID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	const hex = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i, v := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hex[v>>4], hex[v&0x0f])
	}
	return string(out)
}

// maskNumbers hides phone numbers (runs of 7 or more digits) in text that
// may reach logs, such as an originate endpoint: 13800138000 → 138****8000,
// 6543210 → 65****10.
func maskNumbers(s string) string {
	var b []byte
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j-i >= 7 {
			if b == nil {
				b = append(make([]byte, 0, len(s)), s[:i]...)
			}
			head, tail := 3, 4 // mobile numbers: 138****5678
			if j-i < 11 {
				head, tail = 2, 2 // shorter: never show most of it
			}
			b = append(b, s[i:i+head]...)
			b = append(b, "****"...)
			b = append(b, s[j-tail:j]...)
		} else if b != nil {
			b = append(b, s[i:j]...)
		}
		if j == i {
			if b != nil {
				b = append(b, s[i])
			}
			j++
		}
		i = j
	}
	if b == nil {
		return s
	}
	return string(b)
}
