// Package project loads a site once for every command: its pages, their
// snippets with includes resolved and identities sealed, the diagnostics
// and the stored results.
package project

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"runtime"
	"sort"
	"sync"

	"github.com/yuin/goldmark/ast"

	"github.com/shipshape/shipshape/internal/config"
	"github.com/shipshape/shipshape/internal/content"
	"github.com/shipshape/shipshape/internal/diag"
	"github.com/shipshape/shipshape/internal/markdown"
	"github.com/shipshape/shipshape/internal/results"
	"github.com/shipshape/shipshape/internal/snippet"
)

// Project is a loaded site.
type Project struct {
	Config config.Config
	Site   *content.Site
	// Snippets[i] are the code blocks of Site.Pages[i], in order.
	Snippets [][]snippet.Snippet
	// Diags are the content diagnostics (Site.Diags) followed by those of
	// the code blocks.
	Diags       diag.List
	Results     *results.File
	ResultsPath string
}

// Options change what Load keeps.
type Options struct {
	Drafts bool // keep pages with draft: true
}

// Load reads the content folder of cfg, extracts every page's snippets and
// reads the results file.
func Load(cfg config.Config, opt Options) (*Project, error) {
	s, err := content.Load(cfg.Path(cfg.Source), content.Options{Drafts: opt.Drafts, Name: cfg.Source})
	if err != nil {
		return nil, err
	}
	p := FromSite(cfg, s)
	p.ResultsPath = ResultsPath(cfg)
	p.Results, err = results.Load(p.ResultsPath)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// FromSite extracts the snippets of pages already loaded (check reads
// single Markdown files this way). Results are empty.
func FromSite(cfg config.Config, s *content.Site) *Project {
	p := &Project{Config: cfg, Site: s, Results: results.New(), Snippets: make([][]snippet.Snippet, len(s.Pages))}
	p.Diags = append(p.Diags, s.Diags...)
	md := markdown.New(markdown.Options{})
	// Pages are parsed in parallel (the parser keeps no state between
	// calls); their findings are kept in page order.
	diags := make([]diag.List, len(s.Pages))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				pg := s.Pages[i]
				p.Snippets[i], diags[i] = Page(cfg, pg, md.Parse(pg.Body))
			}
		}()
	}
	for i := range s.Pages {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, ds := range diags {
		p.Diags = append(p.Diags, ds...)
	}
	return p
}

// Page lists one page's snippets from its parsed body: extracted, includes
// read, and sealed, so that each hash covers what the block reads from its
// page. It is the only place snippets are made; the site renders from it.
func Page(cfg config.Config, p *content.Page, doc ast.Node) ([]snippet.Snippet, diag.List) {
	d, ok := doc.(*ast.Document)
	if !ok {
		return nil, nil
	}
	sn, ds := snippet.Extract(p.File, d, p.Body, p.BodyLine, cfg.MapImage, cfg.Verify.Image)
	if p.Tool != "" {
		lenientInfo(ds)
	}
	for i := range sn {
		ds = append(ds, snippet.Include(&sn[i], cfg.ReadFile, cfg.MapImage)...)
	}
	snippet.Seal(sn, cfg.MapImage, snippet.Env{Session: Env(cfg), Limits: Limits(cfg)})
	return sn, ds
}

// lenientInfo makes a warning of the error on an info string that opens
// attributes with { and never closes them, in a tree another tool builds:
// that tool reads the block by its language, without attributes and
// without an error, so the page is fine for it. In shipshape's own tree
// the attributes say what verify does, and it stays an error.
func lenientInfo(ds diag.List) {
	for i, d := range ds {
		if d.Severity == diag.Error && d.Rule == snippet.RuleUnclosedInfo {
			ds[i].Severity = diag.Warning
			ds[i].Message += "; read without attributes, as the tree's own tool reads it"
		}
	}
}

// Limits digests the sandbox limits of [verify] that change what a run,
// build or check may do; "" while they are the defaults, so that the
// hashes of a site that sets none do not depend on this list.
func Limits(cfg config.Config) string {
	v, d := cfg.Verify, config.Default().Verify
	if v.Timeout == d.Timeout && v.BuildTimeout == d.BuildTimeout && v.Memory == d.Memory && v.Pids == d.Pids &&
		v.CPUs == d.CPUs && v.OutputLimit == d.OutputLimit && v.AllowSocket == d.AllowSocket && v.AllowHost == d.AllowHost {
		return ""
	}
	s := fmt.Sprintf("timeout=%s build_timeout=%s memory=%s pids=%d cpus=%g output_limit=%d allow_docker_socket=%t",
		v.Timeout, v.BuildTimeout, v.Memory, v.Pids, v.CPUs, v.OutputLimit, v.AllowSocket)
	if v.AllowHost {
		s += " allow_host=true"
	}
	return s
}

// Env digests what every page session sees of the configuration: the
// session image and the whole image map, through which its commands reach
// images.
func Env(cfg config.Config) string {
	keys := make([]string, 0, len(cfg.Images))
	for k := range cfg.Images {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := sha256.New()
	fmt.Fprintf(h, "session=%s\ndefault=%s\n", cfg.Verify.SessionImage, cfg.MapImage(""))
	for _, k := range keys {
		fmt.Fprintf(h, "%s=%s\n", k, cfg.Images[k])
	}
	return hex.EncodeToString(h.Sum(nil))[:20]
}

// ResultsPath is where verify keeps its results: [verify] results,
// relative to the content folder.
func ResultsPath(cfg config.Config) string {
	p := cfg.Verify.Results
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(cfg.Path(cfg.Source), p)
}

// BlockDiags are the diagnostics of the code blocks alone.
func (p *Project) BlockDiags() diag.List { return p.Diags[len(p.Site.Diags):] }

// ByFile maps each page's File to its snippets, for the site.
func (p *Project) ByFile() map[string][]snippet.Snippet {
	m := make(map[string][]snippet.Snippet, len(p.Snippets))
	for i, pg := range p.Site.Pages {
		m[pg.File] = p.Snippets[i]
	}
	return m
}

// Keep lists every snippet hash of the project, for results.Prune.
func (p *Project) Keep() map[string]bool {
	keep := map[string]bool{}
	for _, pg := range p.Snippets {
		for _, s := range pg {
			keep[s.Hash] = true
		}
	}
	return keep
}
