package knowledge

import "unicode/utf8"

// A recogniser slip in a key term (宫基金 for 公积金, 燃其费 for 燃气费,
// 身份正 for 身份证) is matched by sound bigram by bigram (pinyin.go), but
// that only works where one character of each bigram survived, and the
// general-language split weighs the slipped term as two stray characters.
// The editors' keywords name the terms that matter, so a query span that
// sounds exactly like one of them is mended to it before the query is
// analysed, when nothing says the span is meant as written:
//   - it shares at least one character with the keyword (one slip, not a
//     chance homophone of the whole term),
//   - it is no word of general Chinese and its bigrams are not all in the
//     index (事业 is not a slip of 失业),
//   - neither edge character makes a word with its neighbour outside the
//     span (办过|护照: 过护 is not 过户; 垃|圾分|类: 圾分 is not 记分),
//   - exactly one keyword qualifies.
// (Mending to any homophone word of general Chinese, or to any bigram of
// the index, mended chance homophones across word boundaries too:
// docs/knowledge.md, rounds 8 and 9.)

// maxTermRunes is the longest keyword mended to.
const maxTermRunes = 4

// soundKey is the folded syllables of a span of up to maxTermRunes runes.
type soundKey struct {
	n   uint8
	syl [maxTermRunes]uint16
}

// termTable maps sound keys to the keywords that sound so.
type termTable map[soundKey][]string

// buildTerms collects the keywords of entries (2–4 characters, all with a
// syllable) by sound.
func buildTerms(entries []Entry) termTable {
	t := termTable{}
	seen := map[string]bool{}
	for i := range entries {
		for _, k := range entries[i].Keywords {
			k = normalize(k)
			rs := []rune(k)
			if len(rs) < 2 || len(rs) > maxTermRunes || seen[k] {
				continue
			}
			seen[k] = true
			if key, ok := soundOf(rs); ok {
				t[key] = append(t[key], k)
			}
		}
	}
	return t
}

// soundOf is the sound key of rs; ok is false if a rune has no syllable.
func soundOf(rs []rune) (soundKey, bool) {
	k := soundKey{n: uint8(len(rs))}
	for i, r := range rs {
		s := syllable(r)
		if s == 0 {
			return soundKey{}, false
		}
		k.syl[i] = s
	}
	return k, true
}

// mendSlips returns text with slipped key terms replaced by the keywords
// they sound like (see above), and whether anything was mended.
func (ix *Index) mendSlips(text string) (string, bool) {
	if len(ix.terms) == 0 || ix.lex.words == nil {
		return text, false
	}
	rs := []rune(normalize(text))
	out := make([]rune, 0, len(rs))
	mended := false
	for i := 0; i < len(rs); {
		n, term := ix.slipAt(rs, i)
		if n == 0 {
			out = append(out, rs[i])
			i++
			continue
		}
		out = append(out, []rune(term)...)
		i += n
		mended = true
	}
	if !mended {
		return text, false
	}
	return string(out), true
}

// slipAt returns the length of the span at rs[i:] to mend and the keyword
// to mend it to, longest first; 0 if none.
func (ix *Index) slipAt(rs []rune, i int) (int, string) {
	for l := min(maxTermRunes, len(rs)-i); l >= 2; l-- {
		span := rs[i : i+l]
		key, ok := soundOf(span)
		if !ok {
			continue
		}
		cands := ix.terms[key]
		if len(cands) == 0 || ix.isWord(span) || ix.knownBigrams(span) {
			continue
		}
		if (i > 0 && ix.isWord(rs[i-1:i+1])) || (i+l < len(rs) && ix.isWord(rs[i+l-1:i+l+1])) {
			continue
		}
		best := ""
		for _, c := range cands {
			if sharesRune(span, c) {
				if best != "" {
					best = "" // two keywords: the slip is ambiguous
					break
				}
				best = c
			}
		}
		if best != "" {
			return l, best
		}
	}
	return 0, ""
}

// isWord: rs is a word of the general-language table.
func (ix *Index) isWord(rs []rune) bool {
	if len(rs) > maxWordRunes {
		return false
	}
	_, ok := ix.lex.words.idf[keyOf(rs)]
	return ok
}

// knownBigrams: every bigram of rs is in the index's vocabulary.
func (ix *Index) knownBigrams(rs []rune) bool {
	var buf [2 * utf8.UTFMax]byte
	for j := 0; j+1 < len(rs); j++ {
		b := utf8.AppendRune(buf[:0], rs[j])
		b = utf8.AppendRune(b, rs[j+1])
		if _, ok := ix.vocab[string(b)]; !ok {
			return false
		}
	}
	return true
}

// sharesRune: span and term (same length) agree in at least one position.
func sharesRune(span []rune, term string) bool {
	j := 0
	for _, r := range term {
		if j < len(span) && span[j] == r {
			return true
		}
		j++
	}
	return false
}
