package pbxsim_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"liandong/gateway/pbxsim/pbxsimtest"
)

var updateGolden = flag.Bool("update-xfer-golden", false, "rewrite testdata/xfer/*.golden")

// The full event sequence an app sees for a phone's blind and attended transfer,
// ids replaced by roles, compared with testdata/xfer/*.golden (regenerate with
// -update-xfer-golden after checking the change against Asterisk's behaviour).
func TestTransferEventsGolden(t *testing.T) {
	tests := []struct {
		name string
		run  func(l *xferLab) ([]map[string]any, map[string]string)
	}{
		{"blind", func(l *xferLab) ([]map[string]any, map[string]string) {
			a := l.answered("pstn", "", "12345", "13800138000")
			b := l.answered("agent1001", "from-pstn", "12345", "1001")
			l.bridge("b1", a, b)
			if _, err := l.s.BlindTransfer(a, "110", "from-pstn"); err != nil {
				l.t.Fatal(err)
			}
			evs := l.until(func(ev map[string]any) bool {
				return ev["type"] == "StasisStart" && strings.HasSuffix(chanName(ev), ";2")
			})
			return evs, map[string]string{a: "transferer", b: "transferee"}
		}},
		{"attended-link", func(l *xferLab) ([]map[string]any, map[string]string) {
			a1 := l.answered("pstn", "", "12345", "13800138000")
			x := l.answered("agent1001", "from-pstn", "12345", "1001")
			l.bridge("ba", a1, x)
			a2 := l.answered("pstn", "", "110", "13800138000")
			y := l.answered("agent1002", "from-pstn", "110", "1002")
			l.bridge("bb", a2, y)
			if _, err := l.s.AttendedTransfer(a1, a2); err != nil {
				l.t.Fatal(err)
			}
			evs := l.until(func(ev map[string]any) bool { return ev["type"] == "StasisEnd" && chanID(ev) == a2 })
			return evs, map[string]string{a1: "first-leg", a2: "second-leg", x: "transferee", y: "target"}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newXferLab(t, pbxsimtest.Start(t))
			evs, roles := tt.run(l)
			// From the transfer on: drop what the bridge set-up left queued.
			for i, ev := range evs {
				if ev["type"] == "ChannelUnhold" {
					evs = evs[i:]
					break
				}
			}
			var b strings.Builder
			names := map[string]string{}
			for _, ev := range evs {
				if r, ok := roles[chanID(ev)]; ok {
					names[chanName(ev)] = r
				}
			}
			for _, ev := range evs {
				b.WriteString(describe(ev, roles, names))
				b.WriteByte('\n')
			}
			path := filepath.Join("testdata", "xfer", tt.name+".golden")
			if *updateGolden {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := b.String(); got != string(want) {
				t.Errorf("events differ from %s:\n--- got\n%s--- want\n%s", path, got, want)
			}
		})
	}
}

// describe renders an event as "Type role [detail]" with ids replaced by roles and
// Local channels by their name without the sequence number.
func describe(ev map[string]any, roles, names map[string]string) string {
	label := func(ch any) string {
		m, _ := ch.(map[string]any)
		if m == nil {
			return "-"
		}
		id, _ := m["id"].(string)
		if r, ok := roles[id]; ok {
			return r
		}
		name, _ := m["name"].(string)
		if i := strings.LastIndexByte(name, '-'); i > 0 && strings.HasPrefix(name, "Local/") {
			return name[:i] + name[strings.IndexByte(name, ';'):]
		}
		return name
	}
	out := fmt.Sprintf("%v %s", ev["type"], label(ev["channel"]))
	switch ev["type"] {
	case "ChannelVarset":
		if v, _ := ev["variable"].(string); strings.HasPrefix(v, "RTPAUDIOQOS") {
			out += " " + v // statistics depend on the call's length
			break
		}
		out += fmt.Sprintf(" %v=%v", ev["variable"], roleValue(ev["value"], names))
	case "StasisStart":
		out += fmt.Sprintf(" args=%v replace=%s", ev["args"], label(ev["replace_channel"]))
	case "ChannelEnteredBridge", "ChannelLeftBridge":
		out += fmt.Sprintf(" bridge=%v", fieldOf(ev, "bridge.id"))
	case "ChannelHangupRequest":
		out += fmt.Sprintf(" cause=%v", ev["cause"])
	case "BridgeBlindTransfer":
		out += fmt.Sprintf(" %v %v@%v transferee=%s replace=%s bridge=%v", ev["result"], ev["exten"], ev["context"],
			label(ev["transferee"]), label(ev["replace_channel"]), fieldOf(ev, "bridge.id"))
	case "BridgeAttendedTransfer":
		out += fmt.Sprintf(" %v %v first=%s second=%s transferee=%s target=%s links=%s,%s bridges=%v,%v", ev["result"], ev["destination_type"],
			label(ev["transferer_first_leg"]), label(ev["transferer_second_leg"]), label(ev["transferee"]), label(ev["transfer_target"]),
			label(ev["destination_link_first_leg"]), label(ev["destination_link_second_leg"]),
			fieldOf(ev, "transferer_first_leg_bridge.id"), fieldOf(ev, "transferer_second_leg_bridge.id"))
	}
	return out
}

// roleValue shows channel names in variable values by role, other ids as <id>.
func roleValue(v any, names map[string]string) string {
	s, _ := v.(string)
	switch {
	case s == "":
		return `""`
	case names[s] != "":
		return names[s]
	case strings.HasPrefix(s, "Local/"):
		return s[:strings.LastIndexByte(s, '-')] + s[strings.IndexByte(s, ';'):]
	case strings.Contains(s, "@127.0.0.1") || strings.Count(s, "-") >= 4:
		return "<id>"
	}
	return s
}
