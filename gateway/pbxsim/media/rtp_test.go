package media

import (
	"context"
	"errors"
	"math"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// farEnd is the external application: a plain UDP socket on loopback.
func farEnd(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func addrOf(c *net.UDPConn) netip.AddrPort { return c.LocalAddr().(*net.UDPAddr).AddrPort() }

func readPacket(t *testing.T, c *net.UDPConn) (rtp.Packet, int) {
	t.Helper()
	buf := make([]byte, 2000)
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, _, err := c.ReadFromUDPAddrPort(buf)
	if err != nil {
		t.Fatal(err)
	}
	var p rtp.Packet
	if err := p.Unmarshal(buf[:n]); err != nil {
		t.Fatal(err)
	}
	return p, n
}

func TestRTPSend(t *testing.T) {
	tests := []struct {
		format  string
		pt      uint8
		size    int // packet bytes
		tsStep  uint32
		frameAt int
	}{
		{"ulaw", 0, 172, 160, Rate8k},
		{"alaw", 8, 172, 160, Rate8k},
		{"slin", 10, 332, 160, Rate8k},
		{"slin16", 118, 652, 320, Rate16k},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			far := farEnd(t)
			f, err := LookupFormat(tt.format)
			if err != nil {
				t.Fatal(err)
			}
			s, err := ListenRTP(t.Context(), RTPConfig{Format: f, Remote: addrOf(far)})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if got := s.LocalAddr().Addr(); got != netip.MustParseAddr("127.0.0.1") {
				t.Errorf("local address %v, want 127.0.0.1 (the route to the remote)", got)
			}
			tone := sine(1000, tt.frameAt, 0.1, 8000)
			n := FrameSamples(tt.frameAt)
			var first rtp.Packet
			for i := range 5 {
				frame := tone[i*n : (i+1)*n]
				if err := s.WriteFrame(frame); err != nil {
					t.Fatal(err)
				}
				p, size := readPacket(t, far)
				if size != tt.size || p.Version != 2 || p.PayloadType != tt.pt || p.Marker {
					t.Fatalf("packet %d: %d bytes, v%d pt %d marker %v", i, size, p.Version, p.PayloadType, p.Marker)
				}
				if i == 0 {
					first = p
				} else if p.SequenceNumber != first.SequenceNumber+uint16(i) ||
					p.Timestamp != first.Timestamp+uint32(i)*tt.tsStep || p.SSRC != first.SSRC {
					t.Fatalf("packet %d: seq %d ts %d ssrc %x after seq %d ts %d ssrc %x",
						i, p.SequenceNumber, p.Timestamp, p.SSRC, first.SequenceNumber, first.Timestamp, first.SSRC)
				}
				got := f.Decode(nil, p.Payload)
				want := f.Decode(nil, f.Encode(nil, frame))
				for k := range want {
					if got[k] != want[k] {
						t.Fatalf("payload sample %d = %d, want %d", k, got[k], want[k])
					}
				}
			}
			if st := s.Stats(); st.Sent != 5 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

func TestRTPReceiveStrictAndJitter(t *testing.T) {
	far := farEnd(t)
	other := farEnd(t)
	s, err := ListenRTP(t.Context(), RTPConfig{Format: Ulaw, Remote: addrOf(far)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	dst := net.UDPAddrFromAddrPort(s.LocalAddr())
	tone := sine(600, 8000, 1, 8000)
	send := func(c *net.UDPConn, seq uint16, frame int, pt uint8) {
		p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: seq, Timestamp: uint32(seq) * 160, SSRC: 7},
			Payload: Ulaw.Encode(nil, tone[frame*160:(frame+1)*160])}
		b, _ := p.Marshal()
		if _, err := c.WriteToUDP(b, dst); err != nil {
			t.Fatal(err)
		}
	}
	// From the wrong port: dropped (strict RTP), like Asterisk.
	send(other, 1, 0, 0)
	// In order 10, 11, then 13 (12 lost), then 12 late, then comfort noise.
	send(far, 10, 0, 0)
	send(far, 11, 1, 0)
	send(far, 13, 2, 0)
	send(far, 12, 3, 0)
	send(far, 14, 3, 13) // comfort noise: no audio here
	_, _ = far.WriteToUDP([]byte{1, 2, 3}, dst)
	deadline := time.Now().Add(5 * time.Second)
	for {
		st := s.Stats()
		if st.Foreign == 1 && st.Received == 4 && st.Invalid == 2 {
			if st.Late != 1 || st.Lost != 1 {
				t.Errorf("late %d lost %d, want 1 and 1", st.Late, st.Lost)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stats %+v", st)
		}
		time.Sleep(5 * time.Millisecond)
	}
	out := make([]int16, 160)
	var got []int16
	for range 4 {
		if err := s.ReadFrame(out); err != nil {
			t.Fatal(err)
		}
		got = append(got, out...)
	}
	// Three frames queued (prefill met): 10, 11, 13 in order, then underrun.
	want := Ulaw.Decode(nil, Ulaw.Encode(nil, tone[:480]))
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("sample %d = %d, want %d", i, got[i], want[i])
		}
	}
	if e := Energy(got[480:]); e != 0 {
		t.Errorf("underrun is not silent")
	}
	if st := s.Stats(); st.Underruns != 1 {
		t.Errorf("underruns %d", st.Underruns)
	}
}

// A caller and an externalMedia leg in a bridge, the external application
// being a second RTP session: audio goes both ways over real UDP.
func TestRTPBridgedBothWays(t *testing.T) {
	p := NewPacer(PacerConfig{})
	app, err := ListenRTP(t.Context(), RTPConfig{Format: Slin16, Remote: netip.MustParseAddrPort("127.0.0.1:9")})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	em, err := ListenRTP(t.Context(), RTPConfig{Format: Slin16, Remote: app.LocalAddr(), PortMin: 20000, PortMax: 20999})
	if err != nil {
		t.Fatal(err)
	}
	defer em.Close()
	if port := em.LocalAddr().Port(); port < 20000 || port > 20999 || port%2 != 0 {
		t.Errorf("local port %d, want even in 20000-20999", port)
	}
	app.SetRemote(em.LocalAddr()) // the app answers to UNICASTRTP_LOCAL_PORT

	caller := p.NewLeg(LegConfig{Rate: Rate8k})
	caller.Say(toneSrc(t, 1000, Rate8k), nil)
	heard := heardBy(caller)
	emLeg := p.NewLeg(LegConfig{Rate: Rate16k})
	emLeg.Say(em, nil)
	emLeg.SetSink(em)
	m := p.NewMixer(Mixing)
	m.Add(caller, MemberOptions{})
	m.Add(emLeg, MemberOptions{})

	appTone := toneSrc(t, 600, Rate16k)
	appFrame := make([]int16, 320)
	var appHeard []int16
	for i := range 30 {
		_ = appTone.ReadFrame(appFrame)
		if err := app.WriteFrame(appFrame); err != nil {
			t.Fatal(err)
		}
		waitFor(t, func() bool { return em.Stats().Received >= uint64(i+1) })
		p.Tick()
		waitFor(t, func() bool { return app.Stats().Received >= uint64(i+1) })
		_ = app.ReadFrame(appFrame)
		appHeard = append(appHeard, appFrame...)
	}
	if f, pur := DominantFrequency(appHeard[320*10:], Rate16k, 200, 3000, 10); math.Abs(f-1000) > 10 || pur < 0.9 {
		t.Errorf("external app hears %.0f Hz (purity %.2f), want the caller's 1000", f, pur)
	}
	if f, pur := DominantFrequency(heard.Samples()[160*10:], Rate8k, 200, 3000, 10); math.Abs(f-600) > 10 || pur < 0.9 {
		t.Errorf("caller hears %.0f Hz (purity %.2f), want the app's 600", f, pur)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting for RTP on loopback")
		}
		time.Sleep(200 * time.Microsecond)
	}
}

func TestRTPCloseAndContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s, err := ListenRTP(ctx, RTPConfig{Format: Ulaw, Remote: netip.MustParseAddrPort("127.0.0.1:9")})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	waitFor(t, func() bool { return s.closed.Load() })
	if err := s.WriteFrame(make([]int16, 160)); !errors.Is(err, ErrClosed) {
		t.Errorf("write after close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
	// Bad configurations.
	if _, err := ListenRTP(t.Context(), RTPConfig{Remote: netip.MustParseAddrPort("127.0.0.1:9")}); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("no format: %v", err)
	}
	if _, err := ListenRTP(t.Context(), RTPConfig{Format: Ulaw}); err == nil {
		t.Error("no remote accepted")
	}
	if _, err := ListenRTP(t.Context(), RTPConfig{Format: Ulaw, Remote: netip.MustParseAddrPort("127.0.0.1:9"), PortMin: 30001, PortMax: 30001}); err == nil {
		t.Error("a range without an even port accepted")
	}
}

func TestRTPTelephoneEvents(t *testing.T) {
	type got struct {
		key byte
		d   time.Duration
	}
	ch := make(chan got, 10)
	b, err := ListenRTP(t.Context(), RTPConfig{Format: Ulaw, Remote: netip.MustParseAddrPort("127.0.0.1:9"),
		OnDTMF: func(k byte, d time.Duration) { ch <- got{k, d} }})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	far := farEnd(t)
	a, err := ListenRTP(t.Context(), RTPConfig{Format: Ulaw, Remote: addrOf(far)})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.SendDTMF('x', 0); !errors.Is(err, ErrBadTone) {
		t.Errorf("bad key: %v", err)
	}
	if err := a.SendDTMF('5', 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := a.SendDTMF('#', 60*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	frame := make([]int16, 160)
	var pts []uint8
	var ends int
	var marks int
	for range 14 { // 5 + 2 end + 3 + 2 end + 2 audio
		if err := a.WriteFrame(frame); err != nil {
			t.Fatal(err)
		}
		p, _ := readPacket(t, far)
		pts = append(pts, p.PayloadType)
		if p.PayloadType == TelephoneEventPT {
			if p.Marker {
				marks++
			}
			if p.Payload[1]&0x80 != 0 {
				ends++
				if d := int(p.Payload[2])<<8 | int(p.Payload[3]); d != 800 && d != 480 {
					t.Errorf("end packet duration %d, want 800 or 480 (100 or 60 ms)", d)
				}
			}
		}
	}
	if ends != 6 || marks != 2 {
		t.Errorf("end packets %d (want 3 per key), marked %d (want 2); pts %v", ends, marks, pts)
	}
	if pts[len(pts)-1] != 0 || pts[0] != TelephoneEventPT {
		t.Errorf("payload types %v", pts)
	}
	// Receiving: b's far end sends end packets (repeated, as RFC 4733 asks).
	var keys []got
	b.SetRemote(addrOf(far))
	p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: TelephoneEventPT, SequenceNumber: 1, Timestamp: 500, SSRC: 1}, Payload: []byte{5, 0x8a, 0x03, 0x20}}
	raw, _ := p.Marshal()
	for range 3 { // the end packet repeated: reported once
		_, _ = far.WriteToUDPAddrPort(raw, b.LocalAddr())
	}
	p.Timestamp, p.Payload = 900, []byte{11, 0x8a, 0x01, 0xE0}
	raw, _ = p.Marshal()
	_, _ = far.WriteToUDPAddrPort(raw, b.LocalAddr())
	for len(keys) < 2 {
		select {
		case k := <-ch:
			keys = append(keys, k)
		case <-time.After(5 * time.Second):
			t.Fatalf("got %v", keys)
		}
	}
	if keys[0] != (got{'5', 100 * time.Millisecond}) || keys[1] != (got{'#', 60 * time.Millisecond}) {
		t.Errorf("keys %v", keys)
	}
	select {
	case k := <-ch:
		t.Errorf("extra key %v", k)
	case <-time.After(50 * time.Millisecond):
	}
}
