package knowledge

import (
	"slices"
	"strings"
	"unicode"
)

// normalize folds full-width forms to ASCII, lowercases, and maps the
// ideographic space; everything else is kept for the tokenizer to split.
func normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			r -= 0xFEE0
		case r == 0x3000:
			r = ' '
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

func isCJK(r rune) bool { return r >= cjkLo && r <= cjkHi }

func isWordRune(r rune) bool {
	return isCJK(r) || (r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)))
}

// Feature kinds.
const (
	fBigram  = iota // two adjacent CJK characters (with their sounds)
	fToken          // a run of ASCII letters/digits (12345, 110)
	fConcept        // a concept of the lexicon
)

// feature is one searchable unit of a text.
type feature struct {
	key string // vocabulary key
	// Sound keys of a bigram: first character + sound of the second, and
	// sound of the first + second character. A slip keeps one character and
	// the sound of the other (设保/社保, 公鸡金/公积金); requiring one exact
	// character keeps chance homophones of whole bigrams out. 0 if none.
	pyA, pyB uint64
	kind     uint8
	con      int     // concept index for fConcept
	w        float32 // clause weight (queries); 1 for entries
	pos      int32   // index of the first character in the text's content (bigrams)
	// ask: found in the asking clause of a query — the clause of highest
	// weight, the last one on a tie (callers ask at the end).
	ask bool
}

// Clause weights of a query: the clause that asks weighs more, a side
// topic ("还有…", "回头再问") less, and one the caller points at most.
const (
	wSide     = 0.35
	wQuestion = 1.25
	wFocus    = 1.6
	wPlain    = 1.0
)

// bareAsk: an asking clause with at most this many bigrams and tokens of
// content is bare, and the clause before it asks too (chosen on the tuning
// sets of round 9 among no such rule, 0, 1 and 2; docs/knowledge.md).
const bareAsk = 2

// clause is a stretch of text between punctuation.
type clause struct {
	rs []rune
	w  float32
}

// splitClauses normalizes, rewrites synonyms and cuts at punctuation.
func (lx *compiledLexicon) splitClauses(s string) []clause {
	s = lx.syn.Replace(normalize(s))
	var out []clause
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, clause{rs: cur, w: wPlain})
			cur = nil
		}
	}
	for _, r := range s {
		if isWordRune(r) {
			cur = append(cur, r)
		} else {
			flush()
		}
	}
	flush()
	return out
}

// weighClauses sets query clause weights from the markers.
func (lx *compiledLexicon) weighClauses(cs []clause) {
	for i := range cs {
		c := &cs[i]
		switch {
		case i < len(cs)-1 && lx.negated(c.rs):
			c.w = wSide
		case lx.side.any(c.rs):
			c.w = wSide
		case lx.focus.any(c.rs):
			c.w = wFocus
		case lx.question.any(c.rs):
			c.w = wQuestion
		}
	}
}

// negated: the clause begins, after fillers, with a negation marker.
func (lx *compiledLexicon) negated(rs []rune) bool {
	i := 0
	for i < len(rs) {
		n, _, ok := lx.fillers.at(rs, i)
		if !ok {
			break
		}
		i += n
	}
	if i >= len(rs) {
		return false
	}
	_, _, ok := lx.negation.at(rs, i)
	return ok
}

// features extracts the features of text; query texts get clause weights.
// Features repeat across clauses; callers keep the largest weight.
func (lx *compiledLexicon) features(text string, query bool) []feature {
	cs := lx.splitClauses(text)
	if query {
		lx.weighClauses(cs)
	}
	ask := -1
	if query {
		for i, c := range cs {
			if ask < 0 || c.w >= cs[ask].w {
				ask = i
			}
		}
	}
	var out []feature
	starts := make([]int, len(cs)+1)
	for i, c := range cs {
		starts[i] = len(out)
		out = lx.clauseFeatures(out, c, query)
	}
	starts[len(cs)] = len(out)
	if ask >= 0 {
		for j := starts[ask]; j < starts[ask+1]; j++ {
			out[j].ask = true
		}
		// A bare asking clause (在哪开, 去哪办, 要带啥: little left once
		// question words are cut) asks about what the caller just told:
		// "无犯罪记录证明，在哪开" asks about the certificate.
		if ask > 0 && cs[ask-1].w >= wPlain {
			n := 0
			for j := starts[ask]; j < starts[ask+1]; j++ {
				if out[j].kind != fConcept {
					n++
				}
			}
			if n <= bareAsk {
				for j := starts[ask-1]; j < starts[ask]; j++ {
					out[j].ask = true
				}
			}
		}
	}
	return out
}

func (lx *compiledLexicon) clauseFeatures(out []feature, c clause, query bool) []feature {
	rs := c.rs
	var word []int32
	var wordIDF []float32
	if query && lx.words != nil {
		word, wordIDF = lx.splitWords(rs)
	}
	// Concepts are found before fillers are cut, so a trigger may hold one.
	first := len(out)
	for i := 0; i < len(rs); {
		if n, v, ok := lx.concepts.at(rs, i); ok {
			out = append(out, feature{key: "k" + lx.cons[v].Name, kind: fConcept, con: v, w: c.w})
			i += n
			continue
		}
		i++
	}
	if lx.gapped != nil {
		found := func(con int) bool {
			return slices.ContainsFunc(out[first:], func(f feature) bool { return f.kind == fConcept && f.con == con })
		}
		for i, r := range rs {
			for gi := range lx.gapped[r] {
				if g := &lx.gapped[r][gi]; !found(g.con) && g.at(rs, i) {
					out = append(out, feature{key: "k" + lx.cons[g.con].Name, kind: fConcept, con: g.con, w: c.w})
				}
			}
		}
	}
	// Fillers and question words carry no content: every entry asks "how",
	// so they are cut from the words matched (they already weighed the clause).
	cut := make([]bool, len(rs))
	// Spelled-out numbers (十二, 六十五, 五千) say how much, not what about.
	for i := 0; i < len(rs); {
		j := i
		for j < len(rs) && isNumeral(rs[j]) {
			j++
		}
		if j-i >= 2 {
			for k := i; k < j; k++ {
				cut[k] = true
			}
		}
		i = max(j, i+1)
	}
	for i := 0; i < len(rs); {
		n, _, ok := lx.fillers.at(rs, i)
		if !ok {
			n, _, ok = lx.question.at(rs, i)
		}
		if ok {
			for j := i; j < i+n; j++ {
				cut[j] = true
			}
			i += n
			continue
		}
		i++
	}
	for i := 0; i < len(rs); i++ {
		if cut[i] {
			continue
		}
		r := rs[i]
		if isCJK(r) {
			if i+1 < len(rs) && !cut[i+1] && isCJK(rs[i+1]) {
				f := feature{key: string(rs[i : i+2]), kind: fBigram, w: c.w}
				if word != nil {
					rate := float32(boundaryRate)
					if word[i] == word[i+1] {
						rate = wordRate(wordIDF[word[i]])
					}
					f.w *= rate
				}
				if a, b := syllable(r), syllable(rs[i+1]); a != 0 && b != 0 {
					f.pyA = uint64(r)<<16 | uint64(b)
					f.pyB = 1<<62 | uint64(a)<<32 | uint64(rs[i+1])
				}
				out = append(out, f)
			}
			continue
		}
		j := i
		for j < len(rs) && !cut[j] && !isCJK(rs[j]) {
			j++
		}
		out = append(out, feature{key: "t" + string(rs[i:j]), kind: fToken, w: c.w})
		i = j - 1
	}
	return out
}

// dedup keeps one feature per key with the largest weight, in first order.
func dedup(fs []feature) []feature {
	seen := make(map[string]int, len(fs))
	out := fs[:0]
	for _, f := range fs {
		if j, ok := seen[f.key]; ok {
			if f.w > out[j].w {
				out[j].w = f.w
			}
			out[j].ask = out[j].ask || f.ask
			continue
		}
		seen[f.key] = len(out)
		out = append(out, f)
	}
	return out
}

func isNumeral(r rune) bool {
	return strings.ContainsRune("零一二三四五六七八九十百千万两几", r)
}

// lightBigram: a bigram with a function character (see Lexicon.LightChars).
func (lx *compiledLexicon) lightBigram(key string) bool {
	for _, r := range key {
		if lx.light[r] {
			return true
		}
	}
	return false
}
