package pbxsim

import (
	"fmt"
	"io"
	"net/http"
)

// MediaIO is implemented by an Observer that carries real audio (package simmedia):
// the outside world speaks into a channel, and what a channel heard is read back.
type MediaIO interface {
	// Heard returns the audio the channel heard (most recent last) and its sample rate.
	Heard(channelID string) (pcm []int16, rate int, err error)
	// Speak makes the channel say uri (sound:, tone:, digits:) from now on.
	Speak(channelID, uri string) error
}

func (s *Server) mediaIO(id string) (MediaIO, error) {
	mio, ok := s.opts.Observer.(MediaIO)
	if !ok {
		return nil, fmt.Errorf("channel %s audio: %w", id, ErrNoMedia)
	}
	s.mu.Lock()
	_, err := s.lockedChan(id)
	s.mu.Unlock()
	return mio, err
}

// Heard returns what channel id has heard so far (bounded by the media's buffer) as
// 16-bit PCM at rate, so a test can assert what a caller or an agent heard, also
// after it hung up (simmedia keeps the last EndedKept channels).
// ErrNoMedia when the server runs without real media.
func (s *Server) Heard(id string) (pcm []int16, rate int, err error) {
	// No channel check: what a destroyed channel heard stays readable for a while.
	mio, ok := s.opts.Observer.(MediaIO)
	if !ok {
		return nil, 0, fmt.Errorf("channel %s audio: %w", id, ErrNoMedia)
	}
	// Called without s.mu: the observer takes its own locks only.
	return mio.Heard(id)
}

// Speak makes the far end of channel id say uri (e.g. "tone:1000", "sound:hello-world",
// "digits:123"), heard by whoever shares its bridge.
func (s *Server) Speak(id, uri string) error {
	mio, err := s.mediaIO(id)
	if err != nil {
		return err
	}
	return mio.Speak(id, uri)
}

// closeObserver ends the observer's goroutines once the server has stopped.
func (s *Server) closeObserver() {
	if c, ok := s.opts.Observer.(io.Closer); ok {
		_ = c.Close()
	}
	if c, ok := s.opts.Media.(io.Closer); ok && any(c) != any(s.opts.Observer) {
		_ = c.Close()
	}
}

// serveHeard answers GET /sim/channels/{id}/heard with a WAV file of what it heard.
func (s *Server) serveHeard(w http.ResponseWriter, id string) error {
	pcm, rate, err := s.Heard(id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "audio/wav")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(encodeWAV(pcm, rate))
	return nil
}

// encodeWAV is a 16-bit mono PCM WAV file.
func encodeWAV(pcm []int16, rate int) []byte {
	n := len(pcm) * 2
	b := make([]byte, 44+n)
	put32 := func(o int, v uint32) { b[o], b[o+1], b[o+2], b[o+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24) }
	put16 := func(o int, v uint16) { b[o], b[o+1] = byte(v), byte(v>>8) }
	copy(b[0:], "RIFF")
	put32(4, uint32(36+n))
	copy(b[8:], "WAVEfmt ")
	put32(16, 16)
	put16(20, 1)
	put16(22, 1)
	put32(24, uint32(rate))
	put32(28, uint32(rate*2))
	put16(32, 2)
	put16(34, 16)
	copy(b[36:], "data")
	put32(40, uint32(n))
	for i, v := range pcm {
		put16(44+2*i, uint16(v))
	}
	return b
}
