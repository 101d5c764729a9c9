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

func TestDevSplit(t *testing.T) {
	if os.Getenv("KB_SPLIT") == "" {
		t.Skip()
	}
	data, _ := os.ReadFile("testdata/kb-dev.tsv")
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")[1:]
	for _, prior := range []float64{0.1, 0.15} {
		calibNonePrior = prior
		ix, err := LoadIndex("../configs/faq.yaml", "../configs/kb-lexicon.yaml")
		if err != nil {
			t.Fatal(err)
		}
		for part := 0; part < 2; part++ {
			var sb strings.Builder
			for i, l := range lines {
				if i%2 == part {
					sb.WriteString(l + "\n")
				}
			}
			rep, _ := Eval(ix, strings.NewReader(sb.String()))
			var r1, r3, n int
			for _, l := range strings.Split(strings.TrimSpace(sb.String()), "\n") {
				q, want, _ := strings.Cut(l, "\t")
				if want == "none" {
					continue
				}
				n++
				for i, h := range ix.Search(q, 3).Hits {
					if h.ID == want {
						if i == 0 {
							r1++
						}
						r3++
					}
				}
			}
			fmt.Printf("rank %d/%d %d/%d | ", r1, n, r3, n)
			fmt.Printf("prior %.2f part %d n %d top1 %.3f top3 %.3f noneP %.3f noneR %.3f\n", prior, part, rep.N, rep.Top1, rep.Top3, rep.NonePrecision, rep.NoneRecall)
		}
	}
}

func TestDevSignals(t *testing.T) {
	if os.Getenv("KB_SIG") == "" {
		t.Skip()
	}
	ix, _ := LoadIndex("../configs/faq.yaml", "../configs/kb-lexicon.yaml")
	data, _ := os.ReadFile("testdata/kb-dev.tsv")
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n")[1:] {
		q, want, _ := strings.Cut(line, "\t")
		qq := ix.prepare(q)
		top := ix.rank(&qq, 3)
		sg := ix.signals(&qq, top)
		ok := len(top) > 0 && ix.entries[top[0].e].ID == want
		fmt.Printf("SIG %-5v %-5v cov %.2f mar %.2f top %.1f act %.1f chr %.2f anc %.2f conf %.2f %s\n", want == "none", ok, sg.Coverage, sg.Margin, sg.Topic, sg.Action, sg.Chars, sg.Anchor, ix.calib.confidence(sg), q)
	}
}

func TestDevWhy(t *testing.T) {
	if os.Getenv("KB_WHY") == "" {
		t.Skip()
	}
	ix, _ := LoadIndex("../configs/faq.yaml", "../configs/kb-lexicon.yaml")
	data, _ := os.ReadFile("testdata/kb-dev.tsv")
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n")[1:] {
		q, want, _ := strings.Cut(line, "\t")
		res := ix.Search(q, 2)
		qq := ix.prepare(q)
		var fs []string
		for _, f := range qq.feats {
			fs = append(fs, fmt.Sprintf("%s/%.1f", f.f.key, f.w))
		}
		if len(res.Hits) > 0 && (want == "none") == (os.Getenv("KB_WHY") == "none") {
			fmt.Printf("WHY %s %.2f %s | %v | %s %v\n", want, res.Confidence, q, fs, res.Hits[0].ID, res.Hits[0].Why)
		}
	}
}

func TestDevAUC(t *testing.T) {
	if os.Getenv("KB_AUC") == "" {
		t.Skip()
	}
	ix, _ := LoadIndex("../configs/faq.yaml", "../configs/kb-lexicon.yaml")
	data, _ := os.ReadFile("testdata/kb-dev.tsv")
	var pos, neg [][nSignals]float64
	var pc, nc []float64
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n")[1:] {
		q, want, _ := strings.Cut(line, "\t")
		qq := ix.prepare(q)
		top := ix.rank(&qq, 3)
		if len(top) == 0 {
			continue
		}
		sg := ix.signals(&qq, top)
		if want == "none" {
			neg = append(neg, sg.vec())
			nc = append(nc, ix.calib.confidence(sg))
		} else if ix.entries[top[0].e].ID == want {
			pos = append(pos, sg.vec())
			pc = append(pc, ix.calib.confidence(sg))
		}
	}
	auc := func(p, n []float64) float64 {
		s := 0.0
		for _, a := range p {
			for _, b := range n {
				if a > b {
					s++
				} else if a == b {
					s += .5
				}
			}
		}
		return s / float64(len(p)*len(n))
	}
	names := []string{"bias", "cov", "margin", "topic", "action", "chars", "anchor", "gap", "known"}
	for i := 1; i < nSignals; i++ {
		var p, n []float64
		for _, v := range pos {
			p = append(p, v[i])
		}
		for _, v := range neg {
			n = append(n, v[i])
		}
		fmt.Printf("AUC %s %.3f\n", names[i], auc(p, n))
	}
	fmt.Printf("AUC conf %.3f calib %+v\n", auc(pc, nc), ix.calib)
}

func TestDevMask(t *testing.T) {
	if os.Getenv("KB_MASK") == "" {
		t.Skip()
	}
	data, _ := os.ReadFile("testdata/kb-dev.tsv")
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")[1:]
	masks := map[string][nSignals]float64{
		"cur":     {1, 1, 1, 1, 0, 0, 1, 0, 1},
		"all":     {1, 1, 1, 1, 1, 1, 1, 1, 1},
		"+gap":    {1, 1, 1, 1, 0, 0, 1, 1, 1},
		"+act":    {1, 1, 1, 1, 1, 0, 1, 0, 1},
		"+chars":  {1, 1, 1, 1, 0, 1, 1, 0, 1},
		"-anchor": {1, 1, 1, 1, 0, 0, 0, 0, 1},
	}
	for name, m := range masks {
		for _, l2 := range []float64{1e-3} {
			for _, prior := range []float64{0.1, 0.15} {
				calibMask, calibL2, calibNonePrior = m, l2, prior
				ix, _ := LoadIndex("../configs/faq.yaml", "../configs/kb-lexicon.yaml")
				out := fmt.Sprintf("MASK %-16s l2 %.3f prior %.2f", name, l2, prior)
				for part := 0; part < 2; part++ {
					var sb strings.Builder
					for i, l := range lines {
						if i%2 == part {
							sb.WriteString(l + "\n")
						}
					}
					rep, _ := Eval(ix, strings.NewReader(sb.String()))
					out += fmt.Sprintf(" | p%d %.3f %.3f", part, rep.Top1, rep.Top3)
				}
				fmt.Println(out)
			}
		}
	}
}
