package dialplan

import (
	"context"
	"strings"
	"testing"
)

// TestIncDec: INC()/DEC() (func_math) step a variable and return the new
// value, as Asterisk's own tests use them to count iterations.
func TestIncDec(t *testing.T) {
	dp, err := Parse(strings.NewReader(`[c]
exten => 1,1,Set(N=1)
 same => n(loop),UserEvent(n,${N})
 same => n,Set(N=${INC(N)})
 same => n,GotoIf($[${N} < 3]?loop)
 same => n,UserEvent(dec,${DEC(N)},${N})
 same => n,Set(S=abc)
 same => n,UserEvent(bad,${INC(S)},${INC(NOSUCH)},${S})
`), "inc.conf")
	if err != nil {
		t.Fatal(err)
	}
	ch := newFake(nil)
	if err := (&Executor{}).Run(context.Background(), dp, ch, Location{Context: "c", Exten: "1"}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range ch.calls {
		if strings.HasPrefix(c, "UserEvent") {
			got = append(got, c)
		}
	}
	want := []string{"UserEvent(n|1)", "UserEvent(n|2)", "UserEvent(dec|2|2)", "UserEvent(bad|||abc)"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("events %q, want %q", got, want)
	}
}
