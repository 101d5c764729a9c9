package tts

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// HTTPOptions configure the HTTP engine.
type HTTPOptions struct {
	// URL receives POST requests (http or https).
	URL string
	// Voice is passed to the engine and is part of the content hash.
	Voice string
	// Timeout bounds one request (default 10 s); the caller's context can
	// end it sooner.
	Timeout time.Duration
	// MaxBytes bounds the response (default 16 MiB).
	MaxBytes int64
	// Header is added to every request (e.g. an Authorization token).
	Header http.Header
	// Client is the HTTP client (default a new one).
	Client *http.Client
}

// HTTP is an engine over a production speech service. The request:
//
//	POST <url>  Content-Type: application/json  Accept: audio/wav
//	{"text": "...", "voice": "...", "sample_rate": 8000, "format": "wav"}
//
// The answer must be 200 with a PCM wav body (any rate: the cache
// converts to 8 kHz mono 16-bit).
type HTTP struct {
	o HTTPOptions
}

var _ Engine = (*HTTP)(nil)

// NewHTTP checks the options and returns the engine.
func NewHTTP(o HTTPOptions) (*HTTP, error) {
	u, err := url.Parse(o.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("tts http: url %q: want http(s)://host/path", o.URL)
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = 16 << 20
	}
	if o.Client == nil {
		o.Client = &http.Client{}
	}
	return &HTTP{o: o}, nil
}

// Name implements Engine.
func (h *HTTP) Name() string { return "http" }

// Voice implements Engine.
func (h *HTTP) Voice() string { return h.o.Voice }

// Synthesize implements Engine.
func (h *HTTP) Synthesize(ctx context.Context, text string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, h.o.Timeout)
	defer cancel()
	body, _ := json.Marshal(map[string]any{"text": text, "voice": h.o.Voice, "sample_rate": 8000, "format": "wav"})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.o.URL, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("tts http: %w", err)
	}
	for k, vs := range h.o.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "audio/wav")
	resp, err := h.o.Client.Do(req)
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("tts http: post %s: no answer in %v: %w", h.o.URL, h.o.Timeout, ErrEngine)
		}
		return nil, fmt.Errorf("tts http: post %s: %w: %w", h.o.URL, err, ErrEngine)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, h.o.MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("tts http: read answer: %w: %w", err, ErrEngine)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("tts http: status %d: %s: %w", resp.StatusCode, snippet(b), ErrEngine)
	}
	if int64(len(b)) > h.o.MaxBytes {
		return nil, fmt.Errorf("tts http: answer larger than %d bytes: %w", h.o.MaxBytes, ErrBadAudio)
	}
	if _, err := ParseWAV(b); err != nil {
		return nil, fmt.Errorf("tts http: answer (%s, %d bytes): %w", resp.Header.Get("Content-Type"), len(b), err)
	}
	return b, nil
}

// snippet is the start of an error body, printable, for error messages.
func snippet(b []byte) string {
	const n = 200
	if len(b) > n {
		b = b[:n]
	}
	s := strings.ToValidUTF8(string(b), "?")
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == utf8.RuneError {
			return ' '
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}
