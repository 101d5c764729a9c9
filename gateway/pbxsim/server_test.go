package pbxsim_test

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"liandong/gateway/pbxsim"
	"liandong/gateway/pbxsim/pbxsimtest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func do(t *testing.T, s *pbxsim.Server, method, path, body string, auth bool) (int, http.Header, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.URL()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if auth {
		req.SetBasicAuth(pbxsimtest.User, pbxsimtest.Password)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(data)
}

func TestErrors(t *testing.T) {
	s := pbxsimtest.Start(t)
	tests := []struct {
		name, method, path, body string
		auth                     bool
		status                   int
		want                     string
	}{
		{"no auth", "GET", "/ari/asterisk/info", "", false, 401, `{"message":"Authentication required"}`},
		{"api_key", "GET", "/ari/asterisk/ping?api_key=liandong:liandong", "", false, 200, `"ping":"pong"`},
		{"unknown channel", "GET", "/ari/channels/nope", "", true, 404, `{"message":"Channel not found"}`},
		{"unknown var channel", "GET", "/ari/channels/nope/variable?variable=X", "", true, 404, `{"message":"Provided channel was not found"}`},
		{"unknown bridge", "DELETE", "/ari/bridges/nope", "", true, 404, `{"message":"Bridge not found"}`},
		{"unknown playback", "GET", "/ari/playbacks/nope", "", true, 404, `{"message":"Playback not found"}`},
		{"wrong method", "PUT", "/ari/channels", "", true, 405, `{"message":"Invalid method"}`},
		{"unknown path", "GET", "/ari/nosuchresource", "", true, 404, `{"message":"Resource not found"}`},
		{"bad json", "POST", "/ari/channels/x/answer", "{not json", true, 400, `{"message":"Error parsing request body"}`},
		{"originate unknown endpoint", "POST", "/ari/channels?app=liandong&endpoint=PJSIP/nosuch", "", true, 500, `{"error":"Allocation failed"}`},
		{"originate garbage", "POST", "/ari/channels?app=liandong&endpoint=garbage", "", true, 400, `{"message":"Invalid endpoint specified"}`},
		{"originate no app", "POST", "/ari/channels?endpoint=PJSIP/agent1001", "", true, 400, `{"message":"Application or extension must be specified"}`},
		{"originate no endpoint", "POST", "/ari/channels?app=liandong", "", true, 400, `{"message":"Endpoint must be specified"}`},
		{"create unknown endpoint", "POST", "/ari/channels/create?app=liandong&endpoint=PJSIP/nosuch", "", true, 409, `{"message":"Channel with given unique ID already exists"}`},
		{"bridge bogus type", "POST", "/ari/bridges?type=bogus", "", true, 500, `{"message":"Unable to create bridge. Possible duplicate bridge id '(null)'"}`},
		{"bridge mixing,holding", "POST", "/ari/bridges?type=mixing,holding", "", true, 500, `Possible duplicate`},
		{"oversized body", "POST", "/ari/bridges", `{"name":"` + strings.Repeat("x", 50000) + `"}`, true, 413, `Body too large`},
		{"app unknown", "GET", "/ari/applications/nosuchapp", "", true, 404, `{"message":"Application not found"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, h, body := do(t, s, tt.method, tt.path, tt.body, tt.auth)
			if st != tt.status || !strings.Contains(body, tt.want) {
				t.Errorf("%s %s = %d %s, want %d %s", tt.method, tt.path, st, body, tt.status, tt.want)
			}
			if st == 401 && h.Get("WWW-Authenticate") != `Basic realm="Asterisk REST Interface"` {
				t.Errorf("WWW-Authenticate = %q", h.Get("WWW-Authenticate"))
			}
			if st == 405 && h.Get("Allow") != "OPTIONS,GET,POST" {
				t.Errorf("Allow = %q", h.Get("Allow"))
			}
		})
	}
}

func TestBridgeLifecycle(t *testing.T) {
	s := pbxsimtest.Start(t)
	st, _, body := do(t, s, "POST", "/ari/bridges?type=holding&name=h&bridgeId=b1", "", true)
	if st != 200 || !strings.Contains(body, `"bridge_type":"holding"`) || !strings.Contains(body, `"technology":"holding_bridge"`) {
		t.Fatalf("create = %d %s", st, body)
	}
	if st, _, body = do(t, s, "POST", "/ari/bridges?bridgeId=b1", "", true); st != 409 {
		t.Errorf("duplicate = %d %s", st, body)
	}
	if st, _, body = do(t, s, "DELETE", "/ari/bridges/b1/moh", "", true); st != 409 || !strings.Contains(body, "Bridge isn't playing music") {
		t.Errorf("moh stop = %d %s", st, body)
	}
	if st, _, _ = do(t, s, "POST", "/ari/bridges/b1/moh?mohClass=default", "", true); st != 204 {
		t.Errorf("moh = %d", st)
	}
	if st, _, body = do(t, s, "POST", "/ari/bridges/b1/addChannel", "", true); st != 400 || !strings.Contains(body, "Missing parameter channel") {
		t.Errorf("addChannel = %d %s", st, body)
	}
	if st, _, _ = do(t, s, "DELETE", "/ari/bridges/b1", "", true); st != 204 {
		t.Errorf("destroy = %d", st)
	}
}

func TestFaultRule(t *testing.T) {
	s := pbxsimtest.Start(t)
	s.AddFault(pbxsim.FaultRule{Method: "GET", PathPrefix: "/channels", Status: 503, Count: 1})
	if st, _, _ := do(t, s, "GET", "/ari/channels", "", true); st != 503 {
		t.Errorf("faulted = %d, want 503", st)
	}
	if st, _, _ := do(t, s, "GET", "/ari/channels", "", true); st != 200 {
		t.Errorf("after fault = %d, want 200", st)
	}
}

func TestParseBehaviour(t *testing.T) {
	tests := []struct {
		in      string
		want    pbxsim.Behaviour
		wantErr bool
	}{
		{"answer:800ms", pbxsim.Behaviour{Mode: pbxsim.ModeAnswer, RingFor: 800 * time.Millisecond}, false},
		{"answer:1s,hangup:5s", pbxsim.Behaviour{Mode: pbxsim.ModeAnswer, RingFor: time.Second, HangupAfter: 5 * time.Second}, false},
		{"busy", pbxsim.Behaviour{Mode: pbxsim.ModeBusy}, false},
		{"offline", pbxsim.Behaviour{Mode: pbxsim.ModeOffline}, false},
		{"ring", pbxsim.Behaviour{}, true},
		{"answer:xx", pbxsim.Behaviour{}, true},
		{"busy,hangup:1s", pbxsim.Behaviour{}, true},
	}
	for _, tt := range tests {
		got, err := pbxsim.ParseBehaviour(tt.in)
		if (err != nil) != tt.wantErr || (!tt.wantErr && got != tt.want) {
			t.Errorf("ParseBehaviour(%q) = %v, %v", tt.in, got, err)
		}
	}
}

func TestMatchExten(t *testing.T) {
	tests := []struct {
		pat, ext string
		want     bool
	}{
		{"_X.", "1001", true}, {"_X.", "s", false}, {"_NXX", "234", true}, {"_NXX", "134", false},
		{"_1[2-3]5", "125", true}, {"_1[2-3]5", "145", false}, {"12345", "12345", true}, {"_X!", "1", true},
	}
	for _, tt := range tests {
		if got := pbxsim.MatchExten(tt.pat, tt.ext); got != tt.want {
			t.Errorf("MatchExten(%q, %q) = %v", tt.pat, tt.ext, got)
		}
	}
}

func TestWAVDuration(t *testing.T) {
	// 8 kHz, 16-bit mono, 16000 bytes of data = 1s.
	var b bytes.Buffer
	le := func(v uint32, n int) {
		for i := 0; i < n; i++ {
			b.WriteByte(byte(v >> (8 * i)))
		}
	}
	b.WriteString("RIFF")
	le(36+16000, 4)
	b.WriteString("WAVEfmt ")
	le(16, 4)
	le(1, 2)
	le(1, 2)
	le(8000, 4)
	le(16000, 4)
	le(2, 2)
	le(16, 2)
	b.WriteString("data")
	le(16000, 4)
	b.Write(make([]byte, 16000))
	p := t.TempDir() + "/hello.wav"
	if err := os.WriteFile(p, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := pbxsim.WAVDuration(p)
	if err != nil || d != time.Second {
		t.Fatalf("WAVDuration = %v, %v", d, err)
	}
	m := &pbxsim.FileMedia{Dir: t.TempDir()}
	if _, err := m.Duration("sound:nope", "en"); err == nil {
		t.Error("unknown sound: no error")
	}
}

func FuzzDecodeRequest(f *testing.F) {
	for _, seed := range []string{`{"variables":{"A":"1"}}`, `{not json`, `[]`, `{"a":1.5,"b":true}`, ``, `null`, `{"variables":[1]}`} {
		f.Add(seed)
	}
	s := pbxsim.New(pbxsim.Options{User: "u", Password: "p"})
	defer s.Close()
	h := s.Handler()
	f.Fuzz(func(t *testing.T, body string) {
		for _, path := range []string{"/ari/channels", "/ari/bridges", "/ari/channels/x/variable"} {
			req, _ := http.NewRequest("POST", "http://x"+path, strings.NewReader(body))
			req.SetBasicAuth("u", "p")
			rec := &recorder{h: http.Header{}}
			h.ServeHTTP(rec, req)
			if rec.code == 0 || rec.code >= 600 {
				t.Fatalf("status %d", rec.code)
			}
		}
	})
}

type recorder struct {
	h    http.Header
	code int
}

func (r *recorder) Header() http.Header { return r.h }
func (r *recorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = 200
	}
	return len(b), nil
}
func (r *recorder) WriteHeader(c int) { r.code = c }

func TestMiscResources(t *testing.T) {
	s := pbxsimtest.Start(t)
	ec := dialEvents(t, s, "app=liandong", true)
	tests := []struct {
		method, path, body string
		status             int
		want               string
	}{
		{"PUT", "/ari/deviceStates/PJSIP/agent1001?deviceState=BUSY", "", 404, ""},
		{"PUT", "/ari/deviceStates/Custom:x?deviceState=BUSY", "", 409, "Uncontrolled device specified"},
		{"POST", "/ari/applications/liandong/subscription?eventSource=deviceState:Stasis:agent1", "", 200, `"device_names":["Stasis:agent1"]`},
		{"PUT", "/ari/deviceStates/Stasis:agent1?deviceState=INUSE", "", 204, ""},
		{"GET", "/ari/deviceStates/Stasis:agent1", "", 200, `{"name":"Stasis:agent1","state":"INUSE"}`},
		{"PUT", "/ari/deviceStates/Stasis:agent1?deviceState=SLEEPY", "", 400, ""},
		{"DELETE", "/ari/deviceStates/Stasis:nobody", "", 404, "Device name is missing"},
		{"GET", "/ari/mailboxes/1001", "", 404, "Mailbox not found"},
		{"PUT", "/ari/mailboxes/1001?oldMessages=1&newMessages=2", "", 204, ""},
		{"GET", "/ari/mailboxes/1001", "", 200, `{"name":"1001","old_messages":1,"new_messages":2}`},
		{"GET", "/ari/asterisk/variable", "", 400, "Missing variable parameter."},
		{"POST", "/ari/asterisk/variable?variable=G&value=1", "", 204, ""},
		{"GET", "/ari/asterisk/variable?variable=G", "", 200, `{"value":"1"}`},
		{"GET", "/ari/sounds/hello-world", "", 200, `"id":"hello-world"`},
		{"GET", "/ari/sounds/nope", "", 404, "Sound not found"},
		{"POST", "/ari/events/user/Ping?application=liandong", `{"variables":{"k":"v"}}`, 204, ""},
		{"POST", "/ari/events/user/Ping?application=nosuch", "", 404, "Application not found"},
	}
	for _, tt := range tests {
		st, _, body := do(t, s, tt.method, tt.path, tt.body, true)
		if st != tt.status || !strings.Contains(body, tt.want) {
			t.Errorf("%s %s = %d %s, want %d %s", tt.method, tt.path, st, body, tt.status, tt.want)
		}
	}
	// The PJSIP/agent1001 PUT above hits the 3-segment route, which does not exist.
	if ev := ec.expect("DeviceStateChanged"); ev["device_state"].(map[string]any)["state"] != "INUSE" {
		t.Errorf("device event = %v", ev)
	}
	if ev := ec.expect("ChannelUserevent"); ev["eventname"] != "Ping" || ev["userevent"].(map[string]any)["k"] != "v" {
		t.Errorf("user event = %v", ev)
	}
}

func osWriteFile(p string, data []byte) error { return os.WriteFile(p, data, 0o600) }

func TestParseEndpoint(t *testing.T) {
	e, err := pbxsim.ParseEndpoint("PJSIP/1001=busy:300ms;context=from-agents;callerid=\"Agent 1\" <1001>")
	if err != nil {
		t.Fatal(err)
	}
	if e.ID() != "PJSIP/1001" || e.Behaviour.Mode != pbxsim.ModeBusy || e.Context != "from-agents" || e.CallerID.Number != "1001" || e.CallerID.Name != "Agent 1" {
		t.Errorf("ParseEndpoint = %+v", e)
	}
	for _, bad := range []string{"garbage", "PJSIP/1001=sing", "PJSIP/1001;color=red"} {
		if _, err := pbxsim.ParseEndpoint(bad); err == nil {
			t.Errorf("ParseEndpoint(%q): no error", bad)
		}
	}
}
