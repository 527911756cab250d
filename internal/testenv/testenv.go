// Package testenv decides whether tests that need a real Docker engine or a
// real browser can run: they skip on a developer machine without one, and
// fail under CI=true, where .ci/run is responsible for providing both.
package testenv

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/shipshape/shipshape/internal/runner"
)

// CI reports whether tests run under CI, where missing tools are failures.
func CI() bool { return os.Getenv("CI") == "true" }

func missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if CI() {
		t.Fatalf("CI=true: "+format, args...)
	}
	t.Skipf(format, args...)
}

// Docker connects to the engine or skips (fails under CI).
func Docker(t testing.TB) *runner.Engine {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	e, err := runner.Connect(ctx)
	if err != nil {
		missing(t, "needs a Docker engine: %v", err)
	}
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, _ = e.Sweep(cctx, e.RunID)
		e.Close()
	})
	return e
}

// Image checks a local image exists or skips (fails under CI).
func Image(t testing.TB, e *runner.Engine, ref string) {
	t.Helper()
	if _, err := e.ImageID(context.Background(), ref); err != nil {
		missing(t, "needs image %s (build it with .ci/images.sh): %v", ref, err)
	}
}

// Chromium returns the path of a Chromium binary or skips (fails under CI).
func Chromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{os.Getenv("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	missing(t, "needs Chromium (apt-get install chromium)")
	return ""
}

// Program returns the path of a program, looked up in PATH and then in the
// folders Debian keeps system programs in, or skips (fails under CI); pkg
// is the Debian package that has it.
func Program(t testing.TB, name, pkg string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, dir := range []string{"/usr/sbin", "/sbin"} {
		if p := dir + "/" + name; isExec(p) {
			return p
		}
	}
	missing(t, "needs %s (apt-get install %s)", name, pkg)
	return ""
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}
