package cli

import (
	"context"
	"fmt"
	"io"
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
// Without an engine it returns nil (image IDs not re-checked) and says so
// in one line.
func imageIDs(ctx context.Context, log io.Writer) (results.ImageIDs, func()) {
	eng, err := runner.Connect(ctx)
	if err != nil {
		fmt.Fprintln(log, noEngineNote)
		return nil, func() {}
	}
	seen := map[string]string{}
	return func(ref string) (string, bool) {
		if id, ok := seen[ref]; ok {
			return id, true
		}
		id, _ := eng.ImageID(ctx, ref)
		seen[ref] = id
		return id, true
	}, func() { eng.Close() }
}

// noEngineNote is said once when stored results are used without asking an
// engine whether their images are still the same.
const noEngineNote = "no Docker engine reachable: stored results are used, but their image IDs were not re-checked"
