package knowledge

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
)

func TestDevPrint(t *testing.T) {
	if os.Getenv("KB_PRINT") == "" {
		t.Skip()
	}
	ix, err := LoadIndex("../configs/faq.yaml", os.Getenv("KB_LEX"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("calib %+v\n", ix.Calibration())
	data, _ := os.ReadFile("testdata/kb-dev.tsv")
	var r1, r3, n int
	type row struct {
		conf float64
		ok   bool
		none bool
		q    string
	}
	var rows []row
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n")[1:] {
		q, want, _ := strings.Cut(line, "\t")
		res := ix.Search(q, 3)
		ok := false
		if want != "none" {
			n++
			for i, h := range res.Hits {
				if h.ID == want {
					if i == 0 {
						r1++
						ok = true
					}
					r3++
				}
			}
			if !ok && os.Getenv("KB_RANK") != "" {
				var got []string
				for _, h := range res.Hits {
					got = append(got, h.ID+fmt.Sprint(h.Why))
				}
				fmt.Printf("RANKMISS %s %s | %s\n", want, q, strings.Join(got, " "))
			}
		}
		rows = append(rows, row{res.Confidence, ok, want == "none", q})
	}
	fmt.Printf("ranking only: top1 %d/%d top3 %d/%d\n", r1, n, r3, n)
	sort.Slice(rows, func(i, j int) bool { return rows[i].conf < rows[j].conf })
	for _, r := range rows[:45] {
		fmt.Printf("%.2f none=%v ok=%v %s\n", r.conf, r.none, r.ok, r.q)
	}
}
