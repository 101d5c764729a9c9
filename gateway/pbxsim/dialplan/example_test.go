package dialplan_test

import (
	"context"
	"fmt"
	"strings"

	"liandong/gateway/pbxsim/dialplan"
)

// printChannel prints what the executor hands to the emulator.
type printChannel struct{ vars map[string]string }

func (c *printChannel) Var(name string) (string, bool) { v, ok := c.vars[name]; return v, ok }
func (c *printChannel) SetVar(name, value string)      { c.vars[name] = value }
func (c *printChannel) Exec(_ context.Context, app string, args []string) error {
	fmt.Printf("%s %q\n", app, args)
	if app == "Hangup" {
		return dialplan.ErrHangup
	}
	return nil
}

func Example() {
	const conf = `
[from-pstn]
exten => 12345,1,NoOp(hotline call from ${CALLERID(num)})
 same => n,GotoIf($["${CALLERID(num):0:3}" = "110"]?police)
 same => n,Stasis(liandong,inbound,${EXTEN})
 same => n,Hangup()
 same => n(police),Stasis(liandong,police)
exten => h,1,UserEvent(CallEnded,exten: ${EXTEN})
`
	dp, err := dialplan.Parse(strings.NewReader(conf), "extensions.conf")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(dp.Exists("from-pstn", "12345", 1), dp.Exists("from-pstn", "12346", 1))
	ch := &printChannel{vars: map[string]string{"CALLERID(num)": "13800138000"}}
	err = dialplan.Run(context.Background(), dp, ch, dialplan.Location{Context: "from-pstn", Exten: "12345"})
	fmt.Println("run:", err)
	// Output:
	// true false
	// Stasis ["liandong" "inbound" "12345"]
	// Hangup []
	// UserEvent ["CallEnded" "exten: h"]
	// run: <nil>
}
