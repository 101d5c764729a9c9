package pbxsim

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// CallSpec is a call from the outside world into the emulated Asterisk.
type CallSpec struct {
	// From is the calling endpoint resource (default "pstn"; tech PJSIP).
	From string `json:"from"`
	// To is the dialled extension, e.g. "12345".
	To string `json:"to"`
	// CallerNumber and CallerName are the caller id presented.
	CallerNumber string `json:"caller_number"`
	CallerName   string `json:"caller_name"`
	// Context overrides the endpoint's context.
	Context string `json:"context"`
}

// Call places a call into the dialplan (e.g. 12345 -> Stasis) and returns the new
// channel's id. The dialplan runs asynchronously, as in Asterisk.
func (s *Server) Call(ctx context.Context, c CallSpec) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("call: %w", err)
	}
	if c.From == "" {
		c.From = "pstn"
	}
	if c.To == "" {
		return "", fmt.Errorf("call: empty extension: %w", ErrBadInput)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return "", ErrClosed
	}
	tech, res, ok := strings.Cut(c.From, "/")
	if !ok {
		tech, res = "PJSIP", c.From
	}
	ep := s.endpoints[tech+"/"+res]
	if ep == nil {
		return "", fmt.Errorf("call from %s: %w", c.From, ErrEndpointNotFound)
	}
	ch := s.newChannel(tech, res, ep, "")
	ch.protocolID = fmt.Sprintf("%d-%d@127.0.0.1", ch.seq+1, 10000+ch.seq)
	ch.state = "Ring"
	name := c.CallerName
	if name == "" {
		name = c.CallerNumber
	}
	ch.caller = CallerID{Name: name, Number: c.CallerNumber}
	context := c.Context
	if context == "" {
		context = ep.Context
	}
	ch.dp = DialplanCEP{Context: context, Exten: c.To, Priority: 1}
	s.announce(ch)
	s.runDialplan(ch, context, c.To, 1)
	return ch.id, nil
}

func (s *Server) lockedChan(id string) (*channel, error) {
	if s.closed {
		return nil, ErrClosed
	}
	ch := s.channels[id]
	if ch == nil {
		return nil, fmt.Errorf("channel %s: %w", id, ErrChannelNotFound)
	}
	return ch, nil
}

// SendDTMF is the far end pressing digits on channel id: one ChannelDtmfReceived per
// digit at the end of its tone (duration per digit, 0 = 100ms; 100ms between digits).
func (s *Server) SendDTMF(id, digits string, duration time.Duration) error {
	if duration <= 0 {
		duration = 100 * time.Millisecond
	}
	for _, d := range digits {
		if !strings.ContainsRune("0123456789*#ABCD", d) {
			return fmt.Errorf("send dtmf %q: %w", digits, ErrBadInput)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, err := s.lockedChan(id)
	if err != nil {
		return fmt.Errorf("send dtmf: %w", err)
	}
	if ch.tech == "UnicastRTP" { // Asterisk drops telephone-events there (see extmedia.go)
		return fmt.Errorf("send dtmf to %s: externalMedia carries no DTMF: %w", ch.name, ErrBadInput)
	}
	s.scheduleDTMF(ch, digits, duration, 0, 100*time.Millisecond)
	return nil
}

// HangupRemote is the far end hanging up channel id (a SIP BYE, or CANCEL when ringing).
func (s *Server) HangupRemote(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, err := s.lockedChan(id)
	if err != nil {
		return fmt.Errorf("hangup: %w", err)
	}
	s.remoteHangup(ch)
	return nil
}

// AnswerPhone makes a ringing originated leg answer now (an agent picking up).
func (s *Server) AnswerPhone(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, err := s.lockedChan(id)
	if err != nil {
		return fmt.Errorf("answer phone: %w", err)
	}
	if ch.orig == nil || !ch.orig.dialing || ch.orig.answered {
		return fmt.Errorf("answer phone %s: not ringing: %w", id, ErrBadInput)
	}
	s.answerLeg(ch)
	return nil
}

// RejectPhone makes a ringing originated leg answer 486 Busy Here.
func (s *Server) RejectPhone(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, err := s.lockedChan(id)
	if err != nil {
		return fmt.Errorf("reject phone: %w", err)
	}
	if ch.orig == nil || !ch.orig.dialing || ch.orig.answered {
		return fmt.Errorf("reject phone %s: not ringing: %w", id, ErrBadInput)
	}
	s.hangup(ch, hangupSpec{request: true, cause: 17, techCause: 486, destroy: 17, destroyTC: 486, dialstatus: "BUSY"})
	return nil
}

// SetBehaviour changes how endpoint ("PJSIP/agent1001") reacts to later calls.
func (s *Server) SetBehaviour(endpointID string, b Behaviour) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ep := s.endpoints[endpointID]
	if ep == nil {
		return fmt.Errorf("set behaviour %s: %w", endpointID, ErrEndpointNotFound)
	}
	wasOff := ep.Behaviour.Mode == ModeOffline
	ep.Behaviour = b
	if wasOff != (b.Mode == ModeOffline) {
		s.endpointEvent(ep)
	}
	return nil
}

// AddEndpoint adds or replaces an endpoint.
func (s *Server) AddEndpoint(e Endpoint) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old := s.endpoints[e.ID()]; old != nil {
		old.Endpoint = e
		return
	}
	s.endpoints[e.ID()] = &endpoint{Endpoint: e, channels: map[string]*channel{}}
}

// ChannelInfo is what a test can read about a live channel.
type ChannelInfo struct {
	Model  ChannelModel `json:"channel"`
	InApp  string       `json:"stasis_app"`
	Bridge string       `json:"bridge_id"`
	Heard  []string     `json:"heard"`
	DTMF   []string     `json:"dtmf_heard"`
	MOH    string       `json:"moh"`
	Held   bool         `json:"held"`
	Muted  string       `json:"muted"`
	// Redirected and Transfers: what the phone was told by a redirect and the
	// transfers it started (redirect.go, transfer.go).
	Redirected *Redirected      `json:"redirected,omitempty"`
	Transfers  []TransferReport `json:"transfers,omitempty"`
}

// Channel reports a live channel's state and what it heard (playbacks, app DTMF).
func (s *Server) Channel(id string) (ChannelInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, err := s.lockedChan(id)
	if err != nil {
		return ChannelInfo{}, err
	}
	info := ChannelInfo{Model: *ch.model(), Heard: append([]string{}, ch.heard...),
		DTMF: append([]string{}, ch.dtmfHeard...), MOH: ch.moh, Held: ch.held, Muted: ch.muted}
	if ch.stasis != nil {
		info.InApp = ch.stasis.app
	}
	if ch.bridge != nil {
		info.Bridge = ch.bridge.id
	}
	ch.fillPhone(&info.Redirected, &info.Transfers)
	return info, nil
}

// Ended is how a channel ended, as its far end saw it.
type Ended struct {
	Cause    int      `json:"cause"`    // Q.850 cause
	Answered bool     `json:"answered"` // false: the call was refused or cancelled
	SIP      int      `json:"sip"`      // final SIP response of an unanswered SIP call (486, 603, 403...); 0 when answered (BYE)
	Heard    []string `json:"heard"`    // media URIs played to it
	// Redirected and Transfers: what the phone was told by a redirect and the
	// transfers it started (redirect.go, transfer.go).
	Redirected *Redirected      `json:"redirected,omitempty"`
	Transfers  []TransferReport `json:"transfers,omitempty"`
}

// maxEnded bounds how many ended channels are remembered.
const maxEnded = 10000

// sipForCause is chan_pjsip's mapping of a hangup cause to the final response of an
// unanswered call.
func sipForCause(c int) int {
	switch c {
	case 1:
		return 404
	case 17:
		return 486
	case 18, 19:
		return 480
	case 21:
		return 403
	case 22:
		return 410
	case 27, 38:
		return 502
	case 28:
		return 484
	case 29:
		return 501
	case 34, 41, 42:
		return 503
	case 58:
		return 488
	}
	return 603
}

func (s *Server) recordEnd(ch *channel, cause int) {
	e := Ended{Cause: cause, Answered: ch.answered, Heard: ch.heard}
	if ch.tech == "PJSIP" && !ch.answered {
		e.SIP = sipForCause(cause)
		if ch.xfer != nil && ch.xfer.finalSIP != 0 {
			e.SIP = ch.xfer.finalSIP
		}
	}
	ch.fillPhone(&e.Redirected, &e.Transfers)
	if _, ok := s.ended[ch.id]; !ok {
		s.endedLog = append(s.endedLog, ch.id)
	}
	s.ended[ch.id] = e
	if len(s.endedLog) > maxEnded {
		delete(s.ended, s.endedLog[0])
		s.endedLog = s.endedLog[1:]
	}
}

// EndedChannel reports how a destroyed channel ended (the last 10,000 are kept).
func (s *Server) EndedChannel(id string) (Ended, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.ended[id]
	return e, ok
}

// ChannelIDs lists live channel ids in creation order.
func (s *Server) ChannelIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, ch := range s.sortedChannels() {
		out = append(out, ch.id)
	}
	return out
}

// serveControl is the control API under /sim/ (see docs/pbxsim.md).
func (s *Server) serveControl(w http.ResponseWriter, r *http.Request) {
	segs := strings.Split(strings.Trim(strings.TrimPrefix(r.URL.Path, "/sim"), "/"), "/")
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	if err != nil {
		writeErr(w, http.StatusBadRequest, "read body: "+err.Error())
		return
	}
	if s.serveXferControl(w, r, segs, body) {
		return
	}
	var in struct {
		CallSpec
		Digits     string          `json:"digits"`
		DurationMs int             `json:"duration_ms"`
		Behaviour  string          `json:"behaviour"`
		App        string          `json:"app"`
		Event      json.RawMessage `json:"event"`
		On         bool            `json:"on"`
		FaultRule
		DelayMs int    `json:"delay_ms"`
		URI     string `json:"uri"`
		Cause   string `json:"cause"`
	}
	if len(strings.TrimSpace(string(body))) > 0 {
		if err := json.Unmarshal(body, &in); err != nil {
			writeErr(w, http.StatusBadRequest, "bad JSON body: "+err.Error())
			return
		}
	}
	fail := func(err error) {
		status := http.StatusBadRequest
		switch {
		case errorsIs(err, ErrChannelNotFound), errorsIs(err, ErrEndpointNotFound):
			status = http.StatusNotFound
		case errorsIs(err, ErrNoMedia):
			status = http.StatusNotImplemented
		case errorsIs(err, ErrClosed):
			status = http.StatusServiceUnavailable
		}
		writeErr(w, status, err.Error())
	}
	post := r.Method == http.MethodPost
	switch {
	case post && len(segs) == 1 && segs[0] == "calls":
		id, err := s.Call(r.Context(), in.CallSpec)
		if err != nil {
			fail(err)
			return
		}
		writeJSON(w, http.StatusCreated, map[string]string{"channel_id": id})
	case r.Method == http.MethodGet && len(segs) == 3 && segs[0] == "channels" && segs[2] == "ended":
		e, ok := s.EndedChannel(segs[1])
		if !ok {
			writeErr(w, http.StatusNotFound, "channel not ended (or unknown)")
			return
		}
		writeJSON(w, http.StatusOK, e)
	case r.Method == http.MethodGet && len(segs) == 3 && segs[0] == "channels" && segs[2] == "heard":
		if err := s.serveHeard(w, segs[1]); err != nil {
			fail(err)
		}
	case r.Method == http.MethodGet && len(segs) == 2 && segs[0] == "channels":
		info, err := s.Channel(segs[1])
		if err != nil {
			fail(err)
			return
		}
		writeJSON(w, http.StatusOK, info)
	case post && len(segs) == 3 && segs[0] == "channels":
		var err error
		switch segs[2] {
		case "dtmf":
			err = s.SendDTMF(segs[1], in.Digits, time.Duration(in.DurationMs)*time.Millisecond)
		case "hangup":
			err = s.HangupRemote(segs[1])
		case "answer":
			err = s.AnswerPhone(segs[1])
		case "reject":
			err = s.RejectPhone(segs[1])
		case "hold":
			err = s.SetHold(segs[1], in.On, "")
		case "speak":
			err = s.Speak(segs[1], in.URI)
		default:
			writeErr(w, http.StatusNotFound, "unknown control operation")
			return
		}
		if err != nil {
			fail(err)
			return
		}
		noContent(w)
	case (r.Method == http.MethodPut || post) && len(segs) == 4 && segs[0] == "endpoints" && segs[3] == "behaviour":
		b, err := ParseBehaviour(in.Behaviour)
		if err != nil {
			fail(err)
			return
		}
		if err := s.SetBehaviour(segs[1]+"/"+segs[2], b); err != nil {
			fail(err)
			return
		}
		noContent(w)
	case post && len(segs) == 1 && segs[0] == "events":
		if err := s.InjectEvent(in.App, in.Event); err != nil {
			fail(err)
			return
		}
		noContent(w)
	case post && len(segs) == 2 && segs[0] == "sockets" && segs[1] == "drop":
		writeJSON(w, http.StatusOK, map[string]int{"dropped": s.DropSockets(in.App)})
	case post && len(segs) == 2 && segs[0] == "sockets" && segs[1] == "stall":
		writeJSON(w, http.StatusOK, map[string]int{"sockets": s.StallSockets(in.App, in.On)})
	case post && len(segs) == 2 && segs[0] == "sockets" && segs[1] == "refuse":
		s.RefuseSockets(in.On)
		noContent(w)
	case post && len(segs) == 1 && segs[0] == "faults":
		fr := in.FaultRule
		fr.Delay = time.Duration(in.DelayMs) * time.Millisecond
		s.AddFault(fr)
		noContent(w)
	case post && len(segs) == 2 && segs[0] == "faults" && segs[1] == "recording":
		s.FailRecordings(in.Cause, in.Count)
		noContent(w)
	case r.Method == http.MethodDelete && len(segs) == 1 && segs[0] == "faults":
		s.ClearFaults()
		noContent(w)
	case post && len(segs) == 1 && segs[0] == "restart":
		s.Restart()
		noContent(w)
	default:
		writeErr(w, http.StatusNotFound, "unknown control resource")
	}
}
