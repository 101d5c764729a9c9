package media

import "testing"

func TestLegWhispers(t *testing.T) {
	p := NewPacer(PacerConfig{})
	l := p.NewLeg(LegConfig{})
	h := heardBy(l)
	l.SetGenerator(toneSrc(t, 500, Rate8k)) // what it hears anyway
	rm1 := l.AddWhisper(toneSrc(t, 1100, Rate16k))
	rm2 := l.AddWhisper(toneSrc(t, 1700, Rate8k))
	last := func() []int16 {
		ticks(p, 5)
		s := h.Samples()
		return s[len(s)-800:]
	}
	lvl := func(s []int16, f float64) float64 { return Goertzel(s, Rate8k, f) / (2 * Energy(s)) }
	tests := []struct {
		name string
		step func()
		want map[float64]bool
	}{
		{"two whispers over the generator", func() {}, map[float64]bool{500: true, 1100: true, 1700: true}},
		{"first removed", rm1, map[float64]bool{500: true, 1100: false, 1700: true}},
		{"muted out", func() { l.Mute(DirOut) }, nil},
		{"unmuted, second removed", func() { l.Unmute(DirOut); rm2() }, map[float64]bool{500: true, 1100: false, 1700: false}},
	}
	for _, tc := range tests {
		tc.step()
		s := last()
		if tc.want == nil {
			if e := Energy(s); e != 0 {
				t.Errorf("%s: energy %v, want silence", tc.name, e)
			}
			continue
		}
		for f, want := range tc.want {
			if got := lvl(s, f) > 0.1; got != want {
				t.Errorf("%s: %v Hz heard %v, want %v (level %.3f)", tc.name, f, got, want, lvl(s, f))
			}
		}
	}
}
