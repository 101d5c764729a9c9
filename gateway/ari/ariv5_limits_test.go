package ari

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/CyCoreSystems/ari/v5"
	"github.com/CyCoreSystems/ari/v5/client/native"
	"github.com/CyCoreSystems/ari/v5/stdbus"
)

// TestAriV5Limits pins the ari/v5 v5.3.1 behaviours the adapter works
// around (docs/ari-adapter.md). If one of these starts failing, ari/v5
// changed and the adapter's workaround may be revisited.
func TestAriV5Limits(t *testing.T) {
	t.Run("unknown type does not decode", func(t *testing.T) {
		e, err := ari.DecodeEvent([]byte(`{"type":"ChannelToneDetected","channel":{"id":"1"}}`))
		if err == nil || e != nil {
			t.Fatalf("DecodeEvent = %v, %v; the native client would hand this nil to its bus", e, err)
		}
	})
	t.Run("object variables fail TextMessageReceived", func(t *testing.T) {
		_, err := ari.DecodeEvent([]byte(`{"type":"TextMessageReceived","message":{"from":"a","to":"b","body":"c","variables":{"k":"v"}},"endpoint":{"technology":"PJSIP","resource":"x"}}`))
		if err == nil {
			t.Fatal("decoded")
		}
	})
	t.Run("ApplicationReplaced has no key", func(t *testing.T) {
		e, err := ari.DecodeEvent([]byte(`{"type":"ApplicationReplaced","application":"liandong"}`))
		if err != nil || len(e.Keys()) != 0 {
			t.Fatalf("keys %v, err %v", e.Keys(), err)
		}
		bus := stdbus.New()
		defer bus.Close()
		sub := bus.Subscribe(ari.NewKey("", ""), ari.Events.All)
		bus.Send(e)
		select {
		case <-sub.Events():
			t.Fatal("delivered")
		default:
		}
	})
	t.Run("bus drops past 100 queued", func(t *testing.T) {
		bus := stdbus.New()
		defer bus.Close()
		sub := bus.Subscribe(ari.NewKey(ari.ChannelKey, "c1"), ari.Events.All)
		e, _ := ari.DecodeEvent([]byte(varset("c1", 1)))
		for i := 0; i < 150; i++ {
			bus.Send(e)
		}
		got := 0
		for len(sub.Events()) > 0 {
			<-sub.Events()
			got++
		}
		if got != 100 {
			t.Fatalf("got %d of 150", got)
		}
	})
	t.Run("Close leaves subscriptions open", func(t *testing.T) {
		bus := stdbus.New()
		subs := make([]ari.Subscription, 8)
		for i := range subs {
			subs[i] = bus.Subscribe(ari.NewKey(ari.ChannelKey, "c"), ari.Events.All)
		}
		bus.Close()
		open := 0
		for _, s := range subs {
			select {
			case _, ok := <-s.Events():
				if ok {
					t.Fatal("event on an idle subscription")
				}
			default:
				open++
			}
		}
		if open == 0 {
			t.Fatal("every subscription was closed")
		}
		t.Logf("%d of %d subscriptions left open by bus.Close", open, len(subs))
		for _, s := range subs {
			s.Cancel()
		}
	})
	t.Run("ChannelData drops language", func(t *testing.T) {
		var cd ari.ChannelData
		if err := json.Unmarshal([]byte(`{"id":"1","language":"zh","protocol_id":"p"}`), &cd); err != nil {
			t.Fatal(err)
		}
		if cd.Language != "" {
			t.Fatalf("language %q kept", cd.Language)
		}
		var c Channel
		must(t, json.Unmarshal([]byte(`{"id":"1","language":"zh","protocol_id":"p"}`), &c))
		if c.Language != "zh" || c.ProtocolID != "p" || c.ID != "1" {
			t.Fatalf("adapter Channel: %+v", c)
		}
	})
}

// TestAriV5PanicsOnUnknownEvent runs ari/v5's own native client in a child
// process against the fake Asterisk and sends one ChannelToneDetected: the
// library's reader goroutine panics (as soon as its bus has a subscriber)
// and takes the process down. The adapter
// therefore reads the socket itself.
func TestAriV5PanicsOnUnknownEvent(t *testing.T) {
	if os.Getenv("LIANDONG_ARIV5_CHILD") == "1" {
		runNativeClientChild(t)
		return
	}
	if testing.Short() {
		t.Skip("spawns a child process")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestAriV5PanicsOnUnknownEvent$", "-test.count=1")
	cmd.Env = append(os.Environ(), "LIANDONG_ARIV5_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "panic: runtime error: invalid memory address or nil pointer dereference") ||
		!strings.Contains(string(out), "stdbus.(*bus).Send") {
		t.Fatalf("child did not panic in ari/v5's bus (err %v):\n%s", err, out)
	}
}

func runNativeClientChild(t *testing.T) {
	f := newFakeARI(t)
	f.handle("GET", "/ari/asterisk/info", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"system": map[string]string{"entity_id": "02:fc:00:00:00:01", "version": "22.10.1"}})
	})
	cl, err := native.Connect(&native.Options{
		Application:  f.app,
		URL:          f.srv.URL + "/ari",
		WebsocketURL: strings.Replace(f.srv.URL, "http", "ws", 1) + "/ari/events",
		Username:     f.user,
		Password:     f.pass,
	})
	if err != nil {
		t.Fatalf("native connect: %v", err)
	}
	defer cl.Close()
	// Any subscriber at all: a gateway always has one (StasisStart).
	sub := cl.Bus().Subscribe(ari.NewKey(ari.ChannelKey, ""), ari.Events.StasisStart)
	defer sub.Cancel()
	extra := strings.Split(readFile(t, "testdata/extra-events.jsonl"), "\n")
	f.mustSend(t, extra[0]) // ChannelToneDetected
	time.Sleep(3 * time.Second)
	t.Log("no panic")
}

func TestChannelJSONRoundTrip(t *testing.T) {
	var c Channel
	must(t, json.Unmarshal([]byte(`{"id":"1795858469.0","name":"PJSIP/pstn-00000000","state":"Ring","protocol_id":"1-27388@127.0.0.1","caller":{"name":"","number":"13800138000"},"creationtime":"2026-11-28T09:34:29.901+0000","language":"zh"}`), &c))
	b, err := json.Marshal(c)
	must(t, err)
	var back Channel
	must(t, json.Unmarshal(b, &back))
	if back.ID != c.ID || back.Language != "zh" || back.ProtocolID != "1-27388@127.0.0.1" || back.Caller.Number != "13800138000" || back.State != "Ring" {
		t.Fatalf("round trip lost fields: %s", b)
	}
	if b2, _ := json.Marshal(&c); string(b2) != string(b) {
		t.Fatalf("pointer and value encode differently:\n%s\n%s", b, b2)
	}
}
