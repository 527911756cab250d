package server

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/shipshape/shipshape/internal/config"
	"github.com/shipshape/shipshape/internal/content"
	"github.com/shipshape/shipshape/internal/diag"
	loadstep "github.com/shipshape/shipshape/internal/project"
	"github.com/shipshape/shipshape/internal/results"
	"github.com/shipshape/shipshape/internal/site"
)

// resultsPath is where verify keeps its results, as the cli resolves it.
func (s *Server) resultsPath(cfg config.Config) string {
	if s.opt.Results != nil {
		return s.opt.Results(cfg)
	}
	return loadstep.ResultsPath(cfg)
}

// snapshot is one rendering of the whole site and what the server keeps
// beside it.
type snapshot struct {
	cfg    config.Config
	src    string
	out    *site.Output
	pages  map[string]*content.Page // source Path -> page
	known  map[string]bool          // source Paths of Markdown files, pages or not
	drafts map[string]bool          // site file -> draft
	diags  map[string]diag.List     // file in messages -> diagnostics
	cfgErr *diag.Diagnostic
	lazy   map[string]*content.Page // site file -> page not rendered yet
}

// renderAll loads and renders the whole site and swaps it in.
func (s *Server) renderAll() error {
	snap, err := s.prepare(false)
	if err != nil {
		return err
	}
	s.commit(snap, true)
	return nil
}

// prepare loads the site and renders it without touching what is served.
// A broken shipshape.toml keeps the last good configuration. It fails only
// when the content folder cannot be read.
//
// With quick set, pages are rendered with empty bodies (navigation,
// titles, search stubs) and left in lazy, to be rendered when first asked
// for: the preview of a large site starts in a fraction of a second, and
// the full render follows in the background.
func (s *Server) prepare(quick bool) (*snapshot, error) {
	cfg, err := config.Load(s.opt.Dir)
	var cfgErr *diag.Diagnostic
	if err != nil {
		d := configDiag(s.opt.Dir, err)
		cfgErr = &d
		s.mu.RLock()
		had := s.out != nil
		last := s.cfg
		s.mu.RUnlock()
		if had {
			cfg = last
		} else {
			cfg = config.Default()
			cfg.Root = s.opt.Dir
		}
	}
	if s.opt.Source != "" {
		cfg.Source = s.opt.Source
	}
	src := cfg.Path(cfg.Source)
	var extra diag.List
	rp := s.resultsPath(cfg)
	store, err := results.Load(rp)
	if err != nil {
		extra = append(extra, diag.Errorf(rp, 0, "results: %v", err))
		store = results.New()
	}
	cs, err := content.Load(src, content.Options{Drafts: true, Name: cfg.Source})
	if err != nil {
		return nil, err
	}
	in := cs
	if quick {
		stub := *cs
		stub.Pages = make([]*content.Page, len(cs.Pages))
		for i, p := range cs.Pages {
			c := *p
			c.Body = nil
			stub.Pages[i] = &c
		}
		in = &stub
	}
	var now results.Now
	if s.opt.Now != nil {
		now = s.opt.Now()
	}
	out, ds := site.Render(in, site.Options{Config: cfg, Results: store, Now: now, Cache: s.cache, Preview: true})
	if quick {
		// Links and anchors are checked by the full render that follows.
		ds = append(diag.List(nil), cs.Diags...)
	}
	ds = append(ds, extra...)

	snap := &snapshot{
		cfg: cfg, src: src, out: out, cfgErr: cfgErr,
		pages:  make(map[string]*content.Page, len(cs.Pages)),
		known:  make(map[string]bool, len(cs.Pages)),
		drafts: map[string]bool{},
		diags:  map[string]diag.List{},
		lazy:   map[string]*content.Page{},
	}
	for _, p := range cs.Pages {
		snap.pages[p.Path] = p
		snap.known[p.Path] = true
		key := out.PageFile[p.Path]
		if p.Draft {
			snap.drafts[key] = true
		}
		if quick && key != "" {
			snap.lazy[key] = p
		}
	}
	prefix := filepath.Join(cfg.Source, "x")
	prefix = prefix[:len(prefix)-1]
	for _, d := range ds {
		snap.diags[d.File] = append(snap.diags[d.File], d)
		if rel, ok := strings.CutPrefix(d.File, prefix); ok && strings.EqualFold(filepath.Ext(rel), ".md") {
			snap.known[filepath.ToSlash(rel)] = true
		}
	}
	return snap, nil
}

// commit swaps a snapshot in, as a new version when bump is set. A page
// that no longer renders keeps its last good HTML.
func (s *Server) commit(n *snapshot, bump bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.out != nil {
		for p, old := range s.pages {
			if _, ok := n.pages[p]; ok || n.diags[old.File].Errors() == 0 {
				continue
			}
			key := s.out.PageFile[p]
			if _, ok := n.out.Files[key]; !ok && key != "" {
				n.out.Files[key] = s.out.Files[key]
				n.drafts[key] = s.drafts[key]
			}
		}
		// A page that is fine but did not render (the site's own template
		// is broken) keeps its last good HTML too.
		for p := range n.pages {
			key := s.out.PageFile[p]
			if _, ok := n.out.Files[key]; key == "" || ok || n.out.PageFile[p] != "" {
				continue
			}
			if old, ok := s.out.Files[key]; ok {
				n.out.Files[key] = old
				n.drafts[key] = s.drafts[key]
			}
		}
	}
	s.cfg, s.src, s.out = n.cfg, n.src, n.out
	s.pages, s.known, s.drafts, s.diags, s.cfgErr, s.lazy = n.pages, n.known, n.drafts, n.diags, n.cfgErr, n.lazy
	if bump {
		s.bump()
	}
}

// renderLazy renders a page left for later by a quick start, if key is one.
func (s *Server) renderLazy(key string) {
	s.mu.RLock()
	_, ok := s.lazy[key]
	s.mu.RUnlock()
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.lazy[key]; ok {
		s.out.RenderPage(p)
		delete(s.lazy, key)
	}
}

// bump marks a new version of the site; the caller holds mu.
func (s *Server) bump() {
	s.builds++
	s.version = fmt.Sprintf("%x.%d", s.started.UnixNano(), s.builds)
}

// renderPages re-renders edited pages one by one. It returns done false,
// having changed nothing, when a page is new to the site: only a full render
// can place it. It returns more true when an edit reaches beyond its page
// (a title, weight or draft flag the navigation shows, or headings other
// pages may link to): the pages are shown at once, and the whole site must
// be rendered after.
func (s *Server) renderPages(rels []string) (done, more bool, ds diag.List) {
	s.mu.Lock()
	defer s.mu.Unlock()
	type parsed struct {
		rel  string
		file string
		p    *content.Page
		ds   diag.List
	}
	var todo []parsed
	for _, rel := range rels {
		b, err := os.ReadFile(filepath.Join(s.src, filepath.FromSlash(rel)))
		if err != nil {
			return false, false, nil
		}
		file := filepath.Join(s.cfg.Source, filepath.FromSlash(rel))
		p, pds := content.Parse(file, rel, b)
		old := s.pages[rel]
		if p != nil && old == nil {
			return false, false, nil
		}
		more = more || (p != nil && structural(old, p))
		todo = append(todo, parsed{rel, file, p, pds})
	}
	for _, t := range todo {
		all := t.ds
		if t.p != nil {
			key, rds := s.out.RenderPage(t.p)
			delete(s.lazy, key)
			all = append(all, rds...)
			s.pages[t.rel] = t.p
		}
		// When the page fails to parse, its last good HTML stays.
		s.diags[t.file] = all
		ds = append(ds, all...)
	}
	s.bump()
	return true, more, ds
}

// structural reports whether an edit changes what other pages show of this
// one: navigation entries, or the anchors their links may point at.
func structural(old, p *content.Page) bool {
	return old.Title != p.Title || old.Weight != p.Weight || old.Draft != p.Draft ||
		!bytes.Equal(anchorLines(old.Body), anchorLines(p.Body))
}

// anchorLines keeps the lines that can make an id: ATX headings, setext
// underlines with the line above them, and raw HTML ids. Code blocks are not
// told apart, so an edit there may cost a full render, never a stale link.
func anchorLines(body []byte) []byte {
	var out []byte
	lines := bytes.Split(body, []byte("\n"))
	for i, l := range lines {
		t := bytes.TrimSpace(l)
		setext := len(t) > 0 && (len(bytes.Trim(t, "=")) == 0 || len(bytes.Trim(t, "-")) == 0)
		switch {
		case bytes.HasPrefix(t, []byte("#")), bytes.Contains(t, []byte("id=")), bytes.Contains(t, []byte("{#")):
			out = append(append(out, t...), '\n')
		case setext && i > 0:
			out = append(append(append(out, bytes.TrimSpace(lines[i-1])...), '\n'), append(t, '\n')...)
		}
	}
	return out
}

// change is one batch of file events, sorted into what they need.
type change struct {
	full   bool     // render the whole site
	pages  []string // edited Markdown pages, by source Path
	css    []string // stylesheets changed on disk, by site path
	static bool     // other content files changed on disk
	why    string   // the first file that asked for a full render
	edited bool     // a source changed, not only the results file
}

// apply rebuilds after one batch and tells the open pages.
//
// It returns settle true after pages were re-rendered on their own: the
// search index and the link checks of other pages then lag behind, and a
// quiet full render (see settle) brings them up to date.
func (s *Server) apply(ctx context.Context, c change) (settle bool) {
	start := time.Now()
	if s.opt.Edited != nil && c.edited {
		s.opt.Edited()
	}
	switch {
	case c.full:
		s.full(ctx, c.why, start)
	case len(c.pages) > 0:
		done, more, ds := s.renderPages(c.pages)
		if !done {
			s.full(ctx, c.pages[0], start)
			return false
		}
		s.logBuild("rebuilt", time.Since(start), len(c.pages), ds)
		s.publish(nil)
		if more {
			// navigation, search and links of other pages follow
			s.full(ctx, c.pages[0], time.Now())
			return false
		}
		return true
	case c.static:
		s.mu.Lock()
		s.bump()
		s.mu.Unlock()
		fmt.Fprintf(s.opt.Log, "reload: files changed\n")
		s.publish(nil)
	case len(c.css) > 0:
		fmt.Fprintf(s.opt.Log, "styles changed: %s\n", strings.Join(c.css, ", "))
		s.publish(c.css)
	}
	return false
}

// settled is a quiet full render, started at generation gen.
type settled struct {
	snap *snapshot
	gen  int
	err  error
}

// settle renders the whole site in the background after page-only edits,
// and sends the result on out. It must not block the watcher: a save while
// it runs is served at once, and the stale result is dropped (see
// commitSettled).
func (s *Server) settle(out chan<- settled) {
	s.mu.RLock()
	gen := s.builds
	s.mu.RUnlock()
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		snap, err := s.prepare(false)
		out <- settled{snap, gen, err}
	}()
}

// commitSettled swaps in a quiet full render unless an edit came after it
// started or a page dropped out of it. Open pages reload only when the errors changed: what they show
// is otherwise the same.
func (s *Server) commitSettled(r settled) {
	if r.err != nil {
		return
	}
	s.mu.RLock()
	stale := s.builds != r.gen || len(r.snap.pages) != len(s.pages)
	for p := range s.pages {
		// A page whose file is broken now keeps its last good version, and
		// other pages keep their links to it until it is fixed.
		if _, ok := r.snap.pages[p]; !ok {
			stale = true
		}
	}
	before := fmt.Sprint(s.errors())
	s.mu.RUnlock()
	if stale {
		return
	}
	s.commit(r.snap, false)
	s.mu.Lock()
	changed := fmt.Sprint(s.errors()) != before
	if changed {
		s.bump()
	}
	s.mu.Unlock()
	if changed {
		s.logBuild("checked site:", 0, r.snap.out.Stats.Pages, s.allDiags())
		s.publish(nil)
	}
}

// full renders the whole site. Rendering cannot be interrupted, so on
// cancel it is abandoned rather than waited for. The first full render
// after a quick start changes nothing a page shows unless it finds errors
// (link checks), so only then does it reload the open pages.
func (s *Server) full(ctx context.Context, why string, start time.Time) {
	type result struct {
		snap *snapshot
		err  error
	}
	done := make(chan result, 1)
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		snap, err := s.prepare(false)
		done <- result{snap, err}
	}()
	var r result
	select {
	case <-ctx.Done():
		return
	case r = <-done:
	}
	if r.err != nil {
		s.mu.Lock()
		s.cfgErr = &diag.Diagnostic{File: s.cfg.Source, Severity: diag.Error, Message: r.err.Error()}
		s.bump()
		s.mu.Unlock()
		fmt.Fprintf(s.opt.Log, "rebuild: %v\n", r.err)
		s.publish(nil)
		return
	}
	initial := why == ""
	bump := !initial
	if initial {
		for _, ds := range r.snap.diags {
			bump = bump || ds.Errors() > 0
		}
	}
	s.commit(r.snap, bump)
	if initial {
		close(s.checked)
		s.logBuild("rendered and checked", time.Since(start), r.snap.out.Stats.Pages, s.allDiags())
	} else {
		s.logBuild("rebuilt site ("+why+"):", time.Since(start), r.snap.out.Stats.Pages, s.allDiags())
	}
	if bump {
		s.publish(nil)
	}
}

func (s *Server) publish(css []string) {
	s.mu.RLock()
	e := event{Version: s.version, CSS: css, Errors: len(s.errors())}
	s.mu.RUnlock()
	s.hub.publish(e)
}
