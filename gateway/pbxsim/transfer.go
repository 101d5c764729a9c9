package pbxsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Transfers started by a phone (a SIP REFER), as Asterisk 22 handles them:
//   - res/res_pjsip_refer.c accepts the REFER (202) and NOTIFYs "100 Trying" at once;
//     a blind transfer to an extension missing from the dialplan is refused (404);
//     with PJSIP_TRANSFER_HANDLING()=ari-only (or the channel variable of that name,
//     e.g. from an endpoint set_var) it only publishes
//     ChannelTransfer and leaves the rest to the ARI application, which reports
//     progress with POST /channels/{id}/transfer_progress (each state a NOTIFY);
//     otherwise it runs the core transfer and NOTIFYs its result
//     (xfer_response_code2sip: Success 200, Invalid 400, Not Permitted 403, Fail 500);
//   - main/bridge.c ast_bridge_transfer_blind: not bridged or alone: Invalid; the
//     transferer's hold is lifted (ast_bridge_channel_write_unhold: ChannelUnhold),
//     BLINDTRANSFER is set on every member (the transferer gets its BRIDGEPEER, the
//     others its name); ARI bridges are TRANSFER_BRIDGE_ONLY, so blind_transfer_bridge
//     requests Local/EXTEN@CONTEXT: ;2 runs the dialplan there and ;1 is imparted into
//     the bridge in the transferer's place. main/stasis_bridges.c publishes
//     BridgeBlindTransfer (channel, exten, context, result, is_external, transferee,
//     replace_channel, bridge);
//   - ast_bridge_transfer_attended: both legs bridged in ARI bridges (merges and
//     swaps inhibited): attended_transfer_bridge links the bridges with
//     Local/_attended@transfer: ;1 replaces the REFER's leg, ;2 the replaced leg;
//     BridgeAttendedTransfer with destination_type "link". One leg bridged: ;2 takes
//     the unbridged leg's place in its application (destination_type "application").
//     Neither: Invalid (destination_type "fail");
//   - res/stasis/stasis_bridge.c bridge_stasis_push: a channel swapped into an ARI
//     bridge that is not in Stasis first enters the application of the channel it
//     replaces: StasisStart (args [], replace_channel), then ChannelLeftBridge of the
//     replaced channel and ChannelEnteredBridge of the new one.
// The phone then does what SIP phones do: after a final 200 NOTIFY it hangs up (BYE)
// the call(s) it transferred; after a failure it stays on the call.

// TransferReport is what a phone saw of a transfer it started.
type TransferReport struct {
	// Kind is "blind" or "attended".
	Kind string `json:"kind"`
	// ReferTo is the Refer-To the phone sent.
	ReferTo string `json:"refer_to"`
	// Response is Asterisk's answer to the REFER (202 Accepted).
	Response int `json:"response"`
	// Notify lists the sipfrag status codes Asterisk NOTIFYed, in order.
	Notify []int `json:"notify"`
	// Result is Asterisk's transfer result (Success, Fail, Invalid, Not Permitted);
	// "" when the REFER was refused before a transfer was tried, or while the ARI
	// application handles it.
	Result string `json:"result,omitempty"`
	// ARI is set when the ARI application handles the transfer
	// (PJSIP_TRANSFER_HANDLING=ari-only).
	ARI bool `json:"ari,omitempty"`
	// Done is set once a final NOTIFY (>= 200) was sent.
	Done bool `json:"done"`
}

// chanXfer is a channel's part in redirects and phone transfers.
type chanXfer struct {
	redirected *Redirected
	finalSIP   int // final response of an unanswered call ended by a redirect (302)
	transfers  []*TransferReport
	pending    *ariTransfer // an ari-only REFER waiting for transfer_progress
	tag        string       // Asterisk's dialog tag, for Replaces
	handling   string       // PJSIP_TRANSFER_HANDLING() written: "core" or "ari-only"
}

// ariOnly reports whether REFERs on ch are left to the ARI app: the function
// PJSIP_TRANSFER_HANDLING() or the channel variable of that name (endpoint
// set_var=PJSIP_TRANSFER_HANDLING=ari-only) says "ari-only".
func (ch *channel) ariOnly() bool {
	if x := ch.xfer; x != nil && x.handling != "" {
		return x.handling == "ari-only"
	}
	return ch.vars["PJSIP_TRANSFER_HANDLING"] == "ari-only"
}

func (ch *channel) xferState() *chanXfer {
	if ch.xfer == nil {
		ch.xfer = &chanXfer{}
	}
	return ch.xfer
}

// fillPhone copies what the channel's phone saw into an Ended or ChannelInfo.
func (ch *channel) fillPhone(r **Redirected, t *[]TransferReport) {
	x := ch.xfer
	if x == nil {
		return
	}
	if x.redirected != nil {
		c := *x.redirected
		*r = &c
	}
	for _, tr := range x.transfers {
		c := *tr
		c.Notify = append([]int(nil), tr.Notify...)
		*t = append(*t, c)
	}
}

// ariTransfer is an ari-only REFER: the ARI app reports its progress.
type ariTransfer struct {
	report      *TransferReport
	source      *channel // the channel the REFER came on
	dest        *channel // attended: the replaced dialog's channel
	destination string
	params      []AdditionalParam
}

// AdditionalParam is ARI's AdditionalParam (protocol specific, e.g. Replaces tags).
type AdditionalParam struct {
	Name  string `json:"parameter_name"`
	Value string `json:"parameter_value"`
}

type requestedDestination struct {
	ProtocolID  string            `json:"protocol_id,omitempty"`
	Destination string            `json:"destination,omitempty"`
	Params      []AdditionalParam `json:"additional_protocol_params,omitempty"`
}

type referTo struct {
	RequestedDestination requestedDestination `json:"requested_destination"`
	DestinationChannel   *ChannelModel        `json:"destination_channel,omitempty"`
	ConnectedChannel     *ChannelModel        `json:"connected_channel,omitempty"`
	Bridge               *BridgeModel         `json:"bridge,omitempty"`
}

type referredBy struct {
	SourceChannel    *ChannelModel `json:"source_channel"`
	ConnectedChannel *ChannelModel `json:"connected_channel,omitempty"`
	Bridge           *BridgeModel  `json:"bridge,omitempty"`
}

type evChannelTransfer struct {
	eventBase
	State      string     `json:"state,omitempty"`
	ReferTo    referTo    `json:"refer_to"`
	ReferredBy referredBy `json:"referred_by"`
}

type evStasisStartReplace struct {
	eventBase
	Args           []string      `json:"args"`
	Channel        *ChannelModel `json:"channel"`
	ReplaceChannel *ChannelModel `json:"replace_channel,omitempty"`
}

type evBlindTransfer struct {
	eventBase
	Channel        *ChannelModel `json:"channel"`
	Exten          string        `json:"exten"`
	Context        string        `json:"context"`
	Result         string        `json:"result"`
	IsExternal     bool          `json:"is_external"`
	Transferee     *ChannelModel `json:"transferee,omitempty"`
	ReplaceChannel *ChannelModel `json:"replace_channel,omitempty"`
	Bridge         *BridgeModel  `json:"bridge,omitempty"`
}

type evAttendedTransfer struct {
	eventBase
	First          *ChannelModel `json:"transferer_first_leg"`
	Second         *ChannelModel `json:"transferer_second_leg"`
	Result         string        `json:"result"`
	IsExternal     bool          `json:"is_external"`
	Transferee     *ChannelModel `json:"transferee,omitempty"`
	Target         *ChannelModel `json:"transfer_target,omitempty"`
	FirstBridge    *BridgeModel  `json:"transferer_first_leg_bridge,omitempty"`
	SecondBridge   *BridgeModel  `json:"transferer_second_leg_bridge,omitempty"`
	DestType       string        `json:"destination_type"`
	DestApp        string        `json:"destination_application,omitempty"`
	ReplaceChannel *ChannelModel `json:"replace_channel,omitempty"`
	LinkFirst      *ChannelModel `json:"destination_link_first_leg,omitempty"`
	LinkSecond     *ChannelModel `json:"destination_link_second_leg,omitempty"`
}

// Transfer results, main/stasis_bridges.c result_strs.
const (
	xferSuccess      = "Success"
	xferFail         = "Fail"
	xferInvalid      = "Invalid"
	xferNotPermitted = "Not Permitted"
)

// xferSIP is res_pjsip_refer's xfer_response_code2sip.
func xferSIP(result string) int {
	switch result {
	case xferSuccess:
		return 200
	case xferInvalid:
		return 400
	case xferNotPermitted:
		return 403
	}
	return 500
}

// transferStates maps transfer_progress states to the sipfrag NOTIFYed.
var transferStates = map[string]int{
	"channel_progress":    100,
	"channel_answered":    200,
	"channel_unavailable": 503,
	"channel_declined":    603,
}

// dialplanExists is implemented by dialplans that can tell whether an extension
// exists (res_pjsip_refer checks before a blind transfer).
type dialplanExists interface {
	Exists(context, exten string, priority int) bool
}

var (
	_ dialplanExists = (*RouteTable)(nil)
	_ dialplanExists = (*extDialplan)(nil)
)

// Exists reports whether exten (or a pattern matching it) is in context.
func (t *RouteTable) Exists(context, exten string, priority int) bool {
	r := t.find(context, exten)
	return r != nil && priority >= 1 && priority <= len(r.Steps)
}

// Exists reports whether the extensions.conf dialplan has context,exten,priority.
func (d *extDialplan) Exists(context, exten string, priority int) bool {
	return d.dp.Exists(context, exten, priority)
}

func (s *Server) extenExists(context, exten string) bool {
	if e, ok := s.opts.Dialplan.(dialplanExists); ok {
		return e.Exists(context, exten, 1)
	}
	return true
}

// phoneLeg checks that id is an answered SIP call of a phone, able to send REFER.
func (s *Server) phoneLeg(id string) (*channel, error) {
	ch, err := s.lockedChan(id)
	if err != nil {
		return nil, err
	}
	if ch.tech != "PJSIP" || ch.ep == nil {
		return nil, fmt.Errorf("channel %s is not a SIP phone's call: %w", id, ErrBadInput)
	}
	if ch.state != "Up" {
		return nil, fmt.Errorf("channel %s is not answered (state %s): %w", id, ch.state, ErrBadInput)
	}
	return ch, nil
}

// BlindTransfer is the phone on channel id blind-transferring its call (REFER with
// Refer-To: sip:EXTEN@asterisk) to exten in context. An empty context is what
// Asterisk uses: the channel's TRANSFER_CONTEXT, else its endpoint's context.
func (s *Server) BlindTransfer(id, exten, context string) (TransferReport, error) {
	if exten == "" || strings.ContainsAny(exten, "@/ ") {
		return TransferReport{}, fmt.Errorf("blind transfer: bad extension %q: %w", exten, ErrBadInput)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, err := s.phoneLeg(id)
	if err != nil {
		return TransferReport{}, fmt.Errorf("blind transfer: %w", err)
	}
	if context == "" {
		context = ch.vars["TRANSFER_CONTEXT"]
	}
	if context == "" {
		context = ch.ep.Context
	}
	if context == "" {
		context = "default"
	}
	rep := s.referAccepted(ch, "blind", "sip:"+exten+"@127.0.0.1")
	switch {
	case ch.ariOnly():
		rep.ARI = true
		at := &ariTransfer{report: rep, source: ch, destination: exten}
		ch.xfer.pending = at
		s.publishChannelTransfer(at, "unknown")
	case !s.extenExists(context, exten):
		// "attempted blind transfer to '%s@%s' but target does not exist"
		s.notify(ch, rep, 404)
	default:
		s.blindTransfer(ch, rep, exten, context)
	}
	return copyReport(rep), nil
}

// AttendedTransfer is the phone on channel id completing an attended transfer: a
// REFER on id whose Refer-To carries Replaces naming its other call otherID, so
// that the party of id and the party of otherID are joined.
func (s *Server) AttendedTransfer(id, otherID string) (TransferReport, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, err := s.phoneLeg(id)
	if err != nil {
		return TransferReport{}, fmt.Errorf("attended transfer: %w", err)
	}
	other, err := s.phoneLeg(otherID)
	if err != nil {
		return TransferReport{}, fmt.Errorf("attended transfer: %w", err)
	}
	if other == ch || other.ep != ch.ep {
		return TransferReport{}, fmt.Errorf("attended transfer: %s and %s are not two calls of one phone: %w", id, otherID, ErrBadInput)
	}
	fromTag, toTag := other.phoneTag(), other.asteriskTag()
	replaces := url.QueryEscape(other.protocolID + ";to-tag=" + toTag + ";from-tag=" + fromTag)
	rep := s.referAccepted(ch, "attended", "sip:"+other.dp.Exten+"@127.0.0.1?Replaces="+replaces)
	if ch.ariOnly() {
		rep.ARI = true
		at := &ariTransfer{report: rep, source: ch, dest: other, destination: other.dp.Exten,
			params: []AdditionalParam{{"from", fromTag}, {"to", toTag}}}
		ch.xfer.pending = at
		s.publishChannelTransfer(at, "unknown")
		return copyReport(rep), nil
	}
	s.attendedTransfer(ch, other, rep)
	return copyReport(rep), nil
}

// Transfers lists the transfers the phone on channel id started (live or ended).
func (s *Server) Transfers(id string) ([]TransferReport, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []TransferReport
	if ch := s.channels[id]; ch != nil {
		var r *Redirected
		ch.fillPhone(&r, &out)
		return out, nil
	}
	if e, ok := s.ended[id]; ok {
		return append(out, e.Transfers...), nil
	}
	return nil, fmt.Errorf("transfers: channel %s: %w", id, ErrChannelNotFound)
}

func copyReport(r *TransferReport) TransferReport {
	c := *r
	c.Notify = append([]int(nil), r.Notify...)
	return c
}

// phoneTag is the phone's tag of its dialog (sipp style: the call number).
func (ch *channel) phoneTag() string { return strconv.FormatInt(ch.seq+1, 10) }

// asteriskTag is Asterisk's tag of the dialog.
func (ch *channel) asteriskTag() string {
	x := ch.xferState()
	if x.tag == "" {
		x.tag = newUUID()
	}
	return x.tag
}

// referAccepted records a REFER answered 202 with the first NOTIFY (100 Trying).
func (s *Server) referAccepted(ch *channel, kind, referTo string) *TransferReport {
	rep := &TransferReport{Kind: kind, ReferTo: referTo, Response: 202, Notify: []int{100}}
	x := ch.xferState()
	x.transfers = append(x.transfers, rep)
	return rep
}

// notify sends a NOTIFY with a sipfrag status; a final one ends the subscription.
func (s *Server) notify(ch *channel, rep *TransferReport, code int) {
	rep.Notify = append(rep.Notify, code)
	if code >= 200 {
		rep.Done = true
		if x := ch.xfer; x != nil && x.pending != nil && x.pending.report == rep {
			x.pending = nil
		}
	}
}

// bridgePeer is ch's only peer in a two-party bridge.
func bridgePeer(ch *channel) *channel {
	b := ch.bridge
	if b == nil || len(b.members) != 2 {
		return nil
	}
	if b.members[0] == ch {
		return b.members[1]
	}
	return b.members[0]
}

func bridgeModel(b *bridge) *BridgeModel {
	if b == nil {
		return nil
	}
	return b.model()
}

func chanModel(ch *channel) *ChannelModel {
	if ch == nil {
		return nil
	}
	return ch.model()
}

// targets is the union of the apps that receive events of the given channels and
// bridges, in app order.
func (s *Server) targets(chs []*channel, bs []*bridge) []*app {
	var out []*app
	for _, a := range s.sortedApps() {
		hit := a.subscribeAll
		for _, ch := range chs {
			hit = hit || (ch != nil && a.channels[ch.id])
		}
		for _, b := range bs {
			hit = hit || (b != nil && a.bridges[b.id] > 0)
		}
		if hit {
			out = append(out, a)
		}
	}
	return out
}

func (s *Server) publishChannelTransfer(at *ariTransfer, state string) {
	src := at.source
	ev := evChannelTransfer{eventBase: s.base("ChannelTransfer"), State: state,
		ReferTo:    referTo{RequestedDestination: requestedDestination{Destination: at.destination, Params: at.params}},
		ReferredBy: referredBy{SourceChannel: src.model(), ConnectedChannel: chanModel(bridgePeer(src)), Bridge: bridgeModel(src.bridge)}}
	if d := at.dest; d != nil {
		ev.ReferTo.RequestedDestination.ProtocolID = d.protocolID
		if !d.gone {
			ev.ReferTo.DestinationChannel = d.model()
			ev.ReferTo.ConnectedChannel = chanModel(bridgePeer(d))
			ev.ReferTo.Bridge = bridgeModel(d.bridge)
		}
	}
	s.publish(&ev, s.targets([]*channel{src, at.dest}, nil))
}

// hTransferProgress is POST /channels/{id}/transfer_progress?states=...
func (s *Server) hTransferProgress(w http.ResponseWriter, _ *http.Request, ids []string, p *params) {
	s.mu.Lock()
	defer s.mu.Unlock()
	states := p.get("states")
	if states == "" {
		writeErr(w, http.StatusBadRequest, "Required parameter 'states' not provided.")
		return
	}
	ch := s.channels[ids[0]]
	if ch == nil {
		writeErr(w, http.StatusNotFound, "Channel not found")
		return
	}
	code, ok := transferStates[states]
	if !ok {
		writeErr(w, http.StatusBadRequest, "Invalid states value '"+states+"'")
		return
	}
	noContent(w)
	x := ch.xfer
	if x == nil || x.pending == nil {
		return // an AST_CONTROL_TRANSFER frame nobody waits for
	}
	at := x.pending
	s.notify(ch, at.report, code)
	s.publishChannelTransfer(at, states)
	if code == 200 {
		at.report.Result = xferSuccess
		// The phone has its 200 OK sipfrag: it hangs up the call it transferred.
		s.remoteHangup(ch)
	}
}

// newLocalPair allocates Local/exten@context halves (both Up, not yet in anything).
func (s *Server) newLocalPair(exten, context string) (*channel, *channel) {
	base := "Local/" + exten + "@" + context
	s.localSeq++
	one := s.newChannel("Local", "", nil, "")
	one.name = base + "-" + hex8(s.localSeq-1) + ";1"
	two := s.newChannel("Local", "", nil, "")
	two.name = base + "-" + hex8(s.localSeq-1) + ";2"
	for _, h := range []*channel{one, two} {
		h.protocolID = ""
		h.state = "Up"
		h.answered = true
		h.dp = DialplanCEP{Context: context, Exten: exten, Priority: 1}
	}
	one.local, two.local = two, one
	one.half, two.half = 1, 2
	s.announce(one)
	s.announce(two)
	return one, two
}

// swapIn is bridge_stasis_push with a swap: nu (not in Stasis) enters old's Stasis
// application with replace_channel, then takes old's place in b.
func (s *Server) swapIn(b *bridge, old, nu *channel) {
	appName := old.stasis.app
	nu.dp.AppName, nu.dp.AppData = "Stasis", appName
	s.setVar(nu, "STASISSTATUS", "")
	s.subscribe(appName, nu.id)
	nu.stasis = &stasisState{app: appName, args: []string{}, exit: make(chan stasisExit, 1)}
	ev := evStasisStartReplace{s.base("StasisStart"), []string{}, nu.model(), old.model()}
	s.chanEvent(nu, &ev)
	s.leaveBridge(old, false)
	s.joinBridge(b, nu)
}

// canSwap reports whether a channel can be swapped for old: old is in a Stasis
// application that still has its socket.
func (s *Server) canSwap(old *channel) bool {
	if old.stasis == nil {
		return false
	}
	a := s.apps[old.stasis.app]
	return a != nil && a.sock != nil
}

// unholdLeg is ast_bridge_channel_write_unhold: ChannelUnhold, whether held or not.
func (s *Server) unholdLeg(ch *channel) {
	ev := evHold{s.base("ChannelUnhold"), "", ch.model()}
	s.chanEvent(ch, &ev)
}

// blindTransfer is ast_bridge_transfer_blind for a REFER on ch.
func (s *Server) blindTransfer(ch *channel, rep *TransferReport, exten, context string) {
	b := ch.bridge
	ev := evBlindTransfer{eventBase: s.base("BridgeBlindTransfer"), Channel: ch.model(), Exten: exten,
		Context: context, IsExternal: true, Bridge: bridgeModel(b)}
	finish := func(result string) {
		ev.Result = result
		rep.Result = result
		s.publish(&ev, s.targets([]*channel{ch}, []*bridge{b}))
	}
	if b == nil {
		finish(xferInvalid)
		s.notify(ch, rep, xferSIP(xferInvalid))
		return
	}
	s.unholdLeg(ch)
	if len(b.members) <= 1 {
		finish(xferInvalid)
		s.notify(ch, rep, xferSIP(xferInvalid))
		return
	}
	for _, m := range append([]*channel(nil), b.members...) {
		if m == ch {
			s.setVar(m, "BLINDTRANSFER", ch.vars["BRIDGEPEER"])
		} else {
			s.setVar(m, "BLINDTRANSFER", ch.name)
		}
	}
	transferee := bridgePeer(ch)
	ev.Channel, ev.Bridge = ch.model(), b.model()
	ev.Transferee = chanModel(transferee)
	one, two := s.newLocalPair(exten, context)
	// ;1 stands for the transferer towards the transferee; local_call copies ;1's
	// parties crosswise to ;2, so the destination sees the transferee calling.
	one.caller = ch.caller
	if transferee != nil {
		one.connected = transferee.caller // as Asterisk shows ;1 entering the bridge
	}
	two.caller, two.connected = one.connected, one.caller
	for _, h := range []*channel{one, two} {
		h.vars["BLINDTRANSFER"] = ch.name
		h.vars["SIPTRANSFER"] = "yes"
	}
	ev.ReplaceChannel = one.model()
	if !s.canSwap(ch) {
		s.hangup(one, hangupSpec{request: true, cause: 16, soft: true, destroy: 16})
		finish(xferFail)
		s.notify(ch, rep, xferSIP(xferFail))
		return
	}
	// ;2 is called: it runs the dialplan at exten@context. Published once the
	// impart is under way; ;1 joins the bridge on its own thread after that.
	two.dialplan = true
	s.runDialplan(two, context, exten, 1)
	finish(xferSuccess)
	s.swapIn(b, ch, one)
	s.notify(ch, rep, 200)
	s.remoteHangup(ch)
}

// attendedTransfer is ast_bridge_transfer_attended(ch, other) for a REFER on ch
// replacing other.
func (s *Server) attendedTransfer(ch, other *channel, rep *TransferReport) {
	b1, b2 := ch.bridge, other.bridge
	ev := evAttendedTransfer{eventBase: s.base("BridgeAttendedTransfer"), First: ch.model(), Second: other.model(),
		IsExternal: true, Transferee: chanModel(bridgePeer(ch)), Target: chanModel(bridgePeer(other)),
		FirstBridge: bridgeModel(b1), SecondBridge: bridgeModel(b2)}
	fail := func(result string) {
		ev.Result, ev.DestType = result, "fail"
		rep.Result = result
		s.publish(&ev, s.targets([]*channel{ch, other}, []*bridge{b1, b2}))
		s.notify(ch, rep, xferSIP(result))
	}
	if b1 == nil && b2 == nil {
		fail(xferInvalid)
		return
	}
	if b1 != nil {
		s.unholdLeg(ch)
	}
	if b2 != nil {
		s.unholdLeg(other)
	}
	// Two bridges: attended_transfer_bridge links them whoever is in them. One
	// bridge: the transferer alone in it is Invalid (ast_bridge_peers count <= 1).
	one1 := b1 != nil && b2 == nil && len(b1.members) <= 1
	one2 := b2 != nil && b1 == nil && len(b2.members) <= 1
	if b1 == b2 || one1 || one2 {
		fail(xferInvalid)
		return
	}
	one, two := s.newLocalPair("_attended", "transfer")
	// Across the link each party ends up seeing the other one.
	transferee, target := bridgePeer(ch), bridgePeer(other)
	if transferee != nil {
		one.connected, two.caller = transferee.caller, transferee.caller
	}
	if target != nil {
		two.connected, one.caller = target.caller, target.caller
	}
	ev.Result, ev.First, ev.Second = xferSuccess, ch.model(), other.model()
	targets := s.targets([]*channel{ch, other}, []*bridge{b1, b2})
	switch {
	case b1 != nil && b2 != nil:
		ev.DestType = "link"
		ev.LinkFirst, ev.LinkSecond = one.model(), two.model()
		if !s.canSwap(ch) || !s.canSwap(other) {
			s.hangup(one, hangupSpec{request: true, cause: 16, soft: true, destroy: 16})
			fail(xferFail)
			return
		}
		s.publish(&ev, targets)
		s.swapIn(b1, ch, one)
		s.swapIn(b2, other, two)
	default:
		// One leg bridged: ;1 replaces it, ;2 takes the unbridged leg's place in
		// its application (Asterisk masquerades ;2 into it).
		bridged, unbridged, b := ch, other, b1
		if b1 == nil {
			bridged, unbridged, b = other, ch, b2
		}
		one.caller, one.connected = unbridged.caller, CallerID{}
		if p := bridgePeer(bridged); p != nil {
			one.connected = p.caller
		}
		ev.DestType = "application"
		ev.DestApp = unbridged.dp.AppName
		ev.ReplaceChannel = one.model()
		if !s.canSwap(bridged) {
			s.hangup(one, hangupSpec{request: true, cause: 16, soft: true, destroy: 16})
			fail(xferFail)
			return
		}
		s.publish(&ev, targets)
		s.swapIn(b, bridged, one)
		s.takeOver(two, unbridged)
	}
	rep.Result = xferSuccess
	s.notify(ch, rep, 200)
	// The phone has its 200 OK sipfrag: it hangs up both of its calls.
	for _, leg := range []*channel{ch, other} {
		if !leg.gone {
			s.remoteHangup(leg)
		}
	}
}

// takeOver puts Local half h where leg is: in its Stasis application (StasisStart
// with replace_channel) or at its place in the dialplan.
func (s *Server) takeOver(h, leg *channel) {
	h.caller, h.connected = leg.caller, leg.connected
	if st := leg.stasis; st != nil {
		if a := s.apps[st.app]; a != nil && a.sock != nil {
			h.dp.AppName = "Stasis"
			h.dp.AppData = strings.Join(append([]string{st.app}, st.args...), ",")
			s.setVar(h, "STASISSTATUS", "")
			s.subscribe(st.app, h.id)
			// stasis.c channel_replaced_cb: a new StasisStart, without args, with
			// replace_channel.
			h.stasis = &stasisState{app: st.app, args: []string{}, exit: make(chan stasisExit, 1)}
			ev := evStasisStartReplace{s.base("StasisStart"), []string{}, h.model(), leg.model()}
			s.chanEvent(h, &ev)
		}
		return
	}
	h.dialplan = true
	s.runDialplan(h, leg.dp.Context, leg.dp.Exten, int(max(leg.dp.Priority, 1)))
}

// serveXferControl is the control API's transfer part; false when path is not its.
//
//	POST /sim/channels/{id}/transfer           {"exten":"1000","context":""}
//	POST /sim/channels/{id}/attended-transfer  {"with":"<other channel id>"}
//	GET  /sim/channels/{id}/transfers
func (s *Server) serveXferControl(w http.ResponseWriter, r *http.Request, segs []string, body []byte) bool {
	if len(segs) != 3 || segs[0] != "channels" {
		return false
	}
	var rep TransferReport
	var err error
	switch {
	case r.Method == http.MethodPost && segs[2] == "transfer":
		var in struct{ Exten, Context string }
		if err = decodeControl(body, &in); err == nil {
			rep, err = s.BlindTransfer(segs[1], in.Exten, in.Context)
		}
	case r.Method == http.MethodPost && segs[2] == "attended-transfer":
		var in struct{ With string }
		if err = decodeControl(body, &in); err == nil {
			rep, err = s.AttendedTransfer(segs[1], in.With)
		}
	case r.Method == http.MethodGet && segs[2] == "transfers":
		list, lerr := s.Transfers(segs[1])
		if lerr != nil {
			controlFail(w, lerr)
			return true
		}
		if list == nil {
			list = []TransferReport{}
		}
		writeJSON(w, http.StatusOK, list)
		return true
	default:
		return false
	}
	if err != nil {
		controlFail(w, err)
		return true
	}
	writeJSON(w, http.StatusOK, rep)
	return true
}

func controlFail(w http.ResponseWriter, err error) {
	status := http.StatusBadRequest
	switch {
	case errorsIs(err, ErrChannelNotFound):
		status = http.StatusNotFound
	case errorsIs(err, ErrClosed):
		status = http.StatusServiceUnavailable
	}
	writeErr(w, status, err.Error())
}

// decodeControl decodes a control request body; an empty body decodes to nothing.
func decodeControl(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("bad JSON body: %v: %w", err, ErrBadInput)
	}
	return nil
}
