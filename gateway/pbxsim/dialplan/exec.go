package dialplan

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
)

// Channel is what the executor needs of a channel. The emulator core
// implements it.
type Channel interface {
	// Var returns a channel variable, or the value of a dialplan function
	// such as "CALLERID(num)" (arguments already substituted). ok is false
	// when the channel does not know the name; for plain names the
	// executor then tries the dialplan's globals.
	Var(name string) (string, bool)
	// SetVar sets a channel variable, or writes a function such as
	// "CALLERID(name)". Names may carry the "_" or "__" inheritance
	// prefix, as written in Set().
	SetVar(name, value string)
	// Exec runs any application the executor does not handle itself
	// (Answer, Playback, Stasis, Dial, Hangup, ...), with its arguments
	// substituted and split. It returns nil to go on to the next priority,
	// ErrHangup (wrapped or not) when the channel hung up, a *GotoError to
	// continue elsewhere, or another error when the application failed
	// (Asterisk: returned -1; e.g. an unknown application). Application
	// names are case-insensitive in Asterisk.
	Exec(ctx context.Context, app string, args []string) error
}

// RawExecer is optionally implemented by a Channel that wants an
// application's substituted data as one string, as Asterisk hands it to
// the application (which splits it itself, some with a maximum number of
// arguments). When implemented, the executor calls ExecRaw instead of
// Exec; results mean the same.
type RawExecer interface {
	ExecRaw(ctx context.Context, app, data string) error
}

// HangupChecker is optionally implemented by a Channel: after an
// application returns normally, a hung-up channel ends the dialplan, as
// in Asterisk ("returned normally even though call was hung up").
type HangupChecker interface {
	HungUp() bool
}

// Tracker is optionally implemented by a Channel that wants to know where
// it is in the dialplan (ARI's channel "dialplan" object). It is called
// before each priority runs, with the application and its substituted
// data, and again with app and data empty when the application returns
// (Asterisk's pbx_exec clears them then, so a channel hung up by its
// application shows app_name ""); after a jump loc is the target.
type Tracker interface {
	Executing(loc Location, app, data string)
}

var discard = slog.New(slog.DiscardHandler)

// Executor runs channels through a dialplan. The zero value is ready to
// use and logs nothing.
type Executor struct {
	Log *slog.Logger
	// MaxQuietSteps is how many dialplan-control priorities may run in a
	// row without an application reaching the channel before Run gives up
	// with ErrDialplanLoop; 0 means 100,000.
	MaxQuietSteps int
}

// Run runs ch through dp from start with an Executor that logs nothing.
func Run(ctx context.Context, dp *Dialplan, ch Channel, start Location) error {
	var e Executor
	return e.Run(ctx, dp, ch, start)
}

// Run executes the dialplan for ch from start until it ends, as Asterisk's
// __ast_pbx_run does (see the package documentation), then runs the "h"
// extension. A start Priority of 0 means 1. It returns nil when the
// dialplan ended normally (hangup, auto fallthrough), ErrInvalidExtension
// when sent to a missing extension with no handler, the (wrapped) error
// of an application that failed, or the context's error when ctx was
// cancelled (then "h" does not run). In every case the caller hangs up
// the channel afterwards.
func (e *Executor) Run(ctx context.Context, dp *Dialplan, ch Channel, start Location) error {
	if dp == nil || ch == nil {
		return errors.New("dialplan run: nil dialplan or channel")
	}
	log := e.Log
	if log == nil {
		log = discard
	}
	r := &run{dp: dp, ch: ch, log: log, context: start.Context, exten: start.Exten, prio: start.Priority, maxQuiet: e.MaxQuietSteps}
	if r.maxQuiet <= 0 {
		r.maxQuiet = defaultMaxQuietSteps
	}
	if start.Label != "" {
		n, ok := dp.FindLabel(start.Context, start.Exten, start.Label)
		if !ok {
			return fmt.Errorf("dialplan run: start label %q at %s,%s: %w", start.Label, start.Context, maskExten(start.Exten), ErrBadGoto)
		}
		r.prio = n
	}
	if r.prio <= 0 {
		r.prio = 1
	}
	err := r.main(ctx)
	if ctx.Err() != nil {
		return fmt.Errorf("dialplan run: %w", context.Cause(ctx))
	}
	if dp.Exists(r.context, "h", 1) {
		r.hangupExten(ctx)
		if ctx.Err() != nil {
			return fmt.Errorf("dialplan run: %w", context.Cause(ctx))
		}
	}
	return err
}

type run struct {
	dp      *Dialplan
	ch      Channel
	log     *slog.Logger
	context string
	exten   string
	prio    int
	// exception is the reason of the last raised exception, for
	// ${EXCEPTION(reason)} in the "e" extension.
	exception string
	// stack holds the Gosub frames, innermost last.
	stack []*frame
	// quiet counts priorities run since the channel last executed an
	// application, to stop a dialplan that only jumps around.
	quiet    int
	maxQuiet int
}

// defaultMaxQuietSteps: Asterisk would spin forever on
// "exten => 1,1,Goto(1)"; the emulator gives up with ErrDialplanLoop
// instead of burning a core until the call's context ends.
const defaultMaxQuietSteps = 100_000

// frame is one Gosub: where Return goes and the LOCAL variables it
// shadows (restored on Return).
type frame struct {
	ret   Location
	argc  int
	saved map[string]*string // nil value: the variable did not exist
	order []string
}

// outcome of one priority.
type outcome int

const (
	advance outcome = iota // go on at prio+1
	jumped                 // location already set
	ended                  // application failed or channel hung up
)

func (r *run) loc() Location {
	return Location{Context: r.context, Exten: r.exten, Priority: r.prio}
}

// main is the priority loop and its failure handling.
func (r *run) main(ctx context.Context) error {
	for {
		for {
			if ctx.Err() != nil {
				return nil
			}
			if err := r.checkLoop(); err != nil {
				return err
			}
			p, ok := r.dp.Find(r.context, r.exten, r.prio)
			if !ok {
				break
			}
			out, err := r.step(ctx, p)
			if out == ended {
				return err
			}
			if out == advance {
				r.prio++
			}
			if hc, ok := r.ch.(HangupChecker); ok && hc.HungUp() {
				r.log.Debug("priority returned normally even though call was hung up", "context", r.context, "exten", maskExten(r.exten), "priority", r.prio)
				return nil
			}
		}
		if !r.dp.Exists(r.context, r.exten, 1) {
			// Not a valid extension: "i", else "e", else give up.
			switch {
			case r.dp.Exists(r.context, "i", 1):
				r.log.Info("channel sent to invalid extension", "context", r.context, "exten", maskExten(r.exten), "priority", r.prio)
				r.ch.SetVar("INVALID_EXTEN", r.exten)
				r.exten, r.prio = "i", 1
				r.quiet++
				continue
			case r.dp.Exists(r.context, "e", 1):
				r.exception = "INVALID"
				r.exten, r.prio = "e", 1
				r.quiet++
				continue
			}
			r.log.Warn("channel sent to invalid extension but no invalid handler", "context", r.context, "exten", maskExten(r.exten), "priority", r.prio)
			return fmt.Errorf("dialplan run: %s: %w", Location{r.context, maskExten(r.exten), r.prio, ""}, ErrInvalidExtension)
		}
		// Auto fallthrough: the extension ran out of priorities.
		status, ok := r.ch.Var("DIALSTATUS")
		if !ok {
			status = "UNKNOWN"
		}
		r.log.Debug("auto fallthrough", "context", r.context, "exten", maskExten(r.exten), "status", status)
		switch strings.ToUpper(status) {
		case "CONGESTION", "CHANUNAVAIL":
			r.execApp(ctx, "Congestion", "10")
		case "BUSY":
			r.execApp(ctx, "Busy", "10")
		}
		return nil
	}
}

// hangupExten runs the "h" extension (ast_pbx_h_exten_run): from h,1
// until an application ends it or a priority is missing.
func (r *run) hangupExten(ctx context.Context) {
	r.exten, r.prio, r.quiet = "h", 1, 0
	for ctx.Err() == nil {
		if err := r.checkLoop(); err != nil {
			return
		}
		p, ok := r.dp.Find(r.context, r.exten, r.prio)
		if !ok {
			return
		}
		out, err := r.step(ctx, p)
		switch out {
		case ended:
			if err != nil && !errors.Is(err, ErrHangup) {
				r.log.Debug("h extension ended by application", "error", err)
			}
			return
		case advance:
			r.prio++
		}
	}
}

// checkLoop fails once too many priorities ran without an application.
func (r *run) checkLoop() error {
	if r.quiet <= r.maxQuiet {
		return nil
	}
	r.log.Warn("dialplan loops without running any application", "context", r.context, "exten", maskExten(r.exten), "priority", r.prio)
	return fmt.Errorf("dialplan run: %s: %w", Location{r.context, maskExten(r.exten), r.prio, ""}, ErrDialplanLoop)
}

// step substitutes and runs one priority.
func (r *run) step(ctx context.Context, p *Priority) (outcome, error) {
	r.quiet++
	data := Substitute(p.Data, r.lookup)
	if t, ok := r.ch.(Tracker); ok {
		t.Executing(r.loc(), p.App, data)
	}
	r.log.Debug("executing", "context", r.context, "exten", maskExten(r.exten), "priority", r.prio, "app", p.App)
	out, err := r.app(ctx, p.App, data)
	if t, ok := r.ch.(Tracker); ok {
		t.Executing(r.loc(), "", "")
	}
	return out, err
}

// app runs one application with its substituted data string.
func (r *run) app(ctx context.Context, app, data string) (outcome, error) {
	switch strings.ToLower(app) {
	case "noop":
		return advance, nil
	case "set":
		r.set(data)
		return advance, nil
	case "mset":
		for _, a := range SplitArgs(data) {
			r.set(a)
		}
		return advance, nil
	case "goto":
		return r.gotoApp(data)
	case "gotoif":
		condition, branches, _ := strings.Cut(data, "?")
		ifTrue, ifFalse, _ := strings.Cut(branches, ":")
		branch := ifFalse
		if checkCondition(condition) {
			branch = ifTrue
		}
		if branch == "" {
			return advance, nil
		}
		return r.gotoApp(branch)
	case "execif":
		return r.execIf(ctx, data)
	case "gosub":
		return r.gosub(data)
	case "gosubif":
		return r.gosubIf(data)
	case "return":
		return r.ret(data, true)
	case "stackpop":
		return r.ret("", false)
	}
	return r.execApp(ctx, app, data)
}

// execApp passes an application to the channel and classifies its result.
func (r *run) execApp(ctx context.Context, app, data string) (outcome, error) {
	r.quiet = 0
	var err error
	if raw, ok := r.ch.(RawExecer); ok {
		err = raw.ExecRaw(ctx, app, data)
	} else {
		err = r.ch.Exec(ctx, app, SplitArgs(data))
	}
	if err == nil {
		return advance, nil
	}
	var g *GotoError
	if errors.As(err, &g) {
		r.jump(g.Loc)
		return jumped, nil
	}
	if errors.Is(err, ErrHangup) || ctx.Err() != nil {
		return ended, nil
	}
	r.log.Debug("application failed", "app", app, "error", err)
	return ended, fmt.Errorf("dialplan run: %s at %s: %w", app, Location{r.context, maskExten(r.exten), r.prio, ""}, err)
}

// jump applies a *GotoError's location (ast_explicit_goto).
func (r *run) jump(l Location) {
	if l.Context != "" {
		r.context = l.Context
	}
	if l.Exten != "" {
		r.exten = l.Exten
	}
	switch {
	case l.Label != "":
		if n, ok := r.dp.FindLabel(r.context, r.exten, l.Label); ok {
			r.prio = n
		} else {
			r.prio = 0 // no such priority: handled as a missing one
		}
	case l.Priority > 0:
		r.prio = l.Priority
	default:
		r.prio++
	}
}

// set is Set(name=value): the first '=' splits, the value keeps commas.
// GLOBAL(name) writes a dialplan global.
func (r *run) set(data string) {
	name, value, ok := strings.Cut(data, "=")
	if !ok || name == "" {
		r.log.Debug("Set without name=value ignored")
		return
	}
	if g, ok := funcArg(name, "GLOBAL"); ok {
		r.dp.SetGlobal(g, value)
		return
	}
	if l, ok := funcArg(name, "LOCAL"); ok {
		r.setLocal(l, value)
		return
	}
	r.ch.SetVar(name, value)
}

// setLocal sets a variable that the innermost Gosub frame restores on
// Return. Outside any Gosub it is an ordinary channel variable.
func (r *run) setLocal(name, value string) {
	if n := len(r.stack); n > 0 {
		f := r.stack[n-1]
		if _, done := f.saved[name]; !done {
			var old *string
			if v, ok := r.ch.Var(name); ok {
				old = &v
			}
			f.saved[name] = old
			f.order = append(f.order, name)
		}
	}
	r.ch.SetVar(name, value)
}

// gotoApp is Goto([[context,]exten,]priority) (ast_parseable_goto).
func (r *run) gotoApp(data string) (outcome, error) {
	target, err := r.resolveGoto(data)
	if err != nil {
		return ended, err
	}
	r.context, r.exten, r.prio = target.Context, target.Exten, target.Priority
	return jumped, nil
}

// resolveGoto turns "[[context,]exten,]priority" into a location: the
// priority a number, "+n"/"-n" relative to the current one, or a label of
// the target extension.
func (r *run) resolveGoto(data string) (Location, error) {
	if data == "" {
		return Location{}, fmt.Errorf("dialplan run: Goto requires an argument: %w", ErrBadGoto)
	}
	parts := strings.SplitN(data, ",", 4)
	var ctxName, exten, pri string
	switch len(parts) {
	case 1:
		pri = parts[0]
	case 2:
		exten, pri = parts[0], parts[1]
	default:
		ctxName, exten, pri = parts[0], parts[1], parts[2]
	}
	target := Location{Context: r.context, Exten: r.exten}
	if ctxName != "" {
		target.Context = ctxName
	}
	if exten != "" {
		target.Exten = exten
	}
	mode := 0
	switch {
	case strings.HasPrefix(pri, "+"):
		mode, pri = 1, pri[1:]
	case strings.HasPrefix(pri, "-"):
		mode, pri = -1, pri[1:]
	}
	n, _, ok := scanInt(pri)
	if !ok {
		n, ok = r.dp.FindLabel(target.Context, target.Exten, pri)
		if !ok {
			return Location{}, fmt.Errorf("dialplan run: priority %q must be a number > 0, or valid label: %w", pri, ErrBadGoto)
		}
		mode = 0
	}
	if mode != 0 {
		n = r.prio + n*mode
	}
	target.Priority = n
	return target, nil
}

// gosub is Gosub([[context,]exten,]priority[(arg1[,...])]) (app_stack):
// the arguments become LOCAL ARG1..ARGn and ARGC; Return comes back to
// the priority after the Gosub. A destination that does not exist fails
// the application.
func (r *run) gosub(data string) (outcome, error) {
	label, argText, hasArgs := strings.Cut(data, "(")
	var args []string
	if hasArgs {
		if end := strings.LastIndexByte(argText, ')'); end >= 0 {
			argText = argText[:end]
		}
		args = separate(argText, ',', false, 0)
	}
	target, err := r.resolveGoto(label)
	if err != nil {
		return ended, fmt.Errorf("dialplan run: Gosub address is invalid: %w", err)
	}
	if !r.dp.Exists(target.Context, target.Exten, target.Priority) {
		return ended, fmt.Errorf("dialplan run: Gosub to non-existent %s: %w", Location{target.Context, maskExten(target.Exten), target.Priority, ""}, ErrBadGoto)
	}
	prevArgc := 0
	if n := len(r.stack); n > 0 {
		prevArgc = r.stack[n-1].argc
	}
	r.stack = append(r.stack, &frame{
		ret:   Location{Context: r.context, Exten: r.exten, Priority: r.prio + 1},
		argc:  len(args),
		saved: map[string]*string{},
	})
	for i, a := range args {
		r.setLocal("ARG"+strconv.Itoa(i+1), a)
	}
	for i := len(args) + 1; i <= prevArgc; i++ {
		r.setLocal("ARG"+strconv.Itoa(i), "") // mask the caller's extra arguments
	}
	r.setLocal("ARGC", strconv.Itoa(len(args)))
	r.context, r.exten, r.prio = target.Context, target.Exten, target.Priority
	return jumped, nil
}

// gosubIf is GosubIf(cond?labeliftrue[(args)][:labeliffalse[(args)]]).
func (r *run) gosubIf(data string) (outcome, error) {
	parts := separate(data, '?', false, 2)
	if len(parts) < 2 {
		return ended, fmt.Errorf("dialplan run: GosubIf requires 'cond?label': %w", ErrAppUsage)
	}
	branches := separate(parts[1], ':', false, 2)
	var branch string
	if checkCondition(parts[0]) {
		if len(branches) > 0 {
			branch = branches[0]
		}
	} else if len(branches) > 1 {
		branch = branches[1]
	}
	if branch == "" {
		return advance, nil
	}
	return r.gosub(branch)
}

// ret pops the innermost Gosub frame, restoring its LOCAL variables;
// Return also jumps back and sets GOSUB_RETVAL, StackPop does not.
func (r *run) ret(value string, jump bool) (outcome, error) {
	n := len(r.stack)
	if n == 0 {
		if !jump {
			return advance, nil
		}
		return ended, fmt.Errorf("dialplan run: Return without Gosub: %w", ErrAppUsage)
	}
	f := r.stack[n-1]
	r.stack = r.stack[:n-1]
	for _, name := range f.order {
		old := ""
		if v := f.saved[name]; v != nil {
			old = *v
		}
		r.ch.SetVar(name, old)
	}
	if !jump {
		return advance, nil
	}
	r.ch.SetVar("GOSUB_RETVAL", value)
	r.context, r.exten, r.prio = f.ret.Context, f.ret.Exten, f.ret.Priority
	return jumped, nil
}

// execIf is ExecIf(expr?app(args)[:app(args)]): split raw, run the chosen
// application with its data as it is (already substituted).
func (r *run) execIf(ctx context.Context, data string) (outcome, error) {
	parts := separate(data, '?', false, 2)
	if len(parts) < 2 {
		r.log.Debug("ExecIf without '?'")
		return ended, fmt.Errorf("dialplan run: ExecIf requires 'expr?app(args)': %w", ErrAppUsage)
	}
	apps := separate(parts[1], ':', false, 2)
	var chosen string
	cond := checkCondition(parts[0])
	switch {
	case cond && len(apps) > 0:
		chosen = apps[0]
	case !cond && len(apps) > 1:
		chosen = apps[1]
	case !cond:
		return advance, nil // no false branch: nothing to do
	}
	app, appData := chosen, ""
	if i := strings.IndexByte(chosen, '('); i >= 0 {
		app, appData = chosen[:i], chosen[i+1:]
		if j := strings.LastIndexByte(appData, ')'); j >= 0 {
			appData = appData[:j]
		}
	}
	app = strings.TrimSpace(app)
	if app == "" {
		// Asterisk: "Could not find application!", the app fails.
		return ended, fmt.Errorf("dialplan run: ExecIf without an application: %w", ErrAppUsage)
	}
	return r.app(ctx, app, appData)
}

// checkCondition is pbx_checkcondition: "" false, a leading integer its
// truth, any other text true.
func checkCondition(s string) bool {
	if s == "" {
		return false
	}
	if n, _, ok := scanInt(s); ok {
		return n != 0
	}
	return true
}

// lookup resolves names during substitution, as pbx_retrieve_variable:
// the executor's own EXTEN, CONTEXT and PRIORITY first, then the channel,
// then (plain names) the globals, then a few built-in functions.
func (r *run) lookup(name string) (string, bool) {
	switch name {
	case "EXTEN":
		return r.exten, true
	case "CONTEXT":
		return r.context, true
	case "PRIORITY":
		return strconv.Itoa(r.prio), true
	case "EXCEPTION(reason)":
		return r.exception, r.exception != ""
	}
	if g, ok := funcArg(name, "GLOBAL"); ok {
		return r.dp.Global(g)
	}
	if v, ok := funcArg(name, "INC"); ok {
		return r.crement(v, 1)
	}
	if v, ok := funcArg(name, "DEC"); ok {
		return r.crement(v, -1)
	}
	if l, ok := funcArg(name, "LOCAL"); ok {
		name = l
	}
	if v, ok := r.ch.Var(name); ok {
		return v, true
	}
	if !strings.HasSuffix(name, ")") {
		return r.dp.Global(name)
	}
	return builtinFunc(name)
}

// crement is func_math's INC(var)/DEC(var): the variable (channel, else
// global) must hold an integer; it is set to the next one, which is returned.
func (r *run) crement(name string, by int64) (string, bool) {
	v, ok := r.ch.Var(name)
	if !ok {
		v, ok = r.dp.Global(name)
	}
	if !ok {
		return "", false
	}
	n, err := strconv.ParseInt(strings.TrimLeft(v, " \t"), 10, 64)
	if err != nil {
		return "", false
	}
	next := strconv.FormatInt(n+by, 10)
	r.ch.SetVar(name, next)
	return next, true
}

// funcArg returns the argument of "FN(arg)" when name calls fn.
func funcArg(name, fn string) (string, bool) {
	if len(name) > len(fn)+1 && strings.EqualFold(name[:len(fn)], fn) && name[len(fn)] == '(' && strings.HasSuffix(name, ")") {
		return name[len(fn)+1 : len(name)-1], true
	}
	return "", false
}

// builtinFunc covers the pure functions a dialplan commonly uses when the
// channel does not provide them.
func builtinFunc(name string) (string, bool) {
	if a, ok := funcArg(name, "LEN"); ok {
		return strconv.Itoa(len(a)), true
	}
	if a, ok := funcArg(name, "ISNULL"); ok {
		return boolStr(a == ""), true
	}
	if a, ok := funcArg(name, "EXISTS"); ok {
		return boolStr(a != ""), true
	}
	if a, ok := funcArg(name, "IF"); ok {
		c, branches, _ := strings.Cut(a, "?")
		t, f, _ := strings.Cut(branches, ":")
		if checkCondition(strings.TrimSpace(c)) {
			return t, true
		}
		return f, true
	}
	return "", false
}

func boolStr(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// maskExten hides the middle of extensions that look like phone numbers
// (7 or more digits) so logs never carry a full number.
func maskExten(s string) string {
	if len(s) < 7 {
		return s
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			if s[i] != '+' || i != 0 {
				return s
			}
		}
	}
	if len(s) >= 11 {
		return s[:3] + strings.Repeat("*", len(s)-7) + s[len(s)-4:]
	}
	return s[:2] + strings.Repeat("*", len(s)-4) + s[len(s)-2:]
}
