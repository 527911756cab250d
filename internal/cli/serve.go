package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"
)

func runServe(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "serve", "[flags]")
	source := fs.String("source", "", "content folder (default from shipshape.toml, else content)")
	out := fs.String("out", "", "output folder (default public)")
	bind := fs.String("bind", "127.0.0.1", "address to listen on")
	port := fs.Int("port", 1313, "port to listen on")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := e.loadConfig(*source, *out)
	if err != nil {
		return err
	}
	if _, err := build(e, cfg.Path(cfg.Source), cfg.Path(cfg.Out), cfg, true); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(*bind, strconv.Itoa(*port)))
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{Handler: http.FileServer(http.Dir(cfg.Path(cfg.Out))), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(e.stdout, "serving %s on http://%s/\n", cfg.Out, ln.Addr())
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
