package pbxsim_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"liandong/gateway/pbxsim"
	"liandong/gateway/pbxsim/pbxsimtest"
)

// Recordings accepted with 201 that then fail, as res_stasis_recording.c's
// record_file reports them: RecordingFailed, state "failed", a cause, no
// duration, nothing stored.
func TestRecordingFailed(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(t *testing.T, s *pbxsim.Server, id string)
		target string // "channel" or "bridge"
		cause  string
	}{
		{"bridged channel", func(t *testing.T, s *pbxsim.Server, id string) {
			mustDo(t, s, "POST", "/ari/bridges?bridgeId=b1&type=mixing")
			mustDo(t, s, "POST", "/ari/bridges/b1/addChannel?channel="+id)
		}, "channel", pbxsim.CauseRecordInBridge},
		{"bridged channel in a holding bridge", func(t *testing.T, s *pbxsim.Server, id string) {
			mustDo(t, s, "POST", "/ari/bridges?bridgeId=b1&type=holding")
			mustDo(t, s, "POST", "/ari/bridges/b1/addChannel?channel="+id)
		}, "channel", pbxsim.CauseRecordInBridge},
		{"fault, default cause", func(t *testing.T, s *pbxsim.Server, id string) {
			s.FailRecordings("", 1)
		}, "channel", pbxsim.CauseRecordAnswer},
		{"fault on a bridge recording", func(t *testing.T, s *pbxsim.Server, id string) {
			mustDo(t, s, "POST", "/ari/bridges?bridgeId=b1&type=mixing")
			mustDo(t, s, "POST", "/ari/bridges/b1/addChannel?channel="+id)
			s.FailRecordings("disk full", 1)
		}, "bridge", "disk full"},
		{"fault via the control API", func(t *testing.T, s *pbxsim.Server, id string) {
			if st, _, body := do(t, s, "POST", "/sim/faults/recording", `{"cause":"Failed to answer channel"}`, false); st != 204 {
				t.Fatalf("POST /sim/faults/recording = %d %s", st, body)
			}
		}, "channel", pbxsim.CauseRecordAnswer},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := pbxsimtest.Start(t)
			ec := dialEvents(t, s, "app=liandong", true)
			id := stasisCaller(t, s, ec)
			tc.setup(t, s, id)
			path := "/ari/channels/" + id + "/record?name=f1&format=wav"
			target := "channel:" + id
			if tc.target == "bridge" {
				path, target = "/ari/bridges/b1/record?name=f1&format=wav", "bridge:b1"
			}
			if st, _, body := do(t, s, "POST", path, "", true); st != 201 {
				t.Fatalf("record = %d %s, want 201 (the failure comes as an event)", st, body)
			}
			ev := ec.expect("RecordingFailed")
			rec, _ := ev["recording"].(map[string]any)
			want := map[string]any{"name": "f1", "format": "wav", "state": "failed", "target_uri": target, "cause": tc.cause}
			for k, v := range want {
				if rec[k] != v {
					t.Errorf("recording.%s = %v, want %v", k, rec[k], v)
				}
			}
			if _, ok := rec["duration"]; ok {
				t.Errorf("RecordingFailed has a duration: %v", rec)
			}
			for _, p := range []string{"/ari/recordings/live/f1", "/ari/recordings/stored/f1"} {
				if st, _, _ := do(t, s, "GET", p, "", true); st != 404 {
					t.Errorf("GET %s = %d, want 404", p, st)
				}
			}
			// The fault is used up and the name is free: it records now on a
			// channel in no bridge.
			other := stasisCaller(t, s, ec)
			mustDo(t, s, "POST", "/ari/channels/"+other+"/record?name=f1&format=wav")
			ec.expect("RecordingStarted")
		})
	}
}

// A channel that hangs up during the beep: RecordingStarted came before the
// beep; RecordingFinished follows without a duration and nothing is stored.
func TestRecordingHangupDuringBeep(t *testing.T) {
	s := pbxsimtest.Start(t)
	ec := dialEvents(t, s, "app=liandong", true)
	id := stasisCaller(t, s, ec)
	mustDo(t, s, "POST", "/ari/channels/"+id+"/answer")
	mustDo(t, s, "POST", "/ari/channels/"+id+"/record?name=hb&format=wav&beep=true")
	ec.expect("RecordingStarted")
	if err := s.HangupRemote(id); err != nil {
		t.Fatal(err)
	}
	fin := ec.expect("RecordingFinished")
	rec, _ := fin["recording"].(map[string]any)
	if rec["state"] != "done" {
		t.Errorf("state %v, want done", rec["state"])
	}
	if _, ok := rec["duration"]; ok {
		t.Errorf("RecordingFinished after a hangup in the beep has a duration: %v", rec)
	}
	if st, _, _ := do(t, s, "GET", "/ari/recordings/stored/hb", "", true); st != 404 {
		t.Errorf("stored recording = %d, want 404", st)
	}
}

// record_file auto-answers a channel that is not up.
func TestRecordingAnswersChannel(t *testing.T) {
	s := pbxsimtest.Start(t)
	ec := dialEvents(t, s, "app=liandong", true)
	id := stasisCaller(t, s, ec)
	mustDo(t, s, "POST", "/ari/channels/"+id+"/record?name=aa&format=wav")
	ev := ec.expect("ChannelStateChange")
	if ch, _ := ev["channel"].(map[string]any); ch["state"] != "Up" {
		t.Errorf("state change to %v, want Up", ch["state"])
	}
	ec.expect("RecordingStarted")
	mustDo(t, s, "POST", "/ari/recordings/live/aa/stop")
	fin := ec.expect("RecordingFinished")
	if rec, _ := fin["recording"].(map[string]any); rec["state"] != "done" {
		t.Errorf("finished %v", rec)
	}
}

func stasisCaller(t *testing.T, s *pbxsim.Server, ec *evClient) string {
	t.Helper()
	id, err := s.Call(context.Background(), pbxsim.CallSpec{To: "12345", CallerNumber: "13800138000"})
	if err != nil {
		t.Fatal(err)
	}
	ec.expect("StasisStart")
	return id
}

func mustDo(t *testing.T, s *pbxsim.Server, method, path string) string {
	t.Helper()
	st, _, body := do(t, s, method, path, "", true)
	if st >= 300 {
		t.Fatalf("%s %s = %d %s", method, path, st, body)
	}
	return body
}

// Without media the stored file is silence of the recording's length, in the
// recording's format where there is an encoder (ogg has none: a WAV).
func TestStoredFileFormatsWithoutMedia(t *testing.T) {
	s := pbxsimtest.Start(t)
	ec := dialEvents(t, s, "app=liandong", true)
	formats := []struct {
		format string
		size   int // bytes of 1 s
		ct     string
	}{
		{"gsm", 50 * 33, "application/octet-stream"},
		{"g722", 8000, "application/octet-stream"},
		{"sln16", 32000, "application/octet-stream"},
		{"ogg", 44 + 16000, "application/octet-stream"},
		{"wav", 44 + 16000, "audio/wav"},
	}
	for _, f := range formats {
		id := stasisCaller(t, s, ec)
		mustDo(t, s, "POST", "/ari/channels/"+id+"/record?name=s-"+f.format+"&format="+f.format)
	}
	time.Sleep(1100 * time.Millisecond)
	for _, f := range formats {
		mustDo(t, s, "POST", "/ari/recordings/live/s-"+f.format+"/stop")
		st, hdr, body := do(t, s, "GET", "/ari/recordings/stored/s-"+f.format+"/file", "", true)
		if st != 200 || len(body) != f.size || hdr.Get("Content-Type") != f.ct {
			t.Errorf("%s: %d, %d bytes (%s), want %d bytes (%s)", f.format, st, len(body), hdr.Get("Content-Type"), f.size, f.ct)
		}
		if f.format == "gsm" && len(body) > 0 && body[0]>>4 != 0xD {
			t.Errorf("gsm file starts %#x", body[0])
		}
	}
}

// Request errors of channel and bridge recordings, in Asterisk's order
// (ast_ari_channels_record, ast_ari_bridges_record, stasis_app_control_record).
func TestRecordRequestErrors(t *testing.T) {
	s := pbxsimtest.Start(t)
	ec := dialEvents(t, s, "app=liandong", true)
	ch := stasisCaller(t, s, ec)
	bch := stasisCaller(t, s, ec)
	mustDo(t, s, "POST", "/ari/bridges?bridgeId=rb&type=mixing")
	mustDo(t, s, "POST", "/ari/bridges/rb/addChannel?channel="+bch)
	mustDo(t, s, "POST", "/ari/channels/"+ch+"/record?name=busy&format=wav")
	c, b := "/ari/channels/"+ch+"/record?", "/ari/bridges/rb/record?"
	tests := []struct {
		name, path string
		status     int
		msg        string
	}{
		{"no name", c + "format=wav", 400, "Missing parameter name"},
		{"no format", c + "name=x", 400, "Missing parameter format"},
		{"negative before the channel", "/ari/channels/nope/record?name=x&format=wav&maxDurationSeconds=-1", 400, "max_duration_seconds cannot be negative"},
		{"negative silence", c + "name=x&format=wav&maxSilenceSeconds=-3", 400, "max_silence_seconds cannot be negative"},
		{"unknown channel", "/ari/channels/nope/record?name=x&format=wav", 404, "Channel not found"},
		{"terminateOn before format (channel)", c + "name=x&format=mp4&terminateOn=5", 400, "terminateOn invalid"},
		{"ifExists invalid", c + "name=x&format=wav&ifExists=keep", 400, "ifExists invalid"},
		{"unknown format", c + "name=x&format=mp4", 422, "specified format is unknown on this system"},
		{"name escapes", c + "name=../x&format=wav", 400, "Recording name invalid"},
		{"name escapes deeper", c + "name=a/../../x&format=wav", 400, "Recording name invalid"},
		{"in progress", c + "name=busy&format=wav&ifExists=overwrite", 409, "Recording 'busy' already exists and can not be overwritten"},
		{"in progress on a bridge", b + "name=busy&format=wav", 409, "Recording 'busy' already exists and can not be overwritten"},
		{"format before terminateOn (bridge)", b + "name=x&format=mp4&terminateOn=5", 422, "specified format is unknown on this system"},
		{"recorder_format", b + "name=x&format=wav&recorder_format=mp4", 422, "specified recorder_format is unknown on this system"},
		{"bridge negative is EINVAL", b + "name=x&format=wav&maxDurationSeconds=-1", 500, "Error parsing request"},
		{"unknown bridge", "/ari/bridges/nope/record?name=x&format=wav", 404, "Bridge not found"},
		{"keywords ignore case", c + "name=ok1&format=wav&terminateOn=ANY&ifExists=Overwrite", 201, ""},
		{"subdirectory", b + "name=sub/dir/ok2&format=gsm&recorder_format=ulaw", 201, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, _, body := do(t, s, "POST", tc.path, "", true)
			if st != tc.status {
				t.Fatalf("status %d %s, want %d", st, body, tc.status)
			}
			if tc.msg != "" && !strings.Contains(body, `"message":"`+tc.msg+`"`) {
				t.Errorf("body %s, want message %q", body, tc.msg)
			}
		})
	}
}

// A cancelled recording still ends COMPLETE in record_file: RecordingFinished
// says "done", and nothing is stored. With maxSilenceSeconds the event splits
// the duration (without media nothing is silent).
func TestRecordingCancelAndSilenceFields(t *testing.T) {
	s := pbxsimtest.Start(t)
	ec := dialEvents(t, s, "app=liandong", true)
	id := stasisCaller(t, s, ec)
	mustDo(t, s, "POST", "/ari/channels/"+id+"/record?name=c1&format=wav&maxSilenceSeconds=5")
	ec.expect("RecordingStarted")
	mustDo(t, s, "DELETE", "/ari/recordings/live/c1")
	rec, _ := ec.expect("RecordingFinished")["recording"].(map[string]any)
	if rec["state"] != "done" || rec["duration"] != 0.0 || rec["talking_duration"] != 0.0 || rec["silence_duration"] != 0.0 {
		t.Errorf("cancelled: %v", rec)
	}
	if st, _, _ := do(t, s, "GET", "/ari/recordings/stored/c1", "", true); st != 404 {
		t.Errorf("cancelled recording stored: %d", st)
	}
	mustDo(t, s, "POST", "/ari/channels/"+id+"/record?name=c2&format=wav")
	ec.expect("RecordingStarted")
	mustDo(t, s, "POST", "/ari/recordings/live/c2/stop")
	rec, _ = ec.expect("RecordingFinished")["recording"].(map[string]any)
	if _, ok := rec["talking_duration"]; ok {
		t.Errorf("talking_duration without maxSilenceSeconds: %v", rec)
	}
}

// A bridge recording with beep: the members hear the beep, RecordingStarted
// comes first.
func TestBridgeRecordingBeep(t *testing.T) {
	s := pbxsimtest.Start(t)
	ec := dialEvents(t, s, "app=liandong", true)
	a := stasisCaller(t, s, ec)
	mustDo(t, s, "POST", "/ari/bridges?bridgeId=bb&type=mixing")
	mustDo(t, s, "POST", "/ari/bridges/bb/addChannel?channel="+a)
	mustDo(t, s, "POST", "/ari/bridges/bb/record?name=bb1&format=wav&beep=true")
	ec.expect("RecordingStarted")
	ch, err := s.Channel(a)
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.Heard) == 0 || ch.Heard[len(ch.Heard)-1] != "tone:1000" {
		t.Errorf("bridge member heard %v, want the beep", ch.Heard)
	}
}

// A recording channel cannot join a bridge (the recording's add rule) until
// its recording ends.
func TestAddRecordingChannel(t *testing.T) {
	s := pbxsimtest.Start(t)
	ec := dialEvents(t, s, "app=liandong", true)
	a, b := stasisCaller(t, s, ec), stasisCaller(t, s, ec)
	mustDo(t, s, "POST", "/ari/channels/"+b+"/record?name=ar&format=wav")
	mustDo(t, s, "POST", "/ari/bridges?bridgeId=ab&type=mixing")
	st, _, body := do(t, s, "POST", "/ari/bridges/ab/addChannel?channel="+a+","+b, "", true)
	if st != 409 || !strings.Contains(body, "Channel "+b+" currently recording") {
		t.Fatalf("addChannel of a recording channel = %d %s", st, body)
	}
	if ch, _ := s.Channel(a); ch.Bridge != "ab" {
		t.Errorf("the channel listed before it was not added (bridge %q)", ch.Bridge)
	}
	mustDo(t, s, "POST", "/ari/recordings/live/ar/stop")
	mustDo(t, s, "POST", "/ari/bridges/ab/addChannel?channel="+b)
}
