package calllog

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Type names one kind of call event. The string is what appears in the
// stream's "type" field.
type Type string

// Event types. The payload keys of each are listed in Schema and in
// docs/redis-schema.md.
const (
	CallStarted             Type = "call.started"
	IVRChoice               Type = "ivr.choice"
	IntakeClassified        Type = "intake.classified"
	KBAnswered              Type = "kb.answered"
	QueueEntered            Type = "queue.entered"
	AgentOffered            Type = "agent.offered"
	AgentMissed             Type = "agent.missed"
	AgentAnswered           Type = "agent.answered"
	TransferRequested       Type = "transfer.requested"
	TransferConsultAnswered Type = "transfer.consult_answered"
	TransferCompleted       Type = "transfer.completed"
	TransferThreeWay        Type = "transfer.threeway"
	TransferCancelled       Type = "transfer.cancelled"
	TransferFailed          Type = "transfer.failed"
	DispatchCreated         Type = "dispatch.created"
	SurveyRecorded          Type = "survey.recorded"
	CallEnded               Type = "call.ended"
)

// Event is one step of a call. Emit fills ID and TimeMS when they are empty;
// Seq must be set (from 1, +1 per event of the call) unless the event is
// emitted through a Call, which numbers events itself.
type Event struct {
	// ID is unique and sorts by time (a 26-character ULID).
	ID string `json:"id"`
	// Hotline selects the stream (e.g. "12345", "110"); fixed for a call.
	Hotline string `json:"hotline"`
	// CallID identifies the call across all its events.
	CallID string `json:"call"`
	// Seq is the per-call sequence number, 1, 2, 3...: a consumer that sees
	// a jump knows it missed an event.
	Seq uint64 `json:"seq"`
	// TimeMS is the Unix time of the event in milliseconds.
	TimeMS int64 `json:"ts"`
	// Type is the kind of event.
	Type Type `json:"type"`
	// Payload holds the type's fields (see Schema). The Log owns the map
	// after Emit: do not modify it afterwards.
	Payload map[string]string `json:"data,omitempty"`
}

// Kind is the value format of a payload field.
type Kind int

// Payload value formats.
const (
	KindText  Kind = iota // any UTF-8 text up to MaxValueLen bytes, not empty
	KindID                // identifier: letters, digits and ._:/-@ , up to 128 bytes
	KindPhone             // phone number: optional +, 3 to 20 digits; or "anonymous"
	KindInt               // non-negative decimal integer
	KindScore             // survey score 1..5
	KindFloat             // decimal number (e.g. a search score)
	KindEnum              // one of Field.Enum
)

// Field describes one payload key of an event type.
type Field struct {
	Key      string
	Kind     Kind
	Required bool
	Enum     []string
	// Doc is a one-line description for the schema documentation.
	Doc string
}

// MaxValueLen bounds every payload value, so one event cannot blow the
// memory bound of the queue.
const MaxValueLen = 1024

// Severity levels (事件等级): I 特别重大, II 重大, III 较大, IV 一般.
var severities = []string{"I", "II", "III", "IV"}

// Schema lists the payload fields of every event type. Unknown keys are
// rejected so the documented format stays the real one.
var Schema = map[Type][]Field{
	CallStarted: {
		{Key: "caller", Kind: KindPhone, Required: true, Doc: "caller's full number (personal data: masked in logs)"},
		{Key: "line", Kind: KindID, Required: true, Doc: "number (line) dialed, e.g. 12345"},
		{Key: "channel", Kind: KindEnum, Enum: []string{"pstn", "sip", "webrtc"}, Doc: "how the call came in"},
	},
	IVRChoice: {
		{Key: "menu", Kind: KindID, Required: true, Doc: "IVR menu (node) id"},
		{Key: "choice", Kind: KindID, Required: true, Doc: "key pressed or option chosen"},
		{Key: "label", Kind: KindText, Doc: "option label"},
	},
	IntakeClassified: {
		{Key: "category", Kind: KindID, Required: true, Doc: "category item from the division list"},
		{Key: "severity", Kind: KindEnum, Required: true, Enum: severities, Doc: "事件等级: I 特别重大, II 重大, III 较大, IV 一般"},
		{Key: "route", Kind: KindID, Doc: "where intake sends the call (12345, 110, 119, ...)"},
	},
	KBAnswered: {
		{Key: "entry", Kind: KindID, Required: true, Doc: "FAQ entry id"},
		{Key: "version", Kind: KindInt, Required: true, Doc: "published version of the entry that was read"},
		{Key: "score", Kind: KindFloat, Doc: "search score"},
	},
	QueueEntered: {
		{Key: "queue", Kind: KindID, Required: true, Doc: "queue name"},
		{Key: "position", Kind: KindInt, Doc: "position on entry"},
	},
	AgentOffered: {
		{Key: "agent", Kind: KindID, Required: true, Doc: "agent id"},
		{Key: "queue", Kind: KindID, Doc: "queue name"},
	},
	AgentMissed: {
		{Key: "agent", Kind: KindID, Required: true, Doc: "agent id"},
		{Key: "reason", Kind: KindEnum, Required: true, Enum: []string{"noanswer", "rejected", "busy", "unreachable"}, Doc: "why the offer failed"},
	},
	AgentAnswered: {
		{Key: "agent", Kind: KindID, Required: true, Doc: "agent id"},
		{Key: "queue", Kind: KindID, Doc: "queue name"},
	},
	TransferRequested: {
		{Key: "xfer", Kind: KindID, Required: true, Doc: "transfer id, unique within the call"},
		{Key: "target", Kind: KindID, Required: true, Doc: "target line: 110, 12345, 119, 120, 122 or a utility line id"},
		{Key: "mode", Kind: KindEnum, Enum: []string{"warm", "blind"}, Doc: "warm (consult first) or blind"},
		{Key: "agent", Kind: KindID, Doc: "agent who asked for the transfer"},
	},
	TransferConsultAnswered: {
		{Key: "xfer", Kind: KindID, Required: true, Doc: "transfer id"},
		{Key: "party", Kind: KindID, Doc: "who answered on the target side"},
	},
	TransferCompleted: {
		{Key: "xfer", Kind: KindID, Required: true, Doc: "transfer id"},
	},
	TransferThreeWay: {
		{Key: "xfer", Kind: KindID, Required: true, Doc: "transfer id"},
	},
	TransferCancelled: {
		{Key: "xfer", Kind: KindID, Required: true, Doc: "transfer id"},
	},
	TransferFailed: {
		{Key: "xfer", Kind: KindID, Required: true, Doc: "transfer id"},
		{Key: "reason", Kind: KindID, Required: true, Doc: "busy, noanswer, unreachable, error, ..."},
	},
	DispatchCreated: {
		{Key: "order", Kind: KindID, Required: true, Doc: "work order id (工单编号 or 警单编号)"},
		{Key: "kind", Kind: KindEnum, Required: true, Enum: []string{"ticket", "police"}, Doc: "ticket = 12345 工单, police = 110 警单"},
		{Key: "unit", Kind: KindID, Doc: "unit the order is dispatched to"},
	},
	SurveyRecorded: {
		{Key: "score", Kind: KindScore, Required: true, Doc: "satisfaction 1 (very unsatisfied) .. 5 (very satisfied)"},
	},
	CallEnded: {
		{Key: "cause", Kind: KindEnum, Required: true, Enum: []string{"caller_hangup", "agent_hangup", "transferred", "abandoned", "system", "error"}, Doc: "why the call ended (abandoned = caller left while queued)"},
		{Key: "disposition", Kind: KindID, Doc: "outcome: answered, self_service, dispatched, transferred, ..."},
		{Key: "category", Kind: KindID, Doc: "final category, if it changed"},
		{Key: "severity", Kind: KindEnum, Enum: severities, Doc: "final severity, if it changed"},
	},
}

// Types returns every known event type, sorted.
func Types() []Type {
	out := make([]Type, 0, len(Schema))
	for t := range Schema {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Validate checks the envelope (except ID and TimeMS, which Emit fills) and
// the payload against Schema.
func (e *Event) Validate() error {
	if err := checkID("hotline", e.Hotline, 32); err != nil {
		return err
	}
	if strings.ContainsAny(e.Hotline, ":/@") {
		return fmt.Errorf("%w: hotline %q: only letters, digits, '.', '_' and '-'", ErrInvalidEvent, e.Hotline)
	}
	if err := checkID("call id", e.CallID, 128); err != nil {
		return err
	}
	if e.Seq == 0 {
		return fmt.Errorf("%w: call %s: seq must start at 1", ErrInvalidEvent, e.CallID)
	}
	if e.TimeMS < 0 {
		return fmt.Errorf("%w: call %s: negative time", ErrInvalidEvent, e.CallID)
	}
	if isWorkOrderType(e.Type) {
		return validateWorkOrderEvent(e)
	}
	return ValidatePayload(e.Type, e.Payload)
}

// ValidatePayload checks a payload against the schema of its type.
func ValidatePayload(t Type, p map[string]string) error {
	fields, ok := Schema[t]
	if !ok {
		return fmt.Errorf("%w: unknown event type %q", ErrInvalidEvent, t)
	}
	for k := range p {
		if fieldOf(fields, k) == nil {
			return fmt.Errorf("%w: %s: unknown payload key %q", ErrInvalidEvent, t, k)
		}
	}
	for i := range fields {
		f := &fields[i]
		v, ok := p[f.Key]
		if !ok {
			if f.Required {
				return fmt.Errorf("%w: %s: missing payload key %q", ErrInvalidEvent, t, f.Key)
			}
			continue
		}
		if err := f.check(v); err != nil {
			return fmt.Errorf("%w: %s: payload key %q: %v", ErrInvalidEvent, t, f.Key, err)
		}
	}
	return nil
}

func fieldOf(fields []Field, key string) *Field {
	for i := range fields {
		if fields[i].Key == key {
			return &fields[i]
		}
	}
	return nil
}

func (f *Field) check(v string) error {
	if v == "" {
		return fmt.Errorf("empty value")
	}
	if len(v) > MaxValueLen {
		return fmt.Errorf("value longer than %d bytes", MaxValueLen)
	}
	if !utf8.ValidString(v) {
		return fmt.Errorf("value is not UTF-8")
	}
	switch f.Kind {
	case KindText:
		for _, r := range v {
			if r < 0x20 && r != '\t' {
				return fmt.Errorf("control character in text")
			}
		}
	case KindID:
		if !isID(v, 128) {
			return fmt.Errorf("%q is not an identifier", v)
		}
	case KindPhone:
		if !isPhone(v) {
			return fmt.Errorf("not a phone number")
		}
	case KindInt:
		if _, err := strconv.ParseUint(v, 10, 63); err != nil {
			return fmt.Errorf("%q is not a non-negative integer", v)
		}
	case KindScore:
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 5 {
			return fmt.Errorf("%q is not a score from 1 to 5", v)
		}
	case KindFloat:
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			return fmt.Errorf("%q is not a number", v)
		}
	case KindEnum:
		for _, e := range f.Enum {
			if v == e {
				return nil
			}
		}
		return fmt.Errorf("%q is not one of %s", v, strings.Join(f.Enum, ", "))
	}
	return nil
}

func checkID(what, v string, max int) error {
	if v == "" {
		return fmt.Errorf("%w: empty %s", ErrInvalidEvent, what)
	}
	if !isID(v, max) {
		return fmt.Errorf("%w: %s %q: only letters, digits and ._:/-@, up to %d bytes", ErrInvalidEvent, what, v, max)
	}
	return nil
}

// isID accepts the characters that are safe inside a Redis key of this
// schema: no braces (they would change the Cluster hash tag) and no spaces.
func isID(v string, max int) bool {
	if v == "" || len(v) > max {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '.', c == '_', c == '-', c == ':', c == '/', c == '@', c == '+':
		default:
			return false
		}
	}
	return true
}

func isPhone(v string) bool {
	if v == "anonymous" {
		return true
	}
	s := strings.TrimPrefix(v, "+")
	if len(s) < 3 || len(s) > 20 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// MaskPhone masks a phone number for logs: 13812345678 -> 138****5678.
// Short numbers keep only their last two digits.
func MaskPhone(v string) string {
	if v == "" || v == "anonymous" {
		return v
	}
	n := len(v)
	switch {
	case n >= 11:
		return v[:3] + "****" + v[n-4:]
	case n >= 7:
		return v[:2] + "****" + v[n-2:]
	case n > 2:
		return strings.Repeat("*", n-2) + v[n-2:]
	default:
		return strings.Repeat("*", n)
	}
}
