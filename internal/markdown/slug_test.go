package markdown

import (
	"bytes"
	"strings"
	"testing"
)

func TestSlug(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "Container Fundamentals", "container-fundamentals"},
		{"leading emoji keeps its space", "🔰 Container Fundamentals", "-container-fundamentals"},
		{"emoji with selector", "⚙️ Setup", "-setup"},
		{"keycap", "1️⃣ THE MAJOR MINDSET SHIFT", "1-the-major-mindset-shift"},
		{"trailing emoji", "Done ✅", "done-"},
		{"emoji only", "🐳🚀", ""},
		{"zwj sequence", "👩‍💻 Developers", "-developers"},
		{"colon", "Images vs Containers: The Complete Picture", "images-vs-containers-the-complete-picture"},
		{"punctuation", "What's `docker run` -- really?", "whats-docker-run----really"},
		{"ampersand leaves two hyphens", "Build & Ship", "build--ship"},
		{"dots and slashes", "v1.2 / amd64", "v12--amd64"},
		{"underscore kept", "ENV_VAR names", "env_var-names"},
		{"hyphens kept", "a - b -- c", "a---b----c"},
		{"edges kept", "-- edge --", "---edge---"},
		{"brackets and quotes", `Step (1): "run" [it]`, "step-1-run-it"},
		{"cyrillic", "Привет, Мир", "привет-мир"},
		{"japanese", "コンテナ 入門", "コンテナ-入門"},
		{"accents", "Café Über", "café-über"},
		{"combining mark", "Cafe\u0301", "cafe\u0301"},
		{"digits", "2024 Roadmap", "2024-roadmap"},
		{"tab is dropped", "a\tb", "ab"},
		{"symbols", "C++ © 50% $HOME", "c--50-home"},
		{"circled letters are letters, as on GitHub", "Tools Ⓐ and ⓩ", "tools-ⓐ-and-ⓩ"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Slug(tt.in); got != tt.want {
				t.Errorf("Slug(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestHeadingIDs checks ids as rendered: duplicates numbered, explicit
// {#id} honoured, emoji-only headings still get an id.
func TestHeadingIDs(t *testing.T) {
	src := strings.Join([]string{
		"# 🐳 Docker",
		"## Setup",
		"## Setup",
		"## ⚙️ Setup",
		"## Custom {#my-id}",
		"## 🚀",
		"## 🚀",
		"### Привет",
		"## Setup-1",
	}, "\n\n")
	md := New(Options{})
	doc := md.Parse([]byte(src))
	var got []string
	for _, h := range Headings(doc, []byte(src)) {
		got = append(got, h.ID)
	}
	want := []string{"-docker", "setup", "setup-1", "-setup", "my-id", "section", "section-1", "привет", "setup-1-1"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("ids of\n%s\n= %q\nwant %q", src, got, want)
	}
	var out bytes.Buffer
	if err := md.Render(&out, []byte(src), doc); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `<h2 id="my-id">Custom</h2>`) {
		t.Errorf("explicit id not rendered: %s", out.String())
	}
}

func TestMkDocsSlug(t *testing.T) {
	tests := []struct{ in, want string }{
		{"users / usersFile", "users-usersfile"},
		{"Example of Depth & X-Forwarded-For", "example-of-depth-x-forwarded-for"},
		{"resourceAttributes", "resourceattributes"},
		{"Café au lait", "cafe-au-lait"},
		{"🐳 Docker", "docker"},
		{"Привет", ""},
		{"a -- b", "a-b"},
		{"snake_case name", "snake_case-name"},
	}
	for _, tt := range tests {
		if got := MkDocsSlug(tt.in); got != tt.want {
			t.Errorf("MkDocsSlug(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestToolIDs: in a tree another tool builds, a heading also answers to
// the id that tool gives it, repeats numbered its way (MkDocs "_1" from
// the ids the page holds, explicit ones too; VitePress "-1"); other trees
// get GitHub's ids only, which every tree keeps.
func TestToolIDs(t *testing.T) {
	for _, tt := range []struct {
		name, src string
		opt       Options
		want      []string
		absent    []string
	}{
		{"mkdocs", "## users / usersFile\n\n## resourceAttributes\n\n## resourceAttributes\n\n## Привет\n\n## Custom {#_1}\n", Options{MkDocsIDs: true},
			[]string{`<h2 id="users--usersfile">`, `<a id="users-usersfile">`, `<a id="resourceattributes_1">`, `<a id="_2">`}, nil},
		{"github beside mkdocs", "## users / usersFile\n\n## resourceAttributes\n\n## resourceAttributes\n", Options{},
			[]string{`<h2 id="users--usersfile">`}, []string{`<a id="users-usersfile">`, `<a id="resourceattributes_1">`}},
		{"vitepress", "## 2. Setup\n\n## Coolify's magic\n\n## Coolify's magic\n", Options{VitePressIDs: true},
			[]string{`<h2 id="2-setup">`, `<a id="_2-setup">`, `<a id="coolify-s-magic">`, `<a id="coolify-s-magic-1">`}, nil},
		{"github beside vitepress", "## 2. Setup\n\n## Coolify's magic\n", Options{},
			[]string{`<h2 id="2-setup">`}, []string{`<a id="_2-setup">`, `<a id="coolify-s-magic">`}},
	} {
		md := New(tt.opt)
		var out bytes.Buffer
		if err := md.Render(&out, []byte(tt.src), md.Parse([]byte(tt.src))); err != nil {
			t.Fatal(err)
		}
		for _, w := range tt.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("%s: %s missing from\n%s", tt.name, w, out.String())
			}
		}
		for _, w := range tt.absent {
			if strings.Contains(out.String(), w) {
				t.Errorf("%s: %s in\n%s", tt.name, w, out.String())
			}
		}
	}
}

func TestVitePressSlug(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2. Login to your server via SSH", "_2-login-to-your-server-via-ssh"},
		{"Coolify's Magic Environment Variables", "coolify-s-magic-environment-variables"},
		{"snake_case name", "snake-case-name"},
		{"users / usersFile", "users-usersfile"},
		{"Café au lait", "cafe-au-lait"},
		{"Привет, Мир", "привет-мир"},
		{"🐳 Docker", "🐳-docker"},
		{"-- edge --", "edge"},
		{"“Quoted” (text)?", "quoted-text"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := VitePressSlug(tt.in); got != tt.want {
			t.Errorf("VitePressSlug(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzSlug(f *testing.F) {
	for _, s := range []string{"🔰 Container Fundamentals", "1️⃣ x", "a--b", "Привет"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s := Slug(in)
		if strings.ContainsAny(s, " \t\n#") {
			t.Fatalf("Slug(%q) = %q", in, s)
		}
		if Slug(s) != s {
			t.Fatalf("Slug is not idempotent on %q: %q then %q", in, s, Slug(s))
		}
	})
}

// TestDefinitionLists: "term" then ": definition" is a definition list
// where the tree's tool reads one (Hugo, MkDocs with def_list), with ids
// for its terms where Hugo gives them, numbered after the headings; as
// GitHub reads it otherwise.
func TestDefinitionLists(t *testing.T) {
	src := "## publishDir\n\n`publishDir`\n: Where the site goes.\n\nbaseURL\n: The site's address.\n"
	for _, tt := range []struct {
		name        string
		opt         Options
		want, avoid []string
	}{
		{"github", Options{}, []string{"<p><code>publishDir</code>\n: Where the site goes.</p>"}, []string{"<dl>"}},
		{"lists", Options{DefinitionLists: true}, []string{"<dl>", "<dt><code>publishDir</code></dt>", "<dd>Where the site goes.</dd>"}, []string{`<dt id=`}},
		{"lists with term ids", Options{DefinitionLists: true, TermIDs: true}, []string{`<h2 id="publishdir">`, `<dt id="publishdir-1"><code>publishDir</code></dt>`, `<dt id="baseurl">baseURL</dt>`}, nil},
		{"term ids need lists", Options{TermIDs: true}, nil, []string{"<dl>", `id="baseurl"`}},
	} {
		md := New(tt.opt)
		var out bytes.Buffer
		if err := md.Render(&out, []byte(src), md.Parse([]byte(src))); err != nil {
			t.Fatal(err)
		}
		for _, w := range tt.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("%s: %q missing from\n%s", tt.name, w, out.String())
			}
		}
		for _, w := range tt.avoid {
			if strings.Contains(out.String(), w) {
				t.Errorf("%s: %q in\n%s", tt.name, w, out.String())
			}
		}
	}
}
