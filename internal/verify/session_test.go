package verify_test

import (
	"context"
	"strings"
	"testing"

	"github.com/shipshape/shipshape/internal/config"
	"github.com/shipshape/shipshape/internal/markdown"
	"github.com/shipshape/shipshape/internal/project"
	"github.com/shipshape/shipshape/internal/results"
	"github.com/shipshape/shipshape/internal/snippet"
	"github.com/shipshape/shipshape/internal/testenv"
	"github.com/shipshape/shipshape/internal/verify"
)

func testConfig() config.Config {
	cfg := config.Default()
	cfg.Images = map[string]string{"busybox:*": "shipshape/busybox:latest", "busybox": "shipshape/busybox:latest"}
	cfg.Verify.Image = "busybox"
	return cfg
}

func page(t *testing.T, cfg config.Config, file, md string) []snippet.Snippet {
	t.Helper()
	body := []byte(md)
	doc := markdown.New(markdown.Options{}).Parse(body)
	sn, ds := snippet.Extract(file, doc, body, 1, cfg.MapImage, cfg.Verify.Image)
	if len(ds) > 0 {
		t.Fatalf("extract %s: %v", file, ds)
	}
	snippet.Seal(sn, cfg.MapImage, snippet.Env{Session: project.Env(cfg), Limits: project.Limits(cfg)})
	return sn
}

const tutorial = "# A tutorial\n\n" +
	"```text {file=greeting.txt}\nhello from a tutorial\n```\n\n" +
	"```dockerfile {file=Dockerfile}\nFROM busybox:1.36\nCOPY greeting.txt /greeting.txt\nCMD [\"cat\", \"/greeting.txt\"]\n```\n\n" +
	"```sh {run}\n#!hide docker pull busybox:1.36 >/dev/null\ndocker build -q -t tutorial-app .\nexport GREETING_APP=tutorial-app\n```\n\n" +
	"```console {run}\n$ docker run --rm $GREETING_APP\nhello from a tutorial\n$ docker images --format '{{.Repository}} {{.ID}}' tutorial-app\ntutorial-app 0123456789ab\n$ docker run -d --name web busybox:1.36 sleep 60\n...\n$ docker ps --format '{{.Names}} {{.Status}}'\nweb Up 2 seconds\n```\n\n" +
	"```console {run}\n$ docker run --rm busybox:1.36 echo something else\nwhat the page claims\n```\n\n" +
	"```console {run expect=fail}\n$ docker run --rm busybox:1.36 sh -c 'exit 4'\n```\n"

// TestSessionPage verifies a page the way a reader follows it, then shows
// that an unchanged page is reused whole and an earlier change re-runs it.
func TestSessionPage(t *testing.T) {
	e := testenv.Docker(t)
	testenv.Image(t, e, "shipshape/busybox:latest")
	testenv.Image(t, e, "shipshape/docker-cli:latest")
	cfg := testConfig()
	pg := page(t, cfg, "tutorial.md", tutorial)
	store := results.New()
	opt := verify.Options{Config: cfg, Engine: e, Jobs: 1}
	rep := verify.Run(context.Background(), [][]snippet.Snippet{pg}, store, opt)
	want := []results.Status{results.Passed, results.Passed, results.Failed, results.ExpectedFail}
	if len(rep.Items) != len(want) {
		t.Fatalf("got %d items, want %d: %+v", len(rep.Items), len(want), rep.Items)
	}
	for i, it := range rep.Items {
		if it.Result.Status != want[i] {
			t.Errorf("block at line %d: got %s (%s), want %s; output:\n%s", it.Snippet.Line, it.Result.Status, it.Result.Reason, want[i], it.Result.Output)
		}
	}
	if r := rep.Items[2].Result; !strings.Contains(r.Reason, `shown "what the page claims", got "something else"`) || !strings.Contains(r.Reason, "line 31") {
		t.Errorf("mismatch reason: got %q, want the line and both texts", r.Reason)
	}
	if out := rep.Items[1].Result.Output; strings.Contains(out, "#!hide") || !strings.Contains(out, "$ docker run --rm $GREETING_APP\nhello from a tutorial\n") {
		t.Errorf("transcript: got %q, want the commands with their real output", out)
	}
	if n, _ := e.Count(context.Background(), e.RunID); n != 0 {
		t.Errorf("after the page: got %d labelled leftovers, want 0", n)
	}

	// Only the failed block is tried again: failures are never reused.
	if n := verify.Stale([][]snippet.Snippet{pg}, store, false); n != 1 {
		t.Errorf("unchanged page: got %d stale blocks, want 1 (the failure)", n)
	}
	changed := page(t, cfg, "tutorial.md", strings.Replace(tutorial, "hello from a tutorial\n```", "hello again\n```", 1))
	if n := verify.Stale([][]snippet.Snippet{changed}, store, false); n != 4 {
		t.Errorf("after editing a file block: got %d stale blocks, want all 4 session blocks", n)
	}
}

// TestBuildCacheFollowsBase: a stored build result counts only while its
// base image is the same image.
func TestBuildCacheFollowsBase(t *testing.T) {
	e := testenv.Docker(t)
	testenv.Image(t, e, "shipshape/busybox:latest")
	cfg := testConfig()
	pg := page(t, cfg, "b.md", "```dockerfile {build}\nFROM busybox:1.36\nRUN true\n```\n")
	store := results.New()
	opt := verify.Options{Config: cfg, Engine: e, Jobs: 1}
	rep := verify.Run(context.Background(), [][]snippet.Snippet{pg}, store, opt)
	r := rep.Items[0].Result
	id, _ := e.ImageID(context.Background(), "shipshape/busybox:latest")
	if r.Status != results.Passed || r.ImageID != id {
		t.Fatalf("build: got %s with image %q, want passed with the base's ID %q", r.Status, r.ImageID, id)
	}
	if rep := verify.Run(context.Background(), [][]snippet.Snippet{pg}, store, opt); !rep.Items[0].Cached {
		t.Errorf("same base: got a fresh run, want the stored result")
	}
	r.ImageID = "sha256:an-older-base"
	store.Results[pg[0].Hash] = r
	if rep := verify.Run(context.Background(), [][]snippet.Snippet{pg}, store, opt); rep.Items[0].Cached {
		t.Errorf("base changed: got the stored result, want a fresh build")
	}
}

// TestStaleAgreesWithRun: after a run, Stale finds nothing to do on the same
// page, so a warm re-verify can do without an engine; builds that are
// files of later builds included, failing or not.
func TestStaleAgreesWithRun(t *testing.T) {
	e := testenv.Docker(t)
	testenv.Image(t, e, "shipshape/busybox:latest")
	cfg := testConfig()
	pg := page(t, cfg, "s.md", "```dockerfile {build file=Dockerfile.one}\nFROM busybox:1.36\nRUN true\n```\n\n"+
		"```dockerfile {build file=Dockerfile.two expect=fail}\nFROM busybox:1.36\nRUN exit 2\n```\n\n"+
		"```dockerfile {build}\nFROM busybox:1.36\nCOPY Dockerfile.one Dockerfile.two /\n```\n")
	store := results.New()
	rep := verify.Run(context.Background(), [][]snippet.Snippet{pg}, store, verify.Options{Config: cfg, Engine: e, Jobs: 1})
	if err := rep.Err(); err != nil {
		t.Fatalf("first run: %v", err)
	}
	if n := verify.Stale([][]snippet.Snippet{pg}, store, false); n != 0 {
		t.Errorf("after the run: got %d stale examples, want 0", n)
	}
}

// TestSessionTracksImages: a session result records the images the page's
// commands used, and is reused only while they are the same images.
func TestSessionTracksImages(t *testing.T) {
	e := testenv.Docker(t)
	testenv.Image(t, e, "shipshape/busybox:latest")
	testenv.Image(t, e, "shipshape/docker-cli:latest")
	cfg := testConfig()
	pg := page(t, cfg, "t.md", "```console {run}\n$ docker run --rm busybox:1.36 echo hi\nhi\n```\n")
	store := results.New()
	opt := verify.Options{Config: cfg, Engine: e, Jobs: 1}
	rep := verify.Run(context.Background(), [][]snippet.Snippet{pg}, store, opt)
	r := rep.Items[0].Result
	id, _ := e.ImageID(context.Background(), "shipshape/busybox:latest")
	if r.Status != results.Passed || r.Images["shipshape/busybox:latest"] != id {
		t.Fatalf("got %s with images %v, want passed with busybox's ID %s", r.Status, r.Images, id)
	}
	if rep := verify.Run(context.Background(), [][]snippet.Snippet{pg}, store, opt); !rep.Items[0].Cached {
		t.Errorf("same images: got a fresh run, want the stored result")
	}
	r.Images["shipshape/busybox:latest"] = "sha256:an-older-busybox"
	store.Results[pg[0].Hash] = r
	if rep := verify.Run(context.Background(), [][]snippet.Snippet{pg}, store, opt); rep.Items[0].Cached {
		t.Errorf("an image the page used changed: got the stored result, want a fresh run")
	}
}

// TestOneOffRegistryRefused: an example's image on a registry of the host's
// own network is never pulled by the engine for it. The block fails (the
// sandbox's rule is certain; it is not an engine fault to try again), and
// an image on Docker Hub is still tried.
func TestOneOffRegistryRefused(t *testing.T) {
	e := testenv.Docker(t)
	cfg := testConfig()
	md := "```sh {run image=127.0.0.1:5999/team/app:1}\necho hi\n```\n\n" +
		"```dockerfile {build}\nFROM 10.1.2.3/team/base:1\nCMD [\"true\"]\n```\n"
	pg := page(t, cfg, "r.md", md)
	rep := verify.Run(context.Background(), [][]snippet.Snippet{pg}, results.New(), verify.Options{Config: cfg, Engine: e, Jobs: 1, Pull: "missing"})
	if len(rep.Items) != 2 {
		t.Fatalf("got %d items, want 2", len(rep.Items))
	}
	for _, it := range rep.Items {
		if r := it.Result; r.Status != results.Failed || !strings.Contains(r.Reason, "the host's own network") || strings.Contains(r.Reason, "pulling") {
			t.Errorf("line %d: got %s %q, want failed: a registry of the host's own network, not pulled", it.Snippet.Line, r.Status, r.Reason)
		}
	}
}

// TestConsoleHiddenSteps runs a console block's hidden lines, with and
// without a prompt, as commands of their own that the transcript leaves
// out and whose output is not compared. Read after their markers were
// removed, a hidden line with no prompt was output of the command above.
func TestConsoleHiddenSteps(t *testing.T) {
	e := testenv.Docker(t)
	testenv.Image(t, e, "shipshape/busybox:latest")
	testenv.Image(t, e, "shipshape/docker-cli:latest")
	cfg := testConfig()
	md := "# Hidden\n\n```console {run}\n$ echo visible\nvisible\n#!hide echo made-in-secret > /tmp/ready\n$ #!hide echo also-hidden\nnot compared\n$ cat /tmp/ready\nmade-in-secret\n```\n"
	rep := verify.Run(context.Background(), [][]snippet.Snippet{page(t, cfg, "hidden.md", md)}, results.New(), verify.Options{Config: cfg, Engine: e, Jobs: 1})
	if len(rep.Items) != 1 {
		t.Fatalf("got %d items, want 1: %+v", len(rep.Items), rep.Items)
	}
	r := rep.Items[0].Result
	if r.Status != results.Passed {
		t.Fatalf("status %s (%s), want passed; output:\n%s", r.Status, r.Reason, r.Output)
	}
	if strings.Contains(r.Output, "also-hidden") || strings.Contains(r.Output, "echo made-in-secret") {
		t.Errorf("the transcript shows a hidden command:\n%s", r.Output)
	}
	if !strings.Contains(r.Output, "$ cat /tmp/ready\nmade-in-secret") {
		t.Errorf("the transcript lacks the last command and its output:\n%s", r.Output)
	}
}

// TestOneOffBuildCopiesFromMappedImage: a build that copies from an image
// (COPY --from=IMAGE) gets that image through the map as it gets its base,
// and records its ID, so that the result goes stale when it changes.
// Before, the name went to the engine as written, which the sandbox
// refused to fetch.
func TestOneOffBuildCopiesFromMappedImage(t *testing.T) {
	e := testenv.Docker(t)
	testenv.Image(t, e, "shipshape/busybox:latest")
	testenv.Image(t, e, "shipshape/debian:bookworm")
	cfg := testConfig()
	cfg.Images["debian:*"] = "shipshape/debian:bookworm"
	md := "```dockerfile {build}\nFROM busybox:1.36\nCOPY --from=debian:bookworm /etc/debian_version /debian_version\n```\n"
	rep := verify.Run(context.Background(), [][]snippet.Snippet{page(t, cfg, "copy.md", md)}, results.New(), verify.Options{Config: cfg, Engine: e, Jobs: 1, Pull: "never"})
	if len(rep.Items) != 1 {
		t.Fatalf("got %d items, want 1", len(rep.Items))
	}
	r := rep.Items[0].Result
	if r.Status != results.Passed {
		t.Fatalf("status %s (%s), want passed; output:\n%s", r.Status, r.Reason, r.Output)
	}
	if r.Images["shipshape/debian:bookworm"] == "" {
		t.Errorf("the result records no ID for the image it copied from: %v", r.Images)
	}
}
