package dialplan

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// maxErrors caps how many problems one Load reports.
const maxErrors = 20

// ParseFile reads an extensions.conf file into a new Dialplan.
func ParseFile(path string) (*Dialplan, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open dialplan: %w", err)
	}
	defer f.Close()
	return Parse(f, path)
}

// Parse reads extensions.conf text into a new Dialplan. name is used in
// error messages (file:line).
func Parse(r io.Reader, name string) (*Dialplan, error) {
	dp := New()
	if err := dp.Load(r, name); err != nil {
		return nil, err
	}
	return dp, nil
}

// Load adds the contexts and globals of extensions.conf text to dp.
// Contexts already present are extended; a priority defined twice is an
// error. Nothing is added if there is any error. The error lists every
// problem found (up to 20), each a *ParseError naming file:line.
func (dp *Dialplan) Load(r io.Reader, name string) error {
	p := &parser{file: name, dp: New()}
	// Globals already known may be used by the new text (${X} in
	// extension names and in later globals).
	dp.mu.RLock()
	for k, v := range dp.globals {
		p.known = append(p.known, [2]string{k, v})
	}
	dp.mu.RUnlock()
	if err := p.run(r); err != nil {
		return err
	}
	return dp.merge(p.dp)
}

type parser struct {
	file string
	dp   *Dialplan
	errs []error

	line    int
	section string // "", "general", "globals" or a context name
	ctx     *Context
	lastExt *Extension
	lastPri int // -2: none yet in this context (pbx_config's convention)
	known   [][2]string

	inBlock     int  // depth of ;-- --; comments
	globalsPass bool // first pass: only [globals] assignments
}

func (p *parser) errorf(format string, args ...any) {
	if len(p.errs) < maxErrors {
		p.errs = append(p.errs, &ParseError{File: p.file, Line: p.line, Msg: fmt.Sprintf(format, args...)})
	}
}

func (p *parser) run(r io.Reader) error {
	type rec struct {
		num  int
		text string
	}
	var lines []rec
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		p.line++
		lines = append(lines, rec{p.line, p.stripComments(sc.Text())})
	}
	if err := sc.Err(); err != nil {
		p.line++
		p.errorf("read: %v", err)
	}
	if p.inBlock > 0 {
		p.errorf("block comment ';--' not closed with '--;'")
	}
	// Asterisk sets all [globals] before it builds any context, so a
	// context may use a global defined further down: two passes.
	for _, pass := range []bool{true, false} {
		p.globalsPass = pass
		p.section, p.ctx = "", nil
		for _, l := range lines {
			p.line = l.num
			p.handle(l.text)
		}
	}
	return joinErrs(p.errs)
}

func joinErrs(errs []error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	return errors.Join(errs...)
}

// stripComments removes ';' comments and ';-- --;' block comments, and
// turns the escape "\;" into ';', as Asterisk's config reader does.
func (p *parser) stripComments(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if p.inBlock > 0 {
			if strings.HasPrefix(s[i:], "--;") {
				p.inBlock--
				i += 2
			} else if strings.HasPrefix(s[i:], ";--") {
				p.inBlock++
				i += 2
			}
			continue
		}
		switch {
		case s[i] == '\\' && i+1 < len(s) && s[i+1] == ';':
			b.WriteByte(';')
			i++
		case strings.HasPrefix(s[i:], ";--"):
			p.inBlock++
			i += 2
		case s[i] == ';':
			return b.String()
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func (p *parser) handle(line string) {
	line = strings.TrimSpace(line)
	if line == "" {
		return
	}
	if p.globalsPass {
		// Only track sections and read globals; errors come in pass two.
		if line[0] == '[' {
			end := strings.IndexByte(line, ']')
			p.section = ""
			if end > 0 && strings.EqualFold(strings.TrimSpace(line[1:end]), "globals") && strings.TrimSpace(line[end+1:]) == "" {
				p.section = "globals"
			}
			return
		}
		if p.section != "globals" || line[0] == '#' || !strings.Contains(line, "=") {
			return // reported, if wrong, in pass two
		}
	}
	switch line[0] {
	case '[':
		p.header(line)
		return
	case '#':
		word, _, _ := strings.Cut(line, " ")
		p.errorf("directive %s is not supported", quote(word))
		return
	}
	key, value, ok := strings.Cut(line, "=")
	if !ok {
		p.errorf("expected 'name => value', got %s", quote(line))
		return
	}
	value = strings.TrimPrefix(value, ">")
	key, value = strings.TrimSpace(key), strings.TrimSpace(value)
	switch p.section {
	case "":
		p.errorf("%s outside any [section]", quote(key))
	case "general":
		// static, writeprotect, autofallthrough, ...: nothing to do here.
	case "globals":
		if !p.globalsPass {
			return
		}
		if key == "" {
			p.errorf("global variable without a name")
			return
		}
		v := Substitute(value, p.lookupGlobal)
		p.known = append(p.known, [2]string{key, v})
		p.dp.globals[key] = v
	default:
		p.directive(key, value)
	}
}

func (p *parser) lookupGlobal(name string) (string, bool) {
	for i := len(p.known) - 1; i >= 0; i-- {
		if p.known[i][0] == name {
			return p.known[i][1], true
		}
	}
	return "", false
}

func (p *parser) header(line string) {
	end := strings.IndexByte(line, ']')
	if end < 0 {
		p.errorf("section header %s has no ']'", quote(line))
		p.section, p.ctx = "", nil
		return
	}
	name := strings.TrimSpace(line[1:end])
	rest := strings.TrimSpace(line[end+1:])
	p.section, p.ctx, p.lastExt, p.lastPri = "", nil, nil, -2
	switch {
	case name == "":
		p.errorf("empty section name")
		return
	case rest != "":
		p.errorf("context templates and options %s after [%s] are not supported", quote(rest), name)
		return
	case strings.ContainsAny(name, " \t,"):
		p.errorf("bad context name %s", quote(name))
		return
	}
	p.section = name
	if strings.EqualFold(name, "general") || strings.EqualFold(name, "globals") {
		p.section = strings.ToLower(name)
		return
	}
	c, ok := p.dp.contexts[name]
	if !ok {
		c = newContext(name)
		p.dp.contexts[name] = c
		p.dp.order = append(p.dp.order, name)
	}
	p.ctx = c
}

func (p *parser) directive(key, value string) {
	switch strings.ToLower(key) {
	case "exten":
		ext, rest, ok := cutOutsideBrackets(value)
		if !ok && strings.Count(value, "[") > strings.Count(value, "]") {
			p.errorf("extension %s has '[' without ']'", quote(value))
			return
		}
		if !ok {
			p.errorf("exten %s has no priority", quote(value))
			return
		}
		p.extension(strings.TrimSpace(ext), rest)
	case "same":
		if p.lastExt == nil {
			p.errorf("'same' before any 'exten' in context [%s]", p.ctx.Name)
			return
		}
		p.priority(p.lastExt, value)
	case "include":
		value = Substitute(value, p.lookupGlobal)
		if value == "" {
			p.errorf("include without a context name")
			return
		}
		if strings.ContainsAny(value, ",|") {
			p.errorf("time-conditional include %s is not supported", quote(value))
			return
		}
		for _, inc := range p.ctx.Includes {
			if inc == value {
				return
			}
		}
		p.ctx.Includes = append(p.ctx.Includes, value)
	case "ignorepat":
		// Only affects dial tone on analog lines.
	case "switch", "eswitch", "lswitch":
		p.errorf("%s is not supported", quote(key))
	default:
		p.errorf("unknown directive %s in context [%s]", quote(key), p.ctx.Name)
	}
}

func (p *parser) extension(name, rest string) {
	name = Substitute(name, p.lookupGlobal)
	switch {
	case name == "":
		p.errorf("exten with an empty extension name")
		return
	case strings.Contains(name, "/"):
		p.errorf("caller-id matching %s is not supported", quote(name))
		return
	case strings.ContainsAny(name, " \t"):
		p.errorf("extension name %s contains blanks", quote(name))
		return
	}
	if IsPattern(name) {
		if msg := validatePattern(name); msg != "" {
			p.errorf("%s", msg)
			return
		}
	}
	e := p.ctx.lookupName(name)
	if e == nil {
		e = &Extension{Name: name, File: p.file, Line: p.line, prios: map[int]*Priority{}, label: map[string]int{}}
		p.ctx.add(e)
	}
	p.lastExt = e
	p.priority(e, rest)
}

// priority parses "prio[(label)][+n],App(args)" as pbx_config does.
func (p *parser) priority(e *Extension, value string) {
	pri, app, hasApp := strings.Cut(value, ",")
	pri = strings.TrimSpace(pri)
	var label string
	if i := strings.IndexByte(pri, '('); i >= 0 {
		j := strings.IndexByte(pri[i:], ')')
		if j < 0 {
			p.errorf("priority label in %s has no ')'", quote(pri))
			return
		}
		label = strings.TrimSpace(pri[i+1 : i+j])
		if tail := strings.TrimSpace(pri[i+j+1:]); tail != "" {
			p.errorf("unexpected %s after priority label", quote(tail))
			return
		}
		pri = strings.TrimSpace(pri[:i])
	}
	offset := 0
	if i := strings.IndexByte(pri, '+'); i >= 0 {
		n, err := strconv.Atoi(strings.TrimSpace(pri[i+1:]))
		if err != nil {
			p.errorf("bad priority offset in %s", quote(pri))
			return
		}
		offset, pri = n, strings.TrimSpace(pri[:i])
	}
	var n int
	switch pri { // case-sensitive, as pbx_config compares them
	case "hint":
		// Device state hints do not run. pbx_config still records -1 as
		// the last priority, so a following "n" gives 0 (rejected below).
		p.lastPri = -1
		return
	case "n", "next":
		if p.lastPri < -1 {
			p.errorf("can't use 'next' priority on the first entry of context [%s]", p.ctx.Name)
			return
		}
		n = p.lastPri + 1
	case "s", "same":
		if p.lastPri < -1 {
			p.errorf("can't use 'same' priority on the first entry of context [%s]", p.ctx.Name)
			return
		}
		n = p.lastPri
	case "":
		p.errorf("empty priority")
		return
	default:
		v, err := strconv.Atoi(pri)
		if err != nil {
			l, ok := e.label[pri]
			if !ok {
				p.errorf("invalid priority/label %s", quote(pri))
				return
			}
			v = l
		}
		n = v
	}
	n += offset
	if n < 1 {
		p.errorf("invalid priority %d (must be 1 or more)", n)
		return
	}
	if !hasApp {
		p.errorf("priority %d of %s has no application", n, quote(e.Name))
		return
	}
	appName, data, ok := splitApp(strings.TrimSpace(app))
	if !ok {
		p.errorf("application %s: %s", quote(strings.TrimSpace(app)), data)
		return
	}
	if old, dup := e.prios[n]; dup {
		p.errorf("priority %d of extension %s already defined at line %d", n, quote(e.Name), old.Line)
		return
	}
	if label != "" {
		if _, dup := e.label[label]; dup {
			p.errorf("label %s already used in extension %s", quote(label), quote(e.Name))
			return
		}
		e.label[label] = n
	}
	e.prios[n] = &Priority{Number: n, Label: label, App: appName, Data: data, File: p.file, Line: p.line}
	p.lastPri = n
}

// splitApp splits "App(args)" into name and raw data: data runs from
// the first '(' to the last ')'. The old "App,args" form is gone from
// Asterisk (the whole text would be taken as the application's name), so
// it fails here. On failure ok is false and data says why.
func splitApp(s string) (app, data string, ok bool) {
	if s == "" {
		return "", "missing application name", false
	}
	app = s
	if paren := strings.IndexByte(s, '('); paren >= 0 {
		app = s[:paren]
		rest := s[paren+1:]
		end := strings.LastIndexByte(rest, ')')
		if end < 0 {
			return "", "no closing parenthesis", false
		}
		if tail := strings.TrimSpace(rest[end+1:]); tail != "" {
			return "", "text " + quote(tail) + " after the closing parenthesis", false
		}
		data = rest[:end]
	}
	app = strings.TrimSpace(app)
	if app == "" {
		return "", "missing application name", false
	}
	for i := 0; i < len(app); i++ {
		c := app[i]
		if !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return "", "bad application name (write App(args))", false
		}
	}
	return app, data, true
}

// cutOutsideBrackets cuts at the first ',' that is not inside a pattern's
// [set], as pbx_config's pbx_strsep does.
func cutOutsideBrackets(s string) (before, after string, ok bool) {
	square := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[':
			square++
		case ']':
			if square > 0 {
				square--
			}
		case '\\':
			i++
		case ',':
			if square == 0 {
				return s[:i], s[i+1:], true
			}
		}
	}
	return s, "", false
}
