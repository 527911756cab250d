package cli

import (
	"context"
	"fmt"

	"github.com/shipshape/shipshape/internal/results"
)

// runResults handles `shipshape results merge -o OUT FILE...`: the results
// files of sharded verify runs become one, the newest result per hash.
func runResults(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "merge" {
		return fmt.Errorf("%w: shipshape results merge -o OUT FILE...", errUsage)
	}
	fs := flags(e, "results merge", "-o OUT FILE...")
	out := fs.String("o", "", "the merged results file to write")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if *out == "" || fs.NArg() == 0 {
		return fmt.Errorf("%w: results merge needs -o OUT and at least one results file", errUsage)
	}
	merged := results.New()
	for _, p := range fs.Args() {
		f, err := results.Load(p)
		if err != nil {
			return err
		}
		for h, r := range f.Results {
			if prev, ok := merged.Results[h]; !ok || newer(r, prev) {
				merged.Results[h] = r
			}
		}
	}
	if err := merged.Save(*out); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "merged %d files: %d results in %s\n", fs.NArg(), len(merged.Results), *out)
	return nil
}

// newer prefers the later run; at the same time, a real outcome over an
// infrastructure error.
func newer(a, b results.Result) bool {
	ta, tb := a.Time(), b.Time()
	if !ta.Equal(tb) {
		return ta.After(tb)
	}
	return b.Status == results.Infra && a.Status != results.Infra
}
