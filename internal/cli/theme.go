package cli

import (
	"context"
	"fmt"

	"github.com/shipshape/shipshape/internal/site"
)

// runTheme handles `shipshape theme export DIR`: the embedded default theme
// is written out, templates/ and static/, as a starting point for a site's
// own themes/NAME/ (see the README on themes).
func runTheme(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "export" {
		return fmt.Errorf("%w: shipshape theme export DIR", errUsage)
	}
	fs := flags(e, "theme export", "DIR")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: theme export needs one folder to write into", errUsage)
	}
	files, err := site.ExportTheme(fs.Arg(0))
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "wrote %s of the default theme into %s\n", plural(len(files), "file"), fs.Arg(0))
	return nil
}
