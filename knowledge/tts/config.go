package tts

import (
	"context"
	"fmt"
	"time"

	"liandong/knowledge/speech"
)

// EngineFor returns the engine config prompts.tts.engine names:
// "espeak-ng" (voice, default speech.Voice), "http" (h.URL required) or
// "none" (nil engine, nil error: answers are not spoken).
func EngineFor(name, voice string, h HTTPOptions) (Engine, error) {
	switch name {
	case "espeak-ng", "":
		return NewEspeak(speech.Options{Voice: voice}, ""), nil
	case "http":
		h.Voice = voice
		return NewHTTP(h)
	case "none":
		return nil, nil
	}
	return nil, fmt.Errorf("tts engine %q: want espeak-ng, http or none", name)
}

// Check renders a short text with eng, bypassing any cache, and checks the
// audio: for `liandong doctor` and start-up (is espeak-ng installed, does
// the production engine answer?).
func Check(ctx context.Context, eng Engine, text string) (Format, time.Duration, error) {
	start := time.Now()
	b, err := eng.Synthesize(ctx, Speakable(text))
	took := time.Since(start)
	if err != nil {
		return Format{}, took, fmt.Errorf("tts check %s: %w", eng.Name(), err)
	}
	f, err := ParseWAV(b)
	if err != nil {
		return Format{}, took, fmt.Errorf("tts check %s: %w", eng.Name(), err)
	}
	if f.DataBytes == 0 {
		return f, took, fmt.Errorf("tts check %s: no audio: %w", eng.Name(), ErrBadAudio)
	}
	return f, took, nil
}
