package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/shipshape/shipshape/internal/config"
	"github.com/shipshape/shipshape/internal/diag"
	"github.com/shipshape/shipshape/internal/project"
	"github.com/shipshape/shipshape/internal/results"
	"github.com/shipshape/shipshape/internal/site"
)

func runBuild(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "build", "[flags]")
	source := fs.String("source", "", "content folder (default from shipshape.toml, else content)")
	out := fs.String("out", "", "output folder, replaced whole on success (default public)")
	drafts := fs.Bool("drafts", false, "include pages with draft: true")
	noLinkErrors := fs.Bool("no-link-errors", false, "report broken links as warnings and build anyway")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		// A folder typed here would otherwise be ignored, and the
		// configured one built in its place.
		return fmt.Errorf("%w: build takes no arguments, got %q: the content folder is --source, the output --out", errUsage, fs.Arg(0))
	}
	cfg, err := e.loadConfig(*source, *out)
	if err != nil {
		return err
	}
	if cfg.BaseURL == "" {
		fmt.Fprintf(e.stderr, "warning: %s sets no base_url: sitemap.xml has relative addresses (invalid) and pages have no canonical link\n", config.FileName)
	}
	start := time.Now()
	im := &images{ctx: ctx, log: e.stderr}
	defer im.close()
	_, err = buildWith(e, cfg.Path(cfg.Out), cfg, buildOptions{Drafts: *drafts, LinkWarnings: *noLinkErrors, GitDates: true, Now: im.now()})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "built in %s\n", time.Since(start).Round(time.Millisecond))
	return nil
}

// buildOptions are the build flags that reach the site.
type buildOptions struct {
	Drafts       bool
	LinkWarnings bool // --no-link-errors
	GitDates     bool // "last updated" from git
	// Now answers the current engine's version and image IDs, so a result
	// whose engine or image changed loses its badge.
	Now results.Now
}

// buildWith loads, renders and reports. It prints every diagnostic and a
// summary, and fails once at the end.
func buildWith(e *env, out string, cfg configT, bo buildOptions) (site.Stats, error) {
	proj, err := project.Load(cfg, project.Options{Drafts: bo.Drafts})
	if err != nil {
		return site.Stats{}, err
	}
	if proj.Site.Title != "" && cfg.Title == config.Default().Title {
		cfg.Title = proj.Site.Title // mkdocs.yml site_name
	}
	cache := site.NewCache()
	cachePath := checkCachePath()
	if cachePath != "" {
		cache.LoadChecks(cachePath)
	}
	st, ds, err := site.Build(proj.Site, site.Options{Config: cfg, Results: proj.Results, Snippets: proj.ByFile(), Now: bo.Now,
		Diags: proj.BlockDiags(), Out: out, LinkWarnings: bo.LinkWarnings, GitDates: bo.GitDates, Cache: cache})
	if cachePath != "" {
		if serr := cache.SaveChecks(cachePath); serr != nil {
			fmt.Fprintf(e.stderr, "warning: check cache not saved: %v\n", serr)
		}
	}
	printDiags(e, ds)
	fmt.Fprintf(e.stderr, "%s, %s (%s), %s checked (%d broken) -> %s\n", plural(st.Pages, "page"), plural(st.Snippets, "code block"), marks(st.Marks), plural(st.Links, "link"), st.Broken, out)
	return st, err
}

// checkCachePath is where builds keep static-check results between runs:
// the user's cache folder, in a file named for this very binary (its size
// and time), so a new shipshape never trusts an old one's checks. Files of
// other binaries are removed. "" when there is no cache folder.
func checkCachePath() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	st, err := os.Stat(exe)
	if err != nil {
		return ""
	}
	dir = filepath.Join(dir, "shipshape")
	name := fmt.Sprintf("checks-%x-%x.gob", st.Size(), st.ModTime().UnixNano())
	if old, _ := filepath.Glob(filepath.Join(dir, "checks-*.gob")); len(old) > 0 {
		for _, o := range old {
			if filepath.Base(o) != name {
				os.Remove(o)
			}
		}
	}
	return filepath.Join(dir, name)
}

func printDiags(e *env, ds diag.List) {
	for _, d := range ds {
		fmt.Fprintln(e.stderr, d.Error())
	}
}

func marks(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d %s", m[k], k))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
