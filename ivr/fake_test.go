package ivr

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// act is what the scripted caller does once a prompt starts playing: press
// keys (spaced by gap) or hang up, after a delay measured from the start.
type act struct {
	after  time.Duration
	keys   string
	gap    time.Duration
	hangup bool
}

func press(after time.Duration, keys string) act {
	return act{after: after, keys: keys, gap: 500 * time.Millisecond}
}
func hangupAfter(after time.Duration) act { return act{after: after, hangup: true} }

// queueAct is what happens to the caller in a queue.
type queueAct struct {
	wait    time.Duration
	outcome QueueOutcome
	err     error
}

// fakeCall is a Call driven by a script keyed on the prompts it hears.
// Sounds take soundDur each; the first sound's name (without the sound
// prefix; "tts" for spoken text) picks the reaction.
type fakeCall struct {
	id, line, caller string
	soundDur         time.Duration
	react            map[string][]act
	queue            []queueAct
	transferErr      error
	playErr          map[string]error

	digits   chan byte
	gone     chan struct{}
	goneOnce sync.Once
	start    time.Time

	mu        sync.Mutex
	timers    []*time.Timer
	log       []string
	transfers []TransferRequest
	queued    []QueueRequest
	queuedAt  []time.Duration
}

func newFakeCall(line string, react map[string][]act) *fakeCall {
	return &fakeCall{
		id: "call-1", line: line, caller: "13812345678", soundDur: time.Second,
		react: react, digits: make(chan byte, 64), gone: make(chan struct{}), start: time.Now(),
	}
}

var _ Call = (*fakeCall)(nil)

func (f *fakeCall) ID() string           { return f.id }
func (f *fakeCall) Line() string         { return f.line }
func (f *fakeCall) CallerNumber() string { return f.caller }

func (f *fakeCall) logf(format string, a ...any) {
	f.mu.Lock()
	f.log = append(f.log, fmt.Sprintf(format, a...))
	f.mu.Unlock()
}

func (f *fakeCall) hangUp() { f.goneOnce.Do(func() { close(f.gone) }) }

// schedule runs the next reaction for key, if any.
func (f *fakeCall) schedule(key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	acts := f.react[key]
	if len(acts) == 0 {
		return
	}
	a := acts[0]
	f.react[key] = acts[1:]
	if a.hangup {
		f.timers = append(f.timers, time.AfterFunc(a.after+time.Duration(len(a.keys))*a.gap, f.hangUp))
	}
	for i := 0; i < len(a.keys); i++ {
		k := a.keys[i]
		f.timers = append(f.timers, time.AfterFunc(a.after+time.Duration(i)*a.gap, func() {
			select {
			case f.digits <- k:
			default:
			}
		}))
	}
}

func (f *fakeCall) stop() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, t := range f.timers {
		t.Stop()
	}
}

func soundName(uri string) string {
	if strings.HasPrefix(uri, "tts:") {
		return "tts"
	}
	return strings.TrimPrefix(uri, DefaultSoundPrefix)
}

func (f *fakeCall) Play(ctx context.Context, p Prompt) (byte, error) {
	names := make([]string, len(p.Sounds))
	for i, s := range p.Sounds {
		names[i] = strings.TrimPrefix(s, DefaultSoundPrefix)
	}
	f.logf("play %s", strings.Join(names, "+"))
	if err := f.playErr[names[0]]; err != nil {
		return 0, err
	}
	select {
	case <-f.gone:
		return 0, fmt.Errorf("fake play: %w", ErrHangup)
	default:
	}
	var digits <-chan byte
	if p.BargeIn {
		digits = f.digits
		select { // type-ahead: a buffered digit stops the prompt at once
		case d := <-f.digits:
			return d, nil
		default:
		}
	}
	f.schedule(soundName(p.Sounds[0]))
	t := time.NewTimer(time.Duration(len(p.Sounds)) * f.soundDur)
	defer t.Stop()
	select {
	case <-t.C:
		return 0, nil
	case d := <-digits:
		return d, nil
	case <-f.gone:
		return 0, fmt.Errorf("fake play: %w", ErrHangup)
	case <-ctx.Done():
		return 0, context.Cause(ctx)
	}
}

func (f *fakeCall) ReadDigit(ctx context.Context) (byte, error) {
	select {
	case d := <-f.digits:
		return d, nil
	case <-f.gone:
		return 0, fmt.Errorf("fake read: %w", ErrHangup)
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

func (f *fakeCall) Enqueue(ctx context.Context, req QueueRequest) (QueueOutcome, error) {
	f.mu.Lock()
	f.queued = append(f.queued, req)
	f.queuedAt = append(f.queuedAt, time.Since(f.start))
	qa := queueAct{wait: 30 * time.Second, outcome: QueueServed}
	if len(f.queue) > 0 {
		qa, f.queue = f.queue[0], f.queue[1:]
	}
	f.mu.Unlock()
	f.logf("enqueue %s p%d", req.Queue, req.Priority)
	if qa.err != nil {
		return 0, qa.err
	}
	t := time.NewTimer(qa.wait)
	defer t.Stop()
	select {
	case <-t.C:
		return qa.outcome, nil
	case <-f.gone:
		return 0, fmt.Errorf("fake enqueue: %w", ErrHangup)
	case <-ctx.Done():
		return 0, context.Cause(ctx)
	}
}

func (f *fakeCall) Transfer(ctx context.Context, req TransferRequest) error {
	f.mu.Lock()
	f.transfers = append(f.transfers, req)
	f.mu.Unlock()
	f.logf("transfer %s p%d (%s)", req.Target, req.Priority, req.Reason)
	return f.transferErr
}

func (f *fakeCall) Hangup(ctx context.Context, reason string) error {
	f.logf("hangup %s", reason)
	f.hangUp()
	return nil
}

// recorder is a Reporter keeping every step.
type recorder struct {
	mu    sync.Mutex
	steps []Step
}

func (r *recorder) Report(_ context.Context, s Step) {
	r.mu.Lock()
	r.steps = append(r.steps, s)
	r.mu.Unlock()
}

func (r *recorder) find(ev Event) []Step {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Step
	for _, s := range r.steps {
		if s.Event == ev {
			out = append(out, s)
		}
	}
	return out
}

type fakeSpeaker struct{}

func (fakeSpeaker) Speak(_ context.Context, text string) (string, error) { return "tts:" + text, nil }

type fakeKB struct{}

func (fakeKB) Menu(_ context.Context, parent string) ([]KBItem, error) {
	switch parent {
	case "":
		return []KBItem{{Key: "shebao", Title: "社会保障"}, {Key: "huji", Title: "户籍"}}, nil
	case "shebao":
		return []KBItem{{Key: "kb-001", Title: "怎样查询社保缴费记录", Leaf: true}}, nil
	}
	return nil, nil
}

func (fakeKB) Answer(_ context.Context, key string) (Media, error) {
	if key == "kb-001" {
		return Media{Text: "可通过电子社保卡查询，或拨打12345咨询。"}, nil
	}
	return Media{}, ErrNotFound
}

type fakeOrders struct {
	wo  WorkOrder
	err error
}

func (o fakeOrders) Latest(context.Context, string) (WorkOrder, error) { return o.wo, o.err }

type fakeIntake struct{}

func (fakeIntake) Open(context.Context, IntakeRequest) (string, error) { return "in-1", nil }

type fakeAgents map[string]int

func (a fakeAgents) LoggedIn(_ context.Context, q string) (int, error) { return a[q], nil }

type fakeHarass map[string]bool

func (h fakeHarass) Listed(_ context.Context, n string) (bool, error) { return h[n], nil }

type fixedClock time.Time

func (c fixedClock) Now() time.Time { return time.Time(c) }

// failing is every lookup failing.
type failing struct{}

var errDown = errors.New("store down")

func (failing) Open(context.Context, IntakeRequest) (string, error) { return "", errDown }
func (failing) Listed(context.Context, string) (bool, error)        { return false, errDown }
func (failing) LoggedIn(context.Context, string) (int, error)       { return 0, errDown }
