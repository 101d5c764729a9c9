package pbxsim

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

type origination struct {
	app        string
	args       []string
	dialstring string
	timeout    time.Duration
	created    bool // /channels/create: StasisStart at once, /dial later
	dialing    bool // Dial events started
	redial     bool // Dial events after the first use an empty dialstring (as /dial does)
	answered   bool
	caller     *channel // /dial?caller=
	exten      string   // originate into the dialplan
	context    string
	prio       int
	timer      *time.Timer
	// result, when set, receives the outcome of a dialplan Dial() leg:
	// ANSWER, BUSY, NOANSWER, CANCEL or CHANUNAVAIL.
	result chan string
}

func (o *origination) finish(s *Server, ch *channel, h hangupSpec) {
	s.stopTimer(o.timer)
	if o.dialing && !o.answered && h.dialstatus != "" {
		s.dialEvent(ch, h.dialstatus)
	}
	if o.result != nil && !o.answered {
		st := h.dialstatus
		switch {
		case h.destroy == 19:
			st = "NOANSWER"
		case st == "":
			st = "CHANUNAVAIL"
		}
		select {
		case o.result <- st:
		default:
		}
	}
	o.dialing = false
}

func (s *Server) dialEvent(ch *channel, status string) {
	o := ch.orig
	ds := o.dialstring
	if o.redial && status != "" {
		ds = ""
	}
	ev := evDial{eventBase: s.base("Dial"), Dialstatus: status, Dialstring: ds, Peer: ch.model()}
	to := s.chanTargets(ch)
	if o.caller != nil && !o.caller.gone {
		// Asterisk 22 does not put the caller in Dial events of /dial (as recorded).
		seen := map[*app]bool{}
		for _, a := range to {
			seen[a] = true
		}
		for _, a := range s.chanTargets(o.caller) {
			if !seen[a] {
				to = append(to, a)
			}
		}
	}
	s.publish(&ev, to)
}

func parseCallerID(v string) CallerID {
	v = strings.TrimSpace(v)
	if i := strings.LastIndex(v, "<"); i >= 0 && strings.HasSuffix(v, ">") {
		return CallerID{Name: strings.Trim(strings.TrimSpace(v[:i]), `"`), Number: v[i+1 : len(v)-1]}
	}
	return CallerID{Number: v}
}

func splitArgs(v string) []string {
	if v == "" {
		return []string{}
	}
	return strings.Split(v, ",")
}

var errAllocation = &errBody{status: http.StatusInternalServerError, msg: "Allocation failed"}

// maxPublicUniqueID is AST_MAX_PUBLIC_UNIQUEID: the longest channelId/otherChannelId.
const maxPublicUniqueID = 128

// allocate validates an originate/create request and creates the Down
// channel, checking in Asterisk's order (resource_channels.c
// ari_channels_handle_originate_with_id and ast_ari_channels_create).
func (s *Server) allocate(p *params, id string, create bool) (*channel, *errBody) {
	origName, fmtList := p.get("originator"), p.get("formats")
	bothErr := &errBody{status: 400, msg: "Originator and formats can't both be specified"}
	if create {
		if p.get("app") == "" {
			return nil, &errBody{status: 400, msg: "Missing parameter app"}
		}
		if origName != "" && fmtList != "" {
			return nil, bothErr // the first check of ast_ari_channels_create
		}
	}
	if id == "" {
		id = p.get("channelId")
	}
	other := p.get("otherChannelId")
	if !create && (len(id) > maxPublicUniqueID || len(other) > maxPublicUniqueID) {
		return nil, &errBody{status: 400, msg: "Uniqueid length exceeds maximum of 128"}
	}
	epStr := p.get("endpoint")
	if epStr == "" {
		return nil, &errBody{status: 400, msg: "Endpoint must be specified"}
	}
	if origName != "" && fmtList != "" {
		return nil, bothErr
	}
	tech, res, ok := strings.Cut(epStr, "/")
	if !ok || tech == "" || res == "" {
		return nil, &errBody{status: 400, msg: "Invalid endpoint specified"}
	}
	if !create && p.get("app") == "" && p.get("extension") == "" {
		return nil, &errBody{status: 400, msg: "Application or extension must be specified"}
	}
	labelPrio := 0
	if !create && p.get("app") == "" && p.get("label") != "" {
		var eb *errBody
		if labelPrio, eb = s.findLabel(p); eb != nil {
			return nil, eb
		}
	}
	var originator *channel
	if origName != "" {
		// originate: an unknown originator is an error; create requests
		// without a requestor then (ast_channel_get_by_name gives NULL).
		if originator = s.channelByName(origName); originator == nil && !create {
			return nil, &errBody{status: 400, msg: "Provided originator channel was not found"}
		}
	}
	var req []string // requested formats; nil = all audio
	if fmtList != "" {
		list, unknown, ok := parseFormats(fmtList)
		if !ok {
			return nil, &errBody{status: 400, msg: "Provided format (" + unknown + ") was not found"}
		}
		req = list
	} else if originator != nil {
		req = originator.nativeFormats()
	}
	if (id != "" && s.channels[id] != nil) || (other != "" && s.channels[other] != nil) {
		return nil, &errBody{status: 409, msg: "Channel with given unique ID already exists"}
	}
	fail := errAllocation
	if create {
		fail = &errBody{status: 409, msg: "Channel with given unique ID already exists"}
	}
	o := &origination{app: p.get("app"), args: splitArgs(p.get("appArgs")), timeout: 30 * time.Second,
		exten: p.get("extension"), context: p.get("context"), prio: 1, created: create}
	if t, err := strconv.Atoi(p.get("timeout")); err == nil && t > 0 {
		o.timeout = time.Duration(t) * time.Second
	}
	if pr, err := strconv.Atoi(p.get("priority")); err == nil && pr > 0 {
		o.prio = pr
	}
	if labelPrio != 0 {
		o.prio = labelPrio // the label supersedes priority
	}
	var ch *channel
	switch {
	case strings.EqualFold(tech, "Local"):
		exten, lctx, _ := strings.Cut(res, "@")
		if lctx == "" {
			lctx = "default"
		}
		base := "Local/" + exten + "@" + lctx
		s.localSeq++
		ch = s.newChannel("Local", "", nil, id)
		ch.name = base + "-" + hex8(s.localSeq-1) + ";1"
		ch.protocolID = ""
		ch.dp = DialplanCEP{Context: lctx, Exten: exten, Priority: 1, AppName: "AppDial2", AppData: "(Outgoing Line)"}
		ch.baseApp, ch.baseData = "AppDial2", "(Outgoing Line)"
		two := s.newChannel("Local", "", nil, other)
		two.name = base + "-" + hex8(s.localSeq-1) + ";2"
		two.protocolID = ""
		two.state = "Ring"
		two.dp = DialplanCEP{Context: lctx, Exten: exten, Priority: 1}
		two.dialplan = true
		ch.local, two.local = two, ch
		ch.half, two.half = 1, 2
		// Both halves take the request's formats and the requestor's linkedid.
		ch.formats, two.formats = req, req
		if originator != nil {
			ch.linkedid = originator.linked()
			two.linkedid = ch.linkedid
		} else {
			two.linkedid = ch.id
		}
		o.dialstring = exten + "@" + lctx
	default:
		ep := s.endpoints[tech+"/"+res]
		if ep == nil {
			return nil, fail
		}
		ch = s.newChannel(tech, res, ep, id)
		ch.caller = ep.CallerID
		ch.dp = DialplanCEP{Context: ep.Context, Exten: "s", Priority: 1, AppName: "AppDial2", AppData: "(Outgoing Line)"}
		ch.baseApp, ch.baseData = "AppDial2", "(Outgoing Line)"
		ch.formats = pjsipOffer(req, ep)
		if originator != nil {
			ch.linkedid = originator.linked()
		}
		o.dialstring = res
	}
	if originator != nil && !create {
		ch.inheritFrom(originator)
		if ch.local != nil {
			ch.local.language = ch.language
		}
	}
	if cid := p.get("callerId"); cid != "" {
		ch.caller = parseCallerID(cid)
		ch.connected = ch.caller
	}
	for k, v := range p.vars {
		ch.vars[k] = v
	}
	// Announced before the originating app subscribes: only subscribeAll apps see it.
	s.announce(ch)
	if ch.local != nil {
		s.announce(ch.local)
	}
	ch.orig = o
	if o.app != "" {
		ch.origApp = o.app
		s.subscribe(o.app, ch.id)
		if ch.local != nil {
			s.subscribe(o.app, ch.local.id)
		}
		if create && originator != nil {
			// ast_ari_channels_create subscribes the app to the originator too.
			s.subscribe(o.app, originator.id)
		}
	}
	if o.context == "" {
		o.context = "default" // S_OR(context, "default") in resource_channels.c
	}
	return ch, nil
}

func hex8(n int) string {
	const digits = "0123456789abcdef"
	var b [8]byte
	for i := 7; i >= 0; i-- {
		b[i] = digits[n&15]
		n >>= 4
	}
	return string(b[:])
}

func (s *Server) hOriginate(w http.ResponseWriter, r *http.Request, _ []string, p *params) {
	s.originateHTTP(w, p, "")
}

func (s *Server) hOriginateID(w http.ResponseWriter, r *http.Request, ids []string, p *params) {
	s.originateHTTP(w, p, ids[0])
}

func (s *Server) originateHTTP(w http.ResponseWriter, p *params, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, eb := s.allocate(p, id, false)
	if eb != nil {
		if eb == errAllocation {
			writeJSON(w, eb.status, map[string]string{"error": eb.msg})
			return
		}
		writeErr(w, eb.status, eb.msg)
		return
	}
	writeJSON(w, http.StatusOK, ch.model())
	ch.after(0, func() { s.startDial(ch) })
}

func (s *Server) hChanCreate(w http.ResponseWriter, r *http.Request, _ []string, p *params) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, eb := s.allocate(p, "", true)
	if eb != nil {
		writeErr(w, eb.status, eb.msg)
		return
	}
	o := ch.orig
	data := strings.Join(append([]string{o.app}, o.args...), ",")
	ch.dp.AppName, ch.dp.AppData = "", ""
	ch.baseApp, ch.baseData = "", ""
	resp := ch.model()
	ch.dp.AppName, ch.dp.AppData = "Stasis", data
	ev := evDialplan{s.base("ChannelDialplan"), "Stasis", data, ch.model()}
	s.chanEvent(ch, &ev)
	if !s.enterStasis(ch, o.app, o.args) {
		s.destroy(ch, hangupSpec{destroy: 16})
		writeErr(w, http.StatusBadRequest, "Stasis application '"+o.app+"' not registered")
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) hDial(w http.ResponseWriter, r *http.Request, ids []string, p *params) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.channels[ids[0]]
	if ch == nil {
		writeErr(w, http.StatusNotFound, "Channel not found")
		return
	}
	if ch.stasis == nil {
		writeErr(w, http.StatusConflict, "Channel not in Stasis application")
		return
	}
	if ch.orig == nil || !ch.orig.created || ch.orig.dialing || ch.orig.answered {
		writeErr(w, http.StatusConflict, "Channel is not in the 'Down' state")
		return
	}
	if c := p.get("caller"); c != "" {
		cc := s.channels[c]
		if cc == nil {
			writeErr(w, http.StatusNotFound, "Caller channel not found")
			return
		}
		ch.orig.caller = cc
	}
	if t, err := strconv.Atoi(p.get("timeout")); err == nil && t > 0 {
		ch.orig.timeout = time.Duration(t) * time.Second
	}
	noContent(w)
	s.startDial(ch)
}

// startDial plays the called phone: ringing, then answer/busy/no answer per behaviour.
func (s *Server) startDial(ch *channel) {
	o := ch.orig
	o.dialing = true
	if ch.local != nil {
		s.dialEvent(ch, "")
		s.runDialplan(ch.local, ch.local.dp.Context, ch.local.dp.Exten, 1)
		o.timer = s.after(o.timeout, func() {
			if !ch.gone && !o.answered {
				if two := ch.local; two != nil && !two.gone {
					ev := evHangupRequest{s.base("ChannelHangupRequest"), 19, false, 0, two.model()}
					s.chanEvent(two, &ev)
				}
				s.destroy(ch, hangupSpec{destroy: 19, peerNotified: true})
			}
		})
		return
	}
	s.dialEvent(ch, "")
	b := ch.ep.Behaviour
	o.timer = s.after(o.timeout, func() {
		if !ch.gone && !o.answered {
			s.destroy(ch, hangupSpec{destroy: 19, destroyTC: 480})
		}
	})
	if b.Mode == ModeOffline {
		return
	}
	s.setState(ch, "Ringing")
	o.redial = o.created
	s.dialEvent(ch, "RINGING")
	switch b.Mode {
	case ModeAnswer:
		ch.after(b.RingFor, func() { s.answerLeg(ch) })
	case ModeBusy:
		ch.after(b.RingFor, func() {
			if !o.answered {
				s.hangup(ch, hangupSpec{request: true, cause: 17, techCause: 486, destroy: 17, destroyTC: 486, dialstatus: "BUSY"})
			}
		})
	}
}

// answerLeg is the called phone answering.
func (s *Server) answerLeg(ch *channel) {
	o := ch.orig
	if o.answered || ch.gone {
		return
	}
	o.answered = true
	s.stopTimer(o.timer)
	if ch.tech == "PJSIP" {
		// The phone answers with the first codec offered: the negotiated one
		// becomes the channel's native format.
		if c := ch.codec(); c != "" {
			ch.formats = []string{c}
		}
	}
	s.markAnswered(ch)
	if b := ch.bridge; b != nil && o.created {
		s.refreshBridgeVars(b, ch)
	}
	s.setState(ch, "Up")
	s.dialEvent(ch, "ANSWER")
	switch {
	case o.result != nil:
		o.result <- "ANSWER"
	case o.created:
	case o.app != "":
		if !s.enterStasis(ch, o.app, o.args) {
			s.hangup(ch, hangupSpec{request: true, cause: 16, destroy: 16})
			return
		}
	default:
		s.runDialplan(ch, o.context, o.exten, o.prio)
	}
	if ch.ep != nil && ch.ep.Behaviour.HangupAfter > 0 {
		ch.after(ch.ep.Behaviour.HangupAfter, func() { s.remoteHangup(ch) })
	}
}

// remoteHangup is the far end hanging up (SIP BYE).
func (s *Server) remoteHangup(ch *channel) {
	s.hangup(ch, hangupSpec{request: true, qos: true, destroy: 16, dialstatus: "CANCEL"})
}
