package knowledge

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// ConceptKind says how a concept weighs in ranking.
type ConceptKind string

// Concept kinds: an action is what the caller wants done (挪, 补, 退, 查...);
// a topic is the situation or thing it concerns (预付卡, 停电...); an
// outside topic is one the hotline sends elsewhere (a fire or an injury is
// for 119/120/110): a question about it gets no FAQ answer unless an entry
// itself carries the concept. An uncovered topic is a matter the FAQ has
// no entry for (婚假, 疫苗, 宽带): the same rule, but the caller is offered
// an agent rather than sent elsewhere. An uncovered ask is something callers
// want done with the FAQ's own things that no answer covers (加急, 改密码,
// 涨多少, 约考): said in the asking clause, it refuses even when the caller
// names what the best entry is about, since that is where it is always said.
const (
	KindAction       ConceptKind = "action"
	KindTopic        ConceptKind = "topic"
	KindOutside      ConceptKind = "outside"
	KindUncovered    ConceptKind = "uncovered"
	KindUncoveredAsk ConceptKind = "uncovered_ask"
)

// uncovered reports whether the kind names something the FAQ does not answer.
func (k ConceptKind) uncovered() bool { return k == KindUncovered || k == KindUncoveredAsk }

// Concept is an editor-maintained concept: any trigger in a question (or in
// an entry's title, similar questions or keywords) means the concept is there,
// so a caller's words can meet an entry's words they share no character with.
type Concept struct {
	Name     string      `yaml:"name"`
	Kind     ConceptKind `yaml:"kind"`
	Weight   float64     `yaml:"weight,omitempty"` // default 1
	Triggers []string    `yaml:"triggers"`
}

// Lexicon is the editor-maintained table file (configs/kb-lexicon.yaml).
type Lexicon struct {
	// Synonyms maps a canonical word to variants rewritten to it before
	// search: homophone slips, dialect words, abbreviations (设保 → 社保).
	Synonyms map[string][]string `yaml:"synonyms"`
	// Fillers are spoken words carrying no content (那个, 就是); they are cut.
	Fillers []string `yaml:"fillers"`
	// QuestionMarkers mark the clause that asks (怎么, 能不能, 去哪).
	QuestionMarkers []string `yaml:"question_markers"`
	// SideMarkers mark a clause as a side topic (还有, 回头再问).
	SideMarkers []string `yaml:"side_markers"`
	// FocusMarkers mark the clause the caller says matters (先说, 主要是).
	FocusMarkers []string `yaml:"focus_markers"`
	// NegationMarkers mark a clause the caller rules out when it begins
	// with one and another clause follows (不是低保，是八十岁老人的补助):
	// it weighs as a side topic.
	NegationMarkers []string `yaml:"negation_markers,omitempty"`
	// LightChars are function characters (是, 要, 个, 着…). A query bigram
	// the KB does not know that holds one is most likely two words' edges
	// (爸要, 保是), not an unknown key word, and weighs little.
	LightChars string    `yaml:"light_chars"`
	Concepts   []Concept `yaml:"concepts"`
	// Rejects are callers' questions the FAQ must not answer, as callers
	// asked them (from the "no answer" statistics and agents' feedback):
	// a question nearer to one of them than to any entry gets "no answer".
	// They teach the search where the KB's topics end (护照丢在国外 next to
	// 办理护照), which its own entries cannot.
	Rejects []string `yaml:"rejects"`
}

// DecodeLexicon reads a lexicon strictly and validates it.
func DecodeLexicon(r io.Reader) (*Lexicon, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read lexicon: %w", err)
	}
	var lx Lexicon
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&lx); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("decode lexicon: %w", err)
	}
	if err := lx.Validate(); err != nil {
		return nil, fmt.Errorf("decode lexicon: %w", err)
	}
	return &lx, nil
}

// LoadLexicon reads a lexicon file. An empty path gives an empty lexicon.
func LoadLexicon(path string) (*Lexicon, error) {
	if path == "" {
		return &Lexicon{}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load lexicon: %w", err)
	}
	defer f.Close()
	lx, err := DecodeLexicon(f)
	if err != nil {
		return nil, fmt.Errorf("load lexicon %s: %w", path, err)
	}
	return lx, nil
}

// Validate checks the tables: no empty words, no variant claimed by two
// canonical words, concepts named, typed and triggered.
func (lx *Lexicon) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidLexicon, fmt.Sprintf(format, a...))
	}
	owner := map[string]string{}
	for canon, vs := range lx.Synonyms {
		if strings.TrimSpace(canon) == "" {
			return bad("synonyms: empty canonical word")
		}
		for _, v := range vs {
			if strings.TrimSpace(v) == "" || !utf8.ValidString(v) {
				return bad("synonyms[%s]: empty or invalid variant", canon)
			}
			if v == canon {
				return bad("synonyms[%s]: variant equals the canonical word", canon)
			}
			if o, dup := owner[v]; dup && o != canon {
				return bad("synonyms: variant %q listed under %q and %q", v, o, canon)
			}
			owner[v] = canon
		}
	}
	for name, list := range map[string][]string{"fillers": lx.Fillers, "question_markers": lx.QuestionMarkers, "side_markers": lx.SideMarkers, "focus_markers": lx.FocusMarkers, "negation_markers": lx.NegationMarkers} {
		for i, w := range list {
			if strings.TrimSpace(w) == "" {
				return bad("%s[%d]: empty", name, i)
			}
		}
	}
	seen := map[string]bool{}
	for i, q := range lx.Rejects {
		q = strings.TrimSpace(q)
		switch {
		case q == "" || !utf8.ValidString(q):
			return bad("rejects[%d]: empty or invalid", i)
		case utf8.RuneCountInString(q) > maxQueryRunes:
			return bad("rejects[%d]: longer than %d characters", i, maxQueryRunes)
		case seen[q]:
			return bad("rejects[%d]: %q listed twice", i, q)
		}
		seen[q] = true
	}
	names := map[string]bool{}
	for i, c := range lx.Concepts {
		if strings.TrimSpace(c.Name) == "" {
			return bad("concepts[%d]: empty name", i)
		}
		if names[c.Name] {
			return bad("concepts[%d] %s: duplicate name", i, c.Name)
		}
		names[c.Name] = true
		if c.Kind != KindAction && c.Kind != KindTopic && c.Kind != KindOutside && !c.Kind.uncovered() {
			return bad("concepts[%d] %s: kind %q must be action, topic, outside, uncovered or uncovered_ask", i, c.Name, c.Kind)
		}
		if c.Weight < 0 || c.Weight > 10 {
			return bad("concepts[%d] %s: weight %v out of [0,10]", i, c.Name, c.Weight)
		}
		if len(c.Triggers) == 0 {
			return bad("concepts[%d] %s: no triggers", i, c.Name)
		}
		for j, t := range c.Triggers {
			if strings.TrimSpace(t) == "" {
				return bad("concepts[%d] %s: triggers[%d] empty", i, c.Name, j)
			}
		}
	}
	return nil
}

// compiledLexicon is the lexicon made fast to apply.
type compiledLexicon struct {
	syn      *strings.Replacer
	fillers  *matcher
	question *matcher
	side     *matcher
	focus    *matcher
	negation *matcher
	concepts *matcher // value = concept index
	// gapped: triggers of uncovered matters made of two or more words of
	// general Chinese, matched with a few characters between the words
	// (户口本弄丢了 for 户口本丢了, 公交卡在哪里充值 for 公交卡充值), by
	// first character.
	gapped map[rune][]gappedTrigger // by first character
	cons   []Concept
	light  map[rune]bool
	// words is the general-language word table (words.go).
	words *wordTable
}

func (lx *Lexicon) compile() *compiledLexicon {
	c := &compiledLexicon{cons: lx.Concepts, light: map[rune]bool{}, words: generalWords()}
	for _, r := range normalize(lx.LightChars) {
		if isCJK(r) {
			c.light[r] = true
		}
	}
	// Longest variant first: strings.Replacer tries its pairs in order.
	type pair struct{ from, to string }
	var pairs []pair
	for canon, vs := range lx.Synonyms {
		for _, v := range vs {
			pairs = append(pairs, pair{normalize(v), normalize(canon)})
		}
		// The canonical word maps to itself, so that rewriting is done
		// once: 哪里 stays 哪里 though its variant 哪 is in it, 出租车 stays
		// 出租车 though 出租 is.
		pairs = append(pairs, pair{normalize(canon), normalize(canon)})
	}
	sort.Slice(pairs, func(i, j int) bool {
		if a, b := len(pairs[i].from), len(pairs[j].from); a != b {
			return a > b
		}
		return pairs[i].from < pairs[j].from
	})
	args := make([]string, 0, 2*len(pairs))
	for _, p := range pairs {
		args = append(args, p.from, p.to)
	}
	c.syn = strings.NewReplacer(args...)
	// Texts are rewritten before any word is looked for, so the listed
	// words are rewritten the same way: a trigger written as callers say it
	// (公交卡充值, 在哪交) must meet the text it is looked for in (公交车卡充值,
	// 在哪里交).
	c.fillers = newMatcher(c.rewriteAll(lx.Fillers), nil)
	c.question = newMatcher(c.rewriteAll(lx.QuestionMarkers), nil)
	c.side = newMatcher(c.rewriteAll(lx.SideMarkers), nil)
	c.focus = newMatcher(c.rewriteAll(lx.FocusMarkers), nil)
	c.negation = newMatcher(c.rewriteAll(lx.NegationMarkers), nil)
	var words []string
	var vals []int
	for i, con := range lx.Concepts {
		// A concept's name is a trigger too, except an uncovered one's: it
		// names a group of matters (疫苗接种), a word an entry may well say.
		if !con.Kind.uncovered() {
			words = append(words, c.rewrite(con.Name))
			vals = append(vals, i)
		}
		for _, t := range con.Triggers {
			words = append(words, c.rewrite(t))
			vals = append(vals, i)
		}
	}
	c.concepts = newMatcher(words, vals)
	for i, w := range words {
		// Matters only: an ask is a way of putting it (收费多少, 快点办),
		// and its words with others between them ask something else
		// (收费标准是多少).
		if lx.Concepts[vals[i]].Kind != KindUncovered {
			continue
		}
		if g, ok := c.gappedOf([]rune(w), vals[i]); ok {
			if c.gapped == nil {
				c.gapped = map[rune][]gappedTrigger{}
			}
			r := g.parts[0][0]
			c.gapped[r] = append(c.gapped[r], g)
		}
	}
	return c
}

// gappedTrigger is a trigger cut into its words.
type gappedTrigger struct {
	parts [][]rune
	con   int
}

// gappedOf cuts a trigger into its words of general Chinese; ok when it
// has two or more and the first has two characters or more (a single
// character starts too much).
func (c *compiledLexicon) gappedOf(rs []rune, con int) (gappedTrigger, bool) {
	if c.words == nil || len(rs) < 3 {
		return gappedTrigger{}, false
	}
	word, _ := c.splitWords(rs)
	g := gappedTrigger{con: con}
	start := 0
	for i := 1; i <= len(rs); i++ {
		if i == len(rs) || word[i] != word[i-1] {
			g.parts = append(g.parts, rs[start:i])
			start = i
		}
	}
	if len(g.parts) < 2 || len(g.parts[0]) < 2 {
		return gappedTrigger{}, false
	}
	return g, true
}

// maxTriggerGap: characters allowed between the words of a gapped trigger
// (2, 3 and 4 were measured: 3 and 4 alike, 2 one row less).
const maxTriggerGap = 3

// at reports whether g occurs in rs starting at i.
func (g *gappedTrigger) at(rs []rune, i int) bool {
	p := i
	for j, part := range g.parts {
		found := false
		for gap := 0; gap <= maxTriggerGap && (j > 0 || gap == 0); gap++ {
			q := p + gap
			if q+len(part) <= len(rs) && runesEqual(rs[q:q+len(part)], part) {
				p, found = q+len(part), true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// rewrite normalizes a listed word and applies the synonyms to it, as
// splitClauses does to every text.
func (c *compiledLexicon) rewrite(w string) string { return c.syn.Replace(normalize(w)) }

func (c *compiledLexicon) rewriteAll(ws []string) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = c.rewrite(w)
	}
	return out
}

// matcher finds listed words in a rune slice, keyed by first rune.
type matcher struct {
	byFirst map[rune][]mword
}

type mword struct {
	rs  []rune
	val int
}

func newMatcher(words []string, vals []int) *matcher {
	m := &matcher{byFirst: map[rune][]mword{}}
	for i, w := range words {
		rs := []rune(normalize(w))
		if len(rs) == 0 {
			continue
		}
		v := 0
		if vals != nil {
			v = vals[i]
		}
		m.byFirst[rs[0]] = append(m.byFirst[rs[0]], mword{rs, v})
	}
	for k, ws := range m.byFirst {
		sort.SliceStable(ws, func(i, j int) bool { return len(ws[i].rs) > len(ws[j].rs) })
		m.byFirst[k] = ws
	}
	return m
}

// at returns the longest word matching at rs[i:], or ok=false.
func (m *matcher) at(rs []rune, i int) (n int, val int, ok bool) {
	for _, w := range m.byFirst[rs[i]] {
		if len(w.rs) <= len(rs)-i && runesEqual(rs[i:i+len(w.rs)], w.rs) {
			return len(w.rs), w.val, true
		}
	}
	return 0, 0, false
}

// any reports whether any word occurs in rs.
func (m *matcher) any(rs []rune) bool {
	for i := range rs {
		if _, _, ok := m.at(rs, i); ok {
			return true
		}
	}
	return false
}

func runesEqual(a, b []rune) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
