package media

import (
	"fmt"
	"net/netip"
	"testing"
	"time"
)

// loopPCM is an endless in-memory voice: a PCM buffer played in a loop.
type loopPCM struct {
	s   []int16
	pos int
}

func (l *loopPCM) Rate() int                       { return Rate8k }
func (l *loopPCM) Duration() (time.Duration, bool) { return 0, false }
func (l *loopPCM) ReadFrame(dst []int16) error {
	for i := range dst {
		dst[i] = l.s[l.pos]
		l.pos++
		if l.pos == len(l.s) {
			l.pos = 0
		}
	}
	return nil
}

var benchVoice = sine(440, 8000, 1, 8000)

// reportLegs turns ns per tick into the number of legs one core moves in
// one 20 ms frame (the real-time budget).
func reportLegs(b *testing.B, legs int) {
	perTick := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	perLeg := perTick / float64(legs)
	b.ReportMetric(perLeg, "ns/leg")
	b.ReportMetric(float64(FrameDuration.Nanoseconds())/perLeg, "legs/20ms")
}

// BenchmarkBridgedLegsMemory: two-party mixing bridges, every leg talking
// from memory and heard into a sink; one op is one 20 ms tick of all legs.
func BenchmarkBridgedLegsMemory(b *testing.B) {
	for _, legs := range []int{200, 2000} {
		b.Run(fmt.Sprintf("legs=%d", legs), func(b *testing.B) {
			p := NewPacer(PacerConfig{})
			for range legs / 2 {
				m := p.NewMixer(Mixing)
				for range 2 {
					l := p.NewLeg(LegConfig{})
					l.Say(&loopPCM{s: benchVoice}, nil)
					l.SetSink(discard{})
					m.Add(l, MemberOptions{})
				}
			}
			p.Tick()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				p.Tick()
			}
			reportLegs(b, legs)
		})
	}
}

// BenchmarkBridgedLegsRTP: two-party bridges whose legs are all RTP
// sessions over loopback UDP (ulaw): each tick every leg encodes and sends
// one packet, and its receive goroutine decodes one (sessions are paired
// across neighbouring bridges, each the other's far end). Run with -cpu 1 to count everything on one core.
func BenchmarkBridgedLegsRTP(b *testing.B) {
	for _, legs := range []int{20, 200} { // multiples of 4
		b.Run(fmt.Sprintf("legs=%d", legs), func(b *testing.B) {
			p := NewPacer(PacerConfig{})
			sessions := make([]*RTPSession, legs)
			for i := range sessions {
				s, err := ListenRTP(b.Context(), RTPConfig{Format: Ulaw, Remote: netip.MustParseAddrPort("127.0.0.1:9")})
				if err != nil {
					b.Fatal(err)
				}
				sessions[i] = s
			}
			for i, s := range sessions {
				s.SetRemote(sessions[i^2].LocalAddr()) // pairs across two bridges
			}
			for i := 0; i < legs; i += 2 {
				m := p.NewMixer(Mixing)
				for _, s := range sessions[i : i+2] {
					l := p.NewLeg(LegConfig{})
					l.Say(s, nil)
					l.SetSink(s)
					m.Add(l, MemberOptions{})
				}
			}
			// Prime the ring so every session has audio to play.
			for range 3 {
				p.Tick()
			}
			time.Sleep(20 * time.Millisecond)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				p.Tick()
			}
			b.StopTimer()
			reportLegs(b, legs)
			var recv, sent uint64
			for _, s := range sessions {
				st := s.Stats()
				recv += st.Received
				sent += st.Sent
				_ = s.Close()
			}
			b.ReportMetric(float64(recv)/float64(sent), "recv/sent")
		})
	}
}

// BenchmarkUlawEncodeFrame: G.711 encoding of one 20 ms frame.
func BenchmarkUlawEncodeFrame(b *testing.B) {
	frame := benchVoice[:160]
	buf := make([]byte, 0, 160)
	b.ReportAllocs()
	for b.Loop() {
		buf = Ulaw.Encode(buf[:0], frame)
	}
}

// BenchmarkResample44kTo8k: loading cost of one second of a 44.1 kHz file.
func BenchmarkResample44kTo8k(b *testing.B) {
	in := sine(440, 44100, 1, 8000)
	b.ReportAllocs()
	for b.Loop() {
		_ = Resample(in, 44100, 8000)
	}
}
