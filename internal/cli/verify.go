package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
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
	if err := parse(fs, args); err != nil {
		return err
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
	pages, ds := extract(s, cfg)
	printDiags(e, ds)
	path := resultsPath(cfg)
	store, err := results.Load(path)
	if err != nil {
		return err
	}
	opt := verify.Options{Config: cfg, Force: *force, Jobs: cfg.Verify.Jobs, Log: e.stderr, Pull: cfg.Verify.Pull,
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
	keep := map[string]bool{}
	for _, p := range pages {
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
	if ctx.Err() != nil {
		return errors.New("interrupted")
	}
	if ds.Errors() > 0 {
		return fmt.Errorf("%d errors in content", ds.Errors())
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
		pages = append(pages, sn)
	}
	return pages, ds
}
