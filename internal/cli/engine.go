package cli

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/shipshape/shipshape/internal/results"
	"github.com/shipshape/shipshape/internal/runner"
)

// connect reaches the engine and sweeps what interrupted runs left behind.
// The returned release sweeps this run's own leftovers and closes the
// connection; it uses a fresh context, so it also works after Ctrl-C.
func connect(ctx context.Context, log io.Writer) (*runner.Engine, func(), error) {
	eng, err := runner.Connect(ctx)
	if err != nil {
		return nil, func() {}, err
	}
	if n, err := eng.Sweep(ctx, ""); err == nil && n > 0 {
		fmt.Fprintf(log, "removed %d leftovers of earlier runs\n", n)
	}
	release := func() {
		cctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, _ = eng.Sweep(cctx, eng.RunID)
		eng.Close()
	}
	return eng, release, nil
}

// images answers results.Fresh from the engine: its version and local
// image IDs. It connects on first use, so a site with no stored results
// never asks an engine; without one its answers are "unknown" (not
// re-checked) and it says so in one line, once, however many answers it
// hands out.
type images struct {
	ctx   context.Context
	log   io.Writer
	mu    sync.Mutex
	eng   *runner.Engine
	tried bool // connecting was tried (once: an unreachable remote engine costs seconds)
}

// connected returns the engine, connecting on first use; nil when none is
// reachable. The caller holds im.mu.
func (im *images) connected() *runner.Engine {
	if !im.tried {
		im.tried = true
		var err error
		if im.eng, err = runner.Connect(im.ctx); err != nil {
			fmt.Fprintln(im.log, noEngineNote)
		}
	}
	return im.eng
}

// now returns the answers for one render: the engine's version, and each
// distinct image reference inspected once. build takes one for its render;
// serve takes a new one for every full render, so an image rebuilt while
// the preview runs is seen by the next render.
func (im *images) now() results.Now {
	seen := map[string]string{}
	return results.Now{
		Engine: func() (string, bool) {
			im.mu.Lock()
			defer im.mu.Unlock()
			eng := im.connected()
			if eng == nil {
				return "", false
			}
			v := eng.Version(im.ctx)
			return v, v != ""
		},
		ImageIDs: func(ref string) (string, bool) {
			im.mu.Lock()
			defer im.mu.Unlock()
			eng := im.connected()
			if eng == nil {
				return "", false
			}
			if id, ok := seen[ref]; ok {
				return id, true
			}
			id, _ := eng.ImageID(im.ctx, ref)
			seen[ref] = id
			return id, true
		},
	}
}

// close releases the connection, if one was made.
func (im *images) close() {
	im.mu.Lock()
	defer im.mu.Unlock()
	if im.eng != nil {
		im.eng.Close()
	}
}

// noEngineNote is said once when stored results are used without asking an
// engine whether their images are still the same.
const noEngineNote = "no Docker engine reachable: stored results are used, but their engine and image IDs were not re-checked"
