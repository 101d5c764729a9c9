package pbxsim_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"liandong/gateway/pbxsim"
	"liandong/gateway/pbxsim/pbxsimtest"
)

type obsLog struct {
	mu  sync.Mutex
	log []string
}

func (l *obsLog) add(f string, a ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.log = append(l.log, fmt.Sprintf(f, a...))
}

func (l *obsLog) ChannelUp(ch pbxsim.MediaChannel) {
	l.add("up %s rtp=%v %s %s", ch.Tech, ch.RTP != nil, ch.Remote, ch.Format)
}
func (l *obsLog) ChannelGone(id string) { l.add("gone") }
func (l *obsLog) BridgeChanged(id, kind string, ids []string) {
	l.add("bridge %s %d", kind, len(ids))
}
func (l *obsLog) PlaybackStarted(id, target, uri string) { l.add("play %s", uri) }
func (l *obsLog) PlaybackStopped(id, target string)      { l.add("stop") }
func (l *obsLog) MOH(target, class string)               { l.add("moh %s %s", strings.Split(target, ":")[0], class) }

func (l *obsLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.log, "|")
}

func TestMediaObserver(t *testing.T) {
	obs := &obsLog{}
	s := pbxsimtest.Start(t, pbxsim.Options{Observer: obs})
	ec := dialEvents(t, s, "app=liandong", true)
	id, err := s.Call(context.Background(), pbxsim.CallSpec{To: "12345", CallerNumber: "13800138000"})
	if err != nil {
		t.Fatal(err)
	}
	ec.expect("StasisStart")
	for _, req := range []string{
		"/ari/channels/" + id + "/answer",
		"/ari/bridges?bridgeId=b1",
		"/ari/bridges/b1/addChannel?channel=" + id,
		"/ari/bridges/b1/moh",
		"/ari/channels/externalMedia?app=liandong&external_host=127.0.0.1:40000&format=ulaw&channelId=em1",
	} {
		if st, _, body := do(t, s, "POST", req, "", true); st >= 300 {
			t.Fatalf("%s = %d %s", req, st, body)
		}
	}
	ec.expect("StasisStart")
	do(t, s, "POST", "/ari/bridges/b1/addChannel?channel=em1", "", true)
	do(t, s, "POST", "/ari/channels/"+id+"/play?media=sound:hello-world", "", true)
	ec.expect("PlaybackStarted")
	do(t, s, "DELETE", "/ari/channels/"+id, "", true)
	ec.expect("StasisEnd")
	time.Sleep(50 * time.Millisecond)
	want := "up PJSIP rtp=false  |bridge mixing 1|moh bridge default|up UnicastRTP rtp=true 127.0.0.1:40000 ulaw|bridge mixing 2|play sound:hello-world|stop|bridge mixing 1|gone"
	if got := obs.String(); got != want {
		t.Errorf("observer:\n got %s\nwant %s", got, want)
	}
}
