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

// imageIDs inspects local images for results.Fresh, each reference once.
// It connects on first use, so a site with no stored results never asks an
// engine; without one it answers "unknown" (image IDs not re-checked) and
// says so in one line.
func imageIDs(ctx context.Context, log io.Writer) (results.ImageIDs, func()) {
	var (
		mu    sync.Mutex
		tried bool
		eng   *runner.Engine
		seen  = map[string]string{}
	)
	ids := func(ref string) (string, bool) {
		mu.Lock()
		defer mu.Unlock()
		if !tried {
			tried = true
			var err error
			if eng, err = runner.Connect(ctx); err != nil {
				fmt.Fprintln(log, noEngineNote)
			}
		}
		if eng == nil {
			return "", false
		}
		if id, ok := seen[ref]; ok {
			return id, true
		}
		id, _ := eng.ImageID(ctx, ref)
		seen[ref] = id
		return id, true
	}
	return ids, func() {
		mu.Lock()
		defer mu.Unlock()
		if eng != nil {
			eng.Close()
		}
	}
}

// noEngineNote is said once when stored results are used without asking an
// engine whether their images are still the same.
const noEngineNote = "no Docker engine reachable: stored results are used, but their image IDs were not re-checked"
