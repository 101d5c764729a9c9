package ivr

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"liandong/knowledge/speech"
)

// Deps are what nodes need besides the call. Any of them may be nil: a node
// that needs a missing one takes its on_fail branch (conditions: else).
type Deps struct {
	Harassment HarassmentList
	Agents     AgentPresence
	Clock      Clock // nil: time.Now
	Knowledge  Knowledge
	WorkOrders WorkOrders
	Intake     Intake
	Speaker    Speaker // for prompts with {placeholders}, kb menus and text answers
	Reporter   Reporter
	Logger     *slog.Logger
}

// Engine runs flows over calls. It is safe for concurrent use; each Run
// uses only the calling goroutine.
type Engine struct{ d Deps }

// NewEngine returns an engine over deps.
func NewEngine(d Deps) *Engine {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	return &Engine{d: d}
}

// EndReason tells how a call left the IVR.
type EndReason string

// End reasons.
const (
	EndCallerHangup     EndReason = "caller_hangup"     // the caller hung up
	EndHangup           EndReason = "hangup"            // a hangup node ended the call
	EndTransferred      EndReason = "transferred"       // a transfer node handed the call on
	EndQueueTransferred EndReason = "queue_transferred" // an agent transferred the call
	EndCancelled        EndReason = "cancelled"         // ctx ended for another cause (shutdown)
	EndError            EndReason = "error"             // errors exhausted on_error; call hung up
)

// Result is the outcome of Run.
type Result struct {
	End   EndReason
	Node  string // last node run
	Steps int
	Err   error // set for EndError and EndCancelled
}

// maxErrors is how many node errors a call survives by going to on_error.
const maxErrors = 3

// teardownTimeout bounds a hangup we send, which must outlive the call's
// context but never hang on the gateway.
const teardownTimeout = 5 * time.Second

// hangup ends the call from our side under its own deadline.
func (s *session) hangup(ctx context.Context, reason string) {
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), teardownTimeout)
	defer cancel()
	if err := s.c.Hangup(hctx, reason); err != nil && !errors.Is(err, ErrHangup) {
		s.log.Warn("ivr hangup failed", "reason", reason, "err", err)
	}
}

type session struct {
	e    *Engine
	f    *Flow
	c    Call
	vars map[string]string
	node *Node
	log  *slog.Logger
}

type nodeEnd struct {
	end EndReason
	err error
}

// Run runs flow f on call c until the call leaves the IVR. It returns when
// the caller hangs up, the flow hangs up or hands the call on, or ctx ends.
func (e *Engine) Run(ctx context.Context, f *Flow, c Call) Result {
	s := &session{e: e, f: f, c: c, log: e.d.Logger.With("call", c.ID(), "caller", MaskNumber(c.CallerNumber()), "flow", f.Name)}
	s.vars = map[string]string{
		"caller":       c.CallerNumber(),
		"line":         c.Line(),
		"call_id":      c.ID(),
		"flow":         f.Name,
		"flow_version": f.Version(),
	}
	if p, ok := e.d.Knowledge.(KnowledgePinner); ok {
		// The call keeps the FAQ menus it first hears, whatever is published meanwhile.
		ctx = p.Pin(ctx)
	}
	cur, errCount := f.Start, 0
	for steps := 1; ; steps++ {
		n := f.nodes[cur]
		s.node = n
		if steps > MaxSteps {
			s.report(ctx, EventError, "", "step limit")
			s.hangup(ctx, "step limit")
			return Result{End: EndError, Node: cur, Steps: steps, Err: fmt.Errorf("ivr: run %s: step limit %d", f.Name, MaxSteps)}
		}
		s.report(ctx, EventEnter, "", "")
		next, end, err := s.exec(ctx, n)
		switch {
		case err != nil && s.gone(ctx, err):
			if cause := context.Cause(ctx); ctx.Err() != nil && !errors.Is(cause, ErrHangup) {
				s.report(context.WithoutCancel(ctx), EventError, "", "cancelled: "+cause.Error())
				return Result{End: EndCancelled, Node: cur, Steps: steps, Err: cause}
			}
			s.report(context.WithoutCancel(ctx), EventCallerGone, "", "")
			return Result{End: EndCallerHangup, Node: cur, Steps: steps}
		case err != nil:
			errCount++
			s.report(ctx, EventError, "", err.Error())
			s.log.Warn("ivr node failed", "node", cur, "err", err)
			if f.OnError == "" || errCount >= maxErrors || cur == f.OnError {
				s.hangup(ctx, "error")
				return Result{End: EndError, Node: cur, Steps: steps, Err: fmt.Errorf("ivr: node %s: %w", cur, err)}
			}
			cur = f.OnError
		case end != nil:
			return Result{End: end.end, Node: cur, Steps: steps, Err: end.err}
		default:
			cur = next
		}
	}
}

// gone reports whether err means the caller left (or the call's context ended).
func (s *session) gone(ctx context.Context, err error) bool {
	return errors.Is(err, ErrHangup) || ctx.Err() != nil
}

func (s *session) report(ctx context.Context, ev Event, digits, detail string) {
	s.reportStep(ctx, Step{Event: ev, Digits: digits, Detail: detail})
}

// reportStep reports st with the call, flow, node and time filled in.
func (s *session) reportStep(ctx context.Context, st Step) {
	if s.e.d.Reporter == nil {
		return
	}
	st.At = time.Now()
	if s.e.d.Clock != nil {
		st.At = s.e.d.Clock.Now()
	}
	st.CallID, st.Line, st.Flow, st.Version = s.c.ID(), s.c.Line(), s.f.Name, s.f.Version()
	st.Node, st.Kind = s.node.Name, s.node.Kind
	s.e.d.Reporter.Report(ctx, st)
}

func (s *session) exec(ctx context.Context, n *Node) (string, *nodeEnd, error) {
	switch n.Kind {
	case KindPlay:
		d, err := s.playRefs(ctx, n.Prompt, n.BargeIn == nil || *n.BargeIn)
		if err != nil {
			return "", nil, err
		}
		if to, ok := s.hotkey(ctx, n, d); ok {
			return to, nil, nil
		}
		return n.Next, nil, nil
	case KindMenu:
		return s.menu(ctx, n)
	case KindCollect:
		return s.collectNode(ctx, n)
	case KindKB:
		return s.kb(ctx, n)
	case KindWorkOrder:
		return s.workOrder(ctx, n)
	case KindIntake:
		return s.intake(ctx, n)
	case KindQueue:
		return s.queue(ctx, n)
	case KindTransfer:
		return s.transfer(ctx, n)
	case KindSurvey:
		return s.survey(ctx, n)
	case KindHangup:
		if len(n.Prompt) > 0 {
			if _, err := s.playRefs(ctx, n.Prompt, false); err != nil {
				return "", nil, err
			}
		}
		reason := n.Reason
		if reason == "" {
			reason = "normal"
		}
		s.report(ctx, EventHangup, "", reason)
		s.hangup(ctx, reason)
		return "", &nodeEnd{end: EndHangup}, nil
	case KindGoto:
		return n.Next, nil, nil
	case KindCondition:
		ok := s.condition(ctx, n)
		s.report(ctx, EventCondition, "", fmt.Sprint(ok))
		if ok {
			return n.Then, nil, nil
		}
		return n.Else, nil, nil
	}
	return "", nil, fmt.Errorf("ivr: node %s: unknown kind %q", n.Name, n.Kind)
}

// hotkey maps a digit pressed in n to the flow's global key target.
func (s *session) hotkey(ctx context.Context, n *Node, d byte) (string, bool) {
	if d == 0 || !n.hotkeysOn() {
		return "", false
	}
	to, ok := s.f.Hotkeys[string(d)]
	if ok {
		s.report(ctx, EventHotkey, string(d), to)
	}
	return to, ok
}

// prompt resolves prompt names to sounds: fixed prompts to their sound URI,
// templates rendered with the call's vars and spoken by the Speaker.
func (s *session) prompt(ctx context.Context, refs PromptRefs, bargeIn bool) (Prompt, error) {
	p := Prompt{BargeIn: bargeIn, Sounds: make([]string, 0, len(refs))}
	var text strings.Builder
	set := s.f.set
	for _, r := range refs {
		t := set.Prompts[r]
		info := set.resolved[r]
		uri := info.uri
		if info.template {
			t = s.render(t, nil)
			var err error
			if uri, err = s.speak(ctx, t); err != nil {
				return Prompt{}, fmt.Errorf("prompt %s: %w", r, err)
			}
		}
		p.Sounds = append(p.Sounds, uri)
		text.WriteString(t)
	}
	p.Text = text.String()
	return p, nil
}

func (s *session) speak(ctx context.Context, text string) (string, error) {
	if s.e.d.Speaker == nil {
		return "", fmt.Errorf("speak: %w", ErrUnavailable)
	}
	uri, err := s.e.d.Speaker.Speak(ctx, speech.Normalize(text))
	if err != nil {
		return "", fmt.Errorf("speak: %w", err)
	}
	return uri, nil
}

// render fills {name} placeholders from extra, then the call's vars.
func (s *session) render(t string, extra map[string]string) string {
	return placeholder.ReplaceAllStringFunc(t, func(m string) string {
		k := m[1 : len(m)-1]
		if v, ok := extra[k]; ok {
			return v
		}
		return s.vars[k]
	})
}

func (s *session) playRefs(ctx context.Context, refs PromptRefs, bargeIn bool) (byte, error) {
	if len(refs) == 0 {
		return 0, nil
	}
	p, err := s.prompt(ctx, refs, bargeIn)
	if err != nil {
		return 0, err
	}
	return s.play(ctx, p, strings.Join(refs, "+"))
}

func (s *session) play(ctx context.Context, p Prompt, what string) (byte, error) {
	d, err := s.c.Play(ctx, p)
	if err != nil {
		return 0, fmt.Errorf("play %s: %w", what, err)
	}
	s.report(ctx, EventPlayed, digitString(d), what)
	return d, nil
}

func digitString(d byte) string {
	if d == 0 {
		return ""
	}
	return string(d)
}

// readDigit waits up to d for one digit; ErrTimeout when none came.
func (s *session) readDigit(ctx context.Context, d time.Duration) (byte, error) {
	tctx, cancel := context.WithTimeoutCause(ctx, d, ErrTimeout)
	defer cancel()
	b, err := s.c.ReadDigit(tctx)
	if err != nil {
		if ctx.Err() == nil && tctx.Err() != nil {
			return 0, ErrTimeout
		}
		return 0, fmt.Errorf("read digit: %w", err)
	}
	return b, nil
}

// answer is the outcome of ask.
type answer struct {
	digit     byte
	hotkey    string
	exhausted bool
}

// ask plays p and waits for one digit that accept takes, with the node's
// timeout, retries, invalid and no-input prompts, and the flow's hotkeys.
func (s *session) ask(ctx context.Context, n *Node, p, reprompt Prompt, accept func(byte) bool) (answer, error) {
	return s.askFrom(ctx, n, 0, p, reprompt, accept)
}

// askFrom is ask with a digit already pressed (type-ahead): it is taken
// as the first answer, without playing p.
func (s *session) askFrom(ctx context.Context, n *Node, pending byte, p, reprompt Prompt, accept func(byte) bool) (answer, error) {
	for attempt := 0; ; attempt++ {
		d := pending
		pending = 0
		var err error
		if d == 0 {
			if d, err = s.play(ctx, p, n.Name); err != nil {
				return answer{}, err
			}
		}
		if d == 0 {
			if d, err = s.readDigit(ctx, n.Timeout); err != nil && !errors.Is(err, ErrTimeout) {
				return answer{}, err
			}
		}
		var feedback PromptRefs
		switch {
		case d != 0 && accept(d):
			s.report(ctx, EventDigits, string(d), "")
			return answer{digit: d}, nil
		case d != 0:
			if to, ok := s.hotkey(ctx, n, d); ok {
				return answer{hotkey: to}, nil
			}
			s.report(ctx, EventInvalid, string(d), "")
			feedback = n.Invalid
		default:
			s.report(ctx, EventTimeout, "", "")
			feedback = n.NoInput
			if len(feedback) == 0 {
				feedback = n.Invalid
			}
		}
		if attempt >= *n.Retries {
			s.report(ctx, EventExhausted, "", "")
			return answer{exhausted: true}, nil
		}
		if pending, err = s.playRefs(ctx, feedback, true); err != nil {
			return answer{}, err
		}
		p = reprompt
	}
}

func (s *session) menu(ctx context.Context, n *Node) (string, *nodeEnd, error) {
	p, err := s.prompt(ctx, n.Prompt, true)
	if err != nil {
		return "", nil, err
	}
	rp := p
	if len(n.Reprompt) > 0 {
		if rp, err = s.prompt(ctx, n.Reprompt, true); err != nil {
			return "", nil, err
		}
	}
	a, err := s.ask(ctx, n, p, rp, func(d byte) bool { _, ok := n.Choices[string(d)]; return ok })
	switch {
	case err != nil:
		return "", nil, err
	case a.hotkey != "":
		return a.hotkey, nil, nil
	case a.exhausted:
		return n.OnFail, nil, nil
	}
	return n.Choices[string(a.digit)], nil, nil
}

func (s *session) collectNode(ctx context.Context, n *Node) (string, *nodeEnd, error) {
	first, err := s.playRefs(ctx, n.Prompt, true)
	if err != nil {
		return "", nil, err
	}
	for attempt := 0; ; attempt++ {
		digits, hot, err := s.collect(ctx, n, first)
		var feedback PromptRefs
		switch {
		case err == nil && hot != "":
			return hot, nil, nil
		case err == nil:
			if n.Var != "" {
				s.vars[n.Var] = digits
			}
			s.report(ctx, EventDigits, MaskNumber(digits), "")
			return n.Next, nil, nil
		case errors.Is(err, ErrTimeout):
			s.report(ctx, EventTimeout, "", "")
			feedback = n.NoInput
			if len(feedback) == 0 {
				feedback = n.Invalid
			}
		case errors.Is(err, ErrInvalidInput):
			s.report(ctx, EventInvalid, MaskNumber(digits), "")
			feedback = n.Invalid
		default:
			return "", nil, err
		}
		if attempt >= *n.Retries {
			s.report(ctx, EventExhausted, "", "")
			return n.OnFail, nil, nil
		}
		if _, err := s.playRefs(ctx, feedback, false); err != nil {
			return "", nil, err
		}
		if first, err = s.playRefs(ctx, n.Prompt, true); err != nil {
			return "", nil, err
		}
	}
}

// collect reads up to MaxDigits digits: the first within Timeout, the next
// within InterDigitTimeout each; the terminator ends early. It returns
// ErrTimeout if nothing was pressed, ErrInvalidInput if too few digits or a
// non-digit key came; hot is set when the first key is an active hotkey.
func (s *session) collect(ctx context.Context, n *Node, first byte) (digits, hot string, err error) {
	buf := make([]byte, 0, n.MaxDigits)
	d := first
	for len(buf) < n.MaxDigits {
		if d == 0 {
			to := n.InterDigitTimeout
			if len(buf) == 0 {
				to = n.Timeout
			}
			d, err = s.readDigit(ctx, to)
			if errors.Is(err, ErrTimeout) {
				if len(buf) == 0 {
					return "", "", ErrTimeout
				}
				break
			}
			if err != nil {
				return "", "", err
			}
		}
		if len(buf) == 0 {
			if to, ok := s.hotkey(ctx, n, d); ok {
				return "", to, nil
			}
		}
		if n.Terminator != "" && d == n.Terminator[0] {
			break
		}
		if d < '0' || d > '9' {
			return string(buf), "", ErrInvalidInput
		}
		buf = append(buf, d)
		d = 0
	}
	if len(buf) < n.MinDigits {
		return string(buf), "", ErrInvalidInput
	}
	return string(buf), "", nil
}

// maxKBSteps bounds the menus, pages and answers of one visit of a kb node.
const maxKBSteps = 32

// maxReplays bounds how often one answer is repeated in a row.
const maxReplays = 5

func (s *session) kb(ctx context.Context, n *Node) (string, *nodeEnd, error) {
	k := s.e.d.Knowledge
	if k == nil {
		s.report(ctx, EventError, "", "knowledge unavailable")
		return n.OnFail, nil, nil
	}
	pending, err := s.playRefs(ctx, n.Prompt, true)
	if err != nil {
		return "", nil, err
	}
	if to, ok := s.hotkey(ctx, n, pending); ok {
		return to, nil, nil
	}
	// A key pressed during the introduction answers the first menu (type-ahead).
	first := pending
	itemText := s.texts(n.Item)
	var back byte
	if n.Back != "" {
		back = n.Back[0]
	}
	// stack holds the menus above the current one, for the back key.
	var stack []string
	parent := n.Department
	for step := 0; step < maxKBSteps; step++ {
		items, err := k.Menu(ctx, parent)
		if err != nil || len(items) == 0 {
			if s.gone(ctx, err) {
				return "", nil, err
			}
			s.report(ctx, EventError, "", fmt.Sprintf("knowledge menu %q: %v (%d items)", parent, err, len(items)))
			return n.OnFail, nil, nil
		}
		if len(items) > 9 {
			items = items[:9]
		}
		parts := make([]string, len(items))
		for i, it := range items {
			parts[i] = s.render(itemText, map[string]string{"title": it.Title, "digit": fmt.Sprint(i + 1)})
		}
		uri, err := s.speak(ctx, strings.Join(parts, "，"))
		if err != nil {
			s.report(ctx, EventError, "", err.Error())
			return n.OnFail, nil, nil
		}
		p := Prompt{Sounds: []string{uri}, Text: strings.Join(parts, "，"), BargeIn: true}
		canBack := back != 0 && len(stack) > 0
		a, err := s.askFrom(ctx, n, first, p, p, func(d byte) bool {
			return d >= '1' && int(d-'1') < len(items) || canBack && d == back
		})
		first = 0
		switch {
		case err != nil:
			return "", nil, err
		case a.hotkey != "":
			return a.hotkey, nil, nil
		case a.exhausted:
			return n.OnFail, nil, nil
		}
		if canBack && a.digit == back {
			parent, stack = stack[len(stack)-1], stack[:len(stack)-1]
			continue
		}
		it := items[a.digit-'1']
		if !it.Leaf {
			stack = append(stack, parent)
			parent = it.Key
			continue
		}
		m, err := k.Answer(ctx, it.Key)
		if err != nil {
			if s.gone(ctx, err) {
				return "", nil, err
			}
			s.report(ctx, EventError, "", fmt.Sprintf("knowledge answer %q: %v", it.Key, err))
			return n.OnFail, nil, nil
		}
		if m.URI == "" && strings.TrimSpace(m.Text) == "" {
			s.report(ctx, EventError, "", fmt.Sprintf("knowledge answer %q: empty", it.Key))
			return n.OnFail, nil, nil
		}
		to, again, err := s.kbAnswer(ctx, n, it, m)
		if err != nil {
			return "", nil, err
		}
		if !again {
			return to, nil, nil
		}
		// Back: the list the answer was chosen from, once more.
	}
	return n.OnFail, nil, nil
}

// kbAnswer plays an answer and reports it. With an after prompt it then
// offers to repeat the answer, to go back to the list it came from (again
// true), or the node's choices; no choice (retries exhausted) goes to next.
func (s *session) kbAnswer(ctx context.Context, n *Node, it KBItem, m Media) (to string, again bool, err error) {
	ap := Prompt{Sounds: []string{m.URI}, Text: m.Text, BargeIn: true}
	if m.URI == "" {
		if ap.Sounds[0], err = s.speak(ctx, m.Text); err != nil {
			s.report(ctx, EventError, "", err.Error())
			return n.OnFail, false, nil
		}
	}
	var after Prompt
	if len(n.After) > 0 {
		if after, err = s.prompt(ctx, n.After, true); err != nil {
			return "", false, err
		}
	}
	detail := m.Entry
	if detail == "" {
		detail = it.Key
	}
	accept := func(d byte) bool {
		_, choice := n.Choices[string(d)]
		return choice || string(d) == n.Repeat || string(d) == n.Back
	}
	var digits string
	for replays := 0; ; replays++ {
		d, err := s.play(ctx, ap, "answer:"+it.Key)
		if err != nil {
			return "", false, err
		}
		s.reportStep(ctx, Step{Event: EventKBAnswer, Digits: digits, Detail: detail, Entry: m.Entry, EntryVersion: m.Version})
		if len(n.After) == 0 {
			if to, ok := s.hotkey(ctx, n, d); ok {
				return to, false, nil
			}
			return n.Next, false, nil
		}
		a, err := s.askFrom(ctx, n, d, after, after, accept)
		switch {
		case err != nil:
			return "", false, err
		case a.hotkey != "":
			return a.hotkey, false, nil
		case a.exhausted:
			return n.Next, false, nil
		}
		switch key := string(a.digit); {
		case key == n.Repeat && replays < maxReplays:
			digits = key
			continue
		case key == n.Back:
			return "", true, nil
		case n.Choices[key] != "":
			return n.Choices[key], false, nil
		}
		return n.Next, false, nil
	}
}

// texts joins the texts of prompt names.
func (s *session) texts(refs PromptRefs) string {
	var b strings.Builder
	for _, r := range refs {
		b.WriteString(s.f.set.Prompts[r])
	}
	return b.String()
}

func (s *session) workOrder(ctx context.Context, n *Node) (string, *nodeEnd, error) {
	w := s.e.d.WorkOrders
	if w == nil {
		s.report(ctx, EventError, "", "work orders unavailable")
		return n.OnFail, nil, nil
	}
	wo, err := w.Latest(ctx, s.c.CallerNumber())
	refs := n.Found
	switch {
	case errors.Is(err, ErrNotFound):
		refs = n.NotFound
		s.report(ctx, EventWorkOrder, "", "none")
	case err != nil:
		if s.gone(ctx, err) {
			return "", nil, err
		}
		s.report(ctx, EventError, "", "work order lookup: "+err.Error())
		return n.OnFail, nil, nil
	default:
		s.vars["id"], s.vars["state"], s.vars["department"] = wo.ID, wo.State, wo.Department
		s.report(ctx, EventWorkOrder, "", wo.ID)
	}
	d, err := s.playRefs(ctx, refs, true)
	if err != nil {
		if s.gone(ctx, err) {
			return "", nil, err
		}
		s.report(ctx, EventError, "", err.Error())
		return n.OnFail, nil, nil
	}
	if to, ok := s.hotkey(ctx, n, d); ok {
		return to, nil, nil
	}
	return n.Next, nil, nil
}

func (s *session) intake(ctx context.Context, n *Node) (string, *nodeEnd, error) {
	if n.Matter != "" {
		s.vars["matter"] = n.Matter
	}
	if s.e.d.Intake == nil {
		return n.Next, nil, nil
	}
	id, err := s.e.d.Intake.Open(ctx, IntakeRequest{CallID: s.c.ID(), Line: s.c.Line(), Caller: s.c.CallerNumber(), Matter: n.Matter})
	if err != nil {
		if s.gone(ctx, err) {
			return "", nil, err
		}
		// The agent takes the matter anyway (首接负责制): go on without a record.
		s.report(ctx, EventError, "", "intake: "+err.Error())
		return n.Next, nil, nil
	}
	s.vars["intake_id"] = id
	s.report(ctx, EventIntake, "", id)
	return n.Next, nil, nil
}

func (s *session) callContext(reason string) map[string]string {
	m := make(map[string]string, len(s.vars)+1)
	for k, v := range s.vars {
		m[k] = v
	}
	if reason != "" {
		m["reason"] = reason
	}
	return m
}

func (s *session) queue(ctx context.Context, n *Node) (string, *nodeEnd, error) {
	s.report(ctx, EventQueued, "", n.Queue)
	out, err := s.c.Enqueue(ctx, QueueRequest{Queue: n.Queue, Priority: n.Priority, Context: s.callContext("")})
	if err != nil {
		return "", nil, fmt.Errorf("enqueue %s: %w", n.Queue, err)
	}
	s.report(ctx, EventDequeued, "", out.String())
	switch out {
	case QueueServed:
		return n.Next, nil, nil
	case QueueTransferred:
		return "", &nodeEnd{end: EndQueueTransferred}, nil
	}
	return n.OnFail, nil, nil
}

func (s *session) transfer(ctx context.Context, n *Node) (string, *nodeEnd, error) {
	err := s.c.Transfer(ctx, TransferRequest{Target: n.Target, Priority: n.Priority, Reason: n.Reason, Context: s.callContext(n.Reason)})
	if err != nil {
		if s.gone(ctx, err) {
			return "", nil, err
		}
		s.report(ctx, EventError, "", "transfer "+n.Target+": "+err.Error())
		return n.OnFail, nil, nil
	}
	s.report(ctx, EventTransfer, "", n.Target)
	return "", &nodeEnd{end: EndTransferred}, nil
}

func (s *session) survey(ctx context.Context, n *Node) (string, *nodeEnd, error) {
	p, err := s.prompt(ctx, n.Prompt, true)
	if err != nil {
		return "", nil, err
	}
	a, err := s.ask(ctx, n, p, p, func(d byte) bool { _, ok := n.Options[string(d)]; return ok })
	switch {
	case err != nil:
		return "", nil, err
	case a.hotkey != "":
		return a.hotkey, nil, nil
	case a.exhausted:
		s.report(ctx, EventSurvey, "", "")
		return n.Next, nil, nil
	}
	s.report(ctx, EventSurvey, string(a.digit), n.Options[string(a.digit)])
	if _, err := s.playRefs(ctx, n.Thanks, false); err != nil {
		return "", nil, err
	}
	return n.Next, nil, nil
}

// condition evaluates a condition node; a failed lookup counts as false so
// that a broken dependency never keeps a caller from being served.
func (s *session) condition(ctx context.Context, n *Node) bool {
	switch n.Test {
	case TestHarassment:
		if s.e.d.Harassment == nil {
			return false
		}
		ok, err := s.e.d.Harassment.Listed(ctx, s.c.CallerNumber())
		if err != nil {
			s.report(ctx, EventError, "", "harassment lookup: "+err.Error())
			return false
		}
		return ok
	case TestNoAgents:
		if s.e.d.Agents == nil {
			return false
		}
		k, err := s.e.d.Agents.LoggedIn(ctx, n.Queue)
		if err != nil {
			s.report(ctx, EventError, "", "agent presence: "+err.Error())
			return false
		}
		return k == 0
	case TestTime:
		now := time.Now()
		if s.e.d.Clock != nil {
			now = s.e.d.Clock.Now()
		}
		return n.inWindow(now.In(s.f.set.Location))
	}
	return false
}

func (n *Node) inWindow(t time.Time) bool {
	if n.days != 0 && n.days&(1<<t.Weekday()) == 0 {
		return false
	}
	m := t.Hour()*60 + t.Minute()
	for _, w := range n.windows {
		if m >= w.from && m < w.to {
			return true
		}
	}
	return false
}

// MaskNumber masks a phone number for logs: 13812345678 → 138****5678.
// Short strings keep only their last two characters.
func MaskNumber(n string) string {
	switch {
	case n == "":
		return ""
	case len(n) >= 8:
		return n[:3] + strings.Repeat("*", len(n)-7) + n[len(n)-4:]
	case len(n) > 2:
		return strings.Repeat("*", len(n)-2) + n[len(n)-2:]
	}
	return strings.Repeat("*", len(n))
}
