package ivr

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func loadDefault(t *testing.T) *FlowSet {
	t.Helper()
	s, err := LoadFile("../configs/ivr.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type engineCase struct {
	name        string
	line        string
	react       map[string][]act
	queue       []queueAct
	transferErr error
	playErr     map[string]error
	deps        func(*Deps)
	want        []string
	end         EndReason
	check       func(t *testing.T, f *fakeCall, rec *recorder, took time.Duration)
}

func baseDeps(rec *recorder) Deps {
	return Deps{
		Harassment: fakeHarass{},
		Agents:     fakeAgents{"12345": 3, "110": 2},
		Knowledge:  fakeKB{},
		WorkOrders: fakeOrders{wo: WorkOrder{ID: "20261128001", State: "办理中"}},
		Intake:     fakeIntake{},
		Speaker:    fakeSpeaker{},
		Reporter:   rec,
	}
}

const mainPrompt = "play welcome+emergency+main_menu"

func surveyIs(score, label string) func(*testing.T, *fakeCall, *recorder, time.Duration) {
	return func(t *testing.T, _ *fakeCall, rec *recorder, _ time.Duration) {
		s := rec.find(EventSurvey)
		if len(s) != 1 || s[0].Digits != score || s[0].Detail != label {
			t.Errorf("survey steps = %+v, want one with %q %q", s, score, label)
		}
	}
}

func runCase(t *testing.T, set *FlowSet, tc engineCase) {
	synctest.Test(t, func(t *testing.T) {
		line := tc.line
		if line == "" {
			line = "12345"
		}
		flow, err := set.ForLine(line)
		if err != nil {
			t.Fatal(err)
		}
		react := map[string][]act{}
		for k, v := range tc.react {
			react[k] = slices.Clone(v)
		}
		fc := newFakeCall(line, react)
		defer fc.stop()
		fc.queue, fc.transferErr, fc.playErr = tc.queue, tc.transferErr, tc.playErr
		rec := &recorder{}
		d := baseDeps(rec)
		if tc.deps != nil {
			tc.deps(&d)
		}
		start := time.Now()
		res := NewEngine(d).Run(t.Context(), flow, fc)
		took := time.Since(start)
		if res.End != tc.end {
			t.Errorf("end = %s (node %s, err %v), want %s", res.End, res.Node, res.Err, tc.end)
		}
		if !slices.Equal(fc.log, tc.want) {
			t.Errorf("call log:\n  got  %s\n  want %s", strings.Join(fc.log, "\n       "), strings.Join(tc.want, "\n       "))
		}
		if tc.check != nil {
			tc.check(t, fc, rec, took)
		}
		// Every step names its node and the flow version.
		for _, s := range rec.steps {
			if s.Node == "" || s.Version != flow.Version() || s.CallID != "call-1" {
				t.Fatalf("bad step %+v", s)
			}
		}
	})
}

func TestEngineDefaultFlow(t *testing.T) {
	set := loadDefault(t)
	const ms = time.Millisecond
	tests := []engineCase{{
		name: "1 policy consult: kb menus, answer, then agent and survey",
		react: map[string][]act{
			"welcome":  {press(time.Second, "1")},
			"tts":      {press(500*ms, "1"), press(500*ms, "1"), {}},
			"kb_after": {press(500*ms, "0")},
			"survey":   {press(2*time.Second, "1")},
		},
		want: []string{mainPrompt, "play kb_intro",
			"play tts:社会保障请按一，户籍请按二", "play tts:怎样查询社保缴费记录请按一",
			"play tts:可通过电子社保卡查询，或拨打幺二三四五咨询。", "play kb_after",
			"play to_agent", "enqueue 12345 p5", "play survey", "play survey_thanks", "hangup normal"},
		end: EndHangup,
		check: func(t *testing.T, f *fakeCall, rec *recorder, took time.Duration) {
			surveyIs("1", "满意")(t, f, rec, took)
			if a := rec.find(EventKBAnswer); len(a) != 1 || a[0].Detail != "kb-001" {
				t.Errorf("kb answer steps = %+v", a)
			}
		},
	}, {
		name: "2 complaint: intake then 12345 queue, survey 不满意",
		react: map[string][]act{
			"welcome": {press(time.Second, "2")},
			"survey":  {press(time.Second, "3")},
		},
		want: []string{mainPrompt, "play intake", "enqueue 12345 p5", "play survey", "play survey_thanks", "hangup normal"},
		end:  EndHangup,
		check: func(t *testing.T, f *fakeCall, rec *recorder, took time.Duration) {
			surveyIs("3", "不满意")(t, f, rec, took)
			c := f.queued[0].Context
			if c["matter"] != "求助、投诉、举报" || c["intake_id"] != "in-1" || c["caller"] != "13812345678" {
				t.Errorf("queue context = %v", c)
			}
		},
	}, {
		name: "3 work order found, back to main, hangup in the middle of the menu prompt",
		react: map[string][]act{
			"welcome": {press(time.Second, "3"), hangupAfter(2 * time.Second)},
			"wo_more": {press(500*ms, "1")},
		},
		want: []string{mainPrompt, "play tts:您最近的工单编号二零二六幺幺二八零零幺，目前办理中。", "play wo_more", mainPrompt},
		end:  EndCallerHangup,
		check: func(t *testing.T, f *fakeCall, rec *recorder, _ time.Duration) {
			if g := rec.find(EventCallerGone); len(g) != 1 || g[0].Node != "main" {
				t.Errorf("caller_hangup steps = %+v", g)
			}
		},
	}, {
		name:  "3 work order none, menu timeouts exhaust retries",
		react: map[string][]act{"welcome": {press(time.Second, "3")}},
		deps:  func(d *Deps) { d.WorkOrders = fakeOrders{err: fmt.Errorf("lookup: %w", ErrNotFound)} },
		want:  []string{mainPrompt, "play wo_none", "play wo_more", "play invalid", "play wo_more", "play goodbye", "hangup normal"},
		end:   EndHangup,
	}, {
		name:  "3 work order lookup fails: agent",
		react: map[string][]act{"welcome": {press(time.Second, "3")}, "survey": {press(ms, "2")}},
		deps:  func(d *Deps) { d.WorkOrders = fakeOrders{err: errors.New("redis down")} },
		want:  []string{mainPrompt, "play to_agent", "enqueue 12345 p5", "play survey", "play survey_thanks", "hangup normal"},
		end:   EndHangup,
		check: surveyIs("2", "基本满意"),
	}, {
		name:  "0 agent with no agent logged in",
		react: map[string][]act{"welcome": {press(time.Second, "0")}},
		deps:  func(d *Deps) { d.Agents = fakeAgents{} },
		want:  []string{mainPrompt, "play to_agent", "play no_agent", "hangup no agent logged in"},
		end:   EndHangup,
	}, {
		name:  "9 emergency key during the greeting: transfer to 110 with context",
		react: map[string][]act{"welcome": {press(500*ms, "9")}},
		want:  []string{mainPrompt, "transfer 110 p100 (emergency key)"},
		end:   EndTransferred,
		check: func(t *testing.T, f *fakeCall, _ *recorder, took time.Duration) {
			tr := f.transfers[0]
			if tr.Context["caller"] != "13812345678" || tr.Context["reason"] != "emergency key" || tr.Reason != "emergency key" {
				t.Errorf("transfer = %+v", tr)
			}
			if took != 500*ms {
				t.Errorf("emergency transfer after %v, want 500ms (at once)", took)
			}
		},
	}, {
		name:        "9 emergency transfer fails: 110 queue at top priority",
		react:       map[string][]act{"welcome": {press(500*ms, "9")}},
		transferErr: errors.New("trunk down"),
		want:        []string{mainPrompt, "transfer 110 p100 (emergency key)", "enqueue 110 p100", "hangup normal"},
		end:         EndHangup,
	}, {
		name: "no input at all: re-prompts, then an agent; survey unanswered",
		want: []string{mainPrompt, "play no_input", "play emergency+main_menu", "play no_input", "play emergency+main_menu",
			"play to_agent", "enqueue 12345 p5", "play survey", "play invalid", "play survey", "hangup normal"},
		end: EndHangup,
		check: func(t *testing.T, f *fakeCall, rec *recorder, _ time.Duration) {
			// 3s prompt + 5s, then (1s + 2s + 5s) twice, then 1s to_agent.
			if want := 25 * time.Second; f.queuedAt[0] != want {
				t.Errorf("queued after %v, want %v", f.queuedAt[0], want)
			}
			if n := len(rec.find(EventTimeout)); n != 5 {
				t.Errorf("%d timeout steps, want 5", n)
			}
			surveyIs("", "")(t, f, rec, 0)
		},
	}, {
		name: "invalid key, then a valid one; hangup during the survey",
		react: map[string][]act{
			"welcome":   {press(time.Second, "7")},
			"emergency": {press(500*ms, "2")},
			"survey":    {hangupAfter(time.Second)},
		},
		want: []string{mainPrompt, "play invalid", "play emergency+main_menu", "play intake", "enqueue 12345 p5", "play survey"},
		end:  EndCallerHangup,
		check: func(t *testing.T, _ *fakeCall, rec *recorder, _ time.Duration) {
			if inv := rec.find(EventInvalid); len(inv) != 1 || inv[0].Digits != "7" {
				t.Errorf("invalid steps = %+v", inv)
			}
		},
	}, {
		name: "invalid keys exhaust the retries: agent",
		react: map[string][]act{
			"welcome":   {press(time.Second, "7")},
			"emergency": {press(500*ms, "8"), press(500*ms, "#")},
			"survey":    {press(ms, "1")},
		},
		want: []string{mainPrompt, "play invalid", "play emergency+main_menu", "play invalid", "play emergency+main_menu",
			"play to_agent", "enqueue 12345 p5", "play survey", "play survey_thanks", "hangup normal"},
		end: EndHangup,
		check: func(t *testing.T, _ *fakeCall, rec *recorder, _ time.Duration) {
			if e := rec.find(EventExhausted); len(e) != 1 || e[0].Node != "main" {
				t.Errorf("exhausted steps = %+v", e)
			}
		},
	}, {
		name:  "hangup in the middle of the greeting",
		react: map[string][]act{"welcome": {hangupAfter(time.Second)}},
		want:  []string{mainPrompt},
		end:   EndCallerHangup,
	}, {
		name:  "hangup while the menu waits for a key",
		react: map[string][]act{"welcome": {hangupAfter(5 * time.Second)}},
		want:  []string{mainPrompt},
		end:   EndCallerHangup,
	}, {
		name:  "hangup in the queue",
		react: map[string][]act{"welcome": {press(time.Second, "0")}},
		queue: []queueAct{{err: fmt.Errorf("left: %w", ErrHangup)}},
		want:  []string{mainPrompt, "play to_agent", "enqueue 12345 p5"},
		end:   EndCallerHangup,
	}, {
		name:  "queue unavailable: busy",
		react: map[string][]act{"welcome": {press(time.Second, "0")}},
		queue: []queueAct{{wait: time.Minute, outcome: QueueUnavailable}},
		want:  []string{mainPrompt, "play to_agent", "enqueue 12345 p5", "play busy", "hangup queue unavailable"},
		end:   EndHangup,
	}, {
		name:  "agent transfers the caller: no survey",
		react: map[string][]act{"welcome": {press(time.Second, "0")}},
		queue: []queueAct{{wait: time.Minute, outcome: QueueTransferred}},
		want:  []string{mainPrompt, "play to_agent", "enqueue 12345 p5"},
		end:   EndQueueTransferred,
	}, {
		name: "0 from inside the kb menu reaches an agent",
		react: map[string][]act{
			"welcome": {press(time.Second, "1")},
			"tts":     {press(500*ms, "0")},
			"survey":  {press(ms, "1")},
		},
		want: []string{mainPrompt, "play kb_intro", "play tts:社会保障请按一，户籍请按二",
			"play to_agent", "enqueue 12345 p5", "play survey", "play survey_thanks", "hangup normal"},
		end: EndHangup,
		check: func(t *testing.T, _ *fakeCall, rec *recorder, _ time.Duration) {
			if h := rec.find(EventHotkey); len(h) != 1 || h[0].Node != "kb" || h[0].Digits != "0" {
				t.Errorf("hotkey steps = %+v", h)
			}
		},
	}, {
		name: "9 works from the work order menu too",
		react: map[string][]act{
			"welcome": {press(time.Second, "3")},
			"wo_more": {press(500*ms, "9")},
		},
		want: []string{mainPrompt, "play tts:您最近的工单编号二零二六幺幺二八零零幺，目前办理中。", "play wo_more", "transfer 110 p100 (emergency key)"},
		end:  EndTransferred,
	}, {
		name: "harassment list: warning, lowest priority, no survey",
		deps: func(d *Deps) { d.Harassment = fakeHarass{"13812345678": true} },
		want: []string{"play harassment", "enqueue 12345 p1", "play goodbye", "hangup normal"},
		end:  EndHangup,
	}, {
		name:  "knowledge not wired: kb goes to an agent",
		react: map[string][]act{"welcome": {press(time.Second, "1")}, "survey": {press(ms, "1")}},
		deps:  func(d *Deps) { d.Knowledge = nil },
		want:  []string{mainPrompt, "play to_agent", "enqueue 12345 p5", "play survey", "play survey_thanks", "hangup normal"},
		end:   EndHangup,
	}, {
		name:    "a failing playback goes to on_error (agent)",
		react:   map[string][]act{"welcome": {press(time.Second, "1")}, "survey": {press(ms, "1")}},
		playErr: map[string]error{"kb_intro": errors.New("no such file")},
		want:    []string{mainPrompt, "play kb_intro", "play to_agent", "enqueue 12345 p5", "play survey", "play survey_thanks", "hangup normal"},
		end:     EndHangup,
		check: func(t *testing.T, _ *fakeCall, rec *recorder, _ time.Duration) {
			if e := rec.find(EventError); len(e) != 1 || !strings.Contains(e[0].Detail, "no such file") {
				t.Errorf("error steps = %+v", e)
			}
		},
	}, {
		name:  "no speaker: the work order template cannot be spoken, agent instead",
		react: map[string][]act{"welcome": {press(time.Second, "3")}, "survey": {press(ms, "1")}},
		deps:  func(d *Deps) { d.Speaker = nil },
		want:  []string{mainPrompt, "play to_agent", "enqueue 12345 p5", "play survey", "play survey_thanks", "hangup normal"},
		end:   EndHangup,
	}, {
		name: "kb department without questions: agent",
		react: map[string][]act{
			"welcome": {press(time.Second, "1")},
			"tts":     {press(500*ms, "2")},
			"survey":  {press(ms, "1")},
		},
		want: []string{mainPrompt, "play kb_intro", "play tts:社会保障请按一，户籍请按二",
			"play to_agent", "enqueue 12345 p5", "play survey", "play survey_thanks", "hangup normal"},
		end: EndHangup,
	}, {
		name: "failing lookups never block the caller",
		react: map[string][]act{
			"welcome": {press(time.Second, "2")},
			"survey":  {press(ms, "1")},
		},
		deps: func(d *Deps) {
			d.Intake = failing{}
			d.Harassment = failing{}
			d.Agents = failing{}
		},
		want: []string{mainPrompt, "play intake", "enqueue 12345 p5", "play survey", "play survey_thanks", "hangup normal"},
		end:  EndHangup,
		check: func(t *testing.T, f *fakeCall, rec *recorder, _ time.Duration) {
			if e := rec.find(EventError); len(e) != 3 {
				t.Errorf("error steps = %+v, want harassment, intake and presence", e)
			}
			if _, ok := f.queued[0].Context["intake_id"]; ok {
				t.Errorf("intake id without a record: %v", f.queued[0].Context)
			}
		},
	}, {
		name:  "110 line: straight to the 110 queue, again while busy",
		line:  "110",
		queue: []queueAct{{wait: 20 * time.Second, outcome: QueueUnavailable}, {wait: time.Minute, outcome: QueueServed}},
		want:  []string{"enqueue 110 p50", "play line_busy_110", "enqueue 110 p50", "hangup normal"},
		end:   EndHangup,
	}, {
		name:  "web line runs the hotline flow",
		line:  "web",
		react: map[string][]act{"welcome": {press(500*ms, "9")}},
		want:  []string{mainPrompt, "transfer 110 p100 (emergency key)"},
		end:   EndTransferred,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { runCase(t, set, tc) })
	}
}

const collectFlows = `
version: t1
timezone: Asia/Shanghai
prompts:
  ask: 请输入
  bad: 有误
  ok: "好{code}"
  day: 白天
  night: 夜间
lines:
  "1": c
  "2": t
flows:
  c:
    start: get
    nodes:
      get:
        kind: collect
        prompt: ask
        min_digits: 4
        max_digits: 6
        terminator: "#"
        timeout: 4s
        inter_digit_timeout: 2s
        retries: 1
        invalid: bad
        var: code
        next: ok
        on_fail: end
      ok: {kind: play, prompt: ok, next: end}
      end: {kind: hangup}
  t:
    start: when
    nodes:
      when:
        kind: condition
        test: time
        windows: ["08:30-12:00", "14:00-17:30"]
        days: [mon, tue, wed, thu, fri]
        then: day
        else: night
      day: {kind: hangup, prompt: day}
      night: {kind: hangup, prompt: night}
`

func TestEngineCollect(t *testing.T) {
	set, err := Load([]byte(collectFlows))
	if err != nil {
		t.Fatal(err)
	}
	tests := []engineCase{{
		name:  "digits and terminator (first digit barges in)",
		react: map[string][]act{"ask": {press(500*time.Millisecond, "1234#")}},
		want:  []string{"play ask", "play tts:好幺二三四", "hangup normal"},
		end:   EndHangup,
		check: func(t *testing.T, _ *fakeCall, rec *recorder, _ time.Duration) {
			if d := rec.find(EventDigits); len(d) != 1 || d[0].Digits != "**34" {
				t.Errorf("digits steps = %+v (masked)", d)
			}
		},
	}, {
		name:  "max digits ends the collect",
		react: map[string][]act{"ask": {press(500*time.Millisecond, "123456789")}},
		want:  []string{"play ask", "play tts:好幺二三四五六", "hangup normal"},
		end:   EndHangup,
	}, {
		name:  "inter-digit timeout with enough digits",
		react: map[string][]act{"ask": {press(2*time.Second, "98765")}},
		want:  []string{"play ask", "play tts:好九八七六五", "hangup normal"},
		end:   EndHangup,
		check: func(t *testing.T, _ *fakeCall, _ *recorder, took time.Duration) {
			// 2s first key + 4 gaps of 0.5s + 2s inter-digit timeout + 1s ok prompt.
			if want := 7 * time.Second; took != want {
				t.Errorf("took %v, want %v", took, want)
			}
		},
	}, {
		name:  "too few digits, then a retry",
		react: map[string][]act{"ask": {press(500*time.Millisecond, "12#"), press(500*time.Millisecond, "9999#")}},
		want:  []string{"play ask", "play bad", "play ask", "play tts:好九九九九", "hangup normal"},
		end:   EndHangup,
	}, {
		name:  "star is not a digit",
		react: map[string][]act{"ask": {press(500*time.Millisecond, "12*"), press(500*time.Millisecond, "*")}},
		want:  []string{"play ask", "play bad", "play ask", "hangup normal"},
		end:   EndHangup,
	}, {
		name: "no input twice: on_fail",
		want: []string{"play ask", "play bad", "play ask", "hangup normal"},
		end:  EndHangup,
		check: func(t *testing.T, _ *fakeCall, _ *recorder, took time.Duration) {
			if want := 11 * time.Second; took != want { // 1+4 +1 +1+4
				t.Errorf("took %v, want %v", took, want)
			}
		},
	}, {
		name:  "hangup in the middle of the collect",
		react: map[string][]act{"ask": {{after: 500 * time.Millisecond, keys: "12", gap: 500 * time.Millisecond, hangup: true}}},
		want:  []string{"play ask"},
		end:   EndCallerHangup,
	}}
	for _, tc := range tests {
		tc.line = "1"
		t.Run(tc.name, func(t *testing.T) { runCase(t, set, tc) })
	}
}

func TestEngineTimeOfDay(t *testing.T) {
	set, err := Load([]byte(collectFlows))
	if err != nil {
		t.Fatal(err)
	}
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	// 2026-11-25 is a Wednesday.
	tests := []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 11, 25, 10, 0, 0, 0, shanghai), "day"},
		{time.Date(2026, 11, 25, 8, 30, 0, 0, shanghai), "day"},
		{time.Date(2026, 11, 25, 8, 29, 0, 0, shanghai), "night"},
		{time.Date(2026, 11, 25, 12, 30, 0, 0, shanghai), "night"},
		{time.Date(2026, 11, 25, 17, 30, 0, 0, shanghai), "night"},
		{time.Date(2026, 11, 28, 10, 0, 0, 0, shanghai), "night"},           // Saturday
		{time.Date(2026, 11, 25, 2, 0, 0, 0, time.UTC), "day"},              // 10:00 in Shanghai
		{time.Date(2026, 11, 27, 23, 0, 0, 0, time.UTC), "night"},           // Saturday 07:00 in Shanghai
		{time.Date(2026, 11, 26, 6, 0, 0, 0, time.FixedZone("", 0)), "day"}, // Thursday 14:00 in Shanghai
	}
	for _, tc := range tests {
		t.Run(tc.at.String(), func(t *testing.T) {
			runCase(t, set, engineCase{
				line: "2",
				deps: func(d *Deps) { d.Clock = fixedClock(tc.at) },
				want: []string{"play " + tc.want, "hangup normal"},
				end:  EndHangup,
			})
		})
	}
}

func TestEngineCancelled(t *testing.T) {
	set := loadDefault(t)
	synctest.Test(t, func(t *testing.T) {
		flow, _ := set.ForLine("12345")
		fc := newFakeCall("12345", nil)
		defer fc.stop()
		shutdown := errors.New("shutdown")
		ctx, cancel := context.WithCancelCause(t.Context())
		time.AfterFunc(4*time.Second, func() { cancel(shutdown) })
		res := NewEngine(Deps{}).Run(ctx, flow, fc)
		if res.End != EndCancelled || !errors.Is(res.Err, shutdown) {
			t.Fatalf("result = %+v, want cancelled by shutdown", res)
		}
	})
}

// A call keeps the flow version it started with when the registry reloads.
func TestRegistryKeepsVersionForRunningCalls(t *testing.T) {
	v := func(n int) string {
		return fmt.Sprintf(`
version: v%d
prompts: {bye: 再见%d}
lines: {"12345": f}
flows:
  f:
    start: q
    nodes:
      q: {kind: queue, queue: "12345", next: bye, on_fail: bye}
      bye: {kind: hangup, prompt: bye}
`, n, n)
	}
	s1, err := Load([]byte(v(1)))
	if err != nil {
		t.Fatal(err)
	}
	reg := NewRegistryFrom(s1)
	synctest.Test(t, func(t *testing.T) {
		flow, err := reg.Flow("12345")
		if err != nil {
			t.Fatal(err)
		}
		fc := newFakeCall("12345", nil)
		defer fc.stop()
		rec := &recorder{}
		done := make(chan Result)
		go func() { done <- NewEngine(Deps{Reporter: rec}).Run(t.Context(), flow, fc) }()
		synctest.Wait() // the call waits in the queue
		ver, err := reg.Replace([]byte(v(2)))
		if err != nil || !strings.HasPrefix(ver, "v2@") {
			t.Fatalf("replace = %q, %v", ver, err)
		}
		if _, err := reg.Replace([]byte("version: v3\nflows: {}\n")); err == nil {
			t.Fatal("invalid flow file replaced the running set")
		}
		if got := reg.Current().Version; got != ver {
			t.Fatalf("current = %s after a failed replace, want %s", got, ver)
		}
		res := <-done
		if res.End != EndHangup {
			t.Fatalf("result %+v", res)
		}
		for _, s := range rec.steps {
			if !strings.HasPrefix(s.Version, "v1@") {
				t.Fatalf("running call reported version %s", s.Version)
			}
		}
		f2, _ := reg.Flow("12345")
		if !strings.HasPrefix(f2.Version(), "v2@") {
			t.Fatalf("new calls get %s", f2.Version())
		}
	})
}

func TestRegistryReloadFile(t *testing.T) {
	reg, err := NewRegistry("../configs/ivr.yaml")
	if err != nil {
		t.Fatal(err)
	}
	before := reg.Current()
	ver, err := reg.Reload()
	if err != nil || ver != before.Version {
		t.Fatalf("reload = %q, %v; want %q", ver, err, before.Version)
	}
	if reg.Current() == before {
		t.Fatal("reload did not swap in a fresh set")
	}
	if _, err := NewRegistryFrom(before).Reload(); err == nil {
		t.Fatal("reload without a file succeeded")
	}
}

func TestMaskNumber(t *testing.T) {
	for in, want := range map[string]string{
		"13812345678": "138****5678", "01012345678": "010****5678", "12345": "***45",
		"110": "*10", "12": "**", "": "", "8613812345678": "861******5678",
	} {
		if got := MaskNumber(in); got != want {
			t.Errorf("MaskNumber(%q) = %q, want %q", in, got, want)
		}
	}
}

// A loop that validation lets through (it has an exit) is cut at MaxSteps.
func TestEngineStepLimit(t *testing.T) {
	set, err := Load([]byte(flowFile("m", `m: {kind: menu, prompt: a, invalid: b, choices: {"1": m}, on_fail: h}
h: {kind: hangup}`)))
	if err != nil {
		t.Fatal(err)
	}
	acts := make([]act, MaxSteps+10)
	for i := range acts {
		acts[i] = press(10*time.Millisecond, "1")
	}
	synctest.Test(t, func(t *testing.T) {
		flow, _ := set.ForLine("1")
		fc := newFakeCall("1", map[string][]act{"a": acts})
		defer fc.stop()
		res := NewEngine(Deps{}).Run(t.Context(), flow, fc)
		if res.End != EndError || res.Steps != MaxSteps+1 || fc.log[len(fc.log)-1] != "hangup step limit" {
			t.Fatalf("result %+v, last %q", res, fc.log[len(fc.log)-1])
		}
	})
}

func TestRegistryConcurrentReplace(t *testing.T) {
	b, err := os.ReadFile("../configs/ivr.yaml")
	if err != nil {
		t.Fatal(err)
	}
	reg := NewRegistryFrom(loadDefault(t))
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 50 {
				if f, err := reg.Flow("12345"); err != nil || f.Node(f.Start) == nil {
					t.Error("no flow during replace", err)
					return
				}
			}
		})
	}
	for range 5 {
		if _, err := reg.Replace(b); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
}
