package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"liandong/internal/redistest"
	"liandong/knowledge"
	"liandong/knowledge/store"
)

type kbFixture struct {
	srv   *httptest.Server
	st    *store.Store
	h     *knowledge.Holder
	empty http.Handler // a KB API over an empty index
}

func newKBFixture(t *testing.T) *kbFixture {
	t.Helper()
	rs := redistest.Start(t)
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{rs.Addr}})
	t.Cleanup(func() { rdb.Close() })
	st := store.New(rdb, store.Options{Prefix: "api:"})
	ctx := context.Background()
	if _, _, err := st.ImportIfEmpty(ctx, "../../configs/faq.yaml"); err != nil {
		t.Fatal(err)
	}
	lex, err := knowledge.LoadLexicon("../../configs/kb-lexicon.yaml")
	if err != nil {
		t.Fatal(err)
	}
	h := knowledge.NewHolder(nil)
	if _, err := store.NewLive(st, h, store.LiveOptions{Lexicon: lex}).Reload(ctx, true); err != nil {
		t.Fatal(err)
	}
	kbh := NewKB(KBOptions{Store: st, Holder: h, NoAnswer: "未找到答案，请转人工"})
	srv := httptest.NewServer(New(Options{KB: kbh}))
	t.Cleanup(srv.Close)
	return &kbFixture{srv: srv, st: st, h: h,
		empty: NewKB(KBOptions{Store: st, NoAnswer: "未找到答案，请转人工"})}
}

type step struct {
	name    string
	method  string
	path    string
	user    string // "" sends no identity
	role    string
	ifMatch string
	body    string
	status  int
	etag    string
	want    []string // substrings of the response body
}

// run does the steps in order: the status must match (else the test
// stops), the ETag when the step names one, and the body must hold each want.
func (f *kbFixture) run(t *testing.T, steps []step) {
	t.Helper()
	for _, s := range steps {
		code, hdr, body := f.do(t, s)
		if code != s.status {
			t.Fatalf("%s: status %d, want %d: %s", s.name, code, s.status, body)
		}
		if s.etag != "" && hdr.Get("ETag") != s.etag {
			t.Errorf("%s: ETag %q, want %s", s.name, hdr.Get("ETag"), s.etag)
		}
		for _, w := range s.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: body lacks %s: %s", s.name, w, body)
			}
		}
	}
}

func (f *kbFixture) do(t *testing.T, s step) (int, http.Header, string) {
	t.Helper()
	var body io.Reader
	if s.body != "" {
		body = strings.NewReader(s.body)
	}
	req, err := http.NewRequest(s.method, f.srv.URL+s.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if s.user != "" {
		req.Header.Set(HeaderUser, s.user)
	}
	if s.role != "" {
		req.Header.Set(HeaderRole, s.role)
	}
	if s.ifMatch != "" {
		req.Header.Set("If-Match", s.ifMatch)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(data)
}

const newEntry = `{"id":"kb-900","department":"市场监管","title":"预付卡商家跑路了怎么退钱？","answer":"请保留凭证，向市场监管部门投诉。","keywords":["预付卡"]}`

func TestKBEditorWorkflow(t *testing.T) {
	f := newKBFixture(t)
	edited := strings.Replace(newEntry, "请保留凭证", "请保留合同和付款凭证", 1)
	// An editor files a caller's words under the entry (from the unanswered questions).
	edited = strings.Replace(edited, `"keywords"`, `"caller_questions":["健身房老板跑了卡里的钱咋要回来"],"keywords"`, 1)
	emptyAsked := strings.Replace(edited, "健身房老板跑了卡里的钱咋要回来", " ", 1)
	steps := []step{
		{"no identity", "POST", "/api/v1/kb/entries", "", "", "", newEntry, 401, "", []string{HeaderUser}},
		{"unknown role", "POST", "/api/v1/kb/entries", "wang", "boss", "", newEntry, 403, "", nil},
		{"unknown field", "POST", "/api/v1/kb/entries", "wang", "", "", `{"id":"kb-900","titel":"x"}`, 400, "", []string{`"field":"titel"`}},
		{"wrong type", "POST", "/api/v1/kb/entries", "wang", "", "", `{"id":"kb-900","keywords":"x"}`, 400, "", []string{`"field":"keywords"`}},
		{"missing title", "POST", "/api/v1/kb/entries", "wang", "", "", `{"id":"kb-900","department":"d","answer":"a"}`, 400, "", []string{`"field":"title"`}},
		{"empty body", "POST", "/api/v1/kb/entries", "wang", "", "", "", 400, "", []string{`"field":"body"`}},
		{"create", "POST", "/api/v1/kb/entries", "wang", "", "", newEntry, 201, `"1"`, []string{`"status":"draft"`, `"author":"wang"`}},
		{"duplicate", "POST", "/api/v1/kb/entries", "wang", "", "", newEntry, 409, "", []string{"exists"}},
		{"get", "GET", "/api/v1/kb/entries/kb-900", "wang", "", "", "", 200, `"1"`, []string{"预付卡"}},
		{"unknown id", "GET", "/api/v1/kb/entries/kb-999", "wang", "", "", "", 404, "", nil},
		{"edit without version", "PUT", "/api/v1/kb/entries/kb-900", "zhao", "", "", edited, 428, "", []string{"If-Match"}},
		{"bad If-Match", "PUT", "/api/v1/kb/entries/kb-900", "zhao", "", `"abc"`, edited, 400, "", []string{`"field":"If-Match"`}},
		{"empty caller question", "PUT", "/api/v1/kb/entries/kb-900", "zhao", "", `"1"`, emptyAsked, 400, "", []string{`"field":"caller_questions[0]"`}},
		{"edit", "PUT", "/api/v1/kb/entries/kb-900", "zhao", "", `"1"`, edited, 200, `"2"`, []string{"合同", `"caller_questions":["健身房老板跑了卡里的钱咋要回来"]`}},
		{"stale If-Match", "PUT", "/api/v1/kb/entries/kb-900", "wang", "", `"1"`, newEntry, 412, `"2"`, []string{`"current"`, `"version":2`}},
		{"stale body version", "PUT", "/api/v1/kb/entries/kb-900", "wang", "", "", strings.Replace(newEntry, "{", `{"version":1,`, 1), 409, `"2"`, []string{`"current"`, "合同"}},
		{"approve a draft", "POST", "/api/v1/kb/entries/kb-900/approve", "li", "reviewer", "", "", 409, "", []string{"draft"}},
		{"submit", "POST", "/api/v1/kb/entries/kb-900/submit", "zhao", "", `"2"`, "", 200, `"2"`, []string{`"status":"in_review"`}},
		{"edit in review", "PUT", "/api/v1/kb/entries/kb-900", "zhao", "", `"2"`, edited, 409, "", []string{"in review"}},
		{"author approves", "POST", "/api/v1/kb/entries/kb-900/approve", "zhao", "reviewer", "", "", 403, "", nil},
		{"editor approves", "POST", "/api/v1/kb/entries/kb-900/approve", "wang", "editor", "", "", 403, "", nil},
		{"publish unapproved", "POST", "/api/v1/kb/entries/kb-900/publish", "li", "reviewer", "", "", 409, "", nil},
		{"reject without comment", "POST", "/api/v1/kb/entries/kb-900/reject", "li", "reviewer", "", `{}`, 400, "", []string{`"field":"comment"`}},
		{"approve", "POST", "/api/v1/kb/entries/kb-900/approve", "li", "reviewer", "", `{"comment":"可以"}`, 200, "", []string{`"approved":true`, `"reviewer":"li"`}},
		{"publish stale", "POST", "/api/v1/kb/entries/kb-900/publish", "li", "reviewer", `"1"`, "", 412, "", nil},
		{"publish", "POST", "/api/v1/kb/entries/kb-900/publish", "li", "reviewer", `"2"`, "", 200, `"2"`, []string{`"status":"published"`, `"live_version":2`}},
		{"history", "GET", "/api/v1/kb/entries/kb-900/history", "wang", "", "", "", 200, "", []string{`"action":"create"`, `"action":"publish"`}},
		{"rollback bad target", "POST", "/api/v1/kb/entries/kb-900/rollback", "li", "reviewer", "", `{"to":0}`, 400, "", []string{`"field":"to"`}},
		{"rollback", "POST", "/api/v1/kb/entries/kb-900/rollback", "li", "reviewer", "", `{"to":1,"comment":"恢复"}`, 200, `"3"`, []string{"请保留凭证", `"live_version":3`}},
		{"version 2 archived", "GET", "/api/v1/kb/entries/kb-900/versions/2", "wang", "", "", "", 200, "", []string{`"status":"archived"`}},
		{"bad version", "GET", "/api/v1/kb/entries/kb-900/versions/x", "wang", "", "", "", 400, "", []string{`"field":"version"`}},
		{"list published", "GET", "/api/v1/kb/entries?status=published&department=市场监管", "wang", "", "", "", 200, "", []string{"kb-900"}},
		{"list bad status", "GET", "/api/v1/kb/entries?status=gone", "wang", "", "", "", 400, "", []string{`"field":"status"`}},
		{"archive by editor", "POST", "/api/v1/kb/entries/kb-900/archive", "wang", "", "", "", 403, "", nil},
		{"feedback bad kind", "POST", "/api/v1/kb/entries/kb-001/feedback", "agent7", "agent", "", `{"kind":"rude"}`, 400, "", []string{`"field":"kind"`}},
		{"feedback", "POST", "/api/v1/kb/entries/kb-001/feedback", "agent7", "agent", "", `{"kind":"outdated","comment":"政策已调整"}`, 201, "", []string{`"department":"人力资源和社会保障"`, `"version":1`}},
		{"agent cannot edit", "POST", "/api/v1/kb/entries", "agent7", "agent", "", newEntry, 403, "", nil},
		{"tasks", "GET", "/api/v1/kb/tasks?department=人力资源和社会保障", "wang", "", "", "", 200, "", []string{"政策已调整"}},
		{"unknown endpoint", "GET", "/api/v1/kb/nothing", "wang", "", "", "", 404, "", nil},
	}
	f.run(t, steps)
}

func TestKBTryAskStats(t *testing.T) {
	f := newKBFixture(t)
	day := time.Now().Format("2006-01-02")
	steps := []step{
		{"try", "POST", "/api/v1/kb/try", "wang", "", "", `{"q":"社保缴费记录怎么查","k":3}`, 200, "", []string{`"id":"kb-001"`, `"why"`, `"score"`, `"version":1`}},
		{"try reject", "POST", "/api/v1/kb/try", "wang", "", "", `{"q":"家里要装修，想把水表挪到门外去，能自己挪吗"}`, 200, "", []string{`"no_answer":true`, `"reject":"家里要装修，想把水表挪到门外去，能自己挪吗"`, `"outside":""`}},
		{"try slip", "POST", "/api/v1/kb/try", "wang", "", "", `{"q":"燃其费在哪交"}`, 200, "", []string{`"mended":"燃气费在哪交"`, `"id":"kb-066"`}},
		{"try empty", "POST", "/api/v1/kb/try", "wang", "", "", `{"q":" "}`, 400, "", []string{`"field":"q"`}},
		{"try k", "POST", "/api/v1/kb/try", "wang", "", "", `{"q":"社保","k":99}`, 400, "", []string{`"field":"k"`}},
		{"ask", "GET", "/api/v1/kb/ask?q=" + urlq("社保缴费记录怎么查"), "", "", "", "", 200, "", []string{`"answered":true`, `"id":"kb-001"`, `"version":1`, "电子社保卡"}},
		{"ask again", "GET", "/api/v1/kb/ask?q=" + urlq("我想查一下社保缴费记录"), "", "", "", "", 200, "", []string{`"id":"kb-001"`}},
		{"ask empty", "GET", "/api/v1/kb/ask?q=", "", "", "", "", 400, "", []string{`"field":"q"`}},
		{"hits", "GET", "/api/v1/kb/stats/hits?day=" + day, "wang", "", "", "", 200, "", []string{`{"key":"kb-001","count":2}`, `"channel":"text"`}},
		{"hits one entry", "GET", "/api/v1/kb/stats/hits?id=kb-002", "wang", "", "", "", 200, "", []string{`"entries":[]`}},
		{"bad day", "GET", "/api/v1/kb/stats/hits?day=yesterday", "wang", "", "", "", 400, "", []string{`"field":"day"`}},
		{"hits a week", "GET", "/api/v1/kb/stats/hits?days=7", "wang", "", "", "", 200, "", []string{`{"key":"kb-001","count":2}`, `"day":"` + day + `","entries"`}},
		{"bad n", "GET", "/api/v1/kb/stats/unanswered?n=0", "wang", "", "", "", 400, "", []string{`"field":"n"`}},
		{"bad days", "GET", "/api/v1/kb/stats/unanswered?days=9999", "wang", "", "", "", 400, "", []string{`"field":"days"`}},
	}
	f.run(t, steps)
	// No answer: the configured suggestion, recorded for 高频问题梳理.
	for range 2 {
		rec := httptest.NewRecorder()
		f.empty.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/kb/ask?q="+urlq("宠物狗丢了怎么找回来？"), nil))
		var rep askReply
		if err := json.Unmarshal(rec.Body.Bytes(), &rep); err != nil || rec.Code != 200 {
			t.Fatalf("ask = %d %s", rec.Code, rec.Body)
		}
		if rep.Answered || !rep.SuggestAgent || rep.Message != "未找到答案，请转人工" {
			t.Fatalf("no-answer reply = %+v", rep)
		}
	}
	_, _, body := f.do(t, step{method: "GET", path: "/api/v1/kb/stats/unanswered?days=30", user: "wang"})
	if !strings.Contains(body, `{"key":"宠物狗丢了怎么找回来","count":2}`) {
		t.Fatalf("unanswered = %s", body)
	}
}

func urlq(s string) string { return url.QueryEscape(s) }

// The header stands in for authentication from loopback only; an auth
// middleware's actor is trusted from anywhere.
func TestKBIdentity(t *testing.T) {
	f := newKBFixture(t)
	tests := []struct {
		name   string
		remote string
		header string
		ctx    *store.Actor
		status int
	}{
		{"loopback header", "127.0.0.1:5000", "wang", nil, 200},
		{"ipv6 loopback header", "[::1]:5000", "wang", nil, 200},
		{"remote header refused", "192.0.2.7:5000", "wang", nil, 403},
		{"middleware actor", "192.0.2.7:5000", "", &store.Actor{User: "wang", Role: store.RoleEditor}, 200},
	}
	h := f.srv.Config.Handler
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/api/v1/kb/entries/kb-001", nil)
			req.RemoteAddr = tt.remote
			if tt.header != "" {
				req.Header.Set(HeaderUser, tt.header)
			}
			if tt.ctx != nil {
				req = req.WithContext(WithActor(req.Context(), *tt.ctx))
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
		})
	}
}

// A publish through the API reaches the live index that "ask" searches.
func TestKBPublishGoesLive(t *testing.T) {
	ign := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ign) })
	f := newKBFixture(t)
	live := store.NewLive(f.st, f.h, store.LiveOptions{Resync: time.Hour, Recalibrate: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- live.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	for _, s := range []step{
		{"create", "POST", "/api/v1/kb/entries", "wang", "", "", newEntry, 201, "", nil},
		{"submit", "POST", "/api/v1/kb/entries/kb-900/submit", "wang", "", "", "", 200, "", nil},
		{"approve", "POST", "/api/v1/kb/entries/kb-900/approve", "li", "reviewer", "", "", 200, "", nil},
		{"publish", "POST", "/api/v1/kb/entries/kb-900/publish", "li", "reviewer", "", "", 200, "", nil},
	} {
		if code, _, body := f.do(t, s); code != s.status {
			t.Fatalf("%s: %d %s", s.name, code, body)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, _, body := f.do(t, step{method: "POST", path: "/api/v1/kb/try", user: "wang", body: `{"q":"预付卡商家跑路了怎么退钱"}`})
		if strings.Contains(body, `"id":"kb-900"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("published entry not searchable: %s", body)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// BenchmarkAsk is one text-channel question end to end in the handler:
// search the live index, record the answer in Redis, write JSON.
func BenchmarkAsk(b *testing.B) {
	rs := redistest.Start(b)
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{rs.Addr}})
	defer rdb.Close()
	st := store.New(rdb, store.Options{Prefix: "bench:"})
	ctx := context.Background()
	if _, _, err := st.ImportIfEmpty(ctx, "../../configs/faq.yaml"); err != nil {
		b.Fatal(err)
	}
	h := knowledge.NewHolder(nil)
	if _, err := store.NewLive(st, h, store.LiveOptions{}).Reload(ctx, true); err != nil {
		b.Fatal(err)
	}
	kbh := NewKB(KBOptions{Store: st, Holder: h})
	req := httptest.NewRequest("GET", "/api/v1/kb/ask?q="+urlq("社保缴费记录怎么查"), nil)
	for b.Loop() {
		rec := httptest.NewRecorder()
		kbh.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Body)
		}
	}
}
