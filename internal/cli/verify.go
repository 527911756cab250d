package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/shipshape/shipshape/internal/config"
	"github.com/shipshape/shipshape/internal/content"
	"github.com/shipshape/shipshape/internal/diag"
	"github.com/shipshape/shipshape/internal/markdown"
	"github.com/shipshape/shipshape/internal/results"
	"github.com/shipshape/shipshape/internal/runner"
	"github.com/shipshape/shipshape/internal/snippet"
	"github.com/shipshape/shipshape/internal/verify"
)

type configT = config.Config

func resultsPath(cfg config.Config) string {
	p := cfg.Verify.Results
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(cfg.Path(cfg.Source), p)
}

func runVerify(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "verify", "[flags]")
	source := fs.String("source", "", "content folder (default from shipshape.toml, else content)")
	force := fs.Bool("force", false, "run every example even where a stored result matches")
	jobs := fs.Int("j", 0, "pages verified at once (default from config: 2 per core, at most 8)")
	pull := fs.String("pull", "", "never, missing or always: whether page sessions may pull images (default from config)")
	format := fs.String("format", "text", "report on stdout: text (none), json or junit")
	shard := fs.String("shard", "", "K/N: verify only the pages of shard K of N (combine with: shipshape results merge)")
	annotate := fs.Bool("annotations", os.Getenv("GITHUB_ACTIONS") == "true", "print GitHub annotations for failures (default on under GitHub Actions)")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch *format {
	case "text", "json", "junit":
	default:
		return fmt.Errorf("%w: --format=%s: want text, json or junit", errUsage, *format)
	}
	shardK, shardN := 1, 1
	if *shard != "" {
		k, n, err := verify.ParseShard(*shard)
		if err != nil {
			return fmt.Errorf("%w: %v", errUsage, err)
		}
		shardK, shardN = k, n
	}
	cfg, err := e.loadConfig(*source, "")
	if err != nil {
		return err
	}
	if *jobs > 0 {
		cfg.Verify.Jobs = *jobs
	}
	if *pull != "" {
		cfg.Verify.Pull = *pull
	}
	switch cfg.Verify.Pull {
	case "never", "missing", "always":
	default:
		return fmt.Errorf("%w: --pull=%s: want never, missing or always", errUsage, cfg.Verify.Pull)
	}
	start := time.Now()
	s, err := content.Load(cfg.Path(cfg.Source), content.Options{Drafts: true, Name: cfg.Source})
	if err != nil {
		return err
	}
	all, ds := extract(s, cfg)
	printDiags(e, ds)
	pages := verify.Shard(all, shardK, shardN)
	path := resultsPath(cfg)
	store, err := results.Load(path)
	if err != nil {
		return err
	}
	var log io.Writer = e.stderr
	if isTerminal(e.stderr) && os.Getenv("CI") == "" {
		log = newProgress(e.stderr, countRunnable(pages))
	}
	opt := verify.Options{Config: cfg, Force: *force, Jobs: cfg.Verify.Jobs, Log: log, Pull: cfg.Verify.Pull,
		ComposePlugin: composePlugin()}
	if verify.Stale(pages, store, *force) > 0 {
		eng, err := runner.Connect(ctx)
		if err != nil {
			return err
		}
		defer eng.Close()
		if n, err := eng.Sweep(ctx, ""); err == nil && n > 0 {
			fmt.Fprintf(e.stderr, "removed %d leftovers of earlier runs\n", n)
		}
		defer func() {
			cctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			_, _ = eng.Sweep(cctx, eng.RunID)
		}()
		opt.Engine, opt.EngineVersion = eng, eng.Version
	}
	rep := verify.Run(ctx, pages, store, opt)
	if p, ok := log.(*progress); ok {
		p.done()
	}
	keep := map[string]bool{}
	for _, p := range all {
		for _, sn := range p {
			keep[sn.Hash] = true
		}
	}
	store.Prune(keep)
	if err := store.Save(path); err != nil {
		return err
	}
	c := rep.Count()
	cached := 0
	for _, it := range rep.Items {
		if it.Cached {
			cached++
		}
	}
	fmt.Fprintf(e.stderr, "%s: %d passed, %d failed, %d expected-fail, %d skipped, %d infra-error (%d cached) in %s; results in %s\n",
		plural(len(rep.Items), "example"), c[results.Passed], c[results.Failed], c[results.ExpectedFail],
		c[results.Skipped], c[results.Infra], cached, time.Since(start).Round(time.Millisecond), path)
	switch *format {
	case "json":
		if err := rep.WriteJSON(e.stdout); err != nil {
			return err
		}
	case "junit":
		if err := rep.WriteJUnit(e.stdout); err != nil {
			return err
		}
	}
	if *annotate {
		rep.WriteAnnotations(e.stdout)
	}
	if ctx.Err() != nil {
		return errors.New("interrupted")
	}
	if ds.Errors() > 0 {
		return fmt.Errorf("%s in content", plural(ds.Errors(), "error"))
	}
	return rep.Err()
}

// extract lists each page's snippets, in page order.
func extract(s *content.Site, cfg config.Config) ([][]snippet.Snippet, diag.List) {
	md := markdown.New(markdown.Options{})
	ds := append(diag.List(nil), s.Diags...)
	var pages [][]snippet.Snippet
	for _, p := range s.Pages {
		doc := md.Parse(p.Body)
		sn, d := snippet.Extract(p.File, doc, p.Body, p.BodyLine, cfg.MapImage, cfg.Verify.Image)
		ds = append(ds, d...)
		for i := range sn {
			ds = append(ds, snippet.Include(&sn[i], cfg.ReadFile, cfg.MapImage)...)
		}
		pages = append(pages, sn)
	}
	return pages, ds
}

func countRunnable(pages [][]snippet.Snippet) int {
	n := 0
	for _, p := range pages {
		for _, s := range p {
			if verify.Runnable(s) {
				n++
			}
		}
	}
	return n
}

// badLine matches verify's log line for a failed or unrunnable example.
var badLine = regexp.MustCompile(` (failed|infra-error)( \(cached\))?(:|$)`)

// progress turns verify's one line per example into a single status line
// on a terminal; failures still get a line of their own.
type progress struct {
	w                io.Writer
	total, n, failed int
	mu               sync.Mutex
}

func newProgress(w io.Writer, total int) *progress { return &progress{w: w, total: total} }

func (p *progress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		if line == "" {
			continue
		}
		p.n++
		if badLine.MatchString(line) {
			p.failed++
			fmt.Fprintf(p.w, "\r\033[K%s\n", line)
		}
	}
	fmt.Fprintf(p.w, "\r\033[Kverify: %d/%d examples, %d failed", p.n, p.total, p.failed)
	return len(b), nil
}

func (p *progress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprint(p.w, "\r\033[K")
}
