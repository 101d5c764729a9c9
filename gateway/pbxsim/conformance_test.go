package pbxsim_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"liandong/gateway/pbxsim"
	"liandong/gateway/pbxsim/media"
	"liandong/gateway/pbxsim/pbxsimtest"
)

type tline struct {
	T       float64           `json:"t"`
	Kind    string            `json:"kind"`
	TSent   float64           `json:"t_sent"`
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Query   map[string]any    `json:"query"`
	ReqBody json.RawMessage   `json:"request_body"`
	Status  int               `json:"status"`
	Body    json.RawMessage   `json:"body"`
	Type    string            `json:"type"`
	Event   map[string]any    `json:"event"`
	Msg     string            `json:"msg"`
	Data    json.RawMessage   `json:"data"`
	URL     string            `json:"url"`
	Auth    string            `json:"auth"`
	Headers map[string]string `json:"headers"`
}

// replayer re-plays a recorded transcript against the emulator.
type replayer struct {
	t      *testing.T
	s      *pbxsim.Server
	base   string
	ids    map[string]string // recorded id -> emulator id
	used   map[string]bool   // emulator ids already mapped
	mu     sync.Mutex
	evs    []map[string]any // emulator events in arrival order
	taken  []bool
	cond   chan struct{}
	hungup map[string]bool
	// noisyMissing counts loosely compared events (bridge peer varsets, RTCP stats,
	// connected line) that Asterisk sent and the emulator did not.
	noisyMissing map[string]int
	rewrite      map[string]string // recorded host:port -> test server
	fails        []string
	socks        []*websocket.Conn
}

func (r *replayer) failf(format string, a ...any) {
	r.fails = append(r.fails, fmt.Sprintf(format, a...))
	r.t.Log(r.fails[len(r.fails)-1])
}

func (r *replayer) connect(ctx context.Context, rawURL, auth string) (int, error) {
	h := http.Header{}
	user, pass := pbxsimtest.User, pbxsimtest.Password
	if auth != "" {
		user, pass, _ = strings.Cut(auth, ":")
	}
	h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+pass)))
	c, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(r.base, "http")+rawURL, &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		if resp != nil {
			return resp.StatusCode, nil
		}
		return 0, err
	}
	c.SetReadLimit(1 << 20)
	r.socks = append(r.socks, c)
	// The recorder logged the events of its first socket only.
	record := len(r.socks) == 1
	go func() {
		for {
			_, data, err := c.Read(context.Background())
			if err != nil {
				return
			}
			var ev map[string]any
			if !record || json.Unmarshal(data, &ev) != nil {
				continue
			}
			r.mu.Lock()
			r.evs = append(r.evs, ev)
			r.taken = append(r.taken, false)
			r.mu.Unlock()
			select {
			case r.cond <- struct{}{}:
			default:
			}
		}
	}()
	return http.StatusSwitchingProtocols, nil
}

// noisy events are compared loosely: Asterisk repeats them as its bridge technology changes.
func noisy(ev map[string]any) bool {
	switch ev["type"] {
	case "ChannelConnectedLine":
		return true
	case "ChannelVarset":
		v, _ := ev["variable"].(string)
		return strings.HasPrefix(v, "BRIDGEPEER") || strings.HasPrefix(v, "BRIDGEPVTCALLID") || strings.HasPrefix(v, "RTPAUDIOQOS")
	}
	return false
}

func obj(v any) map[string]any { m, _ := v.(map[string]any); return m }

// evKey is the id an event is ordered by: channel, Dial peer, playback or bridge.
func evKey(ev map[string]any) string {
	if c := obj(ev["channel"]); c != nil {
		return c["id"].(string)
	}
	if p := obj(ev["peer"]); p != nil {
		return "dial:" + p["id"].(string) // Asterisk races Dial against ChannelStateChange
	}
	if p := obj(ev["playback"]); p != nil {
		return "pb:" + p["id"].(string)
	}
	if b := obj(ev["bridge"]); b != nil {
		return "br:" + b["id"].(string)
	}
	return "app"
}

func trimKey(k string) string {
	_, id, ok := strings.Cut(k, ":")
	if !ok {
		return k
	}
	return id
}

func (r *replayer) mapKey(k string) (string, bool) {
	pfx := ""
	for _, p := range []string{"pb:", "br:", "dial:"} {
		if strings.HasPrefix(k, p) {
			pfx, k = p, strings.TrimPrefix(k, p)
		}
	}
	if k == "app" {
		return "app", true
	}
	v, ok := r.ids[k]
	return pfx + v, ok
}

var fieldsByType = map[string][]string{
	"StasisStart":        {"args", "channel.state", "channel.dialplan.app_name", "channel.dialplan.app_data", "channel.dialplan.priority", "channel.caller"},
	"ChannelStateChange": {"channel.state"}, "ChannelDestroyed": {"cause", "cause_txt", "tech_cause"},
	"ChannelHangupRequest": {"cause", "soft", "tech_cause"}, "Dial": {"dialstatus", "dialstring"},
	"ChannelVarset": {"variable", "value"}, "PlaybackStarted": {"playback.media_uri", "playback.state", "playback.next_media_uri"},
	"PlaybackFinished": {"playback.media_uri", "playback.state"}, "PlaybackContinuing": {"playback.state"},
	"ChannelDtmfReceived": {"digit", "duration_ms"}, "ChannelDialplan": {"dialplan_app", "dialplan_app_data"},
	"ChannelEnteredBridge": {"bridge.bridge_type", "bridge.name", "bridge.channels#"}, "ChannelLeftBridge": {"bridge.bridge_type", "bridge.channels#"},
}

func field(m map[string]any, path string) any {
	count := strings.HasSuffix(path, "#")
	path = strings.TrimSuffix(path, "#")
	var cur any = m
	for _, p := range strings.Split(path, ".") {
		cur = obj(cur)[p]
	}
	if count {
		a, _ := cur.([]any)
		return len(a)
	}
	return cur
}

// keySet lists an object's keys (without the harness's own "_t").
func keySet(m map[string]any) string {
	var ks []string
	for k := range m {
		if k != "_t" {
			ks = append(ks, k)
		}
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}

func jsonEq(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// await waits for the emulator's counterpart of recorded event rec: the next unconsumed
// event with the same key (strict order per key) must have rec's type and key fields.
func (r *replayer) await(rec map[string]any, timeout time.Duration) {
	typ := rec["type"].(string)
	recKey := evKey(rec)
	want, known := r.mapKey(recKey)
	if noisy(rec) {
		timeout = 300 * time.Millisecond // loosely compared: never worth a long wait
	}
	deadline := time.Now().Add(timeout)
	for {
		r.mu.Lock()
		for i, ev := range r.evs {
			if r.taken[i] || noisy(ev) != noisy(rec) {
				continue
			}
			k := evKey(ev)
			if known && k != want {
				continue
			}
			if !known {
				if ev["type"] != typ || r.used[trimKey(k)] {
					continue
				}
				rk, ek := trimKey(recKey), trimKey(k)
				r.ids[rk], r.used[ek] = ek, true
			}
			if noisy(rec) && (ev["type"] != typ || ev["variable"] != rec["variable"]) {
				continue
			}
			r.taken[i] = true
			r.mu.Unlock()
			if ev["type"] != typ {
				r.failf("%s: order: want %s, got %s", recKey, typ, ev["type"])
				return
			}
			if !noisy(rec) {
				for _, sub := range []string{"", "channel", "peer", "bridge", "playback", "recording"} {
					a, b := rec, ev
					if sub != "" {
						a, b = obj(rec[sub]), obj(ev[sub])
					}
					if ka, kb := keySet(a), keySet(b); ka != kb {
						r.failf("%s %s: %s keys %s, want %s", typ, recKey, sub, kb, ka)
					}
				}
				if c := obj(rec["channel"]); c != nil {
					for _, f := range []string{"caller", "connected", "dialplan", "state"} {
						if a, b := r.norm(c[f]), obj(ev["channel"])[f]; !jsonEq(a, b) {
							r.failf("%s %s: channel.%s = %v, want %v", typ, recKey, f, b, a)
						}
					}
					if a, b := nameRe.ReplaceAllString(fmt.Sprint(c["name"]), "-N"), nameRe.ReplaceAllString(fmt.Sprint(obj(ev["channel"])["name"]), "-N"); a != b {
						r.failf("%s %s: channel.name = %v, want %v", typ, recKey, b, a)
					}
				}
				for _, f := range fieldsByType[typ] {
					if a, b := r.norm(field(rec, f)), field(ev, f); !jsonEq(a, b) {
						r.failf("%s %s: %s = %v, want %v", typ, recKey, f, b, a)
					}
				}
			}
			return
		}
		r.mu.Unlock()
		if time.Now().After(deadline) {
			if !noisy(rec) {
				r.failf("missing event %s for %s", typ, recKey)
			} else {
				r.noisyMissing[typ+" "+fmt.Sprint(rec["variable"])]++
			}
			return
		}
		select {
		case <-r.cond:
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// nameRe masks the counters in channel names (PJSIP/x-0000000a, Local/..-00000002;1, 0x5578...).
var nameRe = regexp.MustCompile(`-(0x[0-9a-f]+|[0-9a-f]{8})|/[0-9]{10}\.[0-9]+|/[a-z]+-extmedia[a-z0-9-]*`)

var recIDRe = regexp.MustCompile(`[0-9]{10}\.[0-9]+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// norm rewrites recorded host:ports in a recorded value to the test's own.
func (r *replayer) norm(v any) any {
	if len(r.rewrite) == 0 {
		return v
	}
	data, _ := json.Marshal(v)
	s := string(data)
	for from, to := range r.rewrite {
		s = strings.ReplaceAll(s, from, to)
	}
	var out any
	_ = json.Unmarshal([]byte(s), &out)
	return out
}

func (r *replayer) mapIDs(s string) string {
	for from, to := range r.rewrite {
		s = strings.ReplaceAll(s, from, to)
	}
	return recIDRe.ReplaceAllStringFunc(s, func(id string) string {
		if v, ok := r.ids[id]; ok {
			return v
		}
		return id
	})
}

func (r *replayer) rest(l tline) {
	q := url.Values{}
	for k, v := range l.Query {
		q.Set(k, r.mapIDs(fmt.Sprint(v)))
	}
	u := r.base + r.mapIDs(l.Path)
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var body io.Reader
	if len(l.ReqBody) > 0 {
		var s string
		if json.Unmarshal(l.ReqBody, &s) == nil {
			body = strings.NewReader(s)
		} else {
			body = strings.NewReader(r.mapIDs(string(l.ReqBody)))
		}
	}
	req, _ := http.NewRequest(l.Method, u, body)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if l.Auth != "" {
		u, p, _ := strings.Cut(l.Auth, ":")
		req.SetBasicAuth(u, p)
	} else if _, ok := l.Query["api_key"]; !ok {
		req.SetBasicAuth(pbxsimtest.User, pbxsimtest.Password)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.failf("%s %s: %v", l.Method, l.Path, err)
		return
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != l.Status {
		r.failf("%s %s: status %d, want %d (%s)", l.Method, l.Path, resp.StatusCode, l.Status, data)
		return
	}
	var rec, got any
	_ = json.Unmarshal(l.Body, &rec)
	_ = json.Unmarshal(data, &got)
	r.compareBody(l, rec, got)
}

func (r *replayer) compareBody(l tline, rec, got any) {
	where := l.Method + " " + l.Path
	switch rv := rec.(type) {
	case map[string]any:
		gv := obj(got)
		if gv == nil {
			r.failf("%s: body %v, want object", where, got)
			return
		}
		if ka, kb := keySet(rv), keySet(gv); ka != kb {
			r.failf("%s: body keys %s, want %s", where, kb, ka)
		}
		if id, ok := rv["id"].(string); ok {
			if gid, ok := gv["id"].(string); ok && r.ids[id] == "" {
				r.ids[id], r.used[gid] = gid, true
			}
		}
		if m, ok := rv["message"].(string); ok {
			rv["message"] = r.mapIDs(m)
		}
		for _, k := range []string{"message", "error", "state", "bridge_type", "name", "media_uri", "value", "technology"} {
			if k == "value" && strings.HasSuffix(fmt.Sprint(l.Query["variable"]), "_PORT") {
				continue // a real, free UDP port
			}
			if k == "technology" || (k == "name" && strings.Contains(fmt.Sprint(rv[k]), "/")) {
				continue
			}
			if _, ok := rv[k]; ok && !jsonEq(r.norm(rv[k]), gv[k]) {
				if k == "state" && rv["media_uri"] != nil {
					continue // queued vs playing is a race in Asterisk too
				}
				r.failf("%s: %s = %v, want %v", where, k, gv[k], rv[k])
			}
		}
		for _, k := range []string{"caller", "connected", "dialplan"} {
			if _, ok := rv[k]; ok && !jsonEq(rv[k], gv[k]) {
				r.failf("%s: %s = %v, want %v", where, k, gv[k], rv[k])
			}
		}
		if c, ok := rv["channels"].([]any); ok {
			if g, _ := gv["channels"].([]any); len(g) != len(c) {
				r.failf("%s: %d channels, want %d", where, len(g), len(c))
			}
		}
	case []any:
		g, _ := got.([]any)
		if len(g) != len(rv) && !strings.HasSuffix(l.Path, "/applications") {
			r.failf("%s: %d items, want %d", where, len(g), len(rv))
		}
	}
}

// action plays what sipp did when the recorded event shows it.
func (r *replayer) action(rec map[string]any) bool {
	c := obj(rec["channel"])
	if c == nil {
		return false
	}
	name, _ := c["name"].(string)
	id, ok := r.ids[c["id"].(string)]
	if !ok || !strings.HasPrefix(name, "PJSIP/") {
		return false
	}
	switch rec["type"] {
	case "ChannelDtmfReceived":
		d, _ := rec["duration_ms"].(float64)
		if err := r.s.SendDTMF(id, rec["digit"].(string), time.Duration(d)*time.Millisecond); err != nil {
			r.failf("send dtmf: %v", err)
		}
		return true
	case "ChannelHangupRequest":
		if _, hasCause := rec["cause"]; !hasCause && !r.hungup[id] {
			r.hungup[id] = true
			if err := r.s.HangupRemote(id); err != nil {
				r.failf("remote hangup: %v", err)
			}
			return true
		}
	}
	return false
}

var sippExten = regexp.MustCompile(`-s (\S+)`)

func (r *replayer) note(l tline) {
	var d struct {
		Args, Label string
	}
	_ = json.Unmarshal(l.Data, &d)
	switch {
	case l.Msg == "sipp started" && strings.HasPrefix(d.Label, "caller"):
		m := sippExten.FindStringSubmatch(d.Args)
		if _, err := r.s.Call(context.Background(), pbxsim.CallSpec{To: m[1], CallerNumber: "13800138000"}); err != nil {
			r.failf("call: %v", err)
		}
	case l.Msg == "sipp started" && strings.HasPrefix(d.Label, "agent"):
		ep := "PJSIP/" + strings.SplitN(d.Label, "-", 2)[0]
		b := pbxsim.Behaviour{Mode: pbxsim.ModeAnswer, RingFor: 800 * time.Millisecond}
		switch {
		case strings.Contains(d.Args, "uas_busy"):
			b = pbxsim.Behaviour{Mode: pbxsim.ModeBusy, RingFor: 500 * time.Millisecond}
		case strings.Contains(d.Args, "uas_noanswer"):
			b = pbxsim.Behaviour{Mode: pbxsim.ModeNoAnswer}
		}
		_ = r.s.SetBehaviour(ep, b)
	case strings.Contains(l.Msg, "http.server 18080"):
		r.rewrite["127.0.0.1:18080"] = r.mediaServer()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err == nil {
			r.rewrite["127.0.0.1:18081"] = ln.Addr().String() // closed: connection refused
			ln.Close()
		}
	case strings.Contains(l.Msg, "phone offline"):
		_ = r.s.SetBehaviour("PJSIP/agent1002", pbxsim.Behaviour{Mode: pbxsim.ModeOffline})
	}
}

// mediaServer serves what the recorded python http.server did: WAV prompts, a 404 and
// a file that is not audio.
func (r *replayer) mediaServer() string {
	wav := testWAV(1400 * time.Millisecond)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		switch {
		case strings.HasSuffix(req.URL.Path, "notaudio.wav"):
			_, _ = w.Write([]byte("this is not audio"))
		case strings.HasSuffix(req.URL.Path, "missing.wav"):
			http.NotFound(w, req)
		default:
			_, _ = w.Write(wav)
		}
	}))
	r.t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// testWAV is an 8 kHz 16-bit mono WAV of silence lasting d.
func testWAV(d time.Duration) []byte {
	return media.EncodeWAV(make([]int16, int(int64(d)*8000/int64(time.Second))), 8000)
}

func replay(t *testing.T, file string) []string {
	f, err := os.Open(filepath.Join("testdata", "transcripts", file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []tline
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var l tline
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		lines = append(lines, l)
	}
	s := pbxsimtest.Start(t)
	r := &replayer{t: t, s: s, base: s.URL(), ids: map[string]string{}, used: map[string]bool{},
		cond: make(chan struct{}, 1), hungup: map[string]bool{}, noisyMissing: map[string]int{}, rewrite: map[string]string{}}
	defer func() {
		for _, c := range r.socks {
			_ = c.CloseNow()
		}
	}()
	ctx := context.Background()
	// Events recorded before a request was sent must have happened before we send it;
	// the others may come with or after the response.
	var pending []map[string]any
	flush := func(before float64) {
		var keep []map[string]any
		for _, ev := range pending {
			if t := ev["_t"].(float64); t < before {
				r.await(ev, 5*time.Second)
			} else {
				keep = append(keep, ev)
			}
		}
		pending = keep
	}
	last := 0.0
	for _, l := range lines {
		gap := l.TSent - last
		last = l.T
		switch l.Kind {
		case "event":
			l.Event["_t"] = l.T
			pending = append(pending, l.Event)
			// The outside world acts when the recording shows it acted.
			if _, ok := r.mapKey(evKey(l.Event)); ok && r.action(l.Event) {
				flush(l.T + 1)
			}
		case "rest":
			flush(l.TSent)
			// Let time pass as it did, a little, for what no event marks (dialplan progress).
			time.Sleep(max(0, min(time.Duration(gap*float64(time.Millisecond)), 250*time.Millisecond)))
			r.rest(l)
		case "ws":
			flush(l.TSent)
			u, _ := url.Parse(l.URL)
			st, err := r.connect(ctx, u.RequestURI(), l.wsAuth())
			if err != nil || st != l.Status {
				r.failf("ws %s: status %d (%v), want %d", l.URL, st, err, l.Status)
			}
		case "note":
			flush(l.T)
			r.note(l)
		}
	}
	flush(1e12)
	time.Sleep(100 * time.Millisecond)
	r.mu.Lock()
	for i, ev := range r.evs {
		if !r.taken[i] && !noisy(ev) {
			r.failf("extra event %s for %s", ev["type"], evKey(ev))
		}
	}
	r.mu.Unlock()
	if len(r.noisyMissing) > 0 {
		t.Logf("%s: loosely compared events not reproduced: %v", file, r.noisyMissing)
	}
	return r.fails
}

func (l tline) wsAuth() string {
	if l.Headers == nil || l.Status == 101 {
		return ""
	}
	if l.Status == 401 {
		return "liandong:wrong"
	}
	return ""
}

// TestConformance replays every recorded transcript (06 without its RTP).
func TestConformance(t *testing.T) {
	files := []string{"01-inbound-playback-dtmf.jsonl", "02-ari-hangup.jsonl", "03-mixing-bridge-agent.jsonl",
		"04-hold-moh.jsonl", "05-warm-transfer.jsonl", "06-external-media.jsonl", "07-errors.jsonl", "08-no-app-connected.jsonl", "09-http-media.jsonl",
		"10-agent-busy-noanswer.jsonl", "11-record-snoop.jsonl"}
	if testing.Short() {
		files = files[:2]
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(f, ".jsonl"), func(t *testing.T) {
			t.Parallel()
			fails := replay(t, f)
			sort.Strings(fails)
			for _, m := range fails {
				t.Error(m)
			}
		})
	}
}
