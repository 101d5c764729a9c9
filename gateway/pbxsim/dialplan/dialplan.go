package dialplan

import (
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Location is a place in the dialplan. A Label, when set, names the
// priority instead of Priority.
type Location struct {
	Context  string
	Exten    string
	Priority int
	Label    string
}

func (l Location) String() string {
	p := strconv.Itoa(l.Priority)
	if l.Label != "" {
		p = l.Label
	}
	return l.Context + "," + l.Exten + "," + p
}

// Priority is one step of an extension: an application and its raw,
// unsubstituted argument text.
type Priority struct {
	Number int
	Label  string
	App    string
	Data   string
	File   string
	Line   int
}

// Extension is one extension (plain name or "_" pattern) of a context.
type Extension struct {
	Name  string // as written, after ${GLOBAL} substitution
	File  string
	Line  int
	prios map[int]*Priority
	label map[string]int
}

// Priorities returns the extension's priorities in ascending order.
func (e *Extension) Priorities() []*Priority {
	out := make([]*Priority, 0, len(e.prios))
	for _, p := range e.prios {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out
}

// Priority returns priority n of the extension.
func (e *Extension) Priority(n int) (*Priority, bool) {
	p, ok := e.prios[n]
	return p, ok
}

// Label returns the priority number carrying a label.
func (e *Extension) Label(name string) (int, bool) {
	n, ok := e.label[name]
	return n, ok
}

// Context is a named group of extensions with its includes.
type Context struct {
	Name     string
	Includes []string
	exact    map[string]*Extension // key: name without '-'
	patterns []*Extension          // sorted by CompareExten
}

// Extensions returns the context's extensions in Asterisk's sort order.
func (c *Context) Extensions() []*Extension {
	out := make([]*Extension, 0, len(c.exact)+len(c.patterns))
	for _, e := range c.exact {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return CompareExten(out[i].Name, out[j].Name) < 0 })
	return append(out, c.patterns...)
}

// Dialplan is a set of contexts and global variables. It is safe for
// concurrent use: lookups and Run may go on while Load adds contexts.
// Contexts, extensions and priorities it returns are never modified
// afterwards (Load replaces them with merged copies).
type Dialplan struct {
	mu       sync.RWMutex
	contexts map[string]*Context
	order    []string
	globals  map[string]string
}

// New returns an empty dialplan.
func New() *Dialplan {
	return &Dialplan{contexts: map[string]*Context{}, globals: map[string]string{}}
}

// Contexts returns the context names in the order they were first defined.
func (dp *Dialplan) Contexts() []string {
	dp.mu.RLock()
	defer dp.mu.RUnlock()
	return slices.Clone(dp.order)
}

// Context returns a context by name (names are case-sensitive, as in
// Asterisk).
func (dp *Dialplan) Context(name string) (*Context, bool) {
	dp.mu.RLock()
	defer dp.mu.RUnlock()
	c, ok := dp.contexts[name]
	return c, ok
}

// Global returns a global variable ([globals] or Set(GLOBAL(x)=...)).
func (dp *Dialplan) Global(name string) (string, bool) {
	dp.mu.RLock()
	defer dp.mu.RUnlock()
	v, ok := dp.globals[name]
	return v, ok
}

// SetGlobal sets a global variable.
func (dp *Dialplan) SetGlobal(name, value string) {
	dp.mu.Lock()
	defer dp.mu.Unlock()
	dp.globals[name] = value
}

// Find returns the priority that runs at (context, exten, prio): the first
// extension of the context, in Asterisk's order, that matches exten and
// has the priority; failing that, the included contexts in order.
func (dp *Dialplan) Find(context, exten string, prio int) (*Priority, bool) {
	dp.mu.RLock()
	defer dp.mu.RUnlock()
	var found *Priority
	dp.walk(context, exten, map[string]bool{}, func(e *Extension) bool {
		found = e.prios[prio]
		return found != nil
	})
	return found, found != nil
}

// Exists reports whether (context, exten, prio) exists, as
// ast_exists_extension does; chan_pjsip answers 404 to an inbound call
// whose extension does not exist at priority 1.
func (dp *Dialplan) Exists(context, exten string, prio int) bool {
	_, ok := dp.Find(context, exten, prio)
	return ok
}

// CanMatch reports whether exten, possibly after more digits, can reach
// an extension with priority 1 in context (ast_canmatch_extension).
// chan_pjsip (allow_overlap=yes, the default) answers 484 Address
// Incomplete to an inbound call whose extension does not exist but can
// match, 404 when it cannot.
func (dp *Dialplan) CanMatch(context, exten string) bool {
	dp.mu.RLock()
	defer dp.mu.RUnlock()
	return dp.canMatch(context, exten, map[string]bool{})
}

func (dp *Dialplan) canMatch(context, exten string, seen map[string]bool) bool {
	c, ok := dp.contexts[context]
	if !ok || seen[context] {
		return false
	}
	seen[context] = true
	for _, e := range c.exact {
		if e.prios[1] != nil && CanMatchExten(e.Name, exten) {
			return true
		}
	}
	for _, e := range c.patterns {
		if e.prios[1] != nil && CanMatchExten(e.Name, exten) {
			return true
		}
	}
	for _, inc := range c.Includes {
		if dp.canMatch(inc, exten, seen) {
			return true
		}
	}
	return false
}

// FindLabel returns the priority number of a label for exten in context:
// the first matching extension (includes searched as for Find) that has
// the label.
func (dp *Dialplan) FindLabel(context, exten, label string) (int, bool) {
	dp.mu.RLock()
	defer dp.mu.RUnlock()
	n := 0
	dp.walk(context, exten, map[string]bool{}, func(e *Extension) bool {
		n = e.label[label]
		return n > 0
	})
	return n, n > 0
}

// Match returns the extension that exten matches best in context (or its
// includes), ignoring priorities, and the context it was found in.
func (dp *Dialplan) Match(context, exten string) (*Extension, string, bool) {
	dp.mu.RLock()
	defer dp.mu.RUnlock()
	var found *Extension
	var in string
	dp.walkCtx(context, exten, map[string]bool{}, func(c *Context, e *Extension) bool {
		found, in = e, c.Name
		return true
	})
	return found, in, found != nil
}

func (dp *Dialplan) walk(context, exten string, seen map[string]bool, fn func(*Extension) bool) bool {
	return dp.walkCtx(context, exten, seen, func(_ *Context, e *Extension) bool { return fn(e) })
}

// walkCtx calls fn for each extension matching exten, in lookup order,
// until fn returns true. seen guards against include loops.
func (dp *Dialplan) walkCtx(context, exten string, seen map[string]bool, fn func(*Context, *Extension) bool) bool {
	c, ok := dp.contexts[context]
	if !ok || seen[context] {
		return false
	}
	seen[context] = true
	if e, ok := c.exact[stripDash(exten)]; ok && fn(c, e) {
		return true
	}
	for _, e := range c.patterns {
		if MatchExten(e.Name, exten) && fn(c, e) {
			return true
		}
	}
	for _, inc := range c.Includes {
		if dp.walkCtx(inc, exten, seen, fn) {
			return true
		}
	}
	return false
}

// merge adds src's contexts and globals to dp, failing without change if
// a priority or label is defined twice.
func (dp *Dialplan) merge(src *Dialplan) error {
	dp.mu.Lock()
	defer dp.mu.Unlock()
	var errs []error
	for _, name := range src.order {
		dst, ok := dp.contexts[name]
		if !ok {
			continue
		}
		for _, e := range src.contexts[name].Extensions() {
			old := dst.lookupName(e.Name)
			if old == nil {
				continue
			}
			for n, p := range e.prios {
				if q, dup := old.prios[n]; dup {
					errs = append(errs, &ParseError{p.File, p.Line, fmt.Sprintf("priority %d of extension %s in context [%s] already defined at %s:%d", n, quote(e.Name), name, q.File, q.Line)})
				}
			}
			for l, n := range e.label {
				if m, dup := old.label[l]; dup && m != n {
					p := e.prios[n]
					errs = append(errs, &ParseError{p.File, p.Line, fmt.Sprintf("label %s of extension %s in context [%s] already used", quote(l), quote(e.Name), name)})
				}
			}
		}
	}
	if len(errs) > 0 {
		return joinErrs(errs)
	}
	// Copy on write: contexts and extensions already handed out (Context,
	// Match) are never changed, so readers need no lock.
	for _, name := range src.order {
		sc := src.contexts[name]
		old, ok := dp.contexts[name]
		if !ok {
			dp.contexts[name] = sc
			dp.order = append(dp.order, name)
			continue
		}
		dst := old.clone()
		for _, inc := range sc.Includes {
			if !slices.Contains(dst.Includes, inc) {
				dst.Includes = append(dst.Includes, inc)
			}
		}
		for _, e := range sc.Extensions() {
			prev := dst.lookupName(e.Name)
			if prev == nil {
				dst.add(e)
				continue
			}
			merged := prev.clone()
			for n, p := range e.prios {
				merged.prios[n] = p
			}
			for l, n := range e.label {
				merged.label[l] = n
			}
			dst.replace(prev, merged)
		}
		dp.contexts[name] = dst
	}
	for k, v := range src.globals {
		dp.globals[k] = v
	}
	return nil
}

func newContext(name string) *Context {
	return &Context{Name: name, exact: map[string]*Extension{}}
}

// lookupName finds an extension by its defining name (not by matching).
func (c *Context) lookupName(name string) *Extension {
	if !IsPattern(name) {
		return c.exact[stripDash(name)]
	}
	for _, e := range c.patterns {
		if CompareExten(e.Name, name) == 0 {
			return e
		}
	}
	return nil
}

func (c *Context) clone() *Context {
	n := &Context{Name: c.Name, Includes: slices.Clone(c.Includes), exact: make(map[string]*Extension, len(c.exact)), patterns: slices.Clone(c.patterns)}
	for k, e := range c.exact {
		n.exact[k] = e
	}
	return n
}

func (e *Extension) clone() *Extension {
	n := *e
	n.prios = make(map[int]*Priority, len(e.prios))
	for k, p := range e.prios {
		n.prios[k] = p
	}
	n.label = make(map[string]int, len(e.label))
	for k, v := range e.label {
		n.label[k] = v
	}
	return &n
}

// replace swaps an extension of c for its merged copy.
func (c *Context) replace(old, e *Extension) {
	if !IsPattern(e.Name) {
		c.exact[stripDash(e.Name)] = e
		return
	}
	for i, p := range c.patterns {
		if p == old {
			c.patterns[i] = e
			return
		}
	}
}

func (c *Context) add(e *Extension) {
	if !IsPattern(e.Name) {
		c.exact[stripDash(e.Name)] = e
		return
	}
	i := sort.Search(len(c.patterns), func(i int) bool { return CompareExten(c.patterns[i].Name, e.Name) > 0 })
	c.patterns = slices.Insert(c.patterns, i, e)
}

// String renders the dialplan like Asterisk's "dialplan show": contexts
// in definition order, extensions in lookup order, then includes; globals
// first. It is stable, for golden files and debugging.
func (dp *Dialplan) String() string {
	dp.mu.RLock()
	defer dp.mu.RUnlock()
	var b strings.Builder
	if len(dp.globals) > 0 {
		keys := make([]string, 0, len(dp.globals))
		for k := range dp.globals {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString("[globals]\n")
		for _, k := range keys {
			fmt.Fprintf(&b, "  %s=%s\n", k, dp.globals[k])
		}
	}
	for _, name := range dp.order {
		c := dp.contexts[name]
		fmt.Fprintf(&b, "[ %s ]\n", name)
		for _, e := range c.Extensions() {
			fmt.Fprintf(&b, "  '%s' =>\n", e.Name)
			for _, p := range e.Priorities() {
				label := ""
				if p.Label != "" {
					label = "(" + p.Label + ")"
				}
				fmt.Fprintf(&b, "    %d.%s %s(%s) [%s:%d]\n", p.Number, label, p.App, p.Data, filepath.Base(p.File), p.Line)
			}
		}
		for _, inc := range c.Includes {
			fmt.Fprintf(&b, "  Include => '%s'\n", inc)
		}
	}
	return b.String()
}
