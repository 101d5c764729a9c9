package kbmenu_test

import (
	"context"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"liandong/ivr"
	"liandong/ivr/ivrtest"
	"liandong/ivr/kbmenu"
	"liandong/knowledge/speech"
	"liandong/knowledge/tts"
)

type recorder struct {
	mu    sync.Mutex
	steps []ivr.Step
}

func (r *recorder) Report(_ context.Context, s ivr.Step) {
	r.mu.Lock()
	r.steps = append(r.steps, s)
	r.mu.Unlock()
}

func (r *recorder) find(ev ivr.Event) []ivr.Step {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []ivr.Step
	for _, s := range r.steps {
		if s.Event == ev {
			out = append(out, s)
		}
	}
	return out
}

// caller drives a MemCall inside a synctest bubble: it waits (in fake
// time) until the n-th prompt containing text has played, then presses.
type caller struct {
	t *testing.T
	c *ivrtest.MemCall
}

func (c caller) heard(text string) int {
	n := 0
	for _, p := range c.c.Played() {
		if strings.Contains(p.Text, text) {
			n++
		}
	}
	return n
}

func (c caller) after(n int, text, keys string) {
	c.t.Helper()
	for i := 0; c.heard(text) < n; i++ {
		if i > 100000 {
			c.t.Fatalf("never heard %q (%d times); played %d prompts", text, n, len(c.c.Played()))
		}
		synctest.Wait()
		time.Sleep(10 * time.Millisecond)
	}
	c.c.Press(keys)
}

type runResult struct {
	res ivr.Result
	rec *recorder
	c   *ivrtest.MemCall
}

// run runs the consult flow over the sample FAQ; script presses keys.
func run(t *testing.T, script func(caller)) runResult {
	return runOn(t, kbmenu.NewList(sample(t)), script)
}

func runOn(t *testing.T, list *kbmenu.List, script func(caller)) runResult {
	set, err := ivr.LoadFile("testdata/consult.yaml")
	if err != nil {
		t.Fatal(err)
	}
	flow, err := set.ForLine("12345")
	if err != nil {
		t.Fatal(err)
	}
	// The paging title comes from the flow file, as the gateway wires it.
	m := newMenu(t, list, kbmenu.Options{TTS: &memTTS{}, More: set.Prompts["kb_next"]})
	rec := &recorder{}
	eng := ivr.NewEngine(ivr.Deps{Knowledge: m, Speaker: m, Reporter: rec})
	c := ivrtest.NewMemCall("call-1", "12345", "13812345678", 100*time.Millisecond)
	done := make(chan ivr.Result, 1)
	go func() { done <- eng.Run(t.Context(), flow, c) }()
	script(caller{t, c})
	return runResult{<-done, rec, c}
}

func answers(rec *recorder) []string {
	var out []string
	for _, s := range rec.find(ivr.EventKBAnswer) {
		out = append(out, s.Entry+"@"+string(rune('0'+s.EntryVersion))+"/"+s.Digits)
	}
	return out
}

const firstQuestion = "怎样查询个人社保缴费记录？请按1"

// The caller picks 1 (人力资源和社会保障) during the introduction, hears
// the first answer to the end, repeats it, goes back, hears the second,
// and presses 0 for an agent.
func TestConsultAnswerRepeatBackAgent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := run(t, func(c caller) {
			c.c.Press("11")
			c.after(1, firstQuestion, "1")
			c.after(1, "重听请按1", "1")
			c.after(2, "重听请按1", "*")
			c.after(2, firstQuestion, "2")
			c.after(3, "重听请按1", "0")
		})
		if r.res.End != ivr.EndHangup {
			t.Fatalf("end %s at %s (%v)", r.res.End, r.res.Node, r.res.Err)
		}
		if got, want := answers(r.rec), []string{"kb-001@1/", "kb-001@1/1", "kb-002@1/"}; !slices.Equal(got, want) {
			t.Errorf("answers reported %v, want %v", got, want)
		}
		for _, s := range r.rec.find(ivr.EventKBAnswer) {
			if s.Detail != s.Entry || s.Node != "kb" {
				t.Errorf("step %+v", s)
			}
		}
		var answerPrompts []ivr.Prompt
		for _, p := range r.c.Played() {
			if strings.HasPrefix(p.Text, "您可以通过电子社保卡") {
				answerPrompts = append(answerPrompts, p)
			}
		}
		if len(answerPrompts) != 2 || !strings.HasPrefix(answerPrompts[0].Sounds[0], "sound:http://gw:8080/media/tts/") ||
			!strings.HasSuffix(answerPrompts[0].Sounds[0], ".wav") {
			t.Errorf("answer prompts %+v", answerPrompts)
		}
		if q := r.c.Queued(); len(q) != 1 || q[0].Queue != "12345" {
			t.Errorf("queued %+v", q)
		}
	})
}

// 17 departments: 9 opens the second page, * comes back to the first.
func TestConsultPaging(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := run(t, func(c caller) {
			c.c.Press("1")
			c.after(1, "更多部门请按9", "9")
			c.after(1, "供水请按", "*")
			c.after(2, "更多部门请按9", "0")
		})
		if r.res.End != ivr.EndHangup || len(r.c.Queued()) != 1 {
			t.Fatalf("end %s at %s, queued %v", r.res.End, r.res.Node, r.c.Queued())
		}
		var menus []string
		for _, p := range r.c.Played() {
			if strings.Contains(p.Text, "请按1，") && !strings.Contains(p.Text, "政策咨询") {
				menus = append(menus, p.Text)
			}
		}
		if len(menus) != 3 || strings.Contains(menus[1], "更多") || menus[0] != menus[2] {
			t.Errorf("menus heard:\n%s", strings.Join(menus, "\n"))
		}
	})
}

// After an answer: 2 is the main menu; silence goes on to kb_more; * at
// the top menu is invalid.
func TestConsultAfterAnswer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := run(t, func(c caller) {
			c.c.Press("11")
			c.after(1, firstQuestion, "3")
			c.after(1, "重听请按1", "2") // main menu
			c.after(2, "政策咨询请按1", "1")
			c.after(2, "请选择咨询的内容", "*") // nothing to go back to: invalid
			c.after(1, "输入有误", "")
			c.after(1, "更多部门请按9", "2")
			c.after(1, "异地就医备案怎么办理？请按1", "1")
			// no key after the answer: after prompt twice, then kb_more.
			c.after(1, "继续咨询请按1", "0")
		})
		if r.res.End != ivr.EndHangup {
			t.Fatalf("end %s at %s (%v)", r.res.End, r.res.Node, r.res.Err)
		}
		got := answers(r.rec)
		if len(got) != 2 || got[0] != "kb-003@1/" || !strings.HasSuffix(got[1], "@1/") {
			t.Errorf("answers %v", got)
		}
		if n := len(r.rec.find(ivr.EventInvalid)); n != 1 {
			t.Errorf("%d invalid steps, want 1 (the * at the top)", n)
		}
	})
}

// An editor publishes while the caller is in the menus: the call keeps the
// digits and the text it was offered; the next call hears the new version.
func TestConsultPublishDuringCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		es := sample(t)
		list := kbmenu.NewList(es)
		r := runOn(t, list, func(c caller) {
			c.c.Press("11")
			c.after(1, firstQuestion, "")
			es2 := slices.Clone(es[1:]) // kb-001 archived, kb-002 at version 2
			es2[0].Version, es2[0].Answer = 2, "新的答复。"
			list.Set(es2)
			c.c.Press("2")
			c.after(1, "重听请按1", "2")    // main menu, then the consult menus again
			c.after(2, "政策咨询请按1", "11") // the call's first menus: kb-001 still there
			c.after(2, firstQuestion, "1")
			c.after(2, "重听请按1", "0")
		})
		if got := answers(r.rec); !slices.Equal(got, []string{"kb-002@1/", "kb-001@1/"}) {
			t.Errorf("first call heard %v, want the version it was offered", got)
		}
		r = runOn(t, list, func(c caller) {
			c.c.Press("11")
			c.after(1, "请按1", "1")
			c.after(1, "重听请按1", "0")
		})
		if got := answers(r.rec); !slices.Equal(got, []string{"kb-002@2/"}) {
			t.Errorf("next call heard %v, want version 2", got)
		}
	})
}

// The real engine: an answer of the sample FAQ spoken by espeak-ng through
// the cache, named by a URI whose file is a telephone wav.
func TestEspeakAnswerThroughMenu(t *testing.T) {
	for _, tool := range []string{"espeak-ng", "sox"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	cache, err := tts.New(tts.NewEspeak(speech.Options{}, ""), tts.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer cache.Close()
	m := newMenu(t, kbmenu.NewList(sample(t)), kbmenu.Options{TTS: cache, URIs: httpURIs{}, RenderTimeout: 20 * time.Second})
	qs, _ := m.Menu(t.Context(), "住房公积金")
	a, err := m.Answer(t.Context(), qs[0].Key)
	if err != nil {
		t.Fatal(err)
	}
	hash := strings.TrimSuffix(strings.TrimPrefix(a.URI, "sound:http://gw:8080/media/tts/"), ".wav")
	it, ok := cache.Lookup(hash)
	if !ok {
		t.Fatalf("uri %s not in the cache", a.URI)
	}
	b, _ := os.ReadFile(it.Path)
	if f, err := tts.ParseWAV(b); err != nil || !f.Telephone() || f.Duration() < 5*time.Second {
		t.Fatalf("answer wav %+v, %v", f, err)
	}
}
