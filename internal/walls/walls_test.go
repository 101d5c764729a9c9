package walls

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const mod = "liandong"

type pkg struct {
	path        string
	imports     []string
	testImports []string
}

// listPackages reads every package of the module from its sources: the
// test reads the files itself (go/parser), so the test cache notices any
// change to an import.
func listPackages(t *testing.T) []pkg {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	byDir := map[string]*pkg{}
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		dir := filepath.Dir(path)
		rel, _ := filepath.Rel(root, dir)
		ip := mod
		if rel != "." {
			ip = mod + "/" + filepath.ToSlash(rel)
		}
		p := byDir[dir]
		if p == nil {
			p = &pkg{path: ip}
			byDir[dir] = p
		}
		for _, im := range f.Imports {
			v, _ := strconv.Unquote(im.Path.Value)
			if strings.HasSuffix(name, "_test.go") {
				p.testImports = append(p.testImports, v)
			} else {
				p.imports = append(p.imports, v)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("read the module's sources: %v", err)
	}
	var pkgs []pkg
	for _, p := range byDir {
		pkgs = append(pkgs, *p)
	}
	if len(pkgs) < 5 {
		t.Fatalf("found only %d packages; the test is not looking at the module", len(pkgs))
	}
	return pkgs
}

func under(path, prefix string) bool { return path == prefix || strings.HasPrefix(path, prefix+"/") }

// isKit reports whether a package is a test kit (its name ends in "test").
func isKit(path string) bool {
	last := path[strings.LastIndex(path, "/")+1:]
	return strings.HasSuffix(last, "test")
}

// rule says whether importer may import imported; a non-empty reason is a
// violation.
type rule func(importer, imported string, inTest bool) string

var rules = []rule{
	func(from, to string, _ bool) string {
		if under(to, "github.com/CyCoreSystems/ari") && !under(from, mod+"/gateway/ari") {
			return "only gateway/ari may import ari/v5"
		}
		return ""
	},
	func(from, to string, _ bool) string {
		if under(to, "github.com/pion/webrtc") && !under(from, mod+"/gateway/webrtc") {
			return "only gateway/webrtc may import pion/webrtc"
		}
		return ""
	},
	func(from, to string, inTest bool) string {
		if !under(to, mod+"/gateway/pbxsim") || under(from, mod+"/gateway/pbxsim") {
			return ""
		}
		if under(from, mod+"/cmd") || isKit(from) || inTest {
			return ""
		}
		return "only cmd/, test kits (...test) and tests or benchmarks may import the emulator"
	},
	func(from, to string, _ bool) string {
		if under(from, mod+"/gateway/pbxsim") && under(to, mod+"/gateway") && !under(to, mod+"/gateway/pbxsim") {
			return "the emulator imports nothing of the gateway"
		}
		return ""
	},
	func(from, to string, _ bool) string {
		if (under(from, mod+"/ivr") || under(from, mod+"/knowledge")) && under(to, mod+"/gateway") && !isKit(to) {
			return "ivr and knowledge import nothing of gateway"
		}
		return ""
	},
	func(from, to string, _ bool) string {
		if under(from, mod+"/knowledge") && under(to, mod+"/ivr") {
			return "knowledge does not import ivr (dependencies point ivr -> knowledge)"
		}
		return ""
	},
	func(from, to string, _ bool) string {
		if under(to, mod+"/cmd") {
			return "nothing imports cmd"
		}
		return ""
	},
	func(from, to string, _ bool) string {
		if under(to, "github.com/redis/go-redis") &&
			(under(from, mod+"/ivr") || under(from, mod+"/gateway/ari") || under(from, mod+"/gateway/pbxsim") || under(from, mod+"/gateway/webrtc")) {
			return "ivr, the ARI adapter, the emulator and webrtc stay free of Redis"
		}
		return ""
	},
}

func TestImportWalls(t *testing.T) {
	for _, p := range listPackages(t) {
		check := func(imports []string, inTest bool) {
			for _, imp := range imports {
				for _, r := range rules {
					if why := r(p.path, imp, inTest); why != "" {
						where := ""
						if inTest {
							where = " (in its tests)"
						}
						t.Errorf("%s imports %s%s: %s", p.path, imp, where, why)
					}
				}
			}
		}
		check(p.imports, false)
		check(p.testImports, true)
	}
}

// TestRulesCatchViolations makes sure the rules above are not vacuous.
func TestRulesCatchViolations(t *testing.T) {
	bad := []struct{ from, to string }{
		{mod + "/gateway", "github.com/CyCoreSystems/ari/v5"},
		{mod + "/gateway/api", "github.com/pion/webrtc/v4"},
		{mod + "/gateway", mod + "/gateway/pbxsim"},
		{mod + "/gateway/pbxsim", mod + "/gateway/ari"},
		{mod + "/ivr", mod + "/gateway"},
		{mod + "/knowledge", mod + "/gateway/calllog"},
		{mod + "/knowledge", mod + "/ivr"},
		{mod + "/gateway", mod + "/cmd/liandong"},
		{mod + "/ivr", "github.com/redis/go-redis/v9"},
	}
	for _, b := range bad {
		caught := false
		for _, r := range rules {
			if r(b.from, b.to, false) != "" {
				caught = true
			}
		}
		if !caught {
			t.Errorf("%s -> %s is not caught by any rule", b.from, b.to)
		}
	}
	ok := []struct{ from, to string }{
		{mod + "/gateway/ari", "github.com/CyCoreSystems/ari/v5"},
		{mod + "/cmd/liandong", mod + "/gateway/pbxsim"},
		{mod + "/gateway/pbxsim/pbxsimtest", mod + "/gateway/pbxsim"},
		{mod + "/ivr", mod + "/knowledge"},
	}
	for _, o := range ok {
		for _, r := range rules {
			if why := r(o.from, o.to, false); why != "" {
				t.Errorf("%s -> %s wrongly refused: %s", o.from, o.to, why)
			}
		}
	}
}
