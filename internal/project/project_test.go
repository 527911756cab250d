package project

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/shipshape/shipshape/internal/config"
	"github.com/shipshape/shipshape/internal/content"
	"github.com/shipshape/shipshape/internal/diag"
	"github.com/shipshape/shipshape/internal/markdown"
)

func write(t *testing.T, dir, rel, text string) {
	t.Helper()
	p := filepath.Join(dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestLoad: includes are read before hashes are sealed, so a build that
// copies an included file changes identity with the file, and the page
// files, results path and diagnostics come out of one load.
func TestLoad(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "examples/app.sh", "echo one\n")
	write(t, dir, "content/index.md", "# P\n\n```sh {file=app.sh include=examples/app.sh}\n```\n\n"+
		"```dockerfile {build}\nFROM busybox\nCOPY app.sh /\n```\n\n```sh {include=../outside}\n```\n")
	load := func() *Project {
		t.Helper()
		cfg := config.Default()
		cfg.Root = dir
		p, err := Load(cfg, Options{})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	p := load()
	if got, want := p.ResultsPath, filepath.Join(dir, "content", ".shipshape-results.json"); got != want {
		t.Errorf("ResultsPath = %q, want %q", got, want)
	}
	sn := p.ByFile()[p.Site.Pages[0].File]
	if len(sn) != 3 || sn[0].Code != "echo one\n" {
		t.Fatalf("got %d snippets, first code %q; want 3, the included file", len(sn), sn[0].Code)
	}
	if ds := p.BlockDiags(); len(ds) != 1 || ds[0].Line != 11 || ds[0].Rule != "include" {
		t.Errorf("block diagnostics = %v, want one include error at line 11", ds)
	}
	write(t, dir, "examples/app.sh", "echo two\n")
	after := load().Snippets[0]
	if after[1].Hash == sn[1].Hash {
		t.Errorf("the build's hash did not change with the included file it copies")
	}
	if after[2].Hash != sn[2].Hash {
		t.Errorf("an unrelated block's hash changed")
	}
}

// TestLimits: the sandbox limits enter the hashes only when they differ
// from the defaults, so a site that restates a default keeps its results.
func TestLimits(t *testing.T) {
	for _, c := range []struct {
		name  string
		edit  func(*config.Verify)
		empty bool
	}{
		{"defaults", func(*config.Verify) {}, true},
		{"a default restated", func(v *config.Verify) { v.Timeout = config.Duration{Duration: config.Timeout} }, true},
		{"jobs do not matter", func(v *config.Verify) { v.Jobs = 7 }, true},
		{"timeout", func(v *config.Verify) { v.Timeout = config.Duration{Duration: 2 * time.Second} }, false},
		{"build timeout", func(v *config.Verify) { v.BuildTimeout = config.Duration{Duration: time.Hour} }, false},
		{"memory", func(v *config.Verify) { v.Memory = "1g" }, false},
		{"pids", func(v *config.Verify) { v.Pids = 10 }, false},
		{"cpus", func(v *config.Verify) { v.CPUs = 0.5 }, false},
		{"output limit", func(v *config.Verify) { v.OutputLimit = 10 }, false},
		{"docker socket", func(v *config.Verify) { v.AllowSocket = true }, false},
	} {
		cfg := config.Default()
		c.edit(&cfg.Verify)
		if got := Limits(cfg); (got == "") != c.empty {
			t.Errorf("%s: Limits = %q, want empty %v", c.name, got, c.empty)
		}
	}
}

// TestUnclosedInfo: an info string whose { is never closed is an error in
// shipshape's own tree, where attributes say what verify does, and a
// warning in a tree another tool builds, which reads the block by its
// language alone. Attributes that are closed but unreadable stay an error
// there too (Hugo fails on them).
func TestUnclosedInfo(t *testing.T) {
	for _, tt := range []struct {
		name, tool, info string
		want             diag.Severity
	}{
		{"hugo tree, { never closed", "hugo", `yaml {title="app.yaml`, diag.Warning},
		{"own tree, { never closed", "", `yaml {title="app.yaml`, diag.Error},
		{"hugo tree, quote never closed", "hugo", `yaml {title="app.yaml}`, diag.Error},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body := "# P\n\n```" + tt.info + "\na: 1\n```\n"
			pg := &content.Page{File: "p.md", Path: "p.md", Body: []byte(body), BodyLine: 1, Tool: tt.tool}
			_, ds := Page(config.Default(), pg, markdown.New(markdown.Options{}).Parse(pg.Body))
			if len(ds) != 1 || ds[0].Severity != tt.want {
				t.Fatalf("info %q in a %q tree: got %v, want one %v", tt.info, tt.tool, ds, tt.want)
			}
		})
	}
}
