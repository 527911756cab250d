package runner_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	osexec "os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shipshape/shipshape/internal/runner"
	"github.com/shipshape/shipshape/internal/testenv"
)

// TestSessionBuildKit builds in a session as readers do, with BuildKit: the
// transcript is BuildKit's, FROM busybox:1.36 runs the mapped local image
// through a stand-in tag that is gone after the session, and a cache mount
// works.
func TestSessionBuildKit(t *testing.T) {
	e := testenv.Docker(t)
	testenv.Image(t, e, cli)
	testenv.Image(t, e, busybox)
	ctx := context.Background()
	name := fmt.Sprintf("busybox:standin-%d", time.Now().UnixNano())
	if _, err := e.ImageID(ctx, name); !errors.Is(err, runner.ErrNoImage) {
		t.Fatalf("%s exists before the test: %v", name, err)
	}
	var mu sync.Mutex
	mapped := map[string]bool{}
	s, err := e.StartSession(ctx, runner.SessionSpec{Image: cli, Limits: strict(), MapImage: func(ref string) string {
		if strings.HasPrefix(ref, "busybox") {
			mu.Lock()
			mapped[ref] = true
			mu.Unlock()
			return busybox
		}
		return ref
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	nonce := fmt.Sprint(time.Now().UnixNano())
	err = s.WriteFiles(ctx, map[string][]byte{
		"Dockerfile": []byte("FROM " + name + " AS base\nRUN --mount=type=cache,target=/cache echo " + nonce + " > /cache/n && cat /cache/n\n" +
			"FROM base\nCOPY --from=" + name + " /bin/busybox /copied\nRUN echo built-on-$(cat /etc/hostname >/dev/null; echo busybox)\n"),
	})
	if err != nil {
		t.Fatal(err)
	}
	out := exec(t, s, `set -e
docker build --progress=plain -t bk-session-test . 2>&1
echo "built: $(docker image inspect -f '{{json .RootFS.Layers}}' bk-session-test)"
echo "base: $(docker image inspect -f '{{json .RootFS.Layers}}' `+name+`)"
`)
	got := string(out.Output)
	if out.ExitCode != 0 {
		t.Fatalf("session build: exit %d\n%s", out.ExitCode, got)
	}
	for _, want := range []string{"[internal] load build definition from Dockerfile", "FROM docker.io/library/" + name, "RUN --mount=type=cache", nonce, "naming to docker.io/library/bk-session-test"} {
		if !strings.Contains(got, want) {
			t.Errorf("session build output lacks %q:\n%s", want, got)
		}
	}
	var built, base string
	for _, l := range strings.Split(got, "\n") {
		if v, ok := strings.CutPrefix(l, "built: "); ok {
			built = v
		}
		if v, ok := strings.CutPrefix(l, "base: "); ok {
			base = v
		}
	}
	if base == "" || !strings.HasPrefix(built, strings.TrimSuffix(base, "]")) {
		t.Errorf("built image layers %s do not start with the mapped image's %s", built, base)
	}
	id, err := e.ImageID(ctx, name)
	want, _ := e.ImageID(ctx, busybox)
	if err != nil || id != want {
		t.Errorf("during the session %s is %q (%v), want the mapped image %s", name, id, err, want)
	}
	mu.Lock()
	if !mapped[name] {
		t.Errorf("MapImage was not asked about %s (got %v), so the result could not record the image that ran", name, mapped)
	}
	mu.Unlock()
	s.Close()
	if _, err := e.ImageID(ctx, name); !errors.Is(err, runner.ErrNoImage) {
		t.Errorf("after Close: stand-in %s still there (%v)", name, err)
	}
	if _, err := e.ImageID(ctx, busybox); err != nil {
		t.Errorf("after Close: the mapped image %s is gone: %v", busybox, err)
	}
}

// TestStandIn: a stand-in is shared by the sessions that hold it and goes
// with the last; a real image under a mapped name is used, never replaced;
// the holds of a run that died are dropped by the next sweep.
func TestStandIn(t *testing.T) {
	e := testenv.Docker(t)
	testenv.Image(t, e, busybox)
	ctx := context.Background()
	nonce := fmt.Sprint(time.Now().UnixNano())
	want, _ := e.ImageID(ctx, busybox)
	name := "busybox:shared-" + nonce
	idOf := func(ref string) string {
		id, err := e.ImageID(ctx, ref)
		if err != nil && !errors.Is(err, runner.ErrNoImage) {
			t.Fatal(err)
		}
		return id
	}
	if real, err := e.StandIn(ctx, name, busybox, "aaaaaaaaaaaa"); err != nil || real {
		t.Fatalf("first hold: real=%v err=%v, want a stand-in", real, err)
	}
	if real, err := e.StandIn(ctx, name, busybox, "bbbbbbbbbbbb"); err != nil || real {
		t.Fatalf("second hold: real=%v err=%v, want the same stand-in", real, err)
	}
	// Another session that runs the name (not builds from it) must map it
	// as the stand-in it is, not take it for an image of the engine's own.
	if e.RealImage(ctx, name) {
		t.Errorf("%s is a stand-in, but is taken for a real image", name)
	}
	e.ReleaseStandIns("aaaaaaaaaaaa")
	if got := idOf(name); got != want {
		t.Errorf("after the first of two holders left: %s is %q, want %s still", name, got, want)
	}
	e.ReleaseStandIns("bbbbbbbbbbbb")
	if got := idOf(name); got != "" {
		t.Errorf("after the last holder left: %s is still %q", name, got)
	}

	// A real image under a name the site maps.
	realName := "busybox:real-" + nonce
	b, err := e.Build(ctx, runner.BuildSpec{Dockerfile: []byte("FROM " + busybox + "\nLABEL real=yes\n"), Tag: realName})
	if err != nil || b.Failed {
		t.Fatalf("build the real image: %v %s", err, b.Log)
	}
	defer e.RemoveImage(b.ImageID)
	defer e.RemoveImage(realName)
	if !e.RealImage(ctx, realName) {
		t.Errorf("%s is a real image, but is taken for a stand-in", realName)
	}
	if real, err := e.StandIn(ctx, realName, busybox, "cccccccccccc"); err != nil || !real {
		t.Errorf("hold of an existing image: real=%v err=%v, want real", real, err)
	}
	e.ReleaseStandIns("cccccccccccc")
	if got := idOf(realName); got != b.ImageID {
		t.Errorf("the real image %s: got %q after the session, want it untouched (%s)", realName, got, b.ImageID)
	}

	// A run that dies holding a stand-in.
	dead, err := runner.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	deadName := "busybox:dead-" + nonce
	if _, err := dead.StandIn(ctx, deadName, busybox, "dddddddddddd"); err != nil {
		t.Fatal(err)
	}
	dead.Close() // its lock goes as with a SIGKILL; its holds stay
	if got := idOf(deadName); got != want {
		t.Fatalf("the dead run's stand-in: got %q, want %s before the sweep", got, want)
	}
	if _, err := e.Sweep(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if got := idOf(deadName); got != "" {
		t.Errorf("after the sweep: the dead run's stand-in %s is still %q", deadName, got)
	}
}

// TestSessionBuildKitBounded: where the engine's BuildKit can put a build's
// steps under a given cgroup, a page's docker build is held to the session's
// memory (the engine's own /build would let a step take any): the proxy
// builds through BuildKit's control API under a holder with the limits,
// and the page still gets BuildKit's transcript, its tag and its image.
func TestSessionBuildKitBounded(t *testing.T) {
	e := testenv.Docker(t)
	testenv.Image(t, e, cli)
	testenv.Image(t, e, busybox)
	ctx := context.Background()
	if bound, why := e.BuildKitBounded(ctx, cli); !bound {
		if os.Getenv("SHIPSHAPE_EXPECT_BUILDKIT_BOUND") == "1" {
			t.Fatalf("this engine's BuildKit should hold builds to their limits: %s", why)
		}
		t.Skipf("this engine's BuildKit cannot hold build steps to a limit (%s); the README says so", why)
	}
	s := startSession(t, e)
	defer s.Close()
	err := s.WriteFiles(ctx, map[string][]byte{
		"big/Dockerfile":  []byte("FROM busybox:1.36\nRUN x=$(head -c 200000000 /dev/zero | tr '\\000' a); echo got ${#x}\n"),
		"host/Dockerfile": []byte("FROM busybox:1.36\nRUN --network=host echo on the host network\n"),
		"ok/Dockerfile":   []byte("FROM busybox:1.36\nARG WHO\nRUN echo \"hello $WHO\" > /greeting\nCMD [\"cat\", \"/greeting\"]\n"),
	})
	if err != nil {
		t.Fatal(err)
	}
	out := exec(t, s, `docker build --progress=plain --build-arg WHO=reader -t bounded-ok:1 ok 2>&1 && docker run --rm bounded-ok:1 && docker image ls --format '{{.Repository}}:{{.Tag}}' bounded-ok`)
	got := string(out.Output)
	if out.ExitCode != 0 {
		t.Fatalf("build and run: exit %d\n%s", out.ExitCode, got)
	}
	for _, want := range []string{"[2/2] RUN echo \"hello ", "naming to docker.io/library/bounded-ok:1", "hello reader\nbounded-ok:1"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	// The page's second build finds its first one's steps, as a reader's
	// would: the session's builds share one holder, so one cgroup parent,
	// which is part of each step's cache key.
	out = exec(t, s, `docker build --progress=plain --build-arg WHO=reader -t bounded-ok:1 ok 2>&1 | grep -A3 'RUN echo'`)
	if got := string(out.Output); !strings.Contains(got, "CACHED") {
		t.Errorf("the second build of the same Dockerfile ran its step again:\n%s", got)
	}
	// No entitlement is asked for, so the engine refuses the host's network.
	out = exec(t, s, `docker build --progress=plain host 2>&1`)
	if got := string(out.Output); out.ExitCode == 0 || !strings.Contains(got, "network.host") {
		t.Errorf("RUN --network=host: exit %d, want a refusal naming network.host\n%s", out.ExitCode, got)
	}
	// The same bound holds for builds buildx drives through POST /grpc
	// (docker buildx build, and docker compose build through bake).
	for _, build := range []string{"docker build", "docker buildx build"} {
		out = exec(t, s, build+` --progress=plain big 2>&1`)
		if got := string(out.Output); out.ExitCode == 0 || strings.Contains(got, "got 200000000") {
			t.Errorf("%s: a session build step held 200 MB under a 64 MB limit: exit %d\n%s", build, out.ExitCode, got)
		}
	}
}

// TestSessionOnbuildTrigger: a page session's build FROM an image whose
// ONBUILD trigger copies from a registry of the host's network is refused,
// as the session reads the triggers of the images its builds start from.
func TestSessionOnbuildTrigger(t *testing.T) {
	e := testenv.Docker(t)
	testenv.Image(t, e, cli)
	testenv.Image(t, e, busybox)
	ctx := context.Background()
	evil := onbuildImage(t, e, fmt.Sprintf("onbuild-session-test:%d", time.Now().UnixNano()), "COPY --from=127.0.0.1:5994/x:latest /a /b")
	s := startSession(t, e)
	defer s.Close()
	if err := s.WriteFiles(ctx, map[string][]byte{"Dockerfile": []byte("FROM " + evil + "\n")}); err != nil {
		t.Fatal(err)
	}
	out := exec(t, s, "docker build --progress=plain -t onbuild-child . 2>&1")
	got := string(out.Output)
	if out.ExitCode == 0 || !strings.Contains(got, "ONBUILD trigger") || strings.Contains(got, "connection refused") {
		t.Errorf("build FROM an image with a hostile trigger: exit %d, want a refusal naming the trigger:\n%s", out.ExitCode, got)
	}
}

// onbuildImage builds tag on the engine past every check (as a public image
// pulled earlier would be), from busybox with one ONBUILD trigger; it is
// removed when the test ends.
func onbuildImage(t *testing.T, e *runner.Engine, tag, trigger string) string {
	t.Helper()
	cmd := osexec.Command("docker", "build", "-q", "-t", tag, "-")
	cmd.Env = append(os.Environ(), "DOCKER_BUILDKIT=0")
	cmd.Stdin = strings.NewReader("FROM " + busybox + "\nONBUILD " + trigger + "\n")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", tag, err, b)
	}
	t.Cleanup(func() { e.RemoveImage(tag) })
	return tag
}
