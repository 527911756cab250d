package cli

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shipshape/shipshape/internal/testenv"
)

// copyTree copies a folder so tests never write into the work tree.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestCourse verifies our own course in the real engine and builds it: every
// example must run again and do what its page says, and the site must build
// with no errors. It works on a copy, so the committed results file is only
// read.
func TestCourse(t *testing.T) {
	if testing.Short() {
		t.Skip("the course verifies in the real engine; skipped with -short")
	}
	testenv.Docker(t)
	root := "../.."
	dir := t.TempDir()
	for _, name := range []string{"content", "examples"} {
		if _, err := os.Stat(filepath.Join(root, name)); err == nil {
			copyTree(t, filepath.Join(root, name), filepath.Join(dir, name))
		}
	}
	if b, err := os.ReadFile(filepath.Join(root, "shipshape.toml")); err == nil {
		if err := os.WriteFile(filepath.Join(dir, "shipshape.toml"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out, errb bytes.Buffer
	// --force: the committed results came from another machine's engine
	// and images; CI proves every example again in its own.
	if code := Main(context.Background(), []string{"-C", dir, "verify", "--force"}, &out, &errb); code != ExitOK {
		t.Fatalf("verify of the course exited %d:\n%s", code, errb.String())
	}
	t.Logf("verify: %s", lastLine(errb.String()))
	errb.Reset()
	if code := Main(context.Background(), []string{"-C", dir, "build"}, &out, &errb); code != ExitOK {
		t.Fatalf("build of the course exited %d:\n%s", code, errb.String())
	}
	t.Logf("build: %s", lastLine(errb.String()))
	if strings.Contains(errb.String(), "not-verified") {
		t.Errorf("the built course has blocks marked not verified after verify:\n%s", errb.String())
	}
}

func lastLine(s string) string {
	s = strings.TrimRight(s, "\n")
	return s[strings.LastIndexByte(s, '\n')+1:]
}
