package content

import (
	"regexp"
	"strings"
)

var (
	titleImage = regexp.MustCompile(`!\[[^\]]*\]\([^)]*\)|!\[[^\]]*\]\[[^\]]*\]`)
	titleLink  = regexp.MustCompile(`\[([^\]]*)\](?:\([^)]*\)|\[[^\]]*\])`)
	titleTag   = regexp.MustCompile(`</?[A-Za-z][^>]*>`)
	titleEmph  = regexp.MustCompile("\\*\\*|__|`")
	spaces     = regexp.MustCompile(`\s+`)
)

// CleanTitle is a heading's Markdown as plain text for navigation and the
// page's <title>: images (badges) and HTML tags left out, links reduced to
// their text, code and strong markers dropped.
func CleanTitle(s string) string {
	s = titleImage.ReplaceAllString(s, "")
	s = titleLink.ReplaceAllString(s, "$1")
	s = titleTag.ReplaceAllString(s, "")
	s = titleEmph.ReplaceAllString(s, "")
	return strings.TrimSpace(spaces.ReplaceAllString(s, " "))
}

var (
	mdxImport = regexp.MustCompile(`^(import|export)\s`)
	// a line that is only JSX tags of components (capitalised) or
	// fragments, and the comments MDX writes in braces
	mdxTags    = regexp.MustCompile(`^\s*(?:(?:</?[A-Z][\w.]*(?:\s[^<>]*)?/?>|<>|</>)\s*)+$`)
	mdxComment = regexp.MustCompile(`\{/\*.*?\*/\}`)
)

// StripMDX makes an MDX body Markdown: import and export statements (to
// the end of their braces) and lines that hold only JSX component tags are
// blanked, keeping every other line where it was so that messages keep
// their line numbers. Text between component tags (a <TabItem>'s body)
// stays. It returns how many lines it blanked and the first of them
// (1-based). Code blocks are left alone.
func StripMDX(body []byte) (out []byte, dropped, first int) {
	lines := strings.SplitAfter(string(body), "\n")
	drop := func(i int) {
		if dropped == 0 {
			first = i + 1
		}
		dropped++
	}
	fence := ""
	depth := 0 // open braces and brackets of an export being skipped
	inStmt := false
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if fence != "" {
			if strings.HasPrefix(t, fence) && strings.Trim(t, fence[:1]) == "" {
				fence = ""
			}
			continue
		}
		nl := ""
		if strings.HasSuffix(l, "\n") {
			nl = "\n"
		}
		if inStmt {
			depth += strings.Count(t, "{") + strings.Count(t, "(") + strings.Count(t, "[") - strings.Count(t, "}") - strings.Count(t, ")") - strings.Count(t, "]")
			lines[i] = nl
			drop(i)
			if depth <= 0 && (t == "" || !strings.HasSuffix(t, ",")) {
				inStmt = false
			}
			continue
		}
		if f := fenceOpen(t); f != "" {
			fence = f
			continue
		}
		switch {
		case mdxImport.MatchString(l):
			depth = strings.Count(t, "{") + strings.Count(t, "(") + strings.Count(t, "[") - strings.Count(t, "}") - strings.Count(t, ")") - strings.Count(t, "]")
			inStmt = depth > 0
			lines[i] = nl
			drop(i)
		case mdxTags.MatchString(t):
			lines[i] = nl
			drop(i)
		case mdxComment.MatchString(l):
			lines[i] = mdxComment.ReplaceAllString(l, "")
			if strings.TrimSpace(lines[i]) == "" {
				drop(i)
			}
		}
	}
	return []byte(strings.Join(lines, "")), dropped, first
}

// fenceOpen is the fence a line opens ("```", "~~~~"), or "".
func fenceOpen(t string) string {
	if len(t) < 3 || (t[0] != '`' && t[0] != '~') {
		return ""
	}
	i := 0
	for i < len(t) && t[i] == t[0] {
		i++
	}
	if i < 3 {
		return ""
	}
	return t[:i]
}
