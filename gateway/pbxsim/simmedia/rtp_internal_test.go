package simmedia

import (
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"

	"liandong/gateway/pbxsim/media"
)

// feedConn is a PacketConn that yields given packets, then reports closed.
type feedConn struct {
	net.PacketConn
	mu   sync.Mutex
	pkts [][]byte
}

func (c *feedConn) ReadFrom(b []byte) (int, net.Addr, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.pkts) == 0 {
		return 0, nil, net.ErrClosed
	}
	n := copy(b, c.pkts[0])
	c.pkts = c.pkts[1:]
	return n, &net.UDPAddr{}, nil
}

func (c *feedConn) Close() error { return nil }

func (c *feedConn) WriteTo(b []byte, _ net.Addr) (int, error) { return len(b), nil }

// FuzzRTPReceive: whatever arrives on an externalMedia port, receive neither
// panics nor queues audio from packets that are not the channel's payload type.
func FuzzRTPReceive(f *testing.F) {
	good, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0}, Payload: make([]byte, 160)}).Marshal()
	odd, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 118}, Payload: make([]byte, 7)}).Marshal()
	dtmf, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 101}, Payload: []byte{5, 0x80, 0, 160}}).Marshal()
	for _, seed := range [][]byte{good, odd, dtmf, {}, {0x80}, []byte("not rtp at all")} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, pkt []byte) {
		for _, format := range []media.Format{media.Ulaw, media.Slin16} {
			c := &feedConn{pkts: [][]byte{pkt, pkt, pkt}}
			p := newRTPPort(c, "127.0.0.1:9", format, nil)
			p.log = slog.New(slog.DiscardHandler)
			p.receive()
			frame := make([]int16, media.FrameSamples(format.SampleRate))
			_ = p.in.ReadFrame(frame)
			var parsed rtp.Packet
			if parsed.Unmarshal(pkt) != nil || parsed.PayloadType != format.PayloadType {
				for _, v := range frame {
					if v != 0 {
						t.Fatalf("audio queued from a packet that is not %s", format.Name)
					}
				}
			}
			_ = p.WriteFrame(frame)
		}
	})
}

func TestRing(t *testing.T) {
	r := newRing(1000, 10*time.Millisecond) // 10 samples
	for i := range 3 {
		_ = r.WriteFrame([]int16{int16(4*i + 1), int16(4*i + 2), int16(4*i + 3), int16(4*i + 4)})
	}
	got := r.samples()
	want := []int16{3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	if len(got) != len(want) {
		t.Fatalf("ring = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("ring = %v, want %v", got, want)
		}
	}
}
