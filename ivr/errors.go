package ivr

import "errors"

// Sentinel errors callers branch on. Implementations of Call wrap ErrHangup
// (with %w) when the caller has left; the engine treats it, and the end of the
// call's context, as the normal end of a flow.
var (
	// ErrHangup means the caller hung up (or the channel is gone).
	ErrHangup = errors.New("ivr: caller hung up")
	// ErrTimeout means the caller pressed nothing within the allowed time.
	ErrTimeout = errors.New("ivr: no input before timeout")
	// ErrInvalidInput means the digits pressed do not satisfy the collect spec.
	ErrInvalidInput = errors.New("ivr: invalid input")
	// ErrInvalidFlow wraps every load and validation error of a flow file.
	ErrInvalidFlow = errors.New("ivr: invalid flow")
	// ErrUnknownLine means no flow is configured for the dialed line.
	ErrUnknownLine = errors.New("ivr: no flow for line")
	// ErrNotFound is returned by lookups (work orders, knowledge) that found nothing.
	ErrNotFound = errors.New("ivr: not found")
	// ErrUnavailable means a dependency a node needs is not configured.
	ErrUnavailable = errors.New("ivr: dependency unavailable")
)
