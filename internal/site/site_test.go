package site

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shipshape/shipshape/internal/config"
	"github.com/shipshape/shipshape/internal/content"
	"github.com/shipshape/shipshape/internal/corpus"
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

// TestRenderPage re-renders one edited page with the navigation of the last
// full render, and checks its links against the anchors already known.
func TestRenderPage(t *testing.T) {
	s := load(t, "testdata/browser.txtar")
	o, ds := Render(s, Options{Config: config.Default()})
	if ds.Errors() > 0 {
		t.Fatalf("render: %v", ds)
	}
	var third *content.Page
	for _, p := range s.Pages {
		if p.Path == "more/third.md" {
			third = p
		}
	}
	edited := *third
	edited.Body = []byte("# Third steps\n\nNow [broken](../guide/first.md#portz) and an edit marker: zebra.\n")
	file, ds := o.RenderPage(&edited)
	if file != "more/third/index.html" {
		t.Errorf("RenderPage wrote %q, want more/third/index.html", file)
	}
	page := string(o.Files[file])
	if !strings.Contains(page, "zebra") || !strings.Contains(page, `aria-current="page"`) || !strings.Contains(page, `class="pager"`) {
		t.Errorf("re-rendered page lacks the edit or its navigation")
	}
	got := messages(s, ds)
	want := `more/third.md:6: error: broken link "../guide/first.md#portz": no heading or anchor #portz in guide/first.md [link] (did you mean #ports?)`
	if len(got) != 1 || got[0] != want {
		t.Errorf("diagnostics = %q, want %q", got, want)
	}
	if _, ds := o.RenderPage(&content.Page{Path: "new.md", File: "new.md", URL: "/new/"}); ds.Errors() != 1 {
		t.Errorf("a page new to the site should ask for a full render, got %v", ds)
	}
}

// TestBuildKeepsOutputOnErrors: a build with a broken link fails and leaves
// the previous output as it was; --no-link-errors builds anyway.
func TestBuildKeepsOutputOnErrors(t *testing.T) {
	s := load(t, "testdata/links.txtar")
	out := filepath.Join(t.TempDir(), "public")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "old.txt"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Build(s, Options{Config: config.Default(), Out: out}); err == nil {
		t.Fatal("build with broken links succeeded")
	}
	if _, err := os.Stat(filepath.Join(out, "old.txt")); err != nil {
		t.Errorf("failed build touched the old output: %v", err)
	}
	if _, _, err := Build(s, Options{Config: config.Default(), Out: out, LinkWarnings: true}); err != nil {
		t.Fatalf("build with LinkWarnings: %v", err)
	}
	for _, f := range []string{"index.html", "guide/first/index.html", "img/logo.png", "sitemap.xml", "404.html", "nav.html", "static/app.js"} {
		if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(f))); err != nil {
			t.Errorf("output lacks %s", f)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "old.txt")); err == nil {
		t.Errorf("old output not replaced")
	}
}

// TestHead checks the page head and footer: title, description, Open Graph,
// canonical URL, edit link, and the sitemap.
func TestHead(t *testing.T) {
	s := load(t, "testdata/browser.txtar")
	cfg := config.Default()
	cfg.Title = "Course"
	cfg.Description = "A course."
	cfg.BaseURL = "https://docs.example.org/course/"
	cfg.RepoURL = "https://git.example.org/team/course"
	cfg.EditBranch = "trunk"
	o, _ := Render(s, Options{Config: cfg})
	page := string(o.Files["guide/first/index.html"])
	for _, want := range []string{
		`<title>First steps · Course</title>`,
		`<meta name="description" content="A course.">`,
		`<meta property="og:title" content="First steps">`,
		`<meta property="og:url" content="https://docs.example.org/course/guide/first/">`,
		`<link rel="canonical" href="https://docs.example.org/course/guide/first/">`,
		`href="https://git.example.org/team/course/edit/trunk/content/guide/first.md">Edit this page`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("guide/first/index.html lacks %s", want)
		}
	}
	sm := string(o.Files["sitemap.xml"])
	if !strings.Contains(sm, "<loc>https://docs.example.org/course/guide/second/</loc>") {
		t.Errorf("sitemap.xml lacks the second page:\n%s", sm)
	}
	nf := string(o.Files["404.html"])
	if !strings.Contains(nf, `href="/course/static/style.css"`) {
		t.Errorf("404.html should link assets from the base path /course/")
	}
}

// TestGitDates: "Last updated" comes from the last commit that touched the
// page, read with one git log.
func TestGitDates(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	s := load(t, "testdata/browser.txtar")
	git := func(args ...string) {
		cmd := exec.Command("git", args...)
		cmd.Dir = s.Root
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_DATE=2024-03-05T10:00:00Z", "GIT_COMMITTER_DATE=2024-03-05T10:00:00Z",
			"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.org", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.org")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q")
	git("add", "guide/first.md")
	git("commit", "-q", "-m", "first")
	o, _ := Render(s, Options{Config: config.Default(), GitDates: true})
	if p := string(o.Files["guide/first/index.html"]); !strings.Contains(p, `Last updated <time datetime="2024-03-05">2024-03-05</time>`) {
		t.Errorf("guide/first lacks its last-updated date")
	}
	if p := string(o.Files["guide/second/index.html"]); strings.Contains(p, "Last updated") {
		t.Errorf("an uncommitted page shows a last-updated date")
	}
	if sm := string(o.Files["sitemap.xml"]); !strings.Contains(sm, "<lastmod>2024-03-05</lastmod>") {
		t.Errorf("sitemap lacks lastmod")
	}
}

// TestCacheSameOutput: a warm cache gives the very same site.
func TestCacheSameOutput(t *testing.T) {
	s := load(t, "testdata/browser.txtar")
	cold, _ := Render(s, Options{Config: config.Default()})
	cache := NewCache()
	Render(s, Options{Config: config.Default(), Cache: cache})
	warm, _ := Render(s, Options{Config: config.Default(), Cache: cache})
	for k, v := range cold.Files {
		if string(warm.Files[k]) != string(v) {
			t.Errorf("%s differs with a warm cache", k)
		}
	}
}

// TestCorpusLinks: a generated course with a partial last chapter renders
// with no broken links.
func TestCorpusLinks(t *testing.T) {
	dir := t.TempDir()
	if err := corpus.Write(dir, 45); err != nil {
		t.Fatal(err)
	}
	s, err := content.Load(dir, content.Options{})
	if err != nil {
		t.Fatal(err)
	}
	o, ds := Render(s, Options{Config: config.Default()})
	if len(ds) != 0 || o.Stats.Pages != 45 || o.Stats.Links < 45 {
		t.Errorf("45-page corpus: %d pages, %d links, diagnostics %v", o.Stats.Pages, o.Stats.Links, ds)
	}
}

// FuzzRender renders arbitrary Markdown beside a real page: bad input gives
// diagnostics, never a panic.
func FuzzRender(f *testing.F) {
	for _, s := range []string{"# T\n[a](b.md#c) ![x](y.png) [z](#q)", "> [!NOTE]\n> x", "```console\n$ a\nb\n```", "[x](<../..>) [y](%zz) [](#)", "## 🔰\n## 🔰"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		other := &content.Page{Path: "b.md", File: "b.md", URL: "/b/", Title: "B", Body: []byte("# B\n\n## C\n"), BodyLine: 1}
		p := &content.Page{Path: "a/x.md", File: "a/x.md", URL: "/a/x/", Section: "a", Title: "X", Body: []byte(body), BodyLine: 1}
		s := &content.Site{Root: "/nonexistent", Pages: []*content.Page{other, p},
			Tree: &content.Section{Pages: []*content.Page{other}, Sections: []*content.Section{{Path: "a", Title: "A", Pages: []*content.Page{p}}}}}
		o, _ := Render(s, Options{Config: config.Default()})
		if o.Files["a/x/index.html"] == nil {
			t.Fatalf("page not rendered for %q", body)
		}
	})
}

// TestLangLabel: a block's caption names its language, and says when the
// language was guessed from an unlabelled fence.
func TestLangLabel(t *testing.T) {
	s := load(t, "testdata/browser.txtar")
	p := s.Pages[0]
	p.Body = []byte("```\nFROM alpine:3.20\nRUN apk add curl\n```\n\n```yaml\na: 1\n```\n")
	o, _ := Render(s, Options{Config: config.Default()})
	page := string(o.Files[strings.TrimPrefix(p.URL, "/")+"index.html"])
	if !strings.Contains(page, `<span class="lang" data-guessed title="no language written: guessed from the content">Dockerfile?</span>`) {
		t.Errorf("unlabelled Dockerfile block lacks its guessed label")
	}
	if !strings.Contains(page, `<span class="lang">yaml</span>`) {
		t.Errorf("yaml block lacks its label")
	}
}
