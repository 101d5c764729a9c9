package ivr

import (
	"context"
	"fmt"
	"sync/atomic"

	"liandong/knowledge/speech"
)

// Registry holds the current flow set. Reload validates a new file and
// swaps it in atomically; calls that already started keep the *Flow (and
// so the version) they got from Flow.
type Registry struct {
	path string
	cur  atomic.Pointer[FlowSet]
}

// NewRegistry loads path and returns a registry serving it.
func NewRegistry(path string) (*Registry, error) {
	s, err := LoadFile(path)
	if err != nil {
		return nil, err
	}
	r := &Registry{path: path}
	r.cur.Store(s)
	return r, nil
}

// NewRegistryFrom returns a registry serving s (no file: Reload needs a path).
func NewRegistryFrom(s *FlowSet) *Registry {
	r := &Registry{}
	r.cur.Store(s)
	return r
}

// Current returns the flow set now in force.
func (r *Registry) Current() *FlowSet { return r.cur.Load() }

// Flow returns the current flow for a dialed line; a call keeps it to the end.
func (r *Registry) Flow(line string) (*Flow, error) { return r.cur.Load().ForLine(line) }

// Reload re-reads the registry's file; on any error the running set stays.
// It returns the new version.
func (r *Registry) Reload() (string, error) {
	if r.path == "" {
		return "", fmt.Errorf("ivr: reload: registry has no file")
	}
	s, err := LoadFile(r.path)
	if err != nil {
		return "", fmt.Errorf("ivr: reload: %w", err)
	}
	r.cur.Store(s)
	return s.Version, nil
}

// Replace validates b (a whole flow file, e.g. from the API) and swaps it in.
func (r *Registry) Replace(b []byte) (string, error) {
	s, err := Load(b)
	if err != nil {
		return "", fmt.Errorf("ivr: replace: %w", err)
	}
	r.cur.Store(s)
	return s.Version, nil
}

// GeneratePrompts writes the wav file of every fixed prompt of s into dir
// (espeak-ng and sox; see speech.Generate). The CLI's `liandong prompts`.
func (s *FlowSet) GeneratePrompts(ctx context.Context, dir string, o speech.Options) (speech.Generated, error) {
	return speech.Generate(ctx, s.Prompts, dir, o)
}
