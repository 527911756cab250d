package verify

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shipshape/shipshape/internal/config"
	"github.com/shipshape/shipshape/internal/markdown"
	"github.com/shipshape/shipshape/internal/results"
	"github.com/shipshape/shipshape/internal/snippet"
)

// course writes n pages shaped like the course's: a file block, a
// Dockerfile that is built, a session shell block, a console block and a
// one-off run.
func course(n int) [][]byte {
	var pages [][]byte
	for i := 0; i < n; i++ {
		pages = append(pages, []byte(fmt.Sprintf("# Page %d\n\nSome prose about page %d.\n\n"+
			"```text {file=greeting.txt}\nhello %d\n```\n\n"+
			"```dockerfile {build}\nFROM busybox:1.36\nCOPY greeting.txt /g%d\nCMD [\"cat\", \"/g\"]\n```\n\n"+
			"```sh {run}\ndocker build -q -t app%d .\n```\n\n"+
			"```console {run}\n$ docker run --rm app%d\nhello %d\n```\n\n"+
			"```sh {run image=busybox:1.36}\necho %d\n```\n", i, i, i, i, i, i, i, i)))
	}
	return pages
}

func extractAll(b *testing.B, cfg config.Config, src [][]byte) [][]snippet.Snippet {
	md := markdown.New(markdown.Options{})
	var pages [][]snippet.Snippet
	for i, body := range src {
		sn, _ := snippet.Extract(fmt.Sprintf("p%d.md", i), md.Parse(body), body, 1, cfg.MapImage, cfg.Verify.Image)
		snippet.Seal(sn, cfg.MapImage, snippet.Env{})
		pages = append(pages, sn)
	}
	return pages
}

// BenchmarkWarmReverify is a re-verify of an unchanged 200-page course:
// parse, extract, decide nothing is stale, report every result from the
// store and save it. No engine is contacted (Engine is nil).
func BenchmarkWarmReverify(b *testing.B) {
	cfg := config.Default()
	src := course(200)
	pages := extractAll(b, cfg, src)
	store := results.New()
	for _, p := range pages {
		for _, s := range p {
			if !Runnable(s) {
				continue
			}
			r := results.Result{Status: results.Passed, File: s.File, Line: s.Line, Output: strings.Repeat("x", 200)}
			store.Results[s.Hash] = r
		}
	}
	path := filepath.Join(b.TempDir(), "results.json")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pages := extractAll(b, cfg, src)
		if n := Stale(pages, store, false); n != 0 {
			b.Fatalf("got %d stale examples, want 0", n)
		}
		rep := Run(context.Background(), pages, store, Options{Config: cfg, Jobs: 4})
		if len(rep.Items) != 800 || rep.Err() != nil {
			b.Fatalf("got %d items (%v), want 800 cached passes", len(rep.Items), rep.Err())
		}
		if err := store.Save(path); err != nil {
			b.Fatal(err)
		}
	}
}
