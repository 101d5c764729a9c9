package media

import (
	"math"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

// toneSrc returns an endless pure sine Source.
func toneSrc(t *testing.T, freq float64, rate int) Source {
	t.Helper()
	return toneSrc2(t, strconv.FormatFloat(freq, 'g', -1, 64), rate)
}

// heardBy taps what a leg hears.
func heardBy(l *Leg) *Recorder {
	r := NewRecorder(l.Rate(), time.Minute)
	l.Tap(DirOut, r)
	return r
}

func ticks(p *Pacer, n int) {
	for range n {
		p.Tick()
	}
}

func power(s []int16, rate int, f float64) float64 { return Goertzel(s, rate, f) }

func TestTwoPartyForwardIsExact(t *testing.T) {
	p := NewPacer(PacerConfig{})
	a, b := p.NewLeg(LegConfig{}), p.NewLeg(LegConfig{})
	said := sine(1000, 8000, 0.4, 12000)
	a.Say(NewPCM(said, Rate8k), nil)
	ha, hb := heardBy(a), heardBy(b)
	m := p.NewMixer(Mixing)
	m.Add(a, MemberOptions{})
	m.Add(b, MemberOptions{})
	ticks(p, 25)
	if got := hb.Samples(); !slices.Equal(got[:len(said)], said) {
		t.Fatal("b did not hear exactly what a said")
	}
	if e := Energy(ha.Samples()); e != 0 {
		t.Errorf("a heard itself (energy %v)", e)
	}
}

func TestMixMinusThree(t *testing.T) {
	p := NewPacer(PacerConfig{})
	freqs := []float64{500, 1100, 1700}
	m := p.NewMixer(Mixing)
	var heard []*Recorder
	for _, f := range freqs {
		l := p.NewLeg(LegConfig{})
		l.Say(toneSrc(t, f, Rate8k), nil)
		heard = append(heard, heardBy(l))
		m.Add(l, MemberOptions{})
	}
	ticks(p, 25)
	for i, r := range heard {
		s := r.Samples()[800:]
		for j, f := range freqs {
			pw := power(s, Rate8k, f)
			if i == j && pw > 1e-4 {
				t.Errorf("member %d hears itself at %v Hz (%.4f)", i, f, pw)
			}
			if i != j && pw < 0.01 {
				t.Errorf("member %d does not hear %v Hz (%.4f)", i, f, pw)
			}
		}
	}
}

func TestMixSaturates(t *testing.T) {
	p := NewPacer(PacerConfig{})
	m := p.NewMixer(Mixing)
	loud := make([]int16, 1600)
	for i := range loud {
		loud[i] = 30000
	}
	var last *Recorder
	for range 3 {
		l := p.NewLeg(LegConfig{})
		l.Say(NewPCM(loud, Rate8k), nil)
		last = heardBy(l)
		m.Add(l, MemberOptions{})
	}
	ticks(p, 5)
	for _, v := range last.Samples() {
		if v != math.MaxInt16 {
			t.Fatalf("sum of two 30000s = %d, want saturated %d", v, math.MaxInt16)
		}
	}
}

func TestMixedRates(t *testing.T) {
	p := NewPacer(PacerConfig{})
	wide := p.NewLeg(LegConfig{Rate: Rate16k})
	narrow := p.NewLeg(LegConfig{Rate: Rate8k})
	wide.Say(toneSrc(t, 1000, Rate16k), nil)
	narrow.Say(toneSrc(t, 700, Rate8k), nil)
	hw, hn := heardBy(wide), heardBy(narrow)
	m := p.NewMixer(Mixing)
	m.Add(wide, MemberOptions{})
	m.Add(narrow, MemberOptions{})
	if m.Rate() != Rate16k {
		t.Fatalf("mixing rate %d, want 16000", m.Rate())
	}
	ticks(p, 30)
	if f, pur := DominantFrequency(hw.Samples()[3200:], Rate16k, 200, 7000, 10); math.Abs(f-700) > 10 || pur < 0.9 {
		t.Errorf("16 kHz leg hears %.0f Hz (purity %.2f), want 700", f, pur)
	}
	if f, pur := DominantFrequency(hn.Samples()[1600:], Rate8k, 200, 3900, 10); math.Abs(f-1000) > 10 || pur < 0.9 {
		t.Errorf("8 kHz leg hears %.0f Hz (purity %.2f), want 1000", f, pur)
	}
	m.Remove(wide)
	if m.Rate() != Rate8k {
		t.Errorf("rate after the wide leg left: %d", m.Rate())
	}
}

type events struct {
	mu  sync.Mutex
	got []PlaybackState
}

func (e *events) on(_ *Playback, st PlaybackState) {
	e.mu.Lock()
	e.got = append(e.got, st)
	e.mu.Unlock()
}

func (e *events) list() []PlaybackState {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.got)
}

func TestPlaybackSuspendsFromBridge(t *testing.T) {
	p := NewPacer(PacerConfig{})
	a, b := p.NewLeg(LegConfig{}), p.NewLeg(LegConfig{})
	a.Say(toneSrc(t, 500, Rate8k), nil)
	b.Say(toneSrc(t, 900, Rate8k), nil)
	ha, hb := heardBy(a), heardBy(b)
	m := p.NewMixer(Mixing)
	m.Add(a, MemberOptions{})
	m.Add(b, MemberOptions{})
	var ev events
	pb := a.Play(toneSrc2(t, "!2000/200", Rate8k), ev.on)
	ticks(p, 10) // 200 ms of playback
	ticks(p, 10) // back in the bridge
	sa, sb := ha.Samples(), hb.Samples()
	if f, _ := DominantFrequency(sa[:1600], Rate8k, 200, 3000, 10); f != 2000 {
		t.Errorf("a hears %v Hz during its playback, want 2000", f)
	}
	if pw := power(sa[:1600], Rate8k, 900); pw > 1e-4 {
		t.Errorf("a hears the bridge during its playback (%.4f)", pw)
	}
	if e := Energy(sb[:1600]); e != 0 {
		t.Errorf("b hears a while a is suspended by its playback (energy %v)", e)
	}
	if pw := power(sa[1600:], Rate8k, 900); pw < 0.01 {
		t.Errorf("a does not hear b after the playback")
	}
	if pw := power(sb[1600:], Rate8k, 500); pw < 0.01 {
		t.Errorf("b does not hear a after the playback")
	}
	if got := ev.list(); !slices.Equal(got, []PlaybackState{PlaybackPlaying, PlaybackDone}) {
		t.Errorf("events %v", got)
	}
	select {
	case <-pb.Done():
	default:
		t.Error("Done not closed")
	}
	if pb.State() != PlaybackDone || pb.Played() != 200*time.Millisecond {
		t.Errorf("state %v played %v", pb.State(), pb.Played())
	}
}

func toneSrc2(t *testing.T, spec string, rate int) Source {
	t.Helper()
	src, err := NewTone(spec, rate)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func TestPlaybackQueueStopAndControls(t *testing.T) {
	p := NewPacer(PacerConfig{})
	l := p.NewLeg(LegConfig{})
	h := heardBy(l)
	var e1, e2, e3 events
	pb1 := l.Play(toneSrc2(t, "!600/100", Rate8k), e1.on)
	pb2 := l.Play(NewPCM(sine(1200, 8000, 1, 8000), Rate8k), e2.on)
	pb3 := l.Play(toneSrc2(t, "!1800/100", Rate8k), e3.on)
	if pb2.State() != PlaybackQueued {
		t.Fatalf("second playback %v, want queued", pb2.State())
	}
	pb3.Stop() // cancelled while queued
	ticks(p, 5)
	ticks(p, 5)
	if pb1.State() != PlaybackDone {
		t.Errorf("first: %v", pb1.State())
	}
	pb2.Pause()
	ticks(p, 5)
	if pb2.State() != PlaybackPaused || pb2.Played() != 100*time.Millisecond {
		t.Errorf("paused: %v after %v", pb2.State(), pb2.Played())
	}
	pb2.Unpause()
	if !pb2.Skip(-time.Hour) || !pb2.Restart() {
		t.Error("PCM playback cannot seek")
	}
	ticks(p, 2)
	pb2.Stop()
	ticks(p, 3)
	got := h.Samples()
	if f, _ := DominantFrequency(got[:800], Rate8k, 200, 3000, 10); f != 600 {
		t.Errorf("first 100 ms: %v Hz", f)
	}
	if f, _ := DominantFrequency(got[800:1600], Rate8k, 200, 3000, 10); f != 1200 {
		t.Errorf("next 100 ms: %v Hz", f)
	}
	if e := Energy(got[1600:2400]); e != 0 {
		t.Errorf("paused playback is not silent (%v)", e)
	}
	if e := Energy(got[2720:]); e != 0 {
		t.Errorf("stopped playback still heard")
	}
	if !slices.Equal(e1.list(), []PlaybackState{PlaybackPlaying, PlaybackDone}) ||
		!slices.Equal(e2.list(), []PlaybackState{PlaybackPlaying, PlaybackCancelled}) ||
		!slices.Equal(e3.list(), []PlaybackState{PlaybackCancelled}) {
		t.Errorf("events %v %v %v", e1.list(), e2.list(), e3.list())
	}
	// A leg closed with a queue cancels it.
	var e4 events
	l.Play(toneSrc2(t, "440", Rate8k), e4.on)
	p.Tick()
	l.Close()
	if !slices.Equal(e4.list(), []PlaybackState{PlaybackPlaying, PlaybackCancelled}) {
		t.Errorf("close: %v", e4.list())
	}
}

func TestHoldingBridgeAndGenerators(t *testing.T) {
	p := NewPacer(PacerConfig{})
	a, b, ann := p.NewLeg(LegConfig{}), p.NewLeg(LegConfig{}), p.NewLeg(LegConfig{})
	a.Say(toneSrc(t, 500, Rate8k), nil)
	b.Say(toneSrc(t, 900, Rate8k), nil)
	ann.Say(toneSrc(t, 1300, Rate8k), nil)
	ha, hann := heardBy(a), heardBy(ann)
	m := p.NewMixer(Holding)
	m.Add(a, MemberOptions{})
	m.Add(b, MemberOptions{})
	m.SetGenerator(toneSrc(t, 2100, Rate16k)) // MOH
	ticks(p, 10)
	m.Add(ann, MemberOptions{Announcer: true})
	ticks(p, 10)
	s := ha.Samples()
	if pw := power(s, Rate8k, 900); pw > 1e-4 {
		t.Errorf("holding participant hears another (%.4f)", pw)
	}
	if pw := power(s, Rate8k, 2100); pw < 0.01 {
		t.Errorf("participant does not hear bridge MOH")
	}
	if pw := power(s[1600:], Rate8k, 1300); pw < 0.01 {
		t.Errorf("participant does not hear the announcer")
	}
	if e := Energy(hann.Samples()); e != 0 {
		t.Errorf("announcer hears something (%v)", e)
	}
	// A leg's own generator beats its bridge; mute out silences all.
	m.SetMode(Mixing)
	m.SetGenerator(nil)
	a.SetGenerator(toneSrc(t, 300, Rate8k))
	ha.Reset()
	ticks(p, 10)
	if f, _ := DominantFrequency(ha.Samples(), Rate8k, 200, 3000, 10); f != 300 {
		t.Errorf("with a generator a hears %v Hz", f)
	}
	a.SetGenerator(nil)
	a.Mute(DirOut)
	ha.Reset()
	ticks(p, 5)
	if e := Energy(ha.Samples()); e != 0 {
		t.Errorf("muted out still hears")
	}
	a.Unmute(DirOut)
	b.Mute(DirIn)
	ha.Reset()
	ticks(p, 5)
	if pw := power(ha.Samples(), Rate8k, 900); pw > 1e-4 {
		t.Errorf("muted-in member is heard")
	}
	if pw := power(ha.Samples(), Rate8k, 1300); pw < 0.01 {
		t.Errorf("unmuted member not heard")
	}
}

func TestBridgePlayAndMove(t *testing.T) {
	p := NewPacer(PacerConfig{})
	a, b := p.NewLeg(LegConfig{}), p.NewLeg(LegConfig{Rate: Rate16k})
	ha, hb := heardBy(a), heardBy(b)
	m1, m2 := p.NewMixer(Mixing), p.NewMixer(Mixing)
	m1.Add(a, MemberOptions{})
	m1.Add(b, MemberOptions{})
	var ev events
	m1.Play(toneSrc2(t, "!1000/200", Rate8k), ev.on)
	ticks(p, 10)
	if pw := power(ha.Samples(), Rate8k, 1000); pw < 0.01 {
		t.Error("a does not hear the bridge playback")
	}
	if pw := power(hb.Samples()[640:], Rate16k, 1000); pw < 0.01 {
		t.Error("b does not hear the bridge playback")
	}
	p.Tick()
	if !slices.Equal(ev.list(), []PlaybackState{PlaybackPlaying, PlaybackDone}) {
		t.Errorf("events %v", ev.list())
	}
	m2.Add(a, MemberOptions{}) // moves a
	if a.Mixer() != m2 || len(m1.Members()) != 1 {
		t.Errorf("move: a in %p, m1 has %d", a.Mixer(), len(m1.Members()))
	}
	m1.Close()
	if b.Mixer() != nil {
		t.Error("closed mixer still holds b")
	}
	m2.Close()
	if st := p.Stats(); st.Mixers != 0 || st.Legs != 2 {
		t.Errorf("stats %+v", st)
	}
}

func TestSayEndAndInBandDTMF(t *testing.T) {
	p := NewPacer(PacerConfig{})
	var mu sync.Mutex
	var keys []byte
	ended := 0
	l := p.NewLeg(LegConfig{OnDTMF: func(k byte) { mu.Lock(); keys = append(keys, k); mu.Unlock() }})
	src, err := DTMF("159#", 80*time.Millisecond, 60*time.Millisecond, Rate8k)
	if err != nil {
		t.Fatal(err)
	}
	said := NewRecorder(Rate8k, time.Minute)
	l.Tap(DirIn, said)
	l.Say(src, func() { ended++ })
	ticks(p, 40)
	if string(keys) != "159#" || ended != 1 {
		t.Errorf("keys %q, ended %d", keys, ended)
	}
	if said.Duration() != 800*time.Millisecond {
		t.Errorf("tap in recorded %v", said.Duration())
	}
}

// A tick over bridged legs must not allocate.
func TestTickAllocs(t *testing.T) {
	p := NewPacer(PacerConfig{})
	for range 10 {
		a, b := p.NewLeg(LegConfig{}), p.NewLeg(LegConfig{Rate: Rate16k})
		a.Say(NewPCM(sine(400, 8000, 10, 8000), Rate8k), nil)
		b.Say(NewPCM(sine(700, 16000, 10, 8000), Rate16k), nil)
		a.SetSink(discard{})
		m := p.NewMixer(Mixing)
		m.Add(a, MemberOptions{})
		m.Add(b, MemberOptions{})
	}
	p.Tick()
	if n := testing.AllocsPerRun(100, p.Tick); n != 0 {
		t.Errorf("Tick allocates %v times", n)
	}
}

type discard struct{}

func (discard) WriteFrame([]int16) error { return nil }

func TestMixerAddRefused(t *testing.T) {
	p1, p2 := NewPacer(PacerConfig{}), NewPacer(PacerConfig{})
	m := p1.NewMixer(Mixing)
	if m.Add(p2.NewLeg(LegConfig{}), MemberOptions{}) {
		t.Error("leg of another pacer accepted")
	}
	l := p1.NewLeg(LegConfig{})
	l.Close()
	if m.Add(l, MemberOptions{}) {
		t.Error("closed leg accepted")
	}
	m.Close()
	if m.Add(p1.NewLeg(LegConfig{}), MemberOptions{}) {
		t.Error("closed mixer accepted a leg")
	}
}

// A snoop: spy both directions of a bridged caller into a snoop leg.
func TestSnoopWithPipes(t *testing.T) {
	p := NewPacer(PacerConfig{})
	caller, agent := p.NewLeg(LegConfig{}), p.NewLeg(LegConfig{Rate: Rate16k})
	caller.Say(toneSrc(t, 500, Rate8k), nil)
	agent.Say(toneSrc(t, 1300, Rate16k), nil)
	m := p.NewMixer(Mixing)
	m.Add(caller, MemberOptions{})
	m.Add(agent, MemberOptions{})
	in, out := NewPipe(Rate8k), NewPipe(Rate8k)
	caller.Tap(DirIn, in)
	caller.Tap(DirOut, out)
	snoop := p.NewLeg(LegConfig{})
	snoop.Say(MixSources(in, out), nil)
	rec := NewRecorder(Rate8k, time.Minute)
	snoop.Tap(DirIn, rec)
	ticks(p, 30)
	s := rec.Samples()[1600:]
	if power(s, Rate8k, 500) < 0.01 || power(s, Rate8k, 1300) < 0.01 {
		t.Errorf("snoop both: 500 Hz %.4f, 1300 Hz %.4f", power(s, Rate8k, 500), power(s, Rate8k, 1300))
	}
	// A pipe keeps at most eight frames.
	pp := NewPipe(Rate8k)
	for i := range 20 {
		f := make([]int16, 160)
		f[0] = int16(i)
		_ = pp.WriteFrame(f)
	}
	buf := make([]int16, 160)
	_ = pp.ReadFrame(buf)
	if buf[0] != 12 {
		t.Errorf("oldest kept frame %d, want 12", buf[0])
	}
}
