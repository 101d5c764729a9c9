package pbxsim

import (
	"net/http"
	"strings"
)

// POST /channels/{id}/redirect, as Asterisk 22 does it:
//   - res/ari/resource_channels.c ast_ari_channels_redirect validates (find_control:
//     404/409; channel_state_invalid: 412 for Down/Rsrvd/Ringing; then the endpoint:
//     400, 422 x3) and answers 204 before anything happens;
//   - res/stasis/control.c app_control_redirect runs ast_transfer(chan, resource) on the
//     Stasis thread; a channel technology without a transfer callback (Local,
//     UnicastRTP, Snoop...) only logs "Unsupported transfer" and nothing changes;
//   - channels/chan_pjsip.c transfer(): a resource naming a PJSIP endpoint becomes the
//     endpoint's contact URI (an offline endpoint has none: the bare resource is
//     used); a channel in state Ring (inbound, unanswered) gets
//     transfer_redirect — the INVITE is answered 302 with that Contact, the session
//     ends and chan_pjsip_session_end queues a hangup with hangup_sip2cause(302) =
//     16 — otherwise transfer_refer sends a REFER and leaves the call up: the far end
//     decides, and hangs up (BYE) once it has followed it.
// A target that does not parse as a URI makes transfer_redirect give up before
// sending anything (AST_TRANSFER_FAILED): the call stays as it was.

// PhoneContactHost is the host of the contact URI every emulated endpoint has
// registered (TEST-NET-1, RFC 5737): a redirect to PJSIP/agent1001 sends
// sip:agent1001@192.0.2.1:5060.
const PhoneContactHost = "192.0.2.1:5060"

// Redirected is what the far end of a channel was told by a redirect and what it did.
type Redirected struct {
	// Method is "302" (an unanswered call: 302 Moved Temporarily) or "REFER"
	// (an answered one).
	Method string `json:"method"`
	// Target is the URI sent: the 302's Contact or the REFER's Refer-To.
	Target string `json:"target"`
	// ReferredBy is the REFER's Referred-By (SIPREFERREDBYHDR or Asterisk's own URI).
	ReferredBy string `json:"referred_by,omitempty"`
	// Endpoint is the emulated endpoint whose contact Target is ("PJSIP/agent1001"):
	// the far end calls that phone directly, outside Asterisk.
	Endpoint string `json:"endpoint,omitempty"`
	// Outcome is what following the redirect gave: "answered", "busy" or
	// "noanswer" (an endpoint target, by its behaviour), "called" (a new call into
	// this Asterisk, see Followed), "elsewhere" (a URI outside the emulated world:
	// assumed reached), "rejected" (the far end refused a REFER it could not
	// follow: 400) or "failed" (the new call into Asterisk could not be placed).
	Outcome string `json:"outcome,omitempty"`
	// Followed is the id of the channel of the new call the far end placed into
	// this Asterisk when Target names it (host 127.0.0.1, localhost, asterisk or
	// pbxsim): the user part is dialled from the same endpoint, with the same
	// caller id.
	Followed string `json:"followed,omitempty"`
}

func (s *Server) hRedirect(w http.ResponseWriter, _ *http.Request, ids []string, p *params) {
	s.withChan(w, ids[0], true, func(ch *channel) {
		if stateInvalid(w, ch) {
			return
		}
		ep := p.get("endpoint")
		if ep == "" {
			writeErr(w, http.StatusBadRequest, "Required parameter 'endpoint' not provided.")
			return
		}
		tech, resource, ok := strings.Cut(ep, "/")
		if !ok || tech == "" {
			writeErr(w, http.StatusUnprocessableEntity, "Endpoint parameter '"+ep+"' does not contain tech/resource")
			return
		}
		if resource == "" {
			writeErr(w, http.StatusUnprocessableEntity, "No resource provided in endpoint parameter '"+ep+"'")
			return
		}
		// strncasecmp(snapshot->type, tech, strlen(tech)): a prefix of the channel's
		// type matches too ("PJ/x" on a PJSIP channel).
		if len(tech) > len(ch.tech) || !strings.EqualFold(ch.tech[:len(tech)], tech) {
			writeErr(w, http.StatusUnprocessableEntity, "Endpoint technology '"+tech+"' does not match channel technology '"+ch.tech+"'")
			return
		}
		noContent(w)
		s.redirect(ch, resource)
	})
}

// stateInvalid answers 412 for channels Asterisk's channel_state_invalid refuses:
// outbound channels not yet answered (Down, Rsrvd, Ringing).
func stateInvalid(w http.ResponseWriter, ch *channel) bool {
	switch ch.state {
	case "Down", "Rsrvd", "Ringing":
		writeErr(w, http.StatusPreconditionFailed, "Channel in invalid state")
		return true
	}
	return false
}

// redirect is chan_pjsip's transfer() plus what the far end does with it.
func (s *Server) redirect(ch *channel, resource string) {
	if ch.tech != "PJSIP" {
		s.log.Info("pbxsim: unsupported transfer requested", "channel", ch.name)
		return
	}
	r := &Redirected{Target: resource}
	// An offline endpoint has no contact: the bare resource is sent (and fails).
	if ep := s.endpoints["PJSIP/"+resource]; ep != nil && ep.Behaviour.Mode != ModeOffline {
		r.Target = "sip:" + ep.Resource + "@" + PhoneContactHost
		r.Endpoint = ep.ID()
	}
	x := ch.xferState()
	if ch.state == "Ring" {
		if !parsesAsURI(r.Target) {
			// pjsip_parse_uri failed: nothing is sent, the call goes on.
			s.log.Warn("pbxsim: failed to parse redirect destination URI", "target", maskDigits(r.Target), "channel", ch.name)
			return
		}
		r.Method = "302"
		x.redirected = r
		x.finalSIP = 302
		s.follow(ch, r)
		// chan_pjsip_session_end: ast_queue_hangup_with_cause(hangup_sip2cause(302)).
		s.hangup(ch, hangupSpec{request: true, cause: 16, qos: true, destroy: 16})
		return
	}
	r.Method = "REFER"
	r.ReferredBy = ch.vars["SIPREFERREDBYHDR"]
	if r.ReferredBy == "" {
		r.ReferredBy = "<sip:" + ch.dp.Exten + "@127.0.0.1>"
	}
	x.redirected = r
	if !parsesAsURI(r.Target) {
		// A phone cannot call "Refer-To: 1000": 400 to the REFER, the transfer
		// fails and the call stays up.
		r.Outcome = "rejected"
		return
	}
	s.follow(ch, r)
	if r.Outcome == "answered" || r.Outcome == "called" || r.Outcome == "elsewhere" {
		// NOTIFY 200 to Asterisk, then BYE on the original call.
		s.remoteHangup(ch)
	}
}

// follow is the far end acting on a 302 Contact or REFER Refer-To.
func (s *Server) follow(ch *channel, r *Redirected) {
	if r.Endpoint != "" {
		if ep := s.endpoints[r.Endpoint]; ep != nil {
			r.Outcome = map[Mode]string{ModeAnswer: "answered", ModeBusy: "busy",
				ModeNoAnswer: "noanswer"}[ep.Behaviour.Mode]
		}
		return
	}
	user, host, ok := sipUserHost(r.Target)
	if !ok || user == "" || !asteriskHost(host) || ch.ep == nil {
		r.Outcome = "elsewhere"
		return
	}
	r.Outcome = "called"
	spec := CallSpec{From: ch.ep.Resource, To: user, CallerNumber: ch.caller.Number, CallerName: ch.caller.Name}
	if ch.ep.Tech != "PJSIP" {
		spec.From = ch.ep.ID()
	}
	// The new INVITE arrives after the far end has processed the 302/REFER:
	// off the lock, as its own call.
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		id, err := s.Call(s.ctx, spec)
		s.mu.Lock()
		defer s.mu.Unlock()
		if err != nil {
			r.Outcome = "failed"
		} else {
			r.Followed = id
		}
		// Readers hold copies: refresh the ended record's.
		if e, ok := s.ended[ch.id]; ok {
			c := *r
			e.Redirected = &c
			s.ended[ch.id] = e
		}
	}()
}

// parsesAsURI approximates pjsip_parse_uri(..., PJSIP_PARSE_URI_AS_NAMEADDR): a
// name-addr or a sip:, sips: or tel: URI.
func parsesAsURI(t string) bool {
	t = strings.TrimSpace(t)
	if i := strings.IndexByte(t, '<'); i >= 0 {
		j := strings.LastIndexByte(t, '>')
		if j < i {
			return false
		}
		t = t[i+1 : j]
	}
	l := strings.ToLower(t)
	for _, scheme := range []string{"sip:", "sips:", "tel:"} {
		if strings.HasPrefix(l, scheme) && len(l) > len(scheme) {
			return true
		}
	}
	return false
}

// sipUserHost splits sip:user@host[:port][;params] (angle brackets allowed).
func sipUserHost(t string) (user, host string, ok bool) {
	t = strings.TrimSpace(t)
	if i := strings.IndexByte(t, '<'); i >= 0 {
		if j := strings.LastIndexByte(t, '>'); j > i {
			t = t[i+1 : j]
		}
	}
	l := strings.ToLower(t)
	switch {
	case strings.HasPrefix(l, "sip:"):
		t = t[4:]
	case strings.HasPrefix(l, "sips:"):
		t = t[5:]
	default:
		return "", "", false
	}
	t, _, _ = strings.Cut(t, ";")
	t, _, _ = strings.Cut(t, "?")
	user, host, ok = strings.Cut(t, "@")
	if !ok {
		user, host = "", t
	}
	if host == "" {
		return "", "", false
	}
	return user, host, true
}

// asteriskHost reports whether a URI host names this (emulated) Asterisk.
func asteriskHost(h string) bool {
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.Contains(h[i:], "]") {
		h = h[:i]
	}
	switch strings.ToLower(h) {
	case "127.0.0.1", "localhost", "asterisk", "pbxsim", "[::1]":
		return true
	}
	return false
}

// maskDigits masks runs of 7 or more digits (phone numbers) for logs: 138****5678.
func maskDigits(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); {
		j := i
		for j < len(v) && v[j] >= '0' && v[j] <= '9' {
			j++
		}
		switch {
		case j-i >= 7:
			b.WriteString(v[i:i+3] + "****" + v[j-4:j])
			i = j
		case j > i:
			b.WriteString(v[i:j])
			i = j
		default:
			b.WriteByte(v[i])
			i++
		}
	}
	return b.String()
}
