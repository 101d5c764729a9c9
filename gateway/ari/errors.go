package ari

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Sentinel errors callers branch on. Errors returned by REST operations wrap
// one of them (test with errors.Is) and are *Error values that keep
// Asterisk's status code and message.
var (
	// ErrBadRequest is Asterisk's 400: a missing or invalid parameter, and
	// also, on addChannel/removeChannel, an unknown channel.
	ErrBadRequest = errors.New("ari: bad request")
	// ErrUnauthorized is 401: wrong ARI user or password.
	ErrUnauthorized = errors.New("ari: unauthorized")
	// ErrNotFound is 404: the channel, bridge, playback, variable or
	// application does not exist (any more).
	ErrNotFound = errors.New("ari: not found")
	// ErrMethodNotAllowed is 405.
	ErrMethodNotAllowed = errors.New("ari: method not allowed")
	// ErrConflict is 409: e.g. the channel is not in Stasis, a duplicate id,
	// or no bridge music on hold to stop.
	ErrConflict = errors.New("ari: conflict")
	// ErrPrecondition is 412: the channel is in a state that forbids the
	// operation.
	ErrPrecondition = errors.New("ari: precondition failed")
	// ErrUnprocessable is 422: e.g. addChannel of a channel not in Stasis,
	// removeChannel of a channel not in that bridge.
	ErrUnprocessable = errors.New("ari: unprocessable")
	// ErrUnavailable is a 5xx answer or an Asterisk that cannot be reached.
	ErrUnavailable = errors.New("ari: asterisk unavailable")
	// ErrReplaced reports that another client opened a WebSocket for the
	// same application: Asterisk sent ApplicationReplaced and this socket
	// would receive nothing more.
	ErrReplaced = errors.New("ari: application replaced by another connection")
	// ErrClosed is returned once the Client (or the Subscription) is closed.
	ErrClosed = errors.New("ari: closed")
	// ErrNoType is returned by Decode for a message without a "type".
	ErrNoType = errors.New("ari: event has no type")
	// ErrConfig is returned by Validate for an unusable node configuration.
	ErrConfig = errors.New("ari: invalid configuration")
)

// Error is a non-2xx answer from Asterisk.
type Error struct {
	Node    string // node name from NodeConfig
	Op      string // operation, e.g. "answer"
	ID      string // channel, bridge, playback... the operation was about
	Method  string
	Path    string
	Status  int    // HTTP status code
	Message string // Asterisk's {"message"} or {"error"}, else the raw body
}

// Error implements error.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("ari ")
	b.WriteString(e.Node)
	b.WriteString(": ")
	b.WriteString(e.Op)
	if e.ID != "" {
		b.WriteString(" ")
		b.WriteString(e.ID)
	}
	fmt.Fprintf(&b, ": %d", e.Status)
	if e.Message != "" {
		b.WriteString(" ")
		b.WriteString(e.Message)
	}
	return b.String()
}

// Unwrap returns the sentinel for the status code (nil for statuses without one).
func (e *Error) Unwrap() error { return statusSentinel(e.Status) }

// StatusCode returns the HTTP status of an ARI error anywhere in err's chain,
// or 0 when err carries none.
func StatusCode(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

func statusSentinel(status int) error {
	switch {
	case status == http.StatusBadRequest:
		return ErrBadRequest
	case status == http.StatusUnauthorized:
		return ErrUnauthorized
	case status == http.StatusNotFound:
		return ErrNotFound
	case status == http.StatusMethodNotAllowed:
		return ErrMethodNotAllowed
	case status == http.StatusConflict:
		return ErrConflict
	case status == http.StatusPreconditionFailed:
		return ErrPrecondition
	case status == http.StatusUnprocessableEntity:
		return ErrUnprocessable
	case status >= 500:
		return ErrUnavailable
	}
	return nil
}

// errorMessage extracts Asterisk's message from an error body: {"message"}
// for most errors, {"error"} for some (originate "Allocation failed"), HTML
// or plain text otherwise (shortened).
func errorMessage(body []byte) string {
	var m struct {
		Message string `json:"message"`
		Error   string `json:"error"`
	}
	if json.Unmarshal(body, &m) == nil {
		if m.Message != "" {
			return m.Message
		}
		if m.Error != "" {
			return m.Error
		}
	}
	s := strings.TrimSpace(string(body))
	// Asterisk's HTTP server answers some errors (a WebSocket upgrade
	// without app) with an HTML page; its <p> holds the reason.
	if _, rest, ok := strings.Cut(s, "<p>"); ok {
		if p, _, ok := strings.Cut(rest, "</p>"); ok {
			return strings.TrimSpace(p)
		}
	}
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}
