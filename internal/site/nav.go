package site

import (
	"html"
	"strings"

	"github.com/shipshape/shipshape/internal/content"
)

// Navigation is drawn twice, so that a page stays small at any site size:
//
//   - every page carries a partial sidebar that works without JavaScript:
//     the sections on the way to the page are open, every other section is
//     one link to its first page;
//   - nav.html, written once per site, holds the whole tree as collapsible
//     <details>; the theme's script swaps it in, so the full tree costs one
//     cached fetch instead of O(pages) bytes on every page.
//
// Links in nav.html are relative to the site root; the script prefixes them
// with the page's way back to the root.

// firstPage is where a section link goes: its index, else its first page.
func firstPage(s *content.Section) *content.Page {
	if s.Index != nil {
		return s.Index
	}
	for _, it := range s.Items() {
		if it.Page != nil {
			return it.Page
		}
		if p := firstPage(it.Section); p != nil {
			return p
		}
	}
	return nil
}

// onPath reports whether section path sec holds page section ps.
func onPath(sec, ps string) bool {
	return sec == "" || ps == sec || strings.HasPrefix(ps, sec+"/")
}

func href(rel string, p *content.Page) string {
	return rel + strings.TrimPrefix(p.URL, "/")
}

// sidebar draws the partial, JavaScript-free tree for page cur.
func sidebar(t *content.Section, cur *content.Page, rel string) string {
	var w strings.Builder
	w.Grow(4096)
	link := func(p *content.Page) {
		w.WriteString(`<li><a href="`)
		w.WriteString(href(rel, p))
		w.WriteByte('"')
		if p.Path == cur.Path {
			w.WriteString(` aria-current="page"`)
		}
		w.WriteByte('>')
		w.WriteString(html.EscapeString(p.NavTitle()))
		w.WriteString("</a></li>")
	}
	var walk func(s *content.Section)
	walk = func(s *content.Section) {
		w.WriteString("<ul>")
		if s.Path == "" && s.Index != nil {
			link(s.Index)
		}
		for _, it := range s.Items() {
			if it.Page != nil {
				link(it.Page)
				continue
			}
			c := it.Section
			fp := firstPage(c)
			if fp == nil {
				continue
			}
			if !onPath(c.Path, cur.Section) {
				w.WriteString(`<li class="sec"><a href="`)
				w.WriteString(href(rel, fp))
				w.WriteString(`">`)
				w.WriteString(html.EscapeString(c.Title))
				w.WriteString("</a></li>")
				continue
			}
			w.WriteString(`<li class="sec"><details open><summary`)
			if cur.Section == c.Path {
				w.WriteString(` class="current"`)
			}
			w.WriteString(`><a href="`)
			w.WriteString(href(rel, fp))
			w.WriteByte('"')
			if c.Index != nil && c.Index.Path == cur.Path {
				w.WriteString(` aria-current="page"`)
			}
			w.WriteString(`>`)
			w.WriteString(html.EscapeString(c.Title))
			w.WriteString("</a></summary>")
			walk(c)
			w.WriteString("</details></li>")
		}
		w.WriteString("</ul>")
	}
	walk(t)
	return w.String()
}

// navFragment draws the whole tree once, links relative to the site root,
// every section collapsed; the script opens the current one.
func navFragment(t *content.Section) string {
	var w strings.Builder
	link := func(p *content.Page) {
		w.WriteString(`<li><a href="`)
		w.WriteString(strings.TrimPrefix(p.URL, "/"))
		w.WriteString(`">`)
		w.WriteString(html.EscapeString(p.NavTitle()))
		w.WriteString("</a></li>")
	}
	var walk func(s *content.Section)
	walk = func(s *content.Section) {
		w.WriteString("<ul>")
		if s.Path == "" && s.Index != nil {
			link(s.Index)
		}
		for _, it := range s.Items() {
			if it.Page != nil {
				link(it.Page)
				continue
			}
			c := it.Section
			fp := firstPage(c)
			if fp == nil {
				continue
			}
			w.WriteString(`<li class="sec"><details data-sec="`)
			w.WriteString(html.EscapeString(c.Path))
			w.WriteString(`"><summary><a href="`)
			w.WriteString(strings.TrimPrefix(fp.URL, "/"))
			w.WriteString(`">`)
			w.WriteString(html.EscapeString(c.Title))
			w.WriteString("</a></summary>")
			walk(c)
			w.WriteString("</details></li>")
		}
		w.WriteString("</ul>")
	}
	walk(t)
	return w.String()
}

// crumb is one step of a breadcrumb trail.
type crumb struct {
	Title string
	URL   string // relative; "" for the current page
}

// breadcrumbs walks from the root section to the page's section.
func breadcrumbs(t *content.Section, cur *content.Page, rel string) []crumb {
	var out []crumb
	if t.Index != nil && t.Index.Path != cur.Path {
		out = append(out, crumb{Title: t.Index.Title, URL: href(rel, t.Index)})
	}
	s := t
	for s != nil && s.Path != cur.Section {
		var next *content.Section
		for _, c := range s.Sections {
			if onPath(c.Path, cur.Section) {
				next = c
				break
			}
		}
		if next == nil {
			break
		}
		s = next
		if s.Index != nil && s.Index.Path == cur.Path {
			break
		}
		if fp := firstPage(s); fp != nil {
			out = append(out, crumb{Title: s.Title, URL: href(rel, fp)})
		}
	}
	out = append(out, crumb{Title: cur.Title})
	return out
}
