package pbxsim

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"liandong/gateway/pbxsim/dialplan"
)

// Channel is what a dialplan executor drives: variables and applications.
type Channel interface {
	// Var reads a channel variable or function (CALLERID(num), CHANNEL(state), EXTEN...).
	Var(name string) (string, bool)
	// SetVar sets a channel variable (ChannelVarset to subscribed apps).
	SetVar(name, value string)
	// Exec runs one dialplan application (Answer, Ringing, Wait, NoOp, Playback, Echo,
	// UserEvent, Stasis, Hangup...). It returns ErrHangup once the channel is gone and
	// a *HangupError for Hangup(cause); it blocks as long as the application runs.
	Exec(ctx context.Context, app, args string) error
	// SetLocation records where the dialplan is (shown in the channel's "dialplan").
	SetLocation(context, exten string, priority int)
}

// Dialplan runs a channel's dialplan from context/exten/priority until it ends; the
// server hangs the channel up when Run returns. An unknown extension returns ErrNoRoute.
type Dialplan interface {
	Run(ctx context.Context, ch Channel, context, exten string, priority int) error
}

// HangupError is returned by Exec("Hangup", cause).
type HangupError struct{ Cause int }

// Error implements error.
func (e *HangupError) Error() string { return fmt.Sprintf("hangup cause %d", e.Cause) }

// GotoError is returned by Exec("Stasis") when the app sent the channel elsewhere
// with /continue: the executor should jump there.
type GotoError struct {
	Context, Exten string
	Priority       int
}

// Error implements error.
func (e *GotoError) Error() string {
	return fmt.Sprintf("goto %s,%s,%d", e.Context, e.Exten, e.Priority)
}

// RouteTable is the built-in Dialplan: each Route's Steps run at priorities 1..n.
type RouteTable struct{ routes []Route }

var _ Dialplan = (*RouteTable)(nil)

// NewRouteTable builds a RouteTable.
func NewRouteTable(routes []Route) *RouteTable { return &RouteTable{routes: routes} }

func (t *RouteTable) find(context, exten string) *Route {
	for i := range t.routes {
		if r := &t.routes[i]; r.Context == context && r.Exten == exten {
			return r
		}
	}
	for i := range t.routes {
		if r := &t.routes[i]; r.Context == context && MatchExten(r.Exten, exten) {
			return r
		}
	}
	return nil
}

// Run implements Dialplan.
func (t *RouteTable) Run(ctx context.Context, ch Channel, context, exten string, priority int) error {
	for hops := 0; hops < 100; hops++ {
		r := t.find(context, exten)
		if r == nil {
			return fmt.Errorf("run dialplan %s@%s: %w", exten, context, ErrNoRoute)
		}
		jumped := false
		for prio := priority; prio >= 1 && prio <= len(r.Steps); prio++ {
			app, args := SplitApp(r.Steps[prio-1])
			ch.SetLocation(context, exten, prio)
			err := ch.Exec(ctx, app, args)
			var g *GotoError
			if errors.As(err, &g) {
				if g.Context != "" {
					context = g.Context
				}
				if g.Exten != "" {
					exten = g.Exten
				}
				priority, jumped = max(g.Priority, 1), true
				break
			}
			if err != nil {
				return err
			}
		}
		if !jumped {
			return nil
		}
	}
	return fmt.Errorf("run dialplan: too many jumps: %w", ErrBadInput)
}

// SplitApp splits "App(args)" into "App" and "args".
func SplitApp(step string) (string, string) {
	step = strings.TrimSpace(step)
	i := strings.IndexByte(step, '(')
	if i < 0 {
		return step, ""
	}
	return step[:i], strings.TrimSuffix(step[i+1:], ")")
}

// MatchExten matches an extension against an extensions.conf pattern (_X., _NXX, [1-5]...)
// or a literal, as Asterisk does (package dialplan).
func MatchExten(pat, exten string) bool { return dialplan.MatchExten(pat, exten) }

// dpChannel adapts a channel to the Channel interface.
type dpChannel struct {
	s  *Server
	ch *channel
}

var _ Channel = (*dpChannel)(nil)

func (d *dpChannel) Var(name string) (string, bool) {
	d.s.mu.Lock()
	defer d.s.mu.Unlock()
	return d.ch.getVar(name)
}

func (d *dpChannel) SetVar(name, value string) {
	d.s.mu.Lock()
	defer d.s.mu.Unlock()
	if !d.ch.gone {
		d.s.setVar(d.ch, name, value)
	}
}

func (d *dpChannel) SetLocation(context, exten string, priority int) {
	d.s.mu.Lock()
	defer d.s.mu.Unlock()
	d.ch.dp.Context, d.ch.dp.Exten, d.ch.dp.Priority = context, exten, int64(priority)
}

func (d *dpChannel) sleep(ctx context.Context, dur time.Duration) error {
	t := time.NewTimer(dur)
	defer t.Stop()
	d.s.mu.Lock()
	jump := d.ch.jumps()
	d.s.mu.Unlock()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ErrHangup
	case <-d.ch.ctx.Done():
		return ErrHangup
	case g := <-jump: // an async goto (TONE_DETECT g()/h()) ends the application
		return g
	}
}

func (d *dpChannel) Exec(ctx context.Context, app, args string) error {
	s, ch := d.s, d.ch
	s.mu.Lock()
	if ch.gone || s.closed {
		s.mu.Unlock()
		return ErrHangup
	}
	select {
	case g := <-ch.jumps(): // an async goto that came between applications
		s.mu.Unlock()
		return g
	default:
	}
	ch.dp.AppName, ch.dp.AppData = app, args
	ev := evDialplan{s.base("ChannelDialplan"), app, args, ch.model()}
	s.chanEvent(ch, &ev)
	switch strings.ToLower(app) {
	case "answer":
		s.answerDialplan(ch)
		s.mu.Unlock()
		return nil
	case "ringing":
		s.setState(ch, "Ringing")
		s.mu.Unlock()
		return nil
	case "userevent":
		parts := strings.Split(args, ",")
		ev := evUserEvent{eventBase: s.base("ChannelUserevent"), Eventname: parts[0], Userevent: map[string]any{}, Channel: ch.model()}
		for _, kv := range parts[1:] {
			k, v, _ := strings.Cut(kv, ":")
			ev.Userevent[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
		s.chanEvent(ch, &ev)
		s.mu.Unlock()
		return nil
	case "noop", "verbose", "log", "progress":
		s.mu.Unlock()
		return nil
	case "set":
		k, v, _ := strings.Cut(args, "=")
		s.setVar(ch, strings.TrimSpace(k), v)
		s.mu.Unlock()
		return nil
	case "hangup":
		s.mu.Unlock()
		c, err := strconv.Atoi(strings.TrimSpace(args))
		if err != nil || c <= 0 {
			c = 16
		}
		return &HangupError{Cause: c}
	case "wait":
		s.mu.Unlock()
		f, err := strconv.ParseFloat(strings.TrimSpace(args), 64)
		if err != nil || f < 0 {
			f = 0
		}
		return d.sleep(ctx, time.Duration(f*float64(time.Second)))
	case "echo":
		s.mu.Unlock()
		return d.sleep(ctx, time.Duration(1<<62))
	case "playback":
		var total time.Duration
		file, _, _ := strings.Cut(args, ",")
		var played []string // observer playback ids, so media plays the files in turn
		for i, f := range strings.Split(file, "&") {
			if dur, err := s.opts.Media.Duration("sound:"+f, ch.language); err == nil && dur > 0 {
				total += dur
			}
			ch.heard = append(ch.heard, "sound:"+f)
			if o := s.opts.Observer; o != nil {
				id := fmt.Sprintf("dialplan-%s-%d", ch.id, i)
				o.PlaybackStarted(id, "channel:"+ch.id, "sound:"+f)
				played = append(played, id)
			}
		}
		s.mu.Unlock()
		err := d.sleep(ctx, total)
		if len(played) > 0 {
			s.mu.Lock()
			for _, id := range played {
				s.opts.Observer.PlaybackStopped(id, "channel:"+ch.id)
			}
			s.mu.Unlock()
		}
		return err
	case "dial":
		s.mu.Unlock()
		return d.dial(ctx, args)
	case "stasis":
		parts := strings.Split(args, ",")
		if !s.enterStasis(ch, parts[0], parts[1:]) {
			s.setVar(ch, "STASISSTATUS", "FAILED")
			s.mu.Unlock()
			return nil
		}
		exit := ch.stasis.exit
		s.mu.Unlock()
		select {
		case x := <-exit:
			if x.hangup {
				return ErrHangup
			}
			if x.ctx != "" || x.exten != "" || x.prio > 0 {
				return &GotoError{Context: x.ctx, Exten: x.exten, Priority: x.prio}
			}
			return nil
		case <-ctx.Done():
			return ErrHangup
		}
	}
	s.mu.Unlock()
	return fmt.Errorf("exec %s: unknown application: %w", app, ErrBadInput)
}

// dial runs Dial(TECH/RES[&...],timeout): the first target is called with its endpoint
// behaviour; DIALSTATUS is set; once answered the legs are connected until one hangs up.
func (d *dpChannel) dial(ctx context.Context, args string) error {
	s, ch := d.s, d.ch
	parts := strings.Split(args, ",")
	target := strings.Split(parts[0], "&")[0]
	timeout := 30 * time.Second
	if len(parts) > 1 {
		if n, err := strconv.Atoi(strings.TrimSpace(parts[1])); err == nil && n > 0 {
			timeout = time.Duration(n) * time.Second
		}
	}
	s.mu.Lock()
	tech, res, _ := strings.Cut(strings.TrimSpace(target), "/")
	ep := s.endpoints[tech+"/"+res]
	if ep == nil || ch.gone {
		if !ch.gone {
			s.setVar(ch, "DIALSTATUS", "CHANUNAVAIL")
		}
		s.mu.Unlock()
		return nil
	}
	peer := s.newChannel(tech, res, ep, "")
	peer.linkedid, peer.formats = ch.linked(), pjsipOffer(ch.nativeFormats(), ep) // ch is the requestor
	peer.caller = ep.CallerID
	peer.connected = ch.caller
	peer.dp = DialplanCEP{Context: ep.Context, Exten: "s", Priority: 1, AppName: "AppDial", AppData: "(Outgoing Line)"}
	peer.baseApp, peer.baseData = "AppDial", "(Outgoing Line)"
	result := make(chan string, 1)
	peer.orig = &origination{dialstring: res, timeout: timeout, caller: ch, result: result}
	s.announce(peer)
	s.startDial(peer)
	s.mu.Unlock()

	var status string
	select {
	case status = <-result:
	case <-ctx.Done():
		s.mu.Lock()
		s.hangup(peer, hangupSpec{request: true, cause: 16, destroy: 16, dialstatus: "CANCEL"})
		s.mu.Unlock()
		return ErrHangup
	}
	s.mu.Lock()
	if ch.gone {
		s.hangup(peer, hangupSpec{request: true, cause: 16, destroy: 16})
		s.mu.Unlock()
		return ErrHangup
	}
	s.setVar(ch, "DIALSTATUS", status)
	if status != "ANSWER" {
		s.mu.Unlock()
		return nil
	}
	if ch.state != "Up" {
		s.markAnswered(ch)
		s.setState(ch, "Up")
	}
	ch.connected = peer.caller
	s.mu.Unlock()
	select {
	case <-peer.ctx.Done():
		return &HangupError{Cause: 16} // the called party hung up: so does the caller
	case <-ctx.Done():
		s.mu.Lock()
		s.hangup(peer, hangupSpec{request: true, cause: 16, qos: true, destroy: 16})
		s.mu.Unlock()
		return ErrHangup
	}
}

// answerDialplan answers a dialplan channel; a Local ;2 answering answers its ;1.
func (s *Server) answerDialplan(ch *channel) {
	s.markAnswered(ch)
	s.setState(ch, "Up")
	if one := ch.local; one != nil && ch.half == 2 && one.orig != nil && !one.orig.answered && !one.gone {
		s.answerLeg(one)
	}
}

// runDialplan starts ch's dialplan in its own goroutine; it hangs ch up at the end.
func (s *Server) runDialplan(ch *channel, context, exten string, prio int) {
	ch.dialplan = true
	ch.dp.Context, ch.dp.Exten, ch.dp.Priority = context, exten, int64(prio)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		err := s.opts.Dialplan.Run(ch.ctx, &dpChannel{s: s, ch: ch}, context, exten, prio)
		s.mu.Lock()
		defer s.mu.Unlock()
		if ch.gone || s.closed {
			return
		}
		cause := 16
		var he *HangupError
		switch {
		case errors.As(err, &he):
			cause = he.Cause
		case errors.Is(err, ErrNoRoute):
			cause = 1
		}
		s.hangup(ch, hangupSpec{request: true, cause: cause, soft: true, qos: true, destroy: cause})
	}()
}
