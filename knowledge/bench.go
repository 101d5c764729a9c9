package knowledge

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"sort"
	"strings"
	"time"
)

// GenerateEntries makes n plausible, varied entries from the vocabulary of
// base (its departments, keywords, questions and answers), for load tests.
// The base entries come first; the rest get ids gen-NNNNN. Same seed, same
// entries.
func GenerateEntries(base []Entry, n int, seed uint64) []Entry {
	out := make([]Entry, 0, n)
	for i := 0; i < len(base) && len(out) < n; i++ {
		out = append(out, base[i])
	}
	if len(base) == 0 {
		return out
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	places := []string{"市区", "城区", "县里", "开发区", "乡镇", "社区", "街道", "村里", "小区", "新区"}
	who := []string{"老人", "孩子", "外地人员", "残疾人", "退役人员", "个体户", "企业职工", "学生", "农民工", "困难家庭"}
	templates := []string{
		"%s%s怎么办理？", "%s的%s在哪里申请？", "%s%s需要什么材料？", "%s%s能在网上办吗？",
		"%s%s多长时间能办好？", "%s%s找哪个部门？", "%s办%s要不要本人去？", "%s%s出了问题怎么投诉？",
	}
	pick := func(ss []string) string { return ss[rng.IntN(len(ss))] }
	for i := len(out); i < n; i++ {
		a := &base[rng.IntN(len(base))]
		b := &base[rng.IntN(len(base))]
		k1 := pick(a.Keywords)
		k2 := pick(b.Keywords)
		subject := pick(who)
		e := Entry{
			ID:         fmt.Sprintf("gen-%05d", i),
			Department: a.Department,
			Title:      fmt.Sprintf(pick(templates), subject, k1+k2),
			Answer:     a.Answer,
			Keywords:   []string{k1, k2, subject},
			Status:     StatusPublished,
			Version:    1,
		}
		for j := 0; j < 3; j++ {
			q := pick(a.SimilarQuestions)
			q = strings.Replace(q, pick(a.Keywords), k2, 1)
			e.SimilarQuestions = append(e.SimilarQuestions, pick(places)+"的"+subject+q)
		}
		// Caller questions too, as many as the base entry files: they
		// are searched one by one as well as together.
		for j := 0; j < len(a.CallerQuestions); j++ {
			q := strings.Replace(pick(a.CallerQuestions), pick(a.Keywords), k2, 1)
			e.CallerQuestions = append(e.CallerQuestions, pick(places)+q)
		}
		out = append(out, e)
	}
	return out
}

// benchQueries makes caller-like questions from entries: similar questions,
// titles with a spoken preamble, two-part questions, and out-of-KB talk.
func benchQueries(entries []Entry, n int, seed uint64) []string {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	pre := []string{"喂，你好，我想问一下，", "那个，就是，", "", "我家里的事，"}
	other := []string{"明天会不会下雨", "附近哪有好吃的饭馆", "彩票中奖了去哪领", "手机话费怎么查"}
	qs := make([]string, 0, n)
	for len(qs) < n {
		e := &entries[rng.IntN(len(entries))]
		switch rng.IntN(4) {
		case 0:
			if len(e.SimilarQuestions) > 0 {
				qs = append(qs, e.SimilarQuestions[rng.IntN(len(e.SimilarQuestions))])
				continue
			}
			qs = append(qs, e.Title)
		case 1:
			qs = append(qs, pre[rng.IntN(len(pre))]+e.Title)
		case 2:
			f := &entries[rng.IntN(len(entries))]
			qs = append(qs, e.Title+"，还有"+f.Title+"我回头再问")
		default:
			qs = append(qs, other[rng.IntN(len(other))])
		}
	}
	return qs
}

// BenchResult is what `liandong bench kb` prints.
type BenchResult struct {
	Entries int     `json:"entries"`
	Queries int     `json:"queries"`
	MeanUs  float64 `json:"mean_us"`
	P50us   float64 `json:"p50_us"`
	P90us   float64 `json:"p90_us"`
	P99us   float64 `json:"p99_us"`
	MaxUs   float64 `json:"max_us"`
	// CPU time of the searching thread per query: the cost of a search
	// without the time spent waiting for a core on a loaded machine.
	CPUP50us   float64 `json:"cpu_p50_us"`
	CPUP99us   float64 `json:"cpu_p99_us"`
	IndexBytes int64   `json:"index_bytes"` // live heap held by the index after build
	// WordTableBytes is the general-language word table (words.go), loaded
	// once per process and shared by every index: not in IndexBytes.
	WordTableBytes int64   `json:"word_table_bytes"`
	BuildMs        float64 `json:"build_ms"`
}

// Bench builds an index over entries and times queries one at a time on
// one goroutine.
func Bench(entries []Entry, lex *Lexicon, queries int) (BenchResult, error) {
	syllable('中') // the pinyin table is process-wide; keep it out of the index size
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	wt := generalWords() // process-wide too, measured apart
	runtime.GC()
	runtime.ReadMemStats(&after)
	tableBytes := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	runtime.KeepAlive(wt)
	before = after
	t0 := time.Now()
	ix, err := Build(entries, lex, Options{})
	if err != nil {
		return BenchResult{}, fmt.Errorf("bench kb: %w", err)
	}
	build := time.Since(t0)
	runtime.GC()
	runtime.ReadMemStats(&after)
	qs := benchQueries(entries, queries, 7)
	for _, q := range qs[:min(len(qs), 200)] { // warm up
		ix.Search(q, 3)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	lat := make([]float64, len(qs))
	cpu := make([]float64, 0, len(qs))
	for i, q := range qs {
		c0, ok0 := threadCPU()
		t := time.Now()
		ix.Search(q, 3)
		lat[i] = float64(time.Since(t).Nanoseconds()) / 1e3
		if c1, ok1 := threadCPU(); ok0 && ok1 {
			cpu = append(cpu, float64(c1-c0)/1e3)
		}
	}
	sort.Float64s(cpu)
	cpct := func(p float64) float64 {
		if len(cpu) == 0 {
			return 0
		}
		return round3(cpu[min(len(cpu)-1, int(p*float64(len(cpu))))])
	}
	var sum float64
	for _, l := range lat {
		sum += l
	}
	sort.Float64s(lat)
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return round3(lat[min(len(lat)-1, int(p*float64(len(lat))))])
	}
	res := BenchResult{
		Entries:        ix.Len(),
		Queries:        len(qs),
		MeanUs:         round3(sum / float64(max(1, len(lat)))),
		P50us:          pct(0.50),
		P90us:          pct(0.90),
		P99us:          pct(0.99),
		MaxUs:          pct(1),
		CPUP50us:       cpct(0.50),
		CPUP99us:       cpct(0.99),
		IndexBytes:     heapDelta(before, after, ix),
		WordTableBytes: max(0, tableBytes),
		BuildMs:        round3(float64(build.Microseconds()) / 1e3),
	}
	runtime.KeepAlive(ix)
	return res, nil
}

// RunBench is `liandong bench kb --entries N [--json]`: it grows the FAQ at
// faqPath to n entries with GenerateEntries, builds the index with the
// lexicon (empty path: none) and prints latency percentiles and index size.
func RunBench(w io.Writer, faqPath, lexiconPath string, n int, asJSON bool) error {
	if n <= 0 {
		return fmt.Errorf("bench kb: entries must be positive, got %d", n)
	}
	base, err := LoadFAQ(faqPath)
	if err != nil {
		return fmt.Errorf("bench kb: %w", err)
	}
	lex, err := LoadLexicon(lexiconPath)
	if err != nil {
		return fmt.Errorf("bench kb: %w", err)
	}
	res, err := Bench(GenerateEntries(base, n, 1), lex, 5000)
	if err != nil {
		return err
	}
	if asJSON {
		return json.NewEncoder(w).Encode(res)
	}
	_, err = fmt.Fprintf(w, "entries      %d\nqueries      %d\nmean_us      %.1f\np50_us       %.1f\np90_us       %.1f\np99_us       %.1f\nmax_us       %.1f\ncpu_p50_us   %.1f\ncpu_p99_us   %.1f\nindex_bytes  %d\nword_table_bytes %d\nbuild_ms     %.0f\n",
		res.Entries, res.Queries, res.MeanUs, res.P50us, res.P90us, res.P99us, res.MaxUs, res.CPUP50us, res.CPUP99us, res.IndexBytes, res.WordTableBytes, res.BuildMs)
	return err
}

// heapDelta is the live heap the build added; when garbage of earlier work
// was freed meanwhile (the delta is not positive), the index's own estimate.
func heapDelta(before, after runtime.MemStats, ix *Index) int64 {
	if d := int64(after.HeapAlloc) - int64(before.HeapAlloc); d > 0 {
		return d
	}
	return ix.SizeBytes()
}
