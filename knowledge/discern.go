package knowledge

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
)

// The discerner tells neighbouring entries apart. The bag of words scores
// an entry by the words it shares with the question, weighed by how rare
// they are in the whole FAQ; but the words that decide between two
// neighbours (开始供暖 vs 报停, 社保卡 补办 vs 身份证 补办) are not the rare
// ones: they are the ones one neighbour's callers say and the other's do
// not. A linear model over the characters and character pairs of the
// entries' own texts (title, similar and caller questions, keywords, and
// the answer a little), trained to pick each text's entry among the
// candidates the index offers for it, learns those words. At search time
// it reranks the candidates, and how sure it is joins the confidence.

const (
	// discernGrams: the longest character n-gram the model reads (1–3
	// were tried: pairs generalise best; docs/knowledge.md, round 10).
	discernGrams = 2
	// discernCands: the candidates a training text is told apart from
	// (its entry among the index's best for it).
	discernCands = 10
	// discernEpochs, discernRate: the training passes and the AdaGrad
	// step; more passes (10, 25) change nothing measurable.
	discernEpochs = 5
	discernRate   = 0.5
	// discernReg: L2 penalty per update.
	discernReg = 1e-4
	// discernKeyword, discernAnswer: the weight of a keyword (a short,
	// partial question) and of the answer (it says the matter, in many
	// more words) as training texts; a question counts 1.
	discernKeyword = 0.5
	discernAnswer  = 0.3
	// discernShare is the share of a candidate's score the model decides:
	// the score is scaled by (1-discernShare) + discernShare × the model's
	// probability of the candidate relative to the likeliest one (chosen
	// on the tuning sets among 0.3 to 0.8: 0.6 to 0.7 lead once the
	// entries carry their caller questions).
	discernShare = 0.6
	// discernMinWeight: smaller weights are dropped after training; they
	// change no ranking of the tuning sets and lengthen every lookup.
	discernMinWeight = 0.03
	// discernMaxSamples bounds training (and so Build) on large FAQs: a
	// spread sample of the texts is used above it.
	discernMaxSamples = 20000
)

// discerner is the trained model: for each n-gram, its weight per entry
// (sorted by entry); and each entry's bias.
type discerner struct {
	vocab map[uint64]int32
	idf   []float32
	w     [][]entryWeight
	bias  []float32
	// learnt: per class (the entry's index when trained), the entry's id
	// and a hash of the texts it was trained on, so that a rebuild can
	// reuse the model for the entries it still fits (Options.Previous).
	learnt []learntEntry
}

type learntEntry struct {
	id  string
	sum uint64
}

// textSum hashes what the discerner learns of an entry.
func textSum(e *Entry) uint64 {
	h := fnv.New64a()
	put := func(s string) {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	put(e.Title)
	put(e.Answer)
	for _, group := range [][]string{e.SimilarQuestions, e.CallerQuestions, e.Keywords} {
		for _, s := range group {
			put(s)
		}
		put("\x01")
	}
	return h.Sum64()
}

// classes maps each real entry of ix to its class in d: the same entry,
// trained on the same texts; -1 where d has not learnt it (not trained on
// any of its texts, or on other texts).
func (d *discerner) classes(ix *Index) []int32 {
	byID := make(map[string]int32, len(d.learnt))
	for c, l := range d.learnt {
		if l.id != "" {
			byID[l.id] = int32(c)
		}
	}
	out := make([]int32, ix.nReal)
	for e := range out {
		out[e] = -1
		en := &ix.entries[e]
		if c, ok := byID[en.ID]; ok && d.learnt[c].sum == textSum(en) {
			out[e] = c
		}
	}
	return out
}

type entryWeight struct {
	e int32
	w float32
}

// sparseVec is a tf-idf vector of n-gram ids, L2-normalised.
type sparseVec struct {
	ids  []int32
	vals []float32
}

// grams gives the character n-grams of a text's clauses (normalised and
// rewritten by the synonyms like everything else) as keys: the runes
// packed 21 bits each, so n-grams of different lengths never collide
// (runes are not zero) and nothing is allocated per n-gram.
func (lx *compiledLexicon) grams(text string, add func(uint64)) {
	for _, c := range lx.splitClauses(text) {
		rs := c.rs
		for n := 1; n <= discernGrams; n++ {
			for i := 0; i+n <= len(rs); i++ {
				var k uint64
				for _, r := range rs[i : i+n] {
					k = k<<21 | uint64(r)
				}
				add(k)
			}
		}
	}
}

// vector turns a text into the model's vector; n-grams it has never seen
// are left out.
func (d *discerner) vector(lx *compiledLexicon, text string) sparseVec {
	var ids []int32
	lx.grams(text, func(g uint64) {
		if id, ok := d.vocab[g]; ok {
			ids = append(ids, id)
		}
	})
	return d.weigh(ids)
}

// weigh turns n-gram ids (repeated as often as they occur) into a tf-idf
// vector: sublinear counts, L2-normalised.
func (d *discerner) weigh(ids []int32) sparseVec {
	slices.Sort(ids)
	v := sparseVec{ids: make([]int32, 0, len(ids)), vals: make([]float32, 0, len(ids))}
	var norm float64
	for i := 0; i < len(ids); {
		j := i + 1
		for j < len(ids) && ids[j] == ids[i] {
			j++
		}
		x := (1 + float32(math.Log(float64(j-i)))) * d.idf[ids[i]]
		v.ids = append(v.ids, ids[i])
		v.vals = append(v.vals, x)
		norm += float64(x * x)
		i = j
	}
	if norm > 0 {
		inv := float32(1 / math.Sqrt(norm))
		for i := range v.vals {
			v.vals[i] *= inv
		}
	}
	return v
}

// logits sets z[i] to the model's score for entry es[i]. The weights of
// an n-gram are sorted by entry, so the entries are visited in that order
// and each search starts where the last one ended.
func (d *discerner) logits(v sparseVec, es []int32, z []float32) {
	order := make([]int, len(es))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return int(es[a] - es[b]) })
	for _, i := range order {
		z[i] = d.bias[es[i]]
	}
	for f, id := range v.ids {
		ws, lo := d.w[id], 0
		for _, i := range order {
			e := es[i]
			j := lo + sort.Search(len(ws)-lo, func(j int) bool { return ws[lo+j].e >= e })
			if j == len(ws) {
				break
			}
			if ws[j].e == e {
				z[i] += v.vals[f] * ws[j].w
			}
			lo = j
		}
	}
}

// trainSample is one question of an entry with the candidates it is told
// apart from, and for each of its n-grams × candidates the parameter slot.
type trainSample struct {
	v     sparseVec
	cands []int32 // the text's own entry first
	slots []int32 // len(v.ids) × len(cands), row-major by n-gram
	sw    float32
}

// trainDiscerner trains the model on the real entries' questions.
func (ix *Index) trainDiscerner() *discerner {
	n := ix.nReal
	if n < 2 {
		return nil
	}
	type text struct {
		e  int32
		s  string
		sw float32
	}
	var texts []text
	for e := range n {
		en := &ix.entries[e]
		texts = append(texts, text{int32(e), en.Title, 1})
		for _, q := range en.SimilarQuestions {
			texts = append(texts, text{int32(e), q, 1})
		}
		for _, q := range en.CallerQuestions {
			texts = append(texts, text{int32(e), q, 1})
		}
		for _, k := range en.Keywords {
			texts = append(texts, text{int32(e), k, discernKeyword})
		}
		if en.Answer != "" {
			texts = append(texts, text{int32(e), en.Answer, discernAnswer})
		}
	}
	if len(texts) > discernMaxSamples {
		step := float64(len(texts)) / discernMaxSamples
		kept := texts[:0]
		for i := 0.0; int(i) < len(texts) && len(kept) < discernMaxSamples; i += step {
			kept = append(kept, texts[int(i)])
		}
		texts = kept
	}
	d := &discerner{vocab: map[uint64]int32{}, learnt: make([]learntEntry, n)}
	// Vocabulary and document frequencies over the training texts.
	var df []int
	grams := make([][]int32, len(texts)) // each text's n-gram ids, repeated
	for i, t := range texts {
		var ids []int32
		ix.lex.grams(t.s, func(g uint64) {
			id, ok := d.vocab[g]
			if !ok {
				id = int32(len(df))
				d.vocab[g] = id
				df = append(df, 0)
			}
			ids = append(ids, id)
		})
		for _, id := range slices.Compact(slices.Sorted(slices.Values(ids))) {
			df[id]++
		}
		grams[i] = ids
	}
	d.idf = make([]float32, len(df))
	for i, c := range df {
		d.idf[i] = float32(math.Log(float64(1+len(texts))/float64(1+c))) + 1
	}
	// The candidates each text is told apart from, found on all cores:
	// by the text's own features, as an entry's are analysed (cheaper
	// than a caller's question, and as near).
	cands := make([][]int32, len(texts))
	parallel(len(texts), func(i int) {
		t := &texts[i]
		q := query{text: t.s}
		ix.resolve(&q, dedup(ix.lex.features(t.s, false)))
		cs := []int32{t.e}
		for _, c := range ix.baseCands(&q, discernCands) {
			if int(c.e) < n && c.e != t.e && len(cs) < discernCands {
				cs = append(cs, c.e)
			}
		}
		cands[i] = cs
	})
	// Parameter slots: one per (n-gram, entry) pair a sample can move,
	// listed per n-gram. Most n-grams meet few entries and a scan finds
	// the slot; the common ones (的, 怎么) get a map.
	gramSlots := make([][]entryWeight, len(df)) // w holds the slot here
	gramMaps := map[int32]map[int32]int32{}
	nSlots := int32(0)
	slot := func(id, e int32) int32 {
		if m := gramMaps[id]; m != nil {
			if sl, ok := m[e]; ok {
				return sl
			}
		} else {
			for _, es := range gramSlots[id] {
				if es.e == e {
					return int32(es.w)
				}
			}
		}
		sl := nSlots
		nSlots++
		gramSlots[id] = append(gramSlots[id], entryWeight{e, float32(sl)})
		if m := gramMaps[id]; m != nil {
			m[e] = sl
		} else if len(gramSlots[id]) > 32 {
			m = make(map[int32]int32, 64)
			for _, es := range gramSlots[id] {
				m[es.e] = int32(es.w)
			}
			gramMaps[id] = m
		}
		return sl
	}
	samples := make([]trainSample, 0, len(texts))
	for i, t := range texts {
		v := d.weigh(grams[i])
		if len(v.ids) == 0 || len(cands[i]) < 2 {
			continue // nothing to learn from, or to tell it apart from
		}
		s := trainSample{v: v, cands: cands[i], sw: t.sw, slots: make([]int32, 0, len(v.ids)*len(cands[i]))}
		for _, id := range v.ids {
			for _, e := range s.cands {
				s.slots = append(s.slots, slot(id, e))
			}
		}
		samples = append(samples, s)
		// Learnt: an entry with a text of its own among the samples (a
		// large FAQ's spread sample may leave one out; its candidates
		// are then ranked by the bag of words).
		if e := &ix.entries[t.e]; d.learnt[t.e].id == "" {
			d.learnt[t.e] = learntEntry{e.ID, textSum(e)}
		}
	}
	if len(samples) == 0 {
		return nil
	}
	w := make([]float32, nSlots)
	g2 := make([]float32, nSlots)
	bias := make([]float32, n)
	bg2 := make([]float32, n)
	order := make([]int, len(samples))
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(7, 11))
	z := make([]float32, discernCands)
	step := func(p *float32, acc *float32, g float32) {
		*acc += g * g
		*p -= discernRate * g / (float32(math.Sqrt(float64(*acc))) + 1e-6)
	}
	for range discernEpochs {
		rng.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
		for _, si := range order {
			s := &samples[si]
			nc := len(s.cands)
			zmax := float32(math.Inf(-1))
			for c := range nc {
				z[c] = bias[s.cands[c]]
				for f := range s.v.ids {
					z[c] += s.v.vals[f] * w[s.slots[f*nc+c]]
				}
				zmax = max(zmax, z[c])
			}
			var sum float32
			for c := range nc {
				z[c] = float32(math.Exp(float64(z[c] - zmax)))
				sum += z[c]
			}
			for c := range nc {
				dz := z[c] / sum
				if c == 0 { // the text's own entry
					dz--
				}
				dz *= s.sw
				step(&bias[s.cands[c]], &bg2[s.cands[c]], dz)
				for f := range s.v.ids {
					sl := s.slots[f*nc+c]
					step(&w[sl], &g2[sl], dz*s.v.vals[f]+discernReg*w[sl])
				}
			}
		}
	}
	d.bias = bias
	d.w = gramSlots
	for id, ws := range d.w {
		kept := ws[:0]
		for _, es := range ws {
			if x := w[int32(es.w)]; math.Abs(float64(x)) >= discernMinWeight {
				kept = append(kept, entryWeight{es.e, x})
			}
		}
		slices.SortFunc(kept, func(a, b entryWeight) int { return int(a.e - b.e) })
		d.w[id] = slices.Clip(kept)
	}
	return d
}

// discern reranks the real entries among out (sorted best first) by the
// model: each score is scaled by (1-discernShare) + discernShare × the
// model's probability of the entry among them relative to the likeliest,
// then all by one factor that keeps the best score where it was. It sets
// q.discern to the model's probability of the entry now first.
func (ix *Index) discern(q *query, out []cand) {
	d := ix.disc
	q.discern = 1
	if d == nil {
		return
	}
	var real []int
	es := make([]int32, 0, len(out))
	for i, c := range out {
		if int(c.e) < ix.nReal {
			cl := ix.discOf[c.e]
			if cl < 0 {
				// An entry published since the model was trained: the bag
				// of words ranks this question until the model learns it.
				return
			}
			real = append(real, i)
			es = append(es, cl)
		}
	}
	if len(real) < 2 {
		return
	}
	v := d.vector(ix.lex, q.text)
	if len(v.ids) == 0 {
		return
	}
	ps := make([]float32, len(real))
	d.logits(v, es, ps)
	zmax := slices.Max(ps)
	var psum, before, after float32
	best := 0
	for j, i := range real {
		ps[j] = float32(math.Exp(float64(ps[j] - zmax))) // relative to the likeliest
		psum += ps[j]
		before = max(before, out[i].score)
		out[i].score *= (1 - discernShare) + discernShare*ps[j]
		if b := real[best]; out[i].score > out[b].score || (out[i].score == out[b].score && out[i].e < out[b].e) {
			best = j
		}
	}
	after = out[real[best]].score
	q.discern = ps[best] / psum
	// The rerank moves entries, not the level of the best one: the reject
	// questions (not reranked) are weighed against that level.
	if after > 0 {
		for _, i := range real {
			out[i].score *= before / after
		}
	}
	sortCands(out)
}

// bytes estimates the model's memory.
func (d *discerner) bytes() int64 {
	if d == nil {
		return 0
	}
	var b int64
	b += int64(len(d.vocab)) * (8 + 4 + 8)
	for _, l := range d.learnt {
		b += int64(len(l.id)) + 16 + 8
	}
	b += int64(len(d.idf)+len(d.bias)) * 4
	for _, ws := range d.w {
		b += 24 + int64(cap(ws))*8
	}
	return b
}
