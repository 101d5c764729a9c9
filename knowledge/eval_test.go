package knowledge

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// fixed is a Searcher with canned results, so Eval's arithmetic is tested
// apart from the search.
type fixed map[string]Result

func (f fixed) Search(q string, k int) Result { return f[q] }

func hits(ids ...string) []Hit {
	var hs []Hit
	for _, id := range ids {
		hs = append(hs, Hit{ID: id})
	}
	return hs
}

func TestEvalCounting(t *testing.T) {
	s := fixed{
		"a": {Hits: hits("kb-1", "kb-2", "kb-3"), Confidence: 0.9},         // top-1 right
		"b": {Hits: hits("kb-2", "kb-1"), Confidence: 0.8},                 // top-3 only
		"c": {Hits: hits("kb-1"), Confidence: 0.2, NoAnswer: true},         // said none on an answerable row
		"d": {NoAnswer: true},                                              // right none
		"e": {Hits: hits("kb-9"), Confidence: 0.7},                         // answered a none row
		"f": {Hits: hits("kb-4", "kb-5", "kb-6", "kb-1"), Confidence: 0.6}, // beyond top-3
	}
	tsv := "query\texpected_id\na\tkb-1\nb\tkb-1\n\n# comment\nc\tkb-1\nd\tnone\ne\tnone\nf\tkb-1\n"
	rep, err := Eval(s, strings.NewReader(tsv))
	if err != nil {
		t.Fatal(err)
	}
	if rep.N != 6 || rep.Top1 != round4(2.0/6) || rep.Top3 != round4(3.0/6) {
		t.Fatalf("n %d top1 %v top3 %v", rep.N, rep.Top1, rep.Top3)
	}
	if rep.NoAnswers != 2 || rep.NonePrecision != 0.5 || rep.NoneRecall != 0.5 || rep.NoneRows != 2 {
		t.Fatalf("none: %d replies, precision %v, recall %v", rep.NoAnswers, rep.NonePrecision, rep.NoneRecall)
	}
	if got := rep.Results[2].Got; got == nil || len(got) != 0 {
		t.Fatalf("no-answer row must have an empty got list, got %#v", got)
	}
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(rep); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"n", "top1", "top3", "none_precision", "results"} {
		if _, ok := m[k]; !ok {
			t.Errorf("json lacks %q", k)
		}
	}
	r0 := m["results"].([]any)[2].(map[string]any)
	for _, k := range []string{"query", "expected", "got", "confidence"} {
		if _, ok := r0[k]; !ok {
			t.Errorf("json result lacks %q", k)
		}
	}
	if !strings.Contains(buf.String(), `"got":[]`) {
		t.Errorf("no-answer got should encode as []: %s", buf.String())
	}
	var text bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"top-1          33.3%", "top-3          50.0%", "none precision 50.0%", "kb-1 → no answer (0.20)  c"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, text.String())
		}
	}
}

func TestEvalBadLines(t *testing.T) {
	for _, tsv := range []string{"just a query\n", "q\t\n", "\tkb-1\n", "q\tkb-1\textra\n"} {
		_, err := Eval(fixed{}, strings.NewReader(tsv))
		if !errors.Is(err, ErrBadEvalLine) || !strings.Contains(err.Error(), "line 1") {
			t.Errorf("%q: error %v, want ErrBadEvalLine at line 1", tsv, err)
		}
	}
	rep, err := Eval(fixed{}, strings.NewReader(""))
	if err != nil || rep.N != 0 || rep.Results == nil {
		t.Fatalf("empty input: %+v %v", rep, err)
	}
}

func TestRunEvalJSON(t *testing.T) {
	var buf bytes.Buffer
	if err := RunEval(&buf, "../configs/faq.yaml", "../configs/kb-lexicon.yaml", "testdata/kb-dev.tsv", true); err != nil {
		t.Fatal(err)
	}
	var rep Report
	if err := json.Unmarshal(buf.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.N != 150 || len(rep.Results) != 150 {
		t.Fatalf("n %d results %d", rep.N, len(rep.Results))
	}
	if err := RunEval(&buf, "../configs/faq.yaml", "", "testdata/missing.tsv", false); err == nil {
		t.Fatal("missing tsv: no error")
	}
	if err := RunEval(&buf, "testdata/missing.yaml", "", "testdata/kb-dev.tsv", false); err == nil {
		t.Fatal("missing faq: no error")
	}
}
