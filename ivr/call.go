package ivr

import (
	"context"
	"time"
)

// Call is what the engine needs of one live call. The gateway implements it
// over ARI; tests implement it with scripted digits. Every method blocks at
// most until ctx is done, and returns an error wrapping ErrHangup once the
// caller has left.
type Call interface {
	// ID is the call's unique id (used in reports and logs).
	ID() string
	// Line is the dialed line the call came in on ("12345", "110", "web").
	Line() string
	// CallerNumber is the caller's number as received; personal data, never
	// log it unmasked (see MaskNumber).
	CallerNumber() string
	// Play plays the prompt's sounds in order. If p.BargeIn is set, the first
	// DTMF digit stops the playback and is returned (consumed); a digit
	// already buffered is returned at once without playing (type-ahead).
	// Otherwise Play returns 0 when the playback ends and digits stay
	// buffered for ReadDigit.
	Play(ctx context.Context, p Prompt) (digit byte, err error)
	// ReadDigit returns the next DTMF digit ('0'-'9', '*', '#'). Digits pressed
	// while nothing was reading are buffered in order and returned first. It
	// blocks until a digit, ctx done, or hangup; the engine puts the timeouts
	// on ctx, so implementations need no timers of their own.
	ReadDigit(ctx context.Context) (byte, error)
	// Enqueue puts the caller in a queue and blocks until the caller leaves it:
	// served by an agent (who then hung up, caller still on the line),
	// transferred by the agent elsewhere, or not served (no agent, timeout).
	Enqueue(ctx context.Context, req QueueRequest) (QueueOutcome, error)
	// Transfer hands the call to target (another line's queue, 110, a trunk).
	// On success the call has left the IVR.
	Transfer(ctx context.Context, req TransferRequest) error
	// Hangup ends the call from our side.
	Hangup(ctx context.Context, reason string) error
}

// Prompt is what one Play plays: a list of sound URIs (Asterisk media URIs
// such as "sound:liandong/greeting"), played back to back.
type Prompt struct {
	Sounds []string
	// Text is what the sounds say, for logs, reports and fakes.
	Text string
	// BargeIn lets the first digit stop the playback.
	BargeIn bool
}

// QueueRequest asks the gateway to queue the caller.
type QueueRequest struct {
	Queue    string
	Priority int
	// Context is shown to the agent: caller, line, reason, intake id, ...
	// It holds the caller's full number: never log it as is.
	Context map[string]string
}

// QueueOutcome is how a caller left a queue.
type QueueOutcome int

const (
	// QueueServed means an agent talked with the caller and hung up; the
	// caller is still on the line (the flow goes on, e.g. to the survey).
	QueueServed QueueOutcome = iota + 1
	// QueueTransferred means the agent transferred the caller elsewhere; the
	// call has left the IVR.
	QueueTransferred
	// QueueUnavailable means the caller was not served: no agent logged in,
	// the queue was full or the wait timed out.
	QueueUnavailable
)

// String names the outcome as reported (served, transferred, unavailable).
func (o QueueOutcome) String() string {
	switch o {
	case QueueServed:
		return "served"
	case QueueTransferred:
		return "transferred"
	case QueueUnavailable:
		return "unavailable"
	}
	return "unknown"
}

// TransferRequest asks the gateway to transfer the call.
type TransferRequest struct {
	Target   string
	Priority int
	Reason   string
	// Context goes with the call to the other side (caller number, reason).
	Context map[string]string
}

// HarassmentList tells whether a number is on the harassment list.
type HarassmentList interface {
	Listed(ctx context.Context, number string) (bool, error)
}

// AgentPresence tells how many agents are logged in to a queue.
type AgentPresence interface {
	LoggedIn(ctx context.Context, queue string) (int, error)
}

// Clock gives the time of day for time-window conditions.
type Clock interface {
	Now() time.Time
}

// Speaker turns text into a sound URI the gateway can play (text to speech).
// Implementations should read numbers as speech.Normalize does.
type Speaker interface {
	Speak(ctx context.Context, text string) (uri string, err error)
}

// Media is something to play: a sound URI, or text to speak when URI is empty.
type Media struct {
	URI  string
	Text string
	// Entry and Version name the FAQ entry and the version of it whose text
	// this is, reported with the kb_answer step so that a complaint can be
	// traced to the exact text read out.
	Entry   string
	Version int
}

// KBItem is one entry of a knowledge menu: a department (Leaf false: choosing
// it opens its questions) or a question (Leaf true: choosing it plays the answer).
type KBItem struct {
	Key   string
	Title string
	Leaf  bool
}

// Knowledge serves the FAQ menus and answers of kb nodes. Menus should hold
// at most 9 items (digits 1-9); more are cut.
type Knowledge interface {
	// Menu lists the items under parent ("" for the top level).
	Menu(ctx context.Context, parent string) ([]KBItem, error)
	// Answer returns the answer of a leaf item.
	Answer(ctx context.Context, key string) (Media, error)
}

// KnowledgePinner is a Knowledge whose menus change while calls run (an
// editor publishes). The engine calls Pin once per call: the returned
// context makes the call keep the menus it first saw, so the digits it
// hears stay valid.
type KnowledgePinner interface {
	Pin(ctx context.Context) context.Context
}

// WorkOrder is the state of a caller's work order, as the ticketing side
// wrote it (State in Chinese, e.g. 已受理, 办理中, 已办结).
type WorkOrder struct {
	ID         string
	State      string
	Department string
}

// WorkOrders finds the latest work order of a caller number; ErrNotFound if none.
type WorkOrders interface {
	Latest(ctx context.Context, callerNumber string) (WorkOrder, error)
}

// IntakeRequest opens an intake record before the caller reaches an agent.
type IntakeRequest struct {
	CallID string
	Line   string
	Caller string
	Matter string
}

// Intake opens the intake record an agent completes (classification and
// routing live in ivr/intake); it returns the record's id.
type Intake interface {
	Open(ctx context.Context, req IntakeRequest) (id string, err error)
}

// Step is one reported step of a call in the IVR.
type Step struct {
	CallID  string
	Line    string
	Flow    string
	Version string
	Node    string
	Kind    Kind
	Event   Event
	// Digits pressed (menu choice, survey score, collected digits).
	Digits string
	// Detail is an event-specific value: survey label, queue outcome, error text.
	Detail string
	// Entry and EntryVersion name the FAQ entry read out (kb_answer).
	Entry        string
	EntryVersion int
	At           time.Time
}

// Event names what happened in a Step.
type Event string

// Events reported to the Reporter.
const (
	EventEnter      Event = "enter"       // a node starts
	EventPlayed     Event = "played"      // a prompt played (Detail: its text)
	EventDigits     Event = "digits"      // valid input taken
	EventInvalid    Event = "invalid"     // invalid input
	EventTimeout    Event = "timeout"     // no input
	EventExhausted  Event = "exhausted"   // retries exhausted, going to on_fail
	EventHotkey     Event = "hotkey"      // a global key (e.g. 0 to an agent) pressed
	EventCondition  Event = "condition"   // a condition evaluated (Detail: true/false)
	EventQueued     Event = "queued"      // entered a queue (Detail: queue)
	EventDequeued   Event = "dequeued"    // left a queue (Detail: outcome)
	EventTransfer   Event = "transferred" // transferred (Detail: target)
	EventKBAnswer   Event = "kb_answer"   // an FAQ answer played (Detail: entry id or key; Entry, EntryVersion; Digits: the repeat key when replayed)
	EventWorkOrder  Event = "work_order"  // work order state read (Detail: id)
	EventIntake     Event = "intake"      // intake record opened (Detail: id)
	EventSurvey     Event = "survey"      // survey answer (Digits: score, Detail: label; empty: no answer)
	EventHangup     Event = "hangup"      // the flow hung up (Detail: reason)
	EventCallerGone Event = "caller_hangup"
	EventError      Event = "error" // Detail: error text
)

// Reporter receives every step of every call (the call log). Report must not
// block the call for long: implementations queue or spool.
type Reporter interface {
	Report(ctx context.Context, s Step)
}
