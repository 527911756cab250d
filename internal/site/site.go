// Package site assembles a loaded content folder into a static site:
// templates, navigation, link checking, the search index, marks from verify
// results, and an atomic swap of the output folder.
package site

import (
	"fmt"
	"html"
	"html/template"
	"io"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/yuin/goldmark/ast"

	"github.com/shipshape/shipshape/internal/check"
	"github.com/shipshape/shipshape/internal/config"
	"github.com/shipshape/shipshape/internal/console"
	"github.com/shipshape/shipshape/internal/content"
	"github.com/shipshape/shipshape/internal/diag"
	"github.com/shipshape/shipshape/internal/lang"
	"github.com/shipshape/shipshape/internal/markdown"
	"github.com/shipshape/shipshape/internal/results"
	"github.com/shipshape/shipshape/internal/snippet"
	theme "github.com/shipshape/shipshape/themes/default"
)

// Options steer a build.
type Options struct {
	Config  config.Config
	Results *results.File
	// Snippets are each page's code blocks by page File, as project.Load
	// made them; a page not listed (one the preview server reloaded) is
	// extracted with project.Page while it renders.
	Snippets map[string][]snippet.Snippet
	// Now answers the current engine's version and image IDs, so that a
	// result whose engine or image changed loses its badge; the zero Now
	// when no engine is reachable.
	Now results.Now
	// Diags are the code-block diagnostics of the load step that made
	// Snippets, reported and counted with the site's own.
	Diags diag.List
	Out   string // output folder; replaced whole on success (Build only)

	// LinkWarnings turns broken links from errors into warnings, so that the
	// build still succeeds (build --no-link-errors).
	LinkWarnings bool
	// GitDates asks git for each page's last commit date ("last updated").
	GitDates bool
	// Preview renders for the author: static-check findings are listed
	// under their blocks. Published builds show readers only the badges.
	Preview bool
	// Cache, when set, keeps code-block checks and highlighting between
	// renders (the preview server passes the same one every time).
	Cache *Cache
}

// Stats describe a finished build.
type Stats struct {
	Pages    int
	Snippets int
	Marks    map[string]int // badge status -> count
	Links    int            // links checked
	Broken   int            // broken links found
}

// Output is a whole site rendered in memory, the value the preview server
// serves from and Build writes to disk.
//
//   - Files maps every generated file's slash path in the site ("index.html",
//     "basics/first/index.html", "static/app.js", "search/t/do.json",
//     "sitemap.xml", "404.html", "nav.html") to its bytes.
//   - Static maps the content folder's own files (images, downloads) from
//     their path in the site to the source file on disk; they are copied,
//     not read into memory.
//   - PageFile maps a page's source Path ("basics/first.md") to its key in
//     Files.
//
// To preview an edit to one page, call RenderPage with the reloaded page: it
// re-renders just that page with the navigation, link targets and anchors
// of the last full Render. Render the whole site again when pages are added
// or removed, or a title, weight or draft flag changes (the navigation
// shows them on every page).
type Output struct {
	Files    map[string][]byte
	Static   map[string]string
	PageFile map[string]string
	Stats    Stats

	b   *builder
	ids map[string]map[string]bool // page Path -> ids it renders
	mu  sync.Mutex
}

// Render renders every page of s in memory. The diagnostics are content
// problems and broken links; the Output is complete even when some are
// errors (a page that fails to render is left out).
func Render(s *content.Site, opt Options) (*Output, diag.List) {
	if opt.Cache == nil {
		// Within one render, a block that recurs (docker ps, a shared
		// Dockerfile) is checked and highlighted once.
		opt.Cache = NewCache()
	}
	b := newBuilder(s, opt)
	o := &Output{
		Files:    make(map[string][]byte, len(s.Pages)*2+64),
		Static:   map[string]string{},
		PageFile: make(map[string]string, len(s.Pages)),
		ids:      make(map[string]map[string]bool, len(s.Pages)),
		b:        b,
	}
	ds := append(append(diag.List(nil), s.Diags...), opt.Diags...)
	res := make([]*pageResult, len(s.Pages))
	var wg sync.WaitGroup
	next := make(chan int)
	workers := runtime.GOMAXPROCS(0)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				res[i] = b.page(s.Pages[i], i)
			}
		}()
	}
	for i := range s.Pages {
		next <- i
	}
	close(next)
	wg.Wait()

	secs := make([][]searchSection, len(s.Pages))
	var pending []*pendingLink
	for i, r := range res {
		secs[i] = r.sections
		ds = append(ds, r.diags...)
		pending = append(pending, r.pending...)
		o.Stats.Links += r.links
		if r.html == nil {
			continue
		}
		o.Files[r.file] = r.html
		o.PageFile[s.Pages[i].Path] = r.file
		o.ids[s.Pages[i].Path] = r.ids
		o.Stats.Pages++
	}
	for _, pl := range pending {
		if pl.Target == nil || b.links.leftToHooks(pl, o.ids[pl.Target.Path]) {
			continue
		}
		if d := checkFragment(pl, o.ids[pl.Target.Path]); d != nil {
			ds = append(ds, *d)
		}
	}
	ds = append(ds, b.diags...)
	if _, ok := o.Files["index.html"]; !ok {
		if r := b.page(b.home(), -1); r.html != nil {
			o.Files[r.file] = r.html
		}
	}
	searchIndex(s.Pages, secs, o.Files)
	b.assets(o.Files)
	b.extras(o.Files)
	b.proofPage(o.Files)
	for _, rel := range s.Static {
		o.Static[rel] = filepath.Join(s.Root, filepath.FromSlash(rel))
	}
	for rel, src := range b.links.outside {
		o.Static[rel] = src
	}
	if n := b.links.hookIDs.Load(); n > 0 {
		ds = append(ds, diag.Diagnostic{File: filepath.Join(s.Repo, filepath.FromSlash(b.links.idHooks)), Severity: diag.Info, Rule: "link-hook",
			Message: fmt.Sprintf("%d links to anchors no heading gives (#config.blog_dir) are left to the tree's hooks, which may make them: not checked", n)})
	}
	if n := b.links.hooked.Load(); n > 0 {
		ds = append(ds, diag.Diagnostic{File: filepath.Join(s.Repo, filepath.FromSlash(b.links.linkHook)), Severity: diag.Info, Rule: "link-hook",
			Message: fmt.Sprintf("%d links whose address is a bare word ([IANA](g)) are left to the site's own link template, which makes their addresses: not checked", n)})
	}
	o.Stats.Snippets, o.Stats.Marks = b.snippets, b.marks
	for i := range ds {
		if ds[i].Rule == "link" {
			o.Stats.Broken++
			if opt.LinkWarnings && ds[i].Severity == diag.Error {
				ds[i].Severity = diag.Warning
			}
		}
	}
	ds.Sort()
	return o, ds
}

// RenderPage re-renders one page (reloaded from disk after an edit) with
// the navigation of the last Render, stores it in Files and returns its
// path in the site and its diagnostics, links included. It writes Files in
// place: a caller serving Files from other goroutines must hold its own
// lock around both.
func (o *Output) RenderPage(p *content.Page) (string, diag.List) {
	o.mu.Lock()
	defer o.mu.Unlock()
	b := o.b
	idx := -1
	for i, q := range b.site.Pages {
		if q.Path == p.Path {
			idx = i
			break
		}
	}
	if idx < 0 {
		return "", diag.List{diag.Errorf(p.File, 0, "page is new to the site: render the whole site")}
	}
	b.mu.Lock()
	b.diags = nil
	b.mu.Unlock()
	r := b.page(p, idx)
	ds := append(diag.List(nil), r.diags...)
	if r.html != nil {
		o.Files[r.file] = r.html
		o.ids[p.Path] = r.ids
	}
	for _, pl := range r.pending {
		if pl.Target == nil || b.links.leftToHooks(pl, o.ids[pl.Target.Path]) {
			continue
		}
		if d := checkFragment(pl, o.ids[pl.Target.Path]); d != nil {
			ds = append(ds, *d)
		}
	}
	ds = append(ds, b.diags...)
	for i := range ds {
		if ds[i].Rule == "link" && b.opt.LinkWarnings && ds[i].Severity == diag.Error {
			ds[i].Severity = diag.Warning
		}
	}
	ds.Sort()
	return r.file, ds
}

// Write puts the output into dir, which must exist and be empty. Files are
// written by several goroutines: creating thousands of small files is
// bound by system calls, not by the disk.
func (o *Output) Write(dir string) error {
	type job struct {
		rel  string
		data []byte
		src  string // copy from here when data is nil
	}
	jobs := make([]job, 0, len(o.Files)+len(o.Static))
	files := map[string]int{} // folder -> files in it
	for k, v := range o.Files {
		jobs = append(jobs, job{rel: k, data: v})
		files[path.Dir(k)]++
	}
	for rel, src := range o.Static {
		if _, ok := o.Files[rel]; !ok {
			jobs = append(jobs, job{rel: rel, src: src})
			files[path.Dir(rel)]++
		}
	}
	// A folder that holds one file and no folder (a page's "x/index.html")
	// is made by the goroutine writing the file; the others first, parents
	// before children.
	parent := map[string]bool{}
	for d := range files {
		for p := path.Dir(d); p != "." && !parent[p]; p = path.Dir(p) {
			parent[p] = true
		}
	}
	own := func(d string) bool { return files[d] == 1 && !parent[d] && d != "." }
	var ds []string
	for d := range files {
		if !own(d) {
			ds = append(ds, d)
		}
	}
	for d := range parent {
		if files[d] == 0 {
			ds = append(ds, d)
		}
	}
	sort.Strings(ds)
	made := map[string]bool{".": true}
	for _, d := range ds {
		var chain []string
		for p := d; !made[p]; p = path.Dir(p) {
			chain = append(chain, p)
			made[p] = true
		}
		for i := len(chain) - 1; i >= 0; i-- {
			if err := os.Mkdir(filepath.Join(dir, filepath.FromSlash(chain[i])), 0o755); err != nil && !os.IsExist(err) {
				return fmt.Errorf("write %s: %w", chain[i], err)
			}
		}
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  = make(chan job)
	)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				data, err := j.data, error(nil)
				if data == nil && j.src != "" {
					data, err = os.ReadFile(j.src)
				}
				if d := path.Dir(j.rel); err == nil && own(d) {
					err = os.Mkdir(filepath.Join(dir, filepath.FromSlash(d)), 0o755)
				}
				if err == nil {
					err = os.WriteFile(filepath.Join(dir, filepath.FromSlash(j.rel)), data, 0o644)
				}
				if err != nil {
					mu.Lock()
					if first == nil {
						first = fmt.Errorf("write %s: %w", j.rel, err)
					}
					mu.Unlock()
				}
			}
		}()
	}
	for _, j := range jobs {
		next <- j
	}
	close(next)
	wg.Wait()
	return first
}

// Build renders every page of s into opt.Out: Render, then Write into a
// temporary folder beside Out that is swapped in only when the build has
// no errors, so a failed build leaves the previous output intact.
// Diagnostics from content, rendering and link checking are returned
// together.
func Build(s *content.Site, opt Options) (Stats, diag.List, error) {
	o, ds := Render(s, opt)
	st := o.Stats
	if ds.Errors() > 0 {
		word := "errors"
		if ds.Errors() == 1 {
			word = "error"
		}
		return st, ds, fmt.Errorf("%d %s; %s left as it was", ds.Errors(), word, opt.Out)
	}
	parent := filepath.Dir(filepath.Clean(opt.Out))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return st, ds, fmt.Errorf("create output parent: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(opt.Out)+".tmp-")
	if err != nil {
		return st, ds, fmt.Errorf("create temporary output: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := o.Write(tmp); err != nil {
		return st, ds, err
	}
	return st, ds, swap(tmp, opt.Out)
}

// swap replaces out with tmp: out is moved aside, tmp renamed in, and the
// old folder removed only after the rename succeeded.
func swap(tmp, out string) error {
	old := ""
	if _, err := os.Stat(out); err == nil {
		old = tmp + ".old"
		if err := os.Rename(out, old); err != nil {
			return fmt.Errorf("move old output aside: %w", err)
		}
	}
	if err := os.Rename(tmp, out); err != nil {
		if old != "" {
			_ = os.Rename(old, out)
		}
		return fmt.Errorf("swap in new output: %w", err)
	}
	if old != "" {
		return removeAll(old)
	}
	return nil
}

// removeAll is os.RemoveAll with the top-level entries removed by several
// goroutines: unlinking thousands of files is bound by system calls.
func removeAll(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return os.RemoveAll(dir)
	}
	var wg sync.WaitGroup
	next := make(chan string)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range next {
				_ = os.RemoveAll(p)
			}
		}()
	}
	for _, e := range entries {
		next <- filepath.Join(dir, e.Name())
	}
	close(next)
	wg.Wait()
	return os.RemoveAll(dir)
}

type builder struct {
	site  *content.Site
	opt   Options
	tmpl  *template.Template
	md    *markdown.Markdown
	links *resolver
	nav   string // nav.html
	// themeFiles are the theme's static files, the site's own overrides
	// included, keyed by their path in the site ("static/style.css")
	themeFiles map[string][]byte
	dates      map[string]time.Time // source Path -> last commit

	mu       sync.Mutex
	diags    diag.List
	snippets int
	marks    map[string]int
	proof    map[string][]proofRow // page Path -> its examples, for the proof page
}

var templates = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("").ParseFS(theme.FS, "templates/*.html"))
})

func newBuilder(s *content.Site, opt Options) *builder {
	b := &builder{site: s, opt: opt, marks: map[string]int{}}
	b.tmpl, b.themeFiles, b.diags = siteTheme(opt.Config)
	b.md = markdown.New(markdown.Options{Code: b.code, Unsafe: true, MkDocsIDs: s.Tool == "mkdocs", VitePressIDs: s.Tool == "vitepress",
		DefinitionLists: s.Markup.DefinitionLists, TermIDs: s.Markup.TermIDs})
	b.links = newResolver(s)
	b.nav = navFragment(s.Tree)
	if opt.GitDates {
		b.dates = gitDates(s.Root)
	}
	return b
}

func (b *builder) addDiag(d diag.Diagnostic) {
	b.mu.Lock()
	b.diags = append(b.diags, d)
	b.mu.Unlock()
}

// home is the page drawn at the root when the content has no index.md:
// the site's title and description and its top-level chapters.
func (b *builder) home() *content.Page {
	cfg := b.opt.Config
	var md strings.Builder
	fmt.Fprintf(&md, "# %s\n\n", cfg.Title)
	if cfg.Description != "" {
		fmt.Fprintf(&md, "%s\n\n", cfg.Description)
	}
	for _, it := range b.site.Tree.Items() {
		p, title := it.Page, ""
		if p != nil {
			title = p.Title
		} else if p = firstPage(it.Section); p != nil {
			title = it.Section.Title
		}
		if p != nil {
			fmt.Fprintf(&md, "- [%s](<%s>)\n", strings.NewReplacer("[", "\\[", "]", "\\]").Replace(title), strings.TrimPrefix(p.URL, "/"))
		}
	}
	return &content.Page{Path: "index.md", File: filepath.Join(b.site.Root, "index.md"), URL: "/", Title: cfg.Title, Body: []byte(md.String()), BodyLine: 1, IsIndex: true}
}

// relRoot gives the relative prefix from a page URL to the root: "/a/b/" -> "../../".
func relRoot(url string) string {
	depth := strings.Count(strings.Trim(url, "/"), "/")
	if strings.Trim(url, "/") != "" {
		depth++
	}
	return strings.Repeat("../", depth)
}

// mark is the badge a block gets from its result.
type mark struct {
	Status results.Badge // data-status value
	Label  string
	Title  string
}

func markFor(s snippet.Snippet, r results.Result, ok bool) mark {
	runnable := s.Action == snippet.Run || s.Action == snippet.Build
	switch {
	case s.Action == snippet.Skip:
		reason := s.Attrs["skip"]
		if reason == "" {
			reason = "marked {skip}"
		}
		return mark{results.BadgeSkipped, "skipped", reason}
	case runnable && !ok:
		return mark{results.BadgeNotVerified, "not verified", "no result for this code: run shipshape verify"}
	case !runnable && ok && r.Status == results.Passed:
		// verify checked it in a container (python -m py_compile, nginx -t)
		return mark{results.BadgeChecked, "checked", fmt.Sprintf("checked in %s by shipshape verify", r.ImageRun)}
	case !runnable && ok && r.Status == results.Failed:
		return mark{results.BadgeFailed, "failed", r.Reason}
	case !runnable && (s.Kind == snippet.Text || s.Kind == snippet.Output || s.Kind == snippet.Diagram):
		return mark{results.BadgeNotCode, "not code", "text, output or a diagram: nothing to run"}
	case !runnable:
		return mark{results.BadgeNotRun, "not run", "this block is not run by shipshape verify"}
	}
	when := ""
	if t := r.Time(); !t.IsZero() {
		when = " on " + t.Format("2006-01-02")
	}
	engine := ""
	if r.Engine != "" {
		engine = " with Docker " + r.Engine
	}
	img := ""
	if r.ImageRun != "" && r.ImageRun != r.Image {
		img = fmt.Sprintf(" (image %s ran for %s)", r.ImageRun, r.Image)
	}
	switch r.Status {
	case results.Passed:
		switch r.Proof {
		case results.ProofBuilt:
			return mark{results.BadgeBuilt, "built", "built" + engine + when + img}
		case results.ProofBuiltRan:
			return mark{results.BadgeBuiltRan, "built and ran", "built and ran" + engine + when + img}
		}
		return mark{results.BadgeRan, "ran", "ran" + engine + when + img}
	case results.ExpectedFail:
		return mark{results.BadgeExpectedFail, "fails as intended", r.Reason + engine + when}
	case results.Skipped:
		return mark{results.BadgeSkipped, "skipped", r.Reason}
	case results.Infra:
		return mark{results.BadgeNotVerified, "not verified", r.Reason}
	}
	return mark{results.BadgeFailed, "failed", r.Reason + engine + when}
}

// code renders one code block with its badge, highlighted code and, when a
// result has output, the captured output.
func (b *builder) code(w io.Writer, doc *ast.Document, blk markdown.Block) error {
	p, _ := doc.Meta()["\x00page"].(*content.Page)
	byLine, _ := doc.Meta()["\x00snippets"].(map[int]snippet.Snippet)
	if p == nil {
		return nil
	}
	line := blk.Line + p.BodyLine - 1
	s, found := byLine[line]
	if !found {
		// Every block the hook sees was listed by markdown.Blocks; this is
		// a safety net that renders the code without a result.
		s = snippet.Snippet{File: p.File, Line: line, Code: string(blk.Code), Kind: snippet.Text}
	}
	r, ok := b.opt.Results.Proven(s.Hash, b.opt.Now)
	m := markFor(s, r, ok)
	var findings diag.List
	if m.Status == results.BadgeNotRun {
		cr := b.opt.Cache.check(s)
		findings = cr.Findings
		if cr.Status == check.Passed || cr.Status == check.Warned || cr.Status == check.ExpectedFail {
			m = mark{results.BadgeChecked, "checked", "checked without running: " + cr.Checked}
		}
	}
	b.mu.Lock()
	b.snippets++
	b.marks[string(m.Status)]++
	b.mu.Unlock()
	if pm, ok := doc.Meta()["\x00marks"].(map[string]int); ok {
		pm[pageMark(s, m.Status)]++
	}
	if st, ok := doc.Meta()["\x00statuses"].(map[string]bool); ok {
		st[string(m.Status)] = true
	}

	lang := highlightLang(s)
	b.record(p, s, m, r.Image, r.ImageRun, ok)
	fmt.Fprintf(w, `<figure class="code" id="L%d" data-status="%s" data-kind="%s" data-line="%d" data-hash="%s" data-lang="%s"`,
		s.Line, m.Status, s.Kind, s.Line, s.Hash, html.EscapeString(lang))
	// Readers see the code without its hidden setup lines (#!hide).
	shown := s
	shown.Code = snippet.Visible(s.Code)
	if c := copyText(shown, lang); c != "" {
		fmt.Fprintf(w, ` data-copy="%s"`, html.EscapeString(c))
	}
	fmt.Fprint(w, ">")
	fmt.Fprintf(w, `<figcaption>`)
	caption := s.Attrs["title"]
	if caption == "" {
		caption = s.Attrs["file"]
	}
	if caption != "" {
		fmt.Fprintf(w, `<span class="title">%s</span>`, html.EscapeString(caption))
	}
	// a block titled "Dockerfile" needs no language label saying it again
	if name := langLabel(lang); name != "" && !strings.EqualFold(path.Base(caption), name) {
		if s.Lang == "" {
			fmt.Fprintf(w, `<span class="lang" data-guessed title="no language written: guessed from the content">%s?</span>`, name)
		} else {
			fmt.Fprintf(w, `<span class="lang">%s</span>`, name)
		}
	}
	fmt.Fprintf(w, `<span class="badge" data-status="%s" title="%s">%s</span>`, m.Status, html.EscapeString(m.Title), m.Label)
	fmt.Fprintf(w, `</figcaption>`)
	if note := proofNote(s, r, ok, m, b.opt.Config); note != "" {
		fmt.Fprintf(w, `<p class="proof-note">%s</p>`, note)
	}
	if err := b.opt.Cache.highlight(w, shown.Code, lang, s.Attrs["hl_lines"]); err != nil {
		return err
	}
	if b.opt.Preview {
		writeFindings(w, findings)
	}
	if ok && r.Output != "" && s.Action != snippet.Skip {
		// A block that shortens its output with "..." shows the real output
		// open, so a reader sees what was elided.
		if elides(shown.Code) {
			fmt.Fprintf(w, `<details class="output" open><summary>Real output (the block above shortens it)</summary><pre><code>%s</code></pre></details>`, html.EscapeString(r.Output))
		} else {
			fmt.Fprintf(w, `<details class="output"><summary>Output</summary><pre><code>%s</code></pre></details>`, html.EscapeString(r.Output))
		}
	}
	fmt.Fprint(w, "</figure>\n")
	return nil
}

// pageMark is how a block counts in its page's summary.
func pageMark(s snippet.Snippet, status results.Badge) string {
	switch status {
	case results.BadgeRan, results.BadgeBuilt, results.BadgeBuiltRan, results.BadgeExpectedFail:
		return "ran"
	case results.BadgeNotCode:
		return "not code"
	case results.BadgeNotRun:
		return "not run"
	}
	return strings.ReplaceAll(string(status), "-", " ")
}

// blockSummary says what happened to a page's blocks: "14 blocks: 6 ran,
// 5 checked, 3 not code".
func blockSummary(pm map[string]int) string {
	total := 0
	for _, n := range pm {
		total += n
	}
	if total == 0 {
		return ""
	}
	var parts []string
	for _, k := range []string{"ran", "checked", "failed", "not verified", "skipped", "not run", "not code"} {
		if pm[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", pm[k], k))
		}
	}
	word := "blocks"
	if total == 1 {
		word = "block"
	}
	return fmt.Sprintf("%d code %s: %s", total, word, strings.Join(parts, ", "))
}

// writeFindings lists a block's static-check warnings and errors under it
// (notes are for shipshape check, not for readers).
func writeFindings(w io.Writer, ds diag.List) {
	open := false
	for _, d := range ds {
		if d.Severity == diag.Info {
			continue
		}
		if !open {
			fmt.Fprint(w, `<ul class="findings">`)
			open = true
		}
		fmt.Fprintf(w, `<li data-severity="%s" data-line="%d"><code>%s</code> %s`, d.Severity, d.Line, html.EscapeString(d.Rule), html.EscapeString(d.Message))
		if d.Hint != "" {
			fmt.Fprintf(w, ` <span class="hint">%s</span>`, html.EscapeString(d.Hint))
		}
		fmt.Fprint(w, `</li>`)
	}
	if open {
		fmt.Fprint(w, `</ul>`)
	}
}

// highlightLang is the label a snippet is highlighted as: the written one,
// or the one its classified kind implies when that draws more than text.
func highlightLang(s snippet.Snippet) string {
	if s.Lang != "" && !s.Guess {
		return s.Lang
	}
	if l := s.Kind.Label(); lang.Lexer(l) != "" {
		return l
	}
	return s.Lang
}

// langLabel is how a block's language is named in its caption; "" for
// plain text.
func langLabel(label string) string { return html.EscapeString(lang.Caption(label)) }

// parseLines reads "2-4,7" into line numbers.
func parseLines(s string) []int {
	var out []int
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		var a, z int
		if n, _ := fmt.Sscanf(part, "%d-%d", &a, &z); n == 2 {
			for i := a; i <= z && i-a < 10000; i++ {
				out = append(out, i)
			}
		} else if n, _ := fmt.Sscanf(part, "%d", &a); n == 1 {
			out = append(out, a)
		}
	}
	return out
}

// copyText is what a block's copy button puts on the clipboard when it
// differs from the code shown: the commands of a console session without
// their prompts and without the output lines. "" means the code as is.
func copyText(s snippet.Snippet, lang string) string {
	cmds := console.Parse(s.Code)
	if len(cmds) == 0 {
		return ""
	}
	var out []string
	for _, c := range cmds {
		out = append(out, c.Text)
	}
	return strings.Join(out, "\n") + "\n"
}

// proofNote is the line of text under a block's caption that says what a
// badge's tooltip alone would hide from touch and keyboard readers: why a
// block was skipped, which local image stood in for the one named, and the
// sandbox settings of the run when they decide its outcome. It is HTML.
func proofNote(s snippet.Snippet, r results.Result, ok bool, m mark, cfg config.Config) string {
	var parts []string
	switch m.Status {
	case "skipped":
		return "Skipped: " + html.EscapeString(m.Title)
	case "ran", "built", "built-ran", "expected-fail", "failed", "checked":
	default:
		return ""
	}
	if ok && r.ImageRun != "" && r.Image != "" && r.ImageRun != r.Image {
		verb := "Ran"
		switch m.Status {
		case "built":
			verb = "Built"
		case "checked":
			verb = "Checked"
		}
		parts = append(parts, fmt.Sprintf("%s on <code>%s</code>, standing in for <code>%s</code>.", verb, html.EscapeString(r.ImageRun), html.EscapeString(r.Image)))
	}
	if ok && decidedBySandbox(string(m.Status), r.Output+" "+r.Reason) {
		parts = append(parts, "Run with "+html.EscapeString(runSettings(s, cfg))+".")
	}
	return strings.Join(parts, " ")
}

// sandboxSigns are messages that a run's outcome came from its sandbox (the
// read-only root, the pids limit, no network) rather than from the code.
var sandboxSigns = []string{"Read-only file system", "read-only", "Resource temporarily unavailable", "can't fork", "Cannot fork",
	"fork: retry", "Network is unreachable", "bad address", "could not resolve", "Temporary failure in name resolution", "Out of memory", "Killed"}

func decidedBySandbox(status, out string) bool {
	if status != "expected-fail" && status != "failed" {
		return false
	}
	for _, sign := range sandboxSigns {
		if strings.Contains(out, sign) {
			return true
		}
	}
	return false
}

// runSettings are the effective settings of a block's run as a reader would
// pass them to docker run.
func runSettings(s snippet.Snippet, cfg config.Config) string {
	var parts []string
	if _, ok := s.Attrs["writable"]; !ok {
		parts = append(parts, "a read-only root filesystem (--read-only, writable /tmp and /work)")
	}
	if n := s.Attrs["network"]; n != "" {
		parts = append(parts, "network "+n)
	} else {
		parts = append(parts, "no network (--network none)")
	}
	if cfg.Verify.Pids > 0 {
		parts = append(parts, fmt.Sprintf("--pids-limit %d", cfg.Verify.Pids))
	}
	if cfg.Verify.Memory != "" {
		parts = append(parts, "--memory "+cfg.Verify.Memory)
	}
	parts = append(parts, "--cap-drop ALL")
	return strings.Join(parts, ", ")
}

// elides reports whether a block shortens what it shows with a line of
// "..." (or "…"), as console sessions do with long output.
func elides(code string) bool {
	for _, l := range strings.Split(code, "\n") {
		switch strings.TrimSpace(l) {
		case "...", "…", "[...]":
			return true
		}
	}
	return false
}

// legend explains the badges a page shows, in words a reader can reach
// without hovering. statuses are data-status values.
func legend(statuses map[string]bool) string {
	entries := []struct{ status, label, text string }{
		{"ran", "ran", "run in a real Docker engine; it exited as the page says"},
		{"built", "built", "the Dockerfile was built"},
		{"built-ran", "built and ran", "the Dockerfile was built and its image run"},
		{"expected-fail", "fails as intended", "a deliberate mistake: it failed, as the text says it does"},
		{"checked", "checked", "not run, but checked by its own tool (a parser, nginx -t, a compiler)"},
		{"failed", "failed", "it did not do what the page says: please report it"},
		{"not-verified", "not verified", "changed since it was last run: no proof yet"},
		{"skipped", "skipped", "deliberately not run; the reason is written under it"},
		{"not-run", "not run", "code shown for reading, not run"},
		{"not-code", "not code", "text, output or a diagram"},
	}
	var b strings.Builder
	b.WriteString(`<details class="legend"><summary>What the badges mean</summary><dl>`)
	n := 0
	for _, e := range entries {
		if statuses != nil && !statuses[e.status] {
			continue
		}
		n++
		fmt.Fprintf(&b, `<div><dt><span class="badge" data-status="%s">%s</span></dt><dd>%s</dd></div>`, e.status, e.label, e.text)
	}
	b.WriteString(`</dl></details>`)
	if n == 0 {
		return ""
	}
	return b.String()
}
