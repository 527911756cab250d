package site

import (
	"bytes"
	"fmt"
	"html"
	"html/template"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/shipshape/shipshape/internal/config"
	"github.com/shipshape/shipshape/internal/content"
	"github.com/shipshape/shipshape/internal/diag"
	"github.com/shipshape/shipshape/internal/highlight"
	"github.com/shipshape/shipshape/internal/markdown"
	"github.com/shipshape/shipshape/internal/project"
	"github.com/shipshape/shipshape/internal/snippet"
	theme "github.com/shipshape/shipshape/themes/default"
)

// pageData is what page.html sees.
type pageData struct {
	Site        config.Config
	Page        *content.Page
	IsHome      bool
	Is404       bool
	Generated   bool   // a page the site makes (the proof page): no breadcrumbs, footer or pager
	Title       string // the <title>
	Description string
	Rel         string // relative path from this page to the site root, ending in "/" or ""
	Content     template.HTML
	Sidebar     template.HTML
	TOC         []markdown.Heading // h2 and h3
	Crumbs      []crumb
	Prev, Next  *navLink
	EditURL     string
	Updated     string        // date of the last commit, "2006-01-02"
	Canonical   string        // absolute URL, when base_url is set
	Blocks      string        // what happened to the page's code blocks: "14 code blocks: 6 ran, 5 checked, 3 not code"
	Legend      template.HTML // what the badges on the page mean; empty on pages without badges
}

type navLink struct {
	Title string
	URL   string
}

// pageResult is one rendered page and what the rest of the build needs
// from it.
type pageResult struct {
	file     string // path in the site
	html     []byte // nil when the page failed to render
	ids      map[string]bool
	pending  []*pendingLink
	links    int
	sections []searchSection
	diags    diag.List
}

// page renders pages[idx] (or its reloaded copy p).
func (b *builder) page(p *content.Page, idx int) *pageResult {
	r := &pageResult{file: strings.TrimPrefix(p.URL, "/") + "index.html"}
	if b.tmpl == nil { // the site's own templates do not parse (reported once)
		return r
	}
	doc := b.md.Parse(p.Body)
	doc.AddMeta("\x00page", p)
	sn, ok := b.opt.Snippets[p.File]
	if !ok {
		var ds diag.List
		sn, ds = project.Page(b.opt.Config, p, doc)
		r.diags = append(r.diags, ds...)
	}
	byLine := make(map[int]snippet.Snippet, len(sn))
	for _, s := range sn {
		byLine[s.Line] = s
	}
	doc.AddMeta("\x00snippets", byLine)
	marks := map[string]int{} // filled by code() while rendering
	doc.AddMeta("\x00marks", marks)
	statuses := map[string]bool{} // data-status values of the page's badges
	doc.AddMeta("\x00statuses", statuses)
	for _, l := range markdown.Links(doc, p.Body) {
		r.links++
		pl, d := b.links.resolve(p, l)
		if d != nil {
			r.diags = append(r.diags, *d)
		}
		if pl != nil {
			r.pending = append(r.pending, pl)
		}
	}
	var toc []markdown.Heading
	for _, h := range markdown.Headings(doc, p.Body) {
		if h.Level == 2 || h.Level == 3 {
			toc = append(toc, h)
		}
	}
	r.sections = sections(p, doc, p.Body)
	var body bytes.Buffer
	body.Grow(len(p.Body) * 2)
	if err := b.md.Render(&body, p.Body, doc); err != nil {
		r.diags = append(r.diags, diag.Errorf(p.File, 0, "render: %v", err))
		return r
	}
	if b.site.Markup.Includes && bytes.Contains(body.Bytes(), []byte("{% include")) {
		expanded, ds := b.includes(p, body.Bytes(), 0)
		body.Reset()
		body.Write(expanded)
		r.diags = append(r.diags, ds...)
	}
	r.ids = anchors(body.Bytes())
	rel := relRoot(p.URL)
	cfg := b.opt.Config
	data := pageData{
		Site: cfg, Page: p, IsHome: p.URL == "/", Rel: rel,
		Title:       p.Title + " · " + cfg.Title,
		Description: p.Description,
		Content:     template.HTML(body.String()),
		Sidebar:     template.HTML(sidebar(b.site.Tree, p, rel)),
		TOC:         toc,
		Crumbs:      breadcrumbs(b.site.Tree, p, rel),
		EditURL:     editURL(cfg, p),
		Canonical:   absURL(cfg.BaseURL, p.URL),
		Blocks:      blockSummary(marks),
		Legend:      template.HTML(legend(statuses)),
	}
	if data.IsHome {
		data.Title = cfg.Title
	}
	if data.Description == "" {
		data.Description = cfg.Description
	}
	pages := b.site.Pages
	if idx > 0 {
		data.Prev = &navLink{pages[idx-1].Title, href(rel, pages[idx-1])}
	}
	if idx+1 < len(pages) {
		data.Next = &navLink{pages[idx+1].Title, href(rel, pages[idx+1])}
	}
	if t, ok := b.dates[p.Path]; ok {
		data.Updated = t.Format("2006-01-02")
	}
	var out bytes.Buffer
	out.Grow(body.Len() + 16<<10)
	if err := b.tmpl.ExecuteTemplate(&out, "page.html", data); err != nil {
		r.diags = append(r.diags, diag.Errorf(p.File, 0, "template: %v", err))
		return r
	}
	r.html = out.Bytes()
	return r
}

// editURL points at the page's source in the configured repository:
// repo_url/edit/edit_branch/<source>/<page>.
func editURL(cfg config.Config, p *content.Page) string {
	if cfg.RepoURL == "" {
		return ""
	}
	src := filepath.ToSlash(filepath.Clean(cfg.Source))
	if filepath.IsAbs(cfg.Source) {
		root, err := filepath.Abs(cfg.Root)
		if err != nil {
			return ""
		}
		rel, err := filepath.Rel(root, cfg.Source)
		if err != nil || strings.HasPrefix(rel, "..") {
			return ""
		}
		src = filepath.ToSlash(rel)
	}
	branch := cfg.EditBranch
	if branch == "" {
		branch = "main"
	}
	return strings.TrimSuffix(cfg.RepoURL, "/") + "/edit/" + branch + "/" + path.Join(src, p.Path)
}

func absURL(base, p string) string {
	if base == "" {
		return ""
	}
	return strings.TrimSuffix(base, "/") + p
}

// basePath is the path part of base_url, for pages served at any depth
// (404.html): "/" when unset.
func basePath(base string) string {
	u, err := url.Parse(base)
	if err != nil || u.Path == "" {
		return "/"
	}
	return strings.TrimSuffix(u.Path, "/") + "/"
}

// gitDates asks git once for the last commit date of every file under root.
// It returns nil when root is not in a git work tree or git is missing.
func gitDates(root string) map[string]time.Time {
	out, err := exec.Command("git", "-C", root, "log", "--format=%x00%cI", "--name-only", "--relative", "--", ".").Output()
	if err != nil {
		return nil
	}
	dates := map[string]time.Time{}
	var cur time.Time
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "\x00") {
			cur, _ = time.Parse(time.RFC3339, l[1:])
			continue
		}
		if l = strings.TrimSpace(l); l != "" && !cur.IsZero() {
			if _, ok := dates[l]; !ok {
				dates[l] = cur
			}
		}
	}
	return dates
}

// themeFiles are the theme's static files and the highlighting CSS, the same
// for every build.
var themeFiles = sync.OnceValue(func() map[string][]byte {
	files := map[string][]byte{}
	_ = fs.WalkDir(theme.FS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := theme.FS.ReadFile(p)
		if err == nil {
			files[p] = data
		}
		return err
	})
	files["static/chroma.css"] = []byte(highlight.CSS())
	return files
})

func (b *builder) assets(files map[string][]byte) {
	for k, v := range b.themeFiles {
		files[k] = v
	}
	files["nav.html"] = []byte(b.nav)
}

// extras writes sitemap.xml and 404.html.
func (b *builder) extras(files map[string][]byte) {
	cfg := b.opt.Config
	var sm bytes.Buffer
	sm.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	sm.WriteString(`<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` + "\n")
	base := strings.TrimSuffix(cfg.BaseURL, "/")
	for _, p := range b.site.Pages {
		fmt.Fprintf(&sm, "<url><loc>%s</loc>", html.EscapeString(base+p.URL))
		if t, ok := b.dates[p.Path]; ok {
			fmt.Fprintf(&sm, "<lastmod>%s</lastmod>", t.Format("2006-01-02"))
		}
		sm.WriteString("</url>\n")
	}
	sm.WriteString("</urlset>\n")
	files["sitemap.xml"] = sm.Bytes()
	if b.tmpl == nil {
		return
	}

	rel := basePath(cfg.BaseURL)
	nf := &content.Page{Title: "Page not found", URL: "/404.html", Path: "404.md"}
	data := pageData{
		Site: cfg, Page: nf, Is404: true, Rel: rel,
		Title:   "Page not found · " + cfg.Title,
		Content: template.HTML(`<h1>Page not found</h1><p>There is no page at this address. Try the <a href="` + html.EscapeString(rel) + `">home page</a> or the search.</p>`),
		Sidebar: template.HTML(sidebar(b.site.Tree, nf, rel)),
	}
	var out bytes.Buffer
	if err := b.tmpl.ExecuteTemplate(&out, "page.html", data); err != nil {
		b.addDiag(diag.Errorf("404.html", 0, "template: %v", err))
		return
	}
	files["404.html"] = out.Bytes()
}

// includeRe is a paragraph that is only MkDocs' include-markdown
// directive, as rendered: {% include "file.md" %} or {% include-markdown
// "file.md" %}, with no options (start=, end= … are not read).
var includeRe = regexp.MustCompile(`<p>\{%[ \t]*include(?:-markdown)?[ \t]+(?:&quot;|")([^"&<>]+)(?:&quot;|")[ \t]*%\}</p>`)

// maxInclude bounds how deep included files include others.
const maxInclude = 4

// includes puts in place of each include directive of page p the HTML of
// the file it names, relative to the page's own file, as the
// include-markdown plugin does. A file outside the repository (or the
// content folder) is not read; a missing one is reported.
func (b *builder) includes(p *content.Page, page []byte, depth int) ([]byte, diag.List) {
	var ds diag.List
	root := b.site.Repo
	if root == "" {
		root = b.site.Root
	}
	dir := filepath.Dir(filepath.Join(b.site.Root, filepath.FromSlash(p.Path)))
	out := includeRe.ReplaceAllFunc(page, func(m []byte) []byte {
		name := html.UnescapeString(string(includeRe.FindSubmatch(m)[1]))
		file := filepath.Join(dir, filepath.FromSlash(name))
		if filepath.IsAbs(name) {
			file = name // as the plugin reads it: this machine's file
		}
		line := includeLine(p.Body, name) + p.BodyLine - 1
		why := ""
		switch _, err := os.Stat(file); {
		case depth >= maxInclude:
			why = fmt.Sprintf("included %d deep: not read", depth)
		case err != nil:
			why = "no such file"
		case !content.Inside(root, file):
			why = "outside the repository: not read"
		}
		if why != "" {
			d := diag.Warnf(p.File, line, "{%% include %q %%}: %s", name, why)
			d.Rule = "include"
			ds = append(ds, d)
			return m
		}
		src, err := os.ReadFile(file)
		if err != nil {
			ds = append(ds, diag.Warnf(p.File, line, "{%% include %q %%}: %v", name, err))
			return m
		}
		// The included file's code blocks render as its own page's do,
		// with their results: the hook needs the page they are on.
		rel := filepath.ToSlash(mustRel(b.site.Root, file))
		inc := b.pageAt(rel)
		if inc == nil {
			inc, _ = content.Parse(filepath.Join(filepath.Dir(p.File), filepath.FromSlash(name)), rel, src)
		}
		body := src
		if inc != nil {
			body = inc.Body // without its front matter
		}
		doc := b.md.Parse(body)
		if inc != nil {
			sn, ok := b.opt.Snippets[inc.File]
			if !ok {
				sn, _ = project.Page(b.opt.Config, inc, doc)
			}
			byLine := make(map[int]snippet.Snippet, len(sn))
			for _, s := range sn {
				byLine[s.Line] = s
			}
			doc.AddMeta("\x00page", inc)
			doc.AddMeta("\x00snippets", byLine)
		}
		var buf bytes.Buffer
		if err := b.md.Render(&buf, body, doc); err != nil {
			ds = append(ds, diag.Warnf(p.File, line, "{%% include %q %%}: %v", name, err))
			return m
		}
		out := buf.Bytes()
		if bytes.Contains(out, []byte("{% include")) {
			sub := *p
			sub.Path = rel
			var more diag.List
			out, more = b.includes(&sub, out, depth+1)
			ds = append(ds, more...)
		}
		return out
	})
	return out, ds
}

// pageAt is the site's page read from the file at rel, or nil.
func (b *builder) pageAt(rel string) *content.Page {
	for _, p := range b.site.Pages {
		if p.Path == rel {
			return p
		}
	}
	return nil
}

// includeLine is the line of body that includes name, from 1; 0 when
// none does (a nested include's page).
func includeLine(body []byte, name string) int {
	for i, l := range strings.Split(string(body), "\n") {
		if strings.Contains(l, "include") && strings.Contains(l, `"`+name+`"`) {
			return i + 1
		}
	}
	return 0
}

// mustRel is target relative to base, or target when it has none.
func mustRel(base, target string) string {
	if r, err := filepath.Rel(base, target); err == nil {
		return r
	}
	return target
}
