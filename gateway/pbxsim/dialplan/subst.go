package dialplan

import (
	"math"
	"strings"
)

// Lookup resolves a variable name, or a function call such as
// "CALLERID(num)" (its arguments already substituted), to its value.
type Lookup func(name string) (string, bool)

// maxSubstDepth bounds ${...} nesting so hostile input cannot exhaust the
// stack; deeper text is left as it is.
const maxSubstDepth = 64

// Substitute expands ${VAR}, ${VAR:offset:length}, ${FUNC(args)},
// nested ${${X}} and $[expression] in s, as Asterisk's
// pbx_substitute_variables does: unknown names expand to "", a '$' not
// followed by '{' or '[' is literal, an unclosed ${ or $[ runs to the end,
// values are inserted once (never re-expanded). Offsets count bytes, as
// in Asterisk.
func Substitute(s string, lookup Lookup) string {
	if lookup == nil {
		lookup = func(string) (string, bool) { return "", false }
	}
	return substitute(s, lookup, 0)
}

func substitute(s string, lookup Lookup, depth int) string {
	if !strings.Contains(s, "$") {
		return s
	}
	if depth > maxSubstDepth {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		j := strings.IndexByte(s[i:], '$')
		for j >= 0 && (i+j+1 >= len(s) || (s[i+j+1] != '{' && s[i+j+1] != '[')) {
			k := strings.IndexByte(s[i+j+1:], '$')
			if k < 0 {
				j = -1
			} else {
				j += k + 1
			}
		}
		if j < 0 {
			b.WriteString(s[i:])
			break
		}
		b.WriteString(s[i : i+j])
		start := i + j + 2
		if s[i+j+1] == '{' {
			inner, next, needsub := scanBraces(s, start)
			if needsub {
				inner = substitute(inner, lookup, depth+1)
			}
			b.WriteString(expandVar(inner, lookup))
			i = next
		} else {
			inner, next, needsub := scanBrackets(s, start)
			if needsub {
				inner = substitute(inner, lookup, depth+1)
			}
			v, err := Eval(inner)
			if err != nil {
				v = "0" // ast_expr's answer to a syntax error
			}
			b.WriteString(v)
			i = next
		}
	}
	return b.String()
}

// scanBraces finds the '}' closing a "${" whose content starts at i.
func scanBraces(s string, i int) (inner string, next int, needsub bool) {
	depth := 1
	k := i
	for ; k < len(s); k++ {
		switch s[k] {
		case '$':
			if k+1 < len(s) && (s[k+1] == '{' || s[k+1] == '[') {
				needsub = true
			}
		case '{':
			depth++
		case '}':
			depth--
		}
		if depth == 0 {
			return s[i:k], k + 1, needsub
		}
	}
	return s[i:], len(s), needsub // missing '}': Asterisk takes the rest
}

// scanBrackets finds the ']' closing a "$[" whose content starts at i.
func scanBrackets(s string, i int) (inner string, next int, needsub bool) {
	depth := 1
	k := i
	for ; k < len(s); k++ {
		switch {
		case s[k] == '$' && k+1 < len(s) && s[k+1] == '[':
			needsub = true
			depth++
			k++
		case s[k] == '$' && k+1 < len(s) && s[k+1] == '{':
			needsub = true
			k++
		case s[k] == '[':
			depth++
		case s[k] == ']':
			depth--
		}
		if depth == 0 {
			return s[i:k], k + 1, needsub
		}
	}
	return s[i:], len(s), needsub
}

// expandVar resolves "NAME", "NAME:off:len" or "FUNC(args):off:len".
func expandVar(expr string, lookup Lookup) string {
	name, offset, length, hasRange := splitRange(expr)
	v, _ := lookup(name)
	if !hasRange {
		return v
	}
	return Substring(v, offset, length)
}

// splitRange cuts ":offset:length" off a variable expression (a ':'
// inside parentheses belongs to a function's arguments). Numbers are read
// as C's sscanf("%d:%d") reads them: a missing offset leaves both
// defaults (0, whole string).
func splitRange(expr string) (name string, offset, length int, ok bool) {
	parens := 0
	for i := 0; i < len(expr); i++ {
		switch expr[i] {
		case '(':
			parens++
		case ')':
			parens--
		case ':':
			if parens != 0 {
				continue
			}
			offset, length = 0, math.MaxInt32
			rest := expr[i+1:]
			if n, used, ok := scanInt(rest); ok {
				offset = n
				rest = rest[used:]
				if strings.HasPrefix(rest, ":") {
					if m, _, ok := scanInt(rest[1:]); ok {
						length = m
					}
				}
			}
			return expr[:i], offset, length, true
		}
	}
	return expr, 0, math.MaxInt32, false
}

// scanInt reads an optionally signed decimal integer after optional
// blanks, like sscanf's %d (clamped to int32).
func scanInt(s string) (n, used int, ok bool) {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		neg = s[i] == '-'
		i++
	}
	d := i
	var v int64
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		if v < math.MaxInt32 {
			v = v*10 + int64(s[i]-'0')
		}
		i++
	}
	if i == d {
		return 0, 0, false
	}
	if v > math.MaxInt32 {
		v = math.MaxInt32
	}
	if neg {
		v = -v
	}
	return int(v), i, true
}

// Substring applies ${VAR:offset:length} semantics (Asterisk's
// substring()): a negative offset counts from the end, a negative length
// drops that many bytes from the end.
func Substring(v string, offset, length int) string {
	lr := len(v)
	if offset == 0 && length >= lr {
		return v
	}
	if offset < 0 {
		offset += lr
		if offset < 0 {
			offset = 0
		}
	}
	if offset >= lr {
		return ""
	}
	rest := v[offset:]
	switch {
	case length >= 0 && length < lr-offset:
		return rest[:length]
	case length < 0:
		if lr > offset-length {
			return rest[:lr+length-offset]
		}
		return ""
	}
	return rest
}

// SplitArgs splits application data on commas as Asterisk's
// AST_STANDARD_APP_ARGS does: commas inside parentheses or double quotes
// do not split, the quotes are removed, a backslash makes the next
// character literal (and is removed); commas inside [brackets] do not
// split either. Empty data gives no arguments; a trailing comma gives a
// trailing empty argument ("a," is two arguments).
func SplitArgs(data string) []string {
	return separate(data, ',', true, 0)
}

// separate is __ast_app_separate_args; max > 0 limits the number of
// pieces, the last one keeping the rest as it is. remove drops the quotes
// and escaping backslashes (STANDARD args), else they are kept (RAW args).
func separate(data string, delim byte, remove bool, max int) []string {
	var out []string
	var cur strings.Builder
	paren, bracket, quoted := 0, 0, false
	endedOnDelim := false
	i := 0
	for i < len(data) {
		if max > 0 && len(out) == max-1 {
			out = append(out, data[i:])
			endedOnDelim = false
			break
		}
		cur.Reset()
		endedOnDelim = false
	scan:
		for ; i < len(data); i++ {
			c := data[i]
			switch {
			case c == '(':
				paren++
			case c == ')':
				if paren > 0 {
					paren--
				}
			case c == '[':
				bracket++
			case c == ']':
				if bracket > 0 {
					bracket--
				}
			case c == '"' && delim != '"':
				quoted = !quoted
				if remove {
					continue
				}
			case c == '\\':
				if !remove {
					cur.WriteByte(c)
				}
				if i+1 >= len(data) {
					continue
				}
				i++
				c = data[i]
			case c == delim && paren == 0 && bracket == 0 && !quoted:
				i++
				endedOnDelim = true
				break scan
			}
			cur.WriteByte(c)
		}
		out = append(out, cur.String())
	}
	if endedOnDelim {
		out = append(out, "") // "a," has an empty second argument
	}
	return out
}
