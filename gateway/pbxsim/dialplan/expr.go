package dialplan

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// ErrExpr is wrapped by Eval's errors; in ${...} text a failed $[...]
// expands to "", as in Asterisk.
var ErrExpr = errors.New("bad expression")

// maxExprDepth bounds parenthesis nesting of an expression.
const maxExprDepth = 200

// Eval evaluates the text of a $[...] expression (already substituted)
// with Asterisk's operators, lowest precedence first: "c ? a :: b", "|",
// "&", "= == != < > <= >=", "+ -", "* / %", unary "! -", regex ": =~",
// parentheses. Values are strings; both operands numeric means numeric
// comparison and arithmetic (floating point, printed without a trailing
// ".0"), else string comparison. Comparisons give "1" or "0". Double
// quotes delimit strings.
func Eval(expr string) (string, error) {
	toks, err := lexExpr(expr)
	if err != nil {
		return "", err
	}
	if len(toks) == 0 {
		return "", nil // $[] is empty
	}
	p := &exprParser{toks: toks}
	v, err := p.ternary(0)
	if err != nil {
		return "", err
	}
	if p.pos < len(p.toks) {
		return "", fmt.Errorf("%w: unexpected %q", ErrExpr, p.toks[p.pos].s)
	}
	return v.String(), nil
}

type token struct {
	s      string
	op     bool
	quoted bool
}

var exprOps = []string{"::", "=~", "!=", "<=", ">=", "==", "|", "&", "=", "<", ">", "+", "-", "*", "/", "%", "?", "!", "(", ")", ":"}

func lexExpr(s string) ([]token, error) {
	var toks []token
	i := 0
outer:
	for i < len(s) {
		c := s[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			i++
			continue
		}
		if c == '"' {
			end := strings.IndexByte(s[i+1:], '"')
			if end < 0 {
				return nil, fmt.Errorf("%w: unterminated string", ErrExpr)
			}
			toks = append(toks, token{s: s[i+1 : i+1+end], quoted: true})
			i += end + 2
			continue
		}
		for _, op := range exprOps {
			if strings.HasPrefix(s[i:], op) {
				toks = append(toks, token{s: op, op: true})
				i += len(op)
				continue outer
			}
		}
		j := i
		for j < len(s) && !strings.ContainsRune(" \t\n\r\"|&=<>+-*/%?!():", rune(s[j])) {
			j++
		}
		toks = append(toks, token{s: s[i:j]})
		i = j
	}
	return toks, nil
}

// value is a string that may be a number.
type value struct {
	s      string
	quoted bool
	num    float64
	isNum  bool
}

func strVal(s string, quoted bool) value {
	v := value{s: s, quoted: quoted}
	if !quoted {
		if f, ok := parseNum(s); ok {
			v.num, v.isNum = f, true
		}
	}
	return v
}

func numVal(f float64) value { return value{s: formatNum(f), num: f, isNum: true} }

func boolVal(b bool) value {
	if b {
		return numVal(1)
	}
	return numVal(0)
}

func (v value) String() string { return v.s }

// zeroOrNull is ast_expr2's is_zero_or_null: "" or a number equal to 0.
func (v value) zeroOrNull() bool {
	if v.isNum {
		return v.num == 0
	}
	return v.s == ""
}

func parseNum(s string) (float64, bool) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= '0' && c <= '9' || c == '.' || (i == 0 && (c == '-' || c == '+'))) {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// formatNum prints like Asterisk's "%.18Lg" for the values a dialplan
// meets: integers without a fraction, others in their shortest form.
func formatNum(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e18 {
		return strconv.FormatInt(int64(f), 10)
	}
	a := math.Abs(f)
	if a >= 1e-4 && a < 1e18 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'e', -1, 64)
}

type exprParser struct {
	toks []token
	pos  int
}

func (p *exprParser) peekOp(ops ...string) (string, bool) {
	if p.pos >= len(p.toks) || !p.toks[p.pos].op {
		return "", false
	}
	for _, o := range ops {
		if p.toks[p.pos].s == o {
			return o, true
		}
	}
	return "", false
}

func (p *exprParser) ternary(depth int) (value, error) {
	if depth > maxExprDepth {
		return value{}, fmt.Errorf("%w: nested too deeply", ErrExpr)
	}
	c, err := p.or(depth)
	if err != nil {
		return value{}, err
	}
	for {
		if _, ok := p.peekOp("?"); !ok {
			return c, nil
		}
		p.pos++
		a, err := p.or(depth)
		if err != nil {
			return value{}, err
		}
		if _, ok := p.peekOp("::"); !ok {
			return value{}, fmt.Errorf("%w: '?' without '::'", ErrExpr)
		}
		p.pos++
		b, err := p.or(depth)
		if err != nil {
			return value{}, err
		}
		if cond(c) {
			c = a
		} else {
			c = b
		}
	}
}

// cond is op_cond's truth: strings true unless "", "\"\"" or "0".
func cond(v value) bool {
	if v.isNum {
		return v.num != 0
	}
	return v.s != "" && v.s != `""` && v.s != "0"
}

func (p *exprParser) or(depth int) (value, error) {
	l, err := p.and(depth)
	for err == nil {
		if _, ok := p.peekOp("|"); !ok {
			break
		}
		p.pos++
		var r value
		if r, err = p.and(depth); err == nil && l.zeroOrNull() {
			l = r
		}
	}
	return l, err
}

func (p *exprParser) and(depth int) (value, error) {
	l, err := p.cmp(depth)
	for err == nil {
		if _, ok := p.peekOp("&"); !ok {
			break
		}
		p.pos++
		var r value
		if r, err = p.cmp(depth); err == nil && (l.zeroOrNull() || r.zeroOrNull()) {
			l = numVal(0)
		}
	}
	return l, err
}

func (p *exprParser) cmp(depth int) (value, error) {
	l, err := p.add(depth)
	for err == nil {
		op, ok := p.peekOp("=", "==", "!=", "<", ">", "<=", ">=")
		if !ok {
			break
		}
		p.pos++
		var r value
		if r, err = p.add(depth); err != nil {
			break
		}
		var c int
		if l.isNum && r.isNum {
			switch {
			case l.num < r.num:
				c = -1
			case l.num > r.num:
				c = 1
			}
		} else {
			c = strings.Compare(l.s, r.s)
		}
		switch op {
		case "=", "==":
			l = boolVal(c == 0)
		case "!=":
			l = boolVal(c != 0)
		case "<":
			l = boolVal(c < 0)
		case ">":
			l = boolVal(c > 0)
		case "<=":
			l = boolVal(c <= 0)
		case ">=":
			l = boolVal(c >= 0)
		}
	}
	return l, err
}

func (p *exprParser) add(depth int) (value, error) {
	l, err := p.mul(depth)
	for err == nil {
		op, ok := p.peekOp("+", "-")
		if !ok {
			break
		}
		p.pos++
		var r value
		if r, err = p.mul(depth); err != nil {
			break
		}
		if op == "+" {
			l = numVal(l.num + r.num) // a non-numeric operand counts as 0
		} else {
			l = numVal(l.num - r.num)
		}
	}
	return l, err
}

func (p *exprParser) mul(depth int) (value, error) {
	l, err := p.unary(depth)
	for err == nil {
		op, ok := p.peekOp("*", "/", "%")
		if !ok {
			break
		}
		p.pos++
		var r value
		if r, err = p.unary(depth); err != nil {
			break
		}
		switch op {
		case "*":
			l = numVal(l.num * r.num)
		case "/":
			if r.num == 0 {
				return value{}, fmt.Errorf("%w: division by zero", ErrExpr)
			}
			l = numVal(l.num / r.num)
		case "%":
			if r.num == 0 {
				return value{}, fmt.Errorf("%w: division by zero", ErrExpr)
			}
			l = numVal(math.Mod(l.num, r.num))
		}
	}
	return l, err
}

func (p *exprParser) unary(depth int) (value, error) {
	if depth > maxExprDepth {
		return value{}, fmt.Errorf("%w: nested too deeply", ErrExpr)
	}
	if op, ok := p.peekOp("!", "-"); ok {
		p.pos++
		v, err := p.unary(depth + 1)
		if err != nil {
			return value{}, err
		}
		if op == "-" {
			return numVal(-v.num), nil
		}
		return boolVal(v.zeroOrNull()), nil
	}
	return p.regex(depth)
}

func (p *exprParser) regex(depth int) (value, error) {
	l, err := p.primary(depth)
	for err == nil {
		op, ok := p.peekOp(":", "=~")
		if !ok {
			break
		}
		p.pos++
		var r value
		if r, err = p.primary(depth); err != nil {
			break
		}
		l, err = regexOp(l.s, r.s, op == ":")
	}
	return l, err
}

// regexOp is expr(1)'s match: anchored for ':', unanchored for '=~'. With
// a subexpression the first group's text is the result, else the length
// of the match (0 when there is none).
func regexOp(s, pattern string, anchored bool) (value, error) {
	if anchored {
		pattern = "^(?:" + pattern + ")"
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return value{}, fmt.Errorf("%w: regular expression: %v", ErrExpr, err)
	}
	m := re.FindStringSubmatchIndex(s)
	if re.NumSubexp() > 0 {
		if m == nil || m[2] < 0 {
			return strVal("", false), nil
		}
		return strVal(s[m[2]:m[3]], false), nil
	}
	if m == nil {
		return numVal(0), nil
	}
	return numVal(float64(m[1] - m[0])), nil
}

func (p *exprParser) primary(depth int) (value, error) {
	if p.pos >= len(p.toks) {
		return value{}, fmt.Errorf("%w: unexpected end", ErrExpr)
	}
	t := p.toks[p.pos]
	if t.op {
		if t.s != "(" {
			return value{}, fmt.Errorf("%w: unexpected %q", ErrExpr, t.s)
		}
		p.pos++
		v, err := p.ternary(depth + 1)
		if err != nil {
			return value{}, err
		}
		if _, ok := p.peekOp(")"); !ok {
			return value{}, fmt.Errorf("%w: missing ')'", ErrExpr)
		}
		p.pos++
		return v, nil
	}
	p.pos++
	return strVal(t.s, t.quoted), nil
}
