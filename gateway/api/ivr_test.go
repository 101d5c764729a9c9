package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"liandong/ivr"
)

func TestIVRReload(t *testing.T) {
	good, err := os.ReadFile("../../configs/ivr.yaml")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ivr.yaml")
	if err := os.WriteFile(path, good, 0o600); err != nil {
		t.Fatal(err)
	}
	reg, err := ivr.NewRegistry(path)
	if err != nil {
		t.Fatal(err)
	}
	h := New(Options{IVR: reg})
	do := func(method, target, body string) (int, map[string]string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, target, strings.NewReader(body)))
		var m map[string]string
		json.Unmarshal(rec.Body.Bytes(), &m)
		return rec.Code, m
	}
	code, m := do("GET", "/api/v1/ivr/flows", "")
	if code != 200 || m["version"] != reg.Current().Version {
		t.Fatalf("GET flows = %d %v", code, m)
	}
	before := reg.Current().Version

	// A flow with a node pointing nowhere is refused, naming the node; the
	// running flows stay.
	broken := strings.Replace(string(good), "on_fail: to_agent", "on_fail: nowhere", 1)
	code, m = do("PUT", "/api/v1/ivr/flows", broken)
	if code != http.StatusUnprocessableEntity || !strings.Contains(m["error"], "nowhere") {
		t.Errorf("broken flows: %d %v", code, m)
	}
	if reg.Current().Version != before {
		t.Error("a refused flow file replaced the running one")
	}

	// A changed file on disk is picked up by reload.
	changed := strings.Replace(string(good), `version: "`, `version: "x`, 1)
	if err := os.WriteFile(path, []byte(changed), 0o600); err != nil {
		t.Fatal(err)
	}
	code, m = do("POST", "/api/v1/ivr/reload", "")
	if code != 200 || m["version"] == before || reg.Current().Version != m["version"] {
		t.Errorf("reload = %d %v (before %s)", code, m, before)
	}
}
