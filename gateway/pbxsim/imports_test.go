package pbxsim_test

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImportsNothingOfTheGateway keeps the emulator independent: it may import only
// itself (and its subpackages), never the gateway it is used to test.
func TestImportsNothingOfTheGateway(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	sub, _ := filepath.Glob("*/*.go")
	for _, f := range append(files, sub...) {
		af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range af.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(p, "liandong/") && !strings.HasPrefix(p, "liandong/gateway/pbxsim") {
				t.Errorf("%s imports %s", f, p)
			}
			if strings.Contains(p, "CyCoreSystems/ari") {
				t.Errorf("%s imports %s: the emulator has its own models", f, p)
			}
		}
	}
}
