package ari

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestOperationRequests pins what every operation sends: method, path,
// query parameters (names as in Asterisk's ARI), JSON body.
func TestOperationRequests(t *testing.T) {
	f := newFakeARI(t)
	var mu sync.Mutex
	var got string
	f.fallback = func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = r.Method + " " + r.URL.Path
		if q := r.URL.Query().Encode(); q != "" {
			got += "?" + q
		}
		if len(b) > 0 {
			got += " " + strings.TrimSpace(string(b))
		}
		mu.Unlock()
		writeJSON(w, 200, map[string]any{"id": "x"})
	}
	n := newNode(f.cfg(), testOptions().withDefaults(), newMailbox())
	ctx := context.Background()
	drop2 := func(_ any, err error) error { return err }
	vs := map[string]string{"LIANDONG_CASE": "c-1"}
	for _, tc := range []struct {
		name string
		call func() error
		want string
	}{
		{"answer", func() error { return n.Answer(ctx, "c/1") }, "POST /ari/channels/c/1/answer"},
		{"hangup", func() error { return n.Hangup(ctx, "c1", "busy") }, "DELETE /ari/channels/c1?reason=busy"},
		{"hangup no reason", func() error { return n.Hangup(ctx, "c1", "") }, "DELETE /ari/channels/c1"},
		{"ring", func() error { return n.Ring(ctx, "c1") }, "POST /ari/channels/c1/ring"},
		{"stop ring", func() error { return n.StopRing(ctx, "c1") }, "DELETE /ari/channels/c1/ring"},
		{"moh", func() error { return n.StartMOH(ctx, "c1", "default") }, "POST /ari/channels/c1/moh?mohClass=default"},
		{"stop moh", func() error { return n.StopMOH(ctx, "c1") }, "DELETE /ari/channels/c1/moh"},
		{"hold", func() error { return n.Hold(ctx, "c1") }, "POST /ari/channels/c1/hold"},
		{"unhold", func() error { return n.Unhold(ctx, "c1") }, "DELETE /ari/channels/c1/hold"},
		{"mute", func() error { return n.Mute(ctx, "c1", "in") }, "POST /ari/channels/c1/mute?direction=in"},
		{"unmute", func() error { return n.Unmute(ctx, "c1", "") }, "DELETE /ari/channels/c1/mute"},
		{"dtmf", func() error { return n.SendDTMF(ctx, "c1", "12#") }, "POST /ari/channels/c1/dtmf?dtmf=12%23"},
		{"get var", func() error { return drop2(n.Var(ctx, "c1", "FOO")) }, "GET /ari/channels/c1/variable?variable=FOO"},
		{"set var", func() error { return n.SetVar(ctx, "c1", "FOO", "bar") }, "POST /ari/channels/c1/variable?value=bar&variable=FOO"},
		{"play", func() error { return drop2(n.Play(ctx, "c1", "pb1", "sound:a", "sound:b")) }, "POST /ari/channels/c1/play?media=sound%3Aa%2Csound%3Ab&playbackId=pb1"},
		{"stop playback", func() error { return n.StopPlayback(ctx, "pb1") }, "DELETE /ari/playbacks/pb1"},
		{"get playback", func() error { return drop2(n.Playback(ctx, "pb1")) }, "GET /ari/playbacks/pb1"},
		{"control playback", func() error { return n.ControlPlayback(ctx, "pb1", "pause") }, "POST /ari/playbacks/pb1/control?operation=pause"},
		{"originate", func() error {
			return drop2(n.Originate(ctx, OriginateParams{Endpoint: "PJSIP/agent1001", AppArgs: "agent", CallerID: `"12345" <12345>`,
				Timeout: 30 * time.Second, Variables: vs, ChannelID: "a1", OtherChannelID: "a2", Originator: "c1"}))
		}, `POST /ari/channels?app=liandong&appArgs=agent&callerId=%2212345%22+%3C12345%3E&channelId=a1&endpoint=PJSIP%2Fagent1001&originator=c1&otherChannelId=a2&timeout=30 {"variables":{"LIANDONG_CASE":"c-1"}}`},
		{"create", func() error {
			return drop2(n.CreateChannel(ctx, CreateParams{Endpoint: "PJSIP/agent1002", AppArgs: "agent,created", ChannelID: "a3"}))
		}, "POST /ari/channels/create?app=liandong&appArgs=agent%2Ccreated&channelId=a3&endpoint=PJSIP%2Fagent1002"},
		{"dial", func() error { return n.Dial(ctx, "a3", "c1", 20*time.Second) }, "POST /ari/channels/a3/dial?caller=c1&timeout=20"},
		{"external media", func() error {
			return drop2(n.ExternalMedia(ctx, ExternalMediaParams{ChannelID: "em1", ExternalHost: "127.0.0.1:40000", Format: "ulaw"}))
		}, "POST /ari/channels/externalMedia?app=liandong&channelId=em1&external_host=127.0.0.1%3A40000&format=ulaw"},
		{"snoop", func() error {
			return drop2(n.Snoop(ctx, "c1", SnoopParams{SnoopID: "s1", AppArgs: "snoop", Spy: "both"}))
		}, "POST /ari/channels/c1/snoop?app=liandong&appArgs=snoop&snoopId=s1&spy=both"},
		{"record", func() error {
			return drop2(n.Record(ctx, "c1", RecordParams{Name: "r1", Format: "wav", MaxDuration: 1500 * time.Millisecond, IfExists: "overwrite", Beep: true}))
		}, "POST /ari/channels/c1/record?beep=true&format=wav&ifExists=overwrite&maxDurationSeconds=2&name=r1"},
		{"stop recording", func() error { return n.StopRecording(ctx, "r1") }, "POST /ari/recordings/live/r1/stop"},
		{"continue", func() error {
			return n.ContinueInDialplan(ctx, "c1", DialplanTarget{Context: "from-pstn", Extension: "12345", Priority: 1})
		}, "POST /ari/channels/c1/continue?context=from-pstn&extension=12345&priority=1"},
		{"move", func() error { return n.Move(ctx, "c1", "other", "x") }, "POST /ari/channels/c1/move?app=other&appArgs=x"},
		{"get channel", func() error { return drop2(n.Channel(ctx, "c1")) }, "GET /ari/channels/c1"},
		{"create bridge", func() error { return drop2(n.CreateBridge(ctx, "b1", "mixing", "case-c")) }, "POST /ari/bridges?bridgeId=b1&name=case-c&type=mixing"},
		{"get bridge", func() error { return drop2(n.Bridge(ctx, "b1")) }, "GET /ari/bridges/b1"},
		{"destroy bridge", func() error { return n.DestroyBridge(ctx, "b1") }, "DELETE /ari/bridges/b1"},
		{"add channel", func() error {
			return n.AddChannel(ctx, "b1", AddChannelParams{Channels: []string{"c1", "c2"}, Role: "agent", AbsorbDTMF: true, Mute: true})
		}, "POST /ari/bridges/b1/addChannel?absorbDTMF=true&channel=c1%2Cc2&mute=true&role=agent"},
		{"remove channel", func() error { return n.RemoveChannel(ctx, "b1", "c1") }, "POST /ari/bridges/b1/removeChannel?channel=c1"},
		{"bridge moh", func() error { return n.StartBridgeMOH(ctx, "b1", "") }, "POST /ari/bridges/b1/moh"},
		{"stop bridge moh", func() error { return n.StopBridgeMOH(ctx, "b1") }, "DELETE /ari/bridges/b1/moh"},
		{"play bridge", func() error { return drop2(n.PlayBridge(ctx, "b1", "", "sound:q")) }, "POST /ari/bridges/b1/play?media=sound%3Aq"},
		{"record bridge", func() error { return drop2(n.RecordBridge(ctx, "b1", RecordParams{Name: "r2", Format: "wav"})) }, "POST /ari/bridges/b1/record?format=wav&name=r2"},
		{"subscribe app", func() error { return n.SubscribeApp(ctx, "bridge:b1") }, "POST /ari/applications/liandong/subscription?eventSource=bridge%3Ab1"},
		{"unsubscribe app", func() error { return n.UnsubscribeApp(ctx, "bridge:b1") }, "DELETE /ari/applications/liandong/subscription?eventSource=bridge%3Ab1"},
		{"info", func() error { return drop2(n.Info(ctx)) }, "GET /ari/asterisk/info"},
		{"ping", func() error { return drop2(n.Ping(ctx)) }, "GET /ari/asterisk/ping"},
	} {
		mu.Lock()
		got = ""
		mu.Unlock()
		if err := tc.call(); err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		mu.Lock()
		g := got
		mu.Unlock()
		if g != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, g, tc.want)
		}
	}
}

// TestEmptyArgumentsRejected: a missing id or parameter is a clear error
// before any request.
func TestEmptyArgumentsRejected(t *testing.T) {
	n := newNode(NodeConfig{Name: "n", URL: "http://127.0.0.1:1/ari", Username: "u", App: "a"}, testOptions().withDefaults(), newMailbox())
	ctx := context.Background()
	for name, err := range map[string]error{
		"hangup":        n.Hangup(ctx, "", ""),
		"dtmf":          n.SendDTMF(ctx, "c", ""),
		"var":           func() error { _, err := n.Var(ctx, "c", ""); return err }(),
		"originate":     func() error { _, err := n.Originate(ctx, OriginateParams{}); return err }(),
		"external host": func() error { _, err := n.ExternalMedia(ctx, ExternalMediaParams{Format: "ulaw"}); return err }(),
		"format":        func() error { _, err := n.ExternalMedia(ctx, ExternalMediaParams{ExternalHost: "h:1"}); return err }(),
		"record name":   func() error { _, err := n.Record(ctx, "c", RecordParams{Format: "wav"}); return err }(),
		"add channel":   n.AddChannel(ctx, "b", AddChannelParams{}),
		"remove":        n.RemoveChannel(ctx, "b"),
		"bridge id":     n.DestroyBridge(ctx, ""),
		"move":          n.Move(ctx, "c", "", ""),
		"control":       n.ControlPlayback(ctx, "p", ""),
		"subscribe app": n.SubscribeApp(ctx, ""),
	} {
		if err == nil || !strings.Contains(err.Error(), "is empty") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if id := NewID(); len(id) != 36 || id == NewID() || id[14] != '4' {
		t.Errorf("NewID = %q", id)
	}
}

// TestRESTAfterClose: once the client is closed, REST answers ErrClosed.
func TestRESTAfterClose(t *testing.T) {
	f := newFakeARI(t)
	c := openClient(t, f, testOptions())
	n := c.Nodes()[0]
	must(t, c.Close())
	if err := n.Answer(context.Background(), "c1"); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Fatalf("answer after close: %v", err)
	}
}
