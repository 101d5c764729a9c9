package pbxsim_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"liandong/gateway/pbxsim"
	"liandong/gateway/pbxsim/pbxsimtest"
)

type evClient struct {
	t   *testing.T
	c   *websocket.Conn
	evs chan map[string]any
}

func dialRaw(s *pbxsim.Server, query ...string) (*websocket.Conn, error) {
	q := "app=liandong"
	if len(query) > 0 {
		q = query[0]
	}
	h := http.Header{}
	h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(pbxsimtest.User+":"+pbxsimtest.Password)))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws://"+s.Addr()+"/ari/events?"+q, &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		return nil, err
	}
	c.SetReadLimit(8 << 20)
	return c, nil
}

func dialEvents(t *testing.T, s *pbxsim.Server, query string, read bool) *evClient {
	t.Helper()
	c, err := dialRaw(s, query)
	if err != nil {
		t.Fatalf("dial events: %v", err)
	}
	ec := &evClient{t: t, c: c, evs: make(chan map[string]any, 1000)}
	t.Cleanup(func() { _ = c.CloseNow() })
	if read {
		go func() {
			defer close(ec.evs)
			for {
				_, data, err := c.Read(context.Background())
				if err != nil {
					return
				}
				var ev map[string]any
				if json.Unmarshal(data, &ev) == nil {
					ec.evs <- ev
				}
			}
		}()
	}
	return ec
}

// next returns the next event, failing after timeout.
func (ec *evClient) next(timeout time.Duration) map[string]any {
	ec.t.Helper()
	select {
	case ev, ok := <-ec.evs:
		if !ok {
			ec.t.Fatal("event socket closed")
		}
		return ev
	case <-time.After(timeout):
		ec.t.Fatal("no event")
	}
	return nil
}

// expect reads events until one of type typ arrives (skipping others) and returns it.
func (ec *evClient) expect(typ string) map[string]any {
	ec.t.Helper()
	for {
		ev := ec.next(3 * time.Second)
		if ev["type"] == typ {
			return ev
		}
	}
}

func (ec *evClient) none(d time.Duration) {
	ec.t.Helper()
	select {
	case ev, ok := <-ec.evs:
		if ok {
			ec.t.Fatalf("unexpected event %v", ev["type"])
		}
	case <-time.After(d):
	}
}

func TestInboundCallFlow(t *testing.T) {
	s := pbxsimtest.Start(t)
	ec := dialEvents(t, s, "app=liandong", true)
	id, err := s.Call(context.Background(), pbxsim.CallSpec{To: "12345", CallerNumber: "13800138000"})
	if err != nil {
		t.Fatal(err)
	}
	ev := ec.expect("StasisStart")
	ch := ev["channel"].(map[string]any)
	if ch["id"] != id || ch["state"] != "Ring" || ev["application"] != "liandong" || ev["asterisk_id"] == "" {
		t.Fatalf("StasisStart = %v", ev)
	}
	if _, err := time.Parse("2006-01-02T15:04:05.000-0700", ev["timestamp"].(string)); err != nil {
		t.Errorf("timestamp %q: %v", ev["timestamp"], err)
	}
	if st, _, _ := do(t, s, "POST", "/ari/channels/"+id+"/answer", "", true); st != 204 {
		t.Fatalf("answer = %d", st)
	}
	ec.expect("ChannelStateChange")
	st, h, body := do(t, s, "POST", "/ari/channels/"+id+"/play?media=sound:hello-world", "", true)
	if st != 201 || !strings.HasPrefix(h.Get("Location"), "/ari/playbacks/") {
		t.Fatalf("play = %d %s", st, body)
	}
	ec.expect("PlaybackStarted")
	if err := s.SendDTMF(id, "5", 120*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	d := ec.expect("ChannelDtmfReceived")
	if d["digit"] != "5" || d["duration_ms"] != float64(120) {
		t.Errorf("dtmf = %v", d)
	}
	if fin := ec.expect("PlaybackFinished"); fin["playback"].(map[string]any)["state"] != "done" {
		t.Errorf("finished = %v", fin)
	}
	info, err := s.Channel(id)
	if err != nil || len(info.Heard) != 1 || info.Heard[0] != "sound:hello-world" {
		t.Errorf("heard = %v, %v", info.Heard, err)
	}
	if err := s.HangupRemote(id); err != nil {
		t.Fatal(err)
	}
	hr := ec.expect("ChannelHangupRequest")
	if _, ok := hr["cause"]; ok {
		t.Errorf("remote hangup has a cause: %v", hr)
	}
	ec.expect("StasisEnd")
	ec.none(200 * time.Millisecond) // no ChannelDestroyed for a channel back in the dialplan
	if st, _, _ := do(t, s, "GET", "/ari/channels/"+id, "", true); st != 404 {
		t.Errorf("get after hangup = %d", st)
	}
}

func TestApplicationReplaced(t *testing.T) {
	s := pbxsimtest.Start(t)
	first := dialEvents(t, s, "app=liandong", true)
	second := dialEvents(t, s, "app=liandong", true)
	if ev := first.next(2 * time.Second); ev["type"] != "ApplicationReplaced" || ev["application"] != "liandong" {
		t.Fatalf("first socket got %v", ev)
	}
	if _, err := s.Call(context.Background(), pbxsim.CallSpec{To: "110", CallerNumber: "13800138000"}); err != nil {
		t.Fatal(err)
	}
	second.expect("StasisStart")
	first.none(200 * time.Millisecond)
}

func TestInjectStallDrop(t *testing.T) {
	s := pbxsimtest.Start(t)
	ec := dialEvents(t, s, "app=liandong", true)
	if err := s.InjectEvent("liandong", []byte(`{"type":"ChannelToneDetected","channel":{"id":"x"}}`)); err != nil {
		t.Fatal(err)
	}
	if ev := ec.next(2 * time.Second); ev["type"] != "ChannelToneDetected" || ev["application"] != "liandong" {
		t.Fatalf("injected = %v", ev)
	}
	if n := s.StallSockets("liandong", true); n != 1 {
		t.Fatalf("stalled %d sockets", n)
	}
	for _, typ := range []string{"A1", "A2"} {
		if err := s.InjectEvent("liandong", []byte(`{"type":"`+typ+`"}`)); err != nil {
			t.Fatal(err)
		}
	}
	ec.none(150 * time.Millisecond)
	s.StallSockets("liandong", false)
	if a, b := ec.next(2*time.Second), ec.next(2*time.Second); a["type"] != "A1" || b["type"] != "A2" {
		t.Fatalf("after stall: %v, %v", a["type"], b["type"])
	}
	if n := s.DropSockets("liandong"); n != 1 {
		t.Fatalf("dropped %d", n)
	}
	select {
	case _, ok := <-ec.evs:
		if ok {
			t.Fatal("event after drop")
		}
	case <-time.After(2 * time.Second):
		t.Fatal("socket not closed")
	}
}

func TestSlowReaderDropped(t *testing.T) {
	s := pbxsimtest.Start(t, pbxsim.Options{WriteTimeout: 50 * time.Millisecond})
	dialEvents(t, s, "app=liandong", false) // never reads
	big := `{"type":"Big","pad":"` + strings.Repeat("x", 1<<20) + `"}`
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if err := s.InjectEvent("liandong", []byte(big)); err != nil {
			return // the socket was dropped: the app is gone
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("a socket that does not read was never dropped")
}

func TestOriginateBusyAndRestart(t *testing.T) {
	s := pbxsimtest.Start(t)
	ec := dialEvents(t, s, "app=liandong", true)
	if err := s.SetBehaviour("PJSIP/agent1001", pbxsim.Behaviour{Mode: pbxsim.ModeBusy, RingFor: 50 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	st, _, body := do(t, s, "POST", "/ari/channels?endpoint=PJSIP/agent1001&app=liandong&appArgs=agent", `{"variables":{"CASE":"1"}}`, true)
	if st != 200 || !strings.Contains(body, `"state":"Down"`) {
		t.Fatalf("originate = %d %s", st, body)
	}
	var got []string
	for len(got) < 6 {
		ev := ec.next(3 * time.Second)
		typ := ev["type"].(string)
		if typ == "Dial" {
			typ += ":" + ev["dialstatus"].(string)
		}
		got = append(got, typ)
	}
	want := "Dial:,ChannelStateChange,Dial:RINGING,ChannelHangupRequest,Dial:BUSY,ChannelDestroyed"
	if strings.Join(got, ",") != want {
		t.Errorf("busy leg = %s, want %s", strings.Join(got, ","), want)
	}
	if _, err := s.Call(context.Background(), pbxsim.CallSpec{To: "12345", CallerNumber: "13800138000"}); err != nil {
		t.Fatal(err)
	}
	ec.expect("StasisStart")
	s.Restart()
	if ids := s.ChannelIDs(); len(ids) != 0 {
		t.Errorf("channels after restart: %v", ids)
	}
	select {
	case <-waitClosed(ec):
	case <-time.After(2 * time.Second):
		t.Fatal("socket survived restart")
	}
}

func waitClosed(ec *evClient) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		for range ec.evs {
		}
		close(done)
	}()
	return done
}

func TestControlAPI(t *testing.T) {
	s := pbxsimtest.Start(t)
	ec := dialEvents(t, s, "app=liandong", true)
	st, _, body := do(t, s, "POST", "/sim/calls", `{"to":"12345","caller_number":"13900001111"}`, false)
	if st != 201 {
		t.Fatalf("call = %d %s", st, body)
	}
	var out struct {
		ChannelID string `json:"channel_id"`
	}
	_ = json.Unmarshal([]byte(body), &out)
	ev := ec.expect("StasisStart")
	if ev["channel"].(map[string]any)["caller"].(map[string]any)["number"] != "13900001111" {
		t.Errorf("caller = %v", ev["channel"])
	}
	if st, _, body = do(t, s, "POST", "/sim/channels/"+out.ChannelID+"/dtmf", `{"digits":"1#","duration_ms":200}`, false); st != 204 {
		t.Fatalf("dtmf = %d %s", st, body)
	}
	ec.expect("ChannelDtmfReceived")
	ec.expect("ChannelDtmfReceived")
	if st, _, _ = do(t, s, "PUT", "/sim/endpoints/PJSIP/agent1001/behaviour", `{"behaviour":"noanswer"}`, false); st != 204 {
		t.Errorf("behaviour = %d", st)
	}
	if st, _, _ = do(t, s, "PUT", "/sim/endpoints/PJSIP/agent1001/behaviour", `{"behaviour":"sing"}`, false); st != 400 {
		t.Errorf("bad behaviour = %d", st)
	}
	if st, _, _ = do(t, s, "POST", "/sim/events", `{"app":"liandong","event":{"type":"RESTResponse"}}`, false); st != 204 {
		t.Errorf("inject = %d", st)
	}
	ec.expect("RESTResponse")
	if st, _, _ = do(t, s, "POST", "/sim/channels/"+out.ChannelID+"/hangup", "", false); st != 204 {
		t.Errorf("hangup = %d", st)
	}
	ec.expect("StasisEnd")
	if st, _, _ = do(t, s, "POST", "/sim/channels/nope/hangup", "", false); st != 404 {
		t.Errorf("hangup unknown = %d", st)
	}
}

func TestSubscribeAllSeesChannelCreated(t *testing.T) {
	s := pbxsimtest.Start(t)
	dialEvents(t, s, "app=liandong", true)
	all := dialEvents(t, s, "app=watcher&subscribeAll=true", true)
	id, err := s.Call(context.Background(), pbxsim.CallSpec{To: "12345", CallerNumber: "13800138000"})
	if err != nil {
		t.Fatal(err)
	}
	ev := all.expect("ChannelCreated")
	if ev["channel"].(map[string]any)["id"] != id || ev["application"] != "watcher" {
		t.Errorf("ChannelCreated = %v", ev)
	}
	all.expect("StasisStart")
}

func TestMoveBetweenApps(t *testing.T) {
	s := pbxsimtest.Start(t)
	a := dialEvents(t, s, "app=liandong", true)
	b := dialEvents(t, s, "app=other", true)
	id, err := s.Call(context.Background(), pbxsim.CallSpec{To: "12345", CallerNumber: "13800138000"})
	if err != nil {
		t.Fatal(err)
	}
	a.expect("StasisStart")
	if st, _, body := do(t, s, "POST", "/ari/channels/"+id+"/move?app=other&appArgs=x,y", "", true); st != 204 {
		t.Fatalf("move = %d %s", st, body)
	}
	a.expect("StasisEnd")
	ev := b.expect("StasisStart")
	if args, _ := json.Marshal(ev["args"]); string(args) != `["x","y"]` {
		t.Errorf("args = %s", args)
	}
	if st, _, _ := do(t, s, "GET", "/ari/asterisk/info?only=system", "", true); st != 200 {
		t.Errorf("info only = %d", st)
	}
}

func TestDialplanDial(t *testing.T) {
	routes := append(pbxsim.LabRoutes("liandong"),
		pbxsim.Route{Context: "from-pstn", Exten: "1001", Steps: []string{"Dial(PJSIP/agent1001,5)", "Set(AFTER=${DIALSTATUS})", "Hangup()"}},
		pbxsim.Route{Context: "from-pstn", Exten: "1002", Steps: []string{"Dial(PJSIP/agent1002,5)", "UserEvent(Dialled,status: x)", "Hangup()"}})
	s := pbxsimtest.Start(t, pbxsim.Options{Routes: routes})
	watch := dialEvents(t, s, "app=watch&subscribeAll=true", true)
	if err := s.SetBehaviour("PJSIP/agent1002", pbxsim.Behaviour{Mode: pbxsim.ModeBusy, RingFor: 20 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	caller, err := s.Call(context.Background(), pbxsim.CallSpec{To: "1002", CallerNumber: "13800138000"})
	if err != nil {
		t.Fatal(err)
	}
	for {
		ev := watch.next(3 * time.Second)
		if ev["type"] == "ChannelVarset" && ev["variable"] == "DIALSTATUS" {
			if ev["value"] != "BUSY" {
				t.Fatalf("DIALSTATUS = %v", ev["value"])
			}
			break
		}
	}
	watch.expect("ChannelUserevent")
	_ = caller
	if _, err := s.Call(context.Background(), pbxsim.CallSpec{To: "1001", CallerNumber: "13800138000"}); err != nil {
		t.Fatal(err)
	}
	for {
		ev := watch.next(3 * time.Second)
		if ev["type"] == "ChannelVarset" && ev["variable"] == "DIALSTATUS" {
			if ev["value"] != "ANSWER" {
				t.Fatalf("DIALSTATUS = %v", ev["value"])
			}
			break
		}
	}
}

func TestEndedCauses(t *testing.T) {
	s := pbxsimtest.Start(t)
	ec := dialEvents(t, s, "app=liandong", true)
	tests := []struct {
		query    string
		answer   bool
		wantSIP  int
		wantCode int
	}{
		{"reason=busy", false, 486, 17},
		{"reason_code=21", false, 403, 21},
		{"reason=normal", true, 0, 16},
	}
	for _, tt := range tests {
		id, err := s.Call(context.Background(), pbxsim.CallSpec{To: "12345", CallerNumber: "13800138000"})
		if err != nil {
			t.Fatal(err)
		}
		ec.expect("StasisStart")
		if tt.answer {
			do(t, s, "POST", "/ari/channels/"+id+"/answer", "", true)
		}
		if st, _, _ := do(t, s, "DELETE", "/ari/channels/"+id+"?"+tt.query, "", true); st != 204 {
			t.Fatalf("hangup = %d", st)
		}
		ec.expect("StasisEnd")
		st, _, body := do(t, s, "GET", "/sim/channels/"+id+"/ended", "", false)
		var e pbxsim.Ended
		_ = json.Unmarshal([]byte(body), &e)
		if st != 200 || e.SIP != tt.wantSIP || e.Cause != tt.wantCode || e.Answered != tt.answer {
			t.Errorf("%s: ended = %d %s", tt.query, st, body)
		}
	}
	// No app connected: Stasis() fails and the caller is declined (603).
	s2 := pbxsimtest.Start(t)
	id, err := s2.Call(context.Background(), pbxsim.CallSpec{To: "12345", CallerNumber: "13800138000"})
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if e, ok := s2.EndedChannel(id); ok {
			if e.SIP != 603 {
				t.Errorf("no app: ended = %+v", e)
			}
			return
		}
	}
	t.Error("no app: call not ended")
}
