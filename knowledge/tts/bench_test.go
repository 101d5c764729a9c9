package tts

import (
	"fmt"
	"testing"

	"liandong/knowledge"
	"liandong/knowledge/speech"
)

// BenchmarkRender: a text rendered for the first time (cold, the engine
// runs) against one already in the cache (hit), for the espeak-ng engine
// and an instant engine (the cache's own overhead: hashing, normalising,
// the atomic file write).
func BenchmarkRender(b *testing.B) {
	entries, err := knowledge.LoadFAQ("../../configs/faq.yaml")
	if err != nil {
		b.Fatal(err)
	}
	answer := entries[0].Answer
	engines := map[string]Engine{"fake": &fakeEngine{}}
	needTools(b, "espeak-ng", "sox")
	engines["espeak"] = NewEspeak(speech.Options{}, b.TempDir())
	for _, name := range []string{"fake", "espeak"} {
		eng := engines[name]
		b.Run(name+"/cold", func(b *testing.B) {
			c, err := New(eng, Options{Dir: b.TempDir()})
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			i := 0
			for b.Loop() {
				if _, err := c.Render(b.Context(), fmt.Sprintf("%s第%d条", answer, i)); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
		b.Run(name+"/cached", func(b *testing.B) {
			c, err := New(eng, Options{Dir: b.TempDir()})
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			if _, err := c.Render(b.Context(), answer); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Render(b.Context(), answer); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLookup is what the media handler pays per request before the
// file is opened.
func BenchmarkLookup(b *testing.B) {
	c, err := New(&fakeEngine{}, Options{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	var hashes []string
	for i := range 1000 {
		it, err := c.Render(b.Context(), fmt.Sprintf("答复%d", i))
		if err != nil {
			b.Fatal(err)
		}
		hashes = append(hashes, it.Hash)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, ok := c.Lookup(hashes[i%len(hashes)]); !ok {
			b.Fatal("miss")
		}
		i++
	}
}
