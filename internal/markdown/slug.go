package markdown

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/yuin/goldmark/ast"
)

// Slug is the one heading-ID function: lower case, letters and digits of any
// script kept, spaces and hyphens become single hyphens, emoji and other
// symbols dropped (with their variation selectors and keycap marks), no
// hyphen at either end. "🔰 Container Fundamentals" becomes
// "container-fundamentals" and "1️⃣ The Shift" "1-the-shift".
func Slug(s string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range s {
		switch {
		case isVariation(r):
			// emoji presentation selectors and joiners belong to the emoji
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) && b.Len() > 0:
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(unicode.ToLower(r))
		case r == '_':
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(r)
		case unicode.IsSpace(r) || r == '-':
			hyphen = true
		}
	}
	return b.String()
}

// isVariation reports variation selectors and zero-width joiners, which
// only shape the emoji next to them.
func isVariation(r rune) bool {
	return r >= 0xFE00 && r <= 0xFE0F || r >= 0xE0100 && r <= 0xE01EF || r == 0x200D || r == 0x200C
}

// ids generates heading IDs with Slug, numbering repeats "-1", "-2".
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
