package pbxsim

import "errors"

// Sentinel errors returned by the Go API; callers branch on them with errors.Is.
var (
	// ErrClosed is returned once the server has been closed.
	ErrClosed = errors.New("pbxsim: server closed")
	// ErrChannelNotFound is returned for an unknown or already destroyed channel id.
	ErrChannelNotFound = errors.New("pbxsim: channel not found")
	// ErrEndpointNotFound is returned for an endpoint that is not configured.
	ErrEndpointNotFound = errors.New("pbxsim: endpoint not found")
	// ErrNoRoute is returned when a dialled extension matches no route.
	ErrNoRoute = errors.New("pbxsim: no route for extension")
	// ErrDeclined is returned when the call was refused (e.g. Stasis app not connected: 603 Decline).
	ErrDeclined = errors.New("pbxsim: call declined")
	// ErrMediaNotFound is returned by a MediaSource for an unknown sound.
	ErrMediaNotFound = errors.New("pbxsim: media not found")
	// ErrBadMediaScheme is returned by a MediaSource for a URI scheme it cannot play.
	ErrBadMediaScheme = errors.New("pbxsim: unsupported media scheme")
	// ErrHangup is returned by Channel.Exec when the channel hung up.
	ErrHangup = errors.New("pbxsim: channel hung up")
	// ErrBadInput is wrapped by errors about malformed arguments.
	ErrBadInput = errors.New("pbxsim: bad input")
	// ErrNoMedia is returned by Heard and Speak when the server runs without real media.
	ErrNoMedia = errors.New("pbxsim: real media not enabled")
)

func errorsIs(err, target error) bool { return errors.Is(err, target) }
