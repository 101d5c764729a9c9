package knowledge

import (
	"strings"
	"sync"

	"github.com/mozillazg/go-pinyin"
)

// Pinyin is looked up from a table built once from go-pinyin's dictionary:
// each CJK rune maps to the id of its toneless, dialect-folded first reading.
// Speech recognition slips keep the sound and change the character
// (设保/社保, 公鸡金/公积金), so two runes with one id sound alike.

const (
	cjkLo = 0x3400
	cjkHi = 0x9FFF
)

var pyTable struct {
	once  sync.Once
	ids   []uint16 // rune-cjkLo -> syllable id (0 = none)
	names []string // id -> folded syllable
}

func buildPinyinTable() {
	pyTable.ids = make([]uint16, cjkHi-cjkLo+1)
	pyTable.names = []string{""}
	byName := map[string]uint16{}
	args := pinyin.NewArgs()
	for r := rune(cjkLo); r <= cjkHi; r++ {
		ps := pinyin.SinglePinyin(r, args)
		if len(ps) == 0 || ps[0] == "" {
			continue
		}
		s := FoldSyllable(ps[0])
		id, ok := byName[s]
		if !ok {
			id = uint16(len(pyTable.names))
			pyTable.names = append(pyTable.names, s)
			byName[s] = id
		}
		pyTable.ids[r-cjkLo] = id
	}
}

// FoldSyllable folds a toneless syllable the way callers' accents and speech
// recognisers blur it: zh/ch/sh→z/c/s, ing/eng→in/en, l→n.
func FoldSyllable(s string) string {
	switch {
	case strings.HasPrefix(s, "zh"), strings.HasPrefix(s, "ch"), strings.HasPrefix(s, "sh"):
		s = s[:1] + s[2:]
	case strings.HasPrefix(s, "l"):
		s = "n" + s[1:]
	}
	if strings.HasSuffix(s, "ng") && (strings.HasSuffix(s, "ing") || strings.HasSuffix(s, "eng")) {
		s = s[:len(s)-1]
	}
	return s
}

// syllable returns the folded syllable id of r, 0 if r has no reading.
func syllable(r rune) uint16 {
	if r < cjkLo || r > cjkHi {
		return 0
	}
	pyTable.once.Do(buildPinyinTable)
	return pyTable.ids[r-cjkLo]
}

// PinyinOf returns the folded toneless syllables of the CJK runes of s,
// for tests and the "why" of a match.
func PinyinOf(s string) []string {
	var out []string
	for _, r := range s {
		if id := syllable(r); id != 0 {
			out = append(out, pyTable.names[id])
		}
	}
	return out
}
