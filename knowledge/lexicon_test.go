package knowledge

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestLoadSampleLexicon(t *testing.T) {
	lx, err := LoadLexicon("../configs/kb-lexicon.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(lx.Concepts) < 20 || len(lx.Synonyms) < 5 {
		t.Fatalf("sample lexicon looks empty: %d concepts, %d synonyms", len(lx.Concepts), len(lx.Synonyms))
	}
	if empty, err := LoadLexicon(""); err != nil || len(empty.Concepts) != 0 {
		t.Fatalf("empty path: %v %v", empty, err)
	}
}

func TestDecodeLexiconErrors(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"unknown key", "synonym: {}\n", "field synonym not found"},
		{"empty variant", "synonyms:\n  社保: [\"\"]\n", "synonyms[社保]"},
		{"self variant", "synonyms:\n  社保: [社保]\n", "equals the canonical"},
		{"two owners", "synonyms:\n  社保: [设保]\n  医保: [设保]\n", "listed under"},
		{"bad kind", "concepts:\n  - name: 退费\n    kind: verb\n    triggers: [退钱]\n", "kind \"verb\" must be action, topic, outside, uncovered or uncovered_ask"},
		{"no triggers", "concepts:\n  - name: 退费\n    kind: action\n", "no triggers"},
		{"duplicate", "concepts:\n  - {name: a, kind: topic, triggers: [x]}\n  - {name: a, kind: topic, triggers: [y]}\n", "duplicate name"},
		{"weight", "concepts:\n  - {name: a, kind: topic, weight: 99, triggers: [x]}\n", "weight"},
		{"empty filler", "fillers: [\"\"]\n", "fillers[0]"},
		{"empty reject", "rejects: [\"  \"]\n", "rejects[0]: empty"},
		{"duplicate reject", "rejects: [护照丢在国外怎么办, 护照丢在国外怎么办]\n", "rejects[1]: \"护照丢在国外怎么办\" listed twice"},
		{"long reject", "rejects: [\"" + strings.Repeat("长", maxQueryRunes+1) + "\"]\n", "rejects[0]: longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeLexicon(strings.NewReader(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to contain %q", err, tt.want)
			}
			if !strings.Contains(tt.name, "unknown") && !errors.Is(err, ErrInvalidLexicon) {
				t.Fatalf("error %v does not wrap ErrInvalidLexicon", err)
			}
		})
	}
}

func TestLightBigram(t *testing.T) {
	lx := (&Lexicon{LightChars: "是要个ｘ"}).compile()
	tests := []struct {
		key  string
		want bool
	}{
		{"保是", true}, {"爸要", true}, {"手术", false}, {"太原", false}, {"个身", true},
	}
	for _, tt := range tests {
		if got := lx.lightBigram(tt.key); got != tt.want {
			t.Errorf("lightBigram(%s) = %v, want %v", tt.key, got, tt.want)
		}
	}
}

// publish marks test entries published, version 1.
func publish(es []Entry) {
	for i := range es {
		es[i].Status, es[i].Version = StatusPublished, 1
	}
}

// answered is the id the search answers with, "" for no answer.
func answered(r Result) string {
	if r.NoAnswer || len(r.Hits) == 0 {
		return ""
	}
	return r.Hits[0].ID
}

// A reject question refuses the questions nearest to it, never the
// entries' own questions, and is never itself an entry.
func TestRejects(t *testing.T) {
	entries := []Entry{
		{ID: "p-1", Department: "公安", Title: "怎么办理普通护照？", Answer: "携带身份证到出入境窗口申请办理护照。", SimilarQuestions: []string{"护照在哪办", "第一次办护照要带什么"}, Keywords: []string{"护照"}},
		{ID: "s-1", Department: "人社", Title: "社保卡丢了怎么补办？", Answer: "先挂失，再到网点补办社保卡。", SimilarQuestions: []string{"社保卡掉了咋办"}, Keywords: []string{"社保卡"}},
	}
	publish(entries)
	lex := &Lexicon{Rejects: []string{"护照在国外旅游时丢了怎么办"}}
	ix, err := Build(entries, lex, Options{Calibration: &defaultCalibration})
	if err != nil {
		t.Fatal(err)
	}
	if ix.Len() != 2 {
		t.Fatalf("Len %d, want 2: rejects are not entries", ix.Len())
	}
	if _, ok := ix.Entry("reject:1"); ok {
		t.Fatal("a reject question is served as an entry")
	}
	tests := []struct {
		q, want, reject string // want "" = no answer
	}{
		{"我在国外旅游，护照丢了，怎么办", "", "护照在国外旅游时丢了怎么办"},
		{"护照在哪办", "p-1", ""},
		{"社保卡掉了咋办", "s-1", ""},
	}
	for _, tt := range tests {
		r := ix.Search(tt.q, 3)
		if got := answered(r); got != tt.want || r.Reject != tt.reject {
			t.Errorf("%s: got %q reject %q (confidence %.2f), want %q reject %q", tt.q, answered(r), r.Reject, r.Confidence, tt.want, tt.reject)
		}
		for _, h := range r.Hits {
			if strings.HasPrefix(h.ID, "reject:") {
				t.Errorf("%s: a reject question among the hits: %+v", tt.q, h)
			}
		}
	}
	// Without the reject the same question gets the passport entry: the
	// reject, not the calibration, refused it.
	bare, err := Build(entries, &Lexicon{}, Options{Calibration: &defaultCalibration})
	if err != nil {
		t.Fatal(err)
	}
	if r := bare.Search("我在国外旅游，护照丢了，怎么办", 3); len(r.Hits) == 0 || r.Hits[0].ID != "p-1" || r.Reject != "" {
		t.Fatalf("without rejects: %+v", r)
	}
}

// An uncovered concept refuses a question about it, unless the best entry
// itself carries the concept.
func TestUncoveredConcept(t *testing.T) {
	entries := []Entry{
		{ID: "h-1", Department: "人社", Title: "婚假和产假有多少天？", Answer: "按规定休假。", SimilarQuestions: []string{"产假能休几天"}, Keywords: []string{"产假"}},
		{ID: "v-1", Department: "卫健", Title: "新生儿怎么办理医保？", Answer: "出生后到医保窗口参保。", SimilarQuestions: []string{"孩子刚出生医保怎么交"}, Keywords: []string{"新生儿"}},
		{ID: "w-1", Department: "热线", Title: "怎样查询工单办理进度？", Answer: "凭工单编号查询。", SimilarQuestions: []string{"反映的事办到哪了", "工单进度怎么查"}, Keywords: []string{"工单进度"}},
	}
	publish(entries)
	lex := &Lexicon{Concepts: []Concept{
		{Name: "假期", Kind: KindUncovered, Triggers: []string{"婚假", "产假"}},
		{Name: "疫苗接种", Kind: KindUncovered, Triggers: []string{"疫苗"}},
	}}
	ix, err := Build(entries, lex, Options{Calibration: &defaultCalibration})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ q, want, uncovered string }{
		{"孩子刚出生，疫苗在哪打", "", "疫苗接种"},
		{"产假能休几天", "h-1", ""}, // the entry carries the concept
		{"孩子刚出生医保怎么交", "v-1", ""},
		// The matter is the story; the question (the last clause) is the
		// work order's progress, which the FAQ answers.
		{"上回反映的疫苗的事，工单进度怎么查", "w-1", ""},
		{"工单进度查过了，疫苗到底在哪打", "", "疫苗接种"},
	}
	for _, tt := range tests {
		if r := ix.Search(tt.q, 3); answered(r) != tt.want || r.Uncovered != tt.uncovered {
			t.Errorf("%s: got %q uncovered %q, want %q uncovered %q", tt.q, answered(r), r.Uncovered, tt.want, tt.uncovered)
		}
	}
	bad := "concepts:\n  - {name: a, kind: elsewhere, triggers: [x]}\n"
	if _, err := DecodeLexicon(strings.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "action, topic, outside, uncovered or uncovered_ask") {
		t.Fatalf("bad kind: %v", err)
	}
}

// An uncovered ask is said with the FAQ's own things: naming what the best
// entry is about does not make it context, as it does for a matter.
func TestUncoveredAsk(t *testing.T) {
	entries := []Entry{
		{ID: "r-1", Department: "公安", Title: "居住证怎么办理？", Answer: "带身份证和居住证明到派出所申请。", SimilarQuestions: []string{"暂住证在哪办"}, Keywords: []string{"居住证"}},
		{ID: "s-1", Department: "人社", Title: "社保卡丢了怎么补办？", Answer: "先挂失再到网点补办；急着用的可申请加急制卡。", SimilarQuestions: []string{"社保卡找不到了"}, Keywords: []string{"社保卡"}},
	}
	publish(entries)
	for _, tt := range []struct {
		kind      ConceptKind
		q         string
		want      string
		uncovered string
	}{
		{KindUncovered, "居住证怎么办理，能加急吗", "r-1", ""}, // as a matter: the caller names the entry's thing
		{KindUncoveredAsk, "居住证怎么办理，能加急吗", "", "加急办理"},
		{KindUncoveredAsk, "社保卡丢了怎么补办", "s-1", ""},
		// Said in a side clause, not asked.
		{KindUncoveredAsk, "居住证怎么办理？加急的事回头再问", "r-1", ""},
		// An answer that covers the ask: the entry carries it (an editor
		// published it without taking the word off the list).
		{KindUncoveredAsk, "社保卡丢了急着用，能加急吗", "s-1", ""},
	} {
		lex := &Lexicon{SideMarkers: []string{"回头再问"}, Concepts: []Concept{{Name: "加急办理", Kind: tt.kind, Triggers: []string{"加急", "急着用"}}}}
		ix, err := Build(entries, lex, Options{Calibration: &defaultCalibration})
		if err != nil {
			t.Fatal(err)
		}
		if r := ix.Search(tt.q, 3); answered(r) != tt.want || r.Uncovered != tt.uncovered {
			t.Errorf("%s (%s): got %q uncovered %q, want %q uncovered %q", tt.q, tt.kind, answered(r), r.Uncovered, tt.want, tt.uncovered)
		}
	}
}

// An uncovered matter's or ask's trigger in an entry's own title, similar
// questions or keywords makes that entry carry the whole group, so the
// group no longer refuses anything the entry is nearest to (疫苗接种 in
// kb-077's "入园需要疫苗接种证明吗" let "新冠疫苗还能打吗" through). The
// sample tables must keep them apart.
func TestUncoveredTriggersNotInEntryQuestions(t *testing.T) {
	entries, lex := loadSample(t)
	for _, c := range lex.Concepts {
		if !c.Kind.uncovered() {
			continue
		}
		for _, trig := range c.Triggers {
			for _, e := range entries {
				texts := append(append([]string{e.Title}, e.SimilarQuestions...), e.Keywords...)
				for _, q := range texts {
					if strings.Contains(normalize(q), normalize(trig)) {
						t.Errorf("concept %s: trigger %q is in %s's %q", c.Name, trig, e.ID, q)
					}
				}
			}
		}
	}
}

// Texts are rewritten by the synonyms before words are looked for, so the
// listed words are rewritten too; and rewriting twice changes nothing.
func TestListedWordsRewritten(t *testing.T) {
	lex := &Lexicon{
		Synonyms:        map[string][]string{"公交车": {"公交"}, "哪里": {"哪"}},
		QuestionMarkers: []string{"哪里"},
		Concepts: []Concept{
			{Name: "公交卡充值", Kind: KindUncovered, Triggers: []string{"公交卡充值"}},
			{Name: "缴费", Kind: KindAction, Triggers: []string{"在哪交"}},
		},
	}
	if err := lex.Validate(); err != nil {
		t.Fatal(err)
	}
	lx := lex.compile()
	for _, w := range []string{"哪里", "公交车", "哪", "公交卡"} {
		once := lx.rewrite(w)
		if twice := lx.rewrite(once); twice != once {
			t.Errorf("rewrite(%q) = %q, again %q", w, once, twice)
		}
	}
	tests := []struct {
		q        string
		concepts []string
		asks     bool // the clause is marked as a question
	}{
		{"公交卡充值在哪交", []string{"公交卡充值", "缴费"}, true},
		{"公交车卡充值在哪里交", []string{"公交卡充值", "缴费"}, true},
	}
	for _, tt := range tests {
		var got []string
		for _, f := range lx.features(tt.q, true) {
			if f.kind == fConcept {
				got = append(got, lx.cons[f.con].Name)
			}
		}
		if strings.Join(got, ",") != strings.Join(tt.concepts, ",") {
			t.Errorf("%s: concepts %v, want %v", tt.q, got, tt.concepts)
		}
		cs := lx.splitClauses(tt.q)
		lx.weighClauses(cs)
		if asks := cs[0].w == wQuestion; asks != tt.asks {
			t.Errorf("%s: clause weight %v, question marked %v, want %v", tt.q, cs[0].w, asks, tt.asks)
		}
	}
}

// A matter's trigger of two or more words is met with a few characters
// between them (户口本弄丢了 for 户口本丢了); an ask's is not (收费多少 is
// not 收费标准是多少), nor one that starts with a single character.
func TestGappedTriggers(t *testing.T) {
	entries := []Entry{
		{ID: "id-1", Department: "公安", Title: "第一次办身份证要带什么？", Answer: "带户口本到派出所办理。", SimilarQuestions: []string{"孩子头一回办身份证"}, Keywords: []string{"身份证"}},
		{ID: "heat-1", Department: "住建", Title: "供暖收费标准是多少？", Answer: "按物价部门核定的标准收取。", SimilarQuestions: []string{"暖气费怎么收"}, Keywords: []string{"暖气费"}},
	}
	publish(entries)
	lex := &Lexicon{Concepts: []Concept{
		{Name: "证件补办", Kind: KindUncovered, Triggers: []string{"户口本丢了", "改名字"}},
		{Name: "费用", Kind: KindUncoveredAsk, Triggers: []string{"收费多少"}},
	}}
	ix, err := Build(entries, lex, Options{Calibration: &defaultCalibration})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ q, uncovered string }{
		{"户口本丢了咋整", "证件补办"},
		{"户口本弄丢了咋整", "证件补办"},
		{"户口本找了半天丢了咋整", ""},   // more than maxTriggerGap between the words
		{"给孩子的身份证改个名字咋整", ""}, // 改 is one character
		{"暖气费收费标准是多少", ""},
	}
	for _, tt := range tests {
		if r := ix.Search(tt.q, 3); r.Uncovered != tt.uncovered {
			t.Errorf("%s: uncovered %q, want %q", tt.q, r.Uncovered, tt.uncovered)
		}
	}
}

// However many reject questions outrank the entries, the entries keep
// their places among the hits (the editors' "try a question" shows what
// the reject stood in front of), and one reject decides.
func TestRejectsDoNotCrowdEntries(t *testing.T) {
	var entries []Entry
	for i, topic := range []string{"护照", "港澳通行证", "居住证", "驾驶证"} {
		entries = append(entries, Entry{ID: fmt.Sprintf("e-%d", i+1), Department: "公安", Title: "怎么办理" + topic + "？", Answer: "到窗口申请办理" + topic + "。", Keywords: []string{topic}})
	}
	publish(entries)
	var rejects []string
	for i := range 30 {
		rejects = append(rejects, fmt.Sprintf("跟%d号旅行团出国旅游时护照和港澳通行证丢了怎么办", i+1))
	}
	ix, err := Build(entries, &Lexicon{Rejects: rejects}, Options{Calibration: &defaultCalibration})
	if err != nil {
		t.Fatal(err)
	}
	r := ix.Search("旅游时护照和港澳通行证丢了怎么办", 3)
	if !r.NoAnswer || r.Reject == "" {
		t.Fatalf("want refused by a reject, got %+v", r)
	}
	if len(r.Hits) != 3 || r.Hits[0].ID != "e-1" && r.Hits[0].ID != "e-2" {
		t.Errorf("the entries lost their places to rejects: %+v", r.Hits)
	}
}
