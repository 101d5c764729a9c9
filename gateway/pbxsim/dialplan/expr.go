package dialplan

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// maxExprDepth bounds nesting of an expression.
const maxExprDepth = 200

// Eval evaluates the text of a $[...] expression (already substituted) as
// Asterisk's ast_expr2 does. Operators, lowest precedence first:
// "c ? a :: b"; "|" "||"; "&" "&&"; "= == != < > <= >="; "+ -";
// "* / %"; unary "! -"; regex ": =~" and concatenation "~~"; parentheses.
// Bare words are strings, digit runs ("12", "1.5") numeric strings; a
// comparison is numeric only when neither side is a string, else it
// compares text. Quoted strings keep their quotes (so "a" = "a" holds but
// "a" = a does not). Arithmetic is floating point; a non-numeric operand
// counts as described in the source (x + word = x, word * x = 0, x / 0 =
// 2147483647). Comparisons give 1 or 0. An empty expression gives "".
// Dialplan functions inside $[...] (e.g. SQRT(4)) are not supported.
func Eval(expr string) (string, error) {
	toks := lexExpr(expr)
	if len(toks) == 0 {
		return "", nil
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
	s  string
	op bool
	v  value
}

// Longest first, as flex matches.
var exprOps = []string{"||", "&&", "==", "=~", "~~", ">=", "<=", "!=", "::",
	"|", "&", "=", ">", "<", "+", ",", "-", "*", "/", "%", "?", "!", ":", "(", ")"}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		strings.IndexByte(".';\\_^#@", c) >= 0 || c >= 0x80
}

func lexExpr(s string) []token {
	var toks []token
	i := 0
outer:
	for i < len(s) {
		c := s[i]
		switch c {
		case ' ', '\t', '\r', '\n':
			i++
			continue
		case '"':
			if end := strings.IndexByte(s[i+1:], '"'); end >= 0 {
				t := s[i : i+end+2] // the quotes stay part of the string
				toks = append(toks, token{s: t, v: value{kind: kindString, s: t}})
				i += end + 2
				continue
			}
		}
		for _, op := range exprOps {
			if strings.HasPrefix(s[i:], op) {
				toks = append(toks, token{s: op, op: true})
				i += len(op)
				continue outer
			}
		}
		j := i
		for j < len(s) {
			switch {
			case isWordByte(s[j]):
				j++
			case s[j] == '$' && j+1 < len(s) && s[j+1] != '{':
				j += 2
			default:
				goto done
			}
		}
	done:
		if j == i {
			i++ // flex's default rule: an unmatched character is skipped
			continue
		}
		w := s[i:j]
		kind := kindString
		if isNumericToken(w) {
			kind = kindNumStr
		}
		toks = append(toks, token{s: w, v: value{kind: kind, s: w}})
		i = j
	}
	return toks
}

// isNumericToken is the lexer's [0-9]+(\.[0-9]+)? rule.
func isNumericToken(w string) bool {
	intPart, frac, hasDot := strings.Cut(w, ".")
	if intPart == "" || strings.Trim(intPart, "0123456789") != "" {
		return false
	}
	return !hasDot || frac != "" && strings.Trim(frac, "0123456789") == ""
}

type valueKind int

const (
	kindString valueKind = iota // AST_EXPR_string
	kindNumStr                  // AST_EXPR_numeric_string
	kindNumber                  // AST_EXPR_number
)

type value struct {
	kind valueKind
	s    string
	n    float64
}

func number(f float64) value { return value{kind: kindNumber, n: f} }

// makeStr is make_str: a result string that looks numeric is a numeric
// string.
func makeStr(s string) value {
	isint := s != "" && (s[0] >= '0' && s[0] <= '9' || s[0] == '-' || s[0] == '.')
	for i := 0; isint && i < len(s); i++ {
		if !(s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
			isint = false
		}
	}
	if isint {
		return value{kind: kindNumStr, s: s}
	}
	return value{kind: kindString, s: s}
}

func (v value) String() string {
	if v.kind == kindNumber {
		return formatNum(v.n)
	}
	return v.s
}

// toNumber is to_number: numbers and numeric strings convert, strings do
// not.
func (v value) toNumber() (float64, bool) {
	switch v.kind {
	case kindNumber:
		return v.n, true
	case kindNumStr:
		f, err := strconv.ParseFloat(strings.TrimSpace(v.s), 64)
		if err != nil {
			if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
				return 0, false
			}
			f = leadingFloat(v.s)
		}
		return f, true
	}
	return 0, false
}

// leadingFloat reads the numeric prefix of s, as strtod does.
func leadingFloat(s string) float64 {
	for j := len(s); j > 0; j-- {
		if f, err := strconv.ParseFloat(s[:j], 64); err == nil {
			return f
		}
	}
	return 0
}

// zeroOrNull is is_zero_or_null.
func (v value) zeroOrNull() bool {
	if v.kind == kindNumber {
		return v.n == 0
	}
	if v.s == "" {
		return true
	}
	n, ok := v.toNumber()
	return ok && n == 0
}

// formatNum prints like Asterisk's "%.18Lg" would for the value meant:
// float64 results are first rounded to 15 significant digits so that
// 0.1+0.2 prints 0.3, as the long double Asterisk uses does.
func formatNum(f float64) string {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e18 {
		return strconv.FormatInt(int64(f), 10)
	}
	r, err := strconv.ParseFloat(strconv.FormatFloat(f, 'e', 14, 64), 64)
	if err != nil {
		r = f
	}
	if a := math.Abs(r); a >= 1e-4 && a < 1e18 {
		return strconv.FormatFloat(r, 'f', -1, 64)
	}
	return strconv.FormatFloat(r, 'e', -1, 64)
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

func tooDeep() error { return fmt.Errorf("%w: nested too deeply", ErrExpr) }

func (p *exprParser) ternary(depth int) (value, error) {
	if depth > maxExprDepth {
		return value{}, tooDeep()
	}
	c, err := p.or(depth)
	for err == nil {
		if _, ok := p.peekOp("?"); !ok {
			break
		}
		p.pos++
		var a, b value
		if a, err = p.or(depth); err != nil {
			break
		}
		if _, ok := p.peekOp("::"); !ok {
			return value{}, fmt.Errorf("%w: '?' without '::'", ErrExpr)
		}
		p.pos++
		if b, err = p.or(depth); err != nil {
			break
		}
		if condTrue(c) {
			c = a
		} else {
			c = b
		}
	}
	return c, err
}

// condTrue is op_cond's test.
func condTrue(v value) bool {
	if v.kind == kindString {
		return v.s != "" && v.s != `""` && v.s != "0"
	}
	n, _ := v.toNumber()
	return n != 0
}

func (p *exprParser) or(depth int) (value, error) {
	l, err := p.and(depth)
	for err == nil {
		if _, ok := p.peekOp("|", "||"); !ok {
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
		if _, ok := p.peekOp("&", "&&"); !ok {
			break
		}
		p.pos++
		var r value
		if r, err = p.cmp(depth); err == nil && (l.zeroOrNull() || r.zeroOrNull()) {
			l = number(0)
		}
	}
	return l, err
}

func boolNum(b bool) value {
	if b {
		return number(1)
	}
	return number(0)
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
		if l.kind == kindString || r.kind == kindString {
			c = strings.Compare(l.String(), r.String())
		} else {
			a, _ := l.toNumber()
			b, _ := r.toNumber()
			switch {
			case a < b:
				c = -1
			case a > b:
				c = 1
			case a != b: // NaN
				c = 2
			}
		}
		switch op {
		case "=", "==":
			l = boolNum(c == 0)
		case "!=":
			l = boolNum(c != 0)
		case "<":
			l = boolNum(c == -1)
		case ">":
			l = boolNum(c == 1)
		case "<=":
			l = boolNum(c == -1 || c == 0)
		case ">=":
			l = boolNum(c == 1 || c == 0)
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
		a, aok := l.toNumber()
		b, bok := r.toNumber()
		switch {
		case !aok && !bok:
			l = number(0)
		case !aok && op == "+":
			l = r
		case !aok:
			l = number(-b)
		case !bok:
			// l stays
		case op == "+":
			l = number(a + b)
		default:
			l = number(a - b)
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
		a, aok := l.toNumber()
		b, bok := r.toNumber()
		switch op {
		case "*":
			if !aok || !bok {
				l = number(0)
			} else {
				l = number(a * b)
			}
		case "/":
			switch {
			case !aok:
				l = number(0)
			case !bok || b == 0:
				l = number(math.MaxInt32)
			default:
				l = number(a / b)
			}
		case "%":
			switch {
			case !aok || !bok:
				l = number(0)
			case b == 0:
				l = number(0)
			default:
				l = number(math.Mod(a, b))
			}
		}
	}
	return l, err
}

func (p *exprParser) unary(depth int) (value, error) {
	if depth > maxExprDepth {
		return value{}, tooDeep()
	}
	op, ok := p.peekOp("!", "-")
	if !ok {
		return p.regex(depth)
	}
	p.pos++
	v, err := p.unary(depth + 1)
	if err != nil {
		return value{}, err
	}
	if op == "-" {
		n, ok := v.toNumber()
		if !ok {
			return number(0), nil
		}
		return number(-n), nil
	}
	// op_compl: numbers by value; strings "" and "0" false, else atoi.
	var truth bool
	if v.kind == kindNumber {
		truth = v.n != 0
	} else if v.s != "" && v.s != "0" {
		n, _, _ := scanInt(v.s)
		truth = n != 0
	}
	return boolNum(!truth), nil
}

func (p *exprParser) regex(depth int) (value, error) {
	l, err := p.primary(depth)
	for err == nil {
		op, ok := p.peekOp(":", "=~", "~~")
		if !ok {
			break
		}
		p.pos++
		var r value
		if r, err = p.primary(depth); err != nil {
			break
		}
		if op == "~~" {
			l = makeStr(l.String() + r.String())
			continue
		}
		l = regexOp(stripQuotes(l.String()), stripQuotes(r.String()), op == ":")
	}
	return l, err
}

// stripQuotes is strip_quotes: when a string starts and ends with '"',
// every '"' in it is removed.
func stripQuotes(s string) string {
	if len(s) >= 1 && s[0] == '"' && s[len(s)-1] == '"' {
		return strings.ReplaceAll(s, `"`, "")
	}
	return s
}

// regexOp is op_colon (anchored at the start) and op_eqtilde: with a
// matching group its text, else the match length; no match gives 0, or ""
// when the expression has groups. A bad expression gives "".
func regexOp(s, pattern string, anchored bool) value {
	re, err := regexp.Compile(pattern)
	if err != nil {
		return makeStr("")
	}
	m := re.FindStringSubmatchIndex(s)
	if m != nil && (!anchored || m[0] == 0) {
		if len(m) >= 4 && m[2] >= 0 {
			return makeStr(s[m[2]:m[3]])
		}
		return number(float64(m[1] - m[0]))
	}
	if re.NumSubexp() == 0 {
		return number(0)
	}
	return makeStr("")
}

func (p *exprParser) primary(depth int) (value, error) {
	if p.pos >= len(p.toks) {
		return value{}, fmt.Errorf("%w: unexpected end", ErrExpr)
	}
	t := p.toks[p.pos]
	if !t.op {
		p.pos++
		if _, ok := p.peekOp("("); ok {
			return value{}, fmt.Errorf("%w: function %s() in an expression is not supported", ErrExpr, t.s)
		}
		return t.v, nil
	}
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
