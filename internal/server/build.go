package server

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/shipshape/shipshape/internal/config"
	"github.com/shipshape/shipshape/internal/content"
	"github.com/shipshape/shipshape/internal/diag"
	"github.com/shipshape/shipshape/internal/results"
	"github.com/shipshape/shipshape/internal/site"
)

// resultsPath is where verify keeps its results, as the cli resolves it.
func (s *Server) resultsPath(cfg config.Config) string {
	if s.opt.Results != nil {
		return s.opt.Results(cfg)
	}
	p := cfg.Verify.Results
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(cfg.Path(cfg.Source), p)
}

// renderAll loads and renders the whole site. A page that no longer renders
// keeps its last good HTML; a broken shipshape.toml keeps the last good
// configuration. It fails only when there is nothing to serve at all.
func (s *Server) renderAll() error {
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
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.out == nil {
			return err
		}
		s.cfgErr = &diag.Diagnostic{File: cfg.Source, Severity: diag.Error, Message: err.Error()}
		return nil
	}
	out, ds := site.Render(cs, site.Options{Config: cfg, Results: store})
	ds = append(ds, extra...)

	pages := make(map[string]*content.Page, len(cs.Pages))
	known := make(map[string]bool, len(cs.Pages))
	drafts := map[string]bool{}
	for _, p := range cs.Pages {
		pages[p.Path] = p
		known[p.Path] = true
		if p.Draft {
			drafts[out.PageFile[p.Path]] = true
		}
	}
	byFile := map[string]diag.List{}
	prefix := filepath.Join(cfg.Source, "x")
	prefix = prefix[:len(prefix)-1]
	for _, d := range ds {
		byFile[d.File] = append(byFile[d.File], d)
		if rel, ok := strings.CutPrefix(d.File, prefix); ok && strings.EqualFold(filepath.Ext(rel), ".md") {
			known[filepath.ToSlash(rel)] = true
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	// The last good HTML of a page that now fails stays served.
	if s.out != nil {
		for p, old := range s.pages {
			if _, ok := pages[p]; ok || byFile[old.File].Errors() == 0 {
				continue
			}
			key := s.out.PageFile[p]
			if _, ok := out.Files[key]; !ok && key != "" {
				out.Files[key] = s.out.Files[key]
				drafts[key] = s.drafts[key]
			}
		}
	}
	s.cfg, s.src, s.out = cfg, src, out
	s.pages, s.known, s.drafts, s.diags, s.cfgErr = pages, known, drafts, byFile, cfgErr
	s.bump()
	return nil
}

// bump marks a new version of the site; the caller holds mu.
func (s *Server) bump() {
	s.builds++
	s.version = fmt.Sprintf("%x.%d", s.started.UnixNano(), s.builds)
}

// renderPages re-renders edited pages one by one. It returns false when
// the edit reaches beyond the page (a new or vanished page, a title, weight
// or draft flag the navigation shows, or headings other pages may link to)
// and the whole site must be rendered instead.
func (s *Server) renderPages(rels []string) (done bool, ds diag.List) {
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
			return false, nil
		}
		file := filepath.Join(s.cfg.Source, filepath.FromSlash(rel))
		p, pds := content.Parse(file, rel, b)
		old := s.pages[rel]
		if p != nil && (old == nil || structural(old, p)) {
			return false, nil
		}
		todo = append(todo, parsed{rel, file, p, pds})
	}
	for _, t := range todo {
		all := t.ds
		if t.p != nil {
			_, rds := s.out.RenderPage(t.p)
			all = append(all, rds...)
			s.pages[t.rel] = t.p
		}
		// When the page fails to parse, its last good HTML stays.
		s.diags[t.file] = all
		ds = append(ds, all...)
	}
	s.bump()
	return true, ds
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
}

// apply rebuilds after one batch and tells the open pages.
func (s *Server) apply(c change) {
	start := time.Now()
	switch {
	case c.full:
		s.full(c.why, start)
	case len(c.pages) > 0:
		done, ds := s.renderPages(c.pages)
		if !done {
			s.full(c.pages[0], start)
			return
		}
		s.logBuild("rebuilt", time.Since(start), len(c.pages), ds)
		s.publish(nil)
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
}

func (s *Server) full(why string, start time.Time) {
	if err := s.renderAll(); err != nil {
		fmt.Fprintf(s.opt.Log, "rebuild: %v\n", err)
		return
	}
	s.mu.RLock()
	n := s.out.Stats.Pages
	s.mu.RUnlock()
	s.logBuild("rebuilt site ("+why+"):", time.Since(start), n, s.allDiags())
	s.publish(nil)
}

func (s *Server) publish(css []string) {
	s.mu.RLock()
	e := event{Version: s.version, CSS: css, Errors: len(s.errors())}
	s.mu.RUnlock()
	s.hub.publish(e)
}
