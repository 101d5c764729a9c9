package ivr

import (
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// All the mistakes of a broken file are reported at once, each naming its
// flow, node and line.
func TestLoadGolden(t *testing.T) {
	b, err := os.ReadFile("testdata/broken-flow.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Load(b)
	if err == nil {
		t.Fatal("broken flow loaded")
	}
	got := err.Error() + "\n"
	if *update {
		if err := os.WriteFile("testdata/broken-flow.golden", []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("testdata/broken-flow.golden")
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("load errors:\n%s\nwant:\n%s", got, want)
	}
}
