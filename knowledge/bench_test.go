package knowledge

import (
	"io"
	"os"
	"runtime"
	"strconv"
	"testing"
)

func TestRunBench(t *testing.T) {
	n, w := 300, io.Writer(io.Discard)
	if s := os.Getenv("KB_BENCH_ENTRIES"); s != "" {
		n, _ = strconv.Atoi(s)
		w = os.Stdout
	}
	if err := RunBench(w, "../configs/faq.yaml", "../configs/kb-lexicon.yaml", n, false); err != nil {
		t.Fatal(err)
	}
}

func BenchmarkSearch10k(b *testing.B) {
	base, lex := loadSample(b)
	ix, err := Build(GenerateEntries(base, 10000, 1), lex, Options{})
	if err != nil {
		b.Fatal(err)
	}
	qs := benchQueries(ix.entries, 1000, 3)
	runtime.GC()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		ix.Search(qs[i%len(qs)], 3)
	}
}
