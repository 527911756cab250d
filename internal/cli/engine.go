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

// images inspects local images for results.Fresh. It connects on first
// use, so a site with no stored results never asks an engine; without one
// its checkers answer "unknown" (image IDs not re-checked) and it says so
// in one line, once, however many checkers it hands out.
type images struct {
	ctx   context.Context
	log   io.Writer
	mu    sync.Mutex
	eng   *runner.Engine
	tried bool // connecting was tried (once: an unreachable remote engine costs seconds)
}

// ids returns a checker that inspects each distinct reference once. build
// takes one for its render; serve takes a new one for every full render, so
// an image rebuilt while the preview runs is seen by the next render.
func (im *images) ids() results.ImageIDs {
	seen := map[string]string{}
	return func(ref string) (string, bool) {
		im.mu.Lock()
		defer im.mu.Unlock()
		if !im.tried {
			im.tried = true
			var err error
			if im.eng, err = runner.Connect(im.ctx); err != nil {
				fmt.Fprintln(im.log, noEngineNote)
			}
		}
		if im.eng == nil {
			return "", false
		}
		if id, ok := seen[ref]; ok {
			return id, true
		}
		id, _ := im.eng.ImageID(im.ctx, ref)
		seen[ref] = id
		return id, true
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
const noEngineNote = "no Docker engine reachable: stored results are used, but their image IDs were not re-checked"
