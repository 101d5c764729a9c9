package pbxsim

import (
	"fmt"
	"strings"
	"time"
)

// ParseEndpoint parses the --endpoint flag: "PJSIP/agent1001=answer:800ms", optionally
// followed by ";context=from-agents", ";callerid=Agent 1001 <1001>" and
// ";allow=ulaw,alaw" (codecs in preference order; default alaw,ulaw).
func ParseEndpoint(s string) (Endpoint, error) {
	parts := strings.Split(s, ";")
	id, beh, hasBeh := strings.Cut(parts[0], "=")
	tech, res, ok := strings.Cut(strings.TrimSpace(id), "/")
	if !ok || tech == "" || res == "" {
		return Endpoint{}, fmt.Errorf("parse endpoint %q: want TECH/RESOURCE: %w", s, ErrBadInput)
	}
	e := Endpoint{Tech: tech, Resource: res, Context: "default",
		Behaviour: Behaviour{Mode: ModeAnswer, RingFor: 800 * time.Millisecond}}
	if hasBeh {
		b, err := ParseBehaviour(beh)
		if err != nil {
			return Endpoint{}, fmt.Errorf("parse endpoint %q: %w", s, err)
		}
		e.Behaviour = b
	}
	for _, p := range parts[1:] {
		k, v, _ := strings.Cut(p, "=")
		switch strings.TrimSpace(k) {
		case "context":
			e.Context = strings.TrimSpace(v)
		case "callerid":
			e.CallerID = parseCallerID(v)
		case "allow":
			list, unknown, ok := parseFormats(v)
			if !ok {
				return Endpoint{}, fmt.Errorf("parse endpoint %q: unknown codec %q: %w", s, unknown, ErrBadInput)
			}
			e.Allow = list
		default:
			return Endpoint{}, fmt.Errorf("parse endpoint %q: unknown option %q: %w", s, k, ErrBadInput)
		}
	}
	return e, nil
}
