package snippet

import (
	"fmt"
	"path"
	"strings"

	"github.com/shipshape/shipshape/internal/diag"
)

// Reader reads a file named by {include=PATH}: a slash path relative to the
// project root.
type Reader func(path string) ([]byte, error)

// Include makes a block that says {include=PATH} show and run that file of
// the project (usually under examples/), so a page never drifts from code
// that builds. The block's own text may be empty; where it is not and
// differs from the file, a warning says so, because the page source would
// mislead its next editor. The hash is recomputed over the included code.
// A path that leaves the project, or a file that cannot be read, is an error
// at the block's line.
func Include(s *Snippet, read Reader, images ImageMapper) diag.List {
	p, ok := s.Attrs["include"]
	if !ok || read == nil {
		return nil
	}
	clean := path.Clean(strings.TrimPrefix(p, "./"))
	if p == "" || path.IsAbs(p) || clean == ".." || strings.HasPrefix(clean, "../") {
		s.Unread = fmt.Sprintf("{include=%s}: want a path inside the project, such as examples/app/main.go", p)
		return diag.List{{File: s.File, Line: s.Line, Severity: diag.Error, Rule: "include", Message: s.Unread}}
	}
	b, err := read(clean)
	if err != nil {
		s.Unread = fmt.Sprintf("{include=%s}: %v", p, err)
		return diag.List{{File: s.File, Line: s.Line, Severity: diag.Error, Rule: "include",
			Message: s.Unread, Hint: "paths are relative to the folder holding shipshape.toml"}}
	}
	var ds diag.List
	own := strings.TrimSpace(s.Code)
	if own != "" && own != strings.TrimSpace(string(b)) {
		ds = append(ds, diag.Diagnostic{File: s.File, Line: s.Line, Severity: diag.Warning, Rule: "include-drift",
			Message: fmt.Sprintf("the block's text differs from %s; the file is what is shown and run", clean),
			Hint:    "leave the block empty, or copy the file into it again"})
	}
	s.Code = string(b)
	// The kind was decided from the empty block; decide it again from the
	// file (a Dockerfile has its FROM, a compose file its services).
	s.Kind, s.Guess = Classify(s.Lang, s.Code)
	if k := s.Attrs["kind"]; k != "" {
		s.Kind, s.Guess = Kind(k), false
	}
	s.Hash = Hash(*s, images)
	return ds
}
