package knowledge

import "testing"

func TestMendSlips(t *testing.T) {
	ix := sampleIndex(t)
	tests := []struct {
		in, want string // want "" = left as it is
	}{
		{"宫基金怎么提", "公积金怎么提"},       // two characters slipped, one kept
		{"公积经账户里有多少", "公积金账户里有多少"}, // ing/in folded
		{"孩子第一次办身份正", "孩子第一次办身份证"},
		{"燃其费在哪交", "燃气费在哪交"},
		// Said as written: a word of general Chinese, or in the index.
		{"公积金怎么提取", ""},
		{"我失业了", ""},
		// A chance homophone across a word boundary is no slip.
		{"从来没办过护照", ""},    // 过护 ≠ 过户: 护照 is a word
		{"垃圾分类怎么分", ""},    // 圾分 ≠ 记分: 垃圾 is a word
		{"电动自行车上牌去哪办", ""}, // 行车 ≠ 新车: 自行 is a word
		{"", ""},
		{"abc 12345", ""},
	}
	for _, tt := range tests {
		got, ok := ix.mendSlips(tt.in)
		switch {
		case tt.want == "" && ok:
			t.Errorf("%q mended to %q, want it left", tt.in, got)
		case tt.want != "" && (!ok || got != tt.want):
			t.Errorf("%q: got %q (mended %v), want %q", tt.in, got, ok, tt.want)
		}
	}
	// The search says what it searched.
	if res := ix.Search("燃其费在哪交", 3); res.Mended != "燃气费在哪交" || len(res.Hits) == 0 || res.Hits[0].ID != "kb-066" {
		t.Errorf("燃其费在哪交: mended %q, hits %+v; want 燃气费在哪交 and kb-066 first", res.Mended, res.Hits)
	}
}
