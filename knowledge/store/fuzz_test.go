package store

import (
	"bytes"
	"os"
	"regexp"
	"testing"
	"unicode/utf8"

	"liandong/knowledge"
)

func FuzzDecodeFile(f *testing.F) {
	faq, err := os.ReadFile(faqPath)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(faq)
	f.Add([]byte("entries:\n  - id: a-1\n    titel: x\n"))
	f.Add([]byte("entries: [{id: a, valid_from: 2026-01-01T00:00:00Z}]"))
	f.Add([]byte(""))
	f.Add([]byte("entries: 7"))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := DecodeFile(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, e := range entries {
			e.ApplyDefaults()
			_ = e.Validate() // must not panic
			_ = sameContent(e, knowledge.Entry{})
		}
	})
}

var digitRun = regexp.MustCompile(`[0-9]{5,}`)

func FuzzNormalizeQuestion(f *testing.F) {
	for _, s := range []string{"社保怎么查？", "  ＡＢＣ　１２３４５６７ ", "电话13812345678", "\xff\xfe", "。。。"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := NormalizeQuestion(s)
		if !utf8.ValidString(n) && utf8.ValidString(s) {
			t.Fatalf("%q -> invalid UTF-8 %q", s, n)
		}
		if utf8.RuneCountInString(n) > maxQuestionRunes {
			t.Fatalf("%q -> %d runes", s, utf8.RuneCountInString(n))
		}
		if digitRun.MatchString(n) {
			t.Fatalf("%q -> %q keeps a long digit run", s, n)
		}
	})
}
