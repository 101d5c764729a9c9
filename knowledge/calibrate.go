package knowledge

import (
	"math"
	"math/rand/v2"
	"strings"
)

// Calibration turns the search signals into a confidence by logistic
// regression: confidence = 1/(1+exp(-(Bias + Σ w·signal))). Below Threshold
// the search says "no answer".
type Calibration struct {
	Bias      float64 `json:"bias" yaml:"bias"`
	Coverage  float64 `json:"coverage" yaml:"coverage"`
	Margin    float64 `json:"margin" yaml:"margin"`
	Topic     float64 `json:"topic" yaml:"topic"`
	Anchor    float64 `json:"anchor" yaml:"anchor"`
	Known     float64 `json:"known" yaml:"known"`
	Action    float64 `json:"action" yaml:"action"`
	Fit       float64 `json:"fit" yaml:"fit"`
	Discern   float64 `json:"discern" yaml:"discern"`
	Threshold float64 `json:"threshold" yaml:"threshold"`
}

// defaultCalibration serves indexes too small to calibrate on themselves.
var defaultCalibration = Calibration{Bias: -2, Coverage: 3.5, Margin: 1.5, Topic: 1.5, Anchor: 1, Known: 3, Action: 0.5, Fit: 1, Threshold: 0.5}

func (c Calibration) weights() [nSignals]float64 {
	return [nSignals]float64{c.Bias, c.Coverage, c.Margin, c.Topic, c.Anchor, c.Known, c.Action, c.Fit, c.Discern}
}

func (c Calibration) confidence(sg signals) float64 {
	w := c.weights()
	x := sg.vec()
	z := 0.0
	for i := range w {
		z += w[i] * x[i]
	}
	return sigmoid(z)
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// Calibration set-up: the index learns how its signals separate answerable
// questions from unanswerable ones on its own entries, never on evaluation
// queries. Entries are split into folds; for each fold a sub-index is built
// without the fold's entries (their questions become "no answer" examples)
// and without one question of the next fold's entries (which becomes an
// answerable example: right if it finds its entry).

const (
	// calibNonePrior is the share of unanswerable questions the
	// calibration is to refuse; negatives are weighted to it. Rejects and
	// uncovered matters refuse part of them before it, so it is below the
	// ~10% of "none" in the question sets (chosen on the blind labelled
	// questions weighted to that 10%: docs/knowledge.md, round 7).
	calibNonePrior  = 0.07
	calibL2         = 1e-3
	calibMaxEntries = 160
	// maxNewtonStep caps one step of the fit; maxWeight bounds a sane
	// coefficient (signals are in [-1,1]): beyond it the fit failed and
	// the defaults serve.
	maxNewtonStep = 2.0
	maxWeight     = 30.0
	calibFolds    = 4
)

type sample struct {
	x [nSignals]float64
	y float64
	w float64
}

func calibrate(pub []Entry, an []analysed, lx *compiledLexicon) Calibration {
	if len(pub) < 4*calibFolds {
		return defaultCalibration
	}
	step := 1
	if len(pub) > calibMaxEntries {
		step = len(pub) / calibMaxEntries
	}
	var pool []Entry
	var poolAn []analysed
	for i := 0; i < len(pub) && len(pool) < calibMaxEntries; i += step {
		pool = append(pool, pub[i])
		poolAn = append(poolAn, an[i])
	}
	// The folds are independent: each runs on its own core when there is
	// one (a rebuild after an editor publishes should be served soon), and
	// their samples are joined in fold order, so the fit is the same.
	folds := make([][]sample, calibFolds)
	parallel(calibFolds, func(f int) { folds[f] = calibrateFold(pool, poolAn, lx, f) })
	var samples []sample
	for _, fs := range folds {
		samples = append(samples, fs...)
	}
	return fit(samples)
}

// calibrateFold builds the sub-index without fold f and asks it the
// fold's unanswerable and the next fold's answerable questions.
func calibrateFold(pool []Entry, poolAn []analysed, lx *compiledLexicon, f int) []sample {
	var samples []sample
	var sub []Entry
	var subAn []analysed
	var negs []string
	type pos struct {
		q  string
		id string
	}
	var poss []pos
	for i := range pool {
		e, a := pool[i], poolAn[i]
		switch i % calibFolds {
		case f:
			negs = append(negs, e.Title)
			negs = append(negs, e.SimilarQuestions...)
			continue
		case (f + 1) % calibFolds:
			if n := len(e.SimilarQuestions); n >= 2 {
				// Hold out one similar question; alternate which.
				j := (i / calibFolds) % n
				poss = append(poss, pos{e.SimilarQuestions[j], e.ID})
				sq := make([]string, 0, n-1)
				sq = append(sq, e.SimilarQuestions[:j]...)
				sq = append(sq, e.SimilarQuestions[j+1:]...)
				e.SimilarQuestions = sq
				qs := make([][]feature, 0, n)
				qs = append(qs, a.questions[:j+1]...) // title is questions[0]
				qs = append(qs, a.questions[j+2:]...)
				a.questions = qs
			}
		}
		sub = append(sub, e)
		subAn = append(subAn, a)
	}
	// Out-of-domain questions share characters with the KB but not its
	// words: the fold's questions with their characters shuffled stand
	// in for them.
	rng := rand.New(rand.NewPCG(uint64(f), 17))
	n := len(negs)
	for i := 0; i < n; i++ {
		rs := []rune(negs[i])
		rng.Shuffle(len(rs), func(a, b int) { rs[a], rs[b] = rs[b], rs[a] })
		negs = append(negs, string(rs))
	}
	// Same action, other topic: an entry's question with its key word
	// swapped for another entry's (a KB word the entry does not go
	// with, or a word of the left-out fold the sub-index never saw).
	// Callers ask exactly this next to the KB's topics (出生证明丢了能补吗).
	negs = append(negs, recombine(pool, poolAn, lx, f)...)
	// Spoken questions come with a story in words the entry does not
	// have: a question of the left-out fold told before the asked
	// one keeps it answerable; two of them together do not.
	nfold := len(negs)
	for i, p := range poss {
		if nfold > 0 {
			poss = append(poss, pos{negs[(i*7)%nfold] + "，" + p.q, p.id})
		}
	}
	if nfold > 1 {
		for i := 0; i < nfold/2; i++ {
			negs = append(negs, negs[i]+"，"+negs[(i*5+1)%nfold])
		}
	}
	ix := build(sub, subAn, lx)
	ix.useDiscerner(ix.trainDiscerner())
	for _, q := range negs {
		if x, ok := ix.sample(q); ok {
			samples = append(samples, sample{x: x, y: 0})
		}
	}
	for _, p := range poss {
		qq := ix.prepare(p.q)
		top := ix.rank(&qq, 2)
		if len(top) == 0 {
			continue
		}
		y := 0.0
		if ix.entries[top[0].e].ID == p.id {
			y = 1
		}
		samples = append(samples, sample{x: ix.signals(&qq, top).vec(), y: y})
	}
	return samples
}

// recombine makes unanswerable questions for fold f: for each entry kept in
// the sub-index, one of its questions with a keyword of it replaced by a
// keyword of another entry. The other entry is from fold f (its word is
// then unknown to the sub-index) or a kept entry whose actions all differ
// (its word is known but not with this action).
func recombine(pool []Entry, an []analysed, lx *compiledLexicon, f int) []string {
	acts := make([][]int, len(pool))
	for i := range pool {
		acts[i] = entryActions(an[i], lx)
	}
	var out []string
	rng := rand.New(rand.NewPCG(uint64(f), 29))
	for i := range pool {
		if i%calibFolds == f {
			continue
		}
		e := &pool[i]
		qs := append([]string{e.Title}, e.SimilarQuestions...)
		q := qs[(i/calibFolds)%len(qs)]
		var kA string
		for _, k := range e.Keywords {
			if len([]rune(k)) >= 2 && strings.Contains(q, k) && len(k) > len(kA) {
				kA = k
			}
		}
		if kA == "" {
			continue
		}
		for try := 0; try < 2; try++ {
			j := rng.IntN(len(pool))
			if j == i {
				continue
			}
			if j%calibFolds != f && (len(acts[i]) == 0 || len(acts[j]) == 0 || !clash(acts[i], acts[j])) {
				continue // the other entry might answer it
			}
			b := &pool[j]
			if len(b.Keywords) == 0 {
				continue
			}
			kB := b.Keywords[rng.IntN(len(b.Keywords))]
			if kB == kA || strings.Contains(kA, kB) || strings.Contains(kB, kA) || len([]rune(kB)) < 2 {
				continue
			}
			out = append(out, strings.Replace(q, kA, kB, 1))
		}
	}
	return out
}

// entryActions lists the action concepts of an entry's questions and keywords.
func entryActions(a analysed, lx *compiledLexicon) []int {
	var out []int
	for _, fs := range append(append([][]feature{}, a.questions...), a.keywords) {
		for _, f := range fs {
			if f.kind == fConcept && lx.cons[f.con].Kind == KindAction {
				out = appendUniq(out, f.con)
			}
		}
	}
	return out
}

func (ix *Index) sample(text string) ([nSignals]float64, bool) {
	q := ix.prepare(text)
	top := ix.rank(&q, 2)
	if len(top) == 0 {
		return [nSignals]float64{}, false
	}
	return ix.signals(&q, top).vec(), true
}

// fit runs batch gradient descent on weighted logistic loss with a little
// L2, deterministic for a given input.
func fit(samples []sample) Calibration {
	var wPos, wNeg float64
	for _, s := range samples {
		if s.y > 0 {
			wPos++
		} else {
			wNeg++
		}
	}
	if wPos == 0 || wNeg == 0 {
		return defaultCalibration
	}
	negW := calibNonePrior / (1 - calibNonePrior) * wPos / wNeg
	for i := range samples {
		samples[i].w = 1
		if samples[i].y == 0 {
			samples[i].w = negW
		}
	}
	// Newton's method on the weighted mean log-loss with a little L2 on
	// the slopes: a handful of 6×6 solves instead of thousands of steps.
	var tw float64
	for _, s := range samples {
		tw += s.w
	}
	w := defaultCalibration.weights()
	for it := 0; it < 50; it++ {
		var g [nSignals]float64
		var h [nSignals][nSignals]float64
		for _, s := range samples {
			z := 0.0
			for i := range w {
				z += w[i] * s.x[i]
			}
			p := sigmoid(z)
			d := (p - s.y) * s.w / tw
			c := p * (1 - p) * s.w / tw
			for i := range g {
				g[i] += d * s.x[i]
				for j := range h[i] {
					h[i][j] += c * s.x[i] * s.x[j]
				}
			}
		}
		for i := 1; i < nSignals; i++ {
			g[i] += calibL2 * w[i]
			h[i][i] += calibL2
		}
		h[0][0] += 1e-9
		step, ok := solve(h, g)
		if !ok {
			break
		}
		size := 0.0
		for i := range step {
			size = max(size, math.Abs(step[i]))
		}
		// Damped: a nearly flat direction (a signal constant on the
		// sample) must not throw the weights far off.
		scale := 1.0
		if size > maxNewtonStep {
			scale = maxNewtonStep / size
		}
		for i := range w {
			w[i] -= scale * step[i]
		}
		if size < 1e-6 {
			break
		}
	}
	for _, v := range w {
		if math.IsNaN(v) || math.Abs(v) > maxWeight {
			return defaultCalibration
		}
	}
	return Calibration{Bias: w[0], Coverage: w[1], Margin: w[2], Topic: w[3], Anchor: w[4], Known: w[5], Action: w[6], Fit: w[7], Discern: w[8], Threshold: 0.5}
}

// solve returns x with a·x = b by Gaussian elimination with partial
// pivoting; ok is false for a singular a.
func solve(a [nSignals][nSignals]float64, b [nSignals]float64) (x [nSignals]float64, ok bool) {
	for c := 0; c < nSignals; c++ {
		p := c
		for r := c + 1; r < nSignals; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[p][c]) {
				p = r
			}
		}
		if math.Abs(a[p][c]) < 1e-12 {
			return x, false
		}
		a[c], a[p] = a[p], a[c]
		b[c], b[p] = b[p], b[c]
		for r := c + 1; r < nSignals; r++ {
			f := a[r][c] / a[c][c]
			for k := c; k < nSignals; k++ {
				a[r][k] -= f * a[c][k]
			}
			b[r] -= f * b[c]
		}
	}
	for r := nSignals - 1; r >= 0; r-- {
		v := b[r]
		for k := r + 1; k < nSignals; k++ {
			v -= a[r][k] * x[k]
		}
		x[r] = v / a[r][r]
	}
	return x, true
}
