package knowledge

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Field weights: how much a match in each part of an entry counts. The
// answer is long and mentions much beside its point, so it counts little.
const (
	fwTitle   = 1.0
	fwSimilar = 1.0
	fwKeyword = 0.9
	fwAnswer  = 0.3
	// fwCaller weighs callers' own questions (Entry.CallerQuestions): a
	// match there counts less than in the editors' questions, since callers
	// tell their story too (chosen on the tuning sets of round 8 among
	// 0.3, 0.45, 0.6, 0.9; docs/knowledge.md).
	fwCaller   = 0.45
	pinyinRate = 0.85 // a match by sound only, worth a little less than by character
	// actionClash scales an entry whose actions all differ from the
	// caller's: 挪 (transfer) is not 查 (look up) even on the same topic.
	actionClash   = 0.7
	maxQueryRunes = 500
)

type posting struct {
	e int32
	w float32
}

// Index is an immutable search index over published entries. It is safe for
// any number of concurrent searches; swap a new one in with Holder.
type Index struct {
	nReal   int // entries[nReal:] are reject questions
	lex     *compiledLexicon
	entries []Entry
	byID    map[string]int32
	vocab   map[string]int32
	pvocab  map[uint64]int32
	post    [][]posting
	ppost   [][]posting
	idf     []float32
	pidf    []float32
	actions [][]int // per entry, sorted action concept indexes
	// questions holds, per entry, the feature ids of its title and each
	// similar question: an entry whose own question the caller's words
	// cover well beats one that merely contains them.
	questions [][][]int32
	topics    [][]int
	idfNone   float32 // weight of a query feature no entry has
	// commonDF: features in more entries than this are not walked at
	// search time (their weight is small and their postings long).
	commonDF int
	// terms: the editors' keywords by sound, to mend slips (slips.go).
	terms termTable
	// Caller questions one by one: each one's sorted feature ids (caller
	// question c's are cqID[cqIDAt[c]:cqIDAt[c+1]]) and sound key ids
	// (likewise), all in one array for the cache; and per entry the
	// range of its own.
	cqID, cqIDAt   []int32
	cqPID, cqPIDAt []int32
	cqRange        [][2]int32
	calib          Calibration
	disc           *discerner // tells neighbours apart (discern.go); nil: none
	discOf         []int32    // per real entry, its class in disc; -1: not learnt
	scratch        sync.Pool
	bytes          int64
}

// Options tune Build.
type Options struct {
	// Now decides validity windows; zero means time.Now().
	Now time.Time
	// Calibration, if set, is used instead of calibrating on the entries.
	Calibration *Calibration
	// Previous, if set, lends its discerner instead of training one (a
	// fast rebuild after an edit): entries it has not learnt, or learnt
	// with other texts, are ranked by the bag of words until a rebuild
	// without Previous trains the discerner on them.
	Previous *Index
}

type entryFeat struct {
	fw   float32
	docs int
}

// Build indexes the searchable (published, in validity) entries.
func Build(entries []Entry, lex *Lexicon, opt Options) (*Index, error) {
	if lex == nil {
		lex = &Lexicon{}
	}
	if err := lex.Validate(); err != nil {
		return nil, err
	}
	now := opt.Now
	if now.IsZero() {
		now = time.Now()
	}
	var pub []Entry
	for i := range entries {
		if entries[i].Searchable(now) {
			pub = append(pub, entries[i])
		}
	}
	lx := lex.compile()
	an := lx.analyseAll(pub)
	// The editors' reject questions are indexed after the entries, as
	// pseudo-entries that are never answered with (see Search).
	all, allAn := pub, an
	if len(lex.Rejects) > 0 {
		all = append(make([]Entry, 0, len(pub)+len(lex.Rejects)), pub...)
		allAn = append(make([]analysed, 0, len(pub)+len(lex.Rejects)), an...)
		for i, q := range lex.Rejects {
			e := Entry{ID: fmt.Sprintf("reject:%d", i+1), Title: q}
			all = append(all, e)
			allAn = append(allAn, lx.analyse(&e))
		}
	}
	ix := build(all, allAn, lx)
	ix.nReal = len(pub)
	if p := opt.Previous; p != nil && p.disc != nil {
		ix.useDiscerner(p.disc)
	} else {
		ix.useDiscerner(ix.trainDiscerner())
	}
	if opt.Calibration != nil {
		ix.calib = *opt.Calibration
	} else {
		ix.calib = calibrate(pub, an, lx)
	}
	return ix, nil
}

// analysed holds the features of one entry's texts, so calibration's
// sub-indexes reuse them instead of analysing the text again.
type analysed struct {
	questions [][]feature // title, then each similar question; deduplicated
	keywords  []feature
	answer    []feature
	// callers: the features of all caller questions together. They are
	// not questions of the entry: the entry's fit and the calibration use
	// the editors' title and similar questions only.
	callers []feature
	// callerQs: each caller question's features apart, for the bonus of
	// a caller question matched as a whole (Index.addCallers).
	callerQs [][]feature
}

func (lx *compiledLexicon) analyse(e *Entry) analysed {
	a := analysed{questions: make([][]feature, 0, 1+len(e.SimilarQuestions))}
	a.questions = append(a.questions, dedup(lx.features(e.Title, false)))
	for _, q := range e.SimilarQuestions {
		a.questions = append(a.questions, dedup(lx.features(q, false)))
	}
	a.keywords = dedup(lx.features(strings.Join(e.Keywords, "，"), false))
	for _, q := range e.CallerQuestions {
		fs := lx.features(q, false)
		a.callers = append(a.callers, fs...)
		a.callerQs = append(a.callerQs, dedup(slices.Clone(fs)))
	}
	a.callers = dedup(a.callers)
	a.answer = dedup(lx.features(e.Answer, false))
	return a
}

// analyseAll analyses entries on all cores: text analysis is most of a
// build, and a rebuild should be served soon after an editor publishes.
func (lx *compiledLexicon) analyseAll(pub []Entry) []analysed {
	an := make([]analysed, len(pub))
	workers := min(runtime.GOMAXPROCS(0), max(1, len(pub)/256))
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(pub); i += workers {
				an[i] = lx.analyse(&pub[i])
			}
		}()
	}
	wg.Wait()
	return an
}

func build(pub []Entry, an []analysed, lx *compiledLexicon) *Index {
	ix := &Index{
		nReal:     len(pub),
		lex:       lx,
		entries:   pub,
		byID:      make(map[string]int32, len(pub)),
		vocab:     map[string]int32{},
		pvocab:    map[uint64]int32{},
		actions:   make([][]int, len(pub)),
		questions: make([][][]int32, len(pub)),
		topics:    make([][]int, len(pub)),
		terms:     buildTerms(pub),
	}
	var df []int
	var pdf []int
	for ei := range pub {
		ix.byID[pub[ei].ID] = int32(ei)
		a := &an[ei]
		feats := map[string]*entryFeat{}
		pys := map[uint64]*entryFeat{}
		cons := map[int]bool{}
		questions := len(a.questions)
		add := func(fs []feature, fw float32, question bool) {
			for _, f := range fs {
				if f.kind == fConcept {
					if fw >= fwKeyword {
						cons[f.con] = true
					} else {
						// Concepts come from the questions, not the answer,
						// except what the FAQ is said not to answer: an answer
						// that says 加急 covers it, and the ask must not refuse
						// the questions it answers. (Not a caller question: it
						// tells a story, 路灯 in a question about a work order.)
						if fw == fwAnswer && lx.cons[f.con].Kind.uncovered() {
							cons[f.con] = true
						}
						continue
					}
				}
				ef := feats[f.key]
				if ef == nil {
					ef = &entryFeat{}
					feats[f.key] = ef
				}
				ef.fw = max(ef.fw, fw)
				if question {
					ef.docs++
				}
				for _, k := range [2]uint64{f.pyA, f.pyB} {
					if k == 0 {
						continue
					}
					pf := pys[k]
					if pf == nil {
						pf = &entryFeat{}
						pys[k] = pf
					}
					pf.fw = max(pf.fw, fw)
					if question {
						pf.docs++
					}
				}
			}
		}
		for i, q := range a.questions {
			fw := float32(fwSimilar)
			if i == 0 {
				fw = fwTitle
			}
			add(q, fw, true)
		}
		add(a.keywords, fwKeyword, false)
		add(a.callers, fwCaller, false)
		add(a.answer, fwAnswer, false)
		for c := range cons {
			if lx.cons[c].Kind == KindAction {
				ix.actions[ei] = append(ix.actions[ei], c)
			} else {
				ix.topics[ei] = append(ix.topics[ei], c)
			}
		}
		sort.Ints(ix.actions[ei])
		sort.Ints(ix.topics[ei])
		// Weight: best field, raised when many of the entry's questions say it.
		weight := func(ef *entryFeat) float32 {
			frac := float32(min(ef.docs, questions)) / float32(questions)
			return ef.fw * (0.75 + 0.25*frac)
		}
		for k, ef := range feats {
			id, ok := ix.vocab[k]
			if !ok {
				id = int32(len(ix.post))
				ix.vocab[k] = id
				ix.post = append(ix.post, nil)
				df = append(df, 0)
			}
			ix.post[id] = append(ix.post[id], posting{int32(ei), weight(ef)})
			df[id]++
		}
		ix.indexCallers(int32(ei), a.callerQs)
		for _, q := range a.questions {
			ids := make([]int32, 0, len(q))
			for _, f := range q {
				ids = append(ids, ix.vocab[f.key])
			}
			sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
			ix.questions[ei] = append(ix.questions[ei], ids)
		}
		for k, ef := range pys {
			id, ok := ix.pvocab[k]
			if !ok {
				id = int32(len(ix.ppost))
				ix.pvocab[k] = id
				ix.ppost = append(ix.ppost, nil)
				pdf = append(pdf, 0)
			}
			ix.ppost[id] = append(ix.ppost[id], posting{int32(ei), weight(ef)})
			pdf[id]++
		}
	}
	n := float64(len(pub))
	idf := func(d int) float32 { return float32(math.Log(1 + (n-float64(d)+0.5)/(float64(d)+0.5))) }
	ix.idf = make([]float32, len(df))
	for i, d := range df {
		ix.idf[i] = idf(d)
	}
	ix.pidf = make([]float32, len(pdf))
	for i, d := range pdf {
		ix.pidf[i] = idf(d)
	}
	ix.idfNone = idf(1) // unseen: as rare as the rarest seen
	ix.commonDF = max(50, len(pub)/5)
	ix.scratch.New = func() any {
		return &scratch{
			acc: make([]float32, len(pub)), mark: make([]int32, len(pub)),
		}
	}
	ix.bytes = ix.estimateBytes()
	return ix
}

type scratch struct {
	acc     []float32
	mark    []int32
	touched []int32
}

// Len is the number of searchable entries.
func (ix *Index) Len() int { return ix.nReal }

// Entry returns the indexed entry with id, if any.
func (ix *Index) Entry(id string) (Entry, bool) {
	if i, ok := ix.byID[id]; ok && int(i) < ix.nReal {
		return ix.entries[i], true
	}
	return Entry{}, false
}

// Calibration returns the coefficients the confidence is computed with.
func (ix *Index) Calibration() Calibration { return ix.calib }

// SizeBytes estimates the memory held by the index structures.
func (ix *Index) SizeBytes() int64 { return ix.bytes + ix.disc.bytes() + int64(len(ix.discOf))*4 }

// useDiscerner sets the index's discerner (nil: none) and maps the
// entries to what it has learnt.
func (ix *Index) useDiscerner(d *discerner) {
	ix.disc, ix.discOf = d, nil
	if d != nil {
		ix.discOf = d.classes(ix)
	}
}

func (ix *Index) estimateBytes() int64 {
	var b int64
	for k := range ix.vocab {
		b += int64(len(k)) + 16 + 4 + 8 // key bytes, header, value, map overhead
	}
	b += int64(len(ix.pvocab)) * (8 + 4 + 8)
	for _, p := range ix.post {
		b += 24 + int64(cap(p))*8
	}
	for _, p := range ix.ppost {
		b += 24 + int64(cap(p))*8
	}
	b += int64(len(ix.idf)+len(ix.pidf)) * 4
	b += int64(cap(ix.cqID)+cap(ix.cqIDAt)+cap(ix.cqPID)+cap(ix.cqPIDAt)) * 4
	b += int64(cap(ix.cqRange)) * 8
	for _, ts := range ix.terms {
		b += 16 + 24 + 8 // key, slice header, map overhead
		for _, t := range ts {
			b += int64(len(t)) + 16
		}
	}
	for i := range ix.entries {
		e := &ix.entries[i]
		b += int64(len(e.ID) + len(e.Title) + len(e.Answer) + len(e.Department))
		for _, q := range e.SimilarQuestions {
			b += int64(len(q)) + 16
		}
		for _, k := range e.Keywords {
			b += int64(len(k)) + 16
		}
		for _, q := range e.CallerQuestions {
			b += int64(len(q)) + 16
		}
		b += 300 // struct and slices
		b += int64(len(ix.actions[i])+len(ix.topics[i]))*8 + 48
		for _, q := range ix.questions[i] {
			b += 24 + int64(cap(q))*4
		}
	}
	return b
}

// indexCallers keeps entry e's caller questions one by one, as sorted
// feature ids and sound key ids. Their features are already in the
// vocabulary: the entry's own postings hold them all.
func (ix *Index) indexCallers(e int32, qs [][]feature) {
	for int(e) >= len(ix.cqRange) {
		ix.cqRange = append(ix.cqRange, [2]int32{})
	}
	if ix.cqIDAt == nil {
		ix.cqIDAt, ix.cqPIDAt = []int32{0}, []int32{0}
	}
	first := int32(len(ix.cqIDAt) - 1)
	for _, q := range qs {
		var ids, pids []int32
		for _, f := range q {
			if f.kind == fConcept {
				continue // concepts of caller questions are not indexed (build)
			}
			ids = append(ids, ix.vocab[f.key])
			for _, k := range [2]uint64{f.pyA, f.pyB} {
				if k != 0 {
					pids = append(pids, ix.pvocab[k])
				}
			}
		}
		slices.Sort(ids)
		slices.Sort(pids)
		ix.cqID = append(ix.cqID, slices.Compact(ids)...)
		ix.cqIDAt = append(ix.cqIDAt, int32(len(ix.cqID)))
		ix.cqPID = append(ix.cqPID, slices.Compact(pids)...)
		ix.cqPIDAt = append(ix.cqPIDAt, int32(len(ix.cqPID)))
	}
	ix.cqRange[e] = [2]int32{first, int32(len(ix.cqIDAt) - 1)}
}

// parallel runs f(0..n-1) on all cores and returns when all are done.
func parallel(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				f(i)
			}
		}()
	}
	wg.Wait()
}
