package site

import (
	"bytes"
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
//	                     {"n": sections, "t": {"term": ["body ids", "heading ids", "code ids", "title ids", "aside ids"]}}
//	                     (trailing empty lists left out)
//	search/keys.json     the keys that have a file under search/t/, so that a
//	                     query never asks for one that does not exist
//	search/d/<k>.json    pages k*pagesPerChunk…: [[title, url, [[heading, anchor, snippet]…]]…]
//
// A section is a page's text up to its first h2/h3, or under one h2/h3.
// A page's title counts for its first section; the text of its code blocks
// (instructions, flags, keys, identifiers) is indexed apart, so that app.js
// ranks a match in a title above one in a heading, body text and code, in
// that order.
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
	Code    string // the text of the section's code blocks
}

// stopWords are left out of the index. Words a Docker reader types as
// instructions or commands (from, run, add, copy, expose, on) are kept:
// "COPY --from" must find multi-stage builds.
var stopWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields("an and are as at be but by for has have if in into is it its of or that the their then there these this to was were will with you your") {
		stopWords[w] = true
	}
}

// tokens splits text into lower-case words of letters and digits; app.js
// splits queries the same way. A snake_case word is given whole and then in
// its parts; a --flag is given whole (with its dashes) and then as its words.
// Other punctuation, hyphens within words included, separates words. f gets
// a scratch buffer it must not keep.
func tokens(s string, f func([]byte)) {
	var buf []byte
	n := 0         // runes in buf
	flag := false  // buf started with "--"
	under := false // buf holds an inner "_"
	emit := func() {
		for n > 0 && buf[len(buf)-1] == '_' { // trailing underscores
			buf, n = buf[:len(buf)-1], n-1
		}
		under = under && bytes.IndexByte(buf, '_') >= 0
		word := buf
		if flag {
			word = buf[2:]
		}
		if (flag || under) && n >= 4 {
			f(buf) // the whole --flag or snake_case key
		}
		if flag || under {
			// and each word in it, as if it were prose
			var part []byte
			for _, c := range append(word, '_') {
				if c == '_' || c == '-' {
					if utf8.RuneCount(part) >= 2 && !stopWords[string(part)] {
						f(part)
					}
					part = part[:0]
					continue
				}
				part = append(part, c)
			}
		} else if n >= 2 && !stopWords[string(buf)] {
			f(buf)
		}
		buf, n, flag, under = buf[:0], 0, false, false
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
			case c == '_' && n > 0:
				buf = append(buf, c)
				n++
				under = true
			case c == '-' && n == 0 && i+2 < len(s) && s[i+1] == '-' && isAlnum(s[i+2]) && (i == 0 || !isAlnum(s[i-1]) && s[i-1] != '-'):
				buf = append(buf, '-', '-')
				n, flag = 2, true
				i += 2
				continue
			case c == '-' && flag && i+1 < len(s) && isAlnum(s[i+1]):
				buf = append(buf, c) // --no-cache stays one flag
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

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
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
	var text, code strings.Builder
	flush := func() {
		out[len(out)-1].Text = strings.Join(strings.Fields(text.String()), " ")
		out[len(out)-1].Code = code.String()
		text.Reset()
		code.Reset()
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
		codeText(n, src, &code)
	}
	flush()
	return out
}

// codeText collects the lines of the code blocks in n.
func codeText(n ast.Node, src []byte, w *strings.Builder) {
	if n.Kind() == ast.KindFencedCodeBlock || n.Kind() == ast.KindCodeBlock {
		lines := n.Lines()
		for i := 0; i < lines.Len(); i++ {
			seg := lines.At(i)
			w.Write(seg.Value(src))
		}
		w.WriteByte('\n')
		return
	}
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		codeText(c, src, w)
	}
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
	// where a term was found; lists[k] holds the section ids, last[k] the
	// last one added, to add each once
	const (
		inBody = iota
		inHead
		inCode
		inTitle
		inAside // anything in a "Check yourself" section
	)
	type post struct {
		lists [5][]int
		last  [5]int
	}
	terms := map[string]*post{}
	total := 0
	for pi := range pages {
		for si, sec := range secs[pi] {
			id := pi*maxSections + si + 1 // +1: 0 means "none yet" in last
			total++
			add := func(where int) func([]byte) {
				return func(w []byte) {
					p := terms[string(w)]
					if p == nil {
						p = &post{}
						terms[string(w)] = p
					}
					if p.last[where] != id {
						p.lists[where], p.last[where] = append(p.lists[where], id-1), id
					}
				}
			}
			switch {
			case aside(sec.Heading):
				tokens(sec.Heading, add(inAside))
				tokens(sec.Text, add(inAside))
				tokens(sec.Code, add(inAside))
				continue
			case si == 0:
				tokens(sec.Heading, add(inTitle))
			default:
				tokens(sec.Heading, add(inHead))
			}
			tokens(sec.Text, add(inBody))
			tokens(sec.Code, add(inCode))
		}
	}
	shards := map[string]map[string][]string{}
	for t, p := range terms {
		k := termKey(t)
		if shards[k] == nil {
			shards[k] = map[string][]string{}
		}
		l := []string{deltas(p.lists[inBody]), deltas(p.lists[inHead]), deltas(p.lists[inCode]), deltas(p.lists[inTitle]), deltas(p.lists[inAside])}
		for len(l) > 1 && l[len(l)-1] == "" {
			l = l[:len(l)-1]
		}
		shards[k][t] = l
	}
	keys := make([]string, 0, len(shards))
	for k, m := range shards {
		keys = append(keys, k)
		b, _ := json.Marshal(struct {
			N int                 `json:"n"`
			T map[string][]string `json:"t"`
		}{total, m})
		files["search/t/"+k+".json"] = b
	}
	sort.Strings(keys)
	files["search/keys.json"], _ = json.Marshal(keys)
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

// aside reports whether a section heading names a quiz or exercise: its
// words repeat the page's, so it is indexed with the least weight and does
// not crowd out the sections that teach.
func aside(heading string) bool {
	h := strings.ToLower(strings.TrimSpace(heading))
	for _, w := range []string{"check yourself", "exercise", "quiz", "try it yourself"} {
		if strings.HasPrefix(h, w) {
			return true
		}
	}
	return false
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
