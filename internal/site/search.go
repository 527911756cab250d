package site

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/yuin/goldmark/ast"

	"github.com/shipshape/shipshape/internal/content"
	"github.com/shipshape/shipshape/internal/markdown"
)

// The search index is built here and read by themes/default/static/app.js.
// It is split so that a query fetches only what it needs (Pagefind-style):
//
//	search/t/<key>.json  terms whose first three letters give key:
//	                     {"n": sections, "t": {"term": ["body ids", "heading ids"]}}
//	search/d/<k>.json    pages k*pagesPerChunk…: [[title, url, [[heading, anchor, snippet]…]]…]
//
// A section is a page's text up to its first h2/h3, or under one h2/h3.
// Its id is page*maxSections+section; id lists are sorted, delta-encoded
// in base 36 and joined with ".". key is the three letters themselves when
// they are [a-z0-9], else "x" and their UTF-8 bytes in hex.

const (
	pagesPerChunk = 2
	maxSections   = 64
	snippetLen    = 150
)

// searchSection is one searchable part of a page.
type searchSection struct {
	Heading string
	Anchor  string
	Text    string
}

var stopWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields("an and are as at be but by for from has have if in into is it its of on or that the their then there these this to was were will with you your") {
		stopWords[w] = true
	}
}

// tokens splits text into lower-case words of letters and digits; app.js
// splits queries the same way. f gets a scratch buffer it must not keep.
func tokens(s string, f func([]byte)) {
	var buf []byte
	n := 0 // runes in buf
	emit := func() {
		if n >= 2 && !stopWords[string(buf)] {
			f(buf)
		}
		buf, n = buf[:0], 0
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
				buf = append(buf, c)
				n++
			case c >= 'A' && c <= 'Z':
				buf = append(buf, c+('a'-'A'))
				n++
			default:
				emit()
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			buf = utf8.AppendRune(buf, unicode.ToLower(r))
			n++
		} else {
			emit()
		}
		i += size
	}
	emit()
}

func termKey(t string) string {
	n := 0
	end := len(t)
	for i := range t {
		if n == 3 {
			end = i
			break
		}
		n++
	}
	k := t[:end]
	for _, c := range []byte(k) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return "x" + hex.EncodeToString([]byte(k))
		}
	}
	return k
}

// sections cuts a parsed page into searchable sections.
func sections(p *content.Page, doc *ast.Document, src []byte) []searchSection {
	out := []searchSection{{Heading: p.Title}}
	var text strings.Builder
	flush := func() {
		out[len(out)-1].Text = strings.Join(strings.Fields(text.String()), " ")
		text.Reset()
	}
	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		if h, ok := n.(*ast.Heading); ok && (h.Level == 2 || h.Level == 3) && len(out) < maxSections {
			flush()
			s := searchSection{Heading: markdown.PlainText(h, src)}
			if v, ok := h.AttributeString("id"); ok {
				if b, ok := v.([]byte); ok {
					s.Anchor = string(b)
				}
			}
			out = append(out, s)
			continue
		}
		if h, ok := n.(*ast.Heading); ok && h.Level == 1 {
			continue
		}
		blockText(n, src, &text)
	}
	flush()
	return out
}

func blockText(n ast.Node, src []byte, w *strings.Builder) {
	switch n.Kind() {
	case ast.KindFencedCodeBlock, ast.KindCodeBlock, ast.KindHTMLBlock:
		return
	}
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch t := c.(type) {
		case *ast.Text:
			w.Write(t.Segment.Value(src))
			if t.SoftLineBreak() || t.HardLineBreak() {
				w.WriteByte(' ')
			}
		case *ast.String:
			w.Write(t.Value)
		case *ast.RawHTML:
		default:
			blockText(c, src, w)
		}
	}
	if n.Type() == ast.TypeBlock {
		w.WriteByte(' ')
	}
}

func snippetOf(s string) string {
	if len(s) <= snippetLen {
		return s
	}
	cut := strings.LastIndexByte(s[:snippetLen], ' ')
	if cut < snippetLen/2 {
		cut = snippetLen
		for !utf8.RuneStart(s[cut]) {
			cut--
		}
	}
	return s[:cut] + "…"
}

// searchIndex writes the index files for pages in order; secs[i] belongs to
// pages[i].
func searchIndex(pages []*content.Page, secs [][]searchSection, files map[string][]byte) {
	type post struct {
		body, head         []int
		lastBody, lastHead int // the last section added, to add each once
	}
	terms := map[string]*post{}
	total := 0
	for pi := range pages {
		for si, sec := range secs[pi] {
			id := pi*maxSections + si + 1 // +1: 0 means "none yet" in last*
			total++
			add := func(head bool) func([]byte) {
				return func(w []byte) {
					p := terms[string(w)]
					if p == nil {
						p = &post{}
						terms[string(w)] = p
					}
					if head && p.lastHead != id {
						p.head, p.lastHead = append(p.head, id-1), id
					} else if !head && p.lastBody != id {
						p.body, p.lastBody = append(p.body, id-1), id
					}
				}
			}
			tokens(sec.Heading, add(true))
			tokens(sec.Text, add(false))
		}
	}
	shards := map[string]map[string][2]string{}
	for t, p := range terms {
		k := termKey(t)
		if shards[k] == nil {
			shards[k] = map[string][2]string{}
		}
		shards[k][t] = [2]string{deltas(p.body), deltas(p.head)}
	}
	for k, m := range shards {
		b, _ := json.Marshal(struct {
			N int                  `json:"n"`
			T map[string][2]string `json:"t"`
		}{total, m})
		files["search/t/"+k+".json"] = b
	}
	for start := 0; start < len(pages); start += pagesPerChunk {
		var chunk []any
		for pi := start; pi < len(pages) && pi < start+pagesPerChunk; pi++ {
			ss := make([][3]string, len(secs[pi]))
			for i, s := range secs[pi] {
				ss[i] = [3]string{s.Heading, s.Anchor, snippetOf(s.Text)}
			}
			chunk = append(chunk, []any{pages[pi].Title, strings.TrimPrefix(pages[pi].URL, "/"), ss})
		}
		b, _ := json.Marshal(chunk)
		files[fmt.Sprintf("search/d/%d.json", start/pagesPerChunk)] = b
	}
}

func deltas(ids []int) string {
	sort.Ints(ids)
	var b strings.Builder
	prev := 0
	for i, id := range ids {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(strconv.FormatInt(int64(id-prev), 36))
		prev = id
	}
	return b.String()
}
