package knowledge

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestFigures prints the figures of docs/knowledge.md (KB_FIGURES=1): the
// dev set with and without the lexicon, ranking alone, the extra set.
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
	for _, file := range []string{"testdata/kb-dev.tsv", "testdata/kb-extra.tsv"} {
		for name, ix := range map[string]*Index{"lexicon": full, "empty lexicon": bare} {
			f, _ := os.Open(file)
			rep, err := Eval(ix, f)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			fmt.Printf("%s %s: top1 %.3f top3 %.3f none precision %.3f recall %.3f\n", file, name, rep.Top1, rep.Top3, rep.NonePrecision, rep.NoneRecall)
		}
		data, _ := os.ReadFile(file)
		var r1, r3, n int
		for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n")[1:] {
			q, want, _ := strings.Cut(line, "\t")
			if want == NoneID {
				continue
			}
			n++
			for i, h := range full.Search(q, 3).Hits {
				if h.ID == want {
					r1 += map[bool]int{true: 1}[i == 0]
					r3++
				}
			}
		}
		fmt.Printf("%s ranking only: top1 %d/%d top3 %d/%d\n", file, r1, n, r3, n)
	}
}
