package dialplan

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestParseGolden(t *testing.T) {
	for _, name := range []string{"sample.conf", "asterisk-lab.conf"} {
		t.Run(name, func(t *testing.T) {
			dp, err := ParseFile(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			got := dp.String()
			golden := filepath.Join("testdata", strings.TrimSuffix(name, ".conf")+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("dialplan differs from %s:\n%s", golden, got)
			}
		})
	}
}

func TestParseLab(t *testing.T) {
	dp, err := ParseFile("testdata/asterisk-lab.conf")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(dp.Contexts(), ","), "from-pstn,from-agents,lab-internal"; got != want {
		t.Errorf("contexts %q, want %q", got, want)
	}
	for _, tc := range []struct {
		ctx, exten string
		prio       int
		app, data  string
	}{
		{"from-pstn", "12345", 2, "Stasis", "liandong"},
		{"from-pstn", "110", 3, "NoOp", "Stasis returned STASISSTATUS=${STASISSTATUS}"},
		{"from-agents", "1001", 1, "Hangup", "21"},
		{"lab-internal", "answerwait", 2, "Wait", "60"},
	} {
		p, ok := dp.Find(tc.ctx, tc.exten, tc.prio)
		if !ok || p.App != tc.app || p.Data != tc.data {
			t.Errorf("Find(%s,%s,%d) = %+v, %v; want %s(%s)", tc.ctx, tc.exten, tc.prio, p, ok, tc.app, tc.data)
		}
	}
	if dp.Exists("from-pstn", "12346", 1) {
		t.Error("12346 should not exist in from-pstn")
	}
	if dp.Exists("from-agents", "1", 1) {
		t.Error("_X. needs two characters")
	}
}

func TestParseDetails(t *testing.T) {
	dp, err := ParseFile("testdata/sample.conf")
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := dp.Global("PREFIX"); v != "123450" {
		t.Errorf("PREFIX = %q", v)
	}
	if v, _ := dp.Global("GREETING"); v != "hotline-welcome" {
		t.Errorf("GREETING = %q", v)
	}
	if _, ok := dp.Context("this"); ok {
		t.Error("block comment content was parsed")
	}
	for _, tc := range []struct {
		exten string
		prio  int
		app   string
		data  string
		label string
	}{
		{"12345", 1, "NoOp", "hotline call from ${CALLERID(num)}", "start"},
		{"12345", 3, "Stasis", "liandong,inbound,${EXTEN}", "menu"},
		{"s", 1, "Answer", "", ""},
		{"s", 2, "Playback", "hello;world,noanswer", ""},
		{"s", 4, "Wait", "1", ""}, // n+1 after 2
		{"5551234", 1, "NoOp", "dashes are eye candy", ""},
		{"555-12-34", 1, "NoOp", "dashes are eye candy", ""},
		{"910", 1, "NoOp", "anything longer", ""}, // _X. wins before the include is searched
	} {
		p, ok := dp.Find("from-pstn", tc.exten, tc.prio)
		if !ok {
			t.Errorf("%s,%d missing", tc.exten, tc.prio)
			continue
		}
		if p.App != tc.app || p.Data != tc.data || p.Label != tc.label {
			t.Errorf("%s,%d = %s(%s) label %q; want %s(%s) label %q", tc.exten, tc.prio, p.App, p.Data, p.Label, tc.app, tc.data, tc.label)
		}
	}
	for _, exten := range []string{"910", "9,0", "930"} {
		if p, ok := dp.Find("shared", exten, 1); !ok || p.Data != "a comma inside a set" {
			t.Errorf("shared,%s: %+v", exten, p)
		}
	}
	if dp.Exists("shared", "920", 1) {
		t.Error("920 must not match _9[1,3]X")
	}
	if dp.Exists("from-pstn", "s", 3) {
		t.Error("s,3 should not exist (n+1 skips it)")
	}
	if n, ok := dp.FindLabel("from-pstn", "12345", "menu"); !ok || n != 3 {
		t.Errorf("label menu = %d, %v", n, ok)
	}
	if dp.Exists("from-pstn", "110", -1) || dp.Exists("from-pstn", "110", 0) {
		t.Error("hint must not be a priority")
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name, text, want string
	}{
		{"outside", "exten => 1,1,NoOp\n", "t.conf:1: 'exten' outside any [section]"},
		{"no bracket", "[ctx\n", "t.conf:1: section header '[ctx' has no ']'"},
		{"template", "[ctx](!)\n", "t.conf:1: context templates"},
		{"include directive", "#include other.conf\n", "t.conf:1: directive '#include' is not supported"},
		{"no equals", "[c]\nexten 1,1,NoOp\n", "t.conf:2: expected 'name => value'"},
		{"no priority", "[c]\nexten => 1\n", "t.conf:2: exten '1' has no priority"},
		{"empty ext", "[c]\nexten => ,1,NoOp\n", "t.conf:2: exten with an empty extension name"},
		{"next first", "[c]\nexten => 1,n,NoOp\n", "t.conf:2: can't use 'next' priority on the first entry"},
		{"same first", "[c]\nsame => n,NoOp\n", "t.conf:2: 'same' before any 'exten'"},
		{"zero prio", "[c]\nexten => 1,0,NoOp\n", "t.conf:2: invalid priority 0"},
		{"bad label ref", "[c]\nexten => 1,nope,NoOp\n", "t.conf:2: invalid priority/label 'nope'"},
		{"unclosed label", "[c]\nexten => 1,1(x,NoOp\n", "t.conf:2: priority label in '1(x' has no ')'"},
		{"no app", "[c]\nexten => 1,1\n", "t.conf:2: priority 1 of '1' has no application"},
		{"empty app", "[c]\nexten => 1,1,\n", "t.conf:2: application '': missing application name"},
		{"unclosed paren", "[c]\nexten => 1,1,NoOp(x\n", "t.conf:2: application 'NoOp(x': no closing parenthesis"},
		{"junk after paren", "[c]\nexten => 1,1,NoOp(x) y\n", "after the closing parenthesis"},
		{"bad app name", "[c]\nexten => 1,1,No Op(x)\n", "bad application name"},
		{"duplicate", "[c]\nexten => 1,1,NoOp\nexten => 1,1,Answer\n", "t.conf:3: priority 1 of extension '1' already defined at line 2"},
		{"dup label", "[c]\nexten => 1,1(a),NoOp\nsame => n(a),NoOp\n", "t.conf:3: label 'a' already used"},
		{"bad set", "[c]\nexten => _1[23,1,NoOp\n", "t.conf:2: extension '_1[23,1,NoOp' has '[' without ']'"},
		{"old comma syntax", "[c]\nexten => 1,1,Dial,PJSIP/1\n", "t.conf:2: application 'Dial,PJSIP/1': bad application name"},
		{"n after hint", "[c]\nexten => 1,hint,PJSIP/1\nsame => n,NoOp\n", "t.conf:3: invalid priority 0"},
		{"empty pattern", "[c]\nexten => _,1,NoOp\n", "empty pattern"},
		{"cid match", "[c]\nexten => 1/555,1,NoOp\n", "caller-id matching '1/555' is not supported"},
		{"timed include", "[c]\ninclude => other,9:00-17:00,mon-fri,*,*\n", "time-conditional include"},
		{"switch", "[c]\nswitch => Realtime\n", "'switch' is not supported"},
		{"unknown", "[c]\nfoo => bar\n", "t.conf:2: unknown directive 'foo' in context [c]"},
		{"block", "[c]\n;-- never closed\n", "t.conf:2: block comment"},
		{"upper-case n", "[c]\nexten => 1,1,NoOp\nsame => N,NoOp\n", "t.conf:3: invalid priority/label 'N'"},
		{"bad offset", "[c]\nexten => 1,1+x,NoOp\n", "bad priority offset"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tc.text), "t.conf")
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			if !errors.Is(err, ErrSyntax) {
				t.Errorf("error %v does not wrap ErrSyntax", err)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Errorf("error %v is not a *ParseError", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestGlobalsBeforeContexts(t *testing.T) {
	dp, err := Parse(strings.NewReader("[c]\nexten => ${EXT},1,NoOp\ninclude => ${INC}\n[GLOBALS]\nEXT=42\nINC=d\n[d]\nexten => 7,1,NoOp\n"), "g.conf")
	if err != nil {
		t.Fatal(err)
	}
	if !dp.Exists("c", "42", 1) || !dp.Exists("c", "7", 1) {
		t.Errorf("globals defined later not applied:\n%s", dp)
	}
}

func TestParseErrorsInGlobalsOnce(t *testing.T) {
	_, err := Parse(strings.NewReader("[globals]\nnoequals\n#include x\n=v\n"), "g.conf")
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, want := range []string{"g.conf:2: expected", "g.conf:3: directive", "g.conf:4: global variable without a name"} {
		if strings.Count(msg, want) != 1 {
			t.Errorf("%q reported %d times in:\n%s", want, strings.Count(msg, want), msg)
		}
	}
}

func TestParseManyErrors(t *testing.T) {
	_, err := Parse(strings.NewReader("[c]\nexten => 1\nexten => 2\nfoo => x\n"), "m.conf")
	for _, want := range []string{"m.conf:2:", "m.conf:3:", "m.conf:4:"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}

func TestLoadMerge(t *testing.T) {
	dp, err := Parse(strings.NewReader("[globals]\nN=7\n[a]\nexten => 1,1,NoOp(one)\ninclude => b\n"), "base.conf")
	if err != nil {
		t.Fatal(err)
	}
	if err := dp.Load(strings.NewReader("[a]\nexten => 1,2,NoOp(two)\nexten => ${N},1,NoOp(seven)\n[b]\nexten => 2,1,NoOp\n"), "more.conf"); err != nil {
		t.Fatal(err)
	}
	if !dp.Exists("a", "1", 2) || !dp.Exists("a", "7", 1) || !dp.Exists("a", "2", 1) {
		t.Errorf("merge lost something:\n%s", dp)
	}
	before := dp.String()
	err = dp.Load(strings.NewReader("[a]\nexten => 9,1,NoOp\nexten => 1,2,NoOp(again)\n"), "dup.conf")
	if err == nil || !strings.Contains(err.Error(), "dup.conf:3: priority 2 of extension '1' in context [a] already defined at more.conf:2") {
		t.Fatalf("duplicate across files: %v", err)
	}
	if dp.String() != before {
		t.Error("failed Load changed the dialplan")
	}
}

// Lookups, runs and Loads at once: the race detector checks the locking
// and the copy-on-write merge.
func TestConcurrentLoadAndRun(t *testing.T) {
	dp, err := ParseFile("testdata/asterisk-lab.conf")
	if err != nil {
		t.Fatal(err)
	}
	e, _, _ := dp.Match("from-pstn", "12345")
	ctxBefore, _ := dp.Context("from-pstn")
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				ch := newFake(map[string]string{"CALLERID(num)": "13800138000"})
				if err := Run(context.Background(), dp, ch, Location{Context: "from-pstn", Exten: "12345"}); err != nil {
					t.Error(err)
					return
				}
				_ = e.Priorities()
				_ = ctxBefore.Extensions()
			}
		}()
	}
	for i := 0; i < 50; i++ {
		text := fmt.Sprintf("[from-pstn]\nexten => 12345,%d,NoOp(added %d)\n[extra%d]\nexten => s,1,NoOp\n", 100+i, i, i)
		if err := dp.Load(strings.NewReader(text), "more.conf"); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	if _, ok := e.Priority(100); ok {
		t.Error("an extension handed out before Load was modified")
	}
	if !dp.Exists("from-pstn", "12345", 149) || !dp.Exists("extra49", "s", 1) {
		t.Error("Load lost additions")
	}
}
