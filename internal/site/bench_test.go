package site

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/shipshape/shipshape/internal/config"
	"github.com/shipshape/shipshape/internal/content"
	"github.com/shipshape/shipshape/internal/corpus"
)

var (
	corpusOnce sync.Once
	corpusDir  string
	corpusErr  error
)

// corpus1000 writes the generated 1000-page course once per test binary.
func corpus1000(t testing.TB) string {
	corpusOnce.Do(func() {
		corpusDir, corpusErr = os.MkdirTemp("", "shipshape-corpus-")
		if corpusErr == nil {
			corpusErr = corpus.Write(corpusDir, 1000)
		}
	})
	if corpusErr != nil {
		t.Fatal(corpusErr)
	}
	return corpusDir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if corpusDir != "" {
		os.RemoveAll(corpusDir)
	}
	os.Exit(code)
}

func render1000(t testing.TB) (*content.Site, *Output) {
	s, err := content.Load(corpus1000(t), content.Options{})
	if err != nil {
		t.Fatal(err)
	}
	o, ds := Render(s, Options{Config: config.Default()})
	if ds.Errors() > 0 || len(s.Pages) != 1000 {
		t.Fatalf("corpus: %d pages, %d errors, first: %v", len(s.Pages), ds.Errors(), ds)
	}
	return s, o
}

// navBytes is the navigation markup of a page: sidebar, breadcrumbs, table
// of contents and pager.
func navBytes(page []byte) int {
	n := 0
	for _, m := range [][2]string{
		{`<nav class="sidebar"`, `</nav>`},
		{`<nav class="crumbs"`, `</nav>`},
		{`<aside class="toc"`, `</aside>`},
		{`<nav class="pager"`, `</nav>`},
	} {
		i := bytes.Index(page, []byte(m[0]))
		if i < 0 {
			continue
		}
		j := bytes.Index(page[i:], []byte(m[1]))
		n += j + len(m[1])
	}
	return n
}

// TestScale1000 checks the size budgets at 1000 pages: navigation markup
// per page and the bytes a search fetches.
func TestScale1000(t *testing.T) {
	if testing.Short() {
		t.Skip("renders 1000 pages")
	}
	_, o := render1000(t)
	maxNav, worst := 0, ""
	for _, f := range o.PageFile {
		if n := navBytes(o.Files[f]); n > maxNav {
			maxNav, worst = n, f
		}
	}
	t.Logf("largest navigation markup: %d bytes (%s); nav.html %d bytes", maxNav, worst, len(o.Files["nav.html"]))
	if maxNav > 15<<10 {
		t.Errorf("navigation markup of %s is %d bytes, want ≤ 15 KB", worst, maxNav)
	}
	// A query fetches one term shard per word and at most one document
	// chunk per result shown (10): take the largest chunks as the worst case.
	var chunks []int
	for k, v := range o.Files {
		if strings.HasPrefix(k, "search/d/") {
			chunks = append(chunks, len(v))
		}
	}
	sort.Sort(sort.Reverse(sort.IntSlice(chunks)))
	docs := 0
	for i := 0; i < 10 && i < len(chunks); i++ {
		docs += chunks[i]
	}
	for _, q := range []string{"container network", "docker image build", "volume"} {
		terms := 0
		for _, w := range strings.Fields(q) {
			terms += len(o.Files["search/t/"+termKey(w)+".json"])
		}
		total := terms + docs
		t.Logf("query %q: term shards %d B + worst-case 10 document chunks %d B = %d B", q, terms, docs, total)
		if total > 100<<10 {
			t.Errorf("query %q transfers up to %d bytes, want ≤ 100 KB", q, total)
		}
	}
}

// BenchmarkBuild1000 builds the generated 1000-page course to disk with
// full navigation, highlighting, link checking and search, and reports
// pages/s, bytes/page and the process's peak memory.
func BenchmarkBuild1000(b *testing.B) {
	dir := corpus1000(b)
	out := filepath.Join(b.TempDir(), "public")
	var st Stats
	var bytesOut int64
	cpu0 := cpuSeconds()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s, err := content.Load(dir, content.Options{})
		if err != nil {
			b.Fatal(err)
		}
		st, _, err = Build(s, Options{Config: config.Default(), Out: out})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N), "cpu-s/op")
	_ = filepath.Walk(out, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			bytesOut += fi.Size()
		}
		return nil
	})
	secs := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(st.Pages)/secs, "pages/s")
	b.ReportMetric(float64(bytesOut)/float64(st.Pages), "bytes/page")
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "peak-MB")
	}
	b.ReportMetric(float64(st.Snippets), "blocks")
	b.ReportMetric(float64(st.Links), "links")
}

// BenchmarkRender1000 is BenchmarkBuild1000 without the disk: load and
// render in memory, as the preview server does.
func BenchmarkRender1000(b *testing.B) {
	dir := corpus1000(b)
	cpu0 := cpuSeconds()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s, err := content.Load(dir, content.Options{})
		if err != nil {
			b.Fatal(err)
		}
		Render(s, Options{Config: config.Default()})
	}
	b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N), "cpu-s/op")
	b.ReportMetric(1000/(b.Elapsed().Seconds()/float64(b.N)), "pages/s")
}

// cpuSeconds is the process's user and system CPU time: on a shared
// machine it says what a build costs better than the wall clock.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// BenchmarkRender1000Cached is a full re-render with a warm Cache, as the
// preview server does after an edit.
func BenchmarkRender1000Cached(b *testing.B) {
	dir := corpus1000(b)
	cache := NewCache()
	s, err := content.Load(dir, content.Options{})
	if err != nil {
		b.Fatal(err)
	}
	Render(s, Options{Config: config.Default(), Cache: cache})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s, err := content.Load(dir, content.Options{})
		if err != nil {
			b.Fatal(err)
		}
		Render(s, Options{Config: config.Default(), Cache: cache})
	}
	b.ReportMetric(1000/(b.Elapsed().Seconds()/float64(b.N)), "pages/s")
}
