package content

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func TestCleanTitle(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "Getting started", "Getting started"},
		{"code span", "The `docker run` command", "The docker run command"},
		{"badge image", "My tool ![build](https://img.example/b.svg)", "My tool"},
		{"linked badge", "[![ci](b.svg)](https://ci.example) Tool", "Tool"},
		{"link text kept", "About [Compose](compose.md)", "About Compose"},
		{"html anchor", `<a name="top"></a>Overview`, "Overview"},
		{"strong", "**Step 1**: build", "Step 1: build"},
		{"only a badge", "![x](y.png)", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CleanTitle(tt.in); got != tt.want {
				t.Errorf("CleanTitle(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestStripMDX(t *testing.T) {
	tests := []struct {
		name, in, want string
		dropped, first int
	}{
		{"imports", "import A from 'a';\nimport {B} from \"b\";\n\n# T\n", "\n\n\n# T\n", 2, 1},
		{"multi-line export", "# T\n\nexport const meta = {\n  a: 1,\n};\n\ntext\n", "# T\n\n\n\n\n\ntext\n", 3, 3},
		{"component lines, body kept", "<Tabs>\n<TabItem value=\"a\" label=\"A\">\n\nbody\n\n</TabItem>\n</Tabs>\n", "\n\n\nbody\n\n\n\n", 4, 1},
		{"self-closing and fragments", "<DocCardList />\n<>\n</>\n", "\n\n\n", 3, 1},
		{"comment", "{/* hidden */}\ntext {/* x */} here\n", "\ntext  here\n", 1, 0},
		{"html stays", "<div>\n<a name=\"x\"></a>\n", "<div>\n<a name=\"x\"></a>\n", 0, 0},
		{"code untouched", "```js\nimport x from 'y'\n<Tabs>\n```\n", "```js\nimport x from 'y'\n<Tabs>\n```\n", 0, 0},
		{"import word in prose", "Important: imports matter\n", "Important: imports matter\n", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, n, first := StripMDX([]byte(tt.in))
			if string(got) != tt.want || n != tt.dropped || (tt.first != 0 && first != tt.first) {
				t.Errorf("StripMDX(%q) = %q, %d dropped from line %d; want %q, %d from line %d", tt.in, got, n, first, tt.want, tt.dropped, tt.first)
			}
			if strings.Count(string(got), "\n") != strings.Count(tt.in, "\n") {
				t.Errorf("StripMDX(%q) changed the number of lines", tt.in)
			}
		})
	}
}

// TestTreeDialects loads a tree with other tools' front matter: positions
// order pages (0 first), labels name them, twins are told apart, an H1 with
// markup gives a plain title, and folders holding only a folder are not
// navigation steps.
func TestTreeDialects(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"src/content/docs/guide/b.md":         "---\nsidebar_position: 0\n---\n# `b` first\n",
		"src/content/docs/guide/a.md":         "---\nnav_order: 2\nsidebar_label: Short A\n---\n# A long title\n",
		"src/content/docs/guide/c.mdx":        "import X from 'x';\n\n# C ![badge](b.svg)\n",
		"src/content/docs/linux/setup.md":     "# Setup\n",
		"src/content/docs/windows/setup.md":   "# Setup\n",
		"src/content/docs/windows/install.md": "# Setup\n",
	})
	s, err := Load(dir, Options{Name: "t"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	var walk func(sec *Section, depth int)
	walk = func(sec *Section, depth int) {
		for _, it := range sec.Items() {
			if it.Page != nil {
				got = append(got, strings.Repeat(" ", depth)+it.Page.NavTitle())
			} else {
				got = append(got, strings.Repeat(" ", depth)+it.Section.Title+"/")
				walk(it.Section, depth+1)
			}
		}
	}
	walk(s.Tree, 0)
	want := []string{"Guide/", " b first", " Short A", " C", "Linux/", " Setup", "Windows/", " Setup (install)", " Setup (setup)"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("navigation:\n got %q\nwant %q", got, want)
	}
}

// TestUnclosedFrontMatter: a page that opens with a --- it never closes is
// refused in shipshape's own tree (Hugo refuses it too) and starts with a
// thematic break in a tree MkDocs builds, which reads front matter only
// when it is closed.
func TestUnclosedFrontMatter(t *testing.T) {
	page := "---\n\n!!! note \"Using it at work?\"\n\n    Text.\n"
	for _, tt := range []struct {
		name, config string
		loaded       bool
	}{
		{"own tree", "", false},
		{"mkdocs tree", "site_name: x\n", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			root := mkdocsRoot(t, tt.config, "snippet.md", page)
			s, err := Load(root, Options{Name: "t"})
			if err != nil {
				t.Fatal(err)
			}
			var errs []string
			for _, d := range s.Diags {
				if strings.Contains(d.Message, "never closed") {
					errs = append(errs, d.Message)
				}
			}
			if got := len(s.Pages) == 1 && len(errs) == 0; got != tt.loaded {
				t.Errorf("page %q: loaded %v (pages %d, errors %q), want loaded %v", page, got, len(s.Pages), errs, tt.loaded)
			}
		})
	}
}

// TestUnreadableFrontMatter: front matter that is no valid YAML refuses the
// page in shipshape's own tree (as Hugo does) and is a warning in a tree
// MkDocs builds, which ignores such front matter and shows its lines as text.
func TestUnreadableFrontMatter(t *testing.T) {
	page := "---\ntitle: x\ndescription: \"a quoted value\"\"\n---\n# Page\n"
	for _, tt := range []struct {
		name, config string
		loaded       bool
		severity     string
	}{
		{"own tree", "", false, "error"},
		{"mkdocs tree", "site_name: x\n", true, "warning"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			root := mkdocsRoot(t, tt.config, "p.md", page)
			s, err := Load(root, Options{Name: "t"})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range s.Diags {
				if strings.Contains(d.Message, "front matter") {
					got = append(got, d.Severity.String())
				}
			}
			if loaded := len(s.Pages) == 1; loaded != tt.loaded || len(got) != 1 || got[0] != tt.severity {
				t.Fatalf("page %q: loaded %v, front matter findings %q; want loaded %v, one %s", page, loaded, got, tt.loaded, tt.severity)
			}
			if tt.loaded && !strings.HasPrefix(string(s.Pages[0].Body), "---\ntitle: x\n") {
				t.Errorf("page %q: body %q, want the front matter's lines kept as text", page, s.Pages[0].Body)
			}
		})
	}
}

// TestNestedMkDocs: in a repository whose docs/mkdocs.yml reads
// docs/content, the pages there are read as MkDocs reads them (an unclosed
// --- is a thematic break); a page elsewhere in the repository is still
// shipshape's own and refused.
func TestNestedMkDocs(t *testing.T) {
	page := "---\n\nSome text.\n"
	dir := writeTree(t, map[string]string{
		"docs/mkdocs.yml":             "site_name: x\ndocs_dir: content\n",
		"docs/content/guide/inc.md":   page,
		"notes/inc.md":                page,
		"docs/content/guide/index.md": "# Guide\n",
	})
	s, err := Load(dir, Options{Name: "t"})
	if err != nil {
		t.Fatal(err)
	}
	var refused []string
	for _, d := range s.Diags {
		if strings.Contains(d.Message, "never closed") {
			refused = append(refused, filepath.ToSlash(d.File))
		}
	}
	if want := []string{"t/notes/inc.md"}; strings.Join(refused, " ") != strings.Join(want, " ") {
		t.Errorf("page %q: refused in %q, want only %q", page, refused, want)
	}
	var loaded []string
	for _, p := range s.Pages {
		loaded = append(loaded, p.Path)
	}
	if !strings.Contains(strings.Join(loaded, " "), "docs/content/guide/inc.md") {
		t.Errorf("page %q: loaded %q, want docs/content/guide/inc.md among them", page, loaded)
	}
}

// writeTree writes files (slash paths to contents) into a new folder.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// mkdocsRoot writes one page into docs/ and returns the folder to load:
// with config, a tree MkDocs builds (its mkdocs.yml beside docs/); without,
// docs/ alone, shipshape's own.
func mkdocsRoot(t *testing.T, config, name, page string) string {
	t.Helper()
	files := map[string]string{"docs/" + name: page}
	if config == "" {
		return filepath.Join(writeTree(t, files), "docs")
	}
	files["mkdocs.yml"] = config
	return writeTree(t, files)
}

// TestNotPages: folders of installed packages and of a built site are not
// read; the same names elsewhere are.
func TestNotPages(t *testing.T) {
	page := "# A page\n"
	dir := writeTree(t, map[string]string{
		"guide.md":                        page,
		"app/node_modules/x/README.md":    page,
		"vendor/modules.txt":              "# github.com/x/y v1.0.0\n",
		"vendor/github.com/x/y/README.md": page,
		"site/vendor/bundle/ruby/gem.md":  page,
		"_config.yml":                     "title: x\n",
		"_site/guide.md":                  page,
		"notes/vendor/own.md":             page,
		"notes/_site/own.md":              page,
		"notes/bundle/own.md":             page,
	})
	s, err := Load(dir, Options{Name: "t"})
	if err != nil {
		t.Fatal(err)
	}
	var loaded, skipped []string
	for _, p := range s.Pages {
		loaded = append(loaded, p.Path)
	}
	for _, d := range s.Diags {
		if d.Rule == "content-skipped" {
			skipped = append(skipped, filepath.ToSlash(d.File))
		}
	}
	sort.Strings(loaded)
	sort.Strings(skipped)
	if got, want := strings.Join(loaded, " "), "guide.md notes/_site/own.md notes/bundle/own.md notes/vendor/own.md"; got != want {
		t.Errorf("pages: got %q, want %q", got, want)
	}
	if got, want := strings.Join(skipped, " "), "t/_site t/app/node_modules t/site/vendor/bundle t/vendor"; got != want {
		t.Errorf("skipped: got %q, want %q", got, want)
	}
	for _, f := range s.Static {
		if strings.Contains(f, "node_modules") || strings.HasPrefix(f, "vendor/") {
			t.Errorf("static file %s published from a skipped folder", f)
		}
	}
}
