package snippet

import (
	"bytes"
	"regexp"
	"strings"
)

// ignoreComment is the inline way to silence findings on the next block,
// for adopting shipshape on docs that already exist:
// <!-- shipshape-ignore --> (every rule) or <!-- shipshape-ignore RULE… -->.
var ignoreComment = regexp.MustCompile(`^\s*<!--\s*shipshape-ignore\b([\w\s,-]*)-->\s*$`)

// IgnoreAll is Snippet.Ignore when the comment names no rule.
const IgnoreAll = "*"

// ignoredBefore returns the rules an ignore comment names on the last
// non-blank line before line (1-based) of src, IgnoreAll for a comment
// that names none, and "" when there is no such comment.
func ignoredBefore(src []byte, line int) string {
	if line < 2 || !bytes.Contains(src, []byte("shipshape-ignore")) {
		return ""
	}
	ls := bytes.Split(src, []byte("\n"))
	for i := line - 2; i >= 0 && i < len(ls); i-- {
		l := strings.TrimSpace(string(ls[i]))
		if l == "" {
			continue
		}
		m := ignoreComment.FindStringSubmatch(l)
		if m == nil {
			return ""
		}
		if rules := strings.Join(strings.FieldsFunc(m[1], func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }), " "); rules != "" {
			return rules
		}
		return IgnoreAll
	}
	return ""
}
