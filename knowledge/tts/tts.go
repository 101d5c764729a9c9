// Package tts renders the texts callers hear (FAQ answers, menus, templated
// prompts) to telephone wav files: 8 kHz, mono, 16-bit signed linear, the
// format Asterisk plays for .wav. An Engine synthesizes; a Cache keys each
// rendering by a content hash, keeps the files on disk bounded in size
// (least recently used evicted), coalesces concurrent renders of one text
// and bounds how long a call waits.
package tts

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// NormalizerVersion is part of every content hash: bump it when the text
// normalisation (knowledge/speech.Normalize) changes how texts are read, so
// that every cached rendering is made again.
const NormalizerVersion = 1

// MaxTextRunes bounds one text; FAQ answers are at most 2000 characters.
const MaxTextRunes = 4000

// Item is one rendered text.
type Item struct {
	// Hash is the content hash (32 hex digits) of text, voice, engine and
	// normaliser version; it names the file (<Hash>.wav) and the URL, so a
	// changed text always gets a new name.
	Hash string
	// Path is the wav file in the cache directory.
	Path string
	// Size is the file's size in bytes.
	Size int64
	// Duration is the length of the audio.
	Duration time.Duration
}

// TTS renders text to a wav. Render returns when the item is ready or ctx
// ends, whichever is first.
type TTS interface {
	Render(ctx context.Context, text string) (Item, error)
}

// Engine synthesizes one (already normalised) text to wav bytes. Engines
// may return any PCM wav; the cache converts what is not 8 kHz mono 16-bit.
type Engine interface {
	// Name identifies the engine in content hashes ("espeak-ng", "http").
	Name() string
	// Voice identifies the voice in content hashes.
	Voice() string
	Synthesize(ctx context.Context, text string) ([]byte, error)
}

// Hash returns the content hash of text rendered by an engine and voice.
func Hash(engine, voice, text string) string {
	h := sha256.New()
	for _, s := range []string{engine, voice, string(rune('0' + NormalizerVersion)), text} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	var sum [sha256.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0])[:16])
}

// ValidHash reports whether s looks like a Hash (32 lowercase hex digits):
// anything else is never a file name in the cache.
func ValidHash(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
