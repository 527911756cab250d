// Package cli is shipshape's command line: one file per subcommand, and the
// only place errors become exit codes.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/shipshape/shipshape/internal/config"
	"github.com/shipshape/shipshape/internal/content"
	"github.com/shipshape/shipshape/internal/runner"
	"github.com/shipshape/shipshape/internal/verify"
)

// Exit codes.
const (
	ExitOK      = 0 // everything passed
	ExitFailed  = 1 // content errors, broken links or failed examples
	ExitUsage   = 2 // the command line was wrong
	ExitNoInfra = 3 // the Docker engine or an image was not there
)

// errUsage marks a command-line mistake.
var errUsage = errors.New("usage")

// env carries what every subcommand needs.
type env struct {
	stdout, stderr io.Writer
	dir            string // the project root, where shipshape.toml lives
	below          bool   // dir was found above the working folder: paths typed stay relative to it
}

type command struct {
	name  string
	short string
	run   func(ctx context.Context, e *env, args []string) error
}

func commands() []command {
	return []command{
		{"check", "list every code block and check it statically (no Docker engine needed)", runCheck},
		{"build", "render the content folder into a static site", runBuild},
		{"verify", "run the runnable examples in a Docker engine and record the results", runVerify},
		{"results", "merge the results files of sharded verify runs: results merge -o OUT FILE...", runResults},
		{"serve", "build the site and serve it for preview", runServe},
		{"theme", "write the default theme out to change it: theme export DIR", runTheme},
		{"version", "print the version", runVersion},
		{"health", "fetch a URL and fail unless it answers (container health checks)", runHealth},
	}
}

// Version is set at build time with -ldflags "-X .../cli.Version=…".
var Version = "dev"

// Main runs one command line and returns the process exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	e := &env{stdout: stdout, stderr: stderr, dir: "."}
	if len(args) > 0 && (args[0] == "-C" || args[0] == "--chdir") {
		if len(args) < 2 {
			fmt.Fprintln(stderr, "shipshape: -C needs a folder")
			return ExitUsage
		}
		e.dir, args = args[1], args[2:]
	} else {
		e.dir, e.below = projectRoot()
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		if len(args) == 0 {
			return ExitUsage
		}
		return ExitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return exitCode(c.run(ctx, e, args[1:]), stderr)
		}
	}
	fmt.Fprintf(stderr, "shipshape: unknown command %q\n", args[0])
	usage(stderr)
	return ExitUsage
}

// projectRoot is the folder a command works in, without -C: the working
// folder, unless it has neither shipshape.toml nor another tool's site
// configuration and a folder above it has shipshape.toml (so that `check .`
// inside content/ reads the project's configuration and finds its examples,
// as git finds its repository).
func projectRoot() (dir string, below bool) {
	if _, err := os.Stat(config.FileName); err == nil || content.Tool(".") != "" {
		return ".", false
	}
	wd, err := os.Getwd()
	if err != nil {
		return ".", false
	}
	for d := filepath.Dir(wd); ; d = filepath.Dir(d) {
		if st, err := os.Stat(filepath.Join(d, config.FileName)); err == nil && st.Mode().IsRegular() {
			return d, true
		}
		if d == filepath.Dir(d) {
			return ".", false
		}
	}
}

// absIf makes a path typed on the command line absolute, if one was typed.
func absIf(p string) string {
	if p == "" {
		return p
	}
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// userPath is where a path typed on the command line is: relative to the
// working folder, or to -C's.
func (e *env) userPath(p string) string {
	if filepath.IsAbs(p) || e.dir == "." || e.below {
		return p
	}
	return filepath.Join(e.dir, p)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "shipshape builds a documentation site whose code examples are proven in Docker.")
	fmt.Fprintln(w, "\nUsage: shipshape [-C dir] <command> [flags]")
	fmt.Fprintln(w, "\nThe project is the folder with shipshape.toml: the working folder or the nearest above it.")
	fmt.Fprintln(w, "\nCommands:")
	cs := commands()
	sort.Slice(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	for _, c := range cs {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.short)
	}
	fmt.Fprintln(w, "\nRun 'shipshape <command> -h' for a command's flags.")
	fmt.Fprintln(w, "Exit codes: 0 ok, 1 errors in content or failed examples, 2 usage, 3 no Docker engine or image.")
}

// exitCode is the one switch from errors to exit codes.
func exitCode(err error, stderr io.Writer) int {
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, flag.ErrHelp):
		return ExitOK
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "shipshape: %v\n", err)
		return ExitUsage
	case errors.Is(err, runner.ErrNoEngine), errors.Is(err, verify.ErrInfra):
		fmt.Fprintf(stderr, "shipshape: %v\n", err)
		return ExitNoInfra
	}
	fmt.Fprintf(stderr, "shipshape: %v\n", err)
	return ExitFailed
}

// flags makes a flag set that reports to stderr and turns parse errors into
// usage errors.
func flags(e *env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: shipshape %s %s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return nil
}

// loadConfig reads the project's configuration and applies -source/-out.
func (e *env) loadConfig(source, out string) (config.Config, error) {
	cfg, err := config.Load(e.dir)
	if err != nil {
		return cfg, err
	}
	if e.below {
		// Typed below the project: relative to the working folder.
		source, out = absIf(source), absIf(out)
	}
	if source != "" {
		cfg.Source = source
	} else if _, err := os.Stat(cfg.Path(cfg.Source)); errors.Is(err, fs.ErrNotExist) || !exists(filepath.Join(e.dir, config.FileName)) {
		// zero configuration: a folder MkDocs, Docusaurus, Starlight or
		// Hugo builds is a content folder, read as its tool says, even
		// when it has a content/ of its own (Hugo's, whose pages may be
		// in content/en)
		if content.Tool(e.dir) != "" {
			cfg.Source = "."
		}
	}
	if out != "" {
		cfg.Out = out
	}
	return cfg, nil
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// isTerminal reports whether w is a terminal, for colour and progress.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0 && os.Getenv("TERM") != "dumb"
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	if strings.HasSuffix(word, "s") {
		return fmt.Sprintf("%d %ses", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func runVersion(ctx context.Context, e *env, args []string) error {
	fmt.Fprintln(e.stdout, "shipshape", Version)
	return nil
}
