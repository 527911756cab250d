package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shipshape/shipshape/internal/config"
	"github.com/shipshape/shipshape/internal/project"
	"github.com/shipshape/shipshape/internal/results"
)

// TestNoEngine: verify with runnable examples and no engine says where it
// looked and how to start one, and exits with the infrastructure code.
func TestNoEngine(t *testing.T) {
	dir := oneRun(t)
	sock := filepath.Join(dir, "no-engine.sock")
	t.Setenv("DOCKER_HOST", "unix://"+sock)
	var out, errb bytes.Buffer
	code := Main(context.Background(), []string{"-C", dir, "verify"}, &out, &errb)
	if code != ExitNoInfra {
		t.Fatalf("verify with no engine exited %d, want %d; stderr:\n%s", code, ExitNoInfra, errb.String())
	}
	for _, want := range []string{"no Docker engine reachable", sock, "DOCKER_HOST"} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("stderr does not mention %q:\n%s", want, errb.String())
		}
	}
	// With every result matching by hash, verify and build reuse them
	// without an engine, and say once that image IDs were not re-checked.
	storeRan(t, dir, "sha256:0123")
	for _, cmd := range []string{"verify", "build"} {
		errb.Reset()
		if code := Main(context.Background(), []string{"-C", dir, cmd}, &out, &errb); code != ExitOK {
			t.Fatalf("warm %s with no engine exited %d, want 0; stderr:\n%s", cmd, code, errb.String())
		}
		if n := strings.Count(errb.String(), "image IDs were not re-checked"); n != 1 {
			t.Errorf("warm %s with no engine: said %d times that image IDs were not re-checked, want once:\n%s", cmd, n, errb.String())
		}
	}
	// With nothing runnable, no engine is needed at all.
	if err := os.WriteFile(filepath.Join(dir, "content", "index.md"), []byte("# P\n\n```text\nhi\n```\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	errb.Reset()
	if code := Main(context.Background(), []string{"-C", dir, "verify"}, &out, &errb); code != ExitOK {
		t.Fatalf("verify with nothing to run exited %d, want 0; stderr:\n%s", code, errb.String())
	}
}

// TestServeNoEngine: the preview reuses stored results without an engine
// and says once, not at every render, that image IDs were not re-checked.
func TestServeNoEngine(t *testing.T) {
	dir := oneRun(t)
	t.Setenv("DOCKER_HOST", "unix://"+filepath.Join(dir, "no-engine.sock"))
	storeRan(t, dir, "sha256:0123")
	ready := filepath.Join(dir, "ready")
	var out, errb lockedBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, []string{"-C", dir, "serve", "--port", "0", "--ready-file", ready}, &out, &errb)
	}()
	wait := func(what string, n int) {
		t.Helper()
		for i := 0; i < 600 && strings.Count(errb.String(), what) < n; i++ {
			time.Sleep(50 * time.Millisecond)
		}
		if strings.Count(errb.String(), what) < n {
			cancel()
			t.Fatalf("serve did not say %q %d times:\n%s", what, n, errb.String())
		}
	}
	wait("rendered and checked", 1)
	// verify rewriting the results file renders the whole site again.
	storeRan(t, dir, "sha256:4567")
	wait("rebuilt site", 1)
	cancel()
	if code := <-done; code != ExitOK {
		t.Fatalf("serve exited %d; stderr:\n%s", code, errb.String())
	}
	if n := strings.Count(errb.String(), "image IDs were not re-checked"); n != 1 {
		t.Errorf("serve with no engine, two renders: said %d times that image IDs were not re-checked, want once:\n%s", n, errb.String())
	}
}

// oneRun is a site with one runnable block and no results yet.
func oneRun(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	page := "# P\n\n```sh {run image=busybox}\necho hi\n```\n"
	if err := os.MkdirAll(filepath.Join(dir, "content"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "content", "index.md"), []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// storeRan stores a passing result on shipshape/busybox:latest with the
// image ID id for the first block of the site in dir.
func storeRan(t *testing.T, dir, id string) {
	t.Helper()
	cfg, err := config.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	proj, err := project.Load(cfg, project.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := proj.Snippets[0][0]
	proj.Results.Results[s.Hash] = results.Result{Status: results.Passed, Proof: results.ProofRan, File: s.File, Line: s.Line,
		ImageRun: "shipshape/busybox:latest", ImageID: id}
	if err := proj.Results.Save(proj.ResultsPath); err != nil {
		t.Fatal(err)
	}
}

// lockedBuffer is a bytes.Buffer that a running command and the test share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
