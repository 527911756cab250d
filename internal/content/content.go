// Package content walks a content folder into pages, front matter and the
// navigation tree. It knows nothing about HTML.
package content

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/shipshape/shipshape/internal/diag"
)

// Page is one Markdown file.
type Page struct {
	Path        string // slash path relative to the content root: "basics/first.md"
	File        string // path for messages: the content root joined with Path
	URL         string // site path: "/basics/first/"
	Section     string // slash path of the folder: "basics" ("" at the root)
	Title       string
	Label       string // the title in navigation when it differs: sidebar_label, an mkdocs.yml nav entry, a told-apart twin
	Description string
	Weight      int
	Draft       bool
	IsIndex     bool   // index.md or _index.md: the section's own page
	Body        []byte // Markdown after the front matter
	BodyLine    int    // line in File of Body's first line
	Params      map[string]any
	// Tool is the tool that builds the page's tree ("mkdocs", "hugo",
	// ...), "" for shipshape's own: how lenient a reading must be.
	Tool string
}

// Section is a folder of pages.
type Section struct {
	Path     string // slash path: "" for the root
	Title    string
	Weight   int
	Index    *Page // the folder's index page, if any
	Pages    []*Page
	Sections []*Section
}

// NavTitle is the page's name in navigation: its Label, else its Title.
func (p *Page) NavTitle() string {
	if p.Label != "" {
		return p.Label
	}
	return p.Title
}

// Site is a loaded content folder.
type Site struct {
	Root string
	// Repo is the folder the site's files may reach outside Root (images in
	// a repository's root): the git work tree holding Root, or the folder
	// Load was given when the content lives deeper in it. "" when unknown.
	Repo string
	// Title is the site's name when the tree says it (mkdocs.yml site_name).
	Title string
	// Public is a folder on disk whose files the tree's own tool serves at
	// the site's root (Docusaurus static/, Starlight public/), or "".
	Public string
	// Base is the URL path the tree's tool serves pages under ("docs/"), or "".
	Base string
	// Others maps URL paths the tree's tool serves other page folders
	// under ("u/") to those folders on disk.
	Others map[string]string
	// Tool is the tool whose configuration the tree has ("mkdocs",
	// "docusaurus", "starlight"), or "" for shipshape's own.
	Tool string
	// Locales are the languages whose translations sit beside a page
	// (page.de.md), the default first: a link to page.md leads to the
	// linking page's own language. nil for most trees.
	Locales []string
	// Markup is how the tree's tool reads Markdown beyond GitHub's.
	Markup Markup
	Pages  []*Page  // every page in reading order (sections depth first)
	Static []string // slash paths of the other files, copied as they are
	Tree   *Section
	Diags  diag.List
}

// Options change what Load keeps.
type Options struct {
	Drafts bool // keep pages with draft: true
	// Name is how the root is written in messages and in Page.File, such as
	// "content" when root is an absolute path to it; default root itself.
	Name string
}

// frontMatter is what a page may say about itself, in our keys and in those
// of Docusaurus and Starlight (sidebar_position, sidebar_label) and Just the
// Docs (nav_order).
type frontMatter struct {
	Title           string         `yaml:"title"`
	Description     string         `yaml:"description"`
	Weight          int            `yaml:"weight"`
	Draft           bool           `yaml:"draft"`
	SidebarPosition any            `yaml:"sidebar_position"`
	NavOrder        any            `yaml:"nav_order"`
	SidebarLabel    any            `yaml:"sidebar_label"`
	Params          map[string]any `yaml:",inline"`
}

// position turns a sidebar_position or nav_order into a weight: 0 stays
// meaningful (it sorts first), fractions round up.
func position(v any) int {
	var f float64
	switch n := v.(type) {
	case int:
		f = float64(n)
	case float64:
		f = n
	case string:
		if _, err := fmt.Sscanf(n, "%g", &f); err != nil {
			return 0
		}
	default:
		return 0
	}
	w := int(math.Ceil(f)) + 1
	if w == 0 {
		w = -1 // 0 would mean "not set"
	}
	return w
}

// Load reads every Markdown file under root. Problems in single files are
// collected in Site.Diags and the file is left out; only an unreadable root
// is an error.
func Load(root string, opt Options) (*Site, error) {
	name0 := opt.Name
	if name0 == "" {
		name0 = root
	}
	s := &Site{Root: root, Repo: gitRoot(root)}
	tc, ds := detect(root)
	s.Diags = append(s.Diags, ds...)
	if tc == nil {
		// pointed at the docs folder of a tree another tool builds: its
		// configuration one folder up still says how links are served
		parent := filepath.Dir(filepath.Clean(root))
		if up, _ := detect(parent); up != nil && filepath.Join(parent, filepath.FromSlash(up.Root)) == filepath.Clean(root) {
			s.Title, s.Base, s.Others, s.Tool, s.Locales, s.Markup = up.Title, up.Base, up.Others, up.Tool, up.Locales, up.Markup
			if up.Public != "" {
				s.Public = filepath.Join(parent, filepath.FromSlash(up.Public))
			}
			if s.Repo == "" {
				s.Repo = parent
			}
			if len(up.Nav) > 0 {
				tc = &treeConfig{Nav: up.Nav}
			}
		}
	}
	if tc != nil && tc.Tool != "" {
		if s.Repo == "" {
			s.Repo = root
		}
		s.Title, s.Base, s.Others, s.Tool, s.Locales, s.Markup = tc.Title, tc.Base, tc.Others, tc.Tool, tc.Locales, tc.Markup
		if tc.Public != "" {
			s.Public = filepath.Join(root, filepath.FromSlash(tc.Public))
		}
		root = filepath.Join(root, filepath.FromSlash(tc.Root))
		name0 = filepath.Join(name0, filepath.FromSlash(tc.Root))
		s.Root = root
		d := diag.Diagnostic{File: name0, Severity: diag.Info, Rule: "content-root",
			Message: fmt.Sprintf("%s tree: pages are read from %s", tc.Tool, name0)}
		if tc.File != "" {
			d.File = filepath.Join(opt.Name, "mkdocs.yml")
			if opt.Name == "" {
				d.File = tc.File
			}
		}
		s.Diags = append(s.Diags, d)
	}
	var pages []*Page
	// nested maps the content folders of tools configured inside the
	// tree (a repository whose docs/mkdocs.yml reads docs/content) to
	// their tool: a page there is read as that tool reads it.
	nested := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		name := d.Name()
		if rel != "." && strings.HasPrefix(name, ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() && rel != "." {
			if why := notPages(p, name); why != "" {
				s.Diags = append(s.Diags, diag.Diagnostic{File: filepath.Join(name0, filepath.FromSlash(rel)), Severity: diag.Info, Rule: "content-skipped",
					Message: why + ": not read as pages"})
				return filepath.SkipDir
			}
		}
		if d.IsDir() {
			if s.Tool == "" && rel != "." {
				if sub, _ := detect(p); sub != nil {
					nested[filepath.Join(p, filepath.FromSlash(sub.Root))] = sub.Tool
				}
			}
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 && !Inside(root, p) {
			s.Diags = append(s.Diags, diag.Warnf(filepath.Join(name0, filepath.FromSlash(rel)), 0,
				"symbolic link to a folder, to nothing or out of the content folder: not published"))
			return nil
		}
		if ext := path.Ext(name); !strings.EqualFold(ext, ".md") && !strings.EqualFold(ext, ".mdx") {
			s.Static = append(s.Static, rel)
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			s.Diags = append(s.Diags, diag.Errorf(p, 0, "read: %v", err))
			return nil
		}
		tool := s.Tool
		for dir := filepath.Dir(p); tool == "" && len(dir) > len(root); dir = filepath.Dir(dir) {
			tool = nested[dir]
		}
		pg, ds := parse(filepath.Join(name0, filepath.FromSlash(rel)), rel, b, tool)
		s.Diags = append(s.Diags, ds...)
		if pg == nil || (pg.Draft && !opt.Drafts) {
			return nil
		}
		pages = append(pages, pg)
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) && !exists(root) {
		return nil, fmt.Errorf("no content folder %s: give --source FOLDER, set source in %s, or run in a folder MkDocs, Docusaurus or Starlight builds", name0, "shipshape.toml")
	}
	if err != nil {
		return nil, fmt.Errorf("load content: %w", err)
	}
	if tc != nil && len(tc.Nav) > 0 {
		applyNav(pages, tc.Nav)
	}
	s.Tree = tree(pages)
	if tc != nil && len(tc.Nav) > 0 {
		for _, c := range s.Tree.Sections {
			sectionWeights(c)
		}
		sortSection(s.Tree)
	}
	s.Pages = order(s.Tree)
	return s, nil
}

// notPages says why the folder dir (named name) holds no pages of the
// tree, or "": the packages a project installs (npm's node_modules, Go's
// vendor folder, Bundler's vendor/bundle) and the site Jekyll wrote
// (_site beside its _config.yml). Repositories commit them, and their
// Markdown is other projects' READMEs or copies of the pages: read, it
// made errors the tree's authors cannot fix, and a site of someone
// else's files.
func notPages(dir, name string) string {
	switch {
	case name == "node_modules":
		return "npm's installed packages"
	case name == "vendor" && exists(filepath.Join(dir, "modules.txt")):
		return "Go's vendored modules"
	case name == "bundle" && filepath.Base(filepath.Dir(dir)) == "vendor":
		return "Bundler's installed gems"
	case name == "_site" && (exists(filepath.Join(filepath.Dir(dir), "_config.yml")) || exists(filepath.Join(filepath.Dir(dir), "_config.toml"))):
		return "the site Jekyll built"
	}
	return ""
}

// Inside reports whether p, every symbolic link on its way followed,
// names a file (not a folder) inside root: only such a file is read for
// a page (a link, an include), so that docs from strangers cannot
// publish a file of the machine that builds them.
func Inside(root, p string) bool {
	target, err := filepath.EvalSymlinks(p)
	if err != nil {
		return false
	}
	fi, err := os.Stat(target)
	if err != nil || fi.IsDir() {
		return false
	}
	r, err := filepath.EvalSymlinks(root)
	if err != nil {
		return false
	}
	rel, err := filepath.Rel(r, target)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
}

// Parse turns one file's bytes into a page. It returns nil and the reasons
// when the file cannot become a page.
func Parse(file, rel string, b []byte) (*Page, diag.List) {
	return parse(file, rel, b, "")
}

// parse is Parse for a page of a tree the given tool builds ("" for
// shipshape's own).
func parse(file, rel string, b []byte, tool string) (*Page, diag.List) {
	var ds diag.List
	if !utf8.Valid(b) {
		ds = append(ds, invalidUTF8(file, b))
		return nil, ds
	}
	b, warn := Repair(b)
	if warn != nil {
		warn.File = file
		ds = append(ds, *warn)
	}
	b = bytes.TrimPrefix(b, []byte("\ufeff"))
	pg := &Page{Path: rel, File: file, BodyLine: 1, Tool: tool}
	pg.Section, pg.URL, pg.IsIndex = place(rel)
	body, fm, fmLines, ok := splitFrontMatter(b)
	if !ok && tool == "mkdocs" {
		// MkDocs reads front matter only when it is closed; a page
		// that opens with a lone --- (traefik's included snippets)
		// starts with a thematic break.
		body, ok = b, true
	}
	if !ok {
		ds = append(ds, diag.Errorf(file, 1, "front matter opened with --- is never closed"))
		return nil, ds
	}
	var m frontMatter
	if err := yaml.Unmarshal(fm, &m); err != nil && tool == "mkdocs" {
		// MkDocs ignores front matter it cannot read, with no error:
		// the page keeps its --- lines and renders them as text.
		d := yamlError(file, err)
		d.Severity = diag.Warning
		d.Message += "; MkDocs ignores front matter it cannot read and shows these lines as text"
		ds = append(ds, d)
		fm, body = nil, b
	} else if err != nil {
		ds = append(ds, yamlError(file, err))
		return nil, ds
	}
	if fm != nil {
		pg.Title, pg.Description, pg.Weight, pg.Draft, pg.Params = m.Title, m.Description, m.Weight, m.Draft, m.Params
		if pg.Weight == 0 {
			pg.Weight = position(m.SidebarPosition)
		}
		if pg.Weight == 0 {
			pg.Weight = position(m.NavOrder)
		}
		if m.SidebarLabel != nil {
			pg.Label = fmt.Sprint(m.SidebarLabel)
		}
		pg.BodyLine = fmLines + 1
	}
	if strings.EqualFold(path.Ext(rel), ".mdx") {
		var dropped, first int
		body, dropped, first = StripMDX(body)
		if dropped > 0 {
			d := diag.Warnf(file, pg.BodyLine-1+first, "MDX: %d lines of import, export and JSX components left out; the rest is rendered as Markdown", dropped)
			d.Rule = "mdx"
			ds = append(ds, d)
		}
	}
	pg.Body = body
	if pg.Title == "" {
		pg.Title = firstHeading(body)
	}
	if pg.Title == "" {
		pg.Title = humanize(strings.TrimSuffix(path.Base(rel), path.Ext(rel)))
		if pg.IsIndex {
			pg.Title = humanize(path.Base(pg.Section))
		}
	}
	return pg, ds
}

// splitFrontMatter separates a leading "---" YAML block. fmLines is how many
// lines the block took, fences included. ok is false for an unclosed block.
func splitFrontMatter(b []byte) (body, fm []byte, fmLines int, ok bool) {
	if !bytes.HasPrefix(b, []byte("---\n")) && !bytes.HasPrefix(b, []byte("---\r\n")) {
		return b, nil, 0, true
	}
	rest := b[bytes.IndexByte(b, '\n')+1:]
	off := 0
	for line := 2; off <= len(rest); line++ {
		end := bytes.IndexByte(rest[off:], '\n')
		var l []byte
		if end < 0 {
			l = rest[off:]
		} else {
			l = rest[off : off+end]
		}
		if t := bytes.TrimRight(l, " \t\r"); string(t) == "---" || string(t) == "..." {
			fm = rest[:off]
			if end < 0 {
				return nil, fm, line, true
			}
			return rest[off+end+1:], fm, line, true
		}
		if end < 0 {
			break
		}
		off += end + 1
	}
	return nil, nil, 0, false
}

// yamlError turns a yaml.v3 error into a diagnostic at the file's line: the
// front matter starts on line 2.
func yamlError(file string, err error) diag.Diagnostic {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 1
	var n int
	if _, e := fmt.Sscanf(msg, "line %d:", &n); e == nil {
		line = n + 1
		msg = strings.TrimSpace(msg[strings.IndexByte(msg, ':')+1:])
	} else if te, ok := err.(*yaml.TypeError); ok && len(te.Errors) > 0 {
		msg = strings.Join(te.Errors, "; ")
		if _, e := fmt.Sscanf(te.Errors[0], "line %d:", &n); e == nil {
			line = n + 1
		}
	}
	return diag.Errorf(file, line, "front matter: %s", msg)
}

func invalidUTF8(file string, b []byte) diag.Diagnostic {
	line := 1
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 {
			return diag.Errorf(file, line, "invalid UTF-8 (byte 0x%02x); save the file as UTF-8", b[0])
		}
		if r == '\n' {
			line++
		}
		b = b[size:]
	}
	return diag.Errorf(file, line, "invalid UTF-8")
}

// place works out a page's section, URL and whether it is a section index.
func place(rel string) (section, url string, index bool) {
	dir := path.Dir(rel)
	if dir == "." {
		dir = ""
	}
	base := strings.TrimSuffix(path.Base(rel), path.Ext(rel))
	if base == "index" || base == "_index" || strings.EqualFold(base, "readme") {
		if dir == "" {
			return "", "/", true
		}
		return dir, "/" + dir + "/", true
	}
	if dir == "" {
		return "", "/" + base + "/", false
	}
	return dir, "/" + dir + "/" + base + "/", false
}

func firstHeading(body []byte) string {
	inFence := false
	for _, l := range strings.Split(string(body), "\n") {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~") {
			inFence = !inFence
			continue
		}
		if !inFence && strings.HasPrefix(t, "# ") {
			return CleanTitle(strings.TrimSpace(strings.Trim(strings.TrimSpace(t[2:]), "#")))
		}
	}
	return ""
}

func humanize(s string) string {
	s = strings.TrimLeft(s, "0123456789-_ ")
	s = strings.NewReplacer("-", " ", "_", " ").Replace(s)
	if s == "" {
		return "Home"
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// tree groups pages by folder, with index pages giving sections their title
// and weight.
func tree(pages []*Page) *Section {
	root := &Section{}
	secs := map[string]*Section{"": root}
	var get func(p string) *Section
	get = func(p string) *Section {
		if s, ok := secs[p]; ok {
			return s
		}
		s := &Section{Path: p, Title: humanize(path.Base(p))}
		secs[p] = s
		parent := path.Dir(p)
		if parent == "." {
			parent = ""
		}
		ps := get(parent)
		ps.Sections = append(ps.Sections, s)
		return s
	}
	for _, pg := range pages {
		s := get(pg.Section)
		if pg.IsIndex {
			s.Index = pg
			s.Title, s.Weight = pg.Title, pg.Weight
			continue
		}
		s.Pages = append(s.Pages, pg)
	}
	// A tree whose pages all live deep (src/content/docs/...) starts where
	// they do: folders holding nothing but one folder are not steps of the
	// navigation or the breadcrumbs.
	for root.Index == nil && len(root.Pages) == 0 && len(root.Sections) == 1 {
		only := root.Sections[0]
		root.Pages, root.Sections, root.Index = only.Pages, only.Sections, only.Index
	}
	sortSection(root)
	tellApart(root)
	return root
}

// tellApart gives siblings that share a title different names in
// navigation: the file or folder name is added, "Setup (linux)".
func tellApart(s *Section) {
	seen := map[string]int{}
	items := s.Items()
	name := func(it Item) string {
		if it.Page != nil {
			return strings.ToLower(it.Page.NavTitle())
		}
		return strings.ToLower(it.Section.Title)
	}
	for _, it := range items {
		seen[name(it)]++
	}
	for _, it := range items {
		if seen[name(it)] < 2 {
			continue
		}
		if p := it.Page; p != nil {
			base := strings.TrimSuffix(path.Base(p.Path), path.Ext(p.Path))
			if p.IsIndex {
				base = path.Base(p.Section)
			}
			p.Label = p.NavTitle() + " (" + base + ")"
		} else {
			it.Section.Title += " (" + path.Base(it.Section.Path) + ")"
		}
	}
	for _, c := range s.Sections {
		tellApart(c)
	}
}

func less(wa int, ta string, wb int, tb string) bool {
	// weight 0 means "not set" and sorts after every weighted entry
	if (wa == 0) != (wb == 0) {
		return wb == 0
	}
	if wa != wb {
		return wa < wb
	}
	return strings.ToLower(ta) < strings.ToLower(tb)
}

func sortSection(s *Section) {
	sort.SliceStable(s.Pages, func(i, j int) bool {
		return less(s.Pages[i].Weight, s.Pages[i].Title, s.Pages[j].Weight, s.Pages[j].Title)
	})
	sort.SliceStable(s.Sections, func(i, j int) bool {
		return less(s.Sections[i].Weight, s.Sections[i].Title, s.Sections[j].Weight, s.Sections[j].Title)
	})
	for _, c := range s.Sections {
		sortSection(c)
	}
}

// Items is a section's children, pages and subsections, in reading order.
type Item struct {
	Page    *Page
	Section *Section
}

// Items merges pages and subsections by weight then title.
func (s *Section) Items() []Item {
	items := make([]Item, 0, len(s.Pages)+len(s.Sections))
	for _, p := range s.Pages {
		items = append(items, Item{Page: p})
	}
	for _, c := range s.Sections {
		items = append(items, Item{Section: c})
	}
	key := func(it Item) (int, string) {
		if it.Page != nil {
			return it.Page.Weight, it.Page.Title
		}
		return it.Section.Weight, it.Section.Title
	}
	sort.SliceStable(items, func(i, j int) bool {
		wa, ta := key(items[i])
		wb, tb := key(items[j])
		return less(wa, ta, wb, tb)
	})
	return items
}

// order lists pages depth first: a section's index, then its items.
func order(s *Section) []*Page {
	var out []*Page
	var walk func(s *Section)
	walk = func(s *Section) {
		if s.Index != nil {
			out = append(out, s.Index)
		}
		for _, it := range s.Items() {
			if it.Page != nil {
				out = append(out, it.Page)
			} else {
				walk(it.Section)
			}
		}
	}
	walk(s)
	return out
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
