package knowledge

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzSearch: any input, no panic, sane results.
func FuzzSearch(f *testing.F) {
	for _, s := range []string{"", "社保卡丢了怎么补办", "设保", "公鸡金", "12345", "喂，那个，就是，还有，回头再问", "\x00\xff", "ａｂｃ１２３", strings.Repeat("查", 600), "🙂退钱", "十二三四五六七八九十"} {
		f.Add(s, 3)
		f.Add(s, 1<<40)
	}
	ix := sampleIndex(f)
	f.Fuzz(func(t *testing.T, q string, k int) {
		res := ix.Search(q, k)
		if res.Confidence < 0 || res.Confidence > 1 || res.Confidence != res.Confidence {
			t.Fatalf("confidence %v", res.Confidence)
		}
		want := min(k, MaxHits)
		if want <= 0 {
			want = 3
		}
		if len(res.Hits) > want {
			t.Fatalf("%d hits for k=%d", len(res.Hits), k)
		}
		for _, h := range res.Hits {
			if h.ID == "" || !utf8.ValidString(strings.Join(h.Why, "")) {
				t.Fatalf("bad hit %+v", h)
			}
		}
	})
}

// FuzzDecodeFAQ: bad YAML gives an error, never a panic.
func FuzzDecodeFAQ(f *testing.F) {
	f.Add("entries:\n  - id: kb-1\n    department: d\n    title: t\n    answer: a\n")
	f.Add("entries: [{id: x}]")
	f.Add("entries:\n  - id: kb-1\n    valid_from: 2026-01-01T00:00:00Z\n")
	f.Add(":")
	f.Fuzz(func(t *testing.T, s string) {
		entries, err := DecodeFAQ(strings.NewReader(s))
		if err == nil {
			for i := range entries {
				if entries[i].Validate() != nil {
					t.Fatalf("invalid entry accepted: %+v", entries[i])
				}
			}
		}
	})
}

// FuzzDecodeLexicon: bad tables give an error; good ones build an index.
func FuzzDecodeLexicon(f *testing.F) {
	f.Add("synonyms:\n  社保: [设保]\n")
	f.Add("concepts:\n  - {name: a, kind: topic, triggers: [x]}\n")
	f.Add("fillers: [的]\n")
	f.Add("negation_markers: [不是, \"\"]\nfillers: [那个]\n")
	f.Add("rejects: [护照丢在国外怎么办, 社保卡密码忘了]\n")
	f.Add("concepts:\n  - {name: 疫苗, kind: uncovered, triggers: [狂犬疫苗, 社保卡]}\n")
	f.Add("concepts:\n  - {name: 加急, kind: uncovered_ask, triggers: [加急, 急着用]}\n")
	f.Add("synonyms:\n  公交车: [公交]\n  哪里: [哪]\nquestion_markers: [哪里]\nconcepts:\n  - {name: c, kind: uncovered, triggers: [公交卡充值, 在哪交]}\n")
	f.Fuzz(func(t *testing.T, s string) {
		lx, err := DecodeLexicon(strings.NewReader(s))
		if err != nil {
			return
		}
		ix, err := Build([]Entry{{ID: "a", Department: "d", Title: "社保卡怎么补办", Answer: "x", Status: StatusPublished, Version: 1}}, lx, Options{})
		if err != nil {
			t.Fatal(err)
		}
		ix.Search("设保卡丢了", 3)
	})
}
