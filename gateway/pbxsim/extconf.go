package pbxsim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"liandong/gateway/pbxsim/dialplan"
)

// ExtensionsDialplan runs an extensions.conf dialplan (package dialplan)
// as the emulator's Dialplan, so the emulator follows the same dialplan an
// Asterisk would be given.
func ExtensionsDialplan(dp *dialplan.Dialplan, log *slog.Logger) Dialplan {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &extDialplan{dp: dp, exec: &dialplan.Executor{Log: log}}
}

type extDialplan struct {
	dp   *dialplan.Dialplan
	exec *dialplan.Executor
}

var _ Dialplan = (*extDialplan)(nil)

// Run implements Dialplan.
func (d *extDialplan) Run(ctx context.Context, ch Channel, context, exten string, priority int) error {
	if !d.dp.Exists(context, exten, priority) {
		return fmt.Errorf("%s@%s: %w", exten, context, ErrNoRoute)
	}
	err := d.exec.Run(ctx, d.dp, extChannel{ch}, dialplan.Location{Context: context, Exten: exten, Priority: priority})
	if errors.Is(err, dialplan.ErrHangup) {
		// Keep the channel's own reason (a Hangup cause) when there is one.
		var he *HangupError
		if errors.As(err, &he) {
			return he
		}
		return nil
	}
	return err
}

// FindLabel implements LabelFinder (originate's label).
func (d *extDialplan) FindLabel(context, exten, label string) (int, bool) {
	return d.dp.FindLabel(context, exten, label)
}

var _ LabelFinder = (*extDialplan)(nil)

// extChannel adapts the emulator's Channel to the executor's.
type extChannel struct{ ch Channel }

var (
	_ dialplan.Channel   = extChannel{}
	_ dialplan.RawExecer = extChannel{}
	_ dialplan.Tracker   = extChannel{}
)

func (c extChannel) Var(name string) (string, bool) { return c.ch.Var(name) }
func (c extChannel) SetVar(name, value string)      { c.ch.SetVar(name, value) }

// Exec passes arguments through split; the emulator's applications parse
// their own data, so ExecRaw is what the executor calls.
func (c extChannel) Exec(ctx context.Context, app string, args []string) error {
	data := ""
	for i, a := range args {
		if i > 0 {
			data += ","
		}
		data += a
	}
	return c.ExecRaw(ctx, app, data)
}

// ExecRaw runs one application with its data unsplit.
func (c extChannel) ExecRaw(ctx context.Context, app, data string) error {
	err := c.ch.Exec(ctx, app, data)
	var he *HangupError
	var ge *GotoError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &he):
		return fmt.Errorf("%w: %w", dialplan.ErrHangup, he)
	case errors.Is(err, ErrHangup):
		return fmt.Errorf("%w: %w", dialplan.ErrHangup, err)
	case errors.As(err, &ge):
		return &dialplan.GotoError{Loc: dialplan.Location{Context: ge.Context, Exten: ge.Exten, Priority: ge.Priority}}
	}
	return err
}

// Executing records where the dialplan is, as the channel's "dialplan".
func (c extChannel) Executing(loc dialplan.Location, app, data string) {
	c.ch.SetLocation(loc.Context, loc.Exten, loc.Priority)
}
