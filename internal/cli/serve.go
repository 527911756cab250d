package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/shipshape/shipshape/internal/project"
	"github.com/shipshape/shipshape/internal/results"
	"github.com/shipshape/shipshape/internal/runner"
	"github.com/shipshape/shipshape/internal/server"
	"github.com/shipshape/shipshape/internal/verify"
)

func runServe(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "serve", "[flags]")
	source := fs.String("source", "", "content folder (default from shipshape.toml, else content)")
	out := fs.String("out", "", "with --static: the built folder to serve (default public)")
	bind := fs.String("bind", "127.0.0.1", "address to listen on; say 0.0.0.0 to be reachable from other machines")
	port := fs.Int("port", 1313, "port to listen on (0: any free port)")
	ready := fs.String("ready-file", "", "write the URL to this file once listening")
	static := fs.Bool("static", false, "serve the built folder as it is, for production: no watching, no reload")
	verifyFlag := fs.Bool("verify", false, "re-run changed runnable examples in the background (needs a Docker engine); badges update in the open pages")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	ln, public, err := server.Listen(*bind, *port)
	if errors.Is(err, server.ErrBind) {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if err != nil {
		return err
	}
	defer ln.Close()
	url := server.URL(ln)

	var run func(context.Context) error
	if *static {
		cfg, err := e.loadConfig("", *out)
		if err != nil {
			return err
		}
		dir := cfg.Path(cfg.Out)
		st, err := server.NewStatic(dir)
		if err != nil {
			return err
		}
		defer st.Close()
		if err := st.Check(); err != nil {
			return fmt.Errorf("%s: %w", dir, err)
		}
		fmt.Fprintf(e.stdout, "serving %s at %s\n", dir, url)
		run = func(ctx context.Context) error { return st.Run(ctx, ln) }
	} else {
		im := &images{ctx: ctx, log: e.stderr}
		defer im.close()
		opt := server.Options{Dir: e.dir, Source: *source, Results: project.ResultsPath, Log: e.stderr, Now: im.now}
		var bg *background
		if *verifyFlag {
			bg = &background{e: e, source: *source, poke: make(chan struct{}, 1)}
			opt.Edited = bg.kick
		}
		srv, err := server.New(opt)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "preview at %s (drafts shown; Ctrl-C stops)\n", url)
		run = func(ctx context.Context) error {
			if bg == nil {
				return srv.Run(ctx, ln)
			}
			done := make(chan struct{})
			go func() { defer close(done); bg.loop(ctx) }()
			bg.kick() // cached results show at once; stale ones run now
			err := srv.Run(ctx, ln)
			<-done
			return err
		}
	}
	if public {
		fmt.Fprintf(e.stderr, "warning: listening on %s: other machines can read this site\n", ln.Addr())
	}
	if *ready != "" {
		if err := writeReady(*ready, url); err != nil {
			return err
		}
	}
	if err := run(ctx); err != nil {
		return err
	}
	fmt.Fprintln(e.stderr, "stopped")
	return nil
}

// background re-verifies stale examples after edits, one run at a time,
// and saves the results file; the preview's watcher then renders the new
// badges into the open pages.
type background struct {
	e       *env
	source  string
	poke    chan struct{}
	eng     *runner.Engine
	release func() // sweeps and closes eng
	noEng   bool   // reported once that there is no engine
}

// kick asks for a run without blocking; edits during a run ask for one
// more after it.
func (b *background) kick() {
	select {
	case b.poke <- struct{}{}:
	default:
	}
}

func (b *background) loop(ctx context.Context) {
	defer func() {
		if b.eng == nil {
			return
		}
		b.release()
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case <-b.poke:
		}
		if err := b.once(ctx); err != nil && ctx.Err() == nil {
			fmt.Fprintf(b.e.stderr, "verify: %v\n", err)
		}
	}
}

func (b *background) once(ctx context.Context) error {
	cfg, err := b.e.loadConfig(b.source, "")
	if err != nil {
		return err
	}
	proj, err := project.Load(cfg, project.Options{Drafts: true})
	if err != nil {
		return err
	}
	pages, path, store := proj.Snippets, proj.ResultsPath, proj.Results // the preview shows the diagnostics
	stale := verify.Stale(pages, store, false)
	if b.eng == nil {
		if b.noEng {
			return nil
		}
		eng, release, err := connect(ctx, b.e.stderr)
		if err != nil {
			b.noEng = true
			if stale == 0 {
				fmt.Fprintln(b.e.stderr, noEngineNote)
				return nil
			}
			return fmt.Errorf("%w; badges show stored results only", err)
		}
		b.eng, b.release = eng, release
	}
	start := time.Now()
	if stale > 0 {
		fmt.Fprintf(b.e.stderr, "verifying %s in the background\n", plural(stale, "changed example"))
	}
	opt := verify.Options{Config: cfg, Jobs: cfg.Verify.Jobs, Pull: cfg.Verify.Pull,
		Engine: b.eng}
	// Also with nothing stale by hash: an image may have changed.
	rep := verify.Run(ctx, pages, store, opt)
	// The engine lives as long as the preview: what it keeps for a run
	// (idle page holders, the disk guard) goes until the next.
	b.eng.DropKept()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	ran := 0
	for _, it := range rep.Items {
		if !it.Cached {
			ran++
		}
	}
	if ran == 0 {
		return nil
	}
	if err := store.Save(path); err != nil {
		return err
	}
	c := rep.Count()
	fmt.Fprintf(b.e.stderr, "verified in %s: %d passed, %d failed, %d expected-fail, %d skipped, %d infra-error\n",
		time.Since(start).Round(time.Millisecond), c[results.Passed], c[results.Failed], c[results.ExpectedFail], c[results.Skipped], c[results.Infra])
	for _, it := range rep.Items {
		if it.Result.Status == results.Failed && !it.Cached {
			fmt.Fprintf(b.e.stderr, "%s:%d: example failed: %s\n", it.Result.File, it.Result.Line, it.Result.Reason)
		}
	}
	return nil
}

// writeReady writes the URL whole or not at all, so a test polling for the
// file never reads half of it.
func writeReady(path, url string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(url+"\n"), 0o644); err != nil {
		return fmt.Errorf("ready file: %w", err)
	}
	if err := os.Rename(tmp, filepath.Clean(path)); err != nil {
		return fmt.Errorf("ready file: %w", err)
	}
	return nil
}
