package site

import (
	"bytes"
	"fmt"
	"html"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/util"

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
	root     string                   // the content folder on disk
	public   string                   // a folder served at the site's root by the tree's own tool, or ""
	base     string                   // the URL path its tool serves pages under ("docs/"), or ""
	others   map[string]string        // URL paths of the tool's other page folders -> folder on disk
	repo     string                   // the folder around it images may come from, or ""
	locales  []string                 // languages of translations beside a page (page.de.md), default first

	linkHook string       // the tree's own link template (Hugo's render-link.html), or ""
	hooked   atomic.Int64 // links with a bare word for an address, left to linkHook
	idHooks  string       // the tree's own code that may make ids (MkDocs' hooks), or ""
	hookIDs  atomic.Int64 // fragments left to idHooks

	mu      sync.Mutex
	outside map[string]string // site path -> file outside the content folder, copied into the site
}

// bareWord is a link's address that is only a word: no page's path, no
// file's, no fragment.
var bareWord = regexp.MustCompile(`^[A-Za-z][\w-]*$`)

// outsideDir is where images from outside the content folder are copied,
// keeping their path from the repository's root.
const outsideDir = "_repo/"

func newResolver(s *content.Site) *resolver {
	r := &resolver{bySource: map[string]*content.Page{}, byURL: map[string]*content.Page{}, static: map[string]bool{},
		root: s.Root, repo: s.Repo, public: s.Public, base: s.Base, others: s.Others, locales: s.Locales, outside: map[string]string{}}
	if s.Tool == "mkdocs" {
		r.idHooks = s.Markup.IDHooks
	}
	for _, p := range s.Pages {
		r.bySource[p.Path] = p
		r.byURL[strings.TrimPrefix(p.URL, "/")] = p
	}
	for _, st := range s.Static {
		r.static[st] = true
	}
	if s.Tool == "hugo" {
		r.linkHook = s.Markup.LinkHook
		// Hugo serves every page at its path in lower case (unless
		// disablePathToLower): Translate.md is /functions/lang/translate/.
		for _, p := range s.Pages {
			if k := strings.ToLower(strings.TrimPrefix(p.URL, "/")); !s.Markup.CasedPaths && r.byURL[k] == nil {
				r.byURL[k] = p
			}
		}
		// Hugo serves a page at each of its front matter's aliases too
		// (a redirect); a relative one is in the page's section.
		for _, p := range s.Pages {
			as, _ := p.Params["aliases"].([]any)
			for _, a := range as {
				a, ok := a.(string)
				if !ok || a == "" {
					continue
				}
				if !strings.HasPrefix(a, "/") {
					a = path.Join(p.Section, a)
				}
				if a = strings.Trim(path.Clean("/"+a), "/"); a != "" && r.byURL[a+"/"] == nil {
					r.byURL[a+"/"] = p
				}
			}
		}
	}
	if s.Base != "" {
		// Docusaurus names a page by its front matter too: "id" replaces
		// the file's name, "slug" its whole path
		for _, p := range s.Pages {
			if id, ok := p.Params["id"].(string); ok && id != "" {
				r.byURL[strings.TrimPrefix(path.Join(p.Section, id), "/")+"/"] = p
			}
			if sl, ok := p.Params["slug"].(string); ok && sl != "" {
				if !strings.HasPrefix(sl, "/") {
					sl = path.Join(p.Section, sl)
				}
				if sl = strings.Trim(path.Clean("/"+sl), "/"); sl != "" {
					r.byURL[sl+"/"] = p
				}
			}
		}
	}
	return r
}

// templateMarker is a docs template's placeholder (%%GITHUB-REPO%%, as
// the official images' docs write their links), or a Hugo shortcode whose
// output is the address ({{% eturl alias %}}, {{< ref "page" >}}): no
// address has "%%" around a name in capitals, nor "{{%" or "{{<".
var templateMarker = regexp.MustCompile(`%%[A-Z][A-Z0-9_-]*%%|\{\{[%<].*[%>]\}\}`)

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
	// CommonMark reads a backslash before punctuation in a destination as
	// that character (GitBook writes assets/button\_be.png); goldmark
	// leaves the backslash in.
	dest := string(util.UnescapePunctuations([]byte(l.Dest)))
	if dest == "" || strings.HasPrefix(dest, "//") {
		return nil, nil
	}
	if templateMarker.MatchString(dest) {
		return nil, nil // the docs are a template; its generator fills the address in
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
	if r.linkHook != "" && bareWord.MatchString(dest) && r.page(path.Join(path.Dir(p.Path), dest)) == nil {
		// [IANA](g): the site's own link template turns the word into
		// an address (a glossary's, say); Hugo's links are its to make.
		r.hooked.Add(1)
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
	if r.linkHook != "" {
		// The site's link template finds pages as Hugo's GetPage does,
		// whatever their case (/functions/urls/relLangURL/).
		if t := r.page(strings.ToLower(srcPath)); t != nil {
			set(strings.TrimPrefix(t.URL, "/"), t)
			return pl, nil
		}
	}
	if tr := r.translation(p.Path, srcPath); tr != "" {
		if t := r.bySource[tr]; t != nil {
			set(strings.TrimPrefix(t.URL, "/"), t)
		} else {
			set(tr, nil)
		}
		return pl, nil
	}
	if strings.HasPrefix(u.Path, "/") {
		// the tree's own tool serves pages under a base ("/docs/intro",
		// "/docs/next/intro") and its public folder at the root ("/img/a.png")
		if r.base != "" {
			if rest, ok := strings.CutPrefix(srcPath+"/", r.base); ok {
				rest = strings.TrimSuffix(strings.TrimPrefix(rest, "next/"), "/")
				if t := r.page(rest); t != nil {
					set(strings.TrimPrefix(t.URL, "/"), t)
					return pl, nil
				}
				if t := r.page(strings.TrimSuffix(rest, path.Ext(rest))); t != nil && strings.HasPrefix(path.Ext(rest), ".md") {
					set(strings.TrimPrefix(t.URL, "/"), t)
					return pl, nil
				}
			}
		}
		for prefix, dir := range r.others {
			rest, ok := strings.CutPrefix(srcPath+"/", prefix)
			if !ok {
				continue
			}
			rest = strings.TrimSuffix(rest, "/")
			for _, try := range []string{rest, rest + ".md", rest + ".mdx", rest + "/index.md", rest + "/index.mdx"} {
				if st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(try))); err == nil && !st.IsDir() {
					d := diag.Warnf(p.File, line, "link %q leads outside the site: %s is in %s, which this site does not build", dest, try, dir)
					d.Rule = "link-outside"
					return nil, &d
				}
			}
		}
		if r.public != "" && srcPath != "" {
			full := filepath.Join(r.public, filepath.FromSlash(srcPath))
			if st, err := os.Stat(full); err == nil && !st.IsDir() {
				r.mu.Lock()
				r.outside[srcPath] = full
				r.mu.Unlock()
				set(srcPath, nil)
				return nil, nil
			}
		}
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
	if r.base != "" && !strings.HasPrefix(u.Path, "/") {
		// Docusaurus also reads a relative link to a file from the content root
		if t := r.bySource[path.Clean(u.Path)]; t != nil {
			set(strings.TrimPrefix(t.URL, "/"), t)
			return pl, nil
		}
	}
	if srcPath == ".." || strings.HasPrefix(srcPath, "../") {
		return r.outsideLink(p, l, line, srcPath, set)
	}
	if d := r.unpublished(p, l, line, srcPath); d != nil {
		return nil, d
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

// outsideLink handles a link that leaves the content folder ("../../README.md",
// "../assets/logo.png"). An image that exists inside the repository is
// copied into the site and the link rewritten to it; any other existing
// file is reported as outside the site (a warning: it is there, but the
// site cannot serve it); a file that does not exist is a broken link.
func (r *resolver) outsideLink(p *content.Page, l markdown.Link, line int, srcPath string, set func(string, *content.Page)) (*pendingLink, *diag.Diagnostic) {
	abs := filepath.Join(r.root, filepath.FromSlash(srcPath))
	st, err := os.Stat(abs)
	if err != nil {
		d := diag.Errorf(p.File, line, "broken link %q: no file %s (outside the content folder)", l.Dest, filepath.ToSlash(abs))
		d.Rule = "link"
		return nil, &d
	}
	if r.repo != "" && l.Image && !st.IsDir() {
		repo, _ := filepath.Abs(r.repo)
		full, _ := filepath.Abs(abs)
		if rel, err := filepath.Rel(repo, full); err == nil && !strings.HasPrefix(rel, "..") {
			sitePath := outsideDir + filepath.ToSlash(rel)
			r.mu.Lock()
			r.outside[sitePath] = full
			r.mu.Unlock()
			set(sitePath, nil)
			return nil, nil
		}
	}
	d := diag.Warnf(p.File, line, "link %q leads outside the site: %s is not in the content folder", l.Dest, srcPath)
	d.Rule = "link-outside"
	d.Hint = "link to it by its address in the repository, or move it into the content folder"
	return nil, &d
}

// unpublished reports a link to something that exists in the content folder
// but is no page and no file of the site: a folder without an index page
// ("../yamlutils", which GitHub shows as a listing) or a file in a hidden
// folder (".github/CONTRIBUTING.md"). It is there, so it is not a broken
// link; the site just cannot serve it. A nil result means nothing is there.
func (r *resolver) unpublished(p *content.Page, l markdown.Link, line int, srcPath string) *diag.Diagnostic {
	if srcPath == "" {
		return nil
	}
	st, err := os.Stat(filepath.Join(r.root, filepath.FromSlash(srcPath)))
	if err != nil {
		return nil
	}
	what := "a file the site does not publish (hidden, or a symbolic link out of the content folder)"
	if st.IsDir() {
		what = "a folder without an index page"
	}
	d := diag.Warnf(p.File, line, "link %q leads outside the site: %s is %s", l.Dest, srcPath, what)
	d.Rule = "link-outside"
	d.Hint = "link to it by its address in the repository"
	return &d
}

// page finds a page by source path ("a/b.md"), folder ("a" for a/index.md)
// or URL path ("a/b", "a/b/", "a/b/index.html").
// translation finds the file a link to target (other.md, img/a.png) leads
// to in a tree whose translations sit side by side (MkDocs' i18n plugin
// does so for pages and images alike): the one in the language of the
// linking page from (page.de.md links to other.de.md), else in the
// default language. "" when there is none.
func (r *resolver) translation(from, target string) string {
	ext := path.Ext(target)
	if len(r.locales) == 0 || ext == "" {
		return ""
	}
	stem := strings.TrimSuffix(target, ext)
	langs := r.locales
	if l := path.Ext(strings.TrimSuffix(from, path.Ext(from))); l != "" && slices.Contains(r.locales, l[1:]) {
		langs = append([]string{l[1:]}, r.locales...)
	}
	for _, l := range langs {
		if t := stem + "." + l + ext; r.bySource[t] != nil || r.static[t] {
			return t
		}
	}
	return ""
}

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

// leftToHooks says whether a fragment no id answers is the tree's own
// code's to make: in an MkDocs tree with hooks, one with a character
// MkDocs' headings never give (#config.blog_dir, #+type:abstract). Such a
// fragment is counted, not reported.
func (r *resolver) leftToHooks(pl *pendingLink, ids map[string]bool) bool {
	if r.idHooks == "" || pl.Frag == "" || ids == nil || ids[pl.Frag] || !strings.ContainsAny(pl.Frag, ".+:") {
		return false
	}
	r.hookIDs.Add(1)
	return true
}

// checkFragment reports a fragment that names no id on the target page.
// A fragment that differs from an id only in case, or in how another tool
// would have made it from the same heading (hyphens collapsed or trimmed,
// as MkDocs and Hugo do; "_" before a leading digit, as VitePress does;
// dots and colons kept, as GitBook does),
// works in some browsers and hosts and not in others: that is a warning
// naming the id to write, not a broken link.
func checkFragment(pl *pendingLink, ids map[string]bool) *diag.Diagnostic {
	if pl.Frag == "" || pl.Target == nil || ids == nil || ids[pl.Frag] {
		return nil
	}
	where := "this page"
	if pl.Target != pl.From {
		where = pl.Target.Path
	}
	cands := make([]string, 0, len(ids))
	for k := range ids {
		cands = append(cands, k)
	}
	sort.Strings(cands)
	for _, c := range cands {
		if looseID(c) == looseID(pl.Frag) {
			d := diag.Warnf(pl.From.File, pl.Line, "link %q: #%s is written #%s in %s", pl.Dest, pl.Frag, c, where)
			d.Rule = "link-anchor"
			d.Hint = fmt.Sprintf("write #%s", c)
			return &d
		}
	}
	d := diag.Errorf(pl.From.File, pl.Line, "broken link %q: no heading or anchor #%s in %s", pl.Dest, pl.Frag, where)
	d.Rule = "link"
	if !codeID.MatchString(pl.Frag) {
		// A heading's name mistyped is no code block's line: #L112 is
		// near #repo in letters only.
		words := cands[:0:0]
		for _, c := range cands {
			if !codeID.MatchString(c) {
				words = append(words, c)
			}
		}
		cands = words
	}
	if c := closest(pl.Frag, cands); c != "" {
		d.Hint = fmt.Sprintf("did you mean #%s?", c)
	}
	return &d
}

// codeID is the id of a code block, after its line (see site.go): L12.
var codeID = regexp.MustCompile(`^L[0-9]+$`)

// looseID is an id with case and hyphen runs folded, and VitePress's "_"
// before a leading digit and the dots and colons some tools keep dropped,
// so that ids made by different slug rules from one heading compare equal.
func looseID(id string) string {
	if len(id) > 1 && id[0] == '_' && id[1] >= '0' && id[1] <= '9' {
		id = id[1:] // VitePress: "## 1. Setup" is #_1-setup
	}
	var b strings.Builder
	hyphen := false
	for _, r := range strings.ToLower(id) {
		if r == '.' || r == ':' {
			continue // GitBook keeps them: "Release 2.19.4" is #release-2.19.4
		}
		if r == '-' {
			hyphen = true
			continue
		}
		if hyphen && b.Len() > 0 {
			b.WriteByte('-')
		}
		hyphen = false
		b.WriteRune(r)
	}
	return b.String()
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
	best, bestD, bestRaw := "", -1, 0
	for _, c := range cands {
		raw := levenshtein(want, c)
		d := raw
		if strings.Contains(c, want) || strings.Contains(want, c) {
			d /= 4
		}
		if bestD < 0 || d < bestD || d == bestD && (raw < bestRaw || raw == bestRaw && c < best) {
			best, bestD, bestRaw = c, d, raw
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

// anchors collects every place a fragment can land on in a rendered body:
// the id of any element (headings, footnotes, <span id>) and the name of an
// <a>, as written in raw HTML with double, single or no quotes. Only real
// tags are read: code is escaped, so "<a name=x>" in a code block is text.
func anchors(b []byte) map[string]bool {
	ids := map[string]bool{}
	for {
		i := bytes.IndexByte(b, '<')
		if i < 0 {
			return ids
		}
		b = b[i+1:]
		n := 0
		for n < len(b) && (b[n] >= 'a' && b[n] <= 'z' || b[n] >= 'A' && b[n] <= 'Z' || n > 0 && b[n] >= '0' && b[n] <= '9') {
			n++
		}
		if n == 0 {
			continue
		}
		tag := strings.ToLower(string(b[:n]))
		b = b[n:]
		for {
			name, val, rest, ok := nextAttr(b)
			b = rest
			if !ok {
				break
			}
			if name == "id" || name == "name" && tag == "a" {
				if val != "" {
					ids[html.UnescapeString(val)] = true
				}
			}
		}
	}
}

// nextAttr reads one attribute of a tag from b; ok is false at the tag's
// end.
func nextAttr(b []byte) (name, val string, rest []byte, ok bool) {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r' || b[i] == '/') {
		i++
	}
	if i >= len(b) || b[i] == '>' || b[i] == '<' {
		return "", "", b[i:], false
	}
	j := i
	for j < len(b) && !strings.ContainsRune(" \t\r\n=/><", rune(b[j])) {
		j++
	}
	name = strings.ToLower(string(b[i:j]))
	for j < len(b) && (b[j] == ' ' || b[j] == '\t') {
		j++
	}
	if j >= len(b) || b[j] != '=' {
		return name, "", b[j:], j > i
	}
	j++
	for j < len(b) && (b[j] == ' ' || b[j] == '\t') {
		j++
	}
	if j < len(b) && (b[j] == '"' || b[j] == '\'') {
		q := b[j]
		k := bytes.IndexByte(b[j+1:], q)
		if k < 0 {
			return name, "", nil, false
		}
		return name, string(b[j+1 : j+1+k]), b[j+2+k:], true
	}
	k := j
	for k < len(b) && !strings.ContainsRune(" \t\r\n>", rune(b[k])) {
		k++
	}
	return name, string(b[j:k]), b[k:], true
}
