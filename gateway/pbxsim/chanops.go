package pbxsim

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// withChan runs fn under the lock with the channel, answering 404 when it is unknown
// and 409 when stasis is required and the channel is not in Stasis.
func (s *Server) withChan(w http.ResponseWriter, id string, needStasis bool, fn func(ch *channel)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.channels[id]
	if ch == nil {
		writeErr(w, http.StatusNotFound, "Channel not found")
		return
	}
	if needStasis && ch.stasis == nil {
		writeErr(w, http.StatusConflict, "Channel not in Stasis application")
		return
	}
	fn(ch)
}

// withAnswerable is withChan for the operations Asterisk refuses on an outbound
// channel not yet answered (resource_channels.c, channel_state_invalid):
// 404/409 first, then 412, then the operation's own checks.
func (s *Server) withAnswerable(w http.ResponseWriter, id string, fn func(ch *channel)) {
	s.withChan(w, id, true, func(ch *channel) {
		if stateInvalid(w, ch) {
			return
		}
		fn(ch)
	})
}

func (s *Server) hChanList(w http.ResponseWriter, _ *http.Request, _ []string, _ *params) {
	s.mu.Lock()
	out := make([]*ChannelModel, 0, len(s.channels))
	for _, ch := range s.sortedChannels() {
		out = append(out, ch.model())
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) hChanGet(w http.ResponseWriter, _ *http.Request, ids []string, _ *params) {
	s.withChan(w, ids[0], false, func(ch *channel) { writeJSON(w, http.StatusOK, ch.model()) })
}

var hangupReasons = map[string]int{
	"normal": 16, "busy": 17, "congestion": 34, "no_answer": 19, "timeout": 18, "rejected": 21,
	"unallocated": 1, "normal_unspecified": 31, "number_incomplete": 28, "codec_mismatch": 58,
	"interworking": 127, "failure": 38, "answered_elsewhere": 26,
}

func (s *Server) hChanHangup(w http.ResponseWriter, _ *http.Request, ids []string, p *params) {
	s.withChan(w, ids[0], false, func(ch *channel) {
		cause := 16
		if rc := p.get("reason_code"); rc != "" {
			c, err := strconv.Atoi(rc)
			if err != nil {
				writeErr(w, http.StatusBadRequest, "Invalid reason for hangup reason code provided")
				return
			}
			cause = c
		} else if r := p.get("reason"); r != "" {
			c, ok := hangupReasons[r]
			if !ok {
				writeErr(w, http.StatusBadRequest, "Invalid reason for hangup reason provided")
				return
			}
			cause = c
		}
		noContent(w)
		s.hangup(ch, hangupSpec{request: true, cause: 32, soft: true, qos: true, destroy: cause, dialstatus: "NOANSWER"})
	})
}

func (s *Server) hAnswer(w http.ResponseWriter, _ *http.Request, ids []string, _ *params) {
	s.withAnswerable(w, ids[0], func(ch *channel) {
		if ch.state != "Up" {
			s.markAnswered(ch)
			s.setState(ch, "Up")
		}
		noContent(w)
	})
}

func (s *Server) hRing(w http.ResponseWriter, _ *http.Request, ids []string, _ *params) {
	s.withAnswerable(w, ids[0], func(ch *channel) { noContent(w) })
}

func (s *Server) hRingStop(w http.ResponseWriter, _ *http.Request, ids []string, _ *params) {
	s.withAnswerable(w, ids[0], func(ch *channel) { noContent(w) })
}

func (s *Server) hChanMOH(w http.ResponseWriter, _ *http.Request, ids []string, p *params) {
	s.withAnswerable(w, ids[0], func(ch *channel) {
		ch.moh = p.get("mohClass")
		if ch.moh == "" {
			ch.moh = "default"
		}
		if o := s.opts.Observer; o != nil {
			o.MOH("channel:"+ch.id, ch.moh)
		}
		noContent(w)
	})
}

func (s *Server) hChanMOHStop(w http.ResponseWriter, _ *http.Request, ids []string, _ *params) {
	s.withAnswerable(w, ids[0], func(ch *channel) {
		ch.moh = ""
		if o := s.opts.Observer; o != nil {
			o.MOH("channel:"+ch.id, "")
		}
		noContent(w)
	})
}

func (s *Server) hHold(w http.ResponseWriter, _ *http.Request, ids []string, _ *params) {
	s.withAnswerable(w, ids[0], func(ch *channel) { ch.held = true; noContent(w) })
}

func (s *Server) hUnhold(w http.ResponseWriter, _ *http.Request, ids []string, _ *params) {
	s.withAnswerable(w, ids[0], func(ch *channel) { ch.held = false; noContent(w) })
}

func muteDirection(p *params) (string, bool) {
	d := p.get("direction")
	switch d {
	case "":
		return "both", true
	case "both", "in", "out":
		return d, true
	}
	return "", false
}

// muteJoin is the mute state after muting (on) or unmuting dir: Asterisk keeps the
// two directions apart, so unmuting "in" leaves "out" muted.
func muteJoin(cur, dir string, on bool) string {
	bits := func(d string) int {
		switch d {
		case "in":
			return 1
		case "out":
			return 2
		case "both":
			return 3
		}
		return 0
	}
	b := bits(cur)
	if on {
		b |= bits(dir)
	} else {
		b &^= bits(dir)
	}
	return [...]string{"", "in", "out", "both"}[b]
}

func (s *Server) hMute(w http.ResponseWriter, _ *http.Request, ids []string, p *params) {
	s.setMute(w, ids[0], p, true)
}

func (s *Server) hUnmute(w http.ResponseWriter, _ *http.Request, ids []string, p *params) {
	s.setMute(w, ids[0], p, false)
}

// setMute mutes (on) or unmutes the direction the request names.
func (s *Server) setMute(w http.ResponseWriter, id string, p *params, on bool) {
	s.withAnswerable(w, id, func(ch *channel) {
		d, ok := muteDirection(p)
		if !ok {
			writeErr(w, http.StatusBadRequest, "Invalid direction specified")
			return
		}
		ch.muted = muteJoin(ch.muted, d, on)
		if c := s.controls(); c != nil {
			c.Mute(ch.id, ch.muted)
		}
		noContent(w)
	})
}

func (s *Server) hSilence(w http.ResponseWriter, _ *http.Request, ids []string, _ *params) {
	s.withAnswerable(w, ids[0], func(ch *channel) { ch.silenced = true; noContent(w) })
}

func (s *Server) hSilenceStop(w http.ResponseWriter, _ *http.Request, ids []string, _ *params) {
	s.withAnswerable(w, ids[0], func(ch *channel) { ch.silenced = false; noContent(w) })
}

func (s *Server) hGetVar(w http.ResponseWriter, _ *http.Request, ids []string, p *params) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := p.get("variable")
	if name == "" {
		writeErr(w, http.StatusBadRequest, "Variable name is required")
		return
	}
	ch := s.channels[ids[0]]
	if ch == nil {
		writeErr(w, http.StatusNotFound, "Provided channel was not found")
		return
	}
	v, ok := ch.getVar(name)
	switch {
	case !ok && strings.HasSuffix(name, ")"): // a function that failed, as ast_func_read2
		writeErr(w, http.StatusInternalServerError, "Unable to read provided function")
		return
	case !ok:
		writeErr(w, http.StatusNotFound, "Provided variable was not found")
		return
	}
	writeJSON(w, http.StatusOK, Variable{Value: v})
}

func (s *Server) hSetVar(w http.ResponseWriter, _ *http.Request, ids []string, p *params) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := p.get("variable")
	if name == "" {
		writeErr(w, http.StatusBadRequest, "Variable name is required")
		return
	}
	ch := s.channels[ids[0]]
	if ch == nil {
		writeErr(w, http.StatusNotFound, "Provided channel was not found")
		return
	}
	if data, ok := toneDetectFunc(name); ok {
		if err := s.toneDetectWrite(ch, data); err != nil {
			writeErr(w, http.StatusBadRequest, "Failed to execute function")
			return
		}
		noContent(w)
		return
	}
	noContent(w)
	s.setVar(ch, name, p.get("value"))
}

func atoiDefault(v string, def int) int {
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return def
	}
	return n
}

func (s *Server) hSendDTMF(w http.ResponseWriter, _ *http.Request, ids []string, p *params) {
	s.withAnswerable(w, ids[0], func(ch *channel) {
		digits := p.get("dtmf")
		if digits == "" {
			writeErr(w, http.StatusBadRequest, "DTMF is required")
			return
		}
		dur := time.Duration(atoiDefault(p.get("duration"), 100)) * time.Millisecond
		between := time.Duration(atoiDefault(p.get("between"), 100)) * time.Millisecond
		before := time.Duration(atoiDefault(p.get("before"), 0)) * time.Millisecond
		noContent(w)
		ch.dtmfHeard = append(ch.dtmfHeard, digits)
		if two := ch.local; two != nil {
			s.scheduleDTMF(two, digits, dur, before+between, between)
		}
	})
}

// scheduleDTMF emits ChannelDtmfReceived on ch for each digit at the end of its tone.
func (s *Server) scheduleDTMF(ch *channel, digits string, dur, first, gap time.Duration) {
	at := first
	for _, d := range digits {
		at += dur
		digit := string(d)
		ch.after(at, func() {
			ev := evDtmf{s.base("ChannelDtmfReceived"), digit, int(dur / time.Millisecond), ch.model()}
			s.chanEvent(ch, &ev)
			s.dtmfTerminate(ch, digit)
		})
		at += gap
	}
}

func (s *Server) hContinue(w http.ResponseWriter, _ *http.Request, ids []string, p *params) {
	s.withAnswerable(w, ids[0], func(ch *channel) {
		exit := stasisExit{ctx: p.get("context"), exten: p.get("extension"), prio: atoiDefault(p.get("priority"), 0)}
		if exit.prio == 0 && (exit.ctx != "" || exit.exten != "") {
			exit.prio = 1
		}
		noContent(w)
		dialplan := ch.dialplan
		s.leaveStasis(ch, exit)
		if !dialplan {
			c, e := ch.dp.Context, ch.dp.Exten
			if exit.ctx != "" {
				c = exit.ctx
			}
			if exit.exten != "" {
				e = exit.exten
			}
			s.runDialplan(ch, c, e, max(exit.prio, 1))
		}
	})
}

// hMove moves a channel from one Stasis app to another: StasisEnd to the old app,
// StasisStart to the new one, without leaving Stasis in between.
func (s *Server) hMove(w http.ResponseWriter, _ *http.Request, ids []string, p *params) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.channels[ids[0]]
	if ch == nil {
		writeErr(w, http.StatusNotFound, "Channel not found")
		return
	}
	if ch.stasis == nil {
		writeErr(w, http.StatusConflict, "Channel not in a Stasis application")
		return
	}
	appName := p.get("app")
	if appName == "" {
		writeErr(w, http.StatusBadRequest, "Missing parameter app")
		return
	}
	if s.apps[appName] == nil {
		writeErr(w, http.StatusBadRequest, "Application '"+appName+"' not found")
		return
	}
	noContent(w)
	old := ch.stasis
	ev := evChannel{s.base("StasisEnd"), ch.model()}
	s.chanEvent(ch, &ev)
	if old.app != ch.origApp && old.app != appName {
		s.unsubscribeChannel(ch.id, old.app)
	}
	args := splitArgs(p.get("appArgs"))
	ch.dp.AppData = strings.Join(append([]string{appName}, args...), ",")
	s.subscribe(appName, ch.id)
	// The dialplan's Stasis() keeps waiting on the same exit channel.
	ch.stasis = &stasisState{app: appName, args: args, exit: old.exit}
	start := evStasisStart{s.base("StasisStart"), args, ch.model()}
	s.chanEvent(ch, &start)
}
