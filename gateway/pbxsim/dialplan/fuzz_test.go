package dialplan

import (
	"context"
	"os"
	"strings"
	"testing"
)

func FuzzParse(f *testing.F) {
	for _, name := range []string{"testdata/sample.conf", "testdata/asterisk-lab.conf"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	for _, s := range []string{
		"", "[", "[]", "[c]\nexten=>", "[c]\nexten => _[,1,NoOp", "[c]\nsame => n,x",
		"[c]\nexten => 1,1(a)+2,NoOp(\\;)", ";--\n[c]\n--;", "[globals]\nA=${A}${A}",
		"[c]\nexten => ${X,1,NoOp", "[c]\nexten => 1,n+99999999999999,NoOp",
		"[c]\nexten => _[]!,1,App()\ninclude => c",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		dp, err := Parse(strings.NewReader(text), "fuzz.conf")
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.conf:") {
				t.Fatalf("error without file:line: %v", err)
			}
			return
		}
		_ = dp.String()
		for _, c := range dp.Contexts() {
			for _, exten := range []string{"1", "12345", "s", "h", "i", "*", ""} {
				dp.Exists(c, exten, 1)
			}
			ch := newFake(nil)
			ch.behave = func(context.Context, string, []string) error { return ErrHangup }
			ctx, cancel := context.WithCancel(context.Background())
			// A dialplan may loop forever (Goto itself); stop it after a
			// bounded number of steps through the tracker.
			steps := 0
			tr := &stepLimit{fakeChannel: ch, n: &steps, stop: cancel}
			_ = Run(ctx, dp, tr, Location{Context: c, Exten: "s"})
			cancel()
		}
	})
}

// stepLimit cancels the run after 200 priorities.
type stepLimit struct {
	*fakeChannel
	n    *int
	stop context.CancelFunc
}

func (s *stepLimit) Executing(Location, string, string) {
	if *s.n++; *s.n > 200 {
		s.stop()
	}
}

func FuzzSubstitute(f *testing.F) {
	for _, s := range []string{
		"${X}", "${X:1:2}", "${X:-3}", "${${N}}", "$[1+2]", "$[${X} = 5]", "${",
		"$[", "${X:", "$[(((", "${CALLERID(num):0:3}", "$[\"a\" : \"(.*\"]", "${LEN(${X})}",
		"$[1 ? 2 :: 3]", "$$$${}", "$[$[$[1]]]", "\\${X}", "${X::}",
	} {
		f.Add(s)
	}
	vars := map[string]string{"X": "13812345678", "N": "X", "CALLERID(num)": "110", "Y": "${X}"}
	f.Fuzz(func(t *testing.T, s string) {
		_ = Substitute(s, mapLookup(vars))
		_, _ = Eval(s)
		_ = SplitArgs(s)
		_ = separate(s, '?', false, 2)
		for _, p := range []string{"_X.", "_[1-5]!", "_" + s, s} {
			MatchExten(p, s)
			CompareExten(p, "_"+s)
		}
	})
}
