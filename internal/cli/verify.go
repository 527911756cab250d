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
	"github.com/shipshape/shipshape/internal/project"
	"github.com/shipshape/shipshape/internal/results"
	"github.com/shipshape/shipshape/internal/runner"
	"github.com/shipshape/shipshape/internal/snippet"
	"github.com/shipshape/shipshape/internal/verify"
)

type configT = config.Config

func runVerify(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "verify", "[flags] [PAGE…]  (pages: Markdown files or folders; default every page)")
	source := fs.String("source", "", "content folder (default from shipshape.toml, else content)")
	force := fs.Bool("force", false, "run every example even where a stored result matches")
	jobs := fs.Int("j", 0, "pages verified at once, page sessions included (default from config: 2 per core, at most 8, at most one per 1.5 GiB of memory)")
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
	// The engine is asked even when every result matches by hash: it tells
	// whether the images they ran on are still the same. Connecting and
	// sweeping wait on the engine, loading on the CPU: they overlap.
	type connection struct {
		eng     *runner.Engine
		release func()
		err     error
	}
	conn := make(chan connection, 1)
	go func() {
		eng, release, err := connect(ctx, e.stderr)
		conn <- connection{eng, release, err}
	}()
	proj, err := project.Load(cfg, project.Options{Drafts: true})
	cn := <-conn
	if err != nil {
		if cn.err == nil {
			cn.release()
		}
		return err
	}
	all, ds := proj.Snippets, proj.Diags
	printDiags(e, ds)
	pages := all
	if fs.NArg() > 0 {
		if pages, err = selectPages(e, cfg, all, fs.Args()); err != nil {
			if cn.err == nil {
				cn.release()
			}
			return err
		}
	}
	pages = verify.Shard(pages, shardK, shardN)
	path, store := proj.ResultsPath, proj.Results
	var log io.Writer = e.stderr
	if isTerminal(e.stderr) && os.Getenv("CI") == "" {
		log = newProgress(e.stderr, countRunnable(pages))
	}
	opt := verify.Options{Config: cfg, Force: *force, Jobs: cfg.Verify.Jobs, Log: log, Pull: cfg.Verify.Pull}
	// The engine may be missing only when every result matches by hash;
	// then the output says that their engine and image IDs were not
	// re-checked.
	eng, release, err := cn.eng, cn.release, cn.err
	ran := true // whether anything of this run may be left to sweep
	switch {
	case err == nil:
		defer func() {
			if ran {
				release()
			} else {
				eng.Close()
			}
		}()
		opt.Engine = eng
	case verify.Stale(pages, store, *force) > 0:
		return err
	default:
		fmt.Fprintln(e.stderr, noEngineNote)
	}
	rep := verify.Run(ctx, pages, store, opt)
	if p, ok := log.(*progress); ok {
		p.done()
	}
	store.Prune(proj.Keep())
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
	// A warm run that only inspected images created nothing to sweep.
	ran = cached < len(rep.Items) || ctx.Err() != nil
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

// selectPages keeps the pages at or under the paths typed. A path that is
// not there, or holds no page with a code block, is a usage error: a
// typo must not pass as a page that verified cleanly.
func selectPages(e *env, cfg configT, pages [][]snippet.Snippet, paths []string) ([][]snippet.Snippet, error) {
	keep := make([]bool, len(pages))
	for _, p := range paths {
		want, err := filepath.Abs(e.userPath(p))
		if err == nil {
			_, err = os.Stat(want)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: verify %s: %v", errUsage, p, err)
		}
		found := false
		for i, pg := range pages {
			if len(pg) == 0 {
				continue
			}
			f, err := filepath.Abs(cfg.Path(pg[0].File))
			if err != nil {
				continue
			}
			if f == want || strings.HasPrefix(f, want+string(filepath.Separator)) {
				keep[i], found = true, true
			}
		}
		if !found {
			return nil, fmt.Errorf("%w: verify %s: no page with a code block there (pages are read from %s)", errUsage, p, cfg.Source)
		}
	}
	var out [][]snippet.Snippet
	for i, pg := range pages {
		if keep[i] {
			out = append(out, pg)
		}
	}
	return out, nil
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
