package verify

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/shipshape/shipshape/internal/results"
	"github.com/shipshape/shipshape/internal/snippet"
)

var update = flag.Bool("update", false, "rewrite golden files")

func sampleReport() Report {
	sn := func(file string, line int, kind snippet.Kind) snippet.Snippet {
		return snippet.Snippet{File: file, Line: line, Kind: kind, Hash: "h" + file}
	}
	return Report{Items: []Item{
		{Snippet: sn("a.md", 3, snippet.Shell), Result: results.Result{Status: results.Passed, DurationMS: 250, Output: "hi\n"}},
		{Snippet: sn("a.md", 9, snippet.Console), Result: results.Result{Status: results.Failed, Reason: "line 11 `docker ps`: shown \"web\", got \"db\"", Output: "$ docker ps\ndb\n"}},
		{Snippet: sn("b.md", 5, snippet.Dockerfile), Result: results.Result{Status: results.Infra, Reason: "image not found: x, y"}, Cached: true},
		{Snippet: sn("b.md", 12, snippet.Shell), Result: results.Result{Status: results.Skipped, Reason: "needs a registry"}},
	}}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s: got\n%s\nwant\n%s", name, got, want)
	}
}

func TestReportFormats(t *testing.T) {
	r := sampleReport()
	var j, a bytes.Buffer
	if err := r.WriteJUnit(&j); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.junit.xml", j.Bytes())
	r.WriteAnnotations(&a)
	golden(t, "report.annotations.txt", a.Bytes())
	var js bytes.Buffer
	if err := r.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back struct {
		Counts map[string]int
		Items  []jsonItem
	}
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || len(back.Items) != 4 || back.Counts["failed"] != 1 {
		t.Errorf("json: got %+v (%v), want 4 items and 1 failure", back, err)
	}
}

func TestShard(t *testing.T) {
	var pages [][]snippet.Snippet
	for _, f := range []string{"a.md", "b.md", "c.md", "d.md", "e.md", "f.md", "g.md"} {
		pages = append(pages, []snippet.Snippet{{File: f}})
	}
	seen := map[string]int{}
	for k := 1; k <= 3; k++ {
		for _, p := range Shard(pages, k, 3) {
			seen[p[0].File]++
		}
	}
	if len(seen) != len(pages) {
		t.Errorf("3 shards: got %d pages covered, want %d", len(seen), len(pages))
	}
	for f, n := range seen {
		if n != 1 {
			t.Errorf("page %s is in %d shards, want 1", f, n)
		}
	}
	for _, bad := range []string{"0/3", "4/3", "x", "1/0"} {
		if _, _, err := ParseShard(bad); err == nil {
			t.Errorf("ParseShard(%q): got no error", bad)
		}
	}
}
