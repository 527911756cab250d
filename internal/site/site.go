// Package site assembles a loaded content folder into a static site:
// templates, navigation, marks from verify results, and an atomic swap of
// the output folder.
package site

import (
	"bytes"
	"fmt"
	"html"
	"html/template"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"

	"github.com/yuin/goldmark/ast"

	"github.com/shipshape/shipshape/internal/config"
	"github.com/shipshape/shipshape/internal/content"
	"github.com/shipshape/shipshape/internal/diag"
	"github.com/shipshape/shipshape/internal/highlight"
	"github.com/shipshape/shipshape/internal/markdown"
	"github.com/shipshape/shipshape/internal/results"
	"github.com/shipshape/shipshape/internal/snippet"
	theme "github.com/shipshape/shipshape/themes/default"
)

// Options steer a build.
type Options struct {
	Config  config.Config
	Results *results.File
	Out     string // output folder; replaced whole on success
}

// Stats describe a finished build.
type Stats struct {
	Pages    int
	Snippets int
	Marks    map[string]int // badge status -> count
}

// Build renders every page of s into opt.Out. The site is written to a
// temporary folder beside Out and swapped in only when the build has no
// errors, so a failed build leaves the previous output intact. Diagnostics
// from content and rendering are returned together.
func Build(s *content.Site, opt Options) (Stats, diag.List, error) {
	ds := append(diag.List(nil), s.Diags...)
	st := Stats{Marks: map[string]int{}}
	parent := filepath.Dir(filepath.Clean(opt.Out))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return st, ds, fmt.Errorf("create output parent: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(opt.Out)+".tmp-")
	if err != nil {
		return st, ds, fmt.Errorf("create temporary output: %w", err)
	}
	defer os.RemoveAll(tmp)

	b := newBuilder(s, opt)
	pages := b.render(tmp)
	ds = append(ds, b.diags...)
	st.Pages, st.Snippets, st.Marks = pages, b.snippets, b.marks
	if err := b.writeAssets(tmp); err != nil {
		return st, ds, err
	}
	if err := copyStatic(s, tmp); err != nil {
		return st, ds, err
	}
	ds.Sort()
	if ds.Errors() > 0 {
		return st, ds, fmt.Errorf("%d error(s); %s left as it was", ds.Errors(), opt.Out)
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
		return os.RemoveAll(old)
	}
	return nil
}

type builder struct {
	site *content.Site
	opt  Options
	tmpl *template.Template
	md   *markdown.Markdown

	mu       sync.Mutex
	diags    diag.List
	snippets int
	marks    map[string]int
}

func newBuilder(s *content.Site, opt Options) *builder {
	b := &builder{site: s, opt: opt, marks: map[string]int{}}
	b.tmpl = template.Must(template.New("").ParseFS(theme.FS, "templates/*.html"))
	b.md = markdown.New(markdown.Options{Code: b.code, Unsafe: true})
	return b
}

// pageData is what page.html sees.
type pageData struct {
	Site        config.Config
	Page        *content.Page
	IsHome      bool
	Description string
	Rel         string // relative path from this page to the site root, ending in "/" or ""
	Content     template.HTML
	Sidebar     template.HTML
}

func (b *builder) render(out string) int {
	n := 0
	for _, p := range b.site.Pages {
		var body bytes.Buffer
		doc := b.md.Parse(p.Body)
		doc.AddMeta("\x00page", p)
		if err := b.md.Render(&body, p.Body, doc); err != nil {
			b.addDiag(diag.Errorf(p.File, 0, "render: %v", err))
			continue
		}
		rel := relRoot(p.URL)
		data := pageData{
			Site: b.opt.Config, Page: p, IsHome: p.URL == "/", Description: p.Description,
			Rel: rel, Content: template.HTML(body.String()), Sidebar: template.HTML(sidebar(b.site.Tree, p, rel)),
		}
		if data.Description == "" {
			data.Description = b.opt.Config.Description
		}
		var page bytes.Buffer
		if err := b.tmpl.ExecuteTemplate(&page, "page.html", data); err != nil {
			b.addDiag(diag.Errorf(p.File, 0, "template: %v", err))
			continue
		}
		dst := filepath.Join(out, filepath.FromSlash(strings.TrimPrefix(p.URL, "/")), "index.html")
		err := os.MkdirAll(filepath.Dir(dst), 0o755)
		if err == nil {
			err = os.WriteFile(dst, page.Bytes(), 0o644)
		}
		if err != nil {
			b.addDiag(diag.Errorf(p.File, 0, "write page: %v", err))
			continue
		}
		n++
	}
	return n
}

func (b *builder) addDiag(d diag.Diagnostic) {
	b.mu.Lock()
	b.diags = append(b.diags, d)
	b.mu.Unlock()
}

// relRoot gives the relative prefix from a page URL to the root: "/a/b/" -> "../../".
func relRoot(url string) string {
	depth := strings.Count(strings.Trim(url, "/"), "/")
	if strings.Trim(url, "/") != "" {
		depth++
	}
	return strings.Repeat("../", depth)
}

// sidebar lists every page in the tree, marking the current one.
func sidebar(t *content.Section, cur *content.Page, rel string) string {
	var w strings.Builder
	var walk func(s *content.Section)
	link := func(p *content.Page) {
		cls := ""
		if p == cur {
			cls = ` aria-current="page"`
		}
		fmt.Fprintf(&w, `<li><a href="%s%s"%s>%s</a></li>`, rel, strings.TrimPrefix(p.URL, "/"), cls, html.EscapeString(p.Title))
	}
	walk = func(s *content.Section) {
		w.WriteString("<ul>")
		if s.Index != nil {
			link(s.Index)
		}
		for _, it := range s.Items() {
			if it.Page != nil {
				link(it.Page)
				continue
			}
			fmt.Fprintf(&w, `<li><span class="section">%s</span>`, html.EscapeString(it.Section.Title))
			walk(it.Section)
			w.WriteString("</li>")
		}
		w.WriteString("</ul>")
	}
	walk(t)
	return w.String()
}

// mark is the badge a block gets from its result.
type mark struct {
	Status string // data-status value
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
		return mark{"skipped", "not run", reason}
	case runnable && !ok:
		return mark{"not-verified", "not verified", "no result for this code: run shipshape verify"}
	case !runnable:
		return mark{"not-run", "not run", "this block is not run by shipshape verify"}
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
		case "built":
			return mark{"built", "built", "built" + engine + when + img}
		case "built+ran":
			return mark{"built-ran", "built and ran", "built and ran" + engine + when + img}
		}
		return mark{"ran", "ran", "ran" + engine + when + img}
	case results.ExpectedFail:
		return mark{"expected-fail", "fails as intended", r.Reason + engine + when}
	case results.Skipped:
		return mark{"skipped", "not run", r.Reason}
	case results.Infra:
		return mark{"not-verified", "not verified", r.Reason}
	}
	return mark{"failed", "failed", r.Reason + engine + when}
}

// code renders one code block with its badge, highlighted code and, when a
// result has output, the captured output.
func (b *builder) code(w io.Writer, doc *ast.Document, blk markdown.Block) error {
	p, _ := doc.Meta()["\x00page"].(*content.Page)
	if p == nil {
		return nil
	}
	cfg := b.opt.Config
	s, ds := snippet.FromBlock(p.File, blk, p.BodyLine, cfg.MapImage, cfg.Verify.Image)
	for _, d := range ds {
		b.addDiag(d)
	}
	r, ok := b.opt.Results.Lookup(s.Hash)
	m := markFor(s, r, ok)
	b.mu.Lock()
	b.snippets++
	b.marks[m.Status]++
	b.mu.Unlock()

	lang := highlightLang(s)
	fmt.Fprintf(w, `<figure class="code" data-status="%s" data-kind="%s" data-line="%d" data-hash="%s">`,
		m.Status, s.Kind, s.Line, s.Hash)
	fmt.Fprintf(w, `<figcaption>`)
	if t := s.Attrs["title"]; t != "" {
		fmt.Fprintf(w, `<span class="title">%s</span>`, html.EscapeString(t))
	} else if f := s.Attrs["file"]; f != "" {
		fmt.Fprintf(w, `<span class="title">%s</span>`, html.EscapeString(f))
	}
	fmt.Fprintf(w, `<span class="badge" data-status="%s" title="%s">%s</span>`, m.Status, html.EscapeString(m.Title), m.Label)
	fmt.Fprintf(w, `</figcaption>`)
	if err := highlight.Write(w, s.Code, lang, highlight.Options{Lines: parseLines(s.Attrs["hl_lines"])}); err != nil {
		return err
	}
	if ok && r.Output != "" && s.Action != snippet.Skip {
		fmt.Fprintf(w, `<details class="output"><summary>Output</summary><pre><code>%s</code></pre></details>`, html.EscapeString(r.Output))
	}
	fmt.Fprint(w, "</figure>\n")
	return nil
}

// highlightLang is the lexer name for a snippet: the written language, or
// the one its classified kind implies.
func highlightLang(s snippet.Snippet) string {
	if s.Lang != "" && !s.Guess {
		return s.Lang
	}
	switch s.Kind {
	case snippet.Dockerfile, snippet.DockerfileFragment:
		return "dockerfile"
	case snippet.Shell:
		return "bash"
	case snippet.Console:
		return "console"
	case snippet.Compose, snippet.YAML:
		return "yaml"
	}
	return s.Lang
}

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

func (b *builder) writeAssets(out string) error {
	dst := filepath.Join(out, "static")
	if err := fs.WalkDir(theme.FS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := theme.FS.ReadFile(p)
		if err != nil {
			return err
		}
		t := filepath.Join(out, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(t), 0o755); err != nil {
			return err
		}
		return os.WriteFile(t, data, 0o644)
	}); err != nil {
		return fmt.Errorf("write theme assets: %w", err)
	}
	css := highlight.CSS(`[data-theme="dark"]`)
	return os.WriteFile(filepath.Join(dst, "chroma.css"), []byte(css), 0o644)
}

func copyStatic(s *content.Site, out string) error {
	for _, rel := range s.Static {
		src := filepath.Join(s.Root, filepath.FromSlash(rel))
		dst := filepath.Join(out, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		data, err := os.ReadFile(src)
		if err != nil {
			return fmt.Errorf("copy %s: %w", path.Clean(rel), err)
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
