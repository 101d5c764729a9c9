package simmedia_test

import (
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/pion/rtp"

	"liandong/gateway/pbxsim"
	"liandong/gateway/pbxsim/media"
	"liandong/gateway/pbxsim/simmedia"
)

// reportChannels turns ns per tick into how many channels one core carries in
// one 20 ms frame, the real-time budget (run with -cpu 1 for "one core").
func reportChannels(b *testing.B, channels int) {
	perTick := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(perTick/float64(channels), "ns/channel")
	b.ReportMetric(float64(channels)*float64(media.FrameDuration.Nanoseconds())/perTick, "channels/core")
}

// BenchmarkBridgedMemory: channels in two-party mixing bridges, each saying a
// tone and heard into its read-back buffer, set up through the observer as the
// server does; one op is one 20 ms frame of all of them.
func BenchmarkBridgedMemory(b *testing.B) {
	for _, n := range []int{200, 2000} {
		b.Run(fmt.Sprintf("channels=%d", n), func(b *testing.B) {
			m := simmedia.New(simmedia.Config{NoClock: true, HeardLimit: time.Second})
			defer m.Close()
			for i := range n {
				id := fmt.Sprintf("c%d", i)
				m.ChannelUp(pbxsim.MediaChannel{ID: id, Tech: "PJSIP"})
				if err := m.Speak(id, "tone:440"); err != nil {
					b.Fatal(err)
				}
				if i%2 == 1 {
					m.BridgeChanged(fmt.Sprintf("b%d", i), "mixing", []string{fmt.Sprintf("c%d", i-1), id})
				}
			}
			p := m.Pacer()
			p.Tick()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				p.Tick()
			}
			reportChannels(b, n)
		})
	}
}

// BenchmarkBridgedRTP: externalMedia channels paired in mixing bridges, each on
// its own loopback UDP socket; every frame the far end sends each one a ulaw
// packet (decoded by its receiver) and the emulator sends each one a packet back
// (drained by the far end). One op is one 20 ms frame of all of them.
func BenchmarkBridgedRTP(b *testing.B) {
	for _, n := range []int{200, 400} {
		b.Run(fmt.Sprintf("channels=%d", n), func(b *testing.B) {
			far, err := net.ListenPacket("udp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			done := make(chan struct{})
			go func() { // drain what the emulator sends
				defer close(done)
				buf := make([]byte, 1500)
				for {
					if _, _, err := far.ReadFrom(buf); err != nil {
						return
					}
				}
			}()
			m := simmedia.New(simmedia.Config{NoClock: true, HeardLimit: time.Second})
			ports := make([]net.Addr, n)
			for i := range n {
				pc, err := net.ListenPacket("udp", "127.0.0.1:0")
				if err != nil {
					b.Fatal(err)
				}
				ports[i] = pc.LocalAddr()
				id := fmt.Sprintf("e%d", i)
				m.ChannelUp(pbxsim.MediaChannel{ID: id, Tech: "UnicastRTP", RTP: pc, Remote: far.LocalAddr().String(), Format: "ulaw"})
				if i%2 == 1 {
					m.BridgeChanged(fmt.Sprintf("b%d", i), "mixing", []string{fmt.Sprintf("e%d", i-1), id})
				}
			}
			tone, _ := media.NewTone("697", 8000)
			frame := make([]int16, 160)
			_ = tone.ReadFrame(frame)
			pkt := rtp.Packet{Header: rtp.Header{Version: 2, SSRC: 9}, Payload: media.Ulaw.Encode(nil, frame)}
			p := m.Pacer()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				pkt.SequenceNumber++
				pkt.Timestamp += 160
				raw, _ := pkt.Marshal()
				for _, to := range ports {
					_, _ = far.WriteTo(raw, to)
				}
				p.Tick()
			}
			b.StopTimer()
			reportChannels(b, n)
			_ = m.Close()
			_ = far.Close()
			<-done
		})
	}
}
