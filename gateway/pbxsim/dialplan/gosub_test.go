package dialplan

import (
	"context"
	"errors"
	"strings"
	"testing"
)

const gosubConf = `
[main]
exten => 1,1,Set(ARG1=outer)
 same => n,Gosub(sub,s,1(a,"b,c"))
 same => n,UserEvent(back,${GOSUB_RETVAL},${ARG1},${ARGC})
 same => n,GosubIf($[1=2]?sub,s,1(x):sub,s,1(y))
 same => n,UserEvent(back2,${GOSUB_RETVAL})
 same => n,Gosub(sub,missing,1)
exten => 2,1,Return()
exten => 3,1,Gosub(lbl)
 same => n,UserEvent(after label)
 same => n,Hangup()
 same => n(lbl),Set(LOCAL(L)=in)
 same => n,UserEvent(${L})
 same => n,StackPop()
 same => n,UserEvent(${L} popped)
 same => n,Gosub(sub,s,bad)

[sub]
exten => s,1,UserEvent(sub,${ARG1},${ARG2},${ARGC})
 same => n,GotoIf($[${ARG1} = a]?nested)
 same => n,Return(plain ${ARG1})
 same => n(nested),Gosub(inner,1)
 same => n,UserEvent(sub again,${ARG1},${ARG2})
 same => n,Return(ret ${ARG1})
exten => inner,1,UserEvent(inner,${ARG1},${ARG2},${ARGC})
 same => n,Return
`

func TestGosub(t *testing.T) {
	dp, err := Parse(strings.NewReader(gosubConf), "gosub.conf")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		exten   string
		want    []string
		wantErr error
	}{
		{
			name:  "nested with arguments",
			exten: "1",
			want: []string{
				"set ARG1=outer",
				"set ARG1=a", `set ARG2="b,c"`, "set ARGC=2",
				`UserEvent(sub|a|b,c|2)`,
				"set ARG1=", "set ARG2=", "set ARGC=0", // inner call masks the caller's arguments
				"UserEvent(inner|||0)",
				"set ARG1=a", `set ARG2="b,c"`, "set ARGC=2", "set GOSUB_RETVAL=",
				"UserEvent(sub again|a|b,c)",
				"set ARG1=outer", "set ARG2=", "set ARGC=", "set GOSUB_RETVAL=ret a",
				"UserEvent(back|ret a|outer|)",
				"set ARG1=y", "set ARGC=1",
				"UserEvent(sub|y||1)",
				"set ARG1=outer", "set ARGC=", "set GOSUB_RETVAL=plain y",
				"UserEvent(back2|plain y)",
			},
			wantErr: ErrBadGoto, // Gosub to a missing destination fails the app
		},
		{name: "return without gosub", exten: "2", wantErr: ErrAppUsage},
		{
			name:    "label, LOCAL and StackPop",
			exten:   "3",
			want:    []string{"set ARGC=0", "set L=in", "UserEvent(in)", "set ARGC=", "set L=", "UserEvent( popped)"},
			wantErr: ErrBadGoto,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ch := newFake(nil)
			err := Run(context.Background(), dp, ch, Location{Context: "main", Exten: tc.exten})
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) || tc.wantErr == nil && err != nil {
				t.Errorf("Run = %v, want %v", err, tc.wantErr)
			}
			if strings.Join(ch.calls, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("calls\n got %q\nwant %q", ch.calls, tc.want)
			}
		})
	}
}
