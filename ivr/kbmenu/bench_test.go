package kbmenu_test

import (
	"testing"

	"liandong/ivr/kbmenu"
)

// BenchmarkMenu is the per-call cost of the consult menus: pin, the top
// menu, a department, an answer (rendering instant).
func BenchmarkMenu(b *testing.B) {
	m := newMenu(b, kbmenu.NewList(sample(b)), kbmenu.Options{TTS: &memTTS{}})
	b.ReportAllocs()
	for b.Loop() {
		ctx := m.Pin(b.Context())
		top, err := m.Menu(ctx, "")
		if err != nil {
			b.Fatal(err)
		}
		qs, err := m.Menu(ctx, top[0].Key)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := m.Answer(ctx, qs[0].Key); err != nil {
			b.Fatal(err)
		}
	}
}
