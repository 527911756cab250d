package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/shipshape/shipshape/internal/server"
)

func runServe(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "serve", "[flags]")
	source := fs.String("source", "", "content folder (default from shipshape.toml, else content)")
	out := fs.String("out", "", "with --static: the built folder to serve (default public)")
	bind := fs.String("bind", "127.0.0.1", "address to listen on; say 0.0.0.0 to be reachable from other machines")
	port := fs.Int("port", 1313, "port to listen on (0: any free port)")
	ready := fs.String("ready-file", "", "write the URL to this file once listening")
	static := fs.Bool("static", false, "serve the built folder as it is, for production: no watching, no reload")
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
		srv, err := server.New(server.Options{Dir: e.dir, Source: *source, Results: resultsPath, Log: e.stderr})
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "preview at %s (drafts shown; Ctrl-C stops)\n", url)
		run = func(ctx context.Context) error { return srv.Run(ctx, ln) }
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
