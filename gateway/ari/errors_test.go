package ari

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestStatusSentinels(t *testing.T) {
	for _, tc := range []struct {
		status int
		want   error
	}{
		{400, ErrBadRequest}, {401, ErrUnauthorized}, {404, ErrNotFound}, {405, ErrMethodNotAllowed},
		{409, ErrConflict}, {412, ErrPrecondition}, {422, ErrUnprocessable}, {500, ErrUnavailable},
		{503, ErrUnavailable}, {418, nil},
	} {
		err := error(&Error{Node: "n", Op: "op", Status: tc.status})
		if tc.want == nil {
			for _, s := range []error{ErrBadRequest, ErrNotFound, ErrConflict, ErrUnavailable} {
				if errors.Is(err, s) {
					t.Errorf("%d matches %v", tc.status, s)
				}
			}
			continue
		}
		if !errors.Is(err, tc.want) {
			t.Errorf("status %d: errors.Is(%v) false", tc.status, tc.want)
		}
		if StatusCode(err) != tc.status {
			t.Errorf("StatusCode = %d", StatusCode(err))
		}
	}
}

// TestRecordedErrorBodies replays every error Asterisk answered in the
// 07-errors transcript (status, headers, body) and checks the adapter keeps
// the status and the message, whether under "message" or "error".
func TestRecordedErrorBodies(t *testing.T) {
	f := newFakeARI(t)
	n := newNode(f.cfg(), testOptions().withDefaults(), newMailbox())
	var cases []transcriptLine
	for _, l := range readTranscript(t, "07-errors.jsonl") {
		if l.Kind == "rest" && l.Status >= 400 && l.Status != 401 {
			cases = append(cases, l)
		}
	}
	if len(cases) < 30 {
		t.Fatalf("only %d error cases", len(cases))
	}
	for i, l := range cases {
		l := l
		path := strings.TrimPrefix(l.Path, "/ari")
		// Each case gets its own path so handlers do not collide.
		f.handle(l.Method, l.Path, func(w http.ResponseWriter, r *http.Request) {
			for k, v := range l.Headers {
				w.Header().Set(k, v)
			}
			w.WriteHeader(l.Status)
			w.Write(l.Body)
		})
		q := url.Values{}
		for k, v := range l.Query {
			q.Set(k, v)
		}
		err := n.do(context.Background(), req{op: "case", id: l.Path, method: l.Method, path: path, query: q})
		var ae *Error
		if !errors.As(err, &ae) {
			t.Fatalf("case %d %s %s: err %v is not *Error", i, l.Method, l.Path, err)
		}
		want := errorMessage(l.Body)
		if ae.Status != l.Status || ae.Message != want || want == "" {
			t.Errorf("case %d %s %s: got %d %q, want %d %q", i, l.Method, l.Path, ae.Status, ae.Message, l.Status, want)
		}
		if s := statusSentinel(l.Status); s != nil && !errors.Is(err, s) {
			t.Errorf("case %d: %v does not match %v", i, err, s)
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("case %d: error text %q lost the message", i, err)
		}
	}
}

// TestOperationErrors checks a few public operations against Asterisk's
// recorded answers, through the sentinels callers branch on.
func TestOperationErrors(t *testing.T) {
	f := newFakeARI(t)
	reply := func(status int, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			w.Write([]byte(body))
		}
	}
	f.handle("POST", "/ari/channels/gone/answer", reply(404, `{"message": "Channel not found"}`))
	f.handle("POST", "/ari/channels/notstasis/answer", reply(409, `{"message": "Channel not in Stasis application"}`))
	f.handle("POST", "/ari/bridges/b1/addChannel", reply(422, `{"message": "Channel not in Stasis application"}`))
	f.handle("POST", "/ari/channels", reply(500, `{"error": "Allocation failed"}`))
	f.handle("DELETE", "/ari/bridges/b1/moh", reply(409, `{"message": "Bridge isn't playing music on hold"}`))
	n := newNode(f.cfg(), testOptions().withDefaults(), newMailbox())
	ctx := context.Background()
	_, origErr := n.Originate(ctx, OriginateParams{Endpoint: "PJSIP/nosuchendpoint"})
	for _, tc := range []struct {
		name string
		err  error
		want error
		msg  string
	}{
		{"answer gone", n.Answer(ctx, "gone"), ErrNotFound, "Channel not found"},
		{"answer not in stasis", n.Answer(ctx, "notstasis"), ErrConflict, "Channel not in Stasis application"},
		{"add channel", n.AddChannel(ctx, "b1", AddChannelParams{Channels: []string{"c"}}), ErrUnprocessable, "Channel not in Stasis"},
		{"originate", origErr, ErrUnavailable, "Allocation failed"},
		{"stop bridge moh", n.StopBridgeMOH(ctx, "b1"), ErrConflict, "music on hold"},
		{"empty id", n.Answer(ctx, ""), ErrBadRequest, "channel id is empty"},
		{"no media", func() error { _, err := n.Play(ctx, "c", ""); return err }(), ErrBadRequest, "media is empty"},
	} {
		if !errors.Is(tc.err, tc.want) || !strings.Contains(tc.err.Error(), tc.msg) {
			t.Errorf("%s: %v, want %v with %q", tc.name, tc.err, tc.want, tc.msg)
		}
	}
	if !IsGone(n.Answer(ctx, "gone")) {
		t.Error("IsGone false for 404")
	}
}

func TestNodeConfigValidate(t *testing.T) {
	ok := NodeConfig{Name: "a", URL: "http://127.0.0.1:8088/ari", Username: "u", Password: "p", App: "liandong"}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		mod  func(*NodeConfig)
		want string
	}{
		{"no url", func(c *NodeConfig) { c.URL = "" }, "url is empty"},
		{"bad scheme", func(c *NodeConfig) { c.URL = "ftp://x/ari" }, "scheme"},
		{"no host", func(c *NodeConfig) { c.URL = "http:///ari" }, "no host"},
		{"no user", func(c *NodeConfig) { c.Username = "" }, "username"},
		{"no app", func(c *NodeConfig) { c.App = "" }, "app is empty"},
		{"bad app", func(c *NodeConfig) { c.App = "a&b" }, "characters"},
	} {
		c := ok
		tc.mod(&c)
		err := c.Validate()
		if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func TestMaskNumbers(t *testing.T) {
	for in, want := range map[string]string{
		"":                                   "",
		"PJSIP/agent1001":                    "PJSIP/agent1001",
		"PJSIP/trunk/sip:13800138000@gw":     "PJSIP/trunk/sip:138****8000@gw",
		"Local/013912345678@out;2 and 12345": "Local/013****5678@out;2 and 12345",
		"1234567":                            "12****67",
		"123456":                             "123456",
	} {
		if got := maskNumbers(in); got != want {
			t.Errorf("maskNumbers(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestErrorMessage(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"message": "Channel not found"}`, "Channel not found"},
		{`{"error": "Allocation failed"}`, "Allocation failed"},
		{"<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\r\n<html><head>\r\n<title>400 Bad Request</title>\r\n</head><body>\r\n<h1>Bad Request</h1>\r\n<p>HTTP request is missing param: [app]</p>\r\n<hr />\r\n<address>Asterisk</address>\r\n</body></html>\r\n", "HTTP request is missing param: [app]"},
		{"plain text\n", "plain text"},
		{"", ""},
		{strings.Repeat("x", 300), strings.Repeat("x", 200) + "..."},
	} {
		if got := errorMessage([]byte(tc.in)); got != tc.want {
			t.Errorf("errorMessage(%.40q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestBackoff(t *testing.T) {
	min, max := 100*time.Millisecond, 5*time.Second
	for n := 0; n < 40; n++ {
		base := min << n
		if n > 10 || base > max {
			base = max
		}
		for i := 0; i < 50; i++ {
			d := backoff(n, min, max)
			if d < base/2 || d > base+base/2 {
				t.Fatalf("backoff(%d) = %v, want %v ±50%%", n, d, base)
			}
		}
	}
}
