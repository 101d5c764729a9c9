package ari

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

func describe(ev *Event) string {
	ty := "<nil>"
	if ev.ARI != nil {
		ty = fmt.Sprintf("%T", ev.ARI)
	}
	de := ""
	if ev.DecodeErr != nil {
		de = " decode_error"
	}
	return fmt.Sprintf("%s ari=%s ch=%s br=%s pb=%s rec=%s caller=%s lang=%s proto=%s%s",
		ev.Type, ty, ev.ChannelID, ev.BridgeID, ev.PlaybackID, ev.RecordingName, ev.caller, ev.Language, ev.ProtocolID, de)
}

// TestDecodeTranscriptsGolden decodes every event Asterisk sent in the
// recorded transcripts; the result is pinned in testdata/decoded.golden.
func TestDecodeTranscriptsGolden(t *testing.T) {
	var b bytes.Buffer
	n := 0
	for _, name := range transcriptFiles(t) {
		for i, raw := range transcriptEvents(t, name) {
			ev, err := Decode(raw)
			if err != nil {
				t.Fatalf("%s event %d: %v", name, i, err)
			}
			if KnownType(ev.Type) && (ev.ARI == nil || ev.DecodeErr != nil) {
				t.Errorf("%s event %d (%s): ari/v5 failed on a recorded event: %v", name, i, ev.Type, ev.DecodeErr)
			}
			if ev.ARI != nil && ev.ARI.GetType() != ev.Type {
				t.Errorf("%s event %d: type %q decoded as %q", name, i, ev.Type, ev.ARI.GetType())
			}
			fmt.Fprintf(&b, "%s#%d %s\n", strings.TrimSuffix(name, ".jsonl"), i, describe(ev))
			n++
		}
	}
	if n < 500 {
		t.Fatalf("only %d events decoded", n)
	}
	golden(t, "decoded.golden", b.Bytes())
}

// TestDecodeOddEvents covers what ari/v5 v5.3.1 cannot decode: unknown types
// and a known type with a shape it does not expect. None may fail or panic;
// all keep their routing ids.
func TestDecodeOddEvents(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "extra-events.jsonl"))
	must(t, err)
	var b bytes.Buffer
	for i, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		ev, err := Decode(line)
		if err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		fmt.Fprintf(&b, "%d %s\n", i, describe(ev))
	}
	golden(t, "odd-events.golden", b.Bytes())

	tm, _ := Decode(bytes.Split(data, []byte("\n"))[3])
	if tm.Type != "TextMessageReceived" || tm.ARI != nil || tm.DecodeErr == nil {
		t.Errorf("TextMessageReceived with object variables: ARI=%v err=%v, want raw with DecodeErr", tm.ARI, tm.DecodeErr)
	}
	tone, _ := Decode(bytes.Split(data, []byte("\n"))[0])
	if tone.ARI != nil || tone.DecodeErr != nil || tone.ChannelID != "1795858600.1" || tone.Language != "zh" {
		t.Errorf("ChannelToneDetected: %s", describe(tone))
	}
}

func TestDecodeRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want error
	}{
		{"empty", "", nil},
		{"not json", "hello", nil},
		{"array", "[1,2]", nil},
		{"no type", `{"channel":{"id":"1"}}`, ErrNoType},
		{"empty type", `{"type":""}`, ErrNoType},
		{"wrong type kind", `{"type":42}`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := Decode([]byte(tc.in))
			if err == nil || ev != nil {
				t.Fatalf("Decode(%q) = %v, %v; want error", tc.in, ev, err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	for _, name := range transcriptFiles(f) {
		for _, raw := range transcriptEvents(f, name) {
			f.Add(raw)
		}
	}
	data, _ := os.ReadFile(filepath.Join("testdata", "extra-events.jsonl"))
	for _, l := range bytes.Split(data, []byte("\n")) {
		f.Add(l)
	}
	f.Add([]byte(`{"type":"StasisStart","channel":null}`))
	f.Add([]byte(`{"type":"Dial","peer":{"id":1}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ev, err := Decode(b)
		if err == nil && (ev == nil || ev.Type == "") {
			t.Fatalf("no error and no event for %q", b)
		}
		if err == nil {
			// Routing a decoded event must not panic either.
			n := newNode(NodeConfig{Name: "f", URL: "http://x/ari", Username: "u", App: "a"}, Options{}.withDefaults(), newMailbox())
			_ = n.handle(&Event{Raw: b})
		}
	})
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		must(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update once)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) && i < len(wl); i++ {
			if gl[i] != wl[i] {
				t.Fatalf("%s differs at line %d:\n got %s\nwant %s", name, i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("%s differs: %d lines, want %d", name, len(gl), len(wl))
	}
}

// TestKnownTypes: the event types of Asterisk 22's ARI (10.0.0) that ari/v5
// v5.3.1 cannot decode, and so are delivered raw.
func TestKnownTypes(t *testing.T) {
	unknown := []string{"ApplicationRegistered", "ApplicationUnregistered", "CallBroadcast", "CallClaimed",
		"ChannelToneDetected", "ChannelTransfer", "RESTResponse"}
	known := []string{"StasisStart", "StasisEnd", "ChannelCallerId", "ChannelDtmfReceived", "Dial", "PlaybackFinished",
		"ApplicationReplaced", "BridgeAttendedTransfer", "TextMessageReceived", "ChannelUserevent"}
	for _, ty := range unknown {
		if KnownType(ty) {
			t.Errorf("%s known", ty)
		}
		ev, err := Decode([]byte(`{"type":"` + ty + `","channel":{"id":"c1"}}`))
		if err != nil || ev.ARI != nil || ev.DecodeErr != nil || ev.ChannelID != "c1" {
			t.Errorf("%s: %v %v", ty, ev, err)
		}
	}
	for _, ty := range known {
		if !KnownType(ty) {
			t.Errorf("%s unknown", ty)
		}
	}
}
