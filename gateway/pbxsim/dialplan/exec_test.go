package dialplan

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// fakeChannel records what the executor asks of it.
type fakeChannel struct {
	mu     sync.Mutex
	vars   map[string]string
	calls  []string
	where  []string
	hungup bool
	// behave decides an application's result; nil means success.
	behave func(ctx context.Context, app string, args []string) error
}

func newFake(vars map[string]string) *fakeChannel {
	if vars == nil {
		vars = map[string]string{}
	}
	return &fakeChannel{vars: vars}
}

func (f *fakeChannel) Var(name string) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.vars[strings.TrimLeft(name, "_")]
	return v, ok
}

func (f *fakeChannel) SetVar(name, value string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.vars[strings.TrimLeft(name, "_")] = value
	f.calls = append(f.calls, "set "+name+"="+value)
}

func (f *fakeChannel) Exec(ctx context.Context, app string, args []string) error {
	f.mu.Lock()
	f.calls = append(f.calls, app+"("+strings.Join(args, "|")+")")
	behave := f.behave
	f.mu.Unlock()
	if strings.EqualFold(app, "Hangup") {
		f.mu.Lock()
		f.hungup = true
		f.mu.Unlock()
		return ErrHangup
	}
	if behave != nil {
		return behave(ctx, app, args)
	}
	return nil
}

func (f *fakeChannel) Executing(loc Location, app, data string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.where = append(f.where, loc.String()+" "+app)
}

var (
	_ Channel = (*fakeChannel)(nil)
	_ Tracker = (*fakeChannel)(nil)
)

// hangupFake also reports hangups between applications.
type hangupFake struct{ *fakeChannel }

func (h hangupFake) HungUp() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.hungup
}

var _ HangupChecker = hangupFake{}

const execConf = `
[globals]
GREETING=welcome
HOTLINE=12345

[in]
exten => 12345,1,NoOp(call from ${CALLERID(num)} to ${EXTEN} in ${CONTEXT} at ${PRIORITY})
 same => n,Answer()
 same => n,Playback(${GREETING})
 same => n,Stasis(liandong,inbound,${EXTEN})
 same => n,Hangup()
exten => h,1,NoOp(hangup ${EXTEN})
 same => n,UserEvent(Gone,exten: ${EXTEN})
exten => i,1,Playback(invalid ${INVALID_EXTEN})
exten => fall,1,Answer()
exten => busy,1,Set(DIALSTATUS=BUSY)
exten => cong,1,Set(DIALSTATUS=CHANUNAVAIL)
exten => gotos,1,Goto(target)
 same => n,NoOp(skipped)
 same => n(target),Set(X=1)
 same => n,GotoIf($[${X} = 1]?yes:no)
 same => n(no),UserEvent(no)
 same => n,Hangup()
 same => n(yes),UserEvent(yes)
 same => n,GotoIf($[${X} = 2]?yes)
 same => n,Goto(in,fall,1)
exten => rel,1,Goto(+2)
 same => n,NoOp(skipped)
 same => n,UserEvent(after relative)
 same => n,Goto(-2)
exten => badlabel,1,Goto(nosuchlabel)
exten => missing,1,Goto(in,nosuch,1)
exten => missingprio,1,Goto(in,fall,7)
exten => setvars,1,Set(A=x,y)
 same => n,Set(__INHERIT=z)
 same => n,Set(GLOBAL(G)=g${A})
 same => n,MSet(M1=1,M2=2)
 same => n,Set(CALLERID(name)=Agent)
 same => n,UserEvent(vals,${A},${INHERIT},${G},${GLOBAL(G)},${M1}${M2},${HOTLINE},${LEN(${A})})
exten => execif,1,ExecIf($[1=1]?UserEvent(true,1):UserEvent(false))
 same => n,ExecIf($[1=2]?UserEvent(true):UserEvent(false,2))
 same => n,ExecIf(0?UserEvent(never))
 same => n,ExecIf(1?Goto(in,fall,1))
exten => execif2,1,ExecIf(1?:UserEvent(false))
exten => fail,1,Unknown(x)
 same => n,NoOp(not reached)
exten => _X.,1,UserEvent(pattern ${EXTEN:1})
 same => n,Hangup()

[noh]
exten => 1,1,Answer()
exten => 2,1,Goto(nowhere,1)

[exc]
exten => 1,1,Goto(2,1)
exten => e,1,UserEvent(exception ${EXCEPTION(reason)})
exten => h,1,Goto(h,9)
exten => h,9,UserEvent(h jumped)
`

func TestRun(t *testing.T) {
	dp, err := Parse(strings.NewReader(execConf), "exec.conf")
	if err != nil {
		t.Fatal(err)
	}
	hangupH := []string{"UserEvent(Gone|exten: h)"} // NoOp is not passed to the channel
	for _, tc := range []struct {
		name    string
		start   Location
		vars    map[string]string
		behave  func(context.Context, string, []string) error
		want    []string
		wantErr error
	}{
		{
			name:  "hotline",
			start: Location{Context: "in", Exten: "12345"},
			vars:  map[string]string{"CALLERID(num)": "13800138000"},
			want:  append([]string{"Answer()", "Playback(welcome)", "Stasis(liandong|inbound|12345)", "Hangup()"}, hangupH...),
		},
		{
			name:  "hangup inside stasis",
			start: Location{Context: "in", Exten: "12345", Priority: 4},
			behave: func(_ context.Context, app string, _ []string) error {
				if app == "Stasis" {
					return fmt.Errorf("stasis: %w", ErrHangup)
				}
				return nil
			},
			want: append([]string{"Stasis(liandong|inbound|12345)"}, hangupH...),
		},
		{
			name:  "continue from stasis",
			start: Location{Context: "in", Exten: "12345", Priority: 4},
			behave: func(_ context.Context, app string, _ []string) error {
				if app == "Stasis" {
					return &GotoError{Loc: Location{Exten: "fall", Priority: 1}}
				}
				return nil
			},
			want: append([]string{"Stasis(liandong|inbound|12345)", "Answer()"}, hangupH...),
		},
		{
			name:  "continue to next priority",
			start: Location{Context: "in", Exten: "12345", Priority: 4},
			behave: func(_ context.Context, app string, _ []string) error {
				if app == "Stasis" {
					return &GotoError{}
				}
				return nil
			},
			want: append([]string{"Stasis(liandong|inbound|12345)", "Hangup()"}, hangupH...),
		},
		{
			name:  "continue to label",
			start: Location{Context: "in", Exten: "12345", Priority: 4},
			behave: func(_ context.Context, app string, _ []string) error {
				if app == "Stasis" {
					return &GotoError{Loc: Location{Exten: "gotos", Label: "yes"}}
				}
				return nil
			},
			want: append([]string{"Stasis(liandong|inbound|12345)", "UserEvent(yes)", "Answer()"}, hangupH...),
		},
		{
			name:  "start at label",
			start: Location{Context: "in", Exten: "gotos", Label: "yes"},
			want:  append([]string{"UserEvent(yes)", "Answer()"}, hangupH...),
		},
		{
			name:  "auto fallthrough",
			start: Location{Context: "in", Exten: "fall"},
			want:  append([]string{"Answer()"}, hangupH...),
		},
		{
			name:  "fallthrough busy",
			start: Location{Context: "in", Exten: "busy"},
			want:  append([]string{"set DIALSTATUS=BUSY", "Busy(10)"}, hangupH...),
		},
		{
			name:  "fallthrough congestion",
			start: Location{Context: "in", Exten: "cong"},
			want:  append([]string{"set DIALSTATUS=CHANUNAVAIL", "Congestion(10)"}, hangupH...),
		},
		{
			name:  "goto gotoif",
			start: Location{Context: "in", Exten: "gotos"},
			want:  append([]string{"set X=1", "UserEvent(yes)", "Answer()"}, hangupH...),
		},
		{
			name:  "relative goto",
			start: Location{Context: "in", Exten: "rel"},
			want:  append([]string{"UserEvent(after relative)", "UserEvent(after relative)", "UserEvent(after relative)"}, hangupH...),
			behave: func() func(context.Context, string, []string) error {
				n := 0
				return func(context.Context, string, []string) error {
					if n++; n == 3 {
						return ErrHangup
					}
					return nil
				}
			}(),
		},
		{
			name:    "goto bad label fails the app",
			start:   Location{Context: "in", Exten: "badlabel"},
			want:    hangupH,
			wantErr: ErrBadGoto,
		},
		{
			name:  "goto missing extension goes to i",
			start: Location{Context: "in", Exten: "missing"},
			want:  append([]string{"set INVALID_EXTEN=nosuch", "Playback(invalid nosuch)"}, hangupH...),
		},
		{
			name:  "start at missing extension goes to i",
			start: Location{Context: "in", Exten: "*99"},
			want:  append([]string{"set INVALID_EXTEN=*99", "Playback(invalid *99)"}, hangupH...),
		},
		{
			name:  "goto missing priority is a fallthrough",
			start: Location{Context: "in", Exten: "missingprio"},
			want:  hangupH,
		},
		{
			name:  "set and functions",
			start: Location{Context: "in", Exten: "setvars"},
			want: append([]string{"set A=x,y", "set __INHERIT=z", "set M1=1", "set M2=2", "set CALLERID(name)=Agent",
				"UserEvent(vals|x|y|z|gx|y|gx|y|12|12345|3)"}, hangupH...),
		},
		{
			name:  "execif",
			start: Location{Context: "in", Exten: "execif"},
			want:  append([]string{"UserEvent(true|1)", "UserEvent(false|2)", "Answer()"}, hangupH...),
		},
		{
			name:    "execif true without app fails",
			start:   Location{Context: "in", Exten: "execif2"},
			want:    hangupH,
			wantErr: ErrAppUsage,
		},
		{
			name:    "failing application",
			start:   Location{Context: "in", Exten: "fail"},
			behave:  func(context.Context, string, []string) error { return errors.New("no application") },
			want:    append([]string{"Unknown(x)"}, hangupH...),
			wantErr: errors.New("no application"),
		},
		{
			name:  "pattern",
			start: Location{Context: "in", Exten: "9876"},
			want:  append([]string{"UserEvent(pattern 876)", "Hangup()"}, hangupH...),
		},
		{
			name:  "no h, fallthrough",
			start: Location{Context: "noh", Exten: "1"},
			want:  []string{"Answer()"},
		},
		{
			name:    "invalid without handler",
			start:   Location{Context: "noh", Exten: "2"},
			wantErr: ErrInvalidExtension,
		},
		{
			name:    "missing context",
			start:   Location{Context: "nowhere", Exten: "1"},
			wantErr: ErrInvalidExtension,
		},
		{
			name:  "e extension and goto inside h",
			start: Location{Context: "exc", Exten: "1"},
			want:  []string{"UserEvent(exception INVALID)", "UserEvent(h jumped)"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ch := newFake(tc.vars)
			ch.behave = tc.behave
			err := Run(context.Background(), dp, ch, tc.start)
			switch {
			case tc.wantErr == nil && err != nil:
				t.Errorf("Run: %v", err)
			case tc.wantErr != nil && err == nil:
				t.Errorf("Run: nil error, want %v", tc.wantErr)
			case tc.wantErr != nil && !errors.Is(err, tc.wantErr) && !strings.Contains(err.Error(), tc.wantErr.Error()):
				t.Errorf("Run: %v, want %v", err, tc.wantErr)
			}
			got := ch.calls
			if tc.name == "hotline" {
				// NoOp is not passed to the channel; its substitution is
				// checked through the tracker.
				if len(ch.where) < 2 || ch.where[0] != "in,12345,1 NoOp" || ch.where[1] != "in,12345,1 " {
					t.Errorf("tracker saw %v", ch.where)
				}
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("calls\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

// trackData records the substituted data the tracker sees.
type trackData struct {
	*fakeChannel
	data []string
}

func (d *trackData) Executing(loc Location, app, data string) {
	if app != "" {
		d.data = append(d.data, app+"("+data+")")
	}
}

func TestRunSubstitutesBuiltins(t *testing.T) {
	dp, err := Parse(strings.NewReader(execConf), "exec.conf")
	if err != nil {
		t.Fatal(err)
	}
	ch := &trackData{fakeChannel: newFake(map[string]string{"CALLERID(num)": "13800138000"})}
	if err := Run(context.Background(), dp, ch, Location{Context: "in", Exten: "12345"}); err != nil {
		t.Fatal(err)
	}
	if got, want := ch.data[0], "NoOp(call from 13800138000 to 12345 in in at 1)"; got != want {
		t.Errorf("first priority data %q, want %q", got, want)
	}
}

func TestRunHangupBetweenApps(t *testing.T) {
	dp, err := Parse(strings.NewReader("[c]\nexten => 1,1,Answer()\n same => n,NoOp(a)\n same => n,Playback(x)\nexten => h,1,NoOp(h)\n same => n,UserEvent(h)\n"), "h.conf")
	if err != nil {
		t.Fatal(err)
	}
	f := newFake(nil)
	f.behave = func(_ context.Context, app string, _ []string) error {
		if app == "Answer" {
			f.mu.Lock()
			f.hungup = true // hung up, but Answer still returned normally
			f.mu.Unlock()
		}
		return nil
	}
	if err := Run(context.Background(), dp, hangupFake{f}, Location{Context: "c", Exten: "1"}); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(f.calls, ","), "Answer(),UserEvent(h)"; got != want {
		t.Errorf("calls %q, want %q", got, want)
	}
}

func TestRunCancel(t *testing.T) {
	defer goleak.VerifyNone(t)
	dp, err := Parse(strings.NewReader("[c]\nexten => 1,1,Wait(60)\nexten => loop,1,Goto(1)\nexten => h,1,UserEvent(h)\n"), "c.conf")
	if err != nil {
		t.Fatal(err)
	}
	for _, exten := range []string{"1", "loop"} {
		t.Run(exten, func(t *testing.T) {
			ctx, cancel := context.WithCancelCause(context.Background())
			f := newFake(nil)
			f.behave = func(ctx context.Context, _ string, _ []string) error {
				<-ctx.Done()
				return ctx.Err()
			}
			done := make(chan error, 1)
			go func() { done <- Run(ctx, dp, f, Location{Context: "c", Exten: exten}) }()
			cause := errors.New("channel destroyed")
			cancel(cause)
			select {
			case err := <-done:
				if !errors.Is(err, cause) {
					t.Errorf("Run = %v, want the cancel cause", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Run did not end after cancel")
			}
			for _, c := range f.calls {
				if c == "UserEvent(h)" {
					t.Error("h ran after cancellation")
				}
			}
		})
	}
}

// rawFake takes the data unsplit.
type rawFake struct {
	*fakeChannel
	raw []string
}

var _ RawExecer = (*rawFake)(nil)

func (r *rawFake) ExecRaw(ctx context.Context, app, data string) error {
	r.raw = append(r.raw, app+"("+data+")")
	return r.fakeChannel.Exec(ctx, app, nil)
}

func TestRunRawExecer(t *testing.T) {
	dp, err := Parse(strings.NewReader("[c]\nexten => 1,1,Dial(PJSIP/1&PJSIP/2,30,tT,\"a,b\")\n same => n,Set(DIALSTATUS=BUSY)\n"), "raw.conf")
	if err != nil {
		t.Fatal(err)
	}
	ch := &rawFake{fakeChannel: newFake(nil)}
	if err := Run(context.Background(), dp, ch, Location{Context: "c", Exten: "1"}); err != nil {
		t.Fatal(err)
	}
	want := `Dial(PJSIP/1&PJSIP/2,30,tT,"a,b")|Busy(10)`
	if got := strings.Join(ch.raw, "|"); got != want {
		t.Errorf("raw data %q, want %q", got, want)
	}
}

func TestRunLoopGuard(t *testing.T) {
	dp, err := Parse(strings.NewReader("[c]\nexten => 1,1,Goto(2,1)\nexten => 2,1,Goto(1,1)\nexten => 3,1,Goto(nosuch,1)\nexten => i,1,Goto(nosuch2,1)\nexten => h,1,UserEvent(h)\n"), "loop.conf")
	if err != nil {
		t.Fatal(err)
	}
	for _, exten := range []string{"1", "3"} {
		ch := newFake(nil)
		e := Executor{MaxQuietSteps: 1000}
		err := e.Run(context.Background(), dp, ch, Location{Context: "c", Exten: exten})
		if !errors.Is(err, ErrDialplanLoop) {
			t.Errorf("Run(%s) = %v, want ErrDialplanLoop", exten, err)
		}
		if n := len(ch.calls); n < 1 || n > 1100 || ch.calls[n-1] != "UserEvent(h)" {
			t.Errorf("h did not run after the loop was stopped (%d calls)", n)
		}
	}
}

func TestExists(t *testing.T) {
	dp, err := ParseFile("testdata/asterisk-lab.conf")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		ctx, exten string
		want       bool
	}{
		{"from-pstn", "12345", true},
		{"from-pstn", "110", true},
		{"from-pstn", "119", false},
		{"from-agents", "1001", true},
		{"from-agents", "9", false},
		{"lab-internal", "park", true},
		{"nope", "12345", false},
	} {
		if got := dp.Exists(tc.ctx, tc.exten, 1); got != tc.want {
			t.Errorf("Exists(%s,%s,1) = %v, want %v", tc.ctx, tc.exten, got, tc.want)
		}
	}
}

func TestMaskExten(t *testing.T) {
	for in, want := range map[string]string{"13812345678": "138****5678", "5551234": "55***34", "12345": "12345", "s": "s", "+8613812345678": "+86*******5678", "abcdefgh": "abcdefgh"} {
		if got := maskExten(in); got != want {
			t.Errorf("maskExten(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTrackerSequence(t *testing.T) {
	dp, err := Parse(strings.NewReader("[c]\nexten => 1,1,Goto(go)\n same => n(go),Wait(1)\n same => n,Hangup()\nexten => h,1,NoOp(${EXTEN})\n"), "t.conf")
	if err != nil {
		t.Fatal(err)
	}
	ch := newFake(nil)
	if err := Run(context.Background(), dp, ch, Location{Context: "c", Exten: "1"}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"c,1,1 Goto", "c,1,2 ", // after the jump: the target
		"c,1,2 Wait", "c,1,2 ",
		"c,1,3 Hangup", "c,1,3 ", // app_name "" once Hangup returned
		"c,h,1 NoOp", "c,h,1 ",
	}
	if strings.Join(ch.where, "\n") != strings.Join(want, "\n") {
		t.Errorf("tracker saw\n%q\nwant\n%q", ch.where, want)
	}
}

func TestBuiltin(t *testing.T) {
	dp, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	dp.SetGlobal("ARI_APP", "hotline")
	ch := &trackData{fakeChannel: newFake(map[string]string{"CALLERID(num)": "13800138000"})}
	ch.behave = func(_ context.Context, app string, _ []string) error {
		if app == "Stasis" {
			ch.vars["STASISSTATUS"] = "SUCCESS"
		}
		return nil
	}
	if err := Run(context.Background(), dp, ch, Location{Context: "from-pstn", Exten: "110"}); err != nil {
		t.Fatal(err)
	}
	want := "NoOp(110 inbound from 13800138000),Stasis(hotline),NoOp(Stasis returned STASISSTATUS=SUCCESS),Hangup()"
	if got := strings.Join(ch.data, ","); got != want {
		t.Errorf("built-in from-pstn,110:\n got %s\nwant %s", got, want)
	}
	// Same contexts and priorities as the lab's extensions.conf.
	lab, err := ParseFile("testdata/asterisk-lab.conf")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range lab.Contexts() {
		lc, _ := lab.Context(c)
		bc, ok := dp.Context(c)
		if !ok {
			t.Errorf("built-in lacks context %s", c)
			continue
		}
		for _, e := range lc.Extensions() {
			be := bc.lookupName(e.Name)
			if be == nil || len(be.Priorities()) != len(e.Priorities()) {
				t.Errorf("built-in %s,%s differs from the lab", c, e.Name)
				continue
			}
			for _, p := range e.Priorities() {
				if q, _ := be.Priority(p.Number); q.App != p.App {
					t.Errorf("built-in %s,%s,%d runs %s, lab runs %s", c, e.Name, p.Number, q.App, p.App)
				}
			}
		}
	}
}
