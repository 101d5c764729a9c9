package media

import "errors"

// Sentinel errors that callers branch on. Errors returned by this package
// wrap one of these with %w and name the operation that failed.
var (
	// ErrUnknownFormat: a format name that is not one of ulaw, alaw, slin, slin16
	// (Asterisk answers externalMedia with such a format with a 500).
	ErrUnknownFormat = errors.New("unknown media format")
	// ErrBadWAV: a WAV file that is malformed or in an encoding we do not read.
	ErrBadWAV = errors.New("malformed or unsupported wav")
	// ErrSoundNotFound: a sound: name with no file in the sounds directory
	// (Asterisk starts such a playback and fails it at once).
	ErrSoundNotFound = errors.New("sound not found")
	// ErrBadMediaURI: a media URI whose scheme is unknown or whose body is bad.
	ErrBadMediaURI = errors.New("bad media uri")
	// ErrBadTone: a tone: name or tone string that cannot be parsed.
	ErrBadTone = errors.New("bad tone")
	// ErrBadGSM: GSM 06.10 data that is not whole 33-byte frames with the 0xD
	// signature.
	ErrBadGSM = errors.New("malformed gsm frame")
	// ErrClosed: an operation on a closed RTP session or stopped pacer.
	ErrClosed = errors.New("media closed")
)
