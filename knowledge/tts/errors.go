package tts

import "errors"

// Sentinel errors callers branch on.
var (
	// ErrEmptyText: there is nothing to speak.
	ErrEmptyText = errors.New("tts: empty text")
	// ErrTextTooLong: the text exceeds MaxTextRunes.
	ErrTextTooLong = errors.New("tts: text too long")
	// ErrBadAudio: an engine returned something that is not a PCM wav.
	ErrBadAudio = errors.New("tts: bad audio")
	// ErrEngine: the engine failed (process error, HTTP error status).
	ErrEngine = errors.New("tts: engine failed")
	// ErrNotFound: no rendered item has this hash.
	ErrNotFound = errors.New("tts: not found")
	// ErrClosed: the cache was closed.
	ErrClosed = errors.New("tts: closed")
)
