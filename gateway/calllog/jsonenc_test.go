package calllog

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestPayloadJSON(t *testing.T) {
	cases := []map[string]string{
		nil,
		{"a": "b"},
		{"caller": "13812345678", "line": "12345", "channel": "pstn"},
		{"label": "社保查询 \"引号\" \\ 反斜杠"},
		{"x": "tab\tnl\ncr\rnul\x00bell\x07", "y": "<&>", "z": "\u2028\u2029"},
	}
	for _, m := range cases {
		got := payloadJSON(m)
		var back map[string]string
		if err := json.Unmarshal([]byte(got), &back); err != nil {
			t.Fatalf("payloadJSON(%q) = %s: not JSON: %v", m, got, err)
		}
		if len(m) == 0 && len(back) == 0 {
			continue
		}
		if !maps.Equal(back, m) {
			t.Errorf("round trip of %q gave %q (%s)", m, back, got)
		}
	}
	if got := payloadJSON(map[string]string{"b": "2", "a": "1"}); got != `{"a":"1","b":"2"}` {
		t.Errorf("keys not sorted: %s", got)
	}
	if got := objJSON(str("id", "1"), str("mode", ""), num("at", 5)); got != `{"id":"1","at":5}` {
		t.Errorf("objJSON = %s", got)
	}
}

// FuzzPayloadJSON: the hand-written encoder always yields JSON that decodes
// back to the input (invalid UTF-8 becomes U+FFFD, as in encoding/json).
func FuzzPayloadJSON(f *testing.F) {
	f.Add("k", "v")
	f.Add("\x00", "\xff\"\\\u2028")
	f.Fuzz(func(t *testing.T, k, v string) {
		got := payloadJSON(map[string]string{k: v})
		var back map[string]string
		if err := json.Unmarshal([]byte(got), &back); err != nil {
			t.Fatalf("%q: not JSON: %s: %v", v, got, err)
		}
		want := map[string]string{strings.ToValidUTF8(k, "\ufffd"): strings.ToValidUTF8(v, "\ufffd")}
		if utf8.ValidString(k) && utf8.ValidString(v) && !maps.Equal(back, want) {
			t.Fatalf("round trip %q -> %q", want, back)
		}
	})
}
