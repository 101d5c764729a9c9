package dialplan

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestMatchExten(t *testing.T) {
	for _, tc := range []struct {
		pattern, exten string
		want           bool
	}{
		{"12345", "12345", true},
		{"12345", "1234", false},
		{"555-1234", "5551234", true},
		{"5551234", "555-1234", true},
		{"s", "s", true},
		{"_X.", "1", false}, // '.' is one or more
		{"_X.", "12", true},
		{"_X.", "1a#", true},
		{"_X.", "a1", false},
		{"_x.", "12", true}, // classes are case-insensitive
		{"_NXXX", "2000", true},
		{"_NXXX", "1000", false},
		{"_NXXX", "20000", false},
		{"_NXXX", "200", false},
		{"_ZXX", "100", true},
		{"_ZXX", "010", false},
		{"_[1-5]", "3", true},
		{"_[1-5]", "6", false},
		{"_[1-5]", "35", false},
		{"_[135]X", "30", true},
		{"_[135]X", "20", false},
		{"_[a-c7]", "b", true},
		{"_[]1", "1", true}, // an empty set is ignored
		{"_1!", "1", true},  // '!' is zero or more
		{"_1!", "1234", true},
		{"_1!", "2", false},
		{"_!", "", true},
		{"_.", "h", true},
		{"_1-800-NXX-XXXX", "18002345678", true},
		{"_1-800-NXX-XXXX", "1-800-234-5678", true},
		{"_1-800-NXX-XXXX", "18001345678", false},
		{"_*X#", "*5#", true},
		{"_1[", "1", false}, // broken set never matches
	} {
		if got := MatchExten(tc.pattern, tc.exten); got != tc.want {
			t.Errorf("MatchExten(%q, %q) = %v, want %v", tc.pattern, tc.exten, got, tc.want)
		}
	}
}

func TestCanMatchExten(t *testing.T) {
	for _, tc := range []struct {
		pattern, exten string
		want           bool
	}{
		{"12345", "123", true},
		{"12345", "12345", true},
		{"12345", "", true},
		{"12345", "123456", false},
		{"12345", "124", false},
		{"123-45", "1234", true},
		{"_1XXXX", "12", true},
		{"_1XXXX", "22", false},
		{"_1XXXX", "123456", false},
		{"_X.", "1", true},
		{"_X.", "", true},
		{"_9!", "9", true},
		{"_[1-5]X", "6", false},
	} {
		if got := CanMatchExten(tc.pattern, tc.exten); got != tc.want {
			t.Errorf("CanMatchExten(%q, %q) = %v, want %v", tc.pattern, tc.exten, got, tc.want)
		}
	}
	dp, err := ParseFile("testdata/asterisk-lab.conf")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		ctx, exten string
		want       bool
	}{
		{"from-pstn", "1234", true}, // pjsip: 484 Address Incomplete
		{"from-pstn", "11", true},
		{"from-pstn", "119", false}, // pjsip: 404
		{"from-pstn", "12345", true},
		{"lab-internal", "answer", true},
		{"nope", "1", false},
	} {
		if got := dp.CanMatch(tc.ctx, tc.exten); got != tc.want {
			t.Errorf("CanMatch(%s, %s) = %v, want %v", tc.ctx, tc.exten, got, tc.want)
		}
	}
}

// Asterisk's sort order ("dialplan show" lists extensions in it).
func TestCompareExtenOrder(t *testing.T) {
	want := []string{
		"100", "12345", "555-1234", "h", "i", "s",
		"_1XX.", "_1XX", "_1X.", // the end of a pattern sorts after "."
		"_1.", "_1!",
		"_[12]XX", "_[1-5]XX", "_NXX", "_ZXX", "_XXX", "_X.", "_.", "_!",
	}
	for i := 0; i < 20; i++ {
		got := slices.Clone(want)
		rand.Shuffle(len(got), func(i, j int) { got[i], got[j] = got[j], got[i] })
		slices.SortStableFunc(got, CompareExten)
		if !slices.Equal(got, want) {
			t.Fatalf("order\n got %v\nwant %v", got, want)
		}
	}
	for _, pair := range [][2]string{{"_X.", "_x."}, {"_NXX", "_[2-9]XX"}, {"_1-2", "_12"}, {"55-5", "555"}} {
		if c := CompareExten(pair[0], pair[1]); c != 0 {
			t.Errorf("CompareExten(%q, %q) = %d, want 0", pair[0], pair[1], c)
		}
	}
	// Same set size: the set with the lower characters sorts first.
	if CompareExten("_[13]", "_[24]") >= 0 || CompareExten("_[24]", "_[13]") <= 0 {
		t.Error("sets of equal size must order by their characters")
	}
}

func TestFindOrder(t *testing.T) {
	const conf = `
[in]
exten => _X.,1,NoOp(X.)
 same => n,NoOp(X. two)
exten => _NXXX,1,NoOp(NXXX)
exten => _[1-5]XXX,1,NoOp([1-5]XXX)
exten => _2XXX,1,NoOp(2XXX)
exten => 2000,1,NoOp(2000)
exten => _20XX,1,NoOp(20XX)
exten => _9!,1,NoOp(9!)
exten => _9.,1,NoOp(9.)
include => first
include => second

[first]
exten => _X,1,NoOp(first X)
exten => 7,2,NoOp(first 7 two)
include => in

[second]
exten => 7,1,NoOp(second 7)
exten => 7,2,NoOp(second 7 two)
exten => ab,1,NoOp(second ab)
`
	dp, err := Parse(strings.NewReader(conf), "order.conf")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		exten string
		prio  int
		want  string // data of the priority found, "" for none
	}{
		{"2000", 1, "2000"},     // exact beats every pattern
		{"2001", 1, "20XX"},     // longest literal prefix wins
		{"2100", 1, "2XXX"},     // literal 2 beats [1-5], N, X
		{"3100", 1, "[1-5]XXX"}, // a 5-set beats N (8) and X (10)
		{"7100", 1, "NXXX"},     // N beats X
		{"1100", 1, "[1-5]XXX"}, //
		{"0100", 1, "X."},       //
		{"2000", 2, "X. two"},   // 2000 has no priority 2: the next match that has it
		{"91", 1, "9."},         // '.' sorts before '!'
		{"9", 1, "9!"},          // '.' needs one more character
		{"7", 1, "first X"},     // own extensions first, then includes in order
		{"7", 2, "first 7 two"}, //
		{"ab", 1, "second ab"},  // second include, include loop first<->in is harmless
		{"ab", 2, ""},           //
		{"nothing", 1, ""},      //
		{"2000", 3, ""},         //
		{"2-000", 1, "2000"},    // dashes in the dialed number are ignored too
		{"h", 1, "X."},          // _X. needs a digit first... h is not a digit
	} {
		p, ok := dp.Find("in", tc.exten, tc.prio)
		got := ""
		if ok {
			got = p.Data
		}
		if tc.exten == "h" {
			// "_X." starts with X: "h" must not match it, and nothing else matches.
			if ok {
				t.Errorf("Find(in, h, 1) = %q, want nothing", got)
			}
			continue
		}
		if got != tc.want {
			t.Errorf("Find(in, %s, %d) = %q, want %q", tc.exten, tc.prio, got, tc.want)
		}
	}
	if dp.Exists("missing-context", "1", 1) {
		t.Error("a missing context has no extensions")
	}
	e, in, ok := dp.Match("in", "7")
	if !ok || e.Name != "7" || in != "first" { // exact 7 (priority 2 only) beats _X
		t.Errorf("Match(in, 7) = %v %q %v", e, in, ok)
	}
}
