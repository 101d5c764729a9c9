package pbxsim_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"liandong/gateway/pbxsim"
	"liandong/gateway/pbxsim/media"
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
	want := "up PJSIP rtp=false  alaw|bridge mixing 1|moh bridge default|up UnicastRTP rtp=true 127.0.0.1:40000 ulaw|bridge mixing 2|play sound:hello-world|stop|bridge mixing 1|gone"
	if got := obs.String(); got != want {
		t.Errorf("observer:\n got %s\nwant %s", got, want)
	}
}

// ctlLog also implements MediaControls.
type ctlLog struct{ obsLog }

func (l *ctlLog) Mute(id, dir string) { l.add("mute %s", dir) }
func (l *ctlLog) BridgeRole(b, id string, announcer, mute bool) {
	l.add("role %s announcer=%v mute=%v", b, announcer, mute)
}
func (l *ctlLog) Recording(id, target, state string) {
	l.add("rec %s %s %s", id, strings.Split(target, ":")[0], state)
}
func (l *ctlLog) Snoop(sn, target, spy, whisper string) { l.add("snoop %s %s", spy, whisper) }
func (l *ctlLog) RecordedAudio(id string) ([]int16, int, bool) {
	if id != "r1#1" {
		return nil, 0, false
	}
	return []int16{1000, -1000, 2000, -2000}, 8000, true
}

var _ pbxsim.MediaControls = (*ctlLog)(nil)

func TestMediaControls(t *testing.T) {
	obs := &ctlLog{}
	s := pbxsimtest.Start(t, pbxsim.Options{Observer: obs})
	ec := dialEvents(t, s, "app=liandong", true)
	id, err := s.Call(context.Background(), pbxsim.CallSpec{To: "12345", CallerNumber: "13800138000"})
	if err != nil {
		t.Fatal(err)
	}
	ec.expect("StasisStart")
	obs.mu.Lock()
	obs.log = nil
	obs.mu.Unlock()
	for _, rq := range []struct{ method, path string }{
		{"POST", "/ari/channels/" + id + "/mute?direction=in"},
		{"POST", "/ari/channels/" + id + "/mute?direction=out"},
		{"DELETE", "/ari/channels/" + id + "/mute?direction=in"},
		{"DELETE", "/ari/channels/" + id + "/mute"},
		// Recorded before it joins a bridge (Asterisk fails a bridged channel's recording).
		{"POST", "/ari/channels/" + id + "/record?name=r1&format=wav"},
		{"POST", "/ari/recordings/live/r1/pause"},
		{"DELETE", "/ari/recordings/live/r1/pause"},
		{"POST", "/ari/recordings/live/r1/mute"},
		{"DELETE", "/ari/recordings/live/r1/mute"},
		{"POST", "/ari/recordings/live/r1/stop"},
		{"POST", "/ari/bridges?bridgeId=b1&type=holding"},
		{"POST", "/ari/bridges/b1/addChannel?channel=" + id + "&role=announcer&mute=true"},
		{"POST", "/ari/bridges/b1/record?name=r1&format=ulaw&ifExists=overwrite"},
		{"DELETE", "/ari/recordings/live/r1"},
		{"POST", "/ari/channels/" + id + "/snoop?app=liandong&spy=both&whisper=in"},
	} {
		if st, _, body := do(t, s, rq.method, rq.path, "", true); st >= 300 {
			t.Fatalf("%s %s = %d %s", rq.method, rq.path, st, body)
		}
	}
	want := "mute in|mute both|mute out|mute |up PJSIP rtp=false  alaw|" +
		"rec r1#1 channel recording|rec r1#1 channel paused|rec r1#1 channel unpaused|rec r1#1 channel muted|rec r1#1 channel unmuted|rec r1#1 channel done|" +
		"bridge holding 1|role b1 announcer=true mute=true|rec r1#2 bridge recording|rec r1#2 bridge canceled|up Snoop rtp=false  slin|snoop both in"
	if got := obs.String(); got != want {
		t.Errorf("controls:\n got %s\nwant %s", got, want)
	}
	// The stored file is the media's audio (the cancelled overwrite kept the first).
	st, hdr, body := do(t, s, "GET", "/ari/recordings/stored/r1/file", "", true)
	if st != 200 || hdr.Get("Content-Type") != "audio/wav" {
		t.Fatalf("stored file = %d %s", st, hdr.Get("Content-Type"))
	}
	a, err := media.ParseWAV([]byte(body))
	if err != nil || a.Rate != 8000 || fmt.Sprint(a.Samples) != "[1000 -1000 2000 -2000]" {
		t.Errorf("stored file: %v rate %d samples %v, want the media's audio", err, a.Rate, a.Samples)
	}
}
