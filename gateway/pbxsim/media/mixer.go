package media

// MixerMode is the kind of ARI bridge a Mixer carries.
type MixerMode uint8

// Mixer modes.
const (
	// Mixing: every member hears the sum of the others (mix-minus); with two
	// members each simply hears the other.
	Mixing MixerMode = iota
	// Holding: participants do not hear each other, only the bridge's
	// playback or MOH and members added as announcers.
	Holding
)

// MemberOptions are a member's options in a mixer (ARI addChannel).
type MemberOptions struct {
	// Announcer: in a holding bridge, participants hear this member, and it
	// hears nobody (ARI role "announcer").
	Announcer bool
	// Mute: others do not hear this member (ARI addChannel mute=true).
	Mute bool
}

// Mixer is a bridge's audio: it mixes its members' input into what each
// of them hears, plus its own playbacks and generator (bridge MOH), which
// every member hears. It mixes at the highest rate among its members.
// Create it with Pacer.NewMixer.
type Mixer struct {
	p *Pacer

	// guarded by p.mu
	mode    MixerMode
	members []*member
	rate    int
	gen     Source // bridge MOH
	genSrc  Source // as given, converted on rate changes
	playing *Playback
	queue   []*Playback
	closed  bool
}

// member is per-leg state inside a mixer: rate converters and a buffer for
// its contribution at the mixer's rate.
type member struct {
	leg  *Leg
	opts MemberOptions
	in   []int16     // this tick's contribution at the mixer rate, nil = none
	cv   *memberConv // only for a leg whose rate is not the mixing rate
}

// memberConv converts a member's audio to and from the mixing rate.
type memberConv struct {
	buf  [MaxFrameSamples]int16
	up   upsampler
	down downsampler
	oup  upsampler
	odn  downsampler
}

// toMix returns said at the mixing rate (n samples).
func (mb *member) toMix(said []int16, n int) []int16 {
	if len(said) == n || mb.cv == nil {
		return said
	}
	in := mb.cv.buf[:n]
	convertFrame(in, said, &mb.cv.up, &mb.cv.down)
	return in
}

// fromMix writes a frame at the mixing rate into the leg's heard buffer.
func (mb *member) fromMix(mixed []int16) {
	l := mb.leg
	heard := l.heard[:l.n]
	if len(mixed) == len(heard) || mb.cv == nil {
		copy(heard, mixed)
		return
	}
	convertFrame(heard, mixed, &mb.cv.oup, &mb.cv.odn)
}

// forwardTo gives to's leg what mb's leg says (a two-party bridge); n is
// the mixing rate's frame size.
func (mb *member) forwardTo(to *member, n int) {
	l := to.leg
	if !l.wantsMix() {
		return
	}
	said := mb.leg.sayingFrame()
	switch {
	case said == nil || mb.opts.Mute:
		clear(l.heard[:l.n])
	case len(said) == l.n:
		copy(l.heard[:l.n], said)
	default: // through the mixing rate, as the general path does
		to.fromMix(mb.toMix(said, n))
	}
	l.mixed = true
}

// NewMixer registers a mixer with the pacer.
func (p *Pacer) NewMixer(mode MixerMode) *Mixer {
	m := &Mixer{p: p, mode: mode, rate: Rate8k}
	p.mu.Lock()
	p.mixers = append(p.mixers, m)
	p.counted()
	p.mu.Unlock()
	return m
}

// SetMode changes the mixer's mode.
func (m *Mixer) SetMode(mode MixerMode) {
	m.p.mu.Lock()
	m.mode = mode
	m.p.mu.Unlock()
}

// Add puts leg in the mixer, moving it out of any other mixer first (as
// ARI addChannel does). Adding a leg already in m updates its options. It
// reports false when the mixer or leg is closed or of another pacer.
func (m *Mixer) Add(leg *Leg, opts MemberOptions) bool {
	if leg.p != m.p {
		return false
	}
	m.p.mu.Lock()
	defer m.p.mu.Unlock()
	if m.closed || leg.closed {
		return false
	}
	if leg.mixer == m {
		leg.member.opts = opts
		return true
	}
	if leg.mixer != nil {
		leg.mixer.remove(leg)
	}
	mb := &member{leg: leg, opts: opts}
	m.members = append(m.members, mb)
	leg.mixer, leg.member = m, mb
	m.retune()
	return true
}

// Remove takes leg out of the mixer; false if it was not a member.
func (m *Mixer) Remove(leg *Leg) bool {
	m.p.mu.Lock()
	defer m.p.mu.Unlock()
	if leg.mixer != m {
		return false
	}
	m.remove(leg)
	return true
}

// remove; p.mu held.
func (m *Mixer) remove(leg *Leg) {
	for i, mb := range m.members {
		if mb.leg == leg {
			copy(m.members[i:], m.members[i+1:])
			m.members[len(m.members)-1] = nil
			m.members = m.members[:len(m.members)-1]
			break
		}
	}
	leg.mixer, leg.member = nil, nil
	m.retune()
}

// retune sets the mixing rate to the highest member rate; p.mu held.
func (m *Mixer) retune() {
	rate := Rate8k
	for _, mb := range m.members {
		rate = max(rate, mb.leg.rate)
	}
	if rate != m.rate {
		m.rate = rate
		if m.genSrc != nil {
			m.gen = ConvertRate(m.genSrc, rate)
		}
	}
	for _, mb := range m.members {
		if mb.leg.rate != rate && mb.cv == nil {
			mb.cv = new(memberConv) // here, not in the tick: ticks never allocate
		}
	}
}

// Members returns the legs in the mixer.
func (m *Mixer) Members() []*Leg {
	m.p.mu.Lock()
	defer m.p.mu.Unlock()
	out := make([]*Leg, len(m.members))
	for i, mb := range m.members {
		out[i] = mb.leg
	}
	return out
}

// Rate is the current mixing rate.
func (m *Mixer) Rate() int {
	m.p.mu.Lock()
	defer m.p.mu.Unlock()
	return m.rate
}

// SetGenerator sets what every member hears under the mix (bridge MOH);
// nil stops it.
func (m *Mixer) SetGenerator(src Source) {
	m.p.mu.Lock()
	defer m.p.mu.Unlock()
	m.genSrc = src
	m.gen = nil
	if src != nil {
		m.gen = ConvertRate(src, m.rate)
	}
}

// Generator reports whether a generator (bridge MOH) is set.
func (m *Mixer) Generator() bool {
	m.p.mu.Lock()
	defer m.p.mu.Unlock()
	return m.genSrc != nil
}

// Play queues src for every member to hear (ARI bridge play). The source is
// read at 8 kHz or 16 kHz as given and converted to the mixing rate.
func (m *Mixer) Play(src Source, onEvent func(*Playback, PlaybackState)) *Playback {
	pb := newPlayback(m.p, src, onEvent)
	m.p.mu.Lock()
	if m.closed {
		m.p.mu.Unlock()
		pb.finish(PlaybackCancelled, nil)
		return pb
	}
	pb.owner, pb.cur = &m.queue, &m.playing
	m.queue = append(m.queue, pb)
	m.p.mu.Unlock()
	return pb
}

// Close removes every member and the mixer from the pacer and cancels its
// playbacks.
func (m *Mixer) Close() {
	p := m.p
	p.mu.Lock()
	if m.closed {
		p.mu.Unlock()
		return
	}
	m.closed = true
	for _, mb := range m.members {
		mb.leg.mixer, mb.leg.member = nil, nil
	}
	m.members = nil
	p.mixers = removeItem(p.mixers, m)
	p.counted()
	var cancelled []*Playback
	if m.playing != nil {
		cancelled = append(cancelled, m.playing)
		m.playing = nil
	}
	cancelled = append(cancelled, m.queue...)
	m.queue = nil
	p.mu.Unlock()
	for _, pb := range cancelled {
		pb.finish(PlaybackCancelled, nil)
	}
}

// bridgeFrame fills m.bridge with the bridge's own audio (playback plus
// generator) at the mixing rate; false when there is none.
func (m *Mixer) bridgeFrame() bool {
	n := FrameSamples(m.rate)
	out := m.p.scratch.bridge[:n]
	have := false
	if pb := m.nextPlayback(); pb != nil {
		if ok, _ := pb.read(out); ok {
			have = true
		}
	}
	if m.gen != nil {
		g := m.p.scratch.tmp[:n]
		if err := m.gen.ReadFrame(g); err != nil {
			m.gen, m.genSrc = nil, nil
		} else {
			if !have {
				copy(out, g)
			} else {
				for i := range out {
					out[i] = sat32(int32(out[i]) + int32(g[i]))
				}
			}
			have = true
		}
	}
	return have
}

// nextPlayback returns the running bridge playback, starting the next
// queued one when needed; p.mu held.
func (m *Mixer) nextPlayback() *Playback {
	for {
		if m.playing != nil {
			if m.playing.state == PlaybackPlaying || m.playing.state == PlaybackPaused {
				if m.playing.src.Rate() != m.rate {
					m.playing.src = ConvertRate(m.playing.src, m.rate)
				}
				return m.playing
			}
			m.playing = nil
		}
		if len(m.queue) == 0 {
			return nil
		}
		pb := m.queue[0]
		copy(m.queue, m.queue[1:])
		m.queue[len(m.queue)-1] = nil
		m.queue = m.queue[:len(m.queue)-1]
		m.playing = pb
		pb.start()
	}
}

// mix is the middle phase of a tick: p.mu held, members have pulled.
func (m *Mixer) mix() {
	if len(m.members) == 0 && m.playing == nil && len(m.queue) == 0 {
		return
	}
	n := FrameSamples(m.rate)
	hasBridge := m.bridgeFrame()
	if !hasBridge && len(m.members) == 2 && m.mode == Mixing {
		// Two members and no bridge audio: each hears the other, unchanged.
		a, b := m.members[0], m.members[1]
		a.forwardTo(b, n)
		b.forwardTo(a, n)
		return
	}
	sum := m.p.scratch.sum[:n]
	if hasBridge {
		for i, v := range m.p.scratch.bridge[:n] {
			sum[i] = int32(v)
		}
	} else {
		clear(sum)
	}
	// Contributions at the mixing rate.
	for _, mb := range m.members {
		mb.in = nil
		said := mb.leg.sayingFrame()
		if said == nil || mb.opts.Mute || (m.mode == Holding && !mb.opts.Announcer) {
			continue
		}
		in := mb.toMix(said, n)
		mb.in = in
		for i, v := range in {
			sum[i] += int32(v)
		}
	}
	// Each member hears the sum minus itself.
	for _, mb := range m.members {
		l := mb.leg
		if !l.wantsMix() {
			continue
		}
		out := m.p.scratch.tmp[:n]
		switch {
		case m.mode == Holding && mb.opts.Announcer:
			clear(out) // announcers hear nothing
		case mb.in != nil:
			for i, v := range mb.in {
				out[i] = sat32(sum[i] - int32(v))
			}
		default:
			for i, v := range sum {
				out[i] = sat32(v)
			}
		}
		mb.fromMix(out)
		l.mixed = true
	}
}
