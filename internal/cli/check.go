package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/shipshape/shipshape/internal/check"
	"github.com/shipshape/shipshape/internal/config"
	"github.com/shipshape/shipshape/internal/content"
	"github.com/shipshape/shipshape/internal/diag"
	"github.com/shipshape/shipshape/internal/project"
	"github.com/shipshape/shipshape/internal/snippet"
)

// runCheck lists and statically checks every code block of a content folder
// or of single Markdown files; it needs no Docker engine.
func runCheck(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "check", "[flags] [PATH…]")
	format := fs.String("format", "text", "report format: text, json, junit or sarif")
	baseline := fs.String("baseline", "", "record today's findings in `FILE` if it does not exist, else report only findings not in it")
	strict := fs.Bool("strict", false, "fail on warnings too, not only on errors")
	quiet := fs.Bool("q", false, "list only the blocks with findings (text format)")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch *format {
	case "text", "json", "junit", "sarif":
	default:
		return fmt.Errorf("%w: -format %q: want text, json, junit or sarif", errUsage, *format)
	}
	cfg, err := e.loadConfig("", "")
	if err != nil {
		return err
	}
	paths := fs.Args()
	if len(paths) == 0 {
		paths = []string{cfg.Source} // named as the project writes it
	}
	var snips []snippet.Snippet
	var other diag.List
	for _, p := range paths {
		full := p
		if len(fs.Args()) == 0 {
			full = cfg.Path(p)
		} else {
			full = e.userPath(p)
		}
		sn, ds, err := inventory(p, full, cfg)
		if err != nil {
			return err
		}
		snips = append(snips, sn...)
		other = append(other, ds...)
	}
	rep := check.Report{Results: check.All(snips)}
	rep.Other = attach(rep.Results, other)
	if *baseline != "" {
		recorded, err := applyBaseline(e, &rep, *baseline)
		if err != nil || recorded {
			return err
		}
	}

	switch *format {
	case "json":
		err = rep.WriteJSON(e.stdout)
	case "junit":
		err = rep.WriteJUnit(e.stdout)
	case "sarif":
		err = rep.WriteSARIF(e.stdout)
	default:
		colour := isTerminal(e.stdout) && os.Getenv("NO_COLOR") == "" && os.Getenv("CI") != "true"
		rep.WriteText(e.stdout, colour, !*quiet)
	}
	if err != nil {
		return err
	}
	if os.Getenv("GITHUB_ACTIONS") == "true" {
		rep.WriteGitHub(e.stderr)
	}
	sum := rep.Summary()
	switch {
	case sum.Errors > 0:
		return fmt.Errorf("%s in %s", plural(sum.Errors, "error"), plural(sum.Blocks, "code block"))
	case *strict && sum.Warnings > 0:
		return fmt.Errorf("%s in %s (-strict)", plural(sum.Warnings, "warning"), plural(sum.Blocks, "code block"))
	}
	return nil
}

// inventory extracts the blocks of a folder (as a content folder) or of one
// Markdown file; p is how messages name it, full where it is.
func inventory(p, full string, cfg config.Config) ([]snippet.Snippet, diag.List, error) {
	st, err := os.Stat(full)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, fmt.Errorf("%w: no file or folder %s: name Markdown files or folders, or run where %s or a tool's configuration says where the pages are", errUsage, p, config.FileName)
		}
		return nil, nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	var s *content.Site
	if st.IsDir() {
		s, err = content.Load(full, content.Options{Drafts: true, Name: p})
		if err != nil {
			return nil, nil, err
		}
	} else {
		b, err := os.ReadFile(full)
		if err != nil {
			return nil, nil, fmt.Errorf("read %s: %w", p, err)
		}
		pg, ds := content.Parse(p, filepath.Base(p), b)
		s = &content.Site{Root: filepath.Dir(p), Diags: ds}
		if pg != nil {
			s.Pages = []*content.Page{pg}
		}
	}
	proj := project.FromSite(cfg, s)
	var out []snippet.Snippet
	ds := proj.Diags
	for _, pg := range proj.Snippets {
		out = append(out, pg...)
	}
	return out, ds, nil
}

// attach moves findings made while extracting (an unclosed fence, bad
// attributes) onto the block they are about and returns the rest.
func attach(rs []check.Result, ds diag.List) diag.List {
	at := map[string]int{}
	for i, r := range rs {
		at[fmt.Sprintf("%s:%d", r.Snippet.File, r.Snippet.Line)] = i
	}
	var rest diag.List
	for _, d := range ds {
		i, ok := at[fmt.Sprintf("%s:%d", d.File, d.Line)]
		if !ok {
			rest = append(rest, d)
			continue
		}
		r := &rs[i]
		r.Findings = append(diag.List{d}, r.Findings...)
		switch {
		case d.Severity == diag.Error:
			r.Status = check.Failed
		case d.Severity == diag.Warning && r.Status == check.Passed:
			r.Status = check.Warned
		}
	}
	return rest
}

// applyBaseline records the report's findings in file when it does not
// exist (recorded is then true: nothing more to report), or else drops the
// findings the file holds from the report.
func applyBaseline(e *env, rep *check.Report, file string) (recorded bool, err error) {
	full := e.userPath(file)
	data, err := os.ReadFile(full)
	if errors.Is(err, fs.ErrNotExist) {
		b := rep.Baseline()
		var buf bytes.Buffer
		if err := b.Write(&buf); err != nil {
			return true, err
		}
		if err := os.WriteFile(full, buf.Bytes(), 0o644); err != nil {
			return true, fmt.Errorf("write baseline: %w", err)
		}
		fmt.Fprintf(e.stderr, "shipshape: recorded %s in %s; from now on check reports only new ones\n", plural(len(b.Findings), "finding"), file)
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("read baseline: %w", err)
	}
	b, err := check.ReadBaseline(data)
	if err != nil {
		return false, fmt.Errorf("%s: %w", file, err)
	}
	if n := rep.Without(b); n > 0 {
		fmt.Fprintf(e.stderr, "shipshape: %s in the baseline %s not reported\n", plural(n, "finding"), file)
	}
	return false, nil
}
