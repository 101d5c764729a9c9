package knowledge

import "testing"

// The confidence calibrates itself on any FAQ: on 1,000 generated entries
// (the sample recombined with places and groups of people) the entries'
// own titles, said with a spoken preamble, are answered with their entry,
// and talk outside any government service is refused.
func TestCalibrationAtScale(t *testing.T) {
	base, lex := loadSample(t)
	es := GenerateEntries(base, 1000, 1)
	ix, err := Build(es, lex, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var right, n int
	for i := 0; i < len(es); i += 10 {
		n++
		res := ix.Search("喂，你好，我想问一下，"+es[i].Title, 3)
		if !res.NoAnswer && len(res.Hits) > 0 && res.Hits[0].ID == es[i].ID {
			right++
		}
	}
	refused := 0
	others := []string{"明天会不会下雨", "附近哪有好吃的饭馆", "彩票中奖了去哪领", "今天股票大盘行情怎么样", "帮我订一张去北京的机票"}
	for _, q := range others {
		if ix.Search(q, 3).NoAnswer {
			refused++
		}
	}
	t.Logf("1000 entries: titles answered right %d/%d, out-of-domain refused %d/%d, calibration %+v", right, n, refused, len(others), ix.Calibration())
	if float64(right) < 0.9*float64(n) || refused < len(others)-1 {
		t.Errorf("titles answered right %d/%d (want ≥ 90%%), out-of-domain refused %d/%d (want ≥ %d)", right, n, refused, len(others), len(others)-1)
	}
}
