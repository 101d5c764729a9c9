package dialplan

import (
	"errors"
	"fmt"
)

// Sentinel errors callers branch on.
var (
	// ErrSyntax is wrapped by every *ParseError: the configuration text is
	// not valid extensions.conf syntax (or uses a feature this package does
	// not support).
	ErrSyntax = errors.New("dialplan syntax error")

	// ErrHangup is what a Channel's Exec returns when the application ended
	// because the channel hung up (Asterisk: the application returned -1).
	// Run then runs the "h" extension and returns nil.
	ErrHangup = errors.New("channel hung up")

	// ErrInvalidExtension is returned by Run when the channel was sent to an
	// extension that does not exist and the context has neither an "i" nor
	// an "e" extension (Asterisk: "sent to invalid extension but no invalid
	// handler"). The "h" extension has already run when Run returns it.
	ErrInvalidExtension = errors.New("invalid extension and no invalid handler")

	// ErrBadGoto is wrapped in Run's result when a Goto names a label that
	// does not exist or a priority that is not a positive number (Asterisk:
	// "Priority '...' must be a number > 0, or valid label"; the
	// application fails and the channel hangs up).
	ErrBadGoto = errors.New("bad goto destination")

	// ErrDialplanLoop is returned by Run when 100,000 priorities ran in a
	// row without any application reaching the channel (a Goto loop).
	// Asterisk would spin until hangup; the emulator stops instead.
	ErrDialplanLoop = errors.New("dialplan loops without running an application")

	// ErrExpr is wrapped by Eval's errors. In ${...} text a $[...] that
	// does not parse expands to "0", as in Asterisk.
	ErrExpr = errors.New("bad expression")

	// ErrAppUsage is wrapped in Run's result when a dialplan-control
	// application the executor runs itself (ExecIf) has unusable
	// arguments; as in Asterisk the application fails and the channel
	// hangs up.
	ErrAppUsage = errors.New("bad application arguments")
)

// ParseError is one problem found in a configuration file, with its place.
type ParseError struct {
	File string // file name as given to Load/Parse
	Line int    // 1-based line number
	Msg  string // what was wrong
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// Unwrap makes errors.Is(err, ErrSyntax) true for every parse error.
func (e *ParseError) Unwrap() error { return ErrSyntax }

// GotoError is returned by a Channel's Exec to make the dialplan continue
// somewhere else when the application ends, as ARI's "continue" (and an
// asynchronous goto) does in Asterisk. An empty Context or Exten keeps the
// current one. With Priority 0 and no Label, execution goes on at the
// priority after the current one (Asterisk's ast_explicit_goto with -1).
type GotoError struct {
	Loc Location
}

func (e *GotoError) Error() string {
	return fmt.Sprintf("continue at %s", e.Loc)
}
