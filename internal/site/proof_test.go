package site

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shipshape/shipshape/internal/config"
	"github.com/shipshape/shipshape/internal/content"
	"github.com/shipshape/shipshape/internal/results"
	"github.com/shipshape/shipshape/internal/snippet"
)

// TestProofPage: the site lists every example in reading order with its
// badge, the image that really ran, and a link to the block's anchor.
func TestProofPage(t *testing.T) {
	dir := t.TempDir()
	page := "---\ntitle: Guide\n---\n# Guide\n\n```sh {run image=busybox:1.36}\necho hi\n```\n\n```text\nprose\n```\n\n```sh {skip=\"needs a registry\"}\ndocker push x\n```\n"
	if err := os.WriteFile(filepath.Join(dir, "guide.md"), []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := content.Load(dir, content.Options{Name: "content"})
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	store := results.New()
	// Render once to learn the block's hash, then give it a result.
	out, _ := Render(s, Options{Config: cfg, Results: store})
	h := string(out.Files[out.PageFile["guide.md"]])
	i := strings.Index(h, `data-hash="`)
	hash := h[i+len(`data-hash="`) : i+len(`data-hash="`)+20]
	store.Results[hash] = results.Result{Status: results.Passed, Proof: "ran", Image: "busybox:1.36", ImageRun: "shipshape/busybox:latest", At: "2026-11-24T12:00:00Z"}
	out, _ = Render(s, Options{Config: cfg, Results: store})
	proof := string(out.Files["proof/index.html"])
	for _, want := range []string{
		`2 examples: 1 ran, 1 skipped.`,
		`<h2 id="guide"><a href="../guide/">`,
		`<details class="legend"><summary>What the badges mean</summary>`,
		`href="../guide/#L6">guide.md:6</a>`,
		`data-status="ran"`,
		`<code>shipshape/busybox:latest</code> for <code>busybox:1.36</code>`,
		`href="../guide/#L14">guide.md:14</a>`,
		`title="needs a registry"`,
	} {
		if !strings.Contains(proof, want) {
			t.Errorf("proof page lacks %q", want)
		}
	}
	if strings.Contains(proof, "guide.md:10") {
		t.Errorf("prose block listed as an example")
	}
	pg := string(out.Files[out.PageFile["guide.md"]])
	if !strings.Contains(pg, `id="L6"`) {
		t.Errorf("the block has no anchor for the proof page's link")
	}
	// what the tooltips say is also in text, for touch and keyboard readers
	for _, want := range []string{
		`<p class="proof-note">Ran on <code>shipshape/busybox:latest</code>, standing in for <code>busybox:1.36</code>.</p>`,
		`<p class="proof-note">Skipped: needs a registry</p>`,
		`<details class="legend"><summary>What the badges mean</summary>`,
		`data-status="not-code">not code</span>`,
	} {
		if !strings.Contains(pg, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(pg, `data-status="not-verified">not verified</span></dt>`) {
		t.Errorf("the page's legend explains a badge the page does not show")
	}
}

func TestMarkFor(t *testing.T) {
	py := snippet.Snippet{Kind: snippet.Python}
	run := snippet.Snippet{Kind: snippet.Shell, Action: snippet.Run}
	for _, tt := range []struct {
		name string
		s    snippet.Snippet
		r    results.Result
		ok   bool
		want results.Badge
	}{
		{"runnable without a result", run, results.Result{}, false, "not-verified"},
		{"ran", run, results.Result{Status: results.Passed, Proof: "ran"}, true, "ran"},
		{"failed", run, results.Result{Status: results.Failed}, true, "failed"},
		{"infra error is not a proof", run, results.Result{Status: results.Infra}, true, "not-verified"},
		{"python compiled in its image", py, results.Result{Status: results.Passed, Proof: "checked", ImageRun: "local/python"}, true, "checked"},
		{"python that did not compile", py, results.Result{Status: results.Failed}, true, "failed"},
		{"prose", snippet.Snippet{Kind: snippet.Text}, results.Result{}, false, "not-code"},
		{"shown shell", snippet.Snippet{Kind: snippet.Shell}, results.Result{}, false, "not-run"},
		{"skipped", snippet.Snippet{Kind: snippet.Shell, Action: snippet.Skip, Attrs: map[string]string{"skip": "why"}}, results.Result{}, false, "skipped"},
	} {
		if got := markFor(tt.s, tt.r, tt.ok).Status; got != tt.want {
			t.Errorf("%s: mark %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestProofNote(t *testing.T) {
	cfg := config.Default()
	run := snippet.Snippet{Kind: snippet.Shell, Action: snippet.Run, Attrs: map[string]string{}}
	for _, tt := range []struct {
		name string
		s    snippet.Snippet
		r    results.Result
		want string // "" for no note
	}{
		{"same image", run, results.Result{Status: results.Passed, Proof: "ran", Image: "busybox", ImageRun: "busybox"}, ""},
		{"stand-in", run, results.Result{Status: results.Passed, Proof: "ran", Image: "golang:1.22", ImageRun: "shipshape/golang:1.19"},
			"Ran on <code>shipshape/golang:1.19</code>, standing in for <code>golang:1.22</code>."},
		{"read-only root decides", run, results.Result{Status: results.ExpectedFail, Output: "touch: /etc/x: Read-only file system\n"},
			"Run with a read-only root filesystem (--read-only, writable /tmp and /work), no network (--network none), --pids-limit 512, --memory 512m, --cap-drop ALL."},
		{"ordinary failure as intended", run, results.Result{Status: results.ExpectedFail, Output: "sh: nope: not found\n"}, ""},
	} {
		m := markFor(tt.s, tt.r, true)
		if got := proofNote(tt.s, tt.r, true, m, cfg); got != tt.want {
			t.Errorf("%s: note %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestElides(t *testing.T) {
	for code, want := range map[string]bool{
		"$ docker images\nREPOSITORY TAG\n...\n": true,
		"$ ls\n  …\n":                            true,
		"echo ...more\n":                         false,
		"$ docker ps\n":                          false,
	} {
		if got := elides(code); got != want {
			t.Errorf("elides(%q) = %v, want %v", code, got, want)
		}
	}
}
