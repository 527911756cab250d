package server

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/shipshape/shipshape/internal/config"
)

// roots are the folders watched as whole trees, and the files watched
// through their folder.
type roots struct {
	content string
	trees   []string // theme and examples folders: any change renders everything
	config  string   // shipshape.toml
	results string   // the verify results file
}

func (s *Server) roots() roots {
	s.mu.RLock()
	cfg, src := s.cfg, s.src
	s.mu.RUnlock()
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		if err != nil {
			return filepath.Clean(p)
		}
		return a
	}
	r := roots{
		content: abs(src),
		config:  abs(filepath.Join(s.opt.Dir, config.FileName)),
		results: abs(s.resultsPath(cfg)),
	}
	for _, p := range []string{cfg.Path("themes"), cfg.Path("layouts"), cfg.Path("static"), cfg.Path(cfg.Examples)} {
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			r.trees = append(r.trees, abs(p))
		}
	}
	return r
}

type watcher struct {
	fs *fsnotify.Watcher
	r  roots
}

func (s *Server) newWatcher() (*watcher, error) {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch: %w", err)
	}
	w := &watcher{fs: fw, r: s.roots()}
	for _, t := range append([]string{w.r.content}, w.r.trees...) {
		w.addTree(t)
	}
	// The project folder and the results file's folder, not recursively:
	// editors replace shipshape.toml by renaming, so watch where it lives.
	_ = fw.Add(filepath.Dir(w.r.config))
	_ = fw.Add(filepath.Dir(w.r.results))
	return w, nil
}

// addTree watches root and every folder below it, skipping hidden ones.
func (w *watcher) addTree(root string) {
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		if p != root && ignored(d.Name()) {
			return filepath.SkipDir
		}
		_ = w.fs.Add(p)
		return nil
	})
}

// ignored names are editor and VCS droppings: hidden files, backups, swap
// files and vim's write probe.
func ignored(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasSuffix(name, "~") ||
		strings.HasSuffix(name, ".swp") || strings.HasSuffix(name, ".swx") ||
		strings.HasSuffix(name, ".tmp") || name == "4913" ||
		(strings.HasPrefix(name, "#") && strings.HasSuffix(name, "#")) || name == "node_modules"
}

// watch gathers file events into batches and applies each batch.
func (s *Server) watch(ctx context.Context, w *watcher) error {
	defer w.fs.Close()
	pending := map[string]fsnotify.Op{}
	var timer <-chan time.Time
	var t *time.Timer
	// After page-only edits, once the author pauses, the whole site is
	// rendered quietly so the search index and link checks catch up.
	var quiet <-chan time.Time
	var q *time.Timer
	results := make(chan settled, 1)
	busy := false
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-quiet:
			quiet = nil
			if busy {
				continue // the running one is dropped and asks again
			}
			busy = true
			s.settle(results)
		case r := <-results:
			busy = false
			s.mu.RLock()
			stale := s.builds != r.gen
			s.mu.RUnlock()
			if stale && quiet == nil {
				q.Reset(s.opt.Settle)
				quiet = q.C
			}
			s.commitSettled(r)
		case err, ok := <-w.fs.Errors:
			if !ok {
				return nil
			}
			fmt.Fprintf(s.opt.Log, "watch: %v\n", err)
		case ev, ok := <-w.fs.Events:
			if !ok {
				return nil
			}
			if ev.Op == fsnotify.Chmod {
				continue
			}
			if ev.Has(fsnotify.Create) {
				if st, err := os.Stat(ev.Name); err == nil && st.IsDir() && !ignored(filepath.Base(ev.Name)) {
					w.addTree(ev.Name)
					// Files may have landed before the watch did.
					_ = filepath.WalkDir(ev.Name, func(p string, d fs.DirEntry, err error) error {
						if err == nil && !d.IsDir() {
							pending[p] |= fsnotify.Create
						}
						return nil
					})
				}
			}
			pending[ev.Name] |= ev.Op
			// The batch closes Batch after its first event: one save
			// (write, rename, chmod) lands well inside it, and a checkout
			// of many files costs a few rebuilds, not one per file.
			if timer == nil {
				if t == nil {
					t = time.NewTimer(s.opt.Batch)
				} else {
					t.Reset(s.opt.Batch)
				}
				timer = t.C
			}
		case <-timer:
			timer = nil
			c := s.classify(w.r, pending)
			pending = map[string]fsnotify.Op{}
			if c.full || len(c.pages) > 0 || len(c.css) > 0 || c.static {
				if s.apply(ctx, c) {
					if q == nil {
						q = time.NewTimer(s.opt.Settle)
					} else {
						q.Reset(s.opt.Settle)
					}
					quiet = q.C
				}
			}
		}
	}
}

// classify sorts a batch of changed paths into what must be rebuilt. It
// looks at what is on disk now rather than at the event kinds, so an
// editor that saves by writing a temporary file and renaming it over the
// page counts as an edit of the page.
func (s *Server) classify(r roots, batch map[string]fsnotify.Op) change {
	var c change
	names := make([]string, 0, len(batch))
	for p := range batch {
		names = append(names, p)
	}
	sort.Strings(names)
	full := func(why string) {
		c.edited = true
		if !c.full {
			c.full, c.why = true, why
		}
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, name := range names {
		abs, err := filepath.Abs(name)
		if err != nil {
			continue
		}
		switch abs {
		case r.config:
			full(config.FileName)
			continue
		case r.results:
			if !c.full {
				c.full, c.why = true, filepath.Base(abs)
			}
			continue
		}
		if ignored(filepath.Base(abs)) {
			continue
		}
		for _, t := range r.trees {
			if under(t, abs) {
				full(rel(filepath.Dir(t), abs))
			}
		}
		if !under(r.content, abs) || abs == r.content {
			continue
		}
		relp := filepath.ToSlash(rel(r.content, abs))
		if hiddenPath(relp) {
			continue
		}
		st, err := os.Stat(abs)
		exists := err == nil
		switch {
		case exists && st.IsDir():
			// handled through the files found in it
		case strings.EqualFold(filepath.Ext(abs), ".md"):
			if !exists || !s.known[relp] {
				full(relp)
				continue
			}
			c.pages = append(c.pages, relp)
			c.edited = true
		default:
			_, had := s.out.Static[relp]
			switch {
			case !exists && !had:
				// perhaps a vanished folder: its pages go with it
				for k := range s.known {
					if strings.HasPrefix(k, relp+"/") {
						full(relp)
						break
					}
				}
			case exists != had:
				full(relp) // a new or vanished file changes the list of files served
			case strings.EqualFold(filepath.Ext(abs), ".css"):
				c.css = append(c.css, relp)
			default:
				c.static = true
				c.edited = true
			}
		}
	}
	return c
}

func under(root, p string) bool {
	return p == root || strings.HasPrefix(p, root+string(filepath.Separator))
}

func rel(root, p string) string {
	r, err := filepath.Rel(root, p)
	if err != nil {
		return p
	}
	return r
}

func hiddenPath(rel string) bool {
	for _, seg := range strings.Split(rel, "/") {
		if ignored(seg) {
			return true
		}
	}
	return false
}
