package dialplan

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// nopChannel answers from a fixed map and runs every application at once.
type nopChannel map[string]string

func (n nopChannel) Var(name string) (string, bool)               { v, ok := n[name]; return v, ok }
func (n nopChannel) SetVar(string, string)                        {}
func (n nopChannel) Exec(context.Context, string, []string) error { return nil }

func bigDialplan(b *testing.B) *Dialplan {
	var sb strings.Builder
	sb.WriteString("[big]\n")
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&sb, "exten => %d,1,NoOp(%d)\n same => n,Dial(PJSIP/%d)\n", 1000+i, i, i)
	}
	for i := 0; i < 50; i++ {
		fmt.Fprintf(&sb, "exten => _%dXXXXXXX,1,NoOp(pattern %d)\n", 10+i, i)
	}
	sb.WriteString("exten => _X.,1,NoOp(catch all)\n")
	dp, err := Parse(strings.NewReader(sb.String()), "big.conf")
	if err != nil {
		b.Fatal(err)
	}
	return dp
}

func BenchmarkExistsExact(b *testing.B) {
	dp := bigDialplan(b)
	b.ReportAllocs()
	for b.Loop() {
		if !dp.Exists("big", "1500", 1) {
			b.Fatal("missing")
		}
	}
}

// The worst case: a number that only the last pattern matches, after 50
// patterns tried in order.
func BenchmarkExistsPattern(b *testing.B) {
	dp := bigDialplan(b)
	b.ReportAllocs()
	for b.Loop() {
		if !dp.Exists("big", "13800138000", 1) {
			b.Fatal("missing")
		}
	}
}

func BenchmarkSubstitute(b *testing.B) {
	vars := mapLookup(map[string]string{"CALLERID(num)": "13800138000", "X": "1", "EXTEN": "12345"})
	b.ReportAllocs()
	for b.Loop() {
		Substitute("call from ${CALLERID(num):0:3} to ${EXTEN} $[${X} + 1]", vars)
	}
}

// A whole inbound call through the lab's from-pstn,12345 (4 priorities).
func BenchmarkRunHotline(b *testing.B) {
	dp, err := ParseFile("testdata/asterisk-lab.conf")
	if err != nil {
		b.Fatal(err)
	}
	ch := nopChannel{"CALLERID(num)": "13800138000"}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := Run(ctx, dp, ch, Location{Context: "from-pstn", Exten: "12345"}); err != nil {
			b.Fatal(err)
		}
	}
}
