package knowledge

import (
	"errors"
	"strings"
	"testing"
)

func TestLoadSampleLexicon(t *testing.T) {
	lx, err := LoadLexicon("../configs/kb-lexicon.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(lx.Concepts) < 20 || len(lx.Synonyms) < 5 {
		t.Fatalf("sample lexicon looks empty: %d concepts, %d synonyms", len(lx.Concepts), len(lx.Synonyms))
	}
	if empty, err := LoadLexicon(""); err != nil || len(empty.Concepts) != 0 {
		t.Fatalf("empty path: %v %v", empty, err)
	}
}

func TestDecodeLexiconErrors(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"unknown key", "synonym: {}\n", "field synonym not found"},
		{"empty variant", "synonyms:\n  社保: [\"\"]\n", "synonyms[社保]"},
		{"self variant", "synonyms:\n  社保: [社保]\n", "equals the canonical"},
		{"two owners", "synonyms:\n  社保: [设保]\n  医保: [设保]\n", "listed under"},
		{"bad kind", "concepts:\n  - name: 退费\n    kind: verb\n    triggers: [退钱]\n", "kind \"verb\" must be action, topic or outside"},
		{"no triggers", "concepts:\n  - name: 退费\n    kind: action\n", "no triggers"},
		{"duplicate", "concepts:\n  - {name: a, kind: topic, triggers: [x]}\n  - {name: a, kind: topic, triggers: [y]}\n", "duplicate name"},
		{"weight", "concepts:\n  - {name: a, kind: topic, weight: 99, triggers: [x]}\n", "weight"},
		{"empty filler", "fillers: [\"\"]\n", "fillers[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeLexicon(strings.NewReader(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to contain %q", err, tt.want)
			}
			if !strings.Contains(tt.name, "unknown") && !errors.Is(err, ErrInvalidLexicon) {
				t.Fatalf("error %v does not wrap ErrInvalidLexicon", err)
			}
		})
	}
}

func TestLightBigram(t *testing.T) {
	lx := (&Lexicon{LightChars: "是要个ｘ"}).compile()
	tests := []struct {
		key  string
		want bool
	}{
		{"保是", true}, {"爸要", true}, {"手术", false}, {"太原", false}, {"个身", true},
	}
	for _, tt := range tests {
		if got := lx.lightBigram(tt.key); got != tt.want {
			t.Errorf("lightBigram(%s) = %v, want %v", tt.key, got, tt.want)
		}
	}
}
