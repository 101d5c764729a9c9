package knowledge

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// splitString renders the split of s as words joined by "|".
func splitString(lx *compiledLexicon, s string) string {
	rs := []rune(s)
	word, _ := lx.splitWords(rs)
	var b strings.Builder
	for i, r := range rs {
		if i > 0 && word[i] != word[i-1] {
			b.WriteByte('|')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func TestSplitWords(t *testing.T) {
	lx := (&Lexicon{}).compile()
	for _, tc := range []struct{ in, want string }{
		// The bigram 里水 is no word: it must not tie 家里水费 to 家里水压.
		{"家里水费欠了好几个月", "家里|水费|欠|了|好几个|月"},
		{"公积金能挪过来吗", "公积金|能|挪|过来|吗"},
		{"社保卡丢了怎么补办", "社保卡|丢|了|怎么|补办"},
		{"", ""},
		{"水", "水"},
	} {
		if got := splitString(lx, tc.in); got != tc.want {
			t.Errorf("split %q = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestWordRates(t *testing.T) {
	lx := (&Lexicon{}).compile()
	// No marker in the query: its clause weighs 1, so a bigram's weight is its rate.
	q := "家里水费欠了好几个月"
	weight := func(fs []feature, bigram string) float32 {
		t.Helper()
		for _, f := range fs {
			if f.key == bigram {
				return f.w
			}
		}
		t.Fatalf("%q has no bigram %q", q, bigram)
		return 0
	}
	fs := lx.features(q, true)
	if w := weight(fs, "里水"); w != boundaryRate {
		t.Errorf("里水 across 家里|水费: weight %v, want %v", w, boundaryRate)
	}
	if w := weight(fs, "水费"); w != 1 {
		t.Errorf("水费 (a rare word): weight %v, want 1", w)
	}
	if w := weight(fs, "家里"); w >= 1 || w < minWordRate {
		t.Errorf("家里 (a common word): weight %v, want in [%v,1)", w, minWordRate)
	}
	// Entries are not split: their bigrams keep weight 1 (the field weighs them).
	for _, f := range lx.features(q, false) {
		if f.kind == fBigram && f.w != 1 {
			t.Errorf("entry bigram %q has weight %v", f.key, f.w)
		}
	}
}

func TestParseWordTable(t *testing.T) {
	wt := parseWordTable("水费 10.5\n\n坏行\n太长的一个词语 9\n负数 -1\n非数 x\n  家里 5.7  \n")
	if len(wt.idf) != 2 {
		t.Fatalf("parsed %d words, want 2 (水费, 家里): %v", len(wt.idf), wt.idf)
	}
	if g := wt.idf[keyOf([]rune("家里"))]; g < 5.69 || g > 5.71 {
		t.Errorf("家里 idf %v, want 5.7", g)
	}
	if wordRate(0) != 1 || wordRate(commonIDF) != minWordRate || wordRate(rareIDF+1) != 1 {
		t.Errorf("wordRate bounds: %v %v %v", wordRate(0), wordRate(commonIDF), wordRate(rareIDF+1))
	}
}

// The split covers every rune with words in order, whatever the text.
func FuzzSplitWords(f *testing.F) {
	for _, s := range []string{"家里水费欠了好几个月", "12345热线", "ａｂｃ社保", "", "\xff\xfe"} {
		f.Add(s)
	}
	lx := (&Lexicon{}).compile()
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) || len(s) > 400 {
			return
		}
		rs := []rune(s)
		word, idf := lx.splitWords(rs)
		if len(word) != len(rs) {
			t.Fatalf("%d word marks for %d runes", len(word), len(rs))
		}
		for i := range word {
			if word[i] < 0 || int(word[i]) >= len(idf) || (i > 0 && word[i] != word[i-1] && word[i] != word[i-1]+1) || (i == 0 && word[i] != 0) {
				t.Fatalf("split of %q not in order: %v", s, word)
			}
			if i >= maxWordRunes && word[i] == word[i-maxWordRunes] {
				t.Fatalf("split of %q has a word longer than %d: %v", s, maxWordRunes, word)
			}
		}
	})
}
