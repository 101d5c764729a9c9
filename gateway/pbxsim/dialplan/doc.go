// Package dialplan is Asterisk's dialplan for the emulator: a parser for
// extensions.conf syntax, extension lookup with Asterisk's pattern order,
// variable substitution and $[...] expressions, and an executor that walks
// a channel through its priorities.
//
// It is pure: it imports nothing of liandong and does no I/O besides
// reading configuration. The emulator core drives it through the small
// Channel interface; the executor itself handles the dialplan-control
// applications (Goto, GotoIf, Set, MSet, NoOp, ExecIf, Gosub, GosubIf,
// Return, StackPop) and passes every other application to Channel.Exec.
// Functions it answers itself: GLOBAL, LOCAL, EXCEPTION(reason), LEN,
// ISNULL, EXISTS, IF and func_math's INC/DEC (which set the variable).
//
// Asterisk behaviour followed (main/pbx.c, __ast_pbx_run and
// pbx_find_extension, default settings autofallthrough=yes and
// extenpatternmatchnew=no):
//
//   - Lookup of (context, exten, priority) walks the context's extensions in
//     Asterisk's sort order (ext_cmp): all plain extensions before all
//     patterns; patterns compared position by position, the smaller
//     character set first (a literal before [1-5] before N before Z before
//     X, '.' after any set, '!' last, a shorter pattern before a longer one
//     with the same prefix). The first extension that matches AND has the
//     priority wins, so a missing priority in "123" falls through to a
//     matching "_X." that has it. Only when no extension of the context
//     itself has it are the included contexts searched, in order,
//     recursively.
//   - An application returning an error (ErrHangup, or any failure) ends the
//     dialplan; so does an application returning normally on a channel
//     that has hung up (optional HangupChecker).
//   - When a priority is missing: if the extension has no priority 1 (it
//     does not exist), the channel goes to "i" (with INVALID_EXTEN set),
//     else to "e" (EXCEPTION(reason) = INVALID), else the dialplan ends
//     ("sent to invalid extension but no invalid handler",
//     ErrInvalidExtension). If the extension exists, this is the auto
//     fallthrough: by DIALSTATUS, CONGESTION or CHANUNAVAIL run
//     Congestion(10), BUSY runs Busy(10), and the dialplan ends.
//   - A Goto to a label that does not exist fails the application (the
//     channel hangs up, "i" is not used); a Goto to an extension that does
//     not exist is handled like any missing extension ("i").
//   - Gosub pushes a frame: ARG1..ARGn and ARGC are LOCAL variables
//     (restored on Return; a variable that did not exist is set to ""),
//     a destination that does not exist fails the application, Return
//     sets GOSUB_RETVAL and comes back to the priority after the Gosub.
//   - Whenever the dialplan ends (but not when Run's context is cancelled),
//     the "h" extension of the current context runs, from priority 1, with
//     ${EXTEN} = h, until an application fails or a priority is missing.
//
// "s" is an ordinary extension name: the caller starts there when a
// channel enters the dialplan without a number (an INVITE with no user
// part, a Local channel to s@ctx), as Asterisk does.
//
// Deviation, on purpose: 100,000 dialplan-control priorities in a row
// without any application reaching the channel (a Goto loop) end the run
// with ErrDialplanLoop; Asterisk would spin until the call is hung up.
//
// Dialplan.Exists and Dialplan.CanMatch answer what chan_pjsip asks of an
// inbound INVITE: the extension exists (go on), can match with more digits
// (484 Address Incomplete, allow_overlap=yes) or neither (404).
//
// Not supported (a clear parse error, never silently wrong): #include and
// #exec, context templates "[ctx](...)", switches, time-conditional
// includes, caller-id matching "exten => 123/456,...", the old
// "App,args" form. Other applications (Macro, WaitExten, Background, ...)
// are passed to Channel.Exec like any application.
package dialplan
