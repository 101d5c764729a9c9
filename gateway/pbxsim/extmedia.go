package pbxsim

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// externalMedia formats Asterisk accepts for UnicastRTP.
var extFormats = map[string]bool{"ulaw": true, "alaw": true, "slin": true, "slin12": true, "slin16": true,
	"slin24": true, "slin32": true, "slin44": true, "slin48": true, "g722": true, "gsm": true, "opus": true, "g729": true}

// An externalMedia channel carries no DTMF either way, as Asterisk 22's
// UnicastRTP: unicast_rtp_tech (chan_rtp.c) has no send_digit_begin/end, so
// ARI /dtmf sends nothing, and with no SDP no dynamic payload type is mapped
// for receiving, so res_rtp_asterisk drops RFC 4733 telephone-events
// (simmedia's rtpPort likewise); no DSP listens for in-band tones.

// hExternalMedia answers POST /channels/externalMedia: a UnicastRTP channel whose local
// RTP port is a real UDP socket (UNICASTRTP_LOCAL_ADDRESS/PORT), answered at once into the app.
func (s *Server) hExternalMedia(w http.ResponseWriter, _ *http.Request, _ []string, p *params) {
	host, format, appName := p.get("external_host"), p.get("format"), p.get("app")
	switch {
	case host == "" && p.get("transport") != "websocket":
		writeErr(w, http.StatusBadRequest, "external_host is required for all but websocket server connections")
		return
	case format == "":
		writeErr(w, http.StatusBadRequest, "format cannot be empty")
		return
	case appName == "":
		writeErr(w, http.StatusBadRequest, "app cannot be empty")
		return
	}
	h, port, err := net.SplitHostPort(host)
	if err != nil || h == "" || port == "" {
		writeErr(w, http.StatusBadRequest, "external_host must be <host>:<port> for all transports other than websocket")
		return
	}
	// resource_channels.c dispatches rtp/udp, audiosocket/tcp and
	// none/websocket (only rtp/udp is emulated); anything else is a 501.
	enc, tr := p.get("encapsulation"), p.get("transport")
	if enc == "" {
		enc = "rtp"
	}
	if tr == "" {
		tr = "udp"
	}
	if !(strings.EqualFold(enc, "rtp") && strings.EqualFold(tr, "udp")) && !(strings.EqualFold(enc, "audiosocket") && strings.EqualFold(tr, "tcp")) &&
		!(strings.EqualFold(enc, "none") && strings.EqualFold(tr, "websocket")) {
		writeErr(w, http.StatusNotImplemented, "The encapsulation and/or transport is not supported")
		return
	}
	if !extFormats[format] {
		writeErr(w, http.StatusInternalServerError, "An internal error prevented this request from being handled")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := p.get("channelId")
	if id != "" && s.channels[id] != nil {
		writeErr(w, http.StatusConflict, "Channel with given unique ID already exists")
		return
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		writeErr(w, http.StatusInternalServerError, "An internal error prevented this request from being handled")
		return
	}
	ch := s.newChannel("UnicastRTP", "", nil, id)
	ch.name = fmt.Sprintf("UnicastRTP/%s-0x%x", host, 0x55784b0fc640+ch.seq*0x40)
	ch.protocolID = ""
	ch.dp = DialplanCEP{Context: "default", Exten: "s", Priority: 1, AppName: "AppDial2", AppData: "(Outgoing Line)"}
	ch.baseApp, ch.baseData = "AppDial2", "(Outgoing Line)"
	ch.rtp = pc
	la := pc.LocalAddr().(*net.UDPAddr)
	ch.vars["UNICASTRTP_LOCAL_ADDRESS"] = la.IP.String()
	ch.vars["UNICASTRTP_LOCAL_PORT"] = strconv.Itoa(la.Port)
	// variables are set on the new channel before it is announced, as the
	// originate it is built on does: CALLERID()/CONNECTEDLINE() writes set the party.
	for k, v := range p.vars {
		switch {
		case strings.HasPrefix(k, "CALLERID(") && strings.HasSuffix(k, ")"):
			setParty(&ch.caller, k, v)
		case strings.HasPrefix(k, "CONNECTEDLINE(") && strings.HasSuffix(k, ")"):
			setParty(&ch.connected, k, v)
		default:
			ch.vars[k] = v
		}
	}
	ch.orig = &origination{app: appName, args: splitArgs(p.get("data")), dialstring: host + "/c(" + format + ")", timeout: 30 * time.Second}
	ch.origApp = appName
	s.announce(ch)
	s.subscribe(appName, ch.id)
	m := ch.model()
	m.Channelvars = map[string]string{"UNICASTRTP_LOCAL_ADDRESS": la.IP.String(), "UNICASTRTP_LOCAL_PORT": strconv.Itoa(la.Port)}
	writeJSON(w, http.StatusOK, m)
	ch.orig.dialing = true
	s.dialEvent(ch, "")
	s.answerLeg(ch)
}

// hRTPStatistics answers GET /channels/{id}/rtp_statistics from elapsed time at 50 packets/s.
func (s *Server) hRTPStatistics(w http.ResponseWriter, _ *http.Request, ids []string, _ *params) {
	s.withChan(w, ids[0], false, func(ch *channel) {
		if ch.tech != "PJSIP" || !ch.answered {
			writeErr(w, http.StatusNotFound, "RTP info not found")
			return
		}
		n := int(time.Since(ch.answeredAt) / (20 * time.Millisecond))
		stats := map[string]any{
			"txcount": n, "rxcount": n, "txploss": 0, "rxploss": 0, "local_ssrc": 1776311795 + ch.seq,
			"remote_ssrc": 1437204481, "txoctetcount": n * 160, "rxoctetcount": n * 160, "channel_uniqueid": ch.id,
			"txjitter": 0.0, "rxjitter": 0.0, "remote_maxjitter": 0.0, "remote_minjitter": 0.0,
			"remote_normdevjitter": 0.0, "remote_stdevjitter": 0.0, "local_maxjitter": 0.0, "local_minjitter": 0.0,
			"local_normdevjitter": 0.0, "local_stdevjitter": 0.0, "rtt": 0.0, "maxrtt": 0.0, "minrtt": 0.0,
			"normdevrtt": 0.0, "stdevrtt": 0.0, "rxmes": 0.0, "txmes": 0.0,
		}
		for _, side := range []string{"local_", "remote_"} {
			for _, k := range []string{"maxmes", "minmes", "normdevmes", "stdevmes", "maxrxploss", "minrxploss", "normdevrxploss", "stdevrxploss"} {
				stats[side+k] = 0.0
			}
		}
		writeJSON(w, http.StatusOK, stats)
	})
}
