package markdown

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/render")

// TestRender renders testdata/render/*.txtar: the "in.md" file of each
// archive must render as its "want.html" file (refresh with -update).
func TestRender(t *testing.T) {
	files, _ := filepath.Glob("testdata/render/*.txtar")
	if len(files) == 0 {
		t.Fatal("no golden files")
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txtar"), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			comment, parts := splitTxtar(string(b))
			in, ok := parts["in.md"]
			if !ok {
				t.Fatalf("%s has no in.md", f)
			}
			// a comment naming "unsafe" lets raw HTML through, as the site does
			md := New(Options{Unsafe: strings.Contains(comment, "unsafe")})
			doc := md.Parse([]byte(in))
			var out bytes.Buffer
			if err := md.Render(&out, []byte(in), doc); err != nil {
				t.Fatal(err)
			}
			if *update {
				var w strings.Builder
				w.WriteString(comment)
				w.WriteString("-- in.md --\n" + in)
				w.WriteString("-- want.html --\n" + out.String())
				if err := os.WriteFile(f, []byte(w.String()), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if want := parts["want.html"]; out.String() != want {
				t.Errorf("%s: rendering in.md\n got:\n%s\nwant:\n%s", f, out.String(), want)
			}
		})
	}
}

// splitTxtar reads the txtar format: a comment, then "-- name --" files.
func splitTxtar(s string) (string, map[string]string) {
	parts := map[string]string{}
	var comment strings.Builder
	cur := ""
	for _, line := range strings.SplitAfter(s, "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "-- ") && strings.HasSuffix(t, " --") && len(t) > 6 {
			cur = strings.TrimSpace(t[3 : len(t)-3])
			parts[cur] = ""
			continue
		}
		if cur == "" {
			comment.WriteString(line)
			continue
		}
		parts[cur] += line
	}
	return comment.String(), parts
}

func TestLinksAndHeadingsLines(t *testing.T) {
	src := "# Title\n\nText [a](x.md) and\n![i](y.png) [](#empty)\n\n## Sub {#s}\n"
	doc := New(Options{}).Parse([]byte(src))
	var got []string
	for _, l := range Links(doc, []byte(src)) {
		got = append(got, l.Dest+"@"+string(rune('0'+l.Line)))
	}
	if strings.Join(got, " ") != "x.md@3 y.png@4 #empty@4" {
		t.Errorf("links = %v, want x.md@3 y.png@4 #empty@4", got)
	}
	hs := Headings(doc, []byte(src))
	if len(hs) != 2 || hs[1].ID != "s" || hs[1].Line != 6 || hs[1].Text != "Sub" {
		t.Errorf("headings = %+v", hs)
	}
}
