package knowledge

import "sync/atomic"

// Holder serves searches from the current index. Readers load a pointer and
// never lock; a writer builds a new immutable index aside and swaps it in,
// so a rebuild never blocks or disturbs a search in flight.
type Holder struct {
	cur atomic.Pointer[Index]
}

// NewHolder returns a holder serving ix (nil: an empty index).
func NewHolder(ix *Index) *Holder {
	h := &Holder{}
	h.Swap(ix)
	return h
}

// Swap installs ix and returns the index it replaces.
func (h *Holder) Swap(ix *Index) *Index {
	if ix == nil {
		ix = emptyIndex()
	}
	return h.cur.Swap(ix)
}

// Index returns the index currently served.
func (h *Holder) Index() *Index {
	if ix := h.cur.Load(); ix != nil {
		return ix
	}
	return emptyIndex()
}

// Search searches the current index.
func (h *Holder) Search(query string, k int) Result { return h.Index().Search(query, k) }

func emptyIndex() *Index {
	return build(nil, (&Lexicon{}).compile())
}
