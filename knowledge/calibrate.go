package knowledge

import (
	"math"
	"math/rand/v2"
)

// Calibration turns the search signals into a confidence by logistic
// regression: confidence = 1/(1+exp(-(Bias + Σ w·signal))). Below Threshold
// the search says "no answer".
type Calibration struct {
	Bias      float64 `json:"bias" yaml:"bias"`
	Coverage  float64 `json:"coverage" yaml:"coverage"`
	Margin    float64 `json:"margin" yaml:"margin"`
	Topic     float64 `json:"topic" yaml:"topic"`
	Action    float64 `json:"action" yaml:"action"`
	Chars     float64 `json:"chars" yaml:"chars"`
	Anchor    float64 `json:"anchor" yaml:"anchor"`
	Gap       float64 `json:"gap" yaml:"gap"`
	Known     float64 `json:"known" yaml:"known"`
	Threshold float64 `json:"threshold" yaml:"threshold"`
}

// defaultCalibration serves indexes too small to calibrate on themselves.
var defaultCalibration = Calibration{Bias: -5, Coverage: 4, Margin: 2, Topic: 1, Action: 0.5, Chars: 3, Anchor: 1, Gap: -1, Threshold: 0.5}

func (c Calibration) weights() [nSignals]float64 {
	return [nSignals]float64{c.Bias, c.Coverage, c.Margin, c.Topic, c.Action, c.Chars, c.Anchor, c.Gap, c.Known}
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
// calibNonePrior is the share of unanswerable questions expected from
// callers; negatives are weighted to it. Chosen on the even rows of kb-dev
// (0.10–0.15 best there), checked on the odd rows.
var calibNonePrior = 0.10

var calibL2 = 1e-3

var calibMask = [nSignals]float64{1, 1, 1, 1, 0, 0, 1, 0, 1}

const (
	calibMaxEntries = 160
	calibFolds      = 4
)

type sample struct {
	x [nSignals]float64
	y float64
	w float64
}

func calibrate(pub []Entry, lx *compiledLexicon) Calibration {
	if len(pub) < 4*calibFolds {
		return defaultCalibration
	}
	step := 1
	if len(pub) > calibMaxEntries {
		step = len(pub) / calibMaxEntries
	}
	var pool []Entry
	for i := 0; i < len(pub) && len(pool) < calibMaxEntries; i += step {
		pool = append(pool, pub[i])
	}
	var samples []sample
	for f := 0; f < calibFolds; f++ {
		var sub []Entry
		var negs []string
		type pos struct {
			q  string
			id string
		}
		var poss []pos
		for i := range pool {
			e := pool[i]
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
				}
			}
			sub = append(sub, e)
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
		ix := build(sub, lx)
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
	}
	return fit(samples)
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
	w := defaultCalibration.weights()
	for i := range w {
		w[i] *= calibMask[i]
	}
	const lr, iters = 1.0, 3000
	for it := 0; it < iters; it++ {
		var g [nSignals]float64
		var tw float64
		for _, s := range samples {
			z := 0.0
			for i := range w {
				z += w[i] * s.x[i] * calibMask[i]
			}
			d := (sigmoid(z) - s.y) * s.w
			for i := range g {
				g[i] += d * s.x[i]
			}
			tw += s.w
		}
		for i := range w {
			reg := 0.0
			if i > 0 {
				reg = calibL2 * w[i]
			}
			w[i] -= lr * (g[i]/tw + reg)
			w[i] *= calibMask[i]
		}
	}
	return Calibration{Bias: w[0], Coverage: w[1], Margin: w[2], Topic: w[3], Action: w[4], Chars: w[5], Anchor: w[6], Gap: w[7], Known: w[8], Threshold: 0.5}
}
