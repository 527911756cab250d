package runner_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/shipshape/shipshape/internal/runner"
	"github.com/shipshape/shipshape/internal/testenv"
)

// TestSessionBuildx builds in a session with the real buildx plugin, as
// current docker CLIs and docker compose build do, through the proxy's
// POST /grpc: BuildKit's transcript and the page's image; Compose's build
// is BuildKit's too (no fallback to the classic builder); what the proxy
// refuses is refused with its reason; the images are gone after the
// session.
func TestSessionBuildx(t *testing.T) {
	e := testenv.Docker(t)
	testenv.Image(t, e, cli)
	testenv.Image(t, e, busybox)
	ctx := context.Background()
	// Compose and buildx bake run side by side in the session container:
	// more memory than the strict limits give, as the course's default.
	lim := strict()
	lim.Memory, lim.Pids, lim.Timeout = 512<<20, 256, time.Minute
	s, err := e.StartSession(ctx, runner.SessionSpec{Image: cli, Limits: lim, MapImage: mapBusybox})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.WriteFiles(ctx, map[string][]byte{
		"ok/Dockerfile": []byte("FROM busybox:1.36\nARG WHO\nRUN echo \"hello $WHO\" > /greeting\nCMD [\"cat\", \"/greeting\"]\n"),
		"compose.yaml":  []byte("services:\n  app:\n    build: ok\n    image: bx-compose:1\n"),
	})
	if err != nil {
		t.Fatal(err)
	}
	out := exec(t, s, `docker buildx build --progress=plain --build-arg WHO=buildx -t bx-ok:1 ok 2>&1 && docker run --rm bx-ok:1`)
	got := string(out.Output)
	if out.ExitCode != 0 {
		t.Fatalf("docker buildx build and run: exit %d\n%s", out.ExitCode, got)
	}
	for _, want := range []string{"using docker driver", "[2/2] RUN echo \"hello ", "naming to docker.io/library/bx-ok:1", "hello buildx\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("docker buildx build output lacks %q:\n%s", want, got)
		}
	}
	out = exec(t, s, `docker compose build 2>&1 && docker compose run --rm app`)
	got = string(out.Output)
	if out.ExitCode != 0 {
		t.Fatalf("docker compose build and run: exit %d\n%s", out.ExitCode, got)
	}
	for _, want := range []string{"[internal] load build definition from Dockerfile", "naming to docker.io/library/bx-compose:1", "hello \n"} {
		if !strings.Contains(got, want) {
			t.Errorf("docker compose build output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "classic builder") {
		t.Errorf("docker compose build fell back to the classic builder:\n%s", got)
	}
	for _, c := range []struct{ name, script, want string }{
		{"the host network", "docker buildx build --network=host ok", "network.host is not allowed for examples"},
		{"an entitlement", "docker buildx build --allow security.insecure ok", "security.insecure is not allowed for examples"},
		{"files out to the client", "docker buildx build -o type=local,dest=out ok", "exporter is not allowed for examples"},
		{"a frontend by build arg", "docker buildx build --build-arg BUILDKIT_SYNTAX=evil/frontend ok", "--build-arg BUILDKIT_SYNTAX is not allowed for examples"},
		{"a cache from a registry", "docker buildx build --cache-from type=registry,ref=127.0.0.1:5000/c ok", "--cache-from and --cache-to are not allowed for examples"},
		{"pruning the engine's cache", "docker buildx prune -f", "Prune is not available to examples"},
		{"the engine's disk use", "docker buildx du", "DiskUsage is not available to examples"},
	} {
		out := exec(t, s, c.script+" 2>&1")
		if got := string(out.Output); out.ExitCode == 0 || !strings.Contains(got, c.want) {
			t.Errorf("%s (%s): exit %d, want a refusal saying %q:\n%s", c.name, c.script, out.ExitCode, c.want, got)
		}
	}
	s.Close()
	for _, ref := range []string{"bx-ok:1", "bx-compose:1"} {
		if _, err := e.ImageID(ctx, ref); !errors.Is(err, runner.ErrNoImage) {
			t.Errorf("image %s after the session: %v, want it removed", ref, err)
		}
	}
}
