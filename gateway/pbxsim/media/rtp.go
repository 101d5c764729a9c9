package media

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
)

// RTPConfig configures an RTP session of an externalMedia channel.
type RTPConfig struct {
	// Format is the channel's format (ARI externalMedia "format").
	Format Format
	// Remote is external_host: where frames are sent, and the only source
	// accepted (Asterisk's strict RTP drops packets from any other).
	Remote netip.AddrPort
	// LocalIP is the address to bind; invalid (zero) means the address the
	// host would use to reach Remote, as Asterisk reports it in
	// UNICASTRTP_LOCAL_ADDRESS.
	LocalIP netip.Addr
	// PortMin and PortMax bound the local port, like rtp.conf's rtpstart
	// and rtpend; even ports are used, as Asterisk does. Zero means any
	// port the system gives.
	PortMin, PortMax int
	// Logger gets receive errors; nil discards.
	Logger *slog.Logger
	// OnDTMF, if set, is called (on the receive goroutine) once per RFC 4733
	// telephone-event (payload type 101, as Asterisk) when it ends, with the
	// key and its duration.
	OnDTMF func(key byte, d time.Duration)
}

// TelephoneEventPT is the RTP payload type of RFC 4733 DTMF in Asterisk.
const TelephoneEventPT = 101

// rfc4733 event codes 0-15.
const dtmfEventKeys = "0123456789*#ABCD"

// RTPStats counts a session's traffic.
type RTPStats struct {
	Sent, Received uint64 // packets
	SentBytes      uint64 // payload bytes
	Foreign        uint64 // packets dropped: wrong source (strict RTP)
	Invalid        uint64 // packets dropped: not RTP, unknown payload type
	Late           uint64 // packets dropped: older than one already queued
	Lost           uint64 // sequence numbers never seen
	Underruns      uint64 // frames read with nothing to play
	Overruns       uint64 // frames dropped because the buffer was too full
	SendErrors     uint64
}

// RTPSession is one UDP RTP stream, as Asterisk's UnicastRTP channel: it
// sends what its leg hears (Sink) and delivers what it receives (Source).
// One goroutine reads the socket; it ends with Close or the context.
type RTPSession struct {
	cfg    RTPConfig
	conn   *net.UDPConn
	local  netip.AddrPort
	log    *slog.Logger
	done   chan struct{}
	closed atomic.Bool
	remote atomic.Pointer[netip.AddrPort]

	// send side: used by the pacer goroutine only
	seq     uint16
	ts      uint32
	ssrc    uint32
	hdr     rtp.Header
	sendBuf [12 + 2*MaxFrameSamples]byte
	conv    [MaxFrameSamples]int16
	up      upsampler
	down    downsampler
	dtmfMu  sync.Mutex
	dtmfQ   []dtmfSend // keys waiting to be sent
	ev      dtmfSend   // the event being sent
	evTS    uint32     // its RTP timestamp
	evDur   int        // its duration so far, in clock units
	evEnds  int        // end packets sent
	evOn    bool

	// receive side
	mu      sync.Mutex
	ring    [jitterCap]int16
	head    int // read index
	level   int // samples queued
	playing bool
	haveSeq bool
	lastSeq uint16
	stats   RTPStats
	lastEv  uint32 // timestamp of the last telephone-event reported
	haveEv  bool
	sent    atomic.Uint64
	sentB   atomic.Uint64
	sendErr atomic.Uint64
}

// jitterCap is the receive buffer: 16 frames at 16 kHz (320 ms).
const jitterCap = 16 * MaxFrameSamples

// Prefill and trim levels of the receive buffer, in frames: playing starts
// (and restarts after an underrun) with two frames queued, and a buffer
// grown past six frames is cut back to three, keeping latency low when the
// sender's clock runs faster than ours.
const (
	jitterPrefill = 2
	jitterHigh    = 6
	jitterTrim    = 3
)

var (
	_ Source = (*RTPSession)(nil)
	_ Sink   = (*RTPSession)(nil)
)

// ListenRTP binds a UDP socket for an RTP session with cfg.Remote and starts
// its receive goroutine. ctx ends the session like Close, so it should be
// the channel's context, not a request's.
func ListenRTP(ctx context.Context, cfg RTPConfig) (*RTPSession, error) {
	if cfg.Format.Codec == 0 {
		return nil, fmt.Errorf("listen rtp: %w", ErrUnknownFormat)
	}
	if !cfg.Remote.IsValid() {
		return nil, fmt.Errorf("listen rtp: remote address %v is not valid", cfg.Remote)
	}
	ip := cfg.LocalIP
	if !ip.IsValid() {
		var err error
		if ip, err = localIPFor(cfg.Remote); err != nil {
			return nil, fmt.Errorf("listen rtp: %w", err)
		}
	}
	conn, err := bindRTP(ip, cfg.PortMin, cfg.PortMax)
	if err != nil {
		return nil, fmt.Errorf("listen rtp: %w", err)
	}
	s := &RTPSession{
		cfg:   cfg,
		conn:  conn,
		local: conn.LocalAddr().(*net.UDPAddr).AddrPort(),
		log:   cfg.Logger,
		done:  make(chan struct{}),
		seq:   uint16(rand.Uint32()),
		ts:    rand.Uint32(),
		ssrc:  rand.Uint32(),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.remote.Store(&cfg.Remote)
	s.hdr = rtp.Header{Version: 2, PayloadType: cfg.Format.PayloadType, SSRC: s.ssrc}
	stop := context.AfterFunc(ctx, func() { _ = s.Close() })
	go func() {
		defer close(s.done)
		defer stop()
		s.receive()
	}()
	return s, nil
}

// localIPFor finds the local address used to reach remote (no packet is
// sent: a UDP "connect" only picks the route).
func localIPFor(remote netip.AddrPort) (netip.Addr, error) {
	c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(remote))
	if err != nil {
		return netip.Addr{}, fmt.Errorf("find local address for %v: %w", remote, err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).AddrPort().Addr().Unmap(), nil
}

// bindRTP binds ip on an even port in [lo, hi], starting at a random one,
// or on any port when lo is 0.
func bindRTP(ip netip.Addr, lo, hi int) (*net.UDPConn, error) {
	if lo <= 0 {
		return net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, 0)))
	}
	if hi < lo || hi > 65535 {
		return nil, fmt.Errorf("rtp port range %d-%d is not valid", lo, hi)
	}
	lo += lo & 1
	if lo > hi {
		return nil, fmt.Errorf("rtp port range %d-%d has no even port", lo, hi)
	}
	n := (hi-lo)/2 + 1
	start := rand.IntN(n)
	var last error
	for i := range n {
		port := lo + 2*((start+i)%n)
		c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, uint16(port))))
		if err == nil {
			return c, nil
		}
		last = err
	}
	return nil, fmt.Errorf("no free rtp port in %d-%d: %w", lo, hi, last)
}

// LocalAddr is the bound address (UNICASTRTP_LOCAL_ADDRESS and _PORT).
func (s *RTPSession) LocalAddr() netip.AddrPort { return s.local }

// Remote is the address frames are sent to and accepted from.
func (s *RTPSession) Remote() netip.AddrPort { return *s.remote.Load() }

// SetRemote changes the remote address (for a test's far end, created
// before the address it must answer is known).
func (s *RTPSession) SetRemote(addr netip.AddrPort) { s.remote.Store(&addr) }

// Format is the session's format.
func (s *RTPSession) Format() Format { return s.cfg.Format }

// Rate implements Source: the format's sample rate.
func (s *RTPSession) Rate() int { return s.cfg.Format.SampleRate }

// Duration implements Source: live audio is endless.
func (s *RTPSession) Duration() (time.Duration, bool) { return 0, false }

// WriteFrame implements Sink: it encodes one 20 ms frame (converted to the
// format's rate if needed) and sends it as one RTP packet. Not safe for use
// by more than one goroutine (the pacer is the one writer).
func (s *RTPSession) WriteFrame(frame []int16) error {
	if s.closed.Load() {
		return fmt.Errorf("send rtp: %w", ErrClosed)
	}
	f := s.cfg.Format
	n := f.FrameSamples()
	if len(frame) != n {
		convertFrame(s.conv[:n], frame, &s.up, &s.down)
		frame = s.conv[:n]
	}
	step := uint32(n * f.ClockRate / f.SampleRate)
	if s.dtmfPending() {
		return s.writeEvent(step)
	}
	s.hdr.SequenceNumber = s.seq
	s.hdr.Timestamp = s.ts
	hl, err := s.hdr.MarshalTo(s.sendBuf[:])
	if err != nil {
		return fmt.Errorf("send rtp: %w", err)
	}
	pkt := f.Encode(s.sendBuf[:hl], frame)
	s.seq++
	s.ts += step
	remote := *s.remote.Load()
	if _, err := s.conn.WriteToUDPAddrPort(pkt, remote); err != nil {
		s.sendErr.Add(1)
		return fmt.Errorf("send rtp to %v: %w", remote, err)
	}
	s.sent.Add(1)
	s.sentB.Add(uint64(len(pkt) - hl))
	return nil
}

type dtmfSend struct {
	code uint8
	dur  int // clock units
}

// SendDTMF queues key (0-9, *, #, A-D) to be sent as an RFC 4733
// telephone-event lasting d (100 ms when 0), in place of audio, as Asterisk
// sends DTMF on an RTP channel. Keys are sent one after another.
func (s *RTPSession) SendDTMF(key byte, d time.Duration) error {
	if key >= 'a' && key <= 'd' {
		key -= 'a' - 'A'
	}
	code := -1
	for i := 0; i < len(dtmfEventKeys); i++ {
		if dtmfEventKeys[i] == key {
			code = i
		}
	}
	if code < 0 {
		return fmt.Errorf("send dtmf %q: not 0-9, *, #, A-D: %w", key, ErrBadTone)
	}
	if d <= 0 {
		d = 100 * time.Millisecond
	}
	if s.closed.Load() {
		return fmt.Errorf("send dtmf: %w", ErrClosed)
	}
	s.dtmfMu.Lock()
	s.dtmfQ = append(s.dtmfQ, dtmfSend{code: uint8(code), dur: int(d.Milliseconds()) * s.cfg.Format.ClockRate / 1000})
	s.dtmfMu.Unlock()
	return nil
}

func (s *RTPSession) dtmfPending() bool {
	if s.evOn {
		return true
	}
	s.dtmfMu.Lock()
	defer s.dtmfMu.Unlock()
	if len(s.dtmfQ) == 0 {
		return false
	}
	s.ev = s.dtmfQ[0]
	s.dtmfQ = s.dtmfQ[1:]
	s.evOn, s.evTS, s.evDur, s.evEnds = true, s.ts, 0, 0
	return true
}

// writeEvent sends one telephone-event packet per frame: the first with
// the marker bit, the duration growing, and the end packet three times.
func (s *RTPSession) writeEvent(step uint32) error {
	first := s.evDur == 0 && s.evEnds == 0
	end := false
	if s.evDur+int(step) >= s.ev.dur {
		s.evDur = s.ev.dur
		end = true
		s.evEnds++
	} else {
		s.evDur += int(step)
	}
	h := rtp.Header{Version: 2, Marker: first, PayloadType: TelephoneEventPT, SequenceNumber: s.seq, Timestamp: s.evTS, SSRC: s.ssrc}
	hl, err := h.MarshalTo(s.sendBuf[:])
	if err != nil {
		return fmt.Errorf("send dtmf: %w", err)
	}
	flags := byte(10) // volume -10 dBm0
	if end {
		flags |= 0x80
	}
	dur := min(s.evDur, 0xFFFF)
	pkt := append(s.sendBuf[:hl], s.ev.code, flags, byte(dur>>8), byte(dur))
	s.seq++
	s.ts += step
	if end && s.evEnds >= 3 {
		s.evOn = false
	}
	remote := *s.remote.Load()
	if _, err := s.conn.WriteToUDPAddrPort(pkt, remote); err != nil {
		s.sendErr.Add(1)
		return fmt.Errorf("send dtmf to %v: %w", remote, err)
	}
	s.sent.Add(1)
	return nil
}

// ReadFrame implements Source: the next frame received, or silence while
// the buffer fills. It never returns an error; a closed session is silent.
func (s *RTPSession) ReadFrame(dst []int16) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(dst)
	if !s.playing && s.level >= jitterPrefill*n {
		s.playing = true
	}
	if !s.playing || s.level == 0 {
		clear(dst)
		if s.playing {
			s.playing = false
			s.stats.Underruns++
		}
		return nil
	}
	k := min(n, s.level)
	for i := range k {
		dst[i] = s.ring[(s.head+i)%jitterCap]
	}
	clear(dst[k:])
	s.head = (s.head + k) % jitterCap
	s.level -= k
	if k < n {
		s.playing = false
		s.stats.Underruns++
	}
	return nil
}

// receive reads packets until the socket closes.
func (s *RTPSession) receive() {
	var (
		buf  [1500]byte
		hdr  rtp.Header
		pcm  [4 * MaxFrameSamples]int16
		conv [8 * MaxFrameSamples]int16
		up   upsampler
		down downsampler
	)
	for {
		n, from, err := s.conn.ReadFromUDPAddrPort(buf[:])
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				s.log.Warn("rtp receive failed", "local", s.local.String(), "err", err)
			}
			return
		}
		if remote := s.remote.Load(); from.Addr().Unmap() != remote.Addr().Unmap() || from.Port() != remote.Port() {
			s.count(func(st *RTPStats) { st.Foreign++ })
			continue
		}
		hl, err := hdr.Unmarshal(buf[:n])
		if err != nil || hdr.Version != 2 {
			s.count(func(st *RTPStats) { st.Invalid++ })
			continue
		}
		payload := buf[hl:n]
		if hdr.Padding && len(payload) > 0 {
			pad := int(payload[len(payload)-1])
			if pad > len(payload) {
				s.count(func(st *RTPStats) { st.Invalid++ })
				continue
			}
			payload = payload[:len(payload)-pad]
		}
		if hdr.PayloadType == TelephoneEventPT {
			s.telephoneEvent(hdr.Timestamp, payload)
			continue
		}
		f, ok := FormatForPayloadType(hdr.PayloadType)
		if !ok {
			// comfort noise, telephone-event and the like carry no audio here
			s.count(func(st *RTPStats) { st.Invalid++ })
			continue
		}
		if len(payload)/f.BytesPerSample() > len(pcm) {
			payload = payload[:len(pcm)*f.BytesPerSample()]
		}
		samples := f.Decode(pcm[:0], payload)
		if f.SampleRate != s.Rate() {
			// another rate than the session's: convert per 10 ms pieces
			samples = convertAny(conv[:], samples, f.SampleRate, s.Rate(), &up, &down)
		}
		s.enqueue(hdr.SequenceNumber, samples)
	}
}

// telephoneEvent reports an RFC 4733 event once, at its first end packet.
func (s *RTPSession) telephoneEvent(ts uint32, payload []byte) {
	if len(payload) < 4 || payload[0] >= uint8(len(dtmfEventKeys)) {
		s.count(func(st *RTPStats) { st.Invalid++ })
		return
	}
	if payload[1]&0x80 == 0 {
		return // not ended yet
	}
	s.mu.Lock()
	dup := s.haveEv && s.lastEv == ts
	s.haveEv, s.lastEv = true, ts
	s.mu.Unlock()
	if dup || s.cfg.OnDTMF == nil {
		return
	}
	dur := int(payload[2])<<8 | int(payload[3])
	s.cfg.OnDTMF(dtmfEventKeys[payload[0]], time.Duration(dur)*time.Second/time.Duration(s.cfg.Format.ClockRate))
}

// convertAny converts 8 <-> 16 kHz audio of any even length into dst.
func convertAny(dst, src []int16, from, to int, up *upsampler, down *downsampler) []int16 {
	if to > from {
		n := min(len(src), len(dst)/2)
		up.process(dst[:2*n], src[:n])
		return dst[:2*n]
	}
	n := min(len(src)&^1, 2*len(dst))
	down.process(dst[:n/2], src[:n])
	return dst[:n/2]
}

func (s *RTPSession) count(f func(*RTPStats)) {
	s.mu.Lock()
	f(&s.stats)
	s.mu.Unlock()
}

// enqueue adds a packet's samples in sequence order: a packet older than
// the newest one seen is dropped (too late to play), gaps are counted.
func (s *RTPSession) enqueue(seq uint16, samples []int16) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Received++
	if s.haveSeq {
		d := int16(seq - s.lastSeq)
		if d <= 0 {
			s.stats.Late++
			return
		}
		s.stats.Lost += uint64(d - 1)
	}
	s.haveSeq, s.lastSeq = true, seq
	frame := FrameSamples(s.Rate())
	if s.level+len(samples) > jitterCap || s.level+len(samples) > jitterHigh*frame {
		// too much queued: drop the oldest to keep latency bounded
		keep := jitterTrim * frame
		if s.level > keep {
			s.head = (s.head + s.level - keep) % jitterCap
			s.level = keep
			s.stats.Overruns++
		}
	}
	tail := (s.head + s.level) % jitterCap
	for i, v := range samples {
		s.ring[(tail+i)%jitterCap] = v
	}
	s.level += len(samples)
}

// Stats returns the session's counters.
func (s *RTPSession) Stats() RTPStats {
	s.mu.Lock()
	st := s.stats
	s.mu.Unlock()
	st.Sent = s.sent.Load()
	st.SentBytes = s.sentB.Load()
	st.SendErrors = s.sendErr.Load()
	return st
}

// Close closes the socket and waits for the receive goroutine to end.
// Later writes fail with ErrClosed; reads give silence.
func (s *RTPSession) Close() error {
	if s.closed.Swap(true) {
		<-s.done
		return nil
	}
	err := s.conn.Close()
	<-s.done
	if err != nil {
		return fmt.Errorf("close rtp %v: %w", s.local, err)
	}
	return nil
}
