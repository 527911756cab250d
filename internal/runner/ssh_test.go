package runner_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shipshape/shipshape/internal/runner"
	"github.com/shipshape/shipshape/internal/testenv"
)

// TestSSHEngine: DOCKER_HOST=ssh://… reaches the engine the way the docker
// CLI does, through `ssh … docker system dial-stdio`, and a page session
// works over it (its files, its relay, its containers). The ssh here is a
// stand-in that runs the dial-stdio command locally and records how it was
// called; the real one would run it on the far machine.
func TestSSHEngine(t *testing.T) {
	testenv.Docker(t) // an engine, and the images, or skip
	local := os.Getenv("DOCKER_HOST")
	dir := t.TempDir()
	record := filepath.Join(dir, "ssh-args")
	script := "#!/bin/sh\necho \"$@\" >> " + record + "\nwhile [ \"$1\" != -- ]; do shift; done\nshift 2\n"
	if local != "" {
		script += "DOCKER_HOST=" + local + " exec \"$@\"\n"
	} else {
		script += "unset DOCKER_HOST; exec \"$@\"\n"
	}
	if err := os.WriteFile(filepath.Join(dir, "ssh"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("DOCKER_HOST", "ssh://alice@engine.example:2222")
	ctx := context.Background()
	e, err := runner.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	s, err := e.StartSession(ctx, runner.SessionSpec{Image: cli, Limits: strict(), MapImage: func(ref string) string {
		if strings.HasPrefix(ref, "busybox") {
			return busybox
		}
		return ref
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.WriteFiles(ctx, map[string][]byte{"hello.txt": []byte("over ssh\n")}); err != nil {
		t.Fatal(err)
	}
	out, err := s.Exec(ctx, `docker run --rm -v "$PWD":/w busybox:1.36 cat /w/hello.txt`, time.Minute, 1<<16)
	if err != nil || out.ExitCode != 0 || string(out.Output) != "over ssh\n" {
		t.Errorf("a page over ssh: got %v %d %q, want the page's file read back", err, out.ExitCode, out.Output)
	}
	b, _ := os.ReadFile(record)
	if !strings.Contains(string(b), "-l alice -p 2222 -- engine.example docker system dial-stdio") {
		t.Errorf("ssh was called as %q, want -l alice -p 2222 -- engine.example docker system dial-stdio", b)
	}
}
