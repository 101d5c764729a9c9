package ivr

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// flowFile builds a flow file whose flow "f" has the given nodes (yaml
// indented by two spaces per level, starting at column 0).
func flowFile(start, nodes string) string {
	var b strings.Builder
	b.WriteString("version: t\nprompts:\n  a: 甲\n  b: 乙\nlines:\n  \"1\": f\nflows:\n  f:\n    start: " + start + "\n    nodes:\n")
	for _, l := range strings.Split(strings.TrimSpace(nodes), "\n") {
		b.WriteString("      " + l + "\n")
	}
	return b.String()
}

const okMenu = `m:
  kind: menu
  prompt: a
  invalid: b
  choices: {"1": q}
  on_fail: h
q: {kind: queue, queue: "12345", next: h, on_fail: h}
h: {kind: hangup}`

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string // substrings of the error, all required
	}{
		{"unknown top-level key", "versoin: t\n", []string{"line 1", "field versoin not found"}},
		{"unknown key in node", flowFile("m", okMenu+"\nx: {kind: play, prompt: a, next: h, choices: {}}"),
			[]string{`node "x"`, `line 19`, `unknown key "choices" for kind play`}},
		{"misspelled key", flowFile("h", "h: {kind: hangup, reson: x}"), []string{`node "h"`, `unknown key "reson"`}},
		{"unknown kind", flowFile("h", "h: {kind: dance}"), []string{`node "h"`, `unknown kind "dance"`}},
		{"missing kind", flowFile("h", "h: {prompt: a}"), []string{`node "h"`, "missing kind"}},
		{"null node", flowFile("h", "h:\ng: {kind: hangup}"), []string{`node "h"`, "missing or unknown kind"}},
		{"unknown next", flowFile("p", "p: {kind: play, prompt: a, next: nowhere}"),
			[]string{`node "p" (line 11)`, `next: unknown node "nowhere"`}},
		{"unknown menu target", flowFile("m", strings.Replace(okMenu, `"1": q`, `"1": q, "2": zz`, 1)),
			[]string{`node "m"`, `choices.2: unknown node "zz"`}},
		{"unknown prompt", flowFile("p", "p: {kind: play, prompt: [a, c], next: h}\nh: {kind: hangup}"),
			[]string{`node "p"`, `prompt: unknown prompt "c"`}},
		{"missing prompt", flowFile("m", strings.Replace(okMenu, "  prompt: a\n", "", 1)), []string{`node "m"`, "missing prompt"}},
		{"missing invalid prompt", flowFile("m", strings.Replace(okMenu, "  invalid: b\n", "", 1)), []string{`node "m"`, "missing invalid"}},
		{"missing on_fail", flowFile("m", strings.Replace(okMenu, "  on_fail: h\n", "", 1)), []string{`node "m"`, "missing on_fail"}},
		{"bad menu digit", flowFile("m", strings.Replace(okMenu, `"1": q`, `"12": q`, 1)), []string{`node "m"`, `bad digit "12"`}},
		{"letter as digit", flowFile("m", strings.Replace(okMenu, `"1": q`, `"a": q`, 1)), []string{`node "m"`, `bad digit "a"`}},
		{"no choices", flowFile("m", strings.Replace(okMenu, `choices: {"1": q}`, "choices: {}", 1)), []string{`node "m"`, "missing choices"}},
		{"unreachable node", flowFile("m", okMenu+"\nlost: {kind: hangup}"), []string{`node "lost"`, "unreachable"}},
		{"loop with no exit", flowFile("a1", "a1: {kind: goto, next: a2}\na2: {kind: goto, next: a1}"),
			[]string{`node "a1"`, `node "a2"`, "loop with no exit"}},
		{"menu loop with no exit", flowFile("m", `m: {kind: menu, prompt: a, invalid: b, choices: {"1": m}, on_fail: p}
p: {kind: play, prompt: a, next: m}`), []string{`node "m"`, `node "p"`, "loop with no exit"}},
		{"bad terminator", flowFile("c", `c: {kind: collect, prompt: a, invalid: b, max_digits: 4, terminator: "1", next: h, on_fail: h}
h: {kind: hangup}`), []string{`node "c"`, `terminator "1"`}},
		{"min above max", flowFile("c", `c: {kind: collect, prompt: a, invalid: b, min_digits: 5, max_digits: 4, next: h, on_fail: h}
h: {kind: hangup}`), []string{`node "c"`, "min_digits 5"}},
		{"no max digits", flowFile("c", `c: {kind: collect, prompt: a, invalid: b, next: h, on_fail: h}
h: {kind: hangup}`), []string{`node "c"`, "max_digits 0"}},
		{"bad window", flowFile("w", `w: {kind: condition, test: time, windows: ["25:00-26:00"], then: h, else: h}
h: {kind: hangup}`), []string{`node "w"`, `window "25:00-26:00"`}},
		{"reversed window", flowFile("w", `w: {kind: condition, test: time, windows: ["18:00-08:00"], then: h, else: h}
h: {kind: hangup}`), []string{`node "w"`, `window "18:00-08:00"`}},
		{"bad day", flowFile("w", `w: {kind: condition, test: time, windows: ["08:00-18:00"], days: [monday], then: h, else: h}
h: {kind: hangup}`), []string{`node "w"`, `day "monday"`}},
		{"unknown test", flowFile("w", `w: {kind: condition, test: weather, then: h, else: h}
h: {kind: hangup}`), []string{`node "w"`, `unknown test "weather"`}},
		{"no_agents without queue", flowFile("w", `w: {kind: condition, test: no_agents, then: h, else: h}
h: {kind: hangup}`), []string{`node "w"`, "missing queue"}},
		{"queue without queue", flowFile("q", "q: {kind: queue, next: h, on_fail: h}\nh: {kind: hangup}"), []string{`node "q"`, "missing queue"}},
		{"transfer without target", flowFile("x", "x: {kind: transfer, on_fail: h}\nh: {kind: hangup}"), []string{`node "x"`, "missing target"}},
		{"kb back taken by items", flowFile("k", `k: {kind: kb, item: a, invalid: b, back: "3", next: h, on_fail: h}
h: {kind: hangup}`), []string{`node "k"`, `back: digit "3" is taken by menu items`}},
		{"kb repeat and back alike", flowFile("k", `k: {kind: kb, item: a, invalid: b, after: a, repeat: "*", back: "*", next: h, on_fail: h}
h: {kind: hangup}`), []string{`node "k"`, `back: digit "*" already used by repeat`}},
		{"kb bad repeat", flowFile("k", `k: {kind: kb, item: a, invalid: b, after: a, repeat: "11", next: h, on_fail: h}
h: {kind: hangup}`), []string{`node "k"`, `repeat: bad digit "11"`}},
		{"kb repeat without after", flowFile("k", `k: {kind: kb, item: a, invalid: b, repeat: "1", next: h, on_fail: h}
h: {kind: hangup}`), []string{`node "k"`, `missing after`}},
		{"kb unknown choice target", flowFile("k", `k: {kind: kb, item: a, invalid: b, after: a, choices: {"2": zz}, next: h, on_fail: h}
h: {kind: hangup}`), []string{`node "k"`, `choices.2: unknown node "zz"`}},
		{"survey bad option", flowFile("s", `s: {kind: survey, prompt: a, invalid: b, options: {"10": 满意}, next: h}
h: {kind: hangup}`), []string{`node "s"`, `options: bad digit "10"`}},
		{"bad duration", flowFile("m", strings.Replace(okMenu, "kind: menu\n", "kind: menu\n  timeout: 5 seconds\n", 1)),
			[]string{`node "m"`, "line 13", "5 seconds"}},
		{"too many retries", flowFile("m", strings.Replace(okMenu, "kind: menu\n", "kind: menu\n  retries: 10\n", 1)),
			[]string{`node "m"`, "retries 10"}},
		{"negative priority", flowFile("q", `q: {kind: queue, queue: "1", priority: -1, next: h, on_fail: h}
h: {kind: hangup}`), []string{`node "q"`, "priority -1"}},
		{"unknown start", flowFile("nope", "h: {kind: hangup}"), []string{`flow "f"`, `start: unknown node "nope"`}},
		{"bad hotkey", strings.Replace(flowFile("h", "h: {kind: hangup}"), "    start: h\n", "    start: h\n    hotkeys: {\"00\": h}\n", 1),
			[]string{`flow "f"`, `hotkeys: bad digit "00"`}},
		{"hotkey to unknown node", strings.Replace(flowFile("h", "h: {kind: hangup}"), "    start: h\n", "    start: h\n    hotkeys: {\"0\": ag}\n", 1),
			[]string{`flow "f"`, `hotkeys.0: unknown node "ag"`}},
		{"line to unknown flow", strings.Replace(flowFile("h", "h: {kind: hangup}"), `"1": f`, `"1": g`, 1), []string{`line "1": unknown flow "g"`}},
		{"duplicate node", flowFile("h", "h: {kind: hangup}\nh: {kind: hangup}"), []string{`"h" already defined`}},
		{"missing version", strings.Replace(flowFile("h", "h: {kind: hangup}"), "version: t\n", "", 1), []string{"version: missing"}},
		{"bad timezone", strings.Replace(flowFile("h", "h: {kind: hangup}"), "version: t\n", "version: t\ntimezone: Mars/Olympus\n", 1), []string{`timezone "Mars/Olympus"`}},
		{"empty prompt", strings.Replace(flowFile("h", "h: {kind: hangup}"), "b: 乙", `b: " "`, 1), []string{`prompt "b": empty`}},
		{"bad prompt name", strings.Replace(flowFile("h", "h: {kind: hangup}"), "b: 乙", `"B/x": 乙`, 1), []string{`prompt "B/x"`}},
		{"undeclared queue", strings.Replace(flowFile("q", `q: {kind: queue, queue: "119", next: h, on_fail: h}
h: {kind: hangup}`), "lines:", "queues: [\"12345\", \"110\"]\nlines:", 1), []string{`node "q"`, `queue "119": unknown`}},
		{"undeclared target", strings.Replace(flowFile("x", `x: {kind: transfer, target: "911", on_fail: h}
h: {kind: hangup}`), "lines:", "transfer_targets: [\"110\"]\nlines:", 1), []string{`node "x"`, `target "911": unknown`}},
		{"not yaml", "flows: [\n", []string{"yaml"}},
		{"empty file", "", []string{"EOF"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load([]byte(tc.yaml))
			if err == nil {
				t.Fatalf("no error for:\n%s", tc.yaml)
			}
			if !errors.Is(err, ErrInvalidFlow) {
				t.Errorf("error does not wrap ErrInvalidFlow: %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestLoadValid(t *testing.T) {
	s, err := Load([]byte(flowFile("m", okMenu)))
	if err != nil {
		t.Fatal(err)
	}
	m := s.Flows["f"].Node("m")
	if m.Timeout != DefaultTimeout || *m.Retries != DefaultRetries {
		t.Errorf("defaults not applied: %+v", m)
	}
	if !strings.HasPrefix(s.Version, "t@") || s.SoundURI("a") != "sound:liandong/a" {
		t.Errorf("version %q, uri %q", s.Version, s.SoundURI("a"))
	}
	if got := strings.Join(s.Flows["f"].NodeNames(), ","); got != "m,q,h" {
		t.Errorf("node names = %s", got)
	}
	if _, err := s.ForLine("9"); !errors.Is(err, ErrUnknownLine) {
		t.Errorf("ForLine(9) = %v", err)
	}
}

// The shipped configs/ivr.yaml loads and has what the issue asks of it.
func TestLoadDefaultConfig(t *testing.T) {
	s := loadDefault(t)
	for _, line := range []string{"12345", "110", "web"} {
		if _, err := s.ForLine(line); err != nil {
			t.Errorf("line %s: %v", line, err)
		}
	}
	hot := s.Flows["hotline"]
	main := hot.Node(hot.Start)
	if hot.Start != "screen" || main.Kind != KindCondition {
		t.Fatalf("hotline starts at %s", hot.Start)
	}
	menu := hot.Node("main")
	// The emergency key is announced first (after the greeting).
	if got := strings.Join(menu.Prompt, ","); got != "welcome,emergency,main_menu" {
		t.Errorf("main prompt = %s", got)
	}
	if e := hot.Node(menu.Choices["9"]); e.Kind != KindTransfer || e.Target != "110" || e.Reason != "emergency key" {
		t.Errorf("9 -> %+v", e)
	}
	for d, kind := range map[string]Kind{"1": KindKB, "2": KindIntake, "3": KindWorkOrder, "0": KindPlay} {
		if n := hot.Node(menu.Choices[d]); n == nil || n.Kind != kind {
			t.Errorf("choice %s -> %+v, want %s", d, n, kind)
		}
	}
	if hot.Hotkeys["0"] == "" || hot.Hotkeys["9"] == "" {
		t.Errorf("hotkeys = %v", hot.Hotkeys)
	}
	if s.Prompts["welcome"] != "您好，这里是12345政务服务便民热线。" {
		t.Errorf("welcome = %q", s.Prompts["welcome"])
	}
	// Every fixed prompt has its wav file.
	for name, text := range s.Prompts {
		if IsTemplate(text) {
			continue
		}
		if _, err := os.Stat("../configs/sounds/" + name + ".wav"); err != nil {
			t.Errorf("prompt %s: %v", name, err)
		}
	}
}

func FuzzLoad(f *testing.F) {
	if b, err := os.ReadFile("../configs/ivr.yaml"); err == nil {
		f.Add(b)
	}
	f.Add([]byte(flowFile("m", okMenu)))
	f.Add([]byte(collectFlows))
	f.Add([]byte(flowFile("a1", "a1: {kind: goto, next: a2}\na2: {kind: goto, next: a1}")))
	f.Add([]byte("flows: {f: {nodes: {a: }}}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Load(b)
		if err != nil {
			if !errors.Is(err, ErrInvalidFlow) {
				t.Fatalf("error does not wrap ErrInvalidFlow: %v", err)
			}
			return
		}
		for line, name := range s.Lines {
			fl, err := s.ForLine(line)
			if err != nil || fl.Name != name || fl.Node(fl.Start) == nil {
				t.Fatalf("line %s: flow %v, %v", line, fl, err)
			}
		}
	})
}
