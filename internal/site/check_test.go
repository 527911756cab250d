package site

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shipshape/shipshape/internal/config"
	"github.com/shipshape/shipshape/internal/content"
	"github.com/shipshape/shipshape/internal/results"
)

// TestStaticCheckMarks: a block that is not run but passes its static check
// is marked "checked"; a failing one keeps "not run" and lists its findings
// under the block; prose stays "not run"; an unlabelled Dockerfile is
// highlighted as a Dockerfile.
func TestStaticCheckMarks(t *testing.T) {
	dir := t.TempDir()
	page := "---\ntitle: P\n---\n" +
		"```bash\ndocker network create backend\n```\n\n" +
		"```bash\ndocker scan app\n```\n\n" +
		"```\nJust some words.\n```\n\n" +
		"```\nFROM alpine:3.19\nUSER 1000\nCMD [\"sh\"]\n```\n"
	if err := os.WriteFile(filepath.Join(dir, "p.md"), []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := content.Load(dir, content.Options{})
	if err != nil {
		t.Fatal(err)
	}
	store, _ := results.Load(filepath.Join(dir, "none.json"))
	out, _ := Render(s, Options{Config: config.Default(), Results: store, Preview: true})
	html := string(out.Files[out.PageFile["p.md"]])
	figs := strings.Split(html, `<figure class="code"`)[1:]
	if len(figs) != 4 {
		t.Fatalf("rendered %d code figures, want 4", len(figs))
	}
	for i, want := range []string{`data-status="checked"`, `data-status="not-run"`, `data-status="not-code"`, `data-status="checked"`} {
		if !strings.Contains(figs[i], want) {
			t.Errorf("block %d: want %s in %.300s", i+1, want, figs[i])
		}
	}
	if !strings.Contains(figs[1], `<ul class="findings"><li data-severity="error" data-line="9"><code>docker-removed</code>`) {
		t.Errorf("docker scan block lists no docker-removed finding at line 9: %.600s", figs[1])
	}
	if strings.Contains(figs[0], `class="findings"`) || strings.Contains(figs[2], `class="findings"`) {
		t.Errorf("blocks without findings got a findings list")
	}
	if !strings.Contains(figs[3], `data-lang="dockerfile"`) {
		t.Errorf("unlabelled Dockerfile not highlighted as dockerfile: %.300s", figs[3])
	}
	if !strings.Contains(html, `<span class="blocks">4 code blocks: 2 checked, 1 not run, 1 not code</span>`) {
		t.Errorf("page has no block summary \"4 code blocks: 2 checked, 1 not run, 1 not code\"")
	}
	if out.Stats.Marks["checked"] != 2 {
		t.Errorf("marks = %v, want 2 checked", out.Stats.Marks)
	}
	// A published build shows readers the badges, not the author's findings.
	pub, _ := Render(s, Options{Config: config.Default(), Results: store})
	if h := string(pub.Files[pub.PageFile["p.md"]]); strings.Contains(h, `class="findings"`) || !strings.Contains(h, `data-status="checked"`) {
		t.Errorf("published build: want badges and no findings list")
	}
}

// TestCheckCacheRelocates: the same block on two pages is checked once, and
// each copy's findings name its own file and line.
func TestCheckCacheRelocates(t *testing.T) {
	dir := t.TempDir()
	block := "```bash\ndocker scan app\n```\n"
	for name, prefix := range map[string]string{"a.md": "# A\n\n", "b.md": "# B\n\nsome\n\nmore text\n\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(prefix+block), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, err := content.Load(dir, content.Options{Name: "c"})
	if err != nil {
		t.Fatal(err)
	}
	store, _ := results.Load(filepath.Join(dir, "none.json"))
	out, _ := Render(s, Options{Config: config.Default(), Results: store, Preview: true})
	for page, line := range map[string]string{"a.md": "4", "b.md": "8"} {
		h := string(out.Files[out.PageFile[page]])
		want := `<li data-severity="error" data-line="` + line + `"><code>docker-removed</code>`
		if !strings.Contains(h, want) {
			t.Errorf("%s: want the finding at its own line %s (%s)", page, line, want)
		}
	}
}

// TestHiddenLines: a #!hide line runs in verify but no reader sees it, in
// the code or in what the copy button copies.
func TestHiddenLines(t *testing.T) {
	dir := t.TempDir()
	page := "# P\n\n```console {run}\n$ #!hide docker pull busybox:1.36\n$ docker run --rm busybox:1.36 echo hi\nhi\n```\n"
	if err := os.WriteFile(filepath.Join(dir, "p.md"), []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := content.Load(dir, content.Options{})
	if err != nil {
		t.Fatal(err)
	}
	store, _ := results.Load(filepath.Join(dir, "none.json"))
	out, _ := Render(s, Options{Config: config.Default(), Results: store})
	h := string(out.Files[out.PageFile["p.md"]])
	if strings.Contains(h, "hide") || strings.Contains(h, "docker pull") {
		t.Errorf("hidden line shown to readers: %.800s", h[strings.Index(h, `<figure class="code"`):])
	}
	if !strings.Contains(h, `data-copy="docker run --rm busybox:1.36 echo hi`) || strings.Contains(h, `data-copy="$`) {
		t.Errorf("copy text should be the visible command without prompt")
	}
}

// TestCheckCacheOnDisk: check results saved by one build are used by the
// next, findings moved to where the block now stands; a damaged file is an
// empty start.
func TestCheckCacheOnDisk(t *testing.T) {
	dir := t.TempDir()
	write := func(body string) *content.Site {
		if err := os.WriteFile(filepath.Join(dir, "p.md"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := content.Load(dir, content.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	block := "```bash\ndocker scan app\n```\n"
	store, _ := results.Load(filepath.Join(dir, "none.json"))
	c1 := NewCache()
	Render(write("# P\n\n"+block), Options{Config: config.Default(), Results: store, Cache: c1})
	path := filepath.Join(t.TempDir(), "checks.gob")
	if err := c1.SaveChecks(path); err != nil {
		t.Fatal(err)
	}
	c2 := NewCache()
	if n := c2.LoadChecks(path); n != 1 {
		t.Fatalf("loaded %d check results, want 1", n)
	}
	out, _ := Render(write("# P\n\nmoved\n\ndown\n\n"+block), Options{Config: config.Default(), Results: store, Cache: c2, Preview: true})
	h := string(out.Files[out.PageFile["p.md"]])
	if !strings.Contains(h, `data-line="8"><code>docker-removed</code>`) {
		t.Errorf("finding from the saved cache not moved to line 8")
	}
	if err := os.WriteFile(path, []byte("not gob"), 0o644); err != nil {
		t.Fatal(err)
	}
	if n := NewCache().LoadChecks(path); n != 0 {
		t.Errorf("damaged cache file loaded %d entries, want 0", n)
	}
}
