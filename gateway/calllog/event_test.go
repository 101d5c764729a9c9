package calllog

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func TestValidatePayload(t *testing.T) {
	long := strings.Repeat("x", MaxValueLen+1)
	cases := []struct {
		name    string
		typ     Type
		p       map[string]string
		wantErr string // substring; "" means valid
	}{
		{"started ok", CallStarted, map[string]string{"caller": "13812345678", "line": "12345"}, ""},
		{"started intl", CallStarted, map[string]string{"caller": "+8613812345678", "line": "12345", "channel": "webrtc"}, ""},
		{"started anonymous", CallStarted, map[string]string{"caller": "anonymous", "line": "12345"}, ""},
		{"started no caller", CallStarted, map[string]string{"line": "12345"}, `missing payload key "caller"`},
		{"started bad caller", CallStarted, map[string]string{"caller": "138-1234", "line": "12345"}, "not a phone number"},
		{"started short caller", CallStarted, map[string]string{"caller": "12", "line": "12345"}, "not a phone number"},
		{"started bad channel", CallStarted, map[string]string{"caller": "110", "line": "12345", "channel": "fax"}, `"fax" is not one of pstn, sip, webrtc`},
		{"unknown key", CallStarted, map[string]string{"caller": "110", "line": "12345", "name": "x"}, `unknown payload key "name"`},
		{"unknown type", Type("call.exploded"), nil, `unknown event type "call.exploded"`},
		{"empty value", IVRChoice, map[string]string{"menu": "", "choice": "1"}, "empty value"},
		{"id with space", IVRChoice, map[string]string{"menu": "main menu", "choice": "1"}, "is not an identifier"},
		{"id with brace", IVRChoice, map[string]string{"menu": "{x}", "choice": "1"}, "is not an identifier"},
		{"label chinese", IVRChoice, map[string]string{"menu": "main", "choice": "1", "label": "社保查询"}, ""},
		{"label control char", IVRChoice, map[string]string{"menu": "main", "choice": "1", "label": "a\nb"}, "control character"},
		{"label too long", IVRChoice, map[string]string{"menu": "main", "choice": "1", "label": long}, "longer than"},
		{"label not utf8", IVRChoice, map[string]string{"menu": "main", "choice": "1", "label": "\xff\xfe"}, "not UTF-8"},
		{"kb ok", KBAnswered, map[string]string{"entry": "faq-1", "version": "12", "score": "0.5"}, ""},
		{"kb bad version", KBAnswered, map[string]string{"entry": "faq-1", "version": "v2"}, "not a non-negative integer"},
		{"kb negative version", KBAnswered, map[string]string{"entry": "faq-1", "version": "-1"}, "not a non-negative integer"},
		{"kb bad score", KBAnswered, map[string]string{"entry": "faq-1", "version": "1", "score": "high"}, "is not a number"},
		{"severity ok", IntakeClassified, map[string]string{"category": "traffic", "severity": "II"}, ""},
		{"severity bad", IntakeClassified, map[string]string{"category": "traffic", "severity": "5"}, "is not one of I, II, III, IV"},
		{"missed no reason", AgentMissed, map[string]string{"agent": "a1"}, `missing payload key "reason"`},
		{"xfer ok", TransferRequested, map[string]string{"xfer": "1", "target": "110", "mode": "warm"}, ""},
		{"xfer bad mode", TransferRequested, map[string]string{"xfer": "1", "target": "110", "mode": "hot"}, "is not one of"},
		{"xfer failed no reason", TransferFailed, map[string]string{"xfer": "1"}, `missing payload key "reason"`},
		{"dispatch ok", DispatchCreated, map[string]string{"order": "GD2026-0001", "kind": "police"}, ""},
		{"dispatch bad kind", DispatchCreated, map[string]string{"order": "GD1", "kind": "fire"}, "is not one of"},
		{"survey ok", SurveyRecorded, map[string]string{"score": "5"}, ""},
		{"survey zero", SurveyRecorded, map[string]string{"score": "0"}, "not a score from 1 to 5"},
		{"survey six", SurveyRecorded, map[string]string{"score": "6"}, "not a score from 1 to 5"},
		{"ended ok", CallEnded, map[string]string{"cause": "abandoned"}, ""},
		{"ended no cause", CallEnded, nil, `missing payload key "cause"`},
		{"ended bad cause", CallEnded, map[string]string{"cause": "bored"}, "is not one of"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidatePayload(tc.typ, tc.p)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", tc.wantErr)
			}
			if !errors.Is(err, ErrInvalidEvent) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %q, want ErrInvalidEvent containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestEventEnvelopeValidation(t *testing.T) {
	ok := map[string]string{"cause": "system"}
	cases := []struct {
		name string
		ev   Event
		bad  bool
	}{
		{"ok", Event{Hotline: "12345", CallID: "c1", Seq: 1, Type: CallEnded, Payload: ok}, false},
		{"no hotline", Event{CallID: "c1", Seq: 1, Type: CallEnded, Payload: ok}, true},
		{"hotline colon", Event{Hotline: "a:b", CallID: "c1", Seq: 1, Type: CallEnded, Payload: ok}, true},
		{"no call", Event{Hotline: "110", Seq: 1, Type: CallEnded, Payload: ok}, true},
		{"call space", Event{Hotline: "110", CallID: "c 1", Seq: 1, Type: CallEnded, Payload: ok}, true},
		{"seq zero", Event{Hotline: "110", CallID: "c1", Type: CallEnded, Payload: ok}, true},
		{"negative time", Event{Hotline: "110", CallID: "c1", Seq: 1, TimeMS: -1, Type: CallEnded, Payload: ok}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.ev.Validate()
			if (err != nil) != tc.bad {
				t.Fatalf("Validate() = %v, want error: %v", err, tc.bad)
			}
		})
	}
}

// Every type has a schema and a record mapping, and the docs list them all.
func TestEveryTypeDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "redis-schema.md"))
	if err != nil {
		t.Fatalf("read schema doc: %v", err)
	}
	for _, typ := range Types() {
		head := "#### `" + string(typ) + "`"
		i := strings.Index(string(doc), head)
		if i < 0 {
			t.Errorf("docs/redis-schema.md has no section %s", head)
			continue
		}
		section := string(doc[i+len(head):])
		if j := strings.Index(section, "####"); j >= 0 {
			section = section[:j]
		}
		for _, f := range Schema[typ] {
			if f.Doc == "" {
				t.Errorf("%s.%s has no doc", typ, f.Key)
			}
			if !strings.Contains(section, "| `"+f.Key+"` |") {
				t.Errorf("docs: %s lacks payload key %s", typ, f.Key)
			}
		}
	}
}

func TestULIDsSortAndAreUnique(t *testing.T) {
	var g idGen
	seen := map[string]bool{}
	var ids []string
	ms := int64(1_700_000_000_000)
	for i := range 10000 {
		if i%1000 == 0 {
			ms++
		}
		if i == 5000 {
			ms -= 10 // clock stepped back: ids must still increase
		}
		id := g.next(ms)
		if len(id) != 26 || seen[id] {
			t.Fatalf("bad or repeated id %q", id)
		}
		seen[id] = true
		ids = append(ids, id)
	}
	if !sort.StringsAreSorted(ids) {
		t.Fatal("ids do not sort in emission order")
	}
	if got := encodeULID(0, 0, 0); got != strings.Repeat("0", 26) {
		t.Errorf("zero ulid %q", got)
	}
	if got := encodeULID(1<<48-1, 0xffff, 1<<64-1); got != "7ZZZZZZZZZ"+strings.Repeat("Z", 16) {
		t.Errorf("max ulid %q", got)
	}
}

func TestMaskPhone(t *testing.T) {
	cases := map[string]string{
		"13812345678":    "138****5678",
		"+8613812345678": "+86****5678",
		"03561234567":    "035****4567",
		"1234567":        "12****67",
		"12345":          "***45",
		"12":             "**",
		"":               "",
		"anonymous":      "anonymous",
	}
	for in, want := range cases {
		if got := MaskPhone(in); got != want {
			t.Errorf("MaskPhone(%q) = %q, want %q", in, got, want)
		}
	}
}
