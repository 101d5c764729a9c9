package pbxsim

import (
	"net/http"
	"sort"
	"strings"
	"time"
)

type bridge struct {
	id, name   string
	kind       string // "mixing" or "holding"
	members    []*channel
	created    time.Time
	moh        string
	playQueue  []*playback
	recordings []*recording
	recorder   string // name of the Recorder channel a bridge recording adds, if any
	seq        int64
}

func (b *bridge) technology() string {
	if b.kind == "holding" {
		return "holding_bridge"
	}
	switch {
	case len(b.members) >= 3:
		return "softmix"
	case len(b.members) == 2 && b.members[0].answered && b.members[1].answered &&
		b.members[0].tech == "PJSIP" && b.members[1].tech == "PJSIP":
		return "native_rtp"
	}
	return "simple_bridge"
}

func (b *bridge) model() *BridgeModel {
	ids := make([]string, len(b.members))
	for i, m := range b.members {
		ids[i] = m.id
	}
	return &BridgeModel{ID: b.id, Technology: b.technology(), BridgeType: b.kind, BridgeClass: "stasis",
		Creator: "Stasis", Name: b.name, Channels: ids, Creationtime: ts(b.created), VideoMode: "talker"}
}

var bridgeTypes = map[string]bool{"mixing": true, "holding": true, "dtmf_events": true, "proxy_media": true,
	"video_sfu": true, "video_single": true, "sdp_label": true}

func (s *Server) hBridgeList(w http.ResponseWriter, _ *http.Request, _ []string, _ *params) {
	s.mu.Lock()
	bs := make([]*bridge, 0, len(s.bridges))
	for _, b := range s.bridges {
		bs = append(bs, b)
	}
	sort.Slice(bs, func(i, j int) bool { return bs[i].seq < bs[j].seq })
	out := make([]*BridgeModel, len(bs))
	for i, b := range bs {
		out[i] = b.model()
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) hBridgeGet(w http.ResponseWriter, _ *http.Request, ids []string, _ *params) {
	s.withBridge(w, ids[0], func(b *bridge) { writeJSON(w, http.StatusOK, b.model()) })
}

func (s *Server) withBridge(w http.ResponseWriter, id string, fn func(b *bridge)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.bridges[id]
	if b == nil {
		writeErr(w, http.StatusNotFound, "Bridge not found")
		return
	}
	fn(b)
}

func (s *Server) hBridgeCreate(w http.ResponseWriter, _ *http.Request, _ []string, p *params) {
	s.createBridge(w, p, p.get("bridgeId"))
}

func (s *Server) hBridgeCreateID(w http.ResponseWriter, _ *http.Request, ids []string, p *params) {
	s.createBridge(w, p, ids[0])
}

func (s *Server) createBridge(w http.ResponseWriter, p *params, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id != "" && s.bridges[id] != nil {
		writeErr(w, http.StatusConflict, "Bridge with id '"+id+"' already exists")
		return
	}
	kind := "mixing"
	seen := map[string]bool{}
	ok := true
	if t := p.get("type"); t != "" {
		for _, one := range strings.Split(t, ",") {
			if !bridgeTypes[one] {
				ok = false
			}
			seen[one] = true
		}
	}
	if seen["mixing"] && seen["holding"] {
		ok = false
	}
	if !ok {
		shown := id
		if shown == "" {
			shown = "(null)"
		}
		writeErr(w, http.StatusInternalServerError, "Unable to create bridge. Possible duplicate bridge id '"+shown+"'")
		return
	}
	if seen["holding"] {
		kind = "holding"
	}
	if id == "" {
		id = newUUID()
	}
	b := &bridge{id: id, name: p.get("name"), kind: kind, created: time.Now(), seq: s.seq}
	s.seq++
	s.bridges[id] = b
	writeJSON(w, http.StatusOK, b.model())
	ev := evBridge{s.base("BridgeCreated"), b.model()}
	s.publish(&ev, s.bridgeTargets(b, nil))
}

func (s *Server) hBridgeDestroy(w http.ResponseWriter, _ *http.Request, ids []string, _ *params) {
	s.withBridge(w, ids[0], func(b *bridge) {
		s.destroyBridge(b)
		noContent(w)
	})
}

func (s *Server) destroyBridge(b *bridge) {
	for _, pb := range append([]*playback(nil), b.playQueue...) {
		s.finishPlayback(pb, "done", false)
	}
	s.stopRecordings(b.recordings)
	for len(b.members) > 0 {
		s.leaveBridge(b.members[0], false)
	}
	s.obsBridge(b, true)
	ev := evBridge{s.base("BridgeDestroyed"), b.model()}
	s.publish(&ev, s.bridgeTargets(b, nil))
	delete(s.bridges, b.id)
	for _, a := range s.apps {
		delete(a.bridges, b.id)
	}
}

// channelsParam resolves addChannel/removeChannel's channel list, with Asterisk's errors.
func (s *Server) channelsParam(w http.ResponseWriter, p *params) ([]*channel, bool) {
	v := p.get("channel")
	if v == "" {
		writeErr(w, http.StatusBadRequest, "Missing parameter channel")
		return nil, false
	}
	var out []*channel
	for _, id := range strings.Split(v, ",") {
		ch := s.channels[strings.TrimSpace(id)]
		if ch == nil {
			writeErr(w, http.StatusBadRequest, "Channel not found")
			return nil, false
		}
		out = append(out, ch)
	}
	return out, true
}

func (s *Server) hAddChannel(w http.ResponseWriter, _ *http.Request, ids []string, p *params) {
	s.withBridge(w, ids[0], func(b *bridge) {
		chs, ok := s.channelsParam(w, p)
		if !ok {
			return
		}
		for _, ch := range chs {
			if ch.stasis == nil {
				writeErr(w, http.StatusUnprocessableEntity, "Channel not in Stasis application")
				return
			}
		}
		for _, ch := range chs {
			if recordingBlocks(ch) {
				// Earlier channels of the list stay added, as in Asterisk.
				writeErr(w, http.StatusConflict, "Channel "+ch.id+" currently recording")
				return
			}
			if ch.bridge != nil {
				s.leaveBridge(ch, false)
			}
			s.joinBridge(b, ch)
			if c := s.controls(); c != nil && (p.get("role") == "announcer" || p.get("mute") == "true") {
				c.BridgeRole(b.id, ch.id, p.get("role") == "announcer", p.get("mute") == "true")
			}
		}
		noContent(w)
	})
}

func (s *Server) hRemoveChannel(w http.ResponseWriter, _ *http.Request, ids []string, p *params) {
	s.withBridge(w, ids[0], func(b *bridge) {
		chs, ok := s.channelsParam(w, p)
		if !ok {
			return
		}
		for _, ch := range chs {
			if ch.stasis == nil {
				writeErr(w, http.StatusUnprocessableEntity, "Channel not in Stasis application")
				return
			}
			if ch.bridge != b {
				writeErr(w, http.StatusUnprocessableEntity, "Channel not in this bridge")
				return
			}
		}
		for _, ch := range chs {
			s.leaveBridge(ch, false)
		}
		noContent(w)
	})
}

func (s *Server) setPeerVars(ch, peer *channel) {
	s.setVar(ch, "BRIDGEPEER", peer.name)
	if peer.protocolID != "" || ch.vars["BRIDGEPVTCALLID"] != "" {
		s.setVar(ch, "BRIDGEPVTCALLID", peer.protocolID)
	}
}

// pairVars sets BRIDGEPEER/BRIDGEPVTCALLID on both legs of a two-party mixing bridge.
func (s *Server) pairVars(a, b *channel) {
	s.setPeerVars(a, b)
	s.setPeerVars(b, a)
}

// multiVars sets BRIDGEPEER to the other members (latest first) in a 3+ party bridge.
func (s *Server) multiVars(b *bridge, first *channel) {
	order := []*channel{}
	if first != nil {
		order = append(order, first)
	}
	for _, m := range b.members {
		if m != first {
			order = append(order, m)
		}
	}
	for _, m := range order {
		var names []string
		if b.recorder != "" {
			names = append(names, b.recorder)
		}
		for i := len(b.members) - 1; i >= 0; i-- {
			if o := b.members[i]; o != m {
				names = append(names, o.name)
			}
		}
		s.setVar(m, "BRIDGEPEER", strings.Join(names, ","))
		if m.vars["BRIDGEPVTCALLID"] != "" {
			s.setVar(m, "BRIDGEPVTCALLID", "")
		}
	}
}

func (s *Server) joinBridge(b *bridge, ch *channel) {
	b.members = append(b.members, ch)
	ch.bridge = b
	if ch.stasis != nil {
		if a := s.apps[ch.stasis.app]; a != nil {
			a.bridges[b.id]++
		}
	}
	s.obsBridge(b, false)
	ev := evBridgeChannel{s.base("ChannelEnteredBridge"), b.model(), ch.model()}
	s.publish(&ev, s.bridgeTargets(b, ch))
	if b.kind != "mixing" {
		return
	}
	n := b.parties()
	switch {
	case n == 2 && len(b.members) == 2:
		old := b.members[0]
		s.pairVars(ch, old)
		// Two answered SIP legs go native_rtp: Asterisk announces the peers again.
		both := ch.answered && old.answered && ch.tech == "PJSIP" && old.tech == "PJSIP"
		if both {
			s.pairVars(ch, old)
		}
		if ch.connected != old.caller {
			ch.connected = old.caller
			ev := evChannel{s.base("ChannelConnectedLine"), ch.model()}
			s.chanEvent(ch, &ev)
		}
		if old.connected != ch.caller {
			old.connected = ch.caller
			ev := evChannel{s.base("ChannelConnectedLine"), old.model()}
			s.chanEvent(old, &ev)
		}
		if both {
			s.pairVars(ch, old)
		}
	case n >= 3:
		s.multiVars(b, ch)
		s.multiVars(b, ch)
	}
}

// refreshBridgeVars re-announces the peers when a bridged leg's media changes (answer).
func (s *Server) refreshBridgeVars(b *bridge, ch *channel) {
	if b.kind == "mixing" && len(b.members) == 2 {
		other := b.members[0]
		if other == ch {
			other = b.members[1]
		}
		s.pairVars(other, ch)
	}
}

// leaveBridge takes ch out of its bridge. The app's bridge subscription taken when ch
// entered is dropped, except when ch leaves by hanging up: Asterisk then keeps it, which
// is why BridgeDestroyed reaches the app only sometimes.
func (s *Server) leaveBridge(ch *channel, hangup bool) {
	b := ch.bridge
	if b == nil {
		return
	}
	if ch.stasis != nil && !hangup {
		if a := s.apps[ch.stasis.app]; a != nil && a.bridges[b.id] > 0 {
			a.bridges[b.id]--
		}
	}
	if b.kind == "mixing" && ch.vars["BRIDGEPEER"] != "" {
		s.setVar(ch, "BRIDGEPEER", "")
		if ch.vars["BRIDGEPVTCALLID"] != "" {
			s.setVar(ch, "BRIDGEPVTCALLID", "")
		}
	}
	for i, m := range b.members {
		if m == ch {
			b.members = append(b.members[:i:i], b.members[i+1:]...)
			break
		}
	}
	ch.bridge = nil
	s.obsBridge(b, false)
	ev := evBridgeChannel{s.base("ChannelLeftBridge"), b.model(), ch.model()}
	s.publish(&ev, s.bridgeTargets(b, ch))
	if b.kind != "mixing" {
		return
	}
	n := b.parties()
	switch {
	case n == 2 && len(b.members) == 2:
		for range 3 {
			s.pairVars(b.members[0], b.members[1])
		}
		a, c := b.members[0], b.members[1]
		if c.connected != a.caller {
			c.connected = a.caller
			ev := evChannel{s.base("ChannelConnectedLine"), c.model()}
			s.chanEvent(c, &ev)
		}
		if a.connected != c.caller {
			a.connected = c.caller
			ev := evChannel{s.base("ChannelConnectedLine"), a.model()}
			s.chanEvent(a, &ev)
		}
	case n >= 3:
		s.multiVars(b, nil)
	}
}

func (s *Server) hBridgeMOH(w http.ResponseWriter, _ *http.Request, ids []string, p *params) {
	s.withBridge(w, ids[0], func(b *bridge) {
		b.moh = p.get("mohClass")
		if b.moh == "" {
			b.moh = "default"
		}
		if o := s.opts.Observer; o != nil {
			o.MOH("bridge:"+b.id, b.moh)
		}
		noContent(w)
	})
}

func (s *Server) hBridgeMOHStop(w http.ResponseWriter, _ *http.Request, ids []string, _ *params) {
	s.withBridge(w, ids[0], func(b *bridge) {
		if b.moh == "" {
			writeErr(w, http.StatusConflict, "Bridge isn't playing music")
			return
		}
		b.moh = ""
		if o := s.opts.Observer; o != nil {
			o.MOH("bridge:"+b.id, "")
		}
		noContent(w)
	})
}

// parties counts who takes part in the bridge's audio: its members and, while
// it records, the recorder.
func (b *bridge) parties() int {
	n := len(b.members)
	if b.recorder != "" {
		n++
	}
	return n
}
