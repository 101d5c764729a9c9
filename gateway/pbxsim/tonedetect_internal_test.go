package pbxsim

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestParseToneDetect(t *testing.T) {
	def := func(f func(*toneArgs)) toneArgs {
		a := toneArgs{freq: 2100, dur: 500 * time.Millisecond, db: 16, hits: 1, rx: true}
		f(&a)
		return a
	}
	tests := []struct {
		data string
		want toneArgs
		err  bool
	}{
		{data: "2100", want: def(func(*toneArgs) {})},
		{data: " 2100", want: def(func(*toneArgs) {})},
		{data: "2100+", want: def(func(*toneArgs) {})},
		{data: "2100,1000", want: def(func(a *toneArgs) { a.dur = time.Second })},
		{data: "2100,,t", want: def(func(a *toneArgs) { a.rx, a.tx = false, true })},
		{data: "2100,,r", want: def(func(*toneArgs) {})},
		{data: "2100,,tr", want: def(func(*toneArgs) {})}, // r is applied last
		{data: "2100,,d(20)", want: def(func(a *toneArgs) { a.db, a.tx = 20, true })},
		{data: "2100,,s", want: def(func(a *toneArgs) { a.tx = true })}, // squelch: accepted, no effect
		{data: "2100,300,n(3)g(ctx,s,1)h(2)", want: def(func(a *toneArgs) {
			a.dur, a.hits, a.gotoRX, a.gotoTX, a.tx = 300*time.Millisecond, 3, "ctx,s,1", "2", true
		})},
		{data: "2100,,g()", want: def(func(a *toneArgs) { a.tx = true })},
		{data: "0", want: def(func(a *toneArgs) { a.freq = 0 })},
		{data: "0,,x", want: toneArgs{remove: true, dur: 500 * time.Millisecond, db: 16, hits: 1}},
		{data: "junk,,x", want: toneArgs{remove: true, dur: 500 * time.Millisecond, db: 16, hits: 1}},
		{data: "", err: true},
		{data: "abc", err: true},
		{data: "2100 ", err: true},
		{data: "-5", err: true},
		{data: "2100+1000", err: true},
		{data: "1+2+3", err: true},
		{data: "2100,0", err: true},
		{data: "2100,-1", err: true},
		{data: "2100,abc", err: true},
		{data: "2100,,n(0)", err: true},
		{data: "2100,,n(x)", err: true},
		{data: "2100,,d(0)", err: true},
	}
	for _, tc := range tests {
		got, err := parseToneDetect(tc.data)
		if tc.err {
			if !errors.Is(err, errToneDetect) {
				t.Errorf("parse(%q) err = %v, want errToneDetect", tc.data, err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("parse(%q) = %+v, %v; want %+v", tc.data, got, err, tc.want)
		}
	}
}

func TestSplitFuncArgs(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", []string{"", "", ""}},
		{"a", []string{"a", "", ""}},
		{"a,b,c", []string{"a", "b", "c"}},
		{"a,b,g(x,y,1)", []string{"a", "b", "g(x,y,1)"}},
		{"a,b,c,d", []string{"a", "b", "c,d"}},
		{`a,"b,c",d`, []string{"a", `"b,c"`, "d"}},
		{`a\,b,c`, []string{`a\,b`, "c", ""}},
	}
	for _, tc := range tests {
		if got := splitFuncArgs(tc.in, 3); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("splitFuncArgs(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestResolveGoto(t *testing.T) {
	ch := &channel{dp: DialplanCEP{Context: "from-pstn", Exten: "12345", Priority: 2}}
	for in, want := range map[string]string{
		"5":             "from-pstn,12345,5",
		"s,1":           "from-pstn,s,1",
		"ctx,s,1":       "ctx,s,1",
		",,3":           "from-pstn,12345,3",
		"ctx,s,1,extra": "ctx,s,1",
	} {
		if got := resolveGoto(ch, in); got != want {
			t.Errorf("resolveGoto(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzParseToneDetect: any TONE_DETECT argument is parsed or rejected with
// errToneDetect, never a panic, and what is accepted is usable.
func FuzzParseToneDetect(f *testing.F) {
	for _, s := range []string{"2100", "2100,500,g(ctx,s,1)n(2)", "0,,x", "1+2+3", "2100,,d(", "2100,,g((((", `"`, `\`,
		"2100,,h(a,b", ",,,", "99999999999999999999", "2100,,tr", "2100,2147483647"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		a, err := parseToneDetect(data)
		if err != nil {
			if !errors.Is(err, errToneDetect) {
				t.Fatalf("parse(%q): error %v is not errToneDetect", data, err)
			}
			return
		}
		if a.remove {
			return
		}
		if a.freq < 0 || a.dur <= 0 || a.db < 1 || a.hits < 1 || !(a.rx || a.tx) {
			t.Fatalf("parse(%q) accepted %+v", data, a)
		}
		_ = resolveGoto(&channel{}, a.gotoRX)
	})
}
