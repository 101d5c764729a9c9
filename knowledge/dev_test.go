package knowledge

import (
	"fmt"
	"hash/fnv"
	"os"
	"strings"
	"testing"
)

// devHalf says which half of kb-dev a query belongs to: the tuning half
// (0) or the held-out half (1), by a hash of the query text, so the split
// does not depend on row order and a row never changes sides.
func devHalf(query string) int {
	h := fnv.New32a()
	h.Write([]byte(query))
	return int(h.Sum32() % 2)
}

// evalSets are the evaluation sets and how they were used.
var evalSets = []struct {
	name, file string
	half       int // -1: the whole file
}{
	{"kb-dev tuning half", "testdata/kb-dev.tsv", 0},
	{"kb-dev held-out half", "testdata/kb-dev.tsv", 1},
	{"kb-dev all", "testdata/kb-dev.tsv", -1},
	{"kb-extra", "testdata/kb-extra.tsv", -1},
	{"kb-holdout", "testdata/kb-holdout.tsv", -1},
	{"kb-fresh", "testdata/kb-fresh.tsv", -1},
	{"kb-fresh2", "testdata/kb-fresh2.tsv", -1},
	{"kb-fresh3", "testdata/kb-fresh3.tsv", -1},
	{"kb-fresh4", "testdata/kb-fresh4.tsv", -1},
	{"kb-fresh5", "testdata/kb-fresh5.tsv", -1},
	{"kb-fresh6", "testdata/kb-fresh6.tsv", -1},
	{"kb-fresh7", "testdata/kb-fresh7.tsv", -1},
	{"kb-fresh8", "testdata/kb-fresh8.tsv", -1},
	{"kb-fresh9", "testdata/kb-fresh9.tsv", -1},
	{"kb-fresh10", "testdata/kb-fresh10.tsv", -1},
	{"kb-tune9", "testdata/kb-tune9.tsv", -1},
	{"kb-tune10", "testdata/kb-tune10.tsv", -1},
	{"kb-tune11", "testdata/kb-tune11.tsv", -1},
	{"kb-tune12", "testdata/kb-tune12.tsv", -1},
	{"kb-fresh11", "testdata/kb-fresh11.tsv", -1},
	{"kb-fresh12", "testdata/kb-fresh12.tsv", -1},
	{"kb-fresh13", "testdata/kb-fresh13.tsv", -1},
	{"kb-fresh14", "testdata/kb-fresh14.tsv", -1},
	{"kb-fresh15", "testdata/kb-fresh15.tsv", -1},
	{"kb-fresh16", "testdata/kb-fresh16.tsv", -1},
	{"kb-tune13", "testdata/kb-tune13.tsv", -1},
	{"kb-tune14", "testdata/kb-tune14.tsv", -1},
	{"kb-tune15", "testdata/kb-tune15.tsv", -1},
	{"kb-tune16", "testdata/kb-tune16.tsv", -1},
	{"kb-tune17", "testdata/kb-tune17.tsv", -1},
	{"kb-tune18", "testdata/kb-tune18.tsv", -1},
	{"kb-tune19", "testdata/kb-tune19.tsv", -1},
	{"kb-tune20", "testdata/kb-tune20.tsv", -1},
	{"kb-tune21", "testdata/kb-tune21.tsv", -1},
	{"kb-tune22", "testdata/kb-tune22.tsv", -1},
	{"kb-tune23", "testdata/kb-tune23.tsv", -1},
	{"kb-tune24", "testdata/kb-tune24.tsv", -1},
}

// evalSet evaluates one set (or half of it) on ix.
func evalSet(t testing.TB, ix *Index, file string, half int) Report {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for i, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		q, _, _ := strings.Cut(line, "\t")
		if i == 0 || (half >= 0 && devHalf(q) != half) {
			continue
		}
		b.WriteString(line + "\n")
	}
	rep, err := Eval(ix, strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestFigures prints the figures of docs/knowledge.md (KB_FIGURES=1), and
// with KB_MISSES=1 the misses of the tuning half (the only rows looked at
// while tuning).
func TestFigures(t *testing.T) {
	if os.Getenv("KB_FIGURES") == "" {
		t.Skip("set KB_FIGURES=1")
	}
	full := sampleIndex(t)
	bare, err := LoadIndex("../configs/faq.yaml", "")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("calibration %+v\n", full.Calibration())
	for _, s := range evalSets {
		for _, v := range []struct {
			name string
			ix   *Index
		}{{"lexicon", full}, {"empty lexicon", bare}} {
			rep := evalSet(t, v.ix, s.file, s.half)
			var r1, r3, n int
			for _, r := range rep.Results {
				if r.Expected == NoneID {
					continue
				}
				n++
				got := v.ix.Search(r.Query, 3).Hits
				for i, h := range got {
					if h.ID == r.Expected {
						if i == 0 {
							r1++
						}
						r3++
					}
				}
			}
			fmt.Printf("%-22s %-13s n %3d top1 %.3f top3 %.3f none P %.3f R %.3f (%d/%d) | ranking only top1 %.3f top3 %.3f\n",
				s.name, v.name, rep.N, rep.Top1, rep.Top3, rep.NonePrecision, rep.NoneRecall, rep.NoAnswers, rep.NoneRows,
				float64(r1)/float64(n), float64(r3)/float64(n))
			if v.ix == full && s.half == 0 && os.Getenv("KB_MISSES") != "" {
				for _, r := range rep.Results {
					if !r.Top1 {
						fmt.Printf("   MISS %s want %s got %v conf %.2f\n", r.Query, r.Expected, r.Got, r.Confidence)
					}
				}
			}
		}
	}
}
