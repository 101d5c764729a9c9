package pbxsim

import (
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Options configures a Server. The zero value is usable: no credentials check is
// skipped (User/Password default to "asterisk"/"asterisk"), no endpoints, no routes.
type Options struct {
	// User and Password are the ARI credentials (ari.conf). Defaults: asterisk/asterisk.
	User, Password string
	// AsteriskID is the entity id sent in every event (default "02:fc:00:00:00:01").
	AsteriskID string
	// Endpoints are the phones the emulator knows (PJSIP/pstn, PJSIP/agent1001...).
	Endpoints []Endpoint
	// Routes is the built-in dialplan: (context, exten) -> steps. Ignored when Dialplan is set.
	Routes []Route
	// Dialplan, when set, replaces Routes (e.g. an extensions.conf executor).
	Dialplan Dialplan
	// Media tells playback durations; default: WAV headers under SoundsDir.
	Media MediaSource
	// SoundsDir holds <name>.wav sounds for sound:<name> (default: none, every sound unknown
	// except those in Sounds).
	SoundsDir string
	// Sounds adds known sounds with fixed durations (name without "sound:").
	Sounds map[string]time.Duration
	// WriteTimeout is how long an event socket may block a write before it is dropped,
	// like Asterisk's websocket_write_timeout (default 100ms).
	WriteTimeout time.Duration
	// MaxBodyBytes bounds request bodies (default 40960, Asterisk's MAX_CONTENT_LENGTH).
	MaxBodyBytes int64
	// Observer, when set, follows what media must do (see MediaObserver).
	Observer MediaObserver
	// Logger receives diagnostics (default: discard).
	Logger *slog.Logger
}

// Endpoint is a phone the emulator plays: an inbound trunk like PJSIP/pstn or an agent
// phone like PJSIP/agent1001 that answers originates according to its Behaviour.
type Endpoint struct {
	Tech      string   // "PJSIP"
	Resource  string   // "agent1001"
	Context   string   // dialplan context of calls from this endpoint
	CallerID  CallerID // endpoint callerid (pjsip.conf callerid=)
	Behaviour Behaviour
	// Allow is the endpoint's codecs in preference order (pjsip.conf allow=);
	// empty means alaw,ulaw as the lab pjsip.conf.
	Allow []string
}

// ID is "Tech/Resource".
func (e Endpoint) ID() string { return e.Tech + "/" + e.Resource }

// Mode is what a phone does when it is called.
type Mode int

// Phone behaviours.
const (
	ModeAnswer   Mode = iota // ring, then answer after RingFor
	ModeBusy                 // ring, then 486 Busy Here after RingFor
	ModeNoAnswer             // ring until the originate times out
	ModeOffline              // no response at all (unreachable)
)

// String is the behaviour keyword (answer, busy, noanswer, offline).
func (m Mode) String() string {
	switch m {
	case ModeAnswer:
		return "answer"
	case ModeBusy:
		return "busy"
	case ModeNoAnswer:
		return "noanswer"
	case ModeOffline:
		return "offline"
	}
	return fmt.Sprintf("mode(%d)", int(m))
}

// Behaviour is how an endpoint reacts to being called.
type Behaviour struct {
	Mode Mode
	// RingFor is the time from ringing to answer (ModeAnswer) or to busy (ModeBusy).
	RingFor time.Duration
	// HangupAfter, when > 0, makes the phone hang up that long after answering.
	HangupAfter time.Duration
}

// String is the form ParseBehaviour reads.
func (b Behaviour) String() string {
	s := b.Mode.String()
	if b.RingFor > 0 {
		s += ":" + b.RingFor.String()
	}
	if b.HangupAfter > 0 {
		s += ",hangup:" + b.HangupAfter.String()
	}
	return s
}

// ParseBehaviour parses "answer:800ms", "answer:1s,hangup:5s", "busy", "busy:300ms",
// "noanswer", "offline".
func ParseBehaviour(s string) (Behaviour, error) {
	var b Behaviour
	for i, part := range strings.Split(strings.TrimSpace(s), ",") {
		name, arg, _ := strings.Cut(strings.TrimSpace(part), ":")
		var d time.Duration
		if arg != "" {
			var err error
			if d, err = time.ParseDuration(arg); err != nil || d < 0 {
				return Behaviour{}, fmt.Errorf("parse behaviour %q: bad duration %q: %w", s, arg, ErrBadInput)
			}
		}
		if i > 0 {
			if name != "hangup" || b.Mode != ModeAnswer {
				return Behaviour{}, fmt.Errorf("parse behaviour %q: unexpected %q: %w", s, part, ErrBadInput)
			}
			b.HangupAfter = d
			continue
		}
		switch name {
		case "answer":
			b.Mode = ModeAnswer
		case "busy":
			b.Mode = ModeBusy
		case "noanswer":
			b.Mode = ModeNoAnswer
		case "offline":
			b.Mode = ModeOffline
		default:
			return Behaviour{}, fmt.Errorf("parse behaviour %q: unknown mode %q: %w", s, name, ErrBadInput)
		}
		b.RingFor = d
	}
	return b, nil
}

// Route is one extension of the built-in dialplan: Steps are applications in
// extensions.conf syntax, e.g. "NoOp()", "Stasis(liandong)", "Answer()", "Wait(60)".
// Exten may be a pattern such as "_X.".
type Route struct {
	Context, Exten string
	Steps          []string
}

// StasisRoute routes context/exten to Stasis(app,args...) at priority 2, as the recorded
// Asterisk did (NoOp at priority 1, Hangup after).
func StasisRoute(context, exten, app string, args ...string) Route {
	data := strings.Join(append([]string{app}, args...), ",")
	return Route{Context: context, Exten: exten, Steps: []string{"NoOp()", "Stasis(" + data + ")", "Hangup()"}}
}

// LabEndpoints are the endpoints of the recorded lab: PJSIP/pstn (callers, context
// from-pstn) and agents PJSIP/agent1001, PJSIP/agent1002 (answer after 800ms).
func LabEndpoints() []Endpoint {
	ans := Behaviour{Mode: ModeAnswer, RingFor: 800 * time.Millisecond}
	return []Endpoint{
		{Tech: "PJSIP", Resource: "pstn", Context: "from-pstn", Behaviour: ans},
		{Tech: "PJSIP", Resource: "agent1001", Context: "from-agents", CallerID: CallerID{Name: "Agent 1001", Number: "1001"}, Behaviour: ans},
		{Tech: "PJSIP", Resource: "agent1002", Context: "from-agents", CallerID: CallerID{Name: "Agent 1002", Number: "1002"}, Behaviour: ans},
	}
}

// LabRoutes is the recorded lab's extensions.conf: 12345 and 110 in from-pstn go to
// Stasis(app); from-agents hangs up; lab-internal has answerwait, ringwait and park.
func LabRoutes(app string) []Route {
	return []Route{
		StasisRoute("from-pstn", "12345", app),
		StasisRoute("from-pstn", "110", app),
		{Context: "from-agents", Exten: "_X.", Steps: []string{"Hangup(21)"}},
		{Context: "lab-internal", Exten: "answerwait", Steps: []string{"Answer()", "Wait(60)", "Hangup()"}},
		{Context: "lab-internal", Exten: "ringwait", Steps: []string{"Wait(60)", "Hangup()"}},
		{Context: "lab-internal", Exten: "park", Steps: []string{"Wait(60)", "Hangup()"}},
	}
}

func (o *Options) setDefaults() {
	if o.User == "" {
		o.User = "asterisk"
	}
	if o.Password == "" {
		o.Password = "asterisk"
	}
	if o.AsteriskID == "" {
		o.AsteriskID = "02:fc:00:00:00:01"
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 100 * time.Millisecond
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 40960
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Media == nil {
		o.Media = &FileMedia{Dir: o.SoundsDir, Fixed: o.Sounds}
	}
	if o.Dialplan == nil {
		o.Dialplan = NewRouteTable(o.Routes)
	}
}
