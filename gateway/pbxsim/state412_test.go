package pbxsim_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"liandong/gateway/pbxsim"
	"liandong/gateway/pbxsim/pbxsimtest"
)

// appSocket registers the test app by opening its event socket; it is
// closed when the test ends. ctx bounds the test's reads.
func appSocket(t *testing.T, s *pbxsim.Server) (context.Context, *websocket.Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	auth := http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(pbxsimtest.User+":"+pbxsimtest.Password))}}
	ws, _, err := websocket.Dial(ctx, "ws://"+s.Addr()+"/ari/events?app="+pbxsimtest.App, &websocket.DialOptions{HTTPHeader: auth})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.CloseNow() })
	return ctx, ws
}

// Asterisk refuses media, state and dialplan operations on an outbound
// channel not yet answered (Down, Rsrvd, Ringing) with 412, after the
// 404/409 checks and before the operation's own parameter checks; reading,
// variables, recording and hangup are allowed.
func TestUnansweredChannelState(t *testing.T) {
	s := pbxsimtest.Start(t)
	ctx, ws := appSocket(t, s)
	code, _, body := do(t, s, "POST", "/ari/channels/create?app="+pbxsimtest.App+"&endpoint=PJSIP/agent1001&channelId=down-1", "", true)
	if code != 200 || !strings.Contains(body, `"state":"Down"`) {
		t.Fatalf("create: %d %s", code, body)
	}
	const invalid = `{"message":"Channel in invalid state"}`
	tests := []struct {
		name, method, path string
		status             int
		want               string
	}{
		{"answer", "POST", "/ari/channels/down-1/answer", 412, invalid},
		{"ring", "POST", "/ari/channels/down-1/ring", 412, invalid},
		{"ring stop", "DELETE", "/ari/channels/down-1/ring", 412, invalid},
		{"play", "POST", "/ari/channels/down-1/play?media=sound:hello-world", 412, invalid},
		{"play with id", "POST", "/ari/channels/down-1/play/pb-1?media=sound:hello-world", 412, invalid},
		{"dtmf", "POST", "/ari/channels/down-1/dtmf?dtmf=1", 412, invalid},
		{"dtmf checked after the state", "POST", "/ari/channels/down-1/dtmf", 412, invalid},
		{"mute", "POST", "/ari/channels/down-1/mute?direction=both", 412, invalid},
		{"mute bad direction after the state", "POST", "/ari/channels/down-1/mute?direction=sideways", 412, invalid},
		{"unmute", "DELETE", "/ari/channels/down-1/mute?direction=both", 412, invalid},
		{"hold", "POST", "/ari/channels/down-1/hold", 412, invalid},
		{"unhold", "DELETE", "/ari/channels/down-1/hold", 412, invalid},
		{"moh", "POST", "/ari/channels/down-1/moh", 412, invalid},
		{"moh stop", "DELETE", "/ari/channels/down-1/moh", 412, invalid},
		{"silence", "POST", "/ari/channels/down-1/silence", 412, invalid},
		{"silence stop", "DELETE", "/ari/channels/down-1/silence", 412, invalid},
		{"continue", "POST", "/ari/channels/down-1/continue", 412, invalid},
		{"unknown channel first", "POST", "/ari/channels/nope/answer", 404, `{"message":"Channel not found"}`},
		{"get is allowed", "GET", "/ari/channels/down-1", 200, `"state":"Down"`},
		{"variable is allowed", "POST", "/ari/channels/down-1/variable?variable=X&value=1", 204, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, body := do(t, s, tt.method, tt.path, "", true)
			if code != tt.status || !strings.Contains(body, tt.want) {
				t.Fatalf("%s %s: %d %s, want %d %s", tt.method, tt.path, code, body, tt.status, tt.want)
			}
		})
	}
	// Once the phone answers, the same operations work.
	if code, _, body := do(t, s, "POST", "/ari/channels/down-1/dial", "", true); code != 204 {
		t.Fatalf("dial: %d %s", code, body)
	}
	for {
		_, b, err := ws.Read(ctx)
		if err != nil {
			t.Fatalf("waiting for the answer: %v", err)
		}
		if strings.Contains(string(b), `"type":"ChannelStateChange"`) && strings.Contains(string(b), `"state":"Up"`) {
			break
		}
	}
	if code, _, body := do(t, s, "POST", "/ari/channels/down-1/mute?direction=sideways", "", true); code != 400 || !strings.Contains(body, "Invalid direction specified") {
		t.Fatalf("mute once up: %d %s", code, body)
	}
	if code, _, body := do(t, s, "POST", "/ari/channels/down-1/hold", "", true); code != 204 {
		t.Fatalf("hold once up: %d %s", code, body)
	}
}
