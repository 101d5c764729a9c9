package kbmenu_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"liandong/ivr"
	"liandong/ivr/kbmenu"
	"liandong/knowledge"
	"liandong/knowledge/speech"
	"liandong/knowledge/tts"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// memTTS renders instantly (or after delay, or fails) and records texts.
type memTTS struct {
	mu    sync.Mutex
	texts []string
	delay time.Duration
	fail  error
}

func (m *memTTS) Render(ctx context.Context, text string) (tts.Item, error) {
	m.mu.Lock()
	m.texts = append(m.texts, text)
	m.mu.Unlock()
	if m.fail != nil {
		return tts.Item{}, m.fail
	}
	if m.delay > 0 {
		t := time.NewTimer(m.delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return tts.Item{}, ctx.Err()
		}
	}
	return tts.Item{Hash: tts.Hash("mem", "v", speech.Normalize(text))}, nil
}

type httpURIs struct{}

func (httpURIs) URI(it tts.Item) string { return "sound:http://gw:8080/media/tts/" + it.Hash + ".wav" }

func sample(t testing.TB) []knowledge.Entry {
	t.Helper()
	es, err := knowledge.LoadFAQ("testdata/faq.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func newMenu(t testing.TB, src kbmenu.Source, o kbmenu.Options) *kbmenu.Menu {
	t.Helper()
	o.Source = src
	if o.More == "" {
		o.More = "更多"
	}
	if o.TTS != nil && o.URIs == nil {
		o.URIs = httpURIs{}
	}
	m, err := kbmenu.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func titles(items []ivr.KBItem) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Title)
	}
	return out
}

// The sample FAQ has 17 departments: the top menu pages 8 + "more", then 9.
func TestMenusOverSample(t *testing.T) {
	m := newMenu(t, kbmenu.NewList(sample(t)), kbmenu.Options{})
	ctx := t.Context()
	top, err := m.Menu(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	want1 := []string{"人力资源和社会保障", "医疗保障", "住房公积金", "公安户籍与出入境", "公安交管车驾管", "不动产登记", "住建/物业", "供热", "更多"}
	if !slices.Equal(titles(top), want1) {
		t.Fatalf("top page 1 = %v\nwant %v", titles(top), want1)
	}
	if top[8].Leaf || top[0].Leaf {
		t.Error("departments and more are not leaves")
	}
	page2, err := m.Menu(ctx, top[8].Key)
	if err != nil {
		t.Fatal(err)
	}
	if len(page2) != 9 || slices.Contains(titles(page2), "更多") {
		t.Fatalf("top page 2 = %v", titles(page2))
	}
	seen := map[string]bool{}
	total := 0
	for _, d := range append(top[:8], page2...) {
		if seen[d.Title] {
			t.Errorf("department %s twice", d.Title)
		}
		seen[d.Title] = true
		qs, err := m.Menu(ctx, d.Key)
		if err != nil || len(qs) == 0 || len(qs) > 9 {
			t.Fatalf("department %s: %d questions, %v", d.Title, len(qs), err)
		}
		for _, q := range qs {
			if !q.Leaf {
				t.Fatalf("question %+v not a leaf", q)
			}
			a, err := m.Answer(ctx, q.Key)
			if err != nil || a.Entry == "" || a.Version != 1 || a.Text == "" {
				t.Fatalf("answer %s: %+v, %v", q.Key, a, err)
			}
			total++
		}
	}
	if total != 100 {
		t.Errorf("%d questions reachable, want all 100", total)
	}
	// A flow's kb node may start at a department by name.
	qs, err := m.Menu(ctx, "医疗保障")
	if err != nil || len(qs) != 8 || qs[0].Title == "" {
		t.Fatalf("医疗保障: %v, %v", titles(qs), err)
	}
	if _, err := m.Menu(ctx, "没有这个部门"); !errors.Is(err, ivr.ErrNotFound) {
		t.Errorf("unknown department: %v", err)
	}
}

func entry(id, dept string, version int) knowledge.Entry {
	return knowledge.Entry{ID: id, Department: dept, Title: "问题" + id, Answer: "答复" + id + fmt.Sprintf("第%d版", version),
		Status: knowledge.StatusPublished, Version: version}
}

func TestPaging(t *testing.T) {
	tests := []struct {
		n     int
		pages []int // items per page, "more" included
	}{
		{1, []int{1}},
		{9, []int{9}},
		{10, []int{9, 2}},
		{17, []int{9, 9}},
		{18, []int{9, 9, 2}},
		{25, []int{9, 9, 9}},
		{26, []int{9, 9, 9, 2}},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.n), func(t *testing.T) {
			var es []knowledge.Entry
			for i := range tc.n {
				es = append(es, entry(fmt.Sprintf("q-%03d", i), "税务", 1))
			}
			m := newMenu(t, kbmenu.NewList(es), kbmenu.Options{More: "下一页"})
			parent, got, seen := "税务", []int(nil), 0
			for parent != "" {
				items, err := m.Menu(t.Context(), parent)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, len(items))
				parent = ""
				for i, it := range items {
					if it.Title == "下一页" {
						if i != 8 || it.Leaf {
							t.Fatalf("more item at %d: %+v", i, it)
						}
						parent = it.Key
						continue
					}
					if want := fmt.Sprintf("问题q-%03d", seen); it.Title != want {
						t.Fatalf("item %d = %s, want %s", i, it.Title, want)
					}
					seen++
				}
			}
			if !slices.Equal(got, tc.pages) || seen != tc.n {
				t.Errorf("pages %v (%d items), want %v", got, seen, tc.pages)
			}
		})
	}
}

func TestOnlyPublishedAndValid(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	clock := now
	at := func(d time.Duration) *time.Time { t := now.Add(d); return &t }
	es := []knowledge.Entry{
		entry("a-1", "民政", 1),
		entry("a-2", "民政", 1),
		entry("a-3", "教育", 1),
		entry("a-4", "税务", 1),
		entry("a-5", "供水", 1),
	}
	es[1].Status = knowledge.StatusDraft
	es[2].Status = knowledge.StatusArchived
	es[3].ValidFrom = at(time.Hour)      // not yet
	es[4].ValidUntil = at(2 * time.Hour) // until then
	m := newMenu(t, kbmenu.NewList(es), kbmenu.Options{Now: func() time.Time { return clock }})
	check := func(want ...string) {
		t.Helper()
		top, err := m.Menu(t.Context(), "")
		if err != nil && len(want) > 0 {
			t.Fatal(err)
		}
		if !slices.Equal(titles(top), want) {
			t.Errorf("at %s: departments %v, want %v", clock.Format("15:04"), titles(top), want)
		}
	}
	check("民政", "供水")
	clock = now.Add(time.Hour)
	check("民政", "税务", "供水")
	clock = now.Add(2 * time.Hour)
	check("民政", "税务")
}

// A call keeps the menus it started with; new calls see the publish.
func TestSnapshotPerCall(t *testing.T) {
	es := []knowledge.Entry{entry("b-1", "医疗保障", 1), entry("b-2", "医疗保障", 1), entry("c-1", "税务", 1)}
	list := kbmenu.NewList(es)
	m := newMenu(t, list, kbmenu.Options{TTS: &memTTS{}})
	call := m.Pin(t.Context())
	top, _ := m.Menu(call, "")
	qs, _ := m.Menu(call, top[0].Key)

	// An editor publishes: version 2 of b-1, b-2 archived, a new department first.
	es2 := []knowledge.Entry{entry("a-1", "教育", 1), entry("b-1", "医疗保障", 2), entry("c-1", "税务", 1)}
	list.Set(es2)

	again, _ := m.Menu(call, "")
	if !slices.Equal(titles(again), titles(top)) {
		t.Errorf("call's top menu changed: %v -> %v", titles(top), titles(again))
	}
	a, err := m.Answer(call, qs[1].Key)
	if err != nil || a.Entry != "b-2" {
		t.Fatalf("b-2 in the call's snapshot: %+v, %v", a, err)
	}
	a, _ = m.Answer(call, qs[0].Key)
	if a.Entry != "b-1" || a.Version != 1 || a.Text != "答复b-1第1版" {
		t.Errorf("call hears %+v, want version 1 it was offered", a)
	}
	fresh, _ := m.Menu(m.Pin(t.Context()), "")
	if !slices.Equal(titles(fresh), []string{"教育", "医疗保障", "税务"}) {
		t.Errorf("new call: %v", titles(fresh))
	}
	// Unpinned: keys still name their snapshot while it is recent.
	fqs, _ := m.Menu(t.Context(), fresh[1].Key)
	a, _ = m.Answer(t.Context(), fqs[0].Key)
	if a.Version != 2 {
		t.Errorf("new call hears version %d", a.Version)
	}
	if _, err := m.Menu(t.Context(), qs[0].Key); !errors.Is(err, ivr.ErrNotFound) {
		t.Errorf("answer key as menu: %v", err)
	}
	// Many publishes later the old snapshot is gone: the answer falls back to
	// what is published now, a menu key fails (the flow offers an agent).
	for range 10 {
		list.Set(es2)
		m.Menu(t.Context(), "")
	}
	if a, err := m.Answer(t.Context(), qs[0].Key); err != nil || a.Version != 2 {
		t.Errorf("stale key answer: %+v, %v", a, err)
	}
	if _, err := m.Answer(t.Context(), qs[1].Key); !errors.Is(err, ivr.ErrNotFound) {
		t.Errorf("archived entry from a stale key: %v", err)
	}
	if _, err := m.Menu(t.Context(), top[0].Key); !errors.Is(err, ivr.ErrNotFound) {
		t.Errorf("stale menu key: %v", err)
	}
	// The pinned call still has all of it.
	if a, err := m.Answer(call, qs[1].Key); err != nil || a.Entry != "b-2" {
		t.Errorf("pinned call after many publishes: %+v, %v", a, err)
	}
}

func TestBadKeys(t *testing.T) {
	m := newMenu(t, kbmenu.NewList(sample(t)), kbmenu.Options{})
	top, _ := m.Menu(t.Context(), "")
	gen := strings.SplitN(top[0].Key, "/", 2)[0]
	for _, k := range []string{"@", "@x", "@-1", gen + "/", gen + "/d", gen + "/dx", gen + "/p0", gen + "/d0/p0",
		gen + "/d99", gen + "/p9", gen + "/d0/p1/p2", gen + "/e/", gen + "/e/kb-001", "@99999/d0"} {
		items, err := m.Menu(t.Context(), k)
		if k == gen+"/e/kb-001" || k == gen+"/e/" {
			if err == nil {
				t.Errorf("Menu(%q) = %v", k, items)
			}
			continue
		}
		if !errors.Is(err, ivr.ErrNotFound) {
			t.Errorf("Menu(%q) = %v, %v; want ErrNotFound", k, titles(items), err)
		}
	}
	for _, k := range []string{"", "kb-001", gen, gen + "/d0", gen + "/e/none", "@x/e/kb-001"} {
		if _, err := m.Answer(t.Context(), k); !errors.Is(err, ivr.ErrNotFound) {
			t.Errorf("Answer(%q) = %v, want ErrNotFound", k, err)
		}
	}
}

func FuzzKeys(f *testing.F) {
	f.Add("@1/d0/p1")
	f.Add("@1/e/kb-001")
	f.Add("")
	es, err := knowledge.LoadFAQ("testdata/faq.yaml")
	if err != nil {
		f.Fatal(err)
	}
	m, _ := kbmenu.New(kbmenu.Options{Source: kbmenu.NewList(es), More: "更多"})
	f.Fuzz(func(t *testing.T, k string) {
		items, err := m.Menu(context.Background(), k)
		if err == nil && len(items) > 9 {
			t.Fatalf("Menu(%q): %d items", k, len(items))
		}
		m.Answer(context.Background(), k)
	})
}

func TestAnswerRendering(t *testing.T) {
	es := sample(t)
	ok := &memTTS{}
	m := newMenu(t, kbmenu.NewList(es), kbmenu.Options{TTS: ok})
	qs, _ := m.Menu(t.Context(), "人力资源和社会保障")
	a, err := m.Answer(t.Context(), qs[0].Key)
	if err != nil {
		t.Fatal(err)
	}
	want := "sound:http://gw:8080/media/tts/" + tts.Hash("mem", "v", speech.Normalize(es[0].Answer)) + ".wav"
	if a.URI != want || a.Entry != "kb-001" || a.Version != 1 || a.Text != es[0].Answer {
		t.Fatalf("answer %+v\nwant uri %s", a, want)
	}

	// The engine down or slow: the answer comes as text within the timeout
	// and the engine's Speaker gets its own chance.
	for name, eng := range map[string]*memTTS{
		"failing": {fail: fmt.Errorf("boom: %w", tts.ErrEngine)},
		"slow":    {delay: time.Minute},
	} {
		m := newMenu(t, kbmenu.NewList(es), kbmenu.Options{TTS: eng, RenderTimeout: 20 * time.Millisecond})
		start := time.Now()
		a, err := m.Answer(t.Context(), qs[0].Key)
		if err != nil || a.URI != "" || a.Text != es[0].Answer || a.Entry != "kb-001" {
			t.Errorf("%s: %+v, %v", name, a, err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: waited %v", name, d)
		}
		if _, err := m.Speak(t.Context(), "您好"); err == nil {
			t.Errorf("%s: Speak succeeded", name)
		}
	}
	// The caller gone: an error, not a text to speak.
	slow := newMenu(t, kbmenu.NewList(es), kbmenu.Options{TTS: &memTTS{delay: time.Minute}})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := slow.Answer(ctx, qs[0].Key); err == nil {
		t.Error("cancelled call got an answer")
	}
	// No TTS at all: text only, and Speak says unavailable.
	bare := newMenu(t, kbmenu.NewList(es), kbmenu.Options{})
	if a, err := bare.Answer(t.Context(), qs[0].Key); err != nil || a.URI != "" || a.Text == "" {
		t.Errorf("no tts: %+v, %v", a, err)
	}
	if _, err := bare.Speak(t.Context(), "您好"); !errors.Is(err, ivr.ErrUnavailable) {
		t.Errorf("no tts speak: %v", err)
	}
}

func TestNewChecks(t *testing.T) {
	src := kbmenu.NewList(nil)
	for name, o := range map[string]kbmenu.Options{
		"no source":       {More: "更多"},
		"no more title":   {Source: src},
		"tts without uri": {Source: src, More: "更多", TTS: &memTTS{}},
	} {
		if _, err := kbmenu.New(o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	m := newMenu(t, src, kbmenu.Options{})
	if items, err := m.Menu(t.Context(), ""); err != nil || len(items) != 0 {
		t.Errorf("empty FAQ: %v, %v", items, err)
	}
}

func TestPrerender(t *testing.T) {
	rec := &memTTS{}
	m := newMenu(t, kbmenu.NewList(sample(t)), kbmenu.Options{TTS: rec})
	res, err := m.Prerender(t.Context(), "{title}请按{digit}", 2)
	if err != nil {
		t.Fatal(err)
	}
	// 100 answers, 2 top pages, 17 department menus (none needs paging).
	if res.Texts != 119 || res.Rendered != 119 {
		t.Fatalf("prerender %+v", res)
	}
	if !slices.Contains(rec.texts, "人力资源和社会保障请按1，医疗保障请按2，住房公积金请按3，公安户籍与出入境请按4，公安交管车驾管请按5，不动产登记请按6，住建/物业请按7，供热请按8，更多请按9") {
		t.Errorf("top menu text not rendered as the engine speaks it")
	}
}
