package calllog

import "errors"

// Sentinel errors callers branch on.
var (
	// ErrClosed is returned by Emit once the Log is closing or closed.
	ErrClosed = errors.New("calllog: log closed")
	// ErrInvalidEvent wraps every validation failure of an event or payload.
	ErrInvalidEvent = errors.New("calllog: invalid event")
	// ErrInvalidOptions wraps every validation failure of Options.
	ErrInvalidOptions = errors.New("calllog: invalid options")
	// ErrSpool is returned when the local spool cannot be written: the one
	// case in which an event could be lost, so callers should alert.
	ErrSpool = errors.New("calllog: spool write failed")
	// ErrSpoolLocked is returned by Open when another Log holds the spool
	// directory.
	ErrSpoolLocked = errors.New("calllog: spool directory locked")
	// ErrNotFound is returned by the readers when a record does not exist
	// (never written, or expired).
	ErrNotFound = errors.New("calllog: record not found")
	// ErrInvalidWorkOrder wraps every validation failure of a WorkOrder.
	ErrInvalidWorkOrder = errors.New("calllog: invalid work order")
	// ErrInvalidFeedback wraps every validation failure of a feedback entry.
	ErrInvalidFeedback = errors.New("calllog: invalid feedback")
	// ErrUnknownOrder is returned when feedback names a work order that does
	// not exist (never written, or expired).
	ErrUnknownOrder = errors.New("calllog: unknown work order")
)
