package knowledge

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// NoneID is the expected id of a question the knowledge base cannot answer.
const NoneID = "none"

// EvalResult is one evaluated question.
type EvalResult struct {
	Query      string   `json:"query"`
	Expected   string   `json:"expected"`
	Got        []string `json:"got"` // ranked ids, empty when the search said no answer
	Confidence float64  `json:"confidence"`
	Top1       bool     `json:"top1"`
	Top3       bool     `json:"top3"`
}

// Report sums up an evaluation. A "none" row counts as right at top-1 and
// top-3 exactly when the search said no answer; an answerable row counts as
// wrong when the search said no answer. NonePrecision is the share of "no
// answer" replies that were right (0 when there were none); NoneRecall the
// share of "none" rows that got "no answer".
type Report struct {
	N             int          `json:"n"`
	Top1          float64      `json:"top1"`
	Top3          float64      `json:"top3"`
	NonePrecision float64      `json:"none_precision"`
	NoneRecall    float64      `json:"none_recall"`
	NoneRows      int          `json:"none_rows"`
	NoAnswers     int          `json:"no_answers"`
	Results       []EvalResult `json:"results"`
}

// Searcher is what Eval needs: *Index and *Holder serve.
type Searcher interface {
	Search(query string, k int) Result
}

var (
	_ Searcher = (*Index)(nil)
	_ Searcher = (*Holder)(nil)
)

// Eval runs every line of a TSV (query<TAB>expected_id, an optional header
// "query<TAB>expected_id", blank and #-lines skipped) through s.
func Eval(s Searcher, r io.Reader) (Report, error) {
	var rep Report
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	var t1, t3, noneRight int
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(text) == "" || strings.HasPrefix(text, "#") {
			continue
		}
		q, want, ok := strings.Cut(text, "\t")
		q, want = strings.TrimSpace(q), strings.TrimSpace(want)
		if line == 1 && q == "query" {
			continue
		}
		if !ok || q == "" || want == "" || strings.Contains(want, "\t") {
			return Report{}, fmt.Errorf("eval line %d: want query<TAB>expected_id: %w", line, ErrBadEvalLine)
		}
		res := s.Search(q, 3)
		er := EvalResult{Query: q, Expected: want, Got: []string{}, Confidence: round3(res.Confidence)}
		if !res.NoAnswer {
			for _, h := range res.Hits {
				er.Got = append(er.Got, h.ID)
			}
		}
		if want == NoneID {
			rep.NoneRows++
			er.Top1, er.Top3 = res.NoAnswer, res.NoAnswer
		} else if len(er.Got) > 0 {
			er.Top1 = er.Got[0] == want
			for _, id := range er.Got[:min(3, len(er.Got))] {
				er.Top3 = er.Top3 || id == want
			}
		}
		if res.NoAnswer {
			rep.NoAnswers++
			if want == NoneID {
				noneRight++
			}
		}
		if er.Top1 {
			t1++
		}
		if er.Top3 {
			t3++
		}
		rep.Results = append(rep.Results, er)
	}
	if err := sc.Err(); err != nil {
		return Report{}, fmt.Errorf("eval read: %w", err)
	}
	rep.N = len(rep.Results)
	if rep.N > 0 {
		rep.Top1 = round4(float64(t1) / float64(rep.N))
		rep.Top3 = round4(float64(t3) / float64(rep.N))
	}
	if rep.NoAnswers > 0 {
		rep.NonePrecision = round4(float64(noneRight) / float64(rep.NoAnswers))
	}
	if rep.NoneRows > 0 {
		rep.NoneRecall = round4(float64(noneRight) / float64(rep.NoneRows))
	}
	if rep.Results == nil {
		rep.Results = []EvalResult{}
	}
	return rep, nil
}

func round3(x float64) float64 { return float64(int64(x*1000+0.5)) / 1000 }
func round4(x float64) float64 { return float64(int64(x*10000+0.5)) / 10000 }

// WriteText prints the report for people: the totals, then every miss.
func (rep Report) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "questions      %d\n", rep.N)
	fmt.Fprintf(bw, "top-1          %.1f%%\n", 100*rep.Top1)
	fmt.Fprintf(bw, "top-3          %.1f%%\n", 100*rep.Top3)
	fmt.Fprintf(bw, "none precision %.1f%% (%d no-answer replies)\n", 100*rep.NonePrecision, rep.NoAnswers)
	fmt.Fprintf(bw, "none recall    %.1f%% (%d none rows)\n", 100*rep.NoneRecall, rep.NoneRows)
	misses := 0
	for _, r := range rep.Results {
		if r.Top1 {
			continue
		}
		if misses == 0 {
			fmt.Fprintln(bw, "\nmisses (expected → got, confidence):")
		}
		misses++
		got := "no answer"
		if len(r.Got) > 0 {
			got = strings.Join(r.Got, ",")
		}
		fmt.Fprintf(bw, "  %s → %s (%.2f)  %s\n", r.Expected, got, r.Confidence, r.Query)
	}
	return bw.Flush()
}

// RunEval is `liandong kb eval`: it loads the FAQ and the lexicon (empty
// path: none), builds the same index the gateway serves, evaluates the TSV
// and prints the report as text or JSON.
func RunEval(w io.Writer, faqPath, lexiconPath, tsvPath string, asJSON bool) error {
	idx, err := LoadIndex(faqPath, lexiconPath)
	if err != nil {
		return fmt.Errorf("kb eval: %w", err)
	}
	f, err := os.Open(tsvPath)
	if err != nil {
		return fmt.Errorf("kb eval: %w", err)
	}
	defer f.Close()
	rep, err := Eval(idx, f)
	if err != nil {
		return fmt.Errorf("kb eval %s: %w", tsvPath, err)
	}
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return rep.WriteText(w)
}

// LoadIndex loads an FAQ file and a lexicon file (empty: none) and builds
// an index of the searchable entries.
func LoadIndex(faqPath, lexiconPath string) (*Index, error) {
	entries, err := LoadFAQ(faqPath)
	if err != nil {
		return nil, err
	}
	lex, err := LoadLexicon(lexiconPath)
	if err != nil {
		return nil, err
	}
	return Build(entries, lex, Options{})
}
