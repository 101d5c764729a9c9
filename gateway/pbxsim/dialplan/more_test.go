package dialplan

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckCondition(t *testing.T) {
	for in, want := range map[string]bool{"": false, "0": false, "1": true, "-1": true, " 2": true, "0abc": false, "abc": true, "00": false} {
		if got := checkCondition(in); got != want {
			t.Errorf("checkCondition(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestBuiltinFuncs(t *testing.T) {
	for in, want := range map[string]string{
		"LEN(abc)":     "3",
		"LEN()":        "0",
		"ISNULL()":     "1",
		"ISNULL(x)":    "0",
		"EXISTS(x)":    "1",
		"EXISTS()":     "0",
		"IF(1?yes:no)": "yes",
		"IF(0?yes:no)": "no",
		"IF( ?yes:no)": "no",
	} {
		got, ok := builtinFunc(in)
		if !ok || got != want {
			t.Errorf("builtinFunc(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	if _, ok := builtinFunc("NOSUCH(x)"); ok {
		t.Error("unknown function answered")
	}
}

func TestEvalDepth(t *testing.T) {
	deep := strings.Repeat("(", 500) + "1" + strings.Repeat(")", 500)
	if _, err := Eval(deep); !errors.Is(err, ErrExpr) {
		t.Errorf("500 nested parentheses: %v, want ErrExpr", err)
	}
	if v, err := Eval(strings.Repeat("!", 500) + "0"); !errors.Is(err, ErrExpr) {
		t.Errorf("500 negations: %q %v, want ErrExpr", v, err)
	}
	if v, _ := Eval("99999999999999999999 + 1"); v != "1e+20" {
		t.Errorf("big sum = %q", v)
	}
	if v, _ := Eval("0.00001 * 1"); v != "1e-05" {
		t.Errorf("small product = %q", v)
	}
}

func TestLoadMergesPatterns(t *testing.T) {
	dp, err := Parse(strings.NewReader("[c]\nexten => _X.,1,NoOp(one)\n"), "a.conf")
	if err != nil {
		t.Fatal(err)
	}
	before, _, _ := dp.Match("c", "123")
	if err := dp.Load(strings.NewReader("[c]\nexten => _x.,2(two),NoOp(two)\n"), "b.conf"); err != nil {
		t.Fatal(err)
	}
	if !dp.Exists("c", "123", 2) {
		t.Error("priority 2 of _X. not merged")
	}
	if n, ok := dp.FindLabel("c", "55", "two"); !ok || n != 2 {
		t.Errorf("label two = %d %v", n, ok)
	}
	if _, ok := before.Priority(2); ok {
		t.Error("the extension handed out before Load changed")
	}
	if n, ok := before.Label("two"); ok {
		t.Errorf("old extension has label two at %d", n)
	}
	if got := (&ParseError{File: "f", Line: 3, Msg: "m"}).Error(); got != "f:3: m" {
		t.Errorf("ParseError = %q", got)
	}
	if got := (&GotoError{Loc: Location{"c", "1", 2, ""}}).Error(); got != "continue at c,1,2" {
		t.Errorf("GotoError = %q", got)
	}
}
