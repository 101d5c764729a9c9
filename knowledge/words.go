package knowledge

import (
	"strconv"
	"strings"
	"sync"

	"github.com/go-ego/gse"
)

// Character bigrams match anything two adjacent characters spell, also
// across a word boundary: in 家里水费欠了 the bigram 里水 (家里|水费) meets
// 家里水压太低 and outranks 水费. And among true words, idf over a hundred
// entries cannot tell 家里 or 知道 (said in any question) from 水费 (said
// in one matter). A general-language word table answers both: the query is
// split into its most likely words, a bigram across two words weighs
// boundaryRate, and a bigram inside a common word weighs less (see
// wordRate). The table is gse's embedded idf table (jieba's, about 264,000
// words with their inverse document frequency over a large corpus); only
// the table is used, not gse's segmenter: loading that takes 2.2 s and
// 128 MB, the table alone 0.14 s and 13 MB (docs/knowledge.md).

// Segmentation and weighting constants, chosen on the tuning sets of
// round 8 (docs/knowledge.md).
const (
	// boundaryRate scales a query bigram whose characters belong to two
	// different words of the split.
	boundaryRate = 0.3
	// A word's general idf maps to its bigrams' rate linearly from
	// commonIDF (rate minWordRate) to rareIDF (rate 1).
	commonIDF   = 5.0
	rareIDF     = 8.0
	minWordRate = 0.5
	// Split costs: a word costs its idf plus wordCost (fewer, longer words
	// win ties); a character the table does not know alone costs
	// singleCost. (Listing the lexicon's words as words of the split, so
	// that 慢特病 stays whole, lost 9 right answers of 1,392: docs/knowledge.md.)
	wordCost   = 2.0
	singleCost = 16.0
	// maxWordRunes is the longest word looked up.
	maxWordRunes = 4
)

// wordKey packs a word of up to maxWordRunes runes into a map key without
// allocating.
type wordKey [maxWordRunes]rune

func keyOf(rs []rune) wordKey {
	var k wordKey
	copy(k[:], rs)
	return k
}

// wordTable is the general-language word table: idf by word.
type wordTable struct {
	idf map[wordKey]float32
}

// generalWords parses gse's table once per process; every index shares it.
var generalWords = sync.OnceValue(func() *wordTable {
	return parseWordTable(gse.ZhIdf)
})

// parseWordTable reads "word idf" lines; malformed lines are skipped (the
// table is embedded, not user input, but a bad line must not stop search).
func parseWordTable(s string) *wordTable {
	t := &wordTable{idf: make(map[wordKey]float32, 270000)}
	for len(s) > 0 {
		var line string
		line, s, _ = strings.Cut(s, "\n")
		w, v, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok {
			continue
		}
		rs := []rune(w)
		if len(rs) == 0 || len(rs) > maxWordRunes {
			continue
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 32)
		if err != nil || f <= 0 {
			continue
		}
		t.idf[keyOf(rs)] = float32(f)
	}
	return t
}

// splitWords returns, for each rune of rs, the index of the word it
// belongs to in the cheapest split (a unigram model: a word's cost is its
// idf), and each word's general idf (0: not in the table).
func (lx *compiledLexicon) splitWords(rs []rune) (word []int32, idf []float32) {
	n := len(rs)
	best := make([]float32, n+1)
	from := make([]int32, n+1)
	wIDF := make([]float32, n+1) // idf of the word ending at i in the best split
	for i := 1; i <= n; i++ {
		best[i] = -1
		for l := 1; l <= maxWordRunes && l <= i; l++ {
			k := keyOf(rs[i-l : i])
			g, known := lx.words.idf[k]
			c := g
			if !known {
				if l > 1 {
					continue
				}
				c = singleCost
			}
			if v := best[i-l] + c + wordCost; best[i] < 0 || v < best[i] {
				best[i], from[i], wIDF[i] = v, int32(i-l), g
			}
		}
	}
	word = make([]int32, n)
	var ends []int
	for i := n; i > 0; i = int(from[i]) {
		ends = append(ends, i)
	}
	idf = make([]float32, 0, len(ends))
	for w := len(ends) - 1; w >= 0; w-- {
		end := ends[w]
		for j := int(from[end]); j < end; j++ {
			word[j] = int32(len(idf))
		}
		idf = append(idf, wIDF[end])
	}
	return word, idf
}

// wordRate is the rate of a bigram inside a word of general idf g (0: a
// word the table does not know, which is rare or the domain's own).
func wordRate(g float32) float32 {
	if g <= 0 {
		return 1
	}
	x := (g - commonIDF) / (rareIDF - commonIDF)
	return min(1, max(minWordRate, x))
}
