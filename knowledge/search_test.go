package knowledge

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

var (
	sampleOnce sync.Once
	sampleIdx  *Index
	sampleErr  error
)

func sampleIndex(t testing.TB) *Index {
	t.Helper()
	sampleOnce.Do(func() { sampleIdx, sampleErr = LoadIndex("../configs/faq.yaml", "../configs/kb-lexicon.yaml") })
	if sampleErr != nil {
		t.Fatal(sampleErr)
	}
	return sampleIdx
}

// loadSample loads the sample FAQ and search tables.
func loadSample(t testing.TB) ([]Entry, *Lexicon) {
	t.Helper()
	entries, err := LoadFAQ("../configs/faq.yaml")
	if err != nil {
		t.Fatal(err)
	}
	lex, err := LoadLexicon("../configs/kb-lexicon.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return entries, lex
}

// These questions are written for this test (not taken from kb-dev): each
// exercises one thing the method must handle.
func TestSearchCases(t *testing.T) {
	ix := sampleIndex(t)
	tests := []struct {
		name, q, want string // want "" = no answer
	}{
		{"plain", "住房公积金怎么提取", "kb-018"},
		{"slip 设保", "设保卡弄丢了去哪补", "kb-004"},
		{"slip 公鸡金", "公鸡金贷款要什么条件", "kb-020"},
		{"slip 驾使证", "驾使证到期了去哪换", "kb-032"},
		{"slip 慢并", "慢并待遇咋申请", "kb-013"},
		{"action 挪", "公积金能不能挪到外地去", "kb-023"},
		{"action 补 on the same topic", "社保卡被人偷了", "kb-004"},
		{"action 查", "想查一下公积金还剩多少", "kb-022"},
		{"concept, no shared words", "健身房老板跑路了，卡里还有三千块", "kb-072"},
		{"side topic", "我想补办身份证，还有护照的事我回头再问", "kb-026"},
		{"out of KB", "今天股票大盘行情怎么样", ""},
		{"out of KB 2", "演唱会门票哪里买", ""},
		{"outside: emergency", "楼下的饭店失火了，燃气罐可能要炸", ""},
		{"outside concept in a side clause only", "社保卡丢了怎么补办，还有昨天路上出了车祸的事回头再问", "kb-004"},
		{"uncovered matter asked", "宽带报装要不要物业证明", ""},
		{"uncovered matter asked 2", "狂犬疫苗在哪打", ""},
		{"uncovered word as context: where", "在景区买到假货了怎么投诉", "kb-070"},
		{"uncovered word as context: who sold the card", "旅行社办的预付卡不退钱", "kb-072"},
		{"uncovered word as context: when", "试用期单位不给交社保怎么办", "kb-024"},
		// 里水 (家里|水费) is no word: it must not tie the question to 家里水压太低.
		{"bigram across a word boundary", "家里水费好久没交了在哪交", "kb-057"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := ix.Search(tt.q, 3)
			got := ""
			if !res.NoAnswer && len(res.Hits) > 0 {
				got = res.Hits[0].ID
			}
			if got != tt.want {
				t.Fatalf("%s: got %q (conf %.2f, hits %+v), want %q", tt.q, got, res.Confidence, res.Hits, tt.want)
			}
			if res.Confidence < 0 || res.Confidence > 1 {
				t.Fatalf("confidence %v out of [0,1]", res.Confidence)
			}
		})
	}
}

func TestSearchWhy(t *testing.T) {
	// 慢并 is matched by sound (慢病): no keyword sounds like 慢并卡, so it
	// is not mended (slips.go) and the match shows as a sound.
	res := sampleIndex(t).Search("门诊慢并怎么申请", 3)
	if len(res.Hits) == 0 {
		t.Fatal("no hits")
	}
	if res.Mended != "" {
		t.Errorf("mended to %q, want the question as asked", res.Mended)
	}
	why := strings.Join(res.Hits[0].Why, " ")
	for _, want := range []string{"慢并≈man bin", "门诊"} {
		if !strings.Contains(why, want) {
			t.Errorf("why %q lacks %q", why, want)
		}
	}
	for i := 1; i < len(res.Hits); i++ {
		if res.Hits[i].Score > res.Hits[i-1].Score {
			t.Errorf("hits not ranked: %+v", res.Hits)
		}
	}
}

func TestSearchOnlyPublished(t *testing.T) {
	entries := []Entry{
		{ID: "a", Department: "d", Title: "社保卡怎么补办", Answer: "x", Status: StatusPublished, Version: 1},
		{ID: "b", Department: "d", Title: "社保卡怎么补办", Answer: "x", Status: StatusDraft, Version: 1},
	}
	ix, err := Build(entries, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if ix.Len() != 1 {
		t.Fatalf("indexed %d entries, want 1", ix.Len())
	}
	for _, h := range ix.Search("社保卡补办", 5).Hits {
		if h.ID == "b" {
			t.Fatal("draft entry found")
		}
	}
}

// A caller question finds its entry, but weighs less than an editor's
// similar question saying the same: callers tell their story too.
func TestCallerQuestions(t *testing.T) {
	entries := []Entry{
		{ID: "edited", Department: "d", Title: "失业保险金怎么申领", SimilarQuestions: []string{"厂子倒闭了没活干每月能领钱吗"},
			Answer: "携带身份证到社保经办机构申领。", Status: StatusPublished, Version: 1},
		{ID: "asked", Department: "d", Title: "灵活就业人员怎样参保", CallerQuestions: []string{"厂子倒闭了没活干每月能领钱吗", "自己跑外卖想交养老保险"},
			Answer: "以个人身份到社保经办机构办理参保登记。", Status: StatusPublished, Version: 1},
		{ID: "other", Department: "d", Title: "公积金怎么提取", Answer: "到公积金中心办理。", Status: StatusPublished, Version: 1},
	}
	ix, err := Build(entries, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if h := ix.Search("厂子倒闭了没活干，每月能领钱吗", 3).Hits; len(h) < 2 || h[0].ID != "edited" || h[1].ID != "asked" {
		t.Errorf("same words in a similar question and a caller question: hits %+v, want edited before asked", h)
	}
	if h := ix.Search("跑外卖的养老保险咋交", 3).Hits; len(h) == 0 || h[0].ID != "asked" {
		t.Errorf("words only in a caller question: hits %+v, want asked first", h)
	}
	// Not a question of the entry: the entry's fit is the editors' title.
	e := ix.byID["asked"]
	if n := len(ix.questions[e]); n != 1 {
		t.Errorf("entry with caller questions has %d questions for fit, want 1 (the title)", n)
	}
}

// A caller question the query resembles as a whole weighs more than the
// same words spread over several caller questions of another entry.
func TestCallerQuestionWhole(t *testing.T) {
	entries := []Entry{
		{ID: "spread", Department: "d", Title: "办事指南甲", CallerQuestions: []string{"孩子落户", "结婚证丢了"},
			Answer: "按指南办理。", Status: StatusPublished, Version: 1},
		{ID: "whole", Department: "d", Title: "办事指南乙", CallerQuestions: []string{"孩子落户结婚证丢了"},
			Answer: "按指南办理。", Status: StatusPublished, Version: 1},
		{ID: "other", Department: "d", Title: "公积金怎么提取", Answer: "到公积金中心办理。", Status: StatusPublished, Version: 1},
	}
	ix, err := Build(entries, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// The bonus is measured on the bag of words alone: the discerner,
	// trained on these two caller questions, has its own say.
	ix.useDiscerner(nil)
	q := ix.prepare("孩子落户，结婚证丢了")
	top := ix.rank(&q, 2)
	if len(top) < 2 {
		t.Fatalf("ranked %d entries, want 2", len(top))
	}
	if got := ix.entries[top[0].e].ID; got != "whole" {
		t.Errorf("first %s, want whole", got)
	}
	// Both entries hold every word of the query, so without the bonus they
	// tie and the first entry listed ("spread") wins the tie.
	if gap := top[0].score - top[1].score; gap <= 0 {
		t.Errorf("gap %v between whole and spread, want > 0", gap)
	}
}

func TestSearchEdgeCases(t *testing.T) {
	ix := sampleIndex(t)
	for _, q := range []string{"", "   ", "？？？", "a", strings.Repeat("社保", 5000), "\xff\xfe", "12345"} {
		res := ix.Search(q, 0)
		if len(res.Hits) > 3 {
			t.Errorf("%.20q: %d hits for k=0 (default 3)", q, len(res.Hits))
		}
	}
	empty, err := Build(nil, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res := empty.Search("社保", 3); !res.NoAnswer || len(res.Hits) != 0 {
		t.Fatalf("empty index: %+v", res)
	}
}

// A writer swapping indexes never blocks or breaks readers (run with -race).
func TestHolderSwapUnderLoad(t *testing.T) {
	ix := sampleIndex(t)
	h := NewHolder(nil)
	if res := h.Search("社保", 3); !res.NoAnswer {
		t.Fatal("nil holder index should answer nothing")
	}
	h.Swap(ix)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for r := 0; r < 3; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				res := h.Search("社保卡丢了怎么补办", 3)
				if len(res.Hits) == 0 || res.Hits[0].ID != "kb-004" {
					errs <- fmt.Errorf("reader got %+v", res.Hits)
					return
				}
			}
		}()
	}
	small, err := Build([]Entry{{ID: "kb-004", Department: "d", Title: "社保卡丢了怎么补办", Answer: "x", Status: StatusPublished, Version: 2}}, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; ctx.Err() == nil; i++ {
		if i%2 == 0 {
			h.Swap(small)
		} else {
			h.Swap(ix)
		}
		time.Sleep(time.Millisecond)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if old := h.Swap(ix); old == nil {
		t.Fatal("Swap returned nil previous index")
	}
}

func TestIndexEntry(t *testing.T) {
	ix := sampleIndex(t)
	e, ok := ix.Entry("kb-072")
	if !ok || e.Title != "办了预付卡商家不退钱怎么办？" {
		t.Fatalf("Entry(kb-072) = %+v, %v", e, ok)
	}
	if _, ok := ix.Entry("kb-999"); ok {
		t.Fatal("Entry(kb-999) found")
	}
}

// Build analyses on several goroutines; none may outlive it.
func TestBuildLeavesNoGoroutines(t *testing.T) {
	defer goleak.VerifyNone(t)
	base, err := LoadFAQ("../configs/faq.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Build(GenerateEntries(base, 600, 2), nil, Options{}); err != nil {
		t.Fatal(err)
	}
}

// Fit is the share of the best entry's title the caller covers: a word
// shared with a similar question only does not make it.
func TestFitSignal(t *testing.T) {
	ix := sampleIndex(t)
	tests := []struct {
		q        string
		min, max float64
	}{
		{"社保卡丢了怎么挂失和补办", 0.9, 1},
		{"我跟你说啊前两天我那个社保卡丢了，到处都找不着，怎么挂失和补办", 0.9, 1},
		{"今天股票大盘行情怎么样", 0, 0.2},
	}
	for _, tt := range tests {
		q := ix.prepare(tt.q)
		top, _ := ix.candidates(&q, 2)
		if len(top) == 0 {
			t.Fatalf("%s: no candidates", tt.q)
		}
		if fit := ix.signals(&q, top).Fit; fit < tt.min || fit > tt.max {
			t.Errorf("%s: fit %.2f (top %s), want in [%.1f, %.1f]", tt.q, fit, ix.entries[top[0].e].ID, tt.min, tt.max)
		}
	}
}

// Recombined calibration questions keep the entry's question with another
// entry's keyword in place of its own.
func TestRecombine(t *testing.T) {
	es, err := LoadFAQ("../configs/faq.yaml")
	if err != nil {
		t.Fatal(err)
	}
	lex, err := LoadLexicon("../configs/kb-lexicon.yaml")
	if err != nil {
		t.Fatal(err)
	}
	lx := lex.compile()
	an := lx.analyseAll(es)
	out := recombine(es, an, lx, 0)
	if len(out) < len(es)/4 {
		t.Fatalf("%d recombined questions from %d entries", len(out), len(es))
	}
	asked := map[string]bool{}
	for _, e := range es {
		asked[e.Title] = true
		for _, q := range e.SimilarQuestions {
			asked[q] = true
		}
	}
	for _, q := range out {
		if asked[q] {
			t.Errorf("recombined %q is an entry's own question", q)
		}
	}
}

// An outside concept (an emergency) refuses the FAQ's answer unless an
// entry itself carries the concept.
func TestOutsideConcept(t *testing.T) {
	lex := &Lexicon{Concepts: []Concept{{Name: "紧急", Kind: KindOutside, Triggers: []string{"失火"}}}}
	es := []Entry{
		{ID: "a", Department: "d", Status: StatusPublished, Version: 1, Title: "燃气费怎么缴纳", Answer: "在营业厅缴纳燃气费。"},
		{ID: "b", Department: "d", Status: StatusPublished, Version: 1, Title: "燃气表坏了怎么报修", Answer: "拨打燃气公司电话报修。"},
	}
	ix, err := Build(es, lex, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res := ix.Search("家里燃气失火了", 3); !res.NoAnswer || res.Confidence > outsideConfidence || res.Outside != "紧急" {
		t.Errorf("outside question answered: %+v", res)
	}
	es = append(es, Entry{ID: "c", Department: "d", Status: StatusPublished, Version: 1, Title: "家里失火了怎么办", Answer: "立即拨打119。"})
	ix, err = Build(es, lex, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res := ix.Search("家里燃气失火了", 3); res.NoAnswer || res.Hits[0].ID != "c" {
		t.Errorf("entry carrying the outside concept not answered: %+v", res)
	}
}

// An emergency told as the story of a question the FAQ answers does not
// refuse it; one in the asking clause, or with nothing the best entry
// carries asked, still does.
func TestOutsideStory(t *testing.T) {
	entries, lex := loadSample(t)
	ix, err := Build(entries, lex, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		q       string
		refused bool
		want    string // first hit when not refused
	}{
		{"家里老人突然晕倒了，我是打你们这个还是打120", false, "kb-095"},
		{"出了车祸车也没了，孩子上大学学费交不上，有啥资助", false, "kb-078"},
		{"家里老人突然晕倒了怎么办", true, ""},
		{"孩子上学的资助钱被人抢劫了", true, ""},
		{"楼下有人打架", true, ""},
	} {
		res := ix.Search(tc.q, 3)
		if got := res.Outside != ""; got != tc.refused {
			t.Errorf("%s: refused as outside = %v, want %v (%+v)", tc.q, got, tc.refused, res)
			continue
		}
		if !tc.refused && (res.NoAnswer || res.Hits[0].ID != tc.want) {
			t.Errorf("%s: want %s answered, got %+v", tc.q, tc.want, res)
		}
	}
}
