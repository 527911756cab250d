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

// TestFresh is the table of the one freshness rule: a stored result stands
// while the engine is the one it ran on and every image it ran on is the
// same image; what cannot be told (no engine) is not re-checked.
func TestFresh(t *testing.T) {
	r := Result{Status: Passed, Engine: "20.10.24+dfsg1", ImageRun: "local/busybox", ImageID: "sha256:a",
		Images: map[string]string{"local/base": "sha256:b"}}
	engine := func(v string, ok bool) func() (string, bool) { return func() (string, bool) { return v, ok } }
	ids := func(m map[string]string) ImageIDs {
		return func(ref string) (string, bool) { id, ok := m[ref]; return id, ok }
	}
	same := ids(map[string]string{"local/busybox": "sha256:a", "local/base": "sha256:b"})
	for _, c := range []struct {
		name string
		r    Result
		now  Now
		want bool
	}{
		{"nothing known", r, Now{}, true},
		{"same engine and images", r, Now{Engine: engine("20.10.24+dfsg1", true), ImageIDs: same}, true},
		{"another engine", r, Now{Engine: engine("28.5.2+dfsg4", true), ImageIDs: same}, false},
		{"another engine, images unknown", r, Now{Engine: engine("28.5.2+dfsg4", true)}, false},
		{"engine cannot tell", r, Now{Engine: engine("", false), ImageIDs: same}, true},
		{"result from before engines were recorded", Result{Status: Passed, ImageRun: "local/busybox", ImageID: "sha256:a"}, Now{Engine: engine("28.5.2+dfsg4", true), ImageIDs: same}, true},
		{"the image behind the tag changed", r, Now{Engine: engine("20.10.24+dfsg1", true), ImageIDs: ids(map[string]string{"local/busybox": "sha256:new", "local/base": "sha256:b"})}, false},
		{"an earlier FROM image changed", r, Now{ImageIDs: ids(map[string]string{"local/busybox": "sha256:a", "local/base": "sha256:c"})}, false},
		{"the image is gone", r, Now{ImageIDs: ids(map[string]string{"local/busybox": "", "local/base": "sha256:b"})}, false},
	} {
		if got := Fresh(c.r, c.now); got != c.want {
			t.Errorf("%s: Fresh = %v, want %v", c.name, got, c.want)
		}
	}
}
