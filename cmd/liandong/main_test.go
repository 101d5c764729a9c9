package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"liandong/gateway/pbxsim"
	"liandong/gateway/pbxsim/pbxsimtest"
	"liandong/internal/redisproc"
)

// syncBuffer is a bytes.Buffer safe for a command writing while a test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newEnv(environ ...string) (*env, *syncBuffer, *syncBuffer) {
	var out, errb syncBuffer
	return &env{stdout: &out, stderr: &errb, environ: environ, drain: make(chan struct{})}, &out, &errb
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	p, err := redisproc.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(p))
}

func TestCLIUsage(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		code     int
		stdout   []string
		stderr   []string
		noStdout bool
	}{
		{name: "help lists subcommands", args: []string{"--help"}, code: 0,
			stdout: []string{"serve", "demo", "kb", "doctor", "version"}},
		{name: "no command", args: nil, code: 2, stderr: []string{"Usage"}},
		{name: "unknown command", args: []string{"frobnicate"}, code: 2,
			stderr: []string{`unknown command "frobnicate"`}, noStdout: true},
		{name: "unknown flag", args: []string{"serve", "--frob"}, code: 2,
			stderr: []string{"-frob", "see --help"}, noStdout: true},
		{name: "unknown flag on doctor", args: []string{"doctor", "-x"}, code: 2, stderr: []string{"-x"}},
		{name: "serve help", args: []string{"serve", "--help"}, code: 0, stdout: []string{"-config", "-set", "SIGTERM"}},
		{name: "demo help", args: []string{"demo", "--help"}, code: 0, stdout: []string{"-config", "embedded"}},
		{name: "doctor help", args: []string{"doctor", "--help"}, code: 0, stdout: []string{"-config", "-timeout"}},
		{name: "help subcommand", args: []string{"help", "doctor"}, code: 0, stdout: []string{"-timeout"}},
		{name: "kb help", args: []string{"kb", "--help"}, code: 0, stdout: []string{"Subcommands"}},
		{name: "kb unknown", args: []string{"kb", "frob"}, code: 2, stderr: []string{`"frob"`}},
		{name: "prompts help", args: []string{"prompts", "--help"}, code: 0, stdout: []string{"-flows", "-out", "espeak-ng"}},
		{name: "prompts bad flow file", args: []string{"prompts", "--flows", "/nonexistent.yaml"}, code: 1, stderr: []string{"/nonexistent.yaml"}},
		{name: "kb eval needs a file", args: []string{"kb", "eval"}, code: 2, stderr: []string{"one TSV"}},
		{name: "kb eval missing file", args: []string{"kb", "eval", "--kb", "../../configs/faq.yaml", "--lexicon", "../../configs/kb-lexicon.yaml", "/nonexistent.tsv"}, code: 1, stderr: []string{"/nonexistent.tsv"}},
		{name: "bench help", args: []string{"bench", "--help"}, code: 0, stdout: []string{"calls", "kb"}},
		{name: "bench unknown", args: []string{"bench", "frob"}, code: 2, stderr: []string{`"frob"`}},
		{name: "bench calls bad flags", args: []string{"bench", "calls", "--calls", "0"}, code: 2, stderr: []string{"positive"}},
		{name: "bench calllog bad flags", args: []string{"bench", "calllog", "--events", "-1"}, code: 2, stderr: []string{"positive"}},
		{name: "version", args: []string{"version"}, code: 0, stdout: []string{"liandong "}},
		{name: "bad config key via flag", args: []string{"doctor", "--set", "http.lisen=x"}, code: 2,
			stderr: []string{"http.lisen", "unknown key"}},
		{name: "stray argument", args: []string{"version", "extra"}, code: 2, stderr: []string{`"extra"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, out, errb := newEnv()
			code := run(context.Background(), e, tt.args)
			if code != tt.code {
				t.Errorf("exit = %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, out, errb)
			}
			for _, w := range tt.stdout {
				if !strings.Contains(out.String(), w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tt.stderr {
				if !strings.Contains(errb.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, errb)
				}
			}
			if tt.noStdout && out.String() != "" {
				t.Errorf("stdout should be empty on a mistake, got:\n%s", out)
			}
		})
	}
}

func TestDoctorAgainstNothing(t *testing.T) {
	ari, red := closedPort(t), closedPort(t)
	e, out, errb := newEnv()
	code := run(context.Background(), e, []string{"doctor", "--timeout", "1s",
		"--ari-url", "http://" + ari, "--redis-url", "redis://" + red + "/0"})
	if code == 0 {
		t.Fatalf("doctor passed against nothing:\n%s", out)
	}
	for _, w := range []string{"FAIL  Asterisk ARI http://" + ari, "FAIL  Redis redis://" + red, "fix:", "connection refused"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("doctor output lacks %q:\n%s\n%s", w, out, errb)
		}
	}
}

func TestDoctorFindsWorkingServices(t *testing.T) {
	p, err := redisproc.Start(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	// The emulated Asterisk checks credentials as ari.conf would.
	sim := pbxsimtest.Start(t, pbxsim.Options{User: "liandong", Password: "secret"})
	args := []string{"doctor", "--ari-url", sim.URL(), "--redis-url", p.URL()}
	e, out, _ := newEnv("LIANDONG_ARI_PASSWORD=wrong")
	run(context.Background(), e, args)
	if !strings.Contains(out.String(), "401") || !strings.Contains(out.String(), "ari.conf") {
		t.Errorf("wrong password not explained:\n%s", out)
	}
	if !strings.Contains(out.String(), "ok    Redis") {
		t.Errorf("redis not found ok:\n%s", out)
	}
	e, out, _ = newEnv("LIANDONG_ARI_PASSWORD=secret")
	run(context.Background(), e, args)
	if !strings.Contains(out.String(), "ok    Asterisk ARI") {
		t.Errorf("ARI not found ok:\n%s", out)
	}
	if strings.Contains(out.String(), "secret") {
		t.Errorf("doctor printed the password:\n%s", out)
	}
}

func TestDemoServesHealth(t *testing.T) {
	for _, embedded := range []bool{false, true} {
		name := "redis-server"
		if embedded {
			name = "embedded"
		}
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			e, out, errb := newEnv()
			args := []string{"demo", "--listen", "127.0.0.1:0", "--pbx-listen", "127.0.0.1:0"}
			if embedded {
				args = append(args, "--embedded-redis")
			}
			done := make(chan int, 1)
			go func() { done <- run(ctx, e, args) }()
			re := regexp.MustCompile(`health: (http://\S+/healthz)`)
			var url string
			// The demo builds the FAQ index before it serves (about a
			// second; many under the race detector on a busy machine).
			deadline := time.Now().Add(60 * time.Second)
			for url == "" && time.Now().Before(deadline) {
				if m := re.FindStringSubmatch(out.String()); m != nil {
					url = m[1]
				}
				select {
				case code := <-done:
					t.Fatalf("demo exited early with %d:\n%s\n%s", code, out, errb)
				case <-time.After(20 * time.Millisecond):
				}
			}
			if url == "" {
				t.Fatalf("demo printed no URL:\n%s\n%s", out, errb)
			}
			if embedded != strings.Contains(out.String(), "embedded") {
				t.Errorf("demo does not say which Redis it runs:\n%s", out)
			}
			resp, err := http.Get(strings.Replace(url, "healthz", "readyz", 1))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("readyz = %d, want 200 (redis and asterisk reachable)", resp.StatusCode)
			}
			// A caller dials 12345 on the emulated Asterisk; the gateway
			// answers and the greeting plays.
			m := regexp.MustCompile(`curl -X POST (http://\S+/sim/calls)`).FindStringSubmatch(out.String())
			if m == nil {
				t.Fatalf("demo printed no way to place a call:\n%s", out)
			}
			resp, err = http.Post(m[1], "application/json", strings.NewReader(`{"to":"12345","caller_number":"13800138000"}`))
			if err != nil {
				t.Fatal(err)
			}
			var placed struct {
				ChannelID string `json:"channel_id"`
			}
			json.NewDecoder(resp.Body).Decode(&placed)
			resp.Body.Close()
			chURL := strings.Replace(m[1], "/sim/calls", "/sim/channels/"+placed.ChannelID, 1)
			heard := ""
			deadline = time.Now().Add(10 * time.Second)
			for !strings.Contains(heard, "sound:liandong/welcome") && time.Now().Before(deadline) {
				if resp, err := http.Get(chURL); err == nil {
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					heard = string(b)
				}
				time.Sleep(50 * time.Millisecond)
			}
			if !strings.Contains(heard, "sound:liandong/welcome") {
				t.Errorf("the caller did not hear the greeting: %s\n%s", heard, errb)
			}
			// And what the caller heard is real audio: the spoken greeting.
			// It is paced in real time, so under load the first fetch may
			// hold only its first milliseconds: fetch until it speaks.
			loud, size := 0, 0
			for end := time.Now().Add(10 * time.Second); loud < 100 && time.Now().Before(end); {
				resp, err = http.Get(chURL + "/heard")
				if err != nil {
					t.Fatal(err)
				}
				wav, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK || len(wav) < 44 || string(wav[:4]) != "RIFF" {
					t.Fatalf("heard audio: status %d, %d bytes", resp.StatusCode, len(wav))
				}
				loud, size = 0, len(wav)
				for i := 44; i+1 < len(wav); i += 2 {
					if v := int16(uint16(wav[i]) | uint16(wav[i+1])<<8); v > 1000 || v < -1000 {
						loud++
					}
				}
				if loud < 100 {
					time.Sleep(100 * time.Millisecond)
				}
			}
			if loud < 100 {
				t.Errorf("the caller heard silence (%d loud samples in %d bytes)", loud, size)
			}
			cancel()
			select {
			case code := <-done:
				if code != 0 {
					t.Errorf("demo exit = %d:\n%s", code, errb)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("demo did not stop after cancel")
			}
		})
	}
}

func TestPbxsimCommand(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e, out, errb := newEnv()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, e, []string{"pbxsim", "--listen", "127.0.0.1:0", "--user", "u", "--password", "p",
			"--endpoint", "PJSIP/1001=busy"})
	}()
	re := regexp.MustCompile(`listening on (http://\S+)`)
	var base string
	for deadline := time.Now().Add(10 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
		}
	}
	if base == "" {
		t.Fatalf("pbxsim printed no address:\n%s\n%s", out, errb)
	}
	req, _ := http.NewRequest("GET", base+"/ari/endpoints/PJSIP/1001", nil)
	req.SetBasicAuth("u", "p")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET the --endpoint given = %d, want 200", resp.StatusCode)
	}
	req.SetBasicAuth("u", "wrong")
	if resp, err = http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("wrong password = %d, want 401", resp.StatusCode)
		}
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("pbxsim exit = %d: %s", code, errb)
	}
}

func TestKBEvalJSON(t *testing.T) {
	e, out, errb := newEnv()
	code := run(context.Background(), e, []string{"kb", "eval", "--json", "--kb", "../../configs/faq.yaml",
		"--lexicon", "../../configs/kb-lexicon.yaml", "../../knowledge/testdata/kb-dev.tsv"})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	var r struct {
		N             int      `json:"n"`
		Top1          *float64 `json:"top1"`
		Top3          *float64 `json:"top3"`
		NonePrecision *float64 `json:"none_precision"`
		Results       []struct {
			Query, Expected string
			Got             []string
			Confidence      *float64
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(out.String()), &r); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if r.N != 150 || len(r.Results) != 150 || r.Top1 == nil || r.Top3 == nil || r.NonePrecision == nil || r.Results[0].Confidence == nil {
		t.Errorf("report lacks fields: n=%d results=%d", r.N, len(r.Results))
	}
}

func TestKBImportExport(t *testing.T) {
	p, err := redisproc.Start(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	base := []string{"--config", "../../configs/liandong.yaml", "--redis-url", p.URL()}
	e, out, errb := newEnv()
	if code := run(context.Background(), e, append([]string{"kb", "import", "--dry-run"}, append(base, "../../configs/faq.yaml")...)); code != 0 {
		t.Fatalf("dry run exit %d: %s", code, errb)
	}
	e, out2, _ := newEnv()
	run(context.Background(), e, append([]string{"kb", "export"}, base...))
	if strings.Contains(out2.String(), "kb-001") {
		t.Fatalf("a dry run wrote entries:\n%s\n%s", out, out2)
	}
	e, _, errb = newEnv()
	if code := run(context.Background(), e, append([]string{"kb", "import"}, append(base, "../../configs/faq.yaml")...)); code != 0 {
		t.Fatalf("import exit %d: %s", code, errb)
	}
	e, out2, errb = newEnv()
	if code := run(context.Background(), e, append([]string{"kb", "export", "--status", "published"}, base...)); code != 0 {
		t.Fatalf("export exit %d: %s", code, errb)
	}
	for _, id := range []string{"kb-001", "kb-100"} {
		if !strings.Contains(out2.String(), id) {
			t.Errorf("export lacks %s", id)
		}
	}
	bad := t.TempDir() + "/bad.yaml"
	os.WriteFile(bad, []byte("entries:\n  - id: kb-001\n    title: \"\"\n"), 0o600)
	e, _, errb = newEnv()
	if code := run(context.Background(), e, append([]string{"kb", "import"}, append(base, bad)...)); code == 0 {
		t.Errorf("an invalid file imported")
	}
}

// report and tail over a real Redis holding one call's events.
func TestReportAndTail(t *testing.T) {
	p, err := redisproc.Start(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	base := []string{"--config", "../../configs/liandong.yaml", "--redis-url", p.URL()}
	e, out, errb := newEnv()
	if code := run(context.Background(), e, append([]string{"report", "--day", "2026-11-28", "--json"}, base...)); code != 0 {
		t.Fatalf("report exit %d: %s", code, errb)
	}
	if !strings.Contains(out.String(), `"period"`) || !strings.Contains(out.String(), "12345") {
		t.Errorf("report JSON: %s", out)
	}
	e, _, errb = newEnv()
	if code := run(context.Background(), e, append([]string{"report", "--day", "28/11/2026"}, base...)); code != 2 {
		t.Errorf("bad day: exit %d (%s), want 2", code, errb)
	}
	e, _, errb = newEnv()
	if code := run(context.Background(), e, append([]string{"report"}, base...)); code != 2 {
		t.Errorf("no period: exit %d (%s), want 2", code, errb)
	}
	e, _, errb = newEnv()
	if code := run(context.Background(), e, append([]string{"tail", "--from", "0"}, base...)); code != 0 {
		t.Errorf("tail of empty streams: exit %d: %s", code, errb)
	}
	e, _, errb = newEnv()
	if code := run(context.Background(), e, append([]string{"tail", "--stream", "nonsense"}, base...)); code != 2 {
		t.Errorf("tail of an unknown stream: exit %d (%s), want 2", code, errb)
	}
}

func TestBenchCalllogJSON(t *testing.T) {
	e, out, errb := newEnv()
	if code := run(context.Background(), e, []string{"bench", "calllog", "--events", "5000", "--json"}); code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	var r struct {
		Events     int      `json:"events"`
		EventsPerS *float64 `json:"events_per_s"`
		Lost       *int     `json:"lost"`
		Duplicated *int     `json:"duplicated"`
	}
	if err := json.Unmarshal([]byte(out.String()), &r); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if r.Events != 5000 || r.EventsPerS == nil || r.Lost == nil || *r.Lost != 0 || r.Duplicated == nil || *r.Duplicated != 0 {
		t.Errorf("result = %s", out)
	}
}

// doctor must not take the application from a running gateway: its probe
// socket uses a name of its own, so the gateway's socket hears nothing.
func TestDoctorLeavesTheGatewaysApplication(t *testing.T) {
	sim := pbxsimtest.Start(t, pbxsim.Options{User: "liandong", Password: "secret"})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	hdr := http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte("liandong:secret"))}}
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(sim.URL(), "http")+"/ari/events?app=liandong", &websocket.DialOptions{HTTPHeader: hdr})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	e, out, _ := newEnv("LIANDONG_ARI_PASSWORD=secret")
	run(context.Background(), e, []string{"doctor", "--ari-url", sim.URL(), "--redis-url", "redis://127.0.0.1:1/0", "--timeout", "1s"})
	if !strings.Contains(out.String(), "ok    Asterisk ARI") {
		t.Fatalf("doctor did not reach the emulator:\n%s", out)
	}
	rctx, rcancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer rcancel()
	if _, b, err := ws.Read(rctx); err == nil {
		t.Errorf("the gateway's socket got %s while doctor ran", b)
	}
}
