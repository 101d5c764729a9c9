package media

import (
	"io"
	"time"
)

// Direction selects the audio a tap or mute applies to, as ARI's "in"
// (from the channel: what it says) and "out" (to the channel: what it hears).
type Direction uint8

// Directions.
const (
	DirIn   Direction = 1 << iota // what the leg says (its caller's voice, received RTP)
	DirOut                        // what the leg hears
	DirBoth = DirIn | DirOut
)

// LegConfig configures a Leg.
type LegConfig struct {
	// Rate is the leg's native sample rate: 8000 (ulaw, alaw, slin) or
	// 16000 (slin16). Sources of another rate are converted.
	Rate int
	// OnDTMF, if set, runs in-band DTMF detection on what the leg says and
	// is called with each key found (after the tick, on the pacer goroutine).
	OnDTMF func(key byte)
}

// Leg is the media of one channel: an input (what it says, from Say or an
// RTP session), an output (what it hears: its playback, else its
// generator, else its bridge's mix, else silence) written to its sink and
// taps. A Leg belongs to one Pacer; create it with Pacer.NewLeg.
//
// What a leg hears, in order of precedence (as in Asterisk):
//  1. silence, while muted "out";
//  2. its current playback; while a playback runs the leg is suspended
//     from its bridge: it neither hears the mix nor is heard in it;
//  3. its generator (MOH, ringing, silence generator);
//  4. the mix of its bridge;
//  5. silence.
type Leg struct {
	p    *Pacer
	rate int
	n    int // samples per frame

	// guarded by p.mu
	input    Source
	inputEnd func()
	playing  *Playback
	queue    []*Playback
	gen      Source
	whispers []Source // mixed into what it hears (snoops whispering "out")
	sink     Sink
	tapsIn   []Sink
	tapsOut  []Sink
	muted    Direction
	mixer    *Mixer
	member   *member
	closed   bool
	dtmf     *DTMFDetector
	onDTMF   func(byte)
	mixed    bool // the mixer wrote heard this tick
	suspend  bool // a playback owns the leg this tick
	playOK   bool // play holds this tick's playback frame
	said     [MaxFrameSamples]int16
	heard    [MaxFrameSamples]int16 // also holds the playback's frame while suspended
	wbuf     [MaxFrameSamples]int16
}

// NewLeg registers a leg with the pacer. Rate 0 means 8000.
func (p *Pacer) NewLeg(cfg LegConfig) *Leg {
	if cfg.Rate != Rate16k {
		cfg.Rate = Rate8k
	}
	l := &Leg{p: p, rate: cfg.Rate, n: FrameSamples(cfg.Rate), onDTMF: cfg.OnDTMF}
	if cfg.OnDTMF != nil {
		l.dtmf = NewDTMFDetector(cfg.Rate)
	}
	p.mu.Lock()
	p.legs = append(p.legs, l)
	p.counted()
	p.mu.Unlock()
	return l
}

// Rate is the leg's sample rate.
func (l *Leg) Rate() int { return l.rate }

// Close removes the leg from its mixer and pacer and cancels its
// playbacks (their OnEvent gets PlaybackCancelled).
func (l *Leg) Close() {
	p := l.p
	p.mu.Lock()
	if l.closed {
		p.mu.Unlock()
		return
	}
	l.closed = true
	if l.mixer != nil {
		l.mixer.remove(l)
	}
	p.legs = removeItem(p.legs, l)
	p.counted()
	cancelled := l.cancelAll()
	l.input, l.gen, l.sink, l.tapsIn, l.tapsOut = nil, nil, nil, nil, nil
	p.mu.Unlock()
	for _, pb := range cancelled {
		pb.finish(PlaybackCancelled, nil)
	}
}

// Say sets what the leg says from now on (its caller's voice). src is
// converted to the leg's rate; nil means silence. onEnd, if set, is called
// when a finite src has been said to the end (not when it is replaced).
func (l *Leg) Say(src Source, onEnd func()) {
	if src != nil {
		src = ConvertRate(src, l.rate)
	}
	l.p.mu.Lock()
	l.input, l.inputEnd = src, onEnd
	l.p.mu.Unlock()
}

// SetSink sets where what the leg hears goes (e.g. an RTP session); nil
// means nowhere.
func (l *Leg) SetSink(s Sink) {
	l.p.mu.Lock()
	l.sink = s
	l.p.mu.Unlock()
}

// Tap adds a sink that also receives the leg's audio in dir (DirIn: what it
// says; DirOut: what it hears; DirBoth: both, as two frames a tick) and
// returns a function removing it. Use a Recorder to assert what a caller
// heard, or for ARI channel recordings and snoops.
func (l *Leg) Tap(dir Direction, s Sink) (remove func()) {
	l.p.mu.Lock()
	if dir&DirIn != 0 {
		l.tapsIn = append(l.tapsIn, s)
	}
	if dir&DirOut != 0 {
		l.tapsOut = append(l.tapsOut, s)
	}
	l.p.mu.Unlock()
	return func() {
		l.p.mu.Lock()
		l.tapsIn = removeItem(l.tapsIn, s)
		l.tapsOut = removeItem(l.tapsOut, s)
		l.p.mu.Unlock()
	}
}

// Mute silences the leg in dir (ARI mute: "in" = others do not hear it,
// "out" = it hears nothing).
func (l *Leg) Mute(dir Direction) {
	l.p.mu.Lock()
	l.muted |= dir
	l.p.mu.Unlock()
}

// Unmute undoes Mute for dir.
func (l *Leg) Unmute(dir Direction) {
	l.p.mu.Lock()
	l.muted &^= dir
	l.p.mu.Unlock()
}

// SetGenerator sets an endless background the leg hears instead of its
// bridge when no playback runs: music on hold, a ringing tone, ARI's
// silence generator. nil removes it.
func (l *Leg) SetGenerator(src Source) {
	if src != nil {
		src = ConvertRate(src, l.rate)
	}
	l.p.mu.Lock()
	l.gen = src
	l.p.mu.Unlock()
}

// AddWhisper mixes src into whatever the leg hears (its playback, generator,
// mix or silence; not while muted "out"), as Asterisk's snoop audiohook on
// the channel's write side for a snoop whispering "out"; remove takes it
// away. A source that fails or ends is dropped.
func (l *Leg) AddWhisper(src Source) (remove func()) {
	src = ConvertRate(src, l.rate)
	l.p.mu.Lock()
	l.whispers = append(l.whispers, src)
	l.p.mu.Unlock()
	return func() {
		l.p.mu.Lock()
		for i, w := range l.whispers {
			if w == src {
				l.whispers = append(l.whispers[:i:i], l.whispers[i+1:]...)
				break
			}
		}
		l.p.mu.Unlock()
	}
}

// Mixer returns the mixer the leg is in, or nil.
func (l *Leg) Mixer() *Mixer {
	l.p.mu.Lock()
	defer l.p.mu.Unlock()
	return l.mixer
}

// Play queues src for the leg to hear, as ARI's channel play does: it starts
// when the playbacks queued before it have ended. onEvent (may be nil) is
// told of each state change.
func (l *Leg) Play(src Source, onEvent func(*Playback, PlaybackState)) *Playback {
	pb := newPlayback(l.p, ConvertRate(src, l.rate), onEvent)
	l.p.mu.Lock()
	if l.closed {
		l.p.mu.Unlock()
		pb.finish(PlaybackCancelled, nil)
		return pb
	}
	pb.owner, pb.cur = &l.queue, &l.playing
	l.queue = append(l.queue, pb)
	l.p.mu.Unlock()
	return pb
}

// Playing returns the playback the leg hears now, or nil.
func (l *Leg) Playing() *Playback {
	l.p.mu.Lock()
	defer l.p.mu.Unlock()
	return l.playing
}

// cancelAll empties the queue; p.mu held. The caller finishes them unlocked.
func (l *Leg) cancelAll() []*Playback {
	var out []*Playback
	if l.playing != nil {
		out = append(out, l.playing)
		l.playing = nil
	}
	out = append(out, l.queue...)
	l.queue = nil
	for _, pb := range out {
		pb.owner = nil
	}
	return out
}

// pull is the first phase of a tick: read what the leg says and the frame
// of its playback.
func (l *Leg) pull() {
	said := l.said[:l.n]
	if l.input != nil {
		if err := l.input.ReadFrame(said); err != nil {
			clear(said)
			if err == io.EOF && l.inputEnd != nil {
				l.p.note(l.inputEnd)
			}
			l.input, l.inputEnd = nil, nil
		}
	} else {
		clear(said)
	}
	if l.dtmf != nil {
		if k := l.dtmf.Detect(said); k != 0 {
			f := l.onDTMF
			l.p.note(func() { f(k) })
		}
	}
	for _, t := range l.tapsIn {
		_ = t.WriteFrame(said)
	}
	if l.muted&DirIn != 0 {
		clear(said)
	}
	l.playOK = l.readPlayback(l.heard[:l.n]) // the mixer leaves heard alone while suspended
	l.suspend = l.playing != nil
	l.mixed = false
}

// readPlayback fills dst from the current playback, moving on through the
// queue as playbacks end; false when nothing plays.
func (l *Leg) readPlayback(dst []int16) bool {
	for {
		pb := l.playing
		if pb == nil {
			if len(l.queue) == 0 {
				return false
			}
			pb = l.queue[0]
			copy(l.queue, l.queue[1:])
			l.queue[len(l.queue)-1] = nil
			l.queue = l.queue[:len(l.queue)-1]
			l.playing = pb
			pb.owner = &l.queue
			pb.start()
		}
		ok, done := pb.read(dst)
		if !done {
			return ok
		}
		l.playing = nil
	}
}

// push is the last phase of a tick: decide what the leg hears and deliver it.
func (l *Leg) push() {
	var out []int16
	switch {
	case l.muted&DirOut != 0:
		out = l.heard[:l.n]
		clear(out)
	case l.suspend:
		out = l.heard[:l.n]
		if !l.playOK { // paused
			clear(out)
		}
	case l.gen != nil:
		out = l.heard[:l.n]
		if err := l.gen.ReadFrame(out); err != nil {
			clear(out)
			l.gen = nil
		}
	case l.mixed:
		out = l.heard[:l.n]
	default:
		out = l.heard[:l.n]
		clear(out)
	}
	if len(l.whispers) > 0 && l.muted&DirOut == 0 {
		l.mixWhispers(out)
	}
	if l.sink != nil {
		_ = l.sink.WriteFrame(out)
	}
	for _, t := range l.tapsOut {
		_ = t.WriteFrame(out)
	}
}

// wantsMix reports whether the leg takes its bridge's mix this tick (false
// while a playback, generator or mute-out decides what it hears).
func (l *Leg) wantsMix() bool {
	return !l.suspend && l.gen == nil && l.muted&DirOut == 0
}

// sayingFrame is what the leg contributes to its bridge this tick (nil when
// suspended by a playback).
func (l *Leg) sayingFrame() []int16 {
	if l.suspend {
		return nil
	}
	return l.said[:l.n]
}

// PlaybackState is a playback's state, named as in ARI.
type PlaybackState string

// Playback states.
const (
	PlaybackQueued    PlaybackState = "queued"
	PlaybackPlaying   PlaybackState = "playing"
	PlaybackPaused    PlaybackState = "paused"
	PlaybackDone      PlaybackState = "done"
	PlaybackCancelled PlaybackState = "cancelled"
	PlaybackFailed    PlaybackState = "failed"
)

// Playback is one queued or running playback on a leg or mixer.
type Playback struct {
	p       *Pacer
	src     Source
	onEvent func(*Playback, PlaybackState)
	done    chan struct{}

	// guarded by p.mu
	owner  *[]*Playback // queue it waits in or belongs to; nil when finished
	cur    **Playback   // the leg's or mixer's "playing" slot
	state  PlaybackState
	paused bool
	frames int // frames played
	err    error
}

func newPlayback(p *Pacer, src Source, onEvent func(*Playback, PlaybackState)) *Playback {
	return &Playback{p: p, src: src, onEvent: onEvent, done: make(chan struct{}), state: PlaybackQueued}
}

// start marks the playback playing; p.mu held.
func (pb *Playback) start() {
	pb.state = PlaybackPlaying
	if pb.onEvent != nil {
		f := pb.onEvent
		pb.p.note(func() { f(pb, PlaybackPlaying) })
	}
}

// read fills dst; ok is false when paused (dst untouched); done when it has
// ended (and has been finished); p.mu held.
func (pb *Playback) read(dst []int16) (ok, done bool) {
	if pb.state != PlaybackPlaying && pb.state != PlaybackPaused {
		return false, true
	}
	if pb.paused {
		return false, false
	}
	if err := pb.src.ReadFrame(dst); err != nil {
		st := PlaybackDone
		if err != io.EOF {
			st = PlaybackFailed
		}
		pb.owner = nil
		pb.state = st
		pb.err = err
		pb.p.note(func() { pb.finish(st, err) })
		return false, true
	}
	pb.frames++
	return true, false
}

// finish closes done and tells onEvent; called without p.mu.
func (pb *Playback) finish(st PlaybackState, err error) {
	pb.p.mu.Lock()
	select {
	case <-pb.done:
		pb.p.mu.Unlock()
		return
	default:
	}
	pb.state, pb.err = st, err
	close(pb.done)
	pb.p.mu.Unlock()
	if pb.onEvent != nil {
		pb.onEvent(pb, st)
	}
}

// Done is closed when the playback has ended, whichever way.
func (pb *Playback) Done() <-chan struct{} { return pb.done }

// State returns the current state.
func (pb *Playback) State() PlaybackState {
	pb.p.mu.Lock()
	defer pb.p.mu.Unlock()
	if pb.paused && pb.state == PlaybackPlaying {
		return PlaybackPaused
	}
	return pb.state
}

// Err is the source's error of a failed playback.
func (pb *Playback) Err() error {
	pb.p.mu.Lock()
	defer pb.p.mu.Unlock()
	return pb.err
}

// Played is how long the playback has been heard so far.
func (pb *Playback) Played() time.Duration {
	pb.p.mu.Lock()
	defer pb.p.mu.Unlock()
	return time.Duration(pb.frames) * FrameDuration
}

// Stop cancels the playback, queued or playing (ARI DELETE /playbacks/{id}).
// The leg goes back to its generator or bridge on the next tick.
func (pb *Playback) Stop() {
	pb.p.mu.Lock()
	if pb.owner == nil && pb.state != PlaybackQueued && pb.state != PlaybackPlaying {
		pb.p.mu.Unlock()
		return
	}
	pb.detach()
	pb.p.mu.Unlock()
	pb.finish(PlaybackCancelled, nil)
}

// detach removes the playback from whatever holds it; p.mu held.
func (pb *Playback) detach() {
	if pb.cur != nil && *pb.cur == pb {
		*pb.cur = nil
	}
	if pb.owner != nil {
		*pb.owner = removeOrdered(*pb.owner, pb)
		pb.owner = nil
	}
	pb.state = PlaybackCancelled
}

func removeOrdered(s []*Playback, v *Playback) []*Playback {
	for i, x := range s {
		if x == v {
			copy(s[i:], s[i+1:])
			s[len(s)-1] = nil
			return s[:len(s)-1]
		}
	}
	return s
}

// Pause holds the playback where it is (ARI control "pause"); the leg hears
// silence meanwhile.
func (pb *Playback) Pause() { pb.setPaused(true) }

// Unpause resumes a paused playback (ARI control "unpause").
func (pb *Playback) Unpause() { pb.setPaused(false) }

func (pb *Playback) setPaused(v bool) {
	pb.p.mu.Lock()
	pb.paused = v
	pb.p.mu.Unlock()
}

// Restart goes back to the start (ARI control "restart"); false if the
// source cannot seek.
func (pb *Playback) Restart() bool { return pb.seek(0, false) }

// Skip moves by d (negative: back), as ARI's "forward" and "reverse" with
// skipms; false if the source cannot seek.
func (pb *Playback) Skip(d time.Duration) bool { return pb.seek(d, true) }

func (pb *Playback) seek(d time.Duration, rel bool) bool {
	pb.p.mu.Lock()
	defer pb.p.mu.Unlock()
	s, ok := pb.src.(Seeker)
	if !ok {
		return false
	}
	if rel {
		d += s.Position()
	}
	s.Seek(d)
	return true
}

// mixWhispers adds the whispers' frames to out; p.mu held.
func (l *Leg) mixWhispers(out []int16) {
	w := l.wbuf[:l.n]
	kept := l.whispers[:0]
	for _, src := range l.whispers {
		if err := src.ReadFrame(w); err != nil {
			continue
		}
		kept = append(kept, src)
		for i, v := range w {
			out[i] = sat32(int32(out[i]) + int32(v))
		}
	}
	clear(l.whispers[len(kept):])
	l.whispers = kept
}
