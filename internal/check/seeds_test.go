package check

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shipshape/shipshape/internal/content"
	"github.com/shipshape/shipshape/internal/diag"
	"github.com/shipshape/shipshape/internal/markdown"
	"github.com/shipshape/shipshape/internal/snippet"
)

const seeds = "/work/shared/seeds"

// seedBlocks extracts every block of the user's guides; the test is skipped
// where the guides are absent, except under CI=true.
func seedBlocks(t testing.TB) []snippet.Snippet {
	t.Helper()
	guides := seedFiles()
	if len(guides) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no seed guides in %s", seeds)
		}
		t.Skipf("no seed guides in %s", seeds)
	}
	md := markdown.New(markdown.Options{})
	var out []snippet.Snippet
	for _, f := range guides {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		p, _ := content.Parse(filepath.Base(f), filepath.Base(f), b)
		if p == nil {
			t.Fatalf("%s does not parse as a page", f)
		}
		sn, _ := snippet.Extract(p.File, md.Parse(p.Body), p.Body, p.BodyLine, nil, "busybox")
		out = append(out, sn...)
	}
	return out
}

func seedFiles() []string {
	files, _ := filepath.Glob(filepath.Join(seeds, "*.md"))
	var guides []string
	for _, f := range files {
		if !strings.EqualFold(filepath.Base(f), "README.md") {
			guides = append(guides, f)
		}
	}
	return guides
}

func TestSeedInventory(t *testing.T) {
	rs := All(seedBlocks(t))
	if os.Getenv("SHIPSHAPE_DUMP") != "" {
		for _, r := range rs {
			t.Logf("%s:%d %q -> %s (%s) %s", r.Snippet.File, r.Snippet.Line, r.Snippet.Lang, r.Kind, r.Status, firstLine(r.Snippet.Code))
			for _, d := range r.Findings {
				t.Logf("    %v", d)
			}
		}
	}
}

// TestSeeds checks the user's guides: every block gets a kind, the blocks
// that are code are not left as text, the known problems are found and no
// correct command gets an error.
func TestSeeds(t *testing.T) {
	rs := All(seedBlocks(t))
	if len(rs) < 100 {
		t.Fatalf("found %d blocks in the seed guides, want over 100", len(rs))
	}
	known := map[snippet.Kind]bool{}
	for _, k := range snippet.Kinds {
		known[k] = true
	}
	at := map[string]Result{}
	for _, r := range rs {
		if !known[r.Kind] {
			t.Errorf("%s:%d classified %q, not a known kind", r.Snippet.File, r.Snippet.Line, r.Kind)
		}
		at[fmt.Sprintf("%s:%d", r.Snippet.File, r.Snippet.Line)] = r
		if r.Kind == snippet.Text {
			for _, code := range []string{"docker ", "FROM ", "RUN ", "$ ", "--", "services:"} {
				if strings.HasPrefix(strings.TrimSpace(r.Snippet.Code), code) {
					t.Errorf("%s:%d is code (%q) but classified text", r.Snippet.File, r.Snippet.Line, firstLine(r.Snippet.Code))
				}
			}
		}
	}
	// Unlabelled and mislabelled blocks, classified from their content.
	kinds := map[string]snippet.Kind{
		"docker-level-6-pro.md:150": snippet.Shell,              // docker images
		"docker-level-6-pro.md:158": snippet.Dockerfile,         // FROM node:18-alpine
		"docker-level-6-pro.md:164": snippet.DockerfileFragment, // RUN apt-get clean
		"docker-level-6-pro.md:224": snippet.DockerfileFragment, // HEALTHCHECK
		"docker-level-6-pro.md:240": snippet.Shell,              // docker run -m
		"docker-level-6-pro.md:296": snippet.DockerfileFragment, // USER node
		"docker-level-6-pro.md:302": snippet.Shell,              // --read-only
		"docker-level-6-pro.md:22":  snippet.Diagram,            // A → B
		"docker-deep-dive.md:68":    snippet.Diagram,            // a tree
		"docker-deep-dive.md:105":   snippet.Diagram,            // boxes
		"docker-deep-dive.md:560":   snippet.Dockerfile,         // ```bash over a Dockerfile
		"docker-deep-dive.md:728":   snippet.Output,             // nginx: [emerg]
		"docker-deep-dive.md:927":   snippet.Compose,            // ```yaml with services
		"docker-deep-dive.md:846":   snippet.YAML,               // environment: fragment
	}
	for where, want := range kinds {
		r, ok := at[where]
		if !ok {
			t.Errorf("no block at %s", where)
			continue
		}
		if r.Kind != want {
			t.Errorf("%s (%q) classified %s, want %s", where, firstLine(r.Snippet.Code), r.Kind, want)
		}
	}
	// The problems the guides really have.
	type want struct{ rule, in string }
	found := map[want]bool{}
	wants := []want{
		{"docker-removed", "docker scan"},
		{"docker-compose-v1", "docker-compose"},
		{"docker-legacy-flag", "--link"},
		{"compose-version-obsolete", "version"},
		{"SecretsUsedInArgOrEnv", "API_KEY"},
	}
	for _, r := range rs {
		for _, d := range r.Findings {
			for _, w := range wants {
				if d.Rule == w.rule && strings.Contains(lineOf(r.Snippet, d.Line)+" "+d.Message, w.in) {
					found[w] = true
				}
			}
			if d.Severity == diag.Error && (strings.HasPrefix(d.Rule, "docker-") && d.Rule != "docker-removed" || d.Rule == "shell-syntax") {
				t.Errorf("false error on a correct command: %v", d)
			}
		}
	}
	for _, w := range wants {
		if !found[w] {
			t.Errorf("no %s finding about %q in the seed guides", w.rule, w.in)
		}
	}
}

// lineOf is the text of a file line inside a snippet.
func lineOf(s snippet.Snippet, fileLine int) string {
	ls := strings.Split(s.Code, "\n")
	i := fileLine - s.Line - 1
	if !s.Fenced {
		i++
	}
	if i < 0 || i >= len(ls) {
		return ""
	}
	return ls[i]
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	if len(l) > 50 {
		l = l[:50]
	}
	return l
}
