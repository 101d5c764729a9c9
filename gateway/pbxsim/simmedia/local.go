package simmedia

import (
	"strings"

	"liandong/gateway/pbxsim"
	"liandong/gateway/pbxsim/media"
)

// localPair is a Local channel's two halves once both are up: each says
// what the other hears, as chan_local passes frames written to one half to
// the other as frames read (a playback to ;2 is what ;1 receives, which is
// how Asterisk's own tests feed TONE_DETECT and TALK_DETECT).
type localPair struct {
	ids     [2]string
	cleanup []func()
}

// localKey splits "Local/x@ctx-00000001;1" into the pair's key and its half (1 or 2).
func localKey(name string) (string, int) {
	base, half, ok := strings.Cut(name, ";")
	if !ok || !strings.HasPrefix(base, "Local/") || (half != "1" && half != "2") {
		return "", 0
	}
	return base, int(half[0] - '0')
}

// localUp joins a Local half that came up to its other half (m.mu held).
func (m *Media) localUp(ch pbxsim.MediaChannel) {
	key, half := localKey(ch.Name)
	if ch.Tech != "Local" || key == "" {
		return
	}
	if m.locals == nil {
		m.locals = map[string]*localPair{}
	}
	p := m.locals[key]
	if p == nil {
		p = &localPair{}
		m.locals[key] = p
	}
	p.ids[half-1] = ch.ID
	a, b := m.chans[p.ids[0]], m.chans[p.ids[1]]
	if a == nil || b == nil || len(p.cleanup) > 0 {
		return
	}
	p.cleanup = append(p.cleanup, hearsInto(a, b), hearsInto(b, a))
}

// hearsInto makes what from hears the voice of to (m.mu held) and returns
// the undoing.
func hearsInto(from, to *leg) func() {
	pipe := media.NewPipe(to.leg.Rate())
	remove := from.leg.Tap(media.DirOut, pipe)
	to.said = pipe
	to.resay()
	return func() {
		remove()
		if to.said == pipe {
			to.said = nil
			to.resay()
		}
	}
}

// localGone parts a pair when one half goes (m.mu held, before the leg is
// removed from m.chans).
func (m *Media) localGone(id string) {
	for key, p := range m.locals {
		if p.ids[0] != id && p.ids[1] != id {
			continue
		}
		for _, f := range p.cleanup {
			f()
		}
		delete(m.locals, key)
		return
	}
}
