// Package kbmenu serves the IVR's consult branch (kb nodes) from the
// published FAQ: callers pick a department, then a question, by keys, and
// hear the answer rendered by knowledge/tts. It implements ivr.Knowledge,
// ivr.KnowledgePinner and ivr.Speaker.
//
// Menus hold at most 9 items (keys 1-9). A longer list is paged: keys 1-8
// are items and key 9 ("more", its title from config) opens the next page;
// the last page holds up to 9 items. The flow's back key returns to the
// previous page or menu (the engine keeps the path).
//
// Digits stay stable while a call is in the menus: every key names the
// snapshot of the FAQ it was made from, and a call pins the snapshot it
// first sees (Pin), so a publish during the call changes nothing for it.
package kbmenu

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"liandong/ivr"
	"liandong/knowledge"
	"liandong/knowledge/tts"
)

// Source gives the FAQ entries callers may be offered. Entries is called
// on every top-level menu, so it must be cheap; rev must change whenever
// the entries do. Entries of any status may be returned: only published
// ones within their validity window are offered.
type Source interface {
	Entries() (entries []knowledge.Entry, rev uint64)
}

// List is a Source its owner sets: at start and on every publish.
type List struct {
	cur atomic.Pointer[listRev]
	mu  sync.Mutex // serialises Set
}

type listRev struct {
	entries []knowledge.Entry
	rev     uint64
}

var _ Source = (*List)(nil)

// NewList returns a list holding entries.
func NewList(entries []knowledge.Entry) *List {
	l := &List{}
	l.Set(entries)
	return l
}

// Set replaces the entries (the slice is copied).
func (l *List) Set(entries []knowledge.Entry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var rev uint64 = 1
	if old := l.cur.Load(); old != nil {
		rev = old.rev + 1
	}
	l.cur.Store(&listRev{entries: slices.Clone(entries), rev: rev})
}

// Entries implements Source.
func (l *List) Entries() ([]knowledge.Entry, uint64) {
	c := l.cur.Load()
	if c == nil {
		return nil, 0
	}
	return c.entries, c.rev
}

// URIs turns a rendered item into a sound URI (gateway/media.HTTPURIs or
// SoundsURIs).
type URIs interface {
	URI(it tts.Item) string
}

// Options configure a Menu.
type Options struct {
	Source Source
	// TTS renders answers and spoken prompts; URIs names them for the
	// gateway. With TTS nil, answers are returned as text and menus cannot
	// be spoken (Speak fails).
	TTS  tts.TTS
	URIs URIs
	// More is the title of the item that opens the next page (read through
	// the flow's kb item template, e.g. "更多部门"). It comes from config;
	// required, since the sample FAQ already has more than 9 departments.
	More string
	// RenderTimeout bounds how long a call waits for one rendering
	// (default 3 s); a late rendering finishes in the background.
	RenderTimeout time.Duration
	// Now is the clock for validity windows (default time.Now).
	Now    func() time.Time
	Logger *slog.Logger
}

// Menu is the consult menu over the published FAQ. Safe for concurrent use.
type Menu struct {
	o   Options
	log *slog.Logger
	sp  *Speaker

	cur    atomic.Pointer[snapshot]
	mu     sync.Mutex // serialises rebuilds
	gen    uint64
	recent [keepSnapshots]*snapshot // by gen % keepSnapshots
}

// keepSnapshots is how many FAQ snapshots unpinned keys can still name.
const keepSnapshots = 8

var (
	_ ivr.Knowledge       = (*Menu)(nil)
	_ ivr.KnowledgePinner = (*Menu)(nil)
	_ ivr.Speaker         = (*Menu)(nil)
)

// New checks o and returns the menu.
func New(o Options) (*Menu, error) {
	if o.Source == nil {
		return nil, errors.New("kbmenu: no source of entries")
	}
	if strings.TrimSpace(o.More) == "" {
		return nil, errors.New("kbmenu: no title for the next-page item (More)")
	}
	if o.TTS != nil && o.URIs == nil {
		return nil, errors.New("kbmenu: tts without uris")
	}
	if o.RenderTimeout <= 0 {
		o.RenderTimeout = 3 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	m := &Menu{o: o, log: o.Logger, sp: NewSpeaker(o.TTS, o.URIs, o.RenderTimeout)}
	return m, nil
}

// snapshot is the menus of one state of the FAQ; immutable.
type snapshot struct {
	gen     uint64
	rev     uint64
	expires time.Time // a validity window opens or closes then; zero: never
	depts   []dept
	byName  map[string]int
	byID    map[string]*knowledge.Entry
}

type dept struct {
	name    string
	entries []*knowledge.Entry
}

// current returns the snapshot of the source as it is now, rebuilt when
// the source changed or a validity window passed.
func (m *Menu) current() *snapshot {
	_, rev := m.o.Source.Entries()
	now := m.o.Now()
	fresh := func(s *snapshot) bool {
		return s != nil && s.rev == rev && (s.expires.IsZero() || now.Before(s.expires))
	}
	if s := m.cur.Load(); fresh(s) {
		return s
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if s := m.cur.Load(); fresh(s) {
		return s
	}
	entries, rev := m.o.Source.Entries()
	m.gen++
	s := build(entries, rev, m.gen, now)
	m.recent[s.gen%keepSnapshots] = s
	m.cur.Store(s)
	m.log.Debug("kbmenu snapshot", "gen", s.gen, "departments", len(s.depts), "entries", len(s.byID))
	return s
}

func build(entries []knowledge.Entry, rev, gen uint64, now time.Time) *snapshot {
	s := &snapshot{gen: gen, rev: rev, byName: map[string]int{}, byID: map[string]*knowledge.Entry{}}
	own := slices.Clone(entries)
	// Order by id, so that the digits do not depend on the store's order.
	slices.SortStableFunc(own, func(a, b knowledge.Entry) int { return cmp.Compare(a.ID, b.ID) })
	soon := func(t *time.Time) {
		if t != nil && t.After(now) && (s.expires.IsZero() || t.Before(s.expires)) {
			s.expires = *t
		}
	}
	for i := range own {
		e := &own[i]
		if e.Status == knowledge.StatusPublished {
			soon(e.ValidFrom)
			soon(e.ValidUntil)
		}
		if !e.Searchable(now) || strings.TrimSpace(e.Answer) == "" || s.byID[e.ID] != nil {
			continue
		}
		s.byID[e.ID] = e
		d, ok := s.byName[e.Department]
		if !ok {
			d = len(s.depts)
			s.byName[e.Department] = d
			s.depts = append(s.depts, dept{name: e.Department})
		}
		s.depts[d].entries = append(s.depts[d].entries, e)
	}
	return s
}

// pinKey keys a call's pin in its context; one per Menu.
type pinKey struct{ m *Menu }

type pin struct{ snap atomic.Pointer[snapshot] }

// Pin implements ivr.KnowledgePinner: the call keeps the snapshot of its
// first menu. Cheap for calls that never reach the menu.
func (m *Menu) Pin(ctx context.Context) context.Context {
	return context.WithValue(ctx, pinKey{m}, &pin{})
}

// top is the snapshot a call starts a menu from: its pinned one, else the
// current one (then pinned).
func (m *Menu) top(ctx context.Context) *snapshot {
	p, _ := ctx.Value(pinKey{m}).(*pin)
	if p != nil {
		if s := p.snap.Load(); s != nil {
			return s
		}
	}
	s := m.current()
	if p != nil {
		p.snap.CompareAndSwap(nil, s)
		s = p.snap.Load()
	}
	return s
}

// byGen finds the snapshot a key was made from.
func (m *Menu) byGen(ctx context.Context, gen uint64) *snapshot {
	if p, _ := ctx.Value(pinKey{m}).(*pin); p != nil {
		if s := p.snap.Load(); s != nil && s.gen == gen {
			return s
		}
	}
	if s := m.cur.Load(); s != nil && s.gen == gen {
		return s
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if s := m.recent[gen%keepSnapshots]; s != nil && s.gen == gen {
		return s
	}
	return nil
}

// key is a parsed menu key: "@<gen>[/d<dept>][/p<page>]" or "@<gen>/e/<id>".
type key struct {
	gen   uint64
	dept  int // -1: top
	page  int
	entry string
}

func (k key) String() string {
	var b strings.Builder
	b.WriteString("@")
	b.WriteString(strconv.FormatUint(k.gen, 10))
	if k.entry != "" {
		return b.String() + "/e/" + k.entry
	}
	if k.dept >= 0 {
		b.WriteString("/d" + strconv.Itoa(k.dept))
	}
	if k.page > 0 {
		b.WriteString("/p" + strconv.Itoa(k.page))
	}
	return b.String()
}

func parseKey(s string) (key, bool) {
	rest, ok := strings.CutPrefix(s, "@")
	if !ok {
		return key{}, false
	}
	parts := strings.Split(rest, "/")
	gen, err := strconv.ParseUint(parts[0], 10, 64)
	if err != nil {
		return key{}, false
	}
	k := key{gen: gen, dept: -1}
	if len(parts) == 3 && parts[1] == "e" && parts[2] != "" {
		k.entry = parts[2]
		return k, true
	}
	num := func(p, prefix string) (int, bool) {
		v, ok := strings.CutPrefix(p, prefix)
		if !ok {
			return 0, false
		}
		n, err := strconv.Atoi(v)
		return n, err == nil && n >= 0 && n < 1<<20
	}
	i := 1
	if i < len(parts) {
		if d, ok := num(parts[i], "d"); ok {
			k.dept = d
			i++
		}
	}
	if i < len(parts) {
		p, ok := num(parts[i], "p")
		if !ok || p == 0 {
			return key{}, false
		}
		k.page = p
		i++
	}
	return k, i == len(parts)
}

// pageSize is the number of items a page holds besides its "more" item.
const pageSize = 8

// page cuts item i..j of n for page p: all of them when they fit in 9
// keys, else 8 and a "more" item.
func page(n, p int) (from, to int, more bool) {
	from = p * pageSize
	if from >= n {
		return n, n, false
	}
	if n-from <= 9 {
		return from, n, false
	}
	return from, from + pageSize, true
}

// Menu implements ivr.Knowledge: "" is the list of departments, a
// department's name its questions, and the keys of items what they open.
func (m *Menu) Menu(ctx context.Context, parent string) ([]ivr.KBItem, error) {
	var s *snapshot
	k := key{dept: -1}
	if pk, ok := parseKey(parent); ok {
		if pk.entry != "" {
			return nil, fmt.Errorf("kbmenu: menu %q: an answer, not a menu: %w", parent, ivr.ErrNotFound)
		}
		if s = m.byGen(ctx, pk.gen); s == nil {
			return nil, fmt.Errorf("kbmenu: menu %q: snapshot gone: %w", parent, ivr.ErrNotFound)
		}
		k = pk
	} else {
		s = m.top(ctx)
		k.gen = s.gen
		if parent != "" {
			d, ok := s.byName[parent]
			if !ok {
				return nil, fmt.Errorf("kbmenu: department %q: %w", parent, ivr.ErrNotFound)
			}
			k.dept = d
		}
	}
	var n int
	var item func(i int) ivr.KBItem
	if k.dept < 0 {
		n = len(s.depts)
		item = func(i int) ivr.KBItem {
			return ivr.KBItem{Key: key{gen: s.gen, dept: i}.String(), Title: s.depts[i].name}
		}
	} else {
		if k.dept >= len(s.depts) {
			return nil, fmt.Errorf("kbmenu: menu %q: no such department: %w", parent, ivr.ErrNotFound)
		}
		es := s.depts[k.dept].entries
		n = len(es)
		item = func(i int) ivr.KBItem {
			return ivr.KBItem{Key: key{gen: s.gen, entry: es[i].ID}.String(), Title: es[i].Title, Leaf: true}
		}
	}
	from, to, more := page(n, k.page)
	if from >= to {
		if n == 0 {
			return nil, nil
		}
		return nil, fmt.Errorf("kbmenu: menu %q: no such page: %w", parent, ivr.ErrNotFound)
	}
	items := make([]ivr.KBItem, 0, to-from+1)
	for i := from; i < to; i++ {
		items = append(items, item(i))
	}
	if more {
		next := k
		next.page++
		items = append(items, ivr.KBItem{Key: next.String(), Title: m.o.More})
	}
	return items, nil
}

// Answer implements ivr.Knowledge: the answer's text, entry id and
// version, and its sound URI when the rendering is ready within
// RenderTimeout (else the engine speaks the text itself).
func (m *Menu) Answer(ctx context.Context, k string) (ivr.Media, error) {
	pk, ok := parseKey(k)
	if !ok || pk.entry == "" {
		return ivr.Media{}, fmt.Errorf("kbmenu: answer %q: not an answer key: %w", k, ivr.ErrNotFound)
	}
	var e *knowledge.Entry
	if s := m.byGen(ctx, pk.gen); s != nil {
		e = s.byID[pk.entry]
	}
	if e == nil {
		// The snapshot is gone: what is published now, if still there.
		e = m.current().byID[pk.entry]
	}
	if e == nil {
		return ivr.Media{}, fmt.Errorf("kbmenu: answer %q: %w", k, ivr.ErrNotFound)
	}
	med := ivr.Media{Text: e.Answer, Entry: e.ID, Version: e.Version}
	if m.o.TTS != nil {
		uri, err := m.sp.Speak(ctx, e.Answer)
		if err != nil {
			if ctx.Err() != nil {
				return ivr.Media{}, err
			}
			m.log.Warn("kbmenu: answer not rendered, left to the speaker", "entry", e.ID, "version", e.Version, "err", err)
		}
		med.URI = uri
	}
	return med, nil
}

// Speak implements ivr.Speaker with the menu's TTS.
func (m *Menu) Speak(ctx context.Context, text string) (string, error) {
	return m.sp.Speak(ctx, text)
}

// Prerender renders, ahead of calls, every answer on offer and, given the
// flow's kb item template ("{title}请按{digit}"), every menu as the engine
// will speak it. Call it at start and after each publish.
func (m *Menu) Prerender(ctx context.Context, itemTemplate string, workers int) (tts.PrerenderResult, error) {
	if m.o.TTS == nil {
		return tts.PrerenderResult{}, fmt.Errorf("kbmenu prerender: %w", ivr.ErrUnavailable)
	}
	return tts.Prerender(ctx, m.o.TTS, m.Texts(ctx, itemTemplate), workers)
}

// Texts lists what callers can hear from the menus now: each menu page as
// the engine speaks it (when itemTemplate is set) and each answer.
func (m *Menu) Texts(ctx context.Context, itemTemplate string) []string {
	s := m.current()
	var out []string
	if itemTemplate != "" {
		var walk func(parent string, depth int)
		walk = func(parent string, depth int) {
			items, err := m.Menu(ctx, parent)
			if err != nil || len(items) == 0 || depth > 64 {
				return
			}
			parts := make([]string, len(items))
			for i, it := range items {
				parts[i] = strings.NewReplacer("{title}", it.Title, "{digit}", strconv.Itoa(i+1)).Replace(itemTemplate)
			}
			out = append(out, strings.Join(parts, "，"))
			for _, it := range items {
				if !it.Leaf {
					walk(it.Key, depth+1)
				}
			}
		}
		walk(key{gen: s.gen, dept: -1}.String(), 0)
	}
	for _, d := range s.depts {
		for _, e := range d.entries {
			out = append(out, e.Answer)
		}
	}
	return out
}

// Speaker is an ivr.Speaker over a TTS: text → rendering → sound URI.
type Speaker struct {
	t       tts.TTS
	u       URIs
	timeout time.Duration
}

var _ ivr.Speaker = (*Speaker)(nil)

// NewSpeaker returns a speaker; a call waits at most timeout (default 3 s)
// for one rendering.
func NewSpeaker(t tts.TTS, u URIs, timeout time.Duration) *Speaker {
	if timeout <= 0 {
		timeout = 3 * time.Second
	}
	return &Speaker{t: t, u: u, timeout: timeout}
}

// Speak implements ivr.Speaker.
func (sp *Speaker) Speak(ctx context.Context, text string) (string, error) {
	if sp == nil || sp.t == nil || sp.u == nil {
		return "", fmt.Errorf("speak: no tts: %w", ivr.ErrUnavailable)
	}
	ctx, cancel := context.WithTimeout(ctx, sp.timeout)
	defer cancel()
	it, err := sp.t.Render(ctx, text)
	if err != nil {
		return "", fmt.Errorf("speak: %w", err)
	}
	return sp.u.URI(it), nil
}
