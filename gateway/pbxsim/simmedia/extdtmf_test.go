package simmedia_test

import (
	"encoding/json"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp"

	"liandong/gateway/pbxsim"
	"liandong/gateway/pbxsim/media"
)

// Asterisk 22's UnicastRTP (externalMedia) channel carries no DTMF, and the
// emulator does the same:
//   - chan_rtp.c's unicast_rtp_tech has no send_digit_begin/end, so ARI
//     /dtmf on it (ast_dtmf_stream -> ast_senddigit) sends nothing;
//   - unicast_rtp_request never maps telephone-event for receiving: no SDP,
//     so ast_rtp_codecs_get_payload (rtp_engine.c) finds no rx mapping for a
//     dynamic payload type (it falls back to static ones only up to 34) and
//     ast_rtp_interpret (res_rtp_asterisk.c) drops the packet; no DSP runs
//     on the channel, so in-band tones are not detected either.

// externalMedia creates em1 (ulaw) toward a UDP socket of the test and
// returns that socket and the channel's local RTP address.
func (r *rig) externalMedia() (net.PacketConn, net.Addr) {
	r.t.Helper()
	far, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { far.Close() })
	body := r.must("POST", "/ari/channels/externalMedia?app=liandong&format=ulaw&channelId=em1&external_host="+far.LocalAddr().String())
	var em struct {
		Channelvars map[string]string `json:"channelvars"`
	}
	if err := json.Unmarshal([]byte(body), &em); err != nil {
		r.t.Fatal(err)
	}
	local, err := net.ResolveUDPAddr("udp", em.Channelvars["UNICASTRTP_LOCAL_ADDRESS"]+":"+em.Channelvars["UNICASTRTP_LOCAL_PORT"])
	if err != nil {
		r.t.Fatal(err)
	}
	return far, local
}

// TestExternalMediaIgnoresDTMF: RFC 4733 telephone-events (payload type
// 101, three end packets) and in-band DTMF tones arriving on an
// externalMedia channel give no ChannelDtmfReceived; the tones still reach
// the bridge as audio.
func TestExternalMediaIgnoresDTMF(t *testing.T) {
	r := start(t)
	far, local := r.externalMedia()
	a := r.caller()
	r.must("POST", "/ari/bridges?type=mixing&bridgeId=b1")
	r.must("POST", "/ari/bridges/b1/addChannel?channel="+a+",em1")

	send := func(h rtp.Header, payload []byte) {
		t.Helper()
		b, err := (&rtp.Packet{Header: h, Payload: payload}).Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := far.WriteTo(b, local); err != nil {
			t.Fatal(err)
		}
	}
	// Digit 5 as telephone-event: start (marker), updates, three end packets.
	seq, ts := uint16(100), uint32(8000)
	for i, dur := range []int{160, 320, 480, 800, 800, 800} {
		flags := byte(10)
		if i >= 3 {
			flags |= 0x80
		}
		send(rtp.Header{Version: 2, Marker: i == 0, PayloadType: 101, SequenceNumber: seq, Timestamp: ts, SSRC: 7},
			[]byte{5, flags, byte(dur >> 8), byte(dur)})
		seq++
		time.Sleep(20 * time.Millisecond)
	}
	// Then in-band DTMF 5 as ulaw audio, paced.
	keys, err := media.DTMF("5", 200*time.Millisecond, 100*time.Millisecond, 8000)
	if err != nil {
		t.Fatal(err)
	}
	frame := make([]int16, 160)
	for range 15 {
		_ = keys.ReadFrame(frame)
		ts += 160
		send(rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: seq, Timestamp: ts, SSRC: 7}, media.Ulaw.Encode(nil, frame))
		seq++
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(60 * time.Millisecond) // the receive buffer's delay
	pcm, rate := r.heard(a, 400*time.Millisecond)
	// The test's pacing is loose: a late packet may cut the tone in pieces.
	if got := media.DetectDTMF(pcm, rate); got == "" || strings.Trim(got, "5") != "" {
		t.Errorf("the caller heard DTMF %q from the RTP audio, want 5", got)
	}
	if ev := r.waitEvent("ChannelDtmfReceived", "", 1, 300*time.Millisecond); ev != nil {
		t.Fatalf("ChannelDtmfReceived from externalMedia RTP: %v", ev)
	}
}

// TestExternalMediaSendDTMF: ARI /dtmf on an externalMedia channel answers
// 204 and sends no telephone-event, nor tones: the bridge's audio (a
// caller's 1 kHz tone) goes on alone.
func TestExternalMediaSendDTMF(t *testing.T) {
	r := start(t)
	far, _ := r.externalMedia()
	a := r.caller()
	r.must("POST", "/ari/bridges?type=mixing&bridgeId=b1")
	r.must("POST", "/ari/bridges/b1/addChannel?channel="+a+",em1")
	if err := r.s.Speak(a, "tone:1000"); err != nil {
		t.Fatal(err)
	}
	if st, body := r.do("POST", "/ari/channels/em1/dtmf?dtmf=123&duration=100&between=50"); st != 204 {
		t.Fatalf("dtmf = %d %s", st, body)
	}
	var audio, events int
	var got []int16
	buf := make([]byte, 1500)
	for end := time.Now().Add(700 * time.Millisecond); time.Now().Before(end); {
		_ = far.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		n, _, err := far.ReadFrom(buf)
		if err != nil {
			continue
		}
		var p rtp.Packet
		if p.Unmarshal(buf[:n]) != nil {
			continue
		}
		switch p.PayloadType {
		case 0:
			audio++
			got = media.Ulaw.Decode(got, p.Payload)
		case 101:
			events++
		}
	}
	if events != 0 {
		t.Errorf("%d telephone-event packets sent to external_host, want none", events)
	}
	if audio < 20 {
		t.Errorf("%d audio packets in 700 ms, want the bridge's audio", audio)
	}
	if keys := media.DetectDTMF(got, 8000); keys != "" {
		t.Errorf("in-band DTMF %q sent to external_host, want none", keys)
	}
	info, err := r.s.Channel("em1")
	if err != nil {
		t.Fatal(err)
	}
	if len(info.DTMF) != 1 || info.DTMF[0] != "123" {
		t.Errorf("dtmf_heard %q, want [123]", info.DTMF)
	}
	// Nor can the far end (the control API) make one press keys.
	if err := r.s.SendDTMF("em1", "1", 0); !errors.Is(err, pbxsim.ErrBadInput) {
		t.Errorf("SendDTMF on externalMedia = %v, want ErrBadInput", err)
	}
}
