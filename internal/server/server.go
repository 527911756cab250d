// Package server is the authors' preview: it serves a site rendered in
// memory, watches its sources, re-renders what changed and pushes reloads
// and errors into the open pages.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"os"
	"path"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/shipshape/shipshape/internal/config"
	"github.com/shipshape/shipshape/internal/content"
	"github.com/shipshape/shipshape/internal/diag"
	"github.com/shipshape/shipshape/internal/results"
	"github.com/shipshape/shipshape/internal/site"
)

// ShutdownTimeout bounds a graceful stop after the context is cancelled.
const ShutdownTimeout = 5 * time.Second

// Options say what to preview.
type Options struct {
	// Dir is the project folder, where shipshape.toml is read from.
	Dir string
	// Source overrides the configured content folder ("" keeps it).
	Source string
	// Results is the verify results file; "" uses the configured one.
	Results func(config.Config) string
	// Now, when set, is called once per full render for the answers of
	// results.Fresh: the engine's version, and each distinct image
	// inspected once per render, so a result whose engine or image changed
	// loses its badge as it does in build. Nil means neither is re-checked
	// (the caller says so).
	Now func() results.Now
	// Log receives one line per rebuild and every diagnostic.
	Log io.Writer
	// Edited, when set, is called for each batch of changes to the sources
	// (not for one that only rewrote the results file), so that examples
	// can be verified again in the background. It must not block.
	Edited func()
	// Batch is how long the watcher gathers events after the first one
	// before rebuilding; 0 means 50 ms.
	Batch time.Duration
	// Settle is the pause after page-only edits before the whole site is
	// rendered quietly (search index, other pages' link checks); 0 means 1 s.
	Settle time.Duration
}

// Server holds the rendered site and what the watcher knows about it.
type Server struct {
	opt Options
	hub *hub

	mu      sync.RWMutex // guards everything below and out.Files
	cfg     config.Config
	src     string // content folder as given to content.Load
	out     *site.Output
	pages   map[string]*content.Page // source Path -> page (drafts too)
	known   map[string]bool          // source Paths of Markdown files, pages or not
	drafts  map[string]bool          // site file -> true for draft pages
	diags   map[string]diag.List     // file in messages -> its diagnostics
	cfgErr  *diag.Diagnostic         // shipshape.toml does not load
	lazy    map[string]*content.Page // site file -> page still to render
	checked chan struct{}            // closed when the first full render landed
	bg      sync.WaitGroup           // full renders, also abandoned ones
	cache   *site.Cache              // code-block checks and highlighting across renders
	version string
	builds  int
	started time.Time
}

// New loads the configuration and the content and returns a server ready
// to Run. Pages are rendered when first asked for until Run's background
// full render (with link checks) lands. Content errors do not stop it:
// they are shown in the browser. Only an unreadable project is an error.
func New(opt Options) (*Server, error) {
	if opt.Log == nil {
		opt.Log = io.Discard
	}
	if opt.Settle <= 0 {
		opt.Settle = time.Second
	}
	if opt.Batch <= 0 {
		opt.Batch = 50 * time.Millisecond
	}
	s := &Server{opt: opt, hub: newHub(), started: time.Now(), checked: make(chan struct{}), cache: site.NewCache()}
	start := time.Now()
	snap, err := s.prepare(true)
	if err != nil {
		return nil, err
	}
	s.commit(snap, true)
	s.logBuild("loaded", time.Since(start), s.out.Stats.Pages, s.allDiags())
	s.publish(nil)
	return s, nil
}

// Run serves on ln and watches the sources until ctx is cancelled, then
// shuts down within ShutdownTimeout.
func (s *Server) Run(ctx context.Context, ln net.Listener) error {
	w, err := s.newWatcher()
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	return serve(ctx, srv, ln, func(g *errgroup.Group, ctx context.Context) {
		g.Go(func() error {
			s.full(ctx, "", time.Now())
			return s.watch(ctx, w)
		})
	}, s.hub.close)
}

// serve runs srv on ln beside extra goroutines, and on cancel closes the
// long-lived streams (stop) before a graceful shutdown.
func serve(ctx context.Context, srv *http.Server, ln net.Listener, extra func(*errgroup.Group, context.Context), stop func()) error {
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	if extra != nil {
		extra(g, ctx)
	}
	g.Go(func() error {
		<-ctx.Done()
		if stop != nil {
			stop()
		}
		sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			_ = srv.Close()
		}
		return nil
	})
	return g.Wait()
}

// ServeHTTP serves the site from memory, the content folder's own files
// from disk, and the live-reload endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	switch r.URL.Path {
	case eventsPath:
		s.hub.serve(w, r)
		return
	case scriptPath:
		serveScript(w, r)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	key, ok := sitePath(r.URL.Path)
	if !ok || strings.HasPrefix(r.URL.Path, Prefix) {
		s.notFound(w, r)
		return
	}
	if key == "" || strings.HasSuffix(key, "/") {
		key += "index.html"
	}
	s.renderLazy(key)
	s.mu.RLock()
	data, ok := s.out.Files[key]
	var file string
	if !ok {
		file = s.out.Static[key]
	}
	_, isDir := s.out.Files[key+"/index.html"]
	s.mu.RUnlock()
	switch {
	case ok:
		s.write(w, r, key, data, http.StatusOK)
	case file != "" && within(s.src, file):
		http.ServeFile(w, r, file)
	case isDir:
		http.Redirect(w, r, "/"+key+"/", http.StatusMovedPermanently)
	default:
		s.notFound(w, r)
	}
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	data, ok := s.out.Files["404.html"]
	s.mu.RUnlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	s.write(w, r, "404.html", data, http.StatusNotFound)
}

func (s *Server) write(w http.ResponseWriter, r *http.Request, key string, data []byte, code int) {
	ct := mime.TypeByExtension(path.Ext(key))
	if ct == "" {
		ct = http.DetectContentType(data)
	}
	if strings.HasSuffix(key, ".html") && key != "nav.html" {
		s.mu.RLock()
		data = inject(data, s.version, s.errors(), s.drafts[key])
		s.mu.RUnlock()
		ct = "text/html; charset=utf-8"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	if r.Method != http.MethodHead {
		_, _ = w.Write(data)
	}
}

// errors lists every error-severity problem; the caller holds mu.
func (s *Server) errors() diag.List {
	var out diag.List
	if s.cfgErr != nil {
		out = append(out, *s.cfgErr)
	}
	for _, ds := range s.diags {
		for _, d := range ds {
			if d.Severity == diag.Error {
				out = append(out, d)
			}
		}
	}
	out.Sort()
	return out
}

func (s *Server) allDiags() diag.List {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out diag.List
	if s.cfgErr != nil {
		out = append(out, *s.cfgErr)
	}
	for _, ds := range s.diags {
		out = append(out, ds...)
	}
	out.Sort()
	return out
}

// Errors returns the current error-severity problems, as the overlay shows them.
func (s *Server) Errors() diag.List {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.errors()
}

func (s *Server) logBuild(what string, d time.Duration, pages int, ds diag.List) {
	for _, x := range ds {
		fmt.Fprintln(s.opt.Log, x.Error())
	}
	errs := ds.Errors()
	tail := ""
	if errs > 0 {
		tail = fmt.Sprintf(", %d error%s shown in the browser", errs, plural(errs))
	}
	unit := "pages"
	if pages == 1 {
		unit = "page"
	}
	fmt.Fprintf(s.opt.Log, "%s %d %s in %s%s\n", what, pages, unit, d.Round(100*time.Microsecond), tail)
}

// configDiag turns a config load error into a diagnostic: config.Load
// writes "path:line: message" when it knows the line.
func configDiag(dir string, err error) diag.Diagnostic {
	msg := err.Error()
	file := config.FileName
	if dir != "" && dir != "." {
		file = dir + string(os.PathSeparator) + config.FileName
	}
	line := 0
	if rest, ok := strings.CutPrefix(msg, file); ok || strings.Contains(msg, config.FileName+":") {
		if !ok {
			_, rest, _ = strings.Cut(msg, config.FileName)
		}
		rest = strings.TrimPrefix(rest, ":")
		var n int
		if _, e := fmt.Sscanf(rest, "%d:", &n); e == nil {
			line = n
			_, rest, _ = strings.Cut(rest, ":")
		}
		msg = strings.TrimSpace(rest)
	}
	d := diag.Errorf(file, line, "%s", msg)
	d.Rule = "config"
	return d
}
