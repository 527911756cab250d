package markdown

import (
	"bytes"
	"strings"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// alertKinds are GitHub's alert markers and the titles they show.
var alertKinds = map[string]string{
	"NOTE":      "Note",
	"TIP":       "Tip",
	"IMPORTANT": "Important",
	"WARNING":   "Warning",
	"CAUTION":   "Caution",
}

// alerts turns a blockquote whose first line is "[!NOTE]" (or TIP,
// IMPORTANT, WARNING, CAUTION) into a callout: the blockquote gets the
// classes "alert alert-note" and the marker becomes a title paragraph. It
// uses only standard nodes, so the default renderers draw it.
type alerts struct{}

func (alerts) Transform(doc *ast.Document, reader text.Reader, pc parser.Context) {
	src := reader.Source()
	var quotes []*ast.Blockquote
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if q, ok := n.(*ast.Blockquote); ok && entering {
			quotes = append(quotes, q)
		}
		return ast.WalkContinue, nil
	})
	for _, q := range quotes {
		para, ok := q.FirstChild().(*ast.Paragraph)
		if !ok || para.Lines().Len() == 0 {
			continue
		}
		first := para.Lines().At(0)
		marker := string(bytes.TrimSpace(first.Value(src)))
		if !strings.HasPrefix(marker, "[!") || !strings.HasSuffix(marker, "]") {
			continue
		}
		kind := strings.ToUpper(marker[2 : len(marker)-1])
		title, ok := alertKinds[kind]
		if !ok {
			continue
		}
		// drop the inline nodes of the marker line
		for c := para.FirstChild(); c != nil; {
			next := c.NextSibling()
			t, isText := c.(*ast.Text)
			if isText && t.Segment.Start >= first.Stop {
				break
			}
			para.RemoveChild(para, c)
			if isText && (t.SoftLineBreak() || t.HardLineBreak()) {
				break
			}
			c = next
		}
		if para.ChildCount() == 0 {
			q.RemoveChild(q, para)
		}
		lower := strings.ToLower(kind)
		q.SetAttributeString("class", []byte("alert alert-"+lower))
		q.SetAttributeString("data-alert", []byte(lower))
		tp := ast.NewParagraph()
		tp.SetAttributeString("class", []byte("alert-title"))
		tp.AppendChild(tp, ast.NewString([]byte(title)))
		if q.FirstChild() == nil {
			q.AppendChild(q, tp)
		} else {
			q.InsertBefore(q, q.FirstChild(), tp)
		}
	}
}
