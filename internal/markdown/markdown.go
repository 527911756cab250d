// Package markdown is the only place goldmark is configured: extensions,
// heading IDs and the code-block render hook.
package markdown

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// Block is a code block as found in a document: fenced or indented.
type Block struct {
	Node   ast.Node
	Info   string // the whole info string after the fence: "bash {run}"
	Code   []byte
	Line   int // 1-based line of the opening fence (or first indented line) in the source
	Fenced bool
	Closed bool // false for a fence that runs to the end of the document
}

// CodeFunc renders one code block; doc is the document being rendered.
type CodeFunc func(w io.Writer, doc *ast.Document, b Block) error

// Options configure a Markdown converter.
type Options struct {
	// Code, when set, renders every code block instead of goldmark's default.
	Code CodeFunc
	// Unsafe lets raw HTML in Markdown through.
	Unsafe bool
	// MkDocsIDs gives every heading the id MkDocs gives it too (Python-
	// Markdown's: "a / b" is "a-b", a repeat is "a_1"), for trees MkDocs
	// builds, whose links are written for those ids.
	MkDocsIDs bool
	// VitePressIDs does the same with the ids VitePress gives ("2. Setup"
	// is "_2-setup"), for trees VitePress builds.
	VitePressIDs bool
	// DefinitionLists reads "term" then ": definition" as a definition
	// list, as Hugo does and MkDocs with def_list; GitHub does not.
	DefinitionLists bool
	// TermIDs gives definition terms ids as headings get them (Hugo's
	// autoDefinitionTermID), from the same numbering.
	TermIDs bool
}

// Markdown parses and renders documents with one fixed configuration.
type Markdown struct {
	md goldmark.Markdown
}

// New configures goldmark: CommonMark, GFM, footnotes, attributes on
// headings, our heading IDs, GitHub alerts, MkDocs and Docusaurus
// admonitions as callouts, and the code hook.
func New(opt Options) *Markdown {
	ropts := []renderer.Option{html.WithXHTML()}
	if opt.Unsafe {
		ropts = append(ropts, html.WithUnsafe())
	}
	ropts = append(ropts, renderer.WithNodeRenderers(util.Prioritized(headingRenderer{}, 100)))
	if opt.Code != nil {
		ropts = append(ropts, renderer.WithNodeRenderers(util.Prioritized(&codeRenderer{fn: opt.Code}, 100)))
	}
	exts := []goldmark.Extender{extension.GFM, extension.Footnote}
	if opt.DefinitionLists {
		exts = append(exts, extension.DefinitionList)
	}
	md := goldmark.New(
		goldmark.WithExtensions(exts...),
		goldmark.WithParserOptions(parser.WithAttribute(),
			parser.WithBlockParsers(util.Prioritized(mkdocsParser{}, 750), util.Prioritized(colonParser{}, 760)),
			parser.WithASTTransformers(util.Prioritized(headingIDs{mkdocs: opt.MkDocsIDs, vitepress: opt.VitePressIDs, terms: opt.TermIDs && opt.DefinitionLists}, 50), util.Prioritized(admonitionTitle{}, 60), util.Prioritized(alerts{}, 100))),
		goldmark.WithRendererOptions(ropts...),
	)
	return &Markdown{md: md}
}

// Parse parses src. Heading IDs are generated with Slug from the heading's
// text (its inline HTML and images left out), numbered when repeated, and
// explicit {#id} attributes are kept.
func (m *Markdown) Parse(src []byte) *ast.Document {
	ctx := parser.NewContext(parser.WithIDs(newIDs()))
	return m.md.Parser().Parse(text.NewReader(src), parser.WithContext(ctx)).(*ast.Document)
}

// Render writes doc as HTML.
func (m *Markdown) Render(w io.Writer, src []byte, doc *ast.Document) error {
	return m.md.Renderer().Render(w, src, doc)
}

// Blocks lists every code block in doc in source order.
func Blocks(doc *ast.Document, src []byte) []Block {
	lines := lineStarts(src)
	var out []Block
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n.Kind() {
		case ast.KindFencedCodeBlock, ast.KindCodeBlock:
			out = append(out, blockOf(n, src, lines))
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	return out
}

func blockOf(n ast.Node, src []byte, lines []int) Block {
	b := Block{Node: n, Closed: true}
	var buf bytes.Buffer
	ls := n.Lines()
	for i := 0; i < ls.Len(); i++ {
		seg := ls.At(i)
		buf.Write(seg.Value(src))
	}
	b.Code = buf.Bytes()
	pos := n.Pos()
	if pos < 0 && ls.Len() > 0 {
		pos = ls.At(0).Start
	}
	if pos >= 0 {
		b.Line = lineOf(lines, pos)
	}
	if fb, ok := n.(*ast.FencedCodeBlock); ok {
		b.Fenced = true
		if fb.Info != nil {
			b.Info = string(fb.Info.Segment.Value(src))
		}
		b.Closed = fenceClosed(src, lines, b.Line, ls)
	}
	return b
}

// fenceClosed reports whether a closing fence follows the block's content.
func fenceClosed(src []byte, lines []int, openLine int, ls *text.Segments) bool {
	if openLine <= 0 || openLine > len(lines) {
		return true
	}
	open := src[lines[openLine-1]:]
	fence := fenceOf(open)
	if fence == "" {
		return true
	}
	next := openLine // index of the line after the opener
	if ls.Len() > 0 {
		next = lineOf(lines, ls.At(ls.Len()-1).Start)
	}
	for l := next; l < len(lines); l++ {
		line := bytes.TrimLeft(lineAt(src, lines, l), " ")
		if bytes.HasPrefix(line, []byte(fence)) && len(bytes.Trim(line, fence[:1]+" \t\r\n")) == 0 {
			return true
		}
	}
	return false
}

func fenceOf(line []byte) string {
	line = bytes.TrimLeft(line, " ")
	if len(line) == 0 || (line[0] != '`' && line[0] != '~') {
		return ""
	}
	i := 0
	for i < len(line) && line[i] == line[0] {
		i++
	}
	return string(line[:i])
}

func lineAt(src []byte, lines []int, idx int) []byte {
	start := lines[idx]
	end := len(src)
	if idx+1 < len(lines) {
		end = lines[idx+1]
	}
	return src[start:end]
}

func lineStarts(src []byte) []int {
	ls := []int{0}
	for i, c := range src {
		if c == '\n' && i+1 < len(src) {
			ls = append(ls, i+1)
		}
	}
	return ls
}

// lineOf is the 1-based line holding byte offset pos.
func lineOf(lines []int, pos int) int {
	return sort.Search(len(lines), func(i int) bool { return lines[i] > pos })
}

type codeRenderer struct{ fn CodeFunc }

func (r *codeRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindFencedCodeBlock, r.render)
	reg.Register(ast.KindCodeBlock, r.render)
}

func (r *codeRenderer) render(w util.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	doc := n.OwnerDocument()
	if doc == nil {
		return ast.WalkSkipChildren, nil
	}
	b := blockOf(n, src, cachedLines(doc, src))
	return ast.WalkSkipChildren, r.fn(w, doc, b)
}

// cachedLines keeps a document's line table on the document so that
// rendering many blocks does not recount lines.
func cachedLines(doc *ast.Document, src []byte) []int {
	if v, ok := doc.Meta()["\x00lines"].([]int); ok {
		return v
	}
	ls := lineStarts(src)
	doc.AddMeta("\x00lines", ls)
	return ls
}

// headingRenderer renders headings as goldmark does, plus an empty anchor
// carrying the heading's second id where it has one (see headingIDs).
type headingRenderer struct{}

func (headingRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindHeading, renderHeading)
}

func renderHeading(w util.BufWriter, src []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*ast.Heading)
	if !entering {
		_, _ = fmt.Fprintf(w, "</h%d>\n", n.Level)
		return ast.WalkContinue, nil
	}
	_, _ = fmt.Fprintf(w, "<h%d", n.Level)
	if n.Attributes() != nil {
		html.RenderAttributes(w, node, html.HeadingAttributeFilter)
	}
	_ = w.WriteByte('>')
	if v, ok := n.AttributeString(aliasAttr); ok {
		if b, ok := v.([]byte); ok {
			for _, id := range strings.Fields(string(b)) {
				_, _ = fmt.Fprintf(w, `<a id="%s"></a>`, util.EscapeHTML([]byte(id)))
			}
		}
	}
	return ast.WalkContinue, nil
}
