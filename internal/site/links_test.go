package site

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/shipshape/shipshape/internal/config"
	"github.com/shipshape/shipshape/internal/content"
	"github.com/shipshape/shipshape/internal/results"
)

func TestAnchors(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"heading id", `<h2 id="ports">Ports</h2>`, []string{"ports"}},
		{"a name", `<p><a name="task1"></a></p>`, []string{"task1"}},
		{"single quotes", `<a id='step-2'>`, []string{"step-2"}},
		{"no quotes", `<a name=task3></a>`, []string{"task3"}},
		{"span id among attributes", `<span class="x" id="here" data-x=1>`, []string{"here"}},
		{"upper case tag", `<A NAME="Old">`, []string{"Old"}},
		{"name only on a", `<input name="q">`, nil},
		{"escaped code is text", `<code>&lt;a name="x"&gt;</code>`, nil},
		{"entity in id", `<a id="a&amp;b">`, []string{"a&b"}},
		{"unterminated", `<a id="open`, nil},
		{"lone bracket", `a < b <`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for k := range anchors([]byte(tt.in)) {
				got = append(got, k)
			}
			sort.Strings(got)
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("anchors(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestFragments renders a small site and checks what each kind of fragment
// link gives: raw HTML anchors and GitHub slugs resolve, case and hyphen
// variants, VitePress's "_" before a leading digit and GitBook's dots warn
// naming the right id, a missing one is a broken link ("_" before a letter
// is no variant, nor is another version number).
func TestFragments(t *testing.T) {
	target := "# Target\n\n<a name=\"task1\"></a>\n\n## <a id=\"hd\"></a>Host driver\n\n## Build & Ship\n\nText <span id='inline'>here</span>.\n\n## Step Ⓑ\n\n## 1. Set up\n\n## Release 2.19.4\n"
	links := []string{
		"[a](target.md#task1)",
		"[b](target.md#hd)",
		"[c](target.md#host-driver)",
		"[d](target.md#build--ship)",
		"[e](target.md#inline)",
		"[f](target.md#Host-Driver)",
		"[g](target.md#build-ship)",
		"[h](target.md#nowhere)",
		"[i](target.md#step-%E2%93%91)",
		"[j](target.md#_1-set-up)",
		"[k](target.md#_set-up)",
		"[l](target.md#release-2.19.4)",
		"[m](target.md#release-2.19.5)",
	}
	from := "# From\n\n" + strings.Join(links, "\n\n") + "\n"
	out, got := linkDiags(t, map[string]string{"target.md": target, "from.md": from})
	want := []string{
		`c/from.md:13: warning: link "target.md#Host-Driver": #Host-Driver is written #host-driver in target.md [link-anchor] (write #host-driver)`,
		`c/from.md:15: warning: link "target.md#build-ship": #build-ship is written #build--ship in target.md [link-anchor] (write #build--ship)`,
		`c/from.md:17: error: broken link "target.md#nowhere": no heading or anchor #nowhere in target.md [link] (did you mean #hd?)`,
		`c/from.md:21: warning: link "target.md#_1-set-up": #_1-set-up is written #1-set-up in target.md [link-anchor] (write #1-set-up)`,
		`c/from.md:23: error: broken link "target.md#_set-up": no heading or anchor #_set-up in target.md [link] (did you mean #1-set-up?)`,
		`c/from.md:25: warning: link "target.md#release-2.19.4": #release-2.19.4 is written #release-2194 in target.md [link-anchor] (write #release-2194)`,
		`c/from.md:27: error: broken link "target.md#release-2.19.5": no heading or anchor #release-2.19.5 in target.md [link] (did you mean #release-2194?)`,
	}
	sameDiags(t, got, want)
	if out.Stats.Broken != 3 {
		t.Errorf("broken = %d, want 3", out.Stats.Broken)
	}
}

// TestTemplateLinks: a link whose address is a docs template's placeholder
// or a Hugo shortcode is the generator's to fill in, not a malformed link;
// a malformed address with no placeholder is still reported.
func TestTemplateLinks(t *testing.T) {
	files := map[string]string{
		"index.md": "# Home\n\n[repo](%%GITHUB-REPO%%/issues)\n\n[bad](http://%41:80/)\n\n[hook]({{% eturl alias %}}) and [ref]({{< ref \"x.md\" >}})\n\n[half](%{{x)\n",
	}
	_, got := linkDiags(t, files)
	want := []string{
		`c/index.md:5: error: malformed link "http://%41:80/": parse "http://%41:80/": invalid URL escape "%41" [link]`,
		`c/index.md:9: error: malformed link "%{{x": parse "%{{x": invalid URL escape "%{{" [link]`,
	}
	sameDiags(t, got, want)
}

// TestEscapedDestinations: a backslash before punctuation in a link's
// destination stands for that character, as CommonMark reads it; a
// destination that names nothing once read so is still broken.
func TestEscapedDestinations(t *testing.T) {
	files := map[string]string{
		"index.md":          "# Home\n\n![](img/button\\_be.png)\n\n[guide](my\\_guide.md)\n\n[gone](no\\_page.md)\n",
		"img/button_be.png": "png",
		"my_guide.md":       "# Guide\n",
	}
	_, got := linkDiags(t, files)
	want := []string{
		`c/index.md:7: error: broken link "no_page.md": no page or file no_page.md [link] (did you mean "my_guide.md"?)`,
	}
	sameDiags(t, got, want)
}

// TestUnpublishedTargets: a link to something that exists in the content
// folder but that the site does not publish (a file in a hidden folder, a
// folder with no index page) is a warning, never a broken link; a link to
// nothing stays broken.
func TestUnpublishedTargets(t *testing.T) {
	files := map[string]string{
		"index.md":        "# Home\n\n[rules](.meta/RULES.md)\n\n[code](tool)\n\n[gone](tool/gone)\n",
		".meta/RULES.md":  "# Rules\n",
		"tool/main.go":    "package main\n",
		"tool/sub/doc.go": "package sub\n",
	}
	out, got := linkDiags(t, files)
	want := []string{
		`c/index.md:3: warning: link ".meta/RULES.md" leads outside the site: .meta/RULES.md is a file the site does not publish (hidden, or a symbolic link out of the content folder) [link-outside] (link to it by its address in the repository)`,
		`c/index.md:5: warning: link "tool" leads outside the site: tool is a folder without an index page [link-outside] (link to it by its address in the repository)`,
		`c/index.md:7: error: broken link "tool/gone": no page or file tool/gone [link] (did you mean "tool/main.go"?)`,
	}
	sameDiags(t, got, want)
	if out.Stats.Broken != 1 {
		t.Errorf("broken = %d, want 1", out.Stats.Broken)
	}
}

// linkDiags renders a site made of files (content folder "c") and returns
// it with its link diagnostics, in order.
// sameDiags compares a build's link diagnostics with those wanted, in order.
func sameDiags(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("link diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func linkDiags(t *testing.T, files map[string]string) (*Output, []string) {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		full := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, err := content.Load(dir, content.Options{Name: "c"})
	if err != nil {
		t.Fatal(err)
	}
	store, _ := results.Load(filepath.Join(dir, "none.json"))
	out, ds := Render(s, Options{Config: config.Default(), Results: store})
	var got []string
	for _, d := range ds {
		if strings.HasPrefix(d.Rule, "link") {
			got = append(got, d.Error())
		}
	}
	return out, got
}

// TestFragmentSuggestsNoCodeLine: a mistyped heading is not offered a code
// block's line id (#L12), which is near a short name in letters only;
// a mistyped line id still is.
func TestFragmentSuggestsNoCodeLine(t *testing.T) {
	target := "# Overview\n\nText.\n\n```sh\necho hi\n```\n"
	from := "# From\n\n[a](target.md#rep)\n\n[b](target.md#L55)\n"
	_, got := linkDiags(t, map[string]string{"target.md": target, "from.md": from})
	if len(got) != 2 {
		t.Fatalf("diagnostics: %q, want 2", got)
	}
	if strings.Contains(got[0], "did you mean #L") {
		t.Errorf("a heading's name got a code line: %s", got[0])
	}
	if !strings.Contains(got[1], "did you mean #L5") {
		t.Errorf("a line id got no line id: %s", got[1])
	}
}

// TestMkDocsLinks: in a tree MkDocs builds, links are written for MkDocs:
// to a heading's id as MkDocs gives it (a repeat is "_1"), and, with the
// i18n plugin keeping translations side by side, to page.md and img.png
// for the linking page's own language (page.de.md, img.de.png). A link
// that leads nowhere in any language is still broken.
func TestMkDocsLinks(t *testing.T) {
	files := map[string]string{
		"mkdocs.yml":       "site_name: t\nplugins:\n  - search\n  - i18n:\n      docs_structure: suffix\n      languages:\n        - locale: en\n          default: true\n        - locale: de\n",
		"docs/index.en.md": "# Home\n\n[setup](setup.md#users-usersfile) [again](setup.md#options_1) ![shot](shot.png) [gone](gone.md)\n",
		"docs/index.de.md": "# Start\n\n[setup](setup.md#benutzer-usersfile) ![shot](shot.png)\n",
		"docs/setup.en.md": "# Setup\n\n## users / usersFile\n\n## Options\n\n## Options\n",
		"docs/setup.de.md": "# Einrichtung\n\n## Benutzer / usersFile\n",
		"docs/shot.en.png": "png",
		"docs/shot.de.png": "png",
	}
	_, got := linkDiags(t, files)
	want := []string{
		`c/docs/index.en.md:3: error: broken link "gone.md": no page or file gone.md [link]`,
	}
	sameDiags(t, got, want)
}
