package pbxsim_test

import (
	"context"
	"testing"
	"time"

	"liandong/gateway/pbxsim"
	"liandong/gateway/pbxsim/pbxsimtest"
)

// Without real media: terminateOn still ends a recording on the key, the beep
// is heard (listed) after RecordingStarted, and stored recordings play for
// their length as recording:NAME.
func TestRecordOptionsWithoutMedia(t *testing.T) {
	s := pbxsimtest.Start(t)
	ec := dialEvents(t, s, "app=liandong", true)
	id, err := s.Call(context.Background(), pbxsim.CallSpec{To: "12345", CallerNumber: "13800138000"})
	if err != nil {
		t.Fatal(err)
	}
	ec.expect("StasisStart")
	if st, _, _ := do(t, s, "POST", "/ari/channels/"+id+"/answer", "", true); st != 204 {
		t.Fatalf("answer = %d", st)
	}
	begun := time.Now()
	if st, _, body := do(t, s, "POST", "/ari/channels/"+id+"/record?name=r1&format=wav&beep=true&terminateOn=%23", "", true); st != 201 {
		t.Fatalf("record = %d %s", st, body)
	}
	// Asterisk publishes RecordingStarted before playing the beep.
	ec.expect("RecordingStarted")
	if d := time.Since(begun); d > 200*time.Millisecond {
		t.Errorf("RecordingStarted %v after the request, want at once (before the beep)", d)
	}
	ch, err := s.Channel(id)
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.Heard) == 0 || ch.Heard[len(ch.Heard)-1] != "tone:1000" {
		t.Errorf("heard %v, want the beep tone:1000", ch.Heard)
	}
	time.Sleep(500 * time.Millisecond)
	if err := s.SendDTMF(id, "1#", 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	ev := ec.expect("ChannelDtmfReceived")
	if ev["digit"] != "1" {
		t.Fatalf("first digit %v", ev["digit"])
	}
	ev = ec.expect("ChannelDtmfReceived")
	fin := ec.expect("RecordingFinished")
	rec := fin["recording"].(map[string]any)
	if ev["digit"] != "#" || rec["name"] != "r1" || rec["state"] != "done" {
		t.Fatalf("after # : %v, recording %v", ev["digit"], rec)
	}
	if d, _ := rec["duration"].(float64); d < 0 || d > 1 {
		t.Errorf("duration %v", rec["duration"])
	}
	st, _, body := do(t, s, "POST", "/ari/channels/"+id+"/play/p1?media=recording:r1", "", true)
	if st != 201 {
		t.Fatalf("play recording = %d %s", st, body)
	}
	ec.expect("PlaybackStarted")
	pf := ec.expect("PlaybackFinished")
	if pb := pf["playback"].(map[string]any); pb["state"] != "done" {
		t.Errorf("playback of a stored recording finished %v", pb["state"])
	}
}
