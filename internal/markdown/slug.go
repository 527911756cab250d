package markdown

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/yuin/goldmark/ast"
	extast "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"golang.org/x/text/unicode/norm"
)

// Slug is the one heading-ID function, GitHub's: the heading's text in lower
// case, each space a hyphen, letters, marks, digits, "_" and "-" of any
// script kept (with the symbols Unicode counts as alphabetic, such as the
// circled letters "Ⓡ", as GitHub's \p{Word} does) and every other character
// dropped: punctuation, symbols and emoji. Hyphens are neither collapsed
// nor trimmed, so "a -- b" becomes "a----b" and "🔰 Fundamentals"
// "-fundamentals", as on GitHub. One
// departure: the variation selectors, joiners and keycap marks that belong
// to an emoji go with it, so "1️⃣ Step" is "1-step".
func Slug(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case isEmojiPart(r):
		case r == ' ' || r == '-':
			b.WriteByte('-')
		case r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Nl, r) || unicode.IsMark(r) ||
			unicode.Is(unicode.Other_Alphabetic, r):
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// isEmojiPart reports variation selectors, zero-width joiners and the
// combining keycap, which only shape the emoji next to them.
func isEmojiPart(r rune) bool {
	return r >= 0xFE00 && r <= 0xFE0F || r >= 0xE0100 && r <= 0xE01EF || r == 0x200D || r == 0x200C || r == 0x20E3
}

// ids hands out heading IDs: Slug of the heading's text, numbered "-1",
// "-2" when already taken, as GitHub does.
type ids struct{ used map[string]bool }

func newIDs() *ids { return &ids{used: map[string]bool{}} }

func (s *ids) Generate(value []byte, kind ast.NodeKind) []byte {
	base := Slug(string(value))
	if base == "" {
		base = "section"
	}
	id := base
	for i := 1; s.used[id]; i++ {
		id = base + "-" + strconv.Itoa(i)
	}
	s.used[id] = true
	return []byte(id)
}

func (s *ids) Put(value []byte) { s.used[string(value)] = true }

// headingIDs gives every heading without an explicit {#id} one made from
// its text as the reader sees it: markup, inline HTML and images do not
// leak into it. Explicit ids are reserved first, so a generated one never
// takes them.
type headingIDs struct{ mkdocs, vitepress, terms bool }

func (t headingIDs) Transform(doc *ast.Document, reader text.Reader, pc parser.Context) {
	src := reader.Source()
	var hs []*ast.Heading
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if h, ok := n.(*ast.Heading); ok && entering {
			hs = append(hs, h)
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	gen := pc.IDs()
	explicit := map[*ast.Heading]bool{}
	for _, h := range hs {
		if v, ok := h.AttributeString("id"); ok {
			explicit[h] = true
			if b, ok := v.([]byte); ok {
				gen.Put(b)
			}
		}
	}
	for _, h := range hs {
		if _, ok := h.AttributeString("id"); ok {
			continue
		}
		h.SetAttributeString("id", gen.Generate([]byte(PlainText(h, src)), ast.KindHeading))
	}
	if t.terms {
		// After the headings, from the same numbering, as Hugo gives
		// them: a term named like a heading is "name-1".
		_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
			if n.Kind() == extast.KindDefinitionTerm && entering {
				if _, ok := n.AttributeString("id"); !ok {
					n.SetAttributeString("id", gen.Generate([]byte(PlainText(n, src)), n.Kind()))
				}
				return ast.WalkSkipChildren, nil
			}
			return ast.WalkContinue, nil
		})
	}
	// A heading that starts with an emoji gets GitHub's id, with its
	// leading hyphen, and also answers to the id most other tools give it
	// (no hyphen), which tables of contents written by hand often use.
	taken := map[string]bool{}
	for _, h := range hs {
		if v, ok := h.AttributeString("id"); ok {
			if b, ok := v.([]byte); ok {
				taken[string(b)] = true
			}
		}
	}
	aliases := make([][]string, len(hs))
	for i, h := range hs {
		v, _ := h.AttributeString("id")
		id, _ := v.([]byte)
		alias := strings.TrimLeft(string(id), "-")
		if len(alias) == len(id) || alias == "" || taken[alias] {
			continue
		}
		taken[alias] = true
		aliases[i] = append(aliases[i], alias)
	}
	if t.mkdocs {
		// MkDocs numbers a repeated id from the ids the page holds so
		// far, its own and explicit ones alike.
		seen := map[string]bool{}
		for _, h := range hs {
			if explicit[h] {
				v, _ := h.AttributeString("id")
				b, _ := v.([]byte)
				seen[string(b)] = true
			}
		}
		for i, h := range hs {
			if explicit[h] {
				continue
			}
			id := uniqueMkDocs(MkDocsSlug(PlainText(h, src)), seen)
			if !taken[id] {
				taken[id] = true
				aliases[i] = append(aliases[i], id)
			}
		}
	}
	if t.vitepress {
		// VitePress numbers a repeated id "-1", "-2" from the ids it
		// gave before, as markdown-it-anchor does; explicit ids are
		// the page's own.
		seen := map[string]bool{}
		for i, h := range hs {
			if explicit[h] {
				continue
			}
			base := VitePressSlug(PlainText(h, src))
			id := base
			for n := 1; seen[id]; n++ {
				id = base + "-" + strconv.Itoa(n)
			}
			seen[id] = true
			if id != "" && !taken[id] {
				taken[id] = true
				aliases[i] = append(aliases[i], id)
			}
		}
	}
	for i, h := range hs {
		if len(aliases[i]) > 0 {
			h.SetAttributeString(aliasAttr, []byte(strings.Join(aliases[i], " ")))
		}
	}
}

// vitePressSpecial are the characters VitePress's slugify turns into a
// hyphen, a run of them one hyphen.
var vitePressSpecial = regexp.MustCompile("[\\s~`!@#$%^&*()\\-_+=\\[\\]{}|\\\\;:\"'\u201c\u201d\u2018\u2019<>,.?/]+")

// VitePressSlug is the id VitePress gives a heading (@mdit-vue's
// slugify): the text decomposed with its combining marks and control
// characters dropped, each run of blanks and punctuation one hyphen, none
// at either end, "_" before a leading digit, lower case; letters of any
// script and emoji are kept. "2. Login via SSH" is "_2-login-via-ssh" and
// "Coolify's magic" "coolify-s-magic", where GitHub has "2-login-via-ssh"
// and "coolifys-magic".
func VitePressSlug(s string) string {
	var b strings.Builder
	for _, r := range norm.NFKD.String(s) {
		if (r >= 0x300 && r <= 0x36f) || r < 0x20 {
			continue
		}
		b.WriteRune(r)
	}
	out := strings.Trim(vitePressSpecial.ReplaceAllString(b.String(), "-"), "-")
	if out != "" && out[0] >= '0' && out[0] <= '9' {
		out = "_" + out
	}
	return strings.ToLower(out)
}

// MkDocsSlug is the id MkDocs (Python-Markdown's toc) gives a heading:
// the text decomposed to ASCII (é is e, other letters dropped), every
// character but letters, digits, "_", "-" and blanks dropped, lower case,
// and each run of blanks and hyphens one hyphen: "users / usersFile" is
// "users-usersfile" where GitHub has "users--usersfile".
func MkDocsSlug(s string) string {
	var b strings.Builder
	for _, r := range norm.NFKD.String(s) {
		switch {
		case r > unicode.MaxASCII:
		case r == '_' || r == '-' || r == ' ' || r == '\t' || r == '\n' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		}
	}
	var out strings.Builder
	run := false
	for _, r := range strings.TrimSpace(b.String()) {
		if r == '-' || unicode.IsSpace(r) {
			run = true
			continue
		}
		if run {
			out.WriteByte('-')
			run = false
		}
		out.WriteRune(r)
	}
	if run {
		out.WriteByte('-')
	}
	return out.String()
}

// uniqueMkDocs numbers id as Python-Markdown does when it is empty or
// taken: "a" becomes "a_1", "a_1" becomes "a_2".
func uniqueMkDocs(id string, seen map[string]bool) string {
	for seen[id] || id == "" {
		if m := idCount.FindStringSubmatch(id); m != nil {
			n, _ := strconv.Atoi(m[2])
			id = m[1] + "_" + strconv.Itoa(n+1)
		} else {
			id += "_1"
		}
	}
	seen[id] = true
	return id
}

var idCount = regexp.MustCompile(`^(.*)_([0-9]+)$`)

// aliasAttr holds a heading's second id; it is not an HTML attribute (the
// heading renderer writes it as an empty anchor inside the heading).
const aliasAttr = "shipshape-alias"
