package simmedia

import (
	"errors"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync/atomic"

	"github.com/pion/rtp"

	"liandong/gateway/pbxsim/media"
)

// rtpPort is an externalMedia channel's RTP on the UDP socket the core opened
// (its UNICASTRTP_LOCAL_PORT): it sends what the leg hears to external_host and
// feeds what arrives into the leg as what it says. The core closes the socket
// on hangup, which ends receive.
type rtpPort struct {
	conn   net.PacketConn
	remote string
	f      media.Format
	log    *slog.Logger
	in     *media.Pipe // what arrives, read by the leg each tick
	closed atomic.Bool

	// send side: the pacer goroutine only
	dst    net.Addr
	hdr    rtp.Header
	buf    []byte
	sent   uint64
	failed bool
}

func newRTPPort(conn net.PacketConn, remote string, f media.Format, log *slog.Logger) *rtpPort {
	p := &rtpPort{conn: conn, remote: remote, f: f, log: log, in: media.NewPipe(f.SampleRate),
		hdr: rtp.Header{Version: 2, PayloadType: f.PayloadType, SequenceNumber: uint16(rand.Uint32()),
			Timestamp: rand.Uint32(), SSRC: rand.Uint32()},
		buf: make([]byte, 0, 12+2*media.MaxFrameSamples)}
	// An IP address needs no lookup; a name is resolved on first send, off the core's lock.
	if ap, err := netip.ParseAddrPort(remote); err == nil {
		p.dst = net.UDPAddrFromAddrPort(ap)
	}
	return p
}

// WriteFrame implements media.Sink: one 20 ms frame, one RTP packet.
func (p *rtpPort) WriteFrame(frame []int16) error {
	if p.closed.Load() || p.failed {
		return nil
	}
	if p.dst == nil {
		a, err := net.ResolveUDPAddr("udp", p.remote)
		if err != nil {
			p.failed = true
			p.log.Warn("externalMedia remote not resolved", "remote", p.remote, "err", err)
			return nil
		}
		p.dst = a
	}
	b, err := p.hdr.MarshalTo(p.buf[:12])
	if err != nil {
		return nil
	}
	pkt := p.f.Encode(p.buf[:b], frame)
	if _, err := p.conn.WriteTo(pkt, p.dst); err == nil {
		p.sent++
	}
	p.hdr.SequenceNumber++
	p.hdr.Timestamp += uint32(len(frame) * p.f.ClockRate / p.f.SampleRate)
	return nil
}

// receive decodes arriving packets of the channel's payload type into the leg's input.
func (p *rtpPort) receive() {
	buf := make([]byte, 1500)
	var pkt rtp.Packet
	var pcm, pending []int16
	n := media.FrameSamples(p.f.SampleRate)
	for {
		k, _, err := p.conn.ReadFrom(buf)
		if err != nil {
			if !errors.Is(err, net.ErrClosed) && !p.closed.Load() {
				p.log.Warn("externalMedia receive", "err", err)
			}
			return
		}
		if pkt.Unmarshal(buf[:k]) != nil || pkt.PayloadType != p.f.PayloadType {
			// Not RTP, or another payload type. RFC 4733 telephone-events
			// (101) are dropped too, as Asterisk 22 does on UnicastRTP: with no
			// SDP nothing maps a dynamic payload type for receiving
			// (ast_rtp_codecs_get_payload), so ast_rtp_interpret discards them
			// and no ChannelDtmfReceived follows.
			continue
		}
		pcm = p.f.Decode(pcm[:0], pkt.Payload)
		pending = append(pending, pcm...)
		for len(pending) >= n {
			_ = p.in.WriteFrame(pending[:n])
			pending = append(pending[:0], pending[n:]...)
		}
	}
}

func (p *rtpPort) close() {
	if p.closed.CompareAndSwap(false, true) {
		_ = p.conn.Close()
	}
}
