package proxy

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// sessionCLI runs a shell script in the session image (the 20.10 docker
// CLI, which speaks BuildKit itself) against the proxy, in e.work.
func sessionCLI(t *testing.T, e *env, script string) (string, error) {
	t.Helper()
	if code, _ := e.engine("GET", "/images/shipshape/docker-cli:latest/json", nil); code != 200 {
		t.Skip("no shipshape/docker-cli image (bash .ci/images.sh builds it)")
	}
	cmd := exec.Command("docker", "run", "--rm", "-v", filepath.Dir(e.sock)+":/run/s", "-v", e.work+":/work", "-w", "/work",
		"-e", "DOCKER_HOST=unix:///run/s/docker.sock", "-e", "DOCKER_BUILDKIT=1", "--entrypoint", "sh", "shipshape/docker-cli:latest", "-c", script)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestBuildKitThroughProxy builds with BuildKit through the proxy's
// /session: plain progress output, a cache mount, the session's labels on
// the image, and the Dockerfile shown to the policy's hook before the
// engine reads it.
func TestBuildKitThroughProxy(t *testing.T) {
	e := newEnv(t)
	var mu sync.Mutex
	var seen []string
	e.px.pol.StandIns = func(_ context.Context, df string, _ []string) error {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, df)
		return nil
	}
	df := "# syntax=docker/dockerfile:1\nFROM " + baseImage + "\nRUN --mount=type=cache,target=/cache echo cached >> /cache/n && wc -l < /cache/n\nCOPY hello.txt /hello.txt\n"
	os.WriteFile(filepath.Join(e.work, "Dockerfile"), []byte(df), 0o644)
	os.WriteFile(filepath.Join(e.work, "hello.txt"), []byte("hello\n"), 0o644)
	out, err := sessionCLI(t, e, "docker build --progress=plain -t bk-"+e.session+" . && docker image inspect -f '{{index .Config.Labels \""+testSessionLabel+"\"}}' bk-"+e.session)
	if testing.Verbose() {
		t.Log(out)
	}
	if err != nil {
		t.Fatalf("BuildKit build through the proxy: %v\n%s", err, out)
	}
	for _, want := range []string{"[internal] load build definition from Dockerfile", "RUN --mount=type=cache", "naming to docker.io/library/bk-" + e.session, "\n" + e.session + "\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("build output lacks %q:\n%s", want, out)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 1 || !strings.Contains(seen[0], "FROM "+baseImage) || strings.Contains(seen[0], "syntax") || len(seen[0]) != len(df) {
		t.Errorf("the hook saw %q, want the Dockerfile with its syntax line blanked to the same length", seen)
	}
}

// TestBuildKitIgnoreFileBesideDockerfile: the CLI sends the Dockerfile's own
// ignore file (Dockerfile.dockerignore) in the same stream, and the proxy
// judges every file there as a Dockerfile; one of comments only, or empty,
// made every such build fail ("file with no instructions"). Patterns still
// leave the files they name out of the context.
func TestBuildKitIgnoreFileBesideDockerfile(t *testing.T) {
	e := newEnv(t)
	os.WriteFile(filepath.Join(e.work, "Dockerfile"), []byte("FROM "+baseImage+"\nCOPY . /ctx/\nRUN ls /ctx\n"), 0o644)
	os.WriteFile(filepath.Join(e.work, "keep.txt"), []byte("k\n"), 0o644)
	os.WriteFile(filepath.Join(e.work, "drop.tmp"), []byte("d\n"), 0o644)
	for _, ignore := range []string{"# nothing is left out\n\n", "", "# temporary files\n*.tmp\n"} {
		os.WriteFile(filepath.Join(e.work, "Dockerfile.dockerignore"), []byte(ignore), 0o644)
		out, err := sessionCLI(t, e, "docker build --progress=plain --no-cache -t ign-"+e.session+" . 2>&1")
		if err != nil {
			t.Errorf("ignore file %q: %v\n%s", ignore, err, out)
			continue
		}
		if !strings.Contains(out, "keep.txt") || strings.Contains(ignore, "*.tmp") == strings.Contains(out, "drop.tmp") {
			t.Errorf("ignore file %q: the context listed\n%s", ignore, out)
		}
	}
}
