package results

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSaveLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.json")
	f, err := Load(path)
	if err != nil || len(f.Results) != 0 {
		t.Fatalf("missing file: got %v, %v; want an empty store", f, err)
	}
	f.Results["bbb"] = Result{Status: Passed, File: "b.md", Line: 2, At: "2026-11-24T12:00:00Z"}
	f.Results["aaa"] = Result{Status: Failed, File: "a.md", Line: 1, Output: "<html> & stuff"}
	if err := f.Save(path); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	s := string(b)
	if strings.Index(s, `"aaa"`) > strings.Index(s, `"bbb"`) || !strings.HasSuffix(s, "}\n") {
		t.Errorf("file not in stable key order with a final newline:\n%s", s)
	}
	if !strings.Contains(s, `"<html> & stuff"`) {
		t.Errorf("output escaped for HTML; want it readable in review")
	}
	g, err := Load(path)
	if err != nil || g.Results["bbb"].Time().Year() != 2026 {
		t.Fatalf("reload: %v %+v", err, g.Results["bbb"])
	}
	if n := g.Prune(map[string]bool{"aaa": true}); n != 1 || len(g.Results) != 1 {
		t.Errorf("Prune removed %d, left %d; want 1 and 1", n, len(g.Results))
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".tmp-*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"not json": "{",
		"too new":  `{"version": 99, "results": {}}`,
	} {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".json")
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(p); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: error %v, want one naming the file", name, err)
		}
	}
}
