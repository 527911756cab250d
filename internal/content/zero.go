package content

import (
	"encoding/json"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/BurntSushi/toml"
	"gopkg.in/yaml.v3"

	"github.com/shipshape/shipshape/internal/diag"
)

// Zero configuration: a folder that another documentation tool builds says
// where its pages are and how they are ordered. Load reads that instead of
// asking for a configuration file.
//
//   - mkdocs.yml: docs_dir (default "docs") is the content root, site_name
//     the site's title, and nav the order and names of pages.
//   - VitePress keeps its configuration in .vitepress/ of its project
//     folder (the folder given, or its docs/) and its pages there too, or
//     in the srcDir its configuration names; public/ of that folder is
//     served at the site's root.
//   - Starlight (astro.config.*) keeps pages in src/content/docs;
//     Docusaurus (docusaurus.config.*) in docs; Hugo (hugo.toml,
//     config/_default/) in content, and serves static/ at the site's root.

// tree is what a folder's own tool configuration says about it.
type treeConfig struct {
	Root  string // content root, a folder inside the one given
	Title string
	Nav   []navEntry
	Tool  string // "mkdocs", "vitepress", "starlight", "docusaurus", "hugo"
	File  string // the configuration file, for messages
	// Locales are the languages of MkDocs' i18n plugin when it keeps a
	// page's translations side by side (page.de.md), the default first.
	Locales []string
	// Public is the folder, relative to the one given, whose files the
	// tool serves at the site's root ("/img/a.png" is static/img/a.png).
	Public string
	// Base is the URL path the tool serves pages under, so that a link
	// written "/docs/intro" means the page intro: "docs/" for Docusaurus.
	Base string
	// Others maps the URL paths of the tool's other page folders ("u/")
	// to the folders on disk: their pages are not in this site, but a
	// link to them is not broken.
	Others map[string]string
	// Markup is how the tool reads Markdown where it departs from GitHub.
	Markup Markup
}

// Markup is how a tree's tool reads Markdown beyond GitHub's: definition
// lists ("term" then ": definition", Hugo's default and MkDocs' def_list
// extension), and ids for their terms (Hugo's autoDefinitionTermID), which
// links are written for.
type Markup struct {
	DefinitionLists bool
	TermIDs         bool
	// CasedPaths: the tool serves a page at its path as written, not in
	// lower case as Hugo does unless disablePathToLower.
	CasedPaths bool
	// LinkHook is the site's own template that renders every link (Hugo's
	// layouts/_markup/render-link.html), relative to the tree, or "": it
	// may give a link whose address is a bare word ([IANA](g)) any
	// address, which no check can know.
	LinkHook string
	// IDHooks is the first of MkDocs' hooks (Python run at build time),
	// which may give a page ids no heading has (#config.blog_dir), or "".
	IDHooks string
	// Includes: MkDocs' include-markdown plugin is on, so a paragraph
	// {% include "file.md" %} is that file's Markdown, read from the
	// including page's folder.
	Includes bool
}

// docusaurusPlugin finds the extra docs folders a Docusaurus configuration
// declares: path: "unversioned", routeBasePath: "u".
var docusaurusPlugin = regexp.MustCompile(`path:\s*["']([\w./-]+)["'],\s*routeBasePath:\s*["']/?([\w/-]+)["']`)

// navEntry is one page of an mkdocs.yml nav, in reading order.
type navEntry struct {
	Path  string // relative to the docs folder: "guide/install.md"
	Title string // "" when the nav gives the file alone
}

// Tool names the documentation tool whose configuration dir holds
// ("mkdocs", "docusaurus", "starlight"), or "": such a folder is a content
// folder with zero configuration.
func Tool(dir string) string {
	if tc, _ := detect(dir); tc != nil {
		return tc.Tool
	}
	return ""
}

// detect looks for another tool's configuration in dir.
func detect(dir string) (*treeConfig, diag.List) {
	if b, err := os.ReadFile(filepath.Join(dir, "mkdocs.yml")); err == nil {
		return mkdocs(filepath.Join(dir, "mkdocs.yml"), b)
	}
	has := func(glob string) bool {
		m, _ := filepath.Glob(filepath.Join(dir, glob))
		return len(m) > 0
	}
	isDir := func(p string) bool {
		st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(p)))
		return err == nil && st.IsDir()
	}
	if tc := vitePress(dir); tc != nil {
		return tc, nil
	}
	switch {
	case hugo(has, isDir):
		return hugoSite(dir), nil
	case has("astro.config.*") && isDir("src/content/docs"):
		return &treeConfig{Root: "src/content/docs", Tool: "starlight", Public: "public"}, nil
	case has("docusaurus.config.*") && isDir("docs"):
		tc := &treeConfig{Root: "docs", Tool: "docusaurus", Public: "static", Base: "docs/", Others: map[string]string{}}
		m, _ := filepath.Glob(filepath.Join(dir, "docusaurus.config.*"))
		if b, err := os.ReadFile(m[0]); err == nil {
			for _, g := range docusaurusPlugin.FindAllStringSubmatch(string(b), -1) {
				if g[1] != "docs" && isDir(g[1]) {
					tc.Others[strings.Trim(g[2], "/")+"/"] = filepath.Join(dir, filepath.FromSlash(g[1]))
				}
			}
		}
		return tc, nil
	}
	return nil, nil
}

// viteSrcDir is the srcDir a VitePress configuration sets: srcDir: 'src'.
var viteSrcDir = regexp.MustCompile("\\bsrcDir:\\s*[\"'`]\\.?/?([\\w./-]*?)/?[\"'`]")

// vitePress reads a VitePress site in dir: its project folder (where
// .vitepress/ is) is dir or dir/docs, and its pages are there or in the
// srcDir the configuration names, relative to it. Links starting with /
// are read from that folder, whose public/ is served at the site's root.
func vitePress(dir string) *treeConfig {
	for _, project := range []string{".", "docs"} {
		m, _ := filepath.Glob(filepath.Join(dir, project, ".vitepress", "config.*"))
		if len(m) == 0 {
			continue
		}
		src := project
		if b, err := os.ReadFile(m[0]); err == nil {
			if g := viteSrcDir.FindSubmatch(b); g != nil && !strings.HasPrefix(path.Clean(string(g[1])), "..") {
				src = path.Join(project, string(g[1]))
			}
		}
		if st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(src))); err != nil || !st.IsDir() {
			src = project
		}
		return &treeConfig{Root: src, Tool: "vitepress", Public: path.Join(src, "public")}
	}
	return nil
}

// hugoSite reads a Hugo site's configuration for what shapes the tree:
// the folder its pages are in (a module mount onto content, the default
// language's contentDir, or contentDir; content/ if none), and how it
// reads Markdown (definition lists unless turned off; ids for their terms
// when autoDefinitionTermID says so).
func hugoSite(dir string) *treeConfig {
	conf := hugoConfig(dir)
	tc := &treeConfig{Root: "content", Tool: "hugo", Public: "static", Markup: Markup{DefinitionLists: true}}
	if v, ok := lookupCI(conf, "markup", "goldmark", "parser", "autoDefinitionTermID").(bool); ok && v {
		tc.Markup.TermIDs = true
	}
	if v, ok := lookupCI(conf, "markup", "goldmark", "extensions", "definitionList").(bool); ok && !v {
		tc.Markup.DefinitionLists = false
	}
	if v, ok := lookupCI(conf, "disablePathToLower").(bool); ok && v {
		tc.Markup.CasedPaths = true
	}
	for _, hook := range []string{"layouts/_markup/render-link.html", "layouts/_default/_markup/render-link.html"} {
		if st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(hook))); err == nil && st.Mode().IsRegular() {
			tc.Markup.LinkHook = hook
			break
		}
	}
	lang, _ := lookupCI(conf, "defaultContentLanguage").(string)
	if lang == "" {
		lang = "en"
	}
	root := ""
	var mounts []map[string]any
	switch ms := lookupCI(conf, "module", "mounts").(type) {
	case []map[string]any: // TOML's array of tables
		mounts = ms
	case []any:
		for _, m := range ms {
			if mm, ok := m.(map[string]any); ok {
				mounts = append(mounts, mm)
			}
		}
	}
	for _, mm := range mounts {
		src, _ := lookupCI(mm, "source").(string)
		if target, _ := lookupCI(mm, "target").(string); strings.Trim(target, "/") == "content" && src != "" {
			root = src
			break
		}
	}
	if root == "" {
		root, _ = lookupCI(conf, "languages", lang, "contentDir").(string)
	}
	if root == "" {
		root, _ = lookupCI(conf, "contentDir").(string)
	}
	if root = path.Clean(filepath.ToSlash(root)); root != "." && !path.IsAbs(root) && !strings.HasPrefix(root, "../") {
		if st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(root))); err == nil && st.IsDir() {
			tc.Root = root
		}
	}
	return tc
}

// hugoConfig merges a Hugo site's configuration files into one map: the
// site file (hugo.*, or the older config.*) and config/_default/, whose
// files other than hugo.* and config.* hold the key they are named for
// (markup.toml is [markup]). TOML, YAML and JSON alike.
func hugoConfig(dir string) map[string]any {
	conf := map[string]any{}
	read := func(file string) map[string]any {
		b, err := os.ReadFile(file)
		if err != nil || len(b) > 1<<20 {
			return nil
		}
		var m map[string]any
		switch filepath.Ext(file) {
		case ".toml":
			_ = toml.Unmarshal(b, &m)
		case ".yaml", ".yml":
			_ = yaml.Unmarshal(b, &m)
		case ".json":
			_ = json.Unmarshal(b, &m)
		}
		return m
	}
	for _, g := range []string{"config.*", "hugo.*", "config/_default/*"} {
		files, _ := filepath.Glob(filepath.Join(dir, g))
		for _, f := range files {
			m := read(f)
			if m == nil {
				continue
			}
			if name := strings.TrimSuffix(filepath.Base(f), filepath.Ext(f)); filepath.Base(filepath.Dir(f)) == "_default" && name != "hugo" && name != "config" {
				m = map[string]any{name: m}
			}
			for k, v := range m {
				conf[k] = v
			}
		}
	}
	return conf
}

// lookupCI follows keys through nested maps, ignoring case as Hugo does;
// nil where one is missing.
func lookupCI(m map[string]any, keys ...string) any {
	var cur any = m
	for _, k := range keys {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = nil
		for kk, v := range mm {
			if strings.EqualFold(kk, k) {
				cur = v
				break
			}
		}
	}
	return cur
}

// hugo reports whether a folder is a Hugo site: its pages in content/ and
// its configuration in hugo.toml (.yaml, .json), in config/_default/, or in
// the older config.toml beside a folder only Hugo sites have.
func hugo(has func(glob string) bool, isDir func(string) bool) bool {
	if !isDir("content") {
		return false
	}
	return has("hugo.*") || isDir("config/_default") ||
		has("config.*") && (isDir("archetypes") || isDir("layouts") || isDir("themes"))
}

// mkdocs reads the keys of an mkdocs.yml that shape a site. The file is read
// as a YAML tree, not into a struct: MkDocs files carry Python tags
// (!!python/name:...) that only matter to MkDocs.
func mkdocs(file string, b []byte) (*treeConfig, diag.List) {
	tc := &treeConfig{Root: "docs", Tool: "mkdocs", File: file}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		d := yamlError(file, err)
		d.Line-- // no front matter fence above it
		d.Severity = diag.Warning
		d.Message = "mkdocs.yml: " + strings.TrimPrefix(d.Message, "front matter: ") + "; using docs/"
		return tc, diag.List{d}
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return tc, nil
	}
	m := doc.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i].Value, m.Content[i+1]
		switch k {
		case "docs_dir":
			if v.Kind == yaml.ScalarNode && v.Value != "" {
				tc.Root = path.Clean(filepath.ToSlash(v.Value))
			}
		case "site_name":
			if v.Kind == yaml.ScalarNode {
				tc.Title = v.Value
			}
		case "nav":
			tc.Nav = navEntries(v, nil)
		case "plugins":
			tc.Locales = suffixLocales(v)
			tc.Markup.Includes = hasExtension(v, "include-markdown")
		case "markdown_extensions":
			tc.Markup.DefinitionLists = hasExtension(v, "def_list")
		case "hooks":
			if v.Kind == yaml.SequenceNode && len(v.Content) > 0 && v.Content[0].Kind == yaml.ScalarNode {
				tc.Markup.IDHooks = v.Content[0].Value
			}
		}
	}
	return tc, nil
}

// hasExtension says whether MkDocs' markdown_extensions list names ext,
// alone ("- def_list") or with options ("- def_list: {}").
func hasExtension(list *yaml.Node, ext string) bool {
	if list.Kind != yaml.SequenceNode {
		return false
	}
	for _, it := range list.Content {
		if it.Kind == yaml.ScalarNode && it.Value == ext || it.Kind == yaml.MappingNode && len(it.Content) > 0 && it.Content[0].Value == ext {
			return true
		}
	}
	return false
}

// suffixLocales reads the languages of mkdocs-static-i18n when its
// docs_structure is "suffix" (its default): page.md, page.de.md. The
// default language comes first; nil when the plugin is not there.
func suffixLocales(plugins *yaml.Node) []string {
	if plugins.Kind != yaml.SequenceNode {
		return nil
	}
	for _, it := range plugins.Content {
		if it.Kind != yaml.MappingNode || len(it.Content) < 2 || it.Content[0].Value != "i18n" {
			continue
		}
		conf := it.Content[1]
		var locales []string
		for i := 0; i+1 < len(conf.Content); i += 2 {
			k, v := conf.Content[i].Value, conf.Content[i+1]
			switch {
			case k == "docs_structure" && v.Value != "suffix":
				return nil
			case k == "languages" && v.Kind == yaml.SequenceNode:
				for _, lang := range v.Content {
					var locale string
					def := false
					for j := 0; j+1 < len(lang.Content); j += 2 {
						switch lang.Content[j].Value {
						case "locale":
							locale = lang.Content[j+1].Value
						case "default":
							def = lang.Content[j+1].Value == "true"
						}
					}
					if locale == "" {
						continue
					}
					if def {
						locales = append([]string{locale}, locales...)
					} else {
						locales = append(locales, locale)
					}
				}
			}
		}
		return locales
	}
	return nil
}

// navEntries flattens an mkdocs nav: a list whose items are "file.md",
// {Title: file.md} or {Section: [items]}. Links to other sites are left out.
func navEntries(n *yaml.Node, out []navEntry) []navEntry {
	if n.Kind != yaml.SequenceNode {
		return out
	}
	for _, it := range n.Content {
		switch it.Kind {
		case yaml.ScalarNode:
			out = appendNav(out, it.Value, "")
		case yaml.MappingNode:
			for i := 0; i+1 < len(it.Content); i += 2 {
				title, v := it.Content[i].Value, it.Content[i+1]
				if v.Kind == yaml.ScalarNode {
					out = appendNav(out, v.Value, title)
				} else {
					out = navEntries(v, out)
				}
			}
		}
	}
	return out
}

func appendNav(out []navEntry, p, title string) []navEntry {
	if p == "" || strings.Contains(p, "://") {
		return out
	}
	return append(out, navEntry{Path: path.Clean(strings.TrimPrefix(p, "/")), Title: title})
}

// applyNav orders pages as the nav lists them and names them as it does.
// Pages the nav leaves out keep their own order after the listed ones.
func applyNav(pages []*Page, nav []navEntry) {
	at := map[string]int{}
	for i, e := range nav {
		if _, ok := at[e.Path]; !ok {
			at[e.Path] = i
		}
	}
	for _, p := range pages {
		i, ok := at[p.Path]
		if !ok {
			continue
		}
		p.Weight = i + 1
		if t := nav[i].Title; t != "" && t != p.Title {
			p.Label = t
		}
	}
}

// sectionWeights gives a folder without an index page of its own the
// weight of its first page, so that an ordered nav keeps folders in place.
func sectionWeights(s *Section) int {
	first := 0
	consider := func(w int) {
		if w != 0 && (first == 0 || w < first) {
			first = w
		}
	}
	for _, p := range s.Pages {
		consider(p.Weight)
	}
	for _, c := range s.Sections {
		consider(sectionWeights(c))
	}
	if s.Index != nil {
		consider(s.Index.Weight)
	}
	if s.Weight == 0 {
		s.Weight = first
	}
	return s.Weight
}

// gitRoot is the work tree holding dir, or "".
func gitRoot(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}
