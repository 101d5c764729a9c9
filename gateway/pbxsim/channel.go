package pbxsim

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"
)

type channel struct {
	s          *Server
	seq        int64
	id, name   string
	protocolID string
	state      string
	caller     CallerID
	connected  CallerID
	dp         DialplanCEP
	// baseApp/baseData are what Asterisk shows as the channel's application once it is
	// destroyed: the originating AppDial2 for dialled legs, nothing otherwise.
	baseApp, baseData string
	created           time.Time
	language          string
	vars              map[string]string
	tech              string
	ep                *endpoint

	dialplan   bool   // runs a dialplan: leaves Stasis back into it, no ChannelDestroyed seen by the app
	origApp    string // app subscribed by originate/create (kept until destroyed)
	stasis     *stasisState
	bridge     *bridge
	playQueue  []*playback
	moh        string
	held       bool
	muted      string
	silenced   bool
	gone       bool
	answered   bool
	answeredAt time.Time
	rtp        net.PacketConn // externalMedia's local RTP socket
	talkGen    int            // TALK_DETECT changes; a poll of an older one stops
	talkOn     bool
	tone       *toneState      // TONE_DETECT, nil when off
	jump       chan *GotoError // async gotos for the running dialplan; see jumps
	formats    []string        // native formats when set at creation (formats.go)
	linkedid   string          // the requestor's linkedid; "" = its own id

	ctx    context.Context
	cancel context.CancelFunc
	timers []*time.Timer

	orig  *origination
	local *channel // the other half of a Local channel
	half  int      // 1 or 2 for Local halves

	heard      []string // media URIs played to the channel
	recordings []*recording
	snoops     []*channel // Snoop channels spying on this one
	snooped    *channel   // for a Snoop channel: its target
	dtmfHeard  []string   // digits sent to the channel by the app
	hangupCode int        // Q.850 cause the far end saw
	xfer       *chanXfer  // redirects and phone transfers (transfer.go)
}

type stasisState struct {
	app  string
	args []string
	exit chan stasisExit
}

type stasisExit struct {
	hangup bool
	ctx    string
	exten  string
	prio   int
}

func (ch *channel) model() *ChannelModel {
	return &ChannelModel{ID: ch.id, Name: ch.name, State: ch.state, ProtocolID: ch.protocolID,
		Caller: ch.caller, Connected: ch.connected, Dialplan: ch.dp, Creationtime: ts(ch.created), Language: ch.language}
}

func (ch *channel) after(d time.Duration, fn func()) {
	ch.timers = append(ch.timers, ch.s.after(d, func() {
		if !ch.gone {
			fn()
		}
	}))
}

// newChannel allocates a channel (state Down) with Asterisk-style id and name.
func (s *Server) newChannel(tech, resource string, ep *endpoint, id string) *channel {
	now := time.Now()
	seq := s.seq
	s.seq++
	if id == "" {
		id = fmt.Sprintf("%d.%d", s.epoch, seq)
	}
	ctx, cancel := context.WithCancel(s.ctx)
	ch := &channel{s: s, seq: seq, id: id, state: "Down", created: now, language: "en",
		vars: map[string]string{}, tech: tech, ep: ep, ctx: ctx, cancel: cancel}
	switch tech {
	case "PJSIP":
		ch.name = fmt.Sprintf("PJSIP/%s-%08x", resource, s.pjsipSeq)
		s.pjsipSeq++
		ch.protocolID = newUUID()
	default:
		ch.name = fmt.Sprintf("%s/%s-%08x", tech, resource, s.localSeq)
	}
	if ep != nil {
		ep.channels[id] = ch
	}
	s.channels[id] = ch
	return ch
}

// announce sends ChannelCreated; only subscribeAll apps can be subscribed this early.
func (s *Server) announce(ch *channel) {
	ev := evChannel{s.base("ChannelCreated"), ch.model()}
	s.chanEvent(ch, &ev)
}

func (s *Server) setState(ch *channel, state string) {
	if ch.state == state {
		return
	}
	ch.state = state
	ev := evChannel{s.base("ChannelStateChange"), ch.model()}
	s.chanEvent(ch, &ev)
}

func (s *Server) setVar(ch *channel, name, value string) {
	// Writing the caller id or connected line functions changes the
	// party, as in Asterisk: ChannelCallerId / ChannelConnectedLine, not a
	// ChannelVarset.
	switch name {
	case "CALLERID(num)", "CALLERID(name)", "CALLERID(all)":
		setParty(&ch.caller, name, value)
		ev := evCallerID{s.base("ChannelCallerId"), 0, "Presentation Allowed, Not Screened", ch.model()}
		s.chanEvent(ch, &ev)
		return
	case "CONNECTEDLINE(num)", "CONNECTEDLINE(name)", "CONNECTEDLINE(all)":
		setParty(&ch.connected, name, value)
		ev := evChannel{s.base("ChannelConnectedLine"), ch.model()}
		s.chanEvent(ch, &ev)
		return
	case "PJSIP_TRANSFER_HANDLING()":
		// A function write (core or ari-only): no ChannelVarset.
		ch.xferState().handling = value
		return
	case "TALK_DETECT(set)", "TALK_DETECT(remove)":
		// A function write: no ChannelVarset, as in Asterisk.
		s.talkDetect(ch, name == "TALK_DETECT(set)", value)
		return
	}
	if data, ok := toneDetectFunc(name); ok {
		_ = s.toneDetectWrite(ch, data) // dialplan Set ignores a failing function
		return
	}
	ch.vars[name] = value
	ev := evVarset{s.base("ChannelVarset"), name, value, ch.model()}
	s.chanEvent(ch, &ev)
}

// evCallerID is ChannelCallerId.
type evCallerID struct {
	eventBase
	Presentation    int           `json:"caller_presentation"`
	PresentationTxt string        `json:"caller_presentation_txt"`
	Channel         *ChannelModel `json:"channel"`
}

// setParty writes FUNC(num), FUNC(name) or FUNC(all) ("Name" <num>).
func setParty(p *CallerID, fn, value string) {
	switch {
	case strings.HasSuffix(fn, "(num)"):
		p.Number = value
	case strings.HasSuffix(fn, "(name)"):
		p.Name = value
	default:
		*p = parseCallerID(value)
	}
}

// getVar answers GET /variable, including the dialplan functions a client meets.
func (ch *channel) getVar(name string) (string, bool) {
	switch name {
	case "CHANNEL(state)":
		return ch.state, true
	case "CHANNEL(name)", "CHANNEL":
		return ch.name, true
	case "CHANNEL(uniqueid)", "UNIQUEID":
		return ch.id, true
	case "CHANNEL(language)":
		return ch.language, true
	case "CHANNEL(linkedid)":
		return ch.linked(), true
	case "CHANNEL(audionativeformat)":
		return ch.audioNative(), true
	case "CHANNEL(audioreadformat)", "CHANNEL(audiowriteformat)":
		return ch.codec(), true
	case "CHANNEL(channeltype)":
		return ch.tech, true
	case "CALLERID(num)":
		return ch.caller.Number, true
	case "CALLERID(name)":
		return ch.caller.Name, true
	case "CONNECTEDLINE(num)":
		return ch.connected.Number, true
	case "CONNECTEDLINE(name)":
		return ch.connected.Name, true
	case "EXTEN":
		return ch.dp.Exten, true
	case "CONTEXT":
		return ch.dp.Context, true
	case "PRIORITY":
		return strconv.FormatInt(ch.dp.Priority, 10), true
	}
	if data, ok := toneDetectFunc(name); ok {
		v, err := ch.toneDetectRead(data)
		return v, err == nil
	}
	v, ok := ch.vars[name]
	if !ok {
		// Inheritable variables are read without their "_"/"__" prefix.
		if v, ok = ch.vars["__"+name]; !ok {
			v, ok = ch.vars["_"+name]
		}
	}
	return v, ok
}

func (s *Server) subscribe(appName, chID string) {
	if a := s.apps[appName]; a != nil {
		a.channels[chID] = true
	}
}

func (s *Server) unsubscribeChannel(chID string, only string) {
	for name, a := range s.apps {
		if only == "" || a.name == only {
			delete(a.channels, chID)
			// An application whose socket is gone lives on only while it
			// still has channels (Asterisk's deactivated app).
			if a.sock == nil && len(a.channels) == 0 {
				delete(s.apps, name)
			}
		}
	}
}

// enterStasis puts ch into app; false when the app is not registered.
func (s *Server) enterStasis(ch *channel, appName string, args []string) bool {
	if a := s.apps[appName]; a == nil || a.sock == nil {
		return false // not registered, or no socket (deactivated)
	}
	data := strings.Join(append([]string{appName}, args...), ",")
	ch.dp.AppName, ch.dp.AppData = "Stasis", data
	s.setVar(ch, "STASISSTATUS", "")
	s.subscribe(appName, ch.id)
	if args == nil {
		args = []string{}
	}
	ch.stasis = &stasisState{app: appName, args: args, exit: make(chan stasisExit, 1)}
	ev := evStasisStart{s.base("StasisStart"), args, ch.model()}
	s.chanEvent(ch, &ev)
	return true
}

// leaveStasis emits StasisEnd and drops the Stasis subscription.
func (s *Server) leaveStasis(ch *channel, exit stasisExit) {
	st := ch.stasis
	if st == nil {
		return
	}
	s.stopPlaybacks(ch, "done")
	if ch.bridge != nil {
		s.leaveBridge(ch, exit.hangup)
	}
	ch.stasis = nil
	ev := evChannel{s.base("StasisEnd"), ch.model()}
	s.chanEvent(ch, &ev)
	if st.app != ch.origApp {
		s.unsubscribeChannel(ch.id, st.app)
	}
	status := "SUCCESS"
	s.setVar(ch, "STASISSTATUS", status)
	st.exit <- exit
}

// hangupSpec describes how a channel goes away.
type hangupSpec struct {
	request      bool // emit ChannelHangupRequest
	cause        int  // cause in ChannelHangupRequest (0: none, as for a remote BYE)
	soft         bool
	techCause    int
	destroy      int // cause of ChannelDestroyed
	destroyTC    int
	qos          bool   // RTPAUDIOQOS varsets first
	peerNotified bool   // Local: the other half already got its ChannelHangupRequest
	dialstatus   string // Dial status for an unanswered originated leg ("": no Dial event)
}

var causeText = map[int]string{
	0: "Unknown", 1: "Unallocated (unassigned) number", 3: "No route to destination", 16: "Normal Clearing",
	17: "User busy", 18: "No user responding", 19: "User alerting, no answer", 21: "Call Rejected",
	26: "Answered elsewhere", 27: "Destination out of order", 28: "Invalid number format", 31: "Normal, unspecified",
	34: "Circuit/channel congestion", 38: "Network out of order", 58: "Bearer capability not available",
	127: "Interworking, unspecified",
}

func causeTxt(c int) string {
	if t, ok := causeText[c]; ok {
		return t
	}
	return "Unknown"
}

var qosVars = []string{"RTPAUDIOQOS", "RTPAUDIOQOSJITTER", "RTPAUDIOQOSLOSS", "RTPAUDIOQOSRTT", "RTPAUDIOQOSMES"}

func qosValue(name string, rx int) string {
	switch name {
	case "RTPAUDIOQOS":
		return fmt.Sprintf("ssrc=%d;themssrc=%d;lp=0;rxjitter=0.000000;rxcount=%d;txjitter=0.000000;txcount=%d;rlp=0;rtt=0.000000;rxmes=0.000000;txmes=0.000000", rx*7919+1, rx*104729+3, rx, rx)
	case "RTPAUDIOQOSJITTER":
		return "minrxjitter=000.000000;maxrxjitter=000.000000;avgrxjitter=000.000000;stdevrxjitter=000.000000;mintxjitter=000.000000;maxtxjitter=000.000000;avgtxjitter=000.000000;stdevtxjitter=000.000000;"
	case "RTPAUDIOQOSLOSS":
		return "  minrxlost=000.000000;  maxrxlost=000.000000;  avgrxlost=000.000000;  stdevrxlost=000.000000;  mintxlost=000.000000;  maxtxlost=000.000000;  avgtxlost=000.000000;  stdevtxlost=000.000000;"
	case "RTPAUDIOQOSRTT":
		return "     minrtt=000.000000;     maxrtt=000.000000;     avgrtt=000.000000;     stdevrtt=000.000000;"
	}
	return "   minrxmes=000.000000;   maxrxmes=000.000000;   avgrxmes=000.000000;   stdevrxmes=000.000000;   mintxmes=000.000000;   maxtxmes=000.000000;   avgtxmes=000.000000;   stdevtxmes=000.000000;"
}

// hangup runs Asterisk's teardown sequence for ch and destroys it.
func (s *Server) hangup(ch *channel, h hangupSpec) {
	if ch.gone {
		return
	}
	if h.qos && ch.tech == "PJSIP" && ch.answered {
		rx := int(time.Since(ch.created) / (20 * time.Millisecond))
		var peer *channel
		if b := ch.bridge; b != nil && b.kind == "mixing" && len(b.members) == 2 {
			for _, m := range b.members {
				if m != ch {
					peer = m
				}
			}
		}
		for _, v := range qosVars {
			s.setVar(ch, v, qosValue(v, rx))
			if peer != nil {
				s.setVar(peer, v+"BRIDGED", qosValue(v, rx))
			}
		}
	}
	if h.request {
		ev := evHangupRequest{s.base("ChannelHangupRequest"), h.cause, h.soft, h.techCause, ch.model()}
		s.chanEvent(ch, &ev)
	}
	s.destroy(ch, h)
}

func (s *Server) destroy(ch *channel, h hangupSpec) {
	if ch.gone {
		return
	}
	// The recording command ends on the hangup while the channel is still
	// in Stasis: RecordingFinished precedes StasisEnd, as in Asterisk.
	s.stopRecordings(ch.recordings)
	if ch.stasis != nil {
		s.leaveStasis(ch, stasisExit{hangup: true})
	} else {
		s.stopPlaybacks(ch, "done")
		if ch.bridge != nil {
			s.leaveBridge(ch, true)
		}
	}
	if ch.orig != nil {
		ch.orig.finish(s, ch, h)
	}
	other := ch.local
	if other != nil && !other.gone && !h.peerNotified {
		ev := evHangupRequest{s.base("ChannelHangupRequest"), 16, false, 0, other.model()}
		s.chanEvent(other, &ev)
	}
	ch.gone = true
	ch.hangupCode = h.destroy
	if ch.rtp != nil {
		_ = ch.rtp.Close()
	}
	for _, t := range ch.timers {
		s.stopTimer(t)
	}
	ch.timers = nil
	cause := h.destroy
	if cause == 0 {
		cause = 16
	}
	ch.dp.AppName, ch.dp.AppData = ch.baseApp, ch.baseData
	s.recordEnd(ch, cause)
	if o := s.opts.Observer; o != nil {
		o.ChannelGone(ch.id)
	}
	ev := evDestroyed{s.base("ChannelDestroyed"), cause, causeTxt(cause), h.destroyTC, ch.model()}
	s.chanEvent(ch, &ev)
	delete(s.channels, ch.id)
	if ch.ep != nil {
		delete(ch.ep.channels, ch.id)
	}
	s.unsubscribeChannel(ch.id, "")
	ch.cancel()
	if other != nil && !other.gone {
		s.hangup(other, hangupSpec{request: true, cause: 16, soft: true, destroy: cause})
	}
	for _, sn := range ch.snoops {
		s.hangup(sn, hangupSpec{request: true, cause: 16, soft: true, destroy: 16})
	}
	if t := ch.snooped; t != nil {
		for i, sn := range t.snoops {
			if sn == ch {
				t.snoops = append(t.snoops[:i:i], t.snoops[i+1:]...)
				break
			}
		}
	}
}

func sortIDs(ids []string) {
	sort.Slice(ids, func(i, j int) bool { return idLess(ids[i], ids[j]) })
}

func idLess(a, b string) bool {
	_, as, _ := strings.Cut(a, ".")
	_, bs, _ := strings.Cut(b, ".")
	ai, e1 := strconv.Atoi(as)
	bi, e2 := strconv.Atoi(bs)
	if e1 == nil && e2 == nil && ai != bi {
		return ai < bi
	}
	return a < b
}

func sortEndpoints(out []EndpointModel) {
	sort.Slice(out, func(i, j int) bool {
		if out[i].Technology != out[j].Technology {
			return out[i].Technology < out[j].Technology
		}
		return out[i].Resource < out[j].Resource
	})
}

func (s *Server) sortedChannels() []*channel {
	out := make([]*channel, 0, len(s.channels))
	for _, ch := range s.channels {
		out = append(out, ch)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out
}
