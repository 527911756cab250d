package site

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shipshape/shipshape/internal/config"
	"github.com/shipshape/shipshape/internal/content"
	"github.com/shipshape/shipshape/internal/diag"
	"github.com/shipshape/shipshape/internal/testenv"
)

// load unpacks a txtar archive into a temporary content folder and loads it.
func load(t testing.TB, archive string) *content.Site {
	t.Helper()
	b, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, f := range txtarFiles(string(b)) {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, err := content.Load(dir, content.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type txtarFile struct {
	Name string
	Data []byte
}

// txtarFiles reads the txtar format ("-- name --" lines between files);
// the comment before the first file is skipped.
func txtarFiles(s string) []txtarFile {
	var out []txtarFile
	for _, line := range strings.SplitAfter(s, "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "-- ") && strings.HasSuffix(t, " --") && len(t) > 6 {
			out = append(out, txtarFile{Name: strings.TrimSpace(t[3 : len(t)-3])})
			continue
		}
		if len(out) > 0 {
			out[len(out)-1].Data = append(out[len(out)-1].Data, line...)
		}
	}
	return out
}

// messages are the diagnostics with the temporary folder cut off.
func messages(s *content.Site, ds diag.List) []string {
	var out []string
	for _, d := range ds {
		out = append(out, strings.TrimPrefix(d.Error(), s.Root+string(filepath.Separator)))
	}
	return out
}

func TestLinks(t *testing.T) {
	s := load(t, "testdata/links.txtar")
	o, ds := Render(s, Options{Config: config.Default()})
	want := []string{
		`guide/first.md:9: error: broken link "secnd.md": no page or file guide/secnd.md [link] (did you mean "second.md"?)`,
		`index.md:2: error: broken link "guide/first.md#port": no heading or anchor #port in guide/first.md [link] (did you mean #ports?)`,
		`index.md:3: error: broken link "guide/frist.md": no page or file guide/frist.md [link] (did you mean "guide/first.md"?)`,
		`index.md:4: error: broken link "img/logo.jpg": no image img/logo.jpg [link] (did you mean "img/logo.png"?)`,
		`index.md:5: error: broken link "#hom": no heading or anchor #hom in this page [link] (did you mean #home?)`,
	}
	got := messages(s, ds)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if o.Stats.Broken != len(want) {
		t.Errorf("Stats.Broken = %d, want %d", o.Stats.Broken, len(want))
	}
	home := string(o.Files["index.html"])
	for _, frag := range []string{
		`href="guide/first/"`,          // .md rewritten to the page URL
		`href="guide/first/#ports"`,    // with its fragment
		`src="img/logo.png"`,           // static file kept
		`href="https://example.com/x"`, // external untouched
	} {
		if !strings.Contains(home, frag) {
			t.Errorf("index.html lacks %s", frag)
		}
	}
	first := string(o.Files["guide/first/index.html"])
	for _, frag := range []string{`href="../../"`, `href="../../guide/first/#ports"`} {
		if !strings.Contains(first, frag) {
			t.Errorf("guide/first/index.html lacks %s", frag)
		}
	}
}

// TestLinkWarnings: --no-link-errors keeps every report but as warnings.
func TestLinkWarnings(t *testing.T) {
	s := load(t, "testdata/links.txtar")
	_, ds := Render(s, Options{Config: config.Default(), LinkWarnings: true})
	if ds.Errors() != 0 || len(ds) != 5 {
		t.Errorf("got %d errors in %d diagnostics, want 0 errors in 5:\n%s", ds.Errors(), len(ds), strings.Join(messages(s, ds), "\n"))
	}
}

func seeds(t *testing.T) string {
	dir := "/work/shared/seeds"
	if _, err := os.Stat(dir); err != nil {
		if testenv.CI() {
			t.Fatalf("CI=true: seed guides missing: %v", err)
		}
		t.Skipf("seed guides not here: %v", err)
	}
	return dir
}

// TestSeedTOC renders the user's guide whose table of contents links to
// headings that start with an emoji: 9 of its 10 links resolve and the
// tenth, an authoring mistake, is reported with its line and the heading
// it meant.
func TestSeedTOC(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(seeds(t), "docker-deep-dive.md"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "docker-deep-dive.md"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := content.Load(dir, content.Options{})
	if err != nil {
		t.Fatal(err)
	}
	o, ds := Render(s, Options{Config: config.Default()})
	got := messages(s, ds)
	want := `docker-deep-dive.md:31: error: broken link "#images-vs-containers": no heading or anchor #images-vs-containers in this page [link] (did you mean #images-vs-containers-the-complete-picture?)`
	if len(got) != 1 || got[0] != want {
		t.Fatalf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}
	ids := o.ids["docker-deep-dive.md"]
	resolved := 0
	for _, id := range []string{"container-fundamentals", "docker-architecture", "images-vs-containers", "dockerfile-mastery",
		"networking-deep-dive", "storage-and-volumes", "security-best-practices", "performance-optimization",
		"troubleshooting-guide", "enterprise-patterns"} {
		if ids[id] {
			resolved++
		}
	}
	if resolved != 9 {
		t.Errorf("%d of 10 TOC links resolve, want 9", resolved)
	}
}
