package site

import (
	"fmt"
	"net/url"
	"path"
	"strings"

	"github.com/yuin/goldmark/ast"

	"github.com/shipshape/shipshape/internal/content"
	"github.com/shipshape/shipshape/internal/diag"
	"github.com/shipshape/shipshape/internal/markdown"
)

// Links are checked in every build. A relative link is read the way the
// author sees it in an editor or on GitHub: relative to the Markdown file,
// so "../basics/first.md#ports" and "img/a.png" work; it is then rewritten
// to the page's URL. A link that does not name a source file is tried as a
// URL relative to the rendered page ("../first/"), and as a site-rooted path
// ("/basics/first/"). Fragments are checked against the ids the target page
// really renders.

// resolver knows every target a link can reach.
type resolver struct {
	bySource map[string]*content.Page // "basics/first.md"
	byURL    map[string]*content.Page // "basics/first/" ("" for the home page)
	static   map[string]bool          // "img/a.png"
}

func newResolver(s *content.Site) *resolver {
	r := &resolver{bySource: map[string]*content.Page{}, byURL: map[string]*content.Page{}, static: map[string]bool{}}
	for _, p := range s.Pages {
		r.bySource[p.Path] = p
		r.byURL[strings.TrimPrefix(p.URL, "/")] = p
	}
	for _, st := range s.Static {
		r.static[st] = true
	}
	return r
}

// pendingLink is a link whose fragment is checked once every page has been
// rendered and its ids are known.
type pendingLink struct {
	From   *content.Page
	Line   int // line in From.File
	Dest   string
	Target *content.Page
	Frag   string
}

// resolve checks one link's path and rewrites it in place. It returns a
// pending fragment check, or a diagnostic for a link that leads nowhere.
func (r *resolver) resolve(p *content.Page, l markdown.Link) (*pendingLink, *diag.Diagnostic) {
	line := p.BodyLine - 1 + l.Line
	dest := l.Dest
	if dest == "" || strings.HasPrefix(dest, "//") {
		return nil, nil
	}
	u, err := url.Parse(dest)
	if err != nil {
		d := diag.Errorf(p.File, line, "malformed link %q: %v", dest, err)
		d.Rule = "link"
		return nil, &d
	}
	if u.Scheme != "" || u.Host != "" {
		return nil, nil
	}
	pl := &pendingLink{From: p, Line: line, Dest: dest, Frag: u.Fragment}
	if u.Path == "" {
		pl.Target = p
		return pl, nil
	}
	rel := relRoot(p.URL)
	set := func(out string, target *content.Page) {
		pl.Target = target
		nd := rel + out
		if nd == "" {
			nd = "./"
		}
		if u.RawQuery != "" {
			nd += "?" + u.RawQuery
		}
		if u.Fragment != "" {
			nd += "#" + u.EscapedFragment()
		}
		setDest(l, nd)
	}
	// 1. relative to the Markdown file, or to the site root for "/x"
	var srcPath string
	if strings.HasPrefix(u.Path, "/") {
		srcPath = path.Clean(strings.TrimPrefix(u.Path, "/"))
	} else {
		srcPath = path.Join(path.Dir(p.Path), u.Path)
	}
	if srcPath == "." {
		srcPath = ""
	}
	if t := r.page(srcPath); t != nil {
		set(strings.TrimPrefix(t.URL, "/"), t)
		return pl, nil
	}
	if r.static[srcPath] {
		set(srcPath, nil)
		return pl, nil
	}
	// 2. relative to the rendered page's URL, as a browser reads it
	if !strings.HasPrefix(u.Path, "/") {
		urlPath := path.Join(strings.TrimPrefix(p.URL, "/"), u.Path)
		if urlPath == "." {
			urlPath = ""
		}
		if t := r.page(urlPath); t != nil {
			pl.Target = t
			return pl, nil
		}
		if r.static[urlPath] {
			return nil, nil
		}
	}
	kind := "page or file"
	if l.Image {
		kind = "image"
	}
	d := diag.Errorf(p.File, line, "broken link %q: no %s %s", dest, kind, srcPath)
	d.Rule = "link"
	if c := r.closest(srcPath, l.Image); c != "" {
		d.Hint = fmt.Sprintf("did you mean %q?", relPath(path.Dir(p.Path), c))
	}
	return nil, &d
}

// page finds a page by source path ("a/b.md"), folder ("a" for a/index.md)
// or URL path ("a/b", "a/b/", "a/b/index.html").
func (r *resolver) page(p string) *content.Page {
	if t := r.bySource[p]; t != nil {
		return t
	}
	p = strings.TrimSuffix(p, "index.html")
	p = strings.TrimSuffix(p, "/")
	if p == "" {
		return r.byURL[""]
	}
	return r.byURL[p+"/"]
}

// closest suggests the existing source path most like want.
func (r *resolver) closest(want string, image bool) string {
	var cands []string
	if !image {
		for k := range r.bySource {
			cands = append(cands, k)
		}
	}
	for k := range r.static {
		cands = append(cands, k)
	}
	return closest(want, cands)
}

// checkFragment reports a fragment that names no id on the target page.
func checkFragment(pl *pendingLink, ids map[string]bool) *diag.Diagnostic {
	if pl.Frag == "" || pl.Target == nil || ids == nil || ids[pl.Frag] {
		return nil
	}
	where := "this page"
	if pl.Target != pl.From {
		where = pl.Target.Path
	}
	d := diag.Errorf(pl.From.File, pl.Line, "broken link %q: no heading or anchor #%s in %s", pl.Dest, pl.Frag, where)
	d.Rule = "link"
	cands := make([]string, 0, len(ids))
	for k := range ids {
		cands = append(cands, k)
	}
	if c := closest(pl.Frag, cands); c != "" {
		d.Hint = fmt.Sprintf("did you mean #%s?", c)
	}
	return &d
}

func setDest(l markdown.Link, dest string) {
	switch n := l.Node.(type) {
	case *ast.Link:
		n.Destination = []byte(dest)
	case *ast.Image:
		n.Destination = []byte(dest)
	}
}

// relPath is target as seen from folder dir, both slash paths from the root.
func relPath(dir, target string) string {
	if dir == "." {
		dir = ""
	}
	from := strings.Split(dir, "/")
	if dir == "" {
		from = nil
	}
	to := strings.Split(target, "/")
	i := 0
	for i < len(from) && i < len(to)-1 && from[i] == to[i] {
		i++
	}
	return strings.Repeat("../", len(from)-i) + strings.Join(to[i:], "/")
}

// closest picks the candidate nearest to want by edit distance, with a bonus
// for one containing the other; "" when nothing is near enough to help.
func closest(want string, cands []string) string {
	best, bestD := "", -1
	for _, c := range cands {
		d := levenshtein(want, c)
		if strings.Contains(c, want) || strings.Contains(want, c) {
			d /= 4
		}
		if bestD < 0 || d < bestD || d == bestD && c < best {
			best, bestD = c, d
		}
	}
	if bestD < 0 || bestD > (len(want)+1)/2+2 {
		return ""
	}
	return best
}

func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
