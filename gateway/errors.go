package gateway

import (
	"errors"
	"fmt"

	"liandong/ivr"
)

// Causes a call's context is cancelled with; callers branch on them with
// errors.Is(context.Cause(ctx), ...).
var (
	// ErrCallerHangup: the caller hung up (or the channel left Stasis).
	// It wraps ivr.ErrHangup, so the flow engine ends the flow normally.
	ErrCallerHangup = fmt.Errorf("gateway: caller hung up: %w", ivr.ErrHangup)
	// ErrChannelGone: after an ARI reconnect the channel no longer exists.
	ErrChannelGone = fmt.Errorf("gateway: channel gone after reconnect: %w", ivr.ErrHangup)
	// ErrShutdown: the gateway stopped before the call ended.
	ErrShutdown = errors.New("gateway: shutting down")
	// ErrDraining: the gateway takes no new calls (graceful shutdown).
	ErrDraining = errors.New("gateway: draining, no new calls")
	// ErrNoQueue: no ACD is configured to queue callers.
	ErrNoQueue = errors.New("gateway: no queue service configured")
	// ErrNoTransfer: no transfer service is configured.
	ErrNoTransfer = errors.New("gateway: no transfer service configured")
	// ErrPlaybackFailed: Asterisk could not play the media (unknown sound).
	ErrPlaybackFailed = errors.New("gateway: playback failed")
)
