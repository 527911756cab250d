package site

import (
	"bytes"
	"fmt"
	"html"
	"html/template"
	"sort"
	"strings"

	"github.com/shipshape/shipshape/internal/content"
	"github.com/shipshape/shipshape/internal/diag"
	"github.com/shipshape/shipshape/internal/snippet"
)

// ProofURL is the site page that lists every example and what was proven.
const ProofURL = "/proof/"

// proofRow is one example on the proof page.
type proofRow struct {
	line       int
	kind       snippet.Kind
	mark       mark
	image, ran string
}

// record notes an example for the proof page: a block marked to run, build
// or skip, or one verify proved otherwise (a Python or nginx block checked
// in its image). Prose, output and diagrams are not examples.
func (b *builder) record(p *content.Page, s snippet.Snippet, m mark, image, ran string, proved bool) {
	if s.Action == snippet.None && !proved {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.proof == nil {
		b.proof = map[string][]proofRow{}
	}
	rows := b.proof[p.Path]
	for i, r := range rows {
		if r.line == s.Line { // a page rendered again replaces its rows
			rows[i] = proofRow{s.Line, s.Kind, m, image, ran}
			return
		}
	}
	b.proof[p.Path] = append(rows, proofRow{s.Line, s.Kind, m, image, ran})
}

// proofPage writes the page listing every example of the course, in reading
// order, with its badge, the image it ran on and a link to the block.
func (b *builder) proofPage(files map[string][]byte) {
	for _, p := range b.site.Pages {
		if p.URL == ProofURL {
			b.addDiag(diag.Warnf(p.File, 1, "this page takes the URL %s, so the list of examples is not written", ProofURL))
			return
		}
	}
	if b.tmpl == nil {
		return
	}
	cfg := b.opt.Config
	rel := "../"
	counts := map[string]int{}
	var body strings.Builder
	total := 0
	b.mu.Lock()
	for _, p := range b.site.Pages {
		rows := append([]proofRow(nil), b.proof[p.Path]...)
		if len(rows) == 0 {
			continue
		}
		sort.Slice(rows, func(i, j int) bool { return rows[i].line < rows[j].line })
		href := rel + strings.TrimPrefix(p.URL, "/")
		fmt.Fprintf(&body, "<h2 id=\"%s\"><a href=\"%s\">%s</a></h2>\n<table class=\"proof\"><thead><tr><th>Line</th><th>Kind</th><th>Status</th><th>Image that ran</th></tr></thead><tbody>\n",
			proofID(p.Path), html.EscapeString(href), html.EscapeString(p.Title))
		for _, r := range rows {
			total++
			counts[r.mark.Label]++
			img := ""
			switch {
			case r.ran != "" && r.ran != r.image && r.image != "":
				img = fmt.Sprintf("<code>%s</code> for <code>%s</code>", html.EscapeString(r.ran), html.EscapeString(r.image))
			case r.ran != "":
				img = "<code>" + html.EscapeString(r.ran) + "</code>"
			}
			fmt.Fprintf(&body, "<tr><td><a href=\"%s#L%d\">%s:%d</a></td><td>%s</td><td><span class=\"badge\" data-status=\"%s\" title=\"%s\">%s</span></td><td>%s</td></tr>\n",
				html.EscapeString(href), r.line, html.EscapeString(p.Path), r.line, r.kind, r.mark.Status, html.EscapeString(r.mark.Title), r.mark.Label, img)
		}
		body.WriteString("</tbody></table>\n")
	}
	b.mu.Unlock()
	labels := make([]string, 0, len(counts))
	for l := range counts {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	var sum []string
	for _, l := range labels {
		sum = append(sum, fmt.Sprintf("%d %s", counts[l], l))
	}
	head := fmt.Sprintf("<h1>Every example</h1>\n<p>%d examples: %s. Each badge comes from <code>shipshape verify</code> in a real Docker engine and is tied to the exact code it proved.</p>\n%s\n",
		total, html.EscapeString(strings.Join(sum, ", ")), legend(nil))
	pg := &content.Page{Title: "Every example", URL: ProofURL, Path: "proof.md"}
	data := pageData{
		Site: cfg, Page: pg, Rel: rel, Generated: true,
		Title:   "Every example · " + cfg.Title,
		Content: template.HTML(head + body.String()),
		Sidebar: template.HTML(sidebar(b.site.Tree, pg, rel)),
	}
	var out bytes.Buffer
	if err := b.tmpl.ExecuteTemplate(&out, "page.html", data); err != nil {
		b.addDiag(diag.Errorf("proof/index.html", 0, "template: %v", err))
		return
	}
	files["proof/index.html"] = out.Bytes()
}

// proofID is the id of a page's heading on the proof page, from its source
// path: "05-security/secrets.md" -> "05-security-secrets".
func proofID(p string) string {
	p = strings.TrimSuffix(p, ".md")
	var b strings.Builder
	for _, r := range strings.ToLower(p) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	return b.String()
}
