package knowledge

import (
	"reflect"
	"strings"
	"testing"
)

func testLexicon(t testing.TB) *compiledLexicon {
	t.Helper()
	lx, err := LoadLexicon("../configs/kb-lexicon.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return lx.compile()
}

func keys(fs []feature, kind uint8) []string {
	var out []string
	for _, f := range fs {
		if f.kind == kind {
			out = append(out, strings.TrimPrefix(f.key, "t"))
		}
	}
	return out
}

func TestTokenize(t *testing.T) {
	lx := testLexicon(t)
	tests := []struct {
		in      string
		bigrams []string
		tokens  []string
	}{
		{"社保卡丢了", []string{"社保", "保卡", "卡丢"}, nil},
		// Fillers (那个, 我) and question words (怎么, 哪里) are cut.
		{"那个，我的社保怎么查", []string{"社保"}, nil},
		// Full-width digits and letters fold; ASCII runs are tokens.
		{"打１２３４５问ＡＢＣ", []string{}, []string{"12345", "abc"}},
		// Synonyms rewrite before tokenising: 驾照 → 驾驶证.
		{"驾照到期", []string{"驾驶", "驶证", "证到", "到期"}, nil},
		// Spelled-out numbers are cut.
		{"孩子十二岁", []string{"孩子"}, nil},
		{"", nil, nil},
		{"？？！", nil, nil},
	}
	for _, tt := range tests {
		fs := lx.features(tt.in, true)
		got := keys(fs, fBigram)
		if len(got) == 0 && len(tt.bigrams) == 0 {
			got = tt.bigrams
		}
		if !reflect.DeepEqual(got, tt.bigrams) {
			t.Errorf("%q: bigrams %v, want %v", tt.in, got, tt.bigrams)
		}
		if tok := keys(fs, fToken); !reflect.DeepEqual(tok, tt.tokens) {
			t.Errorf("%q: tokens %v, want %v", tt.in, tok, tt.tokens)
		}
	}
}

func TestPinyin(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"社保", "se bao"}, // sh folded to s
		{"设保", "se bao"},
		{"公积金", "gong ji jin"},
		{"公鸡金", "gong ji jin"},
		{"驾驶证", "jia si zen"}, // zh→z, eng→en
		{"驾使证", "jia si zen"},
		{"慢病卡", "man bin ka"}, // ing→in
		{"慢并卡", "man bin ka"},
		{"老人", "nao ren"}, // l→n
		{"abc", ""},
	}
	for _, tt := range tests {
		if got := strings.Join(PinyinOf(tt.in), " "); got != tt.want {
			t.Errorf("PinyinOf(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFoldSyllable(t *testing.T) {
	for in, want := range map[string]string{"zhang": "zang", "ching": "cin", "shen": "sen", "sheng": "sen", "lü": "nü", "an": "an", "ming": "min"} {
		if got := FoldSyllable(in); got != want {
			t.Errorf("FoldSyllable(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSoundKeysNeedOneExactCharacter(t *testing.T) {
	lx := testLexicon(t)
	a := lx.features("公鸡", false)[0]
	b := lx.features("公积", false)[0]
	c := lx.features("工鸡", false)[0] // both characters differ from 公积
	if a.pyA != b.pyA || a.pyB == b.pyB {
		t.Fatalf("公鸡/公积 should share the key (公, sound) only: %x %x / %x %x", a.pyA, a.pyB, b.pyA, b.pyB)
	}
	if c.pyA == b.pyA || c.pyB == b.pyB {
		t.Fatalf("工鸡/公积 share a sound key")
	}
}

func TestConcepts(t *testing.T) {
	lx := testLexicon(t)
	tests := []struct {
		in   string
		want []string
	}{
		{"美容院充值以后老板跑路了", []string{"预付卡", "预付卡"}},
		{"公积金能不能挪到这边", []string{"转移"}},
		{"身份证丢了想补办", []string{"补办", "补办"}},
		{"楼道里有股臭鸡蛋味", []string{"燃气泄漏"}},
		// The longest trigger wins: 检查 is a topic, so 查 inside it is not 查询.
		{"上门检查燃气", []string{"安全检查", "安全检查"}},
		{"今天心情不错", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, f := range lx.features(tt.in, true) {
			if f.kind == fConcept {
				got = append(got, lx.cons[f.con].Name)
			}
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q: concepts %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestClauseWeights(t *testing.T) {
	lx := testLexicon(t)
	cs := lx.splitClauses("公积金里有钱，还有社保也断了，先说公积金，怎么取")
	lx.weighClauses(cs)
	want := []float32{wPlain, wSide, wFocus, wQuestion}
	if len(cs) != len(want) {
		t.Fatalf("got %d clauses", len(cs))
	}
	for i, c := range cs {
		if c.w != want[i] {
			t.Errorf("clause %d %q: weight %v, want %v", i, string(c.rs), c.w, want[i])
		}
	}
}

// The asking clause is the one that asks; a bare one (在哪开) asks about the
// clause before it, a full one leaves that clause a story.
func TestAskingClause(t *testing.T) {
	lx := testLexicon(t)
	tests := []struct {
		in   string
		ask  []string // bigrams marked as asked
		told []string // bigrams of the story, not asked
	}{
		{"新单位要一份无犯罪记录证明，在哪开", []string{"犯罪", "记录", "证明"}, nil},
		{"上回反映的路灯的事，还能查进度不", []string{"进度"}, []string{"路灯"}},
		{"我家停水了，什么时候来水", []string{"来水"}, []string{"停水"}},
	}
	for _, tt := range tests {
		asked := map[string]bool{}
		for _, f := range lx.features(tt.in, true) {
			if f.kind == fBigram && f.ask {
				asked[f.key] = true
			}
		}
		for _, k := range tt.ask {
			if !asked[k] {
				t.Errorf("%s: %s not in the asking clause (asked: %v)", tt.in, k, asked)
			}
		}
		for _, k := range tt.told {
			if asked[k] {
				t.Errorf("%s: %s marked as asked, want it told", tt.in, k)
			}
		}
	}
}

// A clause the caller rules out (不是低保，是…) weighs as a side topic; a
// question that only says 是不是 is not ruled out.
func TestNegatedClause(t *testing.T) {
	lx := testLexicon(t)
	tests := []struct {
		in   string
		want []float32
	}{
		{"不是低保，是八十岁老人那个补助，在哪申请", []float32{wSide, wPlain, wQuestion}},
		{"那个不是退税，是开交税证明", []float32{wSide, wPlain}},
		{"是不是要带身份证", []float32{wQuestion}},
		{"不是本地户口能办吗", []float32{wQuestion}}, // the only clause: nothing else is asked
	}
	for _, tt := range tests {
		cs := lx.splitClauses(tt.in)
		lx.weighClauses(cs)
		var got []float32
		for _, c := range cs {
			got = append(got, c.w)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: clause weights %v, want %v", tt.in, got, tt.want)
		}
	}
}
