package markdown

import (
	"bytes"

	"github.com/yuin/goldmark/ast"
)

// Heading is one heading of a document, for tables of contents and anchors.
type Heading struct {
	Level int
	ID    string
	Text  string
	Line  int // 1-based line in the document source
}

// Headings lists every heading of doc in order, with the id it renders with.
func Headings(doc *ast.Document, src []byte) []Heading {
	var lines []int
	var out []Heading
	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		collectHeadings(n, src, &lines, &out)
	}
	return out
}

func collectHeadings(n ast.Node, src []byte, lines *[]int, out *[]Heading) {
	if h, ok := n.(*ast.Heading); ok {
		hd := Heading{Level: h.Level, Text: PlainText(h, src)}
		if v, ok := h.AttributeString("id"); ok {
			if b, ok := v.([]byte); ok {
				hd.ID = string(b)
			}
		}
		if h.Lines().Len() > 0 {
			if *lines == nil {
				*lines = lineStarts(src)
			}
			hd.Line = lineOf(*lines, h.Lines().At(0).Start)
		}
		*out = append(*out, hd)
		return
	}
	if n.Type() != ast.TypeBlock {
		return
	}
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		collectHeadings(c, src, lines, out)
	}
}

// PlainText is the text of an inline container without markup, inline
// HTML tags or images.
func PlainText(n ast.Node, src []byte) string {
	var b bytes.Buffer
	var walk func(n ast.Node)
	walk = func(n ast.Node) {
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			switch t := c.(type) {
			case *ast.Text:
				b.Write(t.Segment.Value(src))
				if t.SoftLineBreak() || t.HardLineBreak() {
					b.WriteByte(' ')
				}
			case *ast.String:
				b.Write(t.Value)
			case *ast.CodeSpan:
				walk(t)
			case *ast.RawHTML, *ast.Image:
				// tags and badges are not words of the heading
			default:
				walk(c)
			}
		}
	}
	walk(n)
	return string(bytes.TrimSpace(b.Bytes()))
}

// Link is a link or image destination written in a document.
type Link struct {
	Node  ast.Node // *ast.Link or *ast.Image; set Destination to rewrite it
	Dest  string
	Line  int // 1-based line in the document source
	Image bool
}

// Links lists every link and image of doc with the line it is written on.
// Autolinks are left out: they are always absolute.
func Links(doc *ast.Document, src []byte) []Link {
	var lines []int
	var out []Link
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		var dest []byte
		img := false
		switch l := n.(type) {
		case *ast.Link:
			dest = l.Destination
		case *ast.Image:
			dest, img = l.Destination, true
		case *ast.FencedCodeBlock, *ast.CodeBlock:
			return ast.WalkSkipChildren, nil
		default:
			return ast.WalkContinue, nil
		}
		if lines == nil {
			lines = lineStarts(src)
		}
		out = append(out, Link{Node: n, Dest: string(dest), Line: inlineLine(n, src, lines), Image: img})
		return ast.WalkContinue, nil
	})
	return out
}

// inlineLine finds the line of an inline node from its first text segment,
// or from the block that holds it.
func inlineLine(n ast.Node, src []byte, lines []int) int {
	pos := -1
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if t, ok := c.(*ast.Text); ok && entering {
			pos = t.Segment.Start
			return ast.WalkStop, nil
		}
		return ast.WalkContinue, nil
	})
	if pos < 0 {
		// no text of its own ("[](#x)"): the text before it says the line
		for sib := n.PreviousSibling(); sib != nil; sib = sib.PreviousSibling() {
			var last *ast.Text
			_ = ast.Walk(sib, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
				if t, ok := c.(*ast.Text); ok && entering {
					last = t
				}
				return ast.WalkContinue, nil
			})
			if last != nil {
				l := lineOf(lines, last.Segment.Start)
				if last.SoftLineBreak() || last.HardLineBreak() {
					l++
				}
				return l
			}
		}
	}
	if pos < 0 {
		for p := n.Parent(); p != nil; p = p.Parent() {
			if p.Type() == ast.TypeBlock && p.Lines().Len() > 0 {
				pos = p.Lines().At(0).Start
				break
			}
		}
	}
	if pos < 0 {
		return 0
	}
	return lineOf(lines, pos)
}
