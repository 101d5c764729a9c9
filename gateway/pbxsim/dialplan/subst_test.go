package dialplan

import (
	"errors"
	"slices"
	"testing"
)

func mapLookup(m map[string]string) Lookup {
	return func(name string) (string, bool) {
		v, ok := m[name]
		return v, ok
	}
}

func TestSubstitute(t *testing.T) {
	vars := map[string]string{
		"X":                 "13812345678",
		"NAME":              "X",
		"EMPTY":             "",
		"A":                 "1",
		"B":                 "2",
		"CALLERID(num)":     "13800138000",
		"CALLERID(name)":    "张三",
		"WITHDOLLAR":        "${X}",
		"FUNC(13812345678)": "f-of-x",
		"SIP":               "PJSIP/1001",
	}
	for _, tc := range []struct{ in, want string }{
		{"plain", "plain"},
		{"${X}", "13812345678"},
		{"a${X}b", "a13812345678b"},
		{"${UNKNOWN}", ""},
		{"${X:3}", "12345678"},
		{"${X:0:3}", "138"},
		{"${X:-4}", "5678"},
		{"${X:-4:2}", "56"},
		{"${X:2:-2}", "8123456"},
		{"${X:-100}", "13812345678"},
		{"${X:100}", ""},
		{"${X:3:0}", ""},
		{"${X::3}", "13812345678"}, // sscanf("%d:%d") fails on the empty offset
		{"${X:-4:-100}", ""},
		{"${${NAME}}", "13812345678"},
		{"${${NAME}:0:3}", "138"},
		{"${CALLERID(num)}", "13800138000"},
		{"${CALLERID(name)}", "张三"},
		{"${FUNC(${X})}", "f-of-x"},
		{"${WITHDOLLAR}", "${X}"}, // values are not expanded again
		{"$X", "$X"},
		{"cost: 5$", "cost: 5$"},
		{"$$${A}", "$$1"},
		{"${X", "13812345678"}, // missing '}' runs to the end
		{"$[1+2]", "3"},
		{"$[${A} + ${B}]", "3"},
		{"$[${A}=1]", "1"},
		{"$[$[1+1]*3]", "6"},
		{"$[${EMPTY} = 1]", "0"}, // syntax error: Asterisk answers 0
		{"$[]", ""},
		{"${SIP:6}", "1001"},
		{"x${EMPTY}y", "xy"},
		{"${A}${B}", "12"},
		{"{${A}}", "{1}"},
	} {
		if got := Substitute(tc.in, mapLookup(vars)); got != tc.want {
			t.Errorf("Substitute(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := Substitute("${X}", nil); got != "" {
		t.Errorf("nil lookup: %q", got)
	}
}

func TestSubstring(t *testing.T) {
	for _, tc := range []struct {
		v           string
		off, length int
		want        string
	}{
		{"abcdef", 0, 100, "abcdef"},
		{"abcdef", 1, 2, "bc"},
		{"abcdef", -2, 100, "ef"},
		{"abcdef", -2, 1, "e"},
		{"abcdef", 1, -1, "bcde"},
		{"abcdef", 0, -6, ""},
		{"abcdef", 6, 1, ""},
		{"", 0, 0, ""},
	} {
		if got := Substring(tc.v, tc.off, tc.length); got != tc.want {
			t.Errorf("Substring(%q,%d,%d) = %q, want %q", tc.v, tc.off, tc.length, got, tc.want)
		}
	}
}

func TestSplitArgs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"a", []string{"a"}},
		{"a,b,c", []string{"a", "b", "c"}},
		{"a,,c", []string{"a", "", "c"}},
		{",b", []string{"", "b"}},
		{"a,", []string{"a", ""}},
		{",", []string{"", ""}},
		{"[a,b],c", []string{"[a,b]", "c"}},
		{"PJSIP/1001,30,tT", []string{"PJSIP/1001", "30", "tT"}},
		{"f(a,b),c", []string{"f(a,b)", "c"}},
		{`"a,b",c`, []string{"a,b", "c"}},
		{`a\,b,c`, []string{"a,b", "c"}},
		{`a\\b`, []string{`a\b`}},
		{`say "hi"`, []string{"say hi"}},
		{"x)y,z", []string{"x)y", "z"}},
		{"liandong,inbound,12345", []string{"liandong", "inbound", "12345"}},
	} {
		if got := SplitArgs(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("SplitArgs(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := separate(`a?"b?c"\?d?e`, '?', false, 2); !slices.Equal(got, []string{"a", `"b?c"\?d?e`}) {
		t.Errorf("raw separate = %q", got)
	}
}

func TestEval(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"1+2", "3"},
		{"1 + 2 * 3", "7"},
		{"(1 + 2) * 3", "9"},
		{"5/2", "2.5"},
		{"7%3", "1"},
		{"10-4-3", "3"},
		{"-5+2", "-3"},
		{"2*-3", "-6"},
		{"1=1", "1"},
		{"1==2", "0"},
		{"2 != 3", "1"},
		{"10 > 9", "1"},     // numeric
		{`"10" > "9"`, "0"}, // quoted: string comparison
		{"abc < abd", "1"},
		{"abc = abc", "1"},
		{"abc = ABC", "0"},
		{"01 = 1", "1"},
		{"3 >= 3", "1"},
		{"3 <= 2", "0"},
		{"1 & 0", "0"},
		{"a & b", "a"},
		{"0 | b", "b"},
		{"a | b", "a"},
		{"!0", "1"},
		{"!1", "0"},
		{"!abc", "1"}, // op_compl uses atoi on strings
		{"!5abc", "0"},
		{"!\"\"", "1"},
		{"1/0", "2147483647"},
		{"abc/2", "0"},
		{"2/abc", "2147483647"},
		{"5%0", "0"},
		{"abc - 3", "-3"},
		{"3 - abc", "3"},
		{"abc * 3", "0"},
		{"-abc", "0"},
		{`"abc"`, `"abc"`}, // quoted strings keep their quotes
		{`"a" = "a"`, "1"},
		{`"a" = a`, "0"},
		{`"" ? y :: n`, "n"},
		{"1 || 0", "1"},
		{"0 && 1", "0"},
		{"a ~~ b", "ab"},
		{"1 ~~ 2 + 1", "13"},
		{"[1]", "1"}, // characters no rule matches are skipped
		{`"abc`, "abc"},
		{"1.5.6 = 1.5.6", "1"}, // a string, compared as text
		{"2 < 10", "1"},
		{"2 < 10a", "0"}, // "10a" is a string: text comparison
		{"1 ? yes :: no", "yes"},
		{"0 ? yes :: no", "no"},
		{"x ? yes :: no", "yes"},
		{"1=1 & 2=2", "1"},
		{"1+1=2", "1"},
		{"13800138000 = 13800138000", "1"},
		{"abc + 1", "1"}, // non-numeric counts as 0
		{"12345 : 123", "3"},
		{"12345 : 2", "0"},       // ':' is anchored
		{"12345 =~ 2", "1"},      // '=~' is not
		{`12345 : "(1.)"`, "12"}, // a group returns its text
		{`abc : "(x)"`, ""},
		{"", ""},
		{"   ", ""},
		{"1.5 * 2", "3"},
		{"0.1 + 0.2", "0.3"},
		{"1 / 3", "0.333333333333333"},
		{"1e3 + 1", "1"}, // "1e3" is a string, not a number
		{"1000000 * 1000000", "1000000000000"},
	} {
		got, err := Eval(tc.in)
		if err != nil {
			t.Errorf("Eval(%q): %v", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("Eval(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, bad := range []string{"1 +", "= 1", "(1", "1)", "1 ? 2", "a : (", "()", "SQRT(4)", "1 2"} {
		if v, err := Eval(bad); err == nil || !errors.Is(err, ErrExpr) {
			t.Errorf("Eval(%q) = %q, %v; want an ErrExpr", bad, v, err)
		}
	}
}
