package check

import (
	"testing"

	"github.com/shipshape/shipshape/internal/diag"
	"github.com/shipshape/shipshape/internal/snippet"
)

// FuzzBlock feeds arbitrary code to every checked kind: bad input must give
// findings, never a crash, and every finding must carry the block's file
// and a line inside the page.
func FuzzBlock(f *testing.F) {
	for _, tc := range blockTable {
		for _, s := range blocks(f, tc.page) {
			f.Add(s.Code)
		}
	}
	f.Add("docker run -- \\\n")
	f.Add("services: [\n")
	f.Add("FROM\nRUN <<EOF\n")
	f.Fuzz(func(t *testing.T, code string) {
		for kind := range checkers {
			s := snippet.Snippet{File: "f.md", Line: 10, Code: code, Kind: kind, Fenced: true, Attrs: snippet.Attrs{}}
			r := Block(s)
			for _, d := range r.Findings {
				if d.Rule == "check-crashed" {
					t.Errorf("%s checker crashed on %q: %v", kind, code, d)
				}
				if d.File != "f.md" || d.Line < 10 || (d.Severity != diag.Error && d.Severity != diag.Warning && d.Severity != diag.Info) {
					t.Errorf("%s finding %v on %q is not at a line of the block", kind, d, code)
				}
			}
		}
	})
}
