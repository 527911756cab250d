package markdown

import (
	"bytes"
	"regexp"
	"strings"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// Admonitions of other documentation tools render as our alerts: a
// blockquote with the classes "alert alert-<kind>" and a title paragraph.
//
//   - MkDocs: a line "!!! note" or "!!! note "Title"" ("??? tip" and
//     "???+ tip" for collapsible ones) followed by a body indented four
//     spaces. The body is Markdown, not an indented code block.
//   - MkDocs content tabs, '=== "Linux"' and an indented body, render as
//     a titled box whose title carries the id MkDocs gives the tab.
//   - Docusaurus and Starlight: ":::note", ":::note Title" or
//     ":::note[Title]", a body at any indent, and a closing ":::". A longer
//     run of colons nests containers: "::::" closes only "::::".

var (
	mkdocsOpen = regexp.MustCompile(`^(?:!!!|\?\?\?\+?)[ \t]+([A-Za-z][\w-]*)(?:[ \t]+[\w -]*?)?(?:[ \t]*"([^"]*)")?[ \t]*$`)
	mkdocsTab  = regexp.MustCompile(`^===!?[ \t]+"([^"]*)"[ \t]*$`)
	colonOpen  = regexp.MustCompile(`^(:{3,})[ \t]*([A-Za-z][\w-]*)[ \t]*(?:\[([^\]]*)\]|\{[^}]*\}|(.*?))[ \t]*$`)
)

// admonitionTitles maps the kinds those tools know to the alert kind they
// are drawn as; an unknown kind is drawn as a note with its own name.
var admonitionTitles = map[string]string{
	"note": "note", "info": "note", "abstract": "note", "summary": "note", "tldr": "note",
	"seealso": "note", "example": "note", "quote": "note", "cite": "note", "todo": "note",
	"tip": "tip", "hint": "tip", "success": "tip", "check": "tip", "done": "tip", "question": "tip", "help": "tip", "faq": "tip",
	"important": "important",
	"warning":   "warning", "attention": "warning", "failure": "warning", "fail": "warning", "missing": "warning",
	"caution": "caution", "danger": "caution", "error": "caution", "bug": "caution", "secondary": "note",
}

// titlesKey holds each admonition's title until the parse is over: a node
// added while parsing would be handed to the inline parser.
var titlesKey = parser.NewContextKey()

// newAdmonition makes the alert node for kind with title ("" for the
// kind's own name, "\x00" for none).
func newAdmonition(pc parser.Context, kind, title string) *ast.Blockquote {
	kind = strings.ToLower(kind)
	alert, ok := admonitionTitles[kind]
	if !ok {
		alert = "note"
	}
	if title == "" {
		title = strings.ToUpper(kind[:1]) + kind[1:]
	}
	q := ast.NewBlockquote()
	q.SetAttributeString("class", []byte("alert alert-"+alert))
	q.SetAttributeString("data-alert", []byte(alert))
	titles(pc)[q] = title
	return q
}

// titles is the parse's map of admonition titles.
func titles(pc parser.Context) map[ast.Node]string {
	m, _ := pc.Get(titlesKey).(map[ast.Node]string)
	if m == nil {
		m = map[ast.Node]string{}
		pc.Set(titlesKey, m)
	}
	return m
}

// admonitionTitles puts each admonition's title paragraph in once the
// document is parsed.
type admonitionTitle struct{}

func (admonitionTitle) Transform(doc *ast.Document, reader text.Reader, pc parser.Context) {
	ts, _ := pc.Get(titlesKey).(map[ast.Node]string)
	// in document order, so that tab ids number as MkDocs numbers them
	var qs []ast.Node
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if _, ok := ts[n]; ok && entering {
			qs = append(qs, n)
		}
		return ast.WalkContinue, nil
	})
	for _, q := range qs {
		title := ts[q]
		if title == "\x00" {
			continue
		}
		tp := ast.NewParagraph()
		tp.SetAttributeString("class", []byte("alert-title"))
		if c, _ := q.AttributeString("class"); string(c.([]byte)) == "tab" {
			tp.SetAttributeString("class", []byte("tab-title"))
			tp.SetAttributeString("id", pc.IDs().Generate([]byte(title), ast.KindParagraph))
		}
		tp.AppendChild(tp, ast.NewString([]byte(title)))
		if q.FirstChild() == nil {
			q.AppendChild(q, tp)
		} else {
			q.InsertBefore(q, q.FirstChild(), tp)
		}
	}
}

// mkdocsParser parses MkDocs admonitions.
type mkdocsParser struct{}

func (mkdocsParser) Trigger() []byte { return []byte{'!', '?', '='} }

func (mkdocsParser) Open(parent ast.Node, reader text.Reader, pc parser.Context) (ast.Node, parser.State) {
	line, _ := reader.PeekLine()
	w, pos := util.IndentWidth(line, reader.LineOffset())
	if w > 3 {
		return nil, parser.NoChildren
	}
	if t := mkdocsTab.FindSubmatch(bytes.TrimRight(line[pos:], "\r\n")); t != nil {
		q := ast.NewBlockquote()
		q.SetAttributeString("class", []byte("tab"))
		titles(pc)[q] = string(t[1])
		reader.AdvanceToEOL()
		return q, parser.HasChildren
	}
	m := mkdocsOpen.FindSubmatch(bytes.TrimRight(line[pos:], "\r\n"))
	if m == nil {
		return nil, parser.NoChildren
	}
	title := string(m[2])
	if m[2] != nil && title == "" {
		title = "\x00" // '!!! note ""' asks for no title at all
	}
	q := newAdmonition(pc, string(m[1]), title)
	reader.AdvanceToEOL()
	return q, parser.HasChildren
}

func (mkdocsParser) Continue(node ast.Node, reader text.Reader, pc parser.Context) parser.State {
	line, _ := reader.PeekLine()
	if util.IsBlank(line) {
		reader.AdvanceToEOL()
		return parser.Continue | parser.HasChildren
	}
	if w, _ := util.IndentWidth(line, reader.LineOffset()); w < 4 {
		return parser.Close
	}
	pos, padding := util.IndentPosition(line, reader.LineOffset(), 4)
	reader.AdvanceAndSetPadding(pos, padding)
	return parser.Continue | parser.HasChildren
}

func (mkdocsParser) Close(node ast.Node, reader text.Reader, pc parser.Context) {}
func (mkdocsParser) CanInterruptParagraph() bool                                { return true }
func (mkdocsParser) CanAcceptIndentedLine() bool                                { return false }

// colonParser parses Docusaurus and Starlight ":::" containers.
type colonParser struct{}

var colonFences = parser.NewContextKey()

func (colonParser) Trigger() []byte { return []byte{':'} }

func (colonParser) Open(parent ast.Node, reader text.Reader, pc parser.Context) (ast.Node, parser.State) {
	line, _ := reader.PeekLine()
	w, pos := util.IndentWidth(line, reader.LineOffset())
	if w > 3 {
		return nil, parser.NoChildren
	}
	m := colonOpen.FindSubmatch(bytes.TrimRight(line[pos:], "\r\n"))
	if m == nil {
		return nil, parser.NoChildren
	}
	title := string(m[3])
	if title == "" {
		title = strings.TrimSpace(string(m[4]))
	}
	q := newAdmonition(pc, string(m[2]), title)
	fences, _ := pc.Get(colonFences).(map[ast.Node]int)
	if fences == nil {
		fences = map[ast.Node]int{}
		pc.Set(colonFences, fences)
	}
	fences[q] = len(m[1])
	reader.AdvanceToEOL()
	return q, parser.HasChildren
}

func (colonParser) Continue(node ast.Node, reader text.Reader, pc parser.Context) parser.State {
	line, _ := reader.PeekLine()
	t := bytes.TrimSpace(line)
	fences, _ := pc.Get(colonFences).(map[ast.Node]int)
	if len(t) >= 3 && len(bytes.Trim(t, ":")) == 0 && len(t) == fences[node] {
		reader.AdvanceToEOL()
		return parser.Close
	}
	return parser.Continue | parser.HasChildren
}

func (colonParser) Close(node ast.Node, reader text.Reader, pc parser.Context) {}
func (colonParser) CanInterruptParagraph() bool                                { return true }
func (colonParser) CanAcceptIndentedLine() bool                                { return false }

var (
	_ parser.ASTTransformer = admonitionTitle{}
	_ parser.BlockParser    = mkdocsParser{}
	_ parser.BlockParser    = colonParser{}
)
