package runner_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/shipshape/shipshape/internal/proxy"
	"github.com/shipshape/shipshape/internal/runner"
	"github.com/shipshape/shipshape/internal/testenv"
)

const busybox = "shipshape/busybox:latest"

// strict is the sandbox every example gets by default, with small figures so
// that the hostile cases hit the limits quickly.
func strict() runner.Limits {
	return runner.Limits{Memory: 64 << 20, Pids: 64, NanoCPUs: 1e9, Timeout: 20 * time.Second, OutputLimit: 64 << 10, ReadOnly: true}
}

func run(t *testing.T, e *runner.Engine, script string, lim runner.Limits) runner.Outcome {
	t.Helper()
	out, err := e.Run(context.Background(), runner.RunSpec{Image: busybox, Cmd: []string{"/bin/sh", "-c", script}, WorkDir: "/work", Limits: lim})
	if err != nil {
		t.Fatalf("run %q: %v", script, err)
	}
	return out
}

func TestRunLimits(t *testing.T) {
	e := testenv.Docker(t)
	testenv.Image(t, e, busybox)
	cases := []struct {
		name, script, want string
	}{
		{"memory limit", "cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max", "67108864"},
		{"pids limit", "cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max", "64"},
		{"no capabilities", "grep CapEff /proc/self/status", "0000000000000000"},
		{"no new privileges", "grep NoNewPrivs /proc/self/status", "1"},
		{"read-only root", "touch /x 2>&1; true", "Read-only file system"},
		{"writable tmp and work dir", "echo ok > /tmp/a && echo ok > /work/b && cat /tmp/a /work/b", "ok\nok"},
		{"only loopback", "ls /sys/class/net", "lo"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := run(t, e, c.script, strict())
			if got := strings.TrimSpace(string(out.Output)); !strings.Contains(got, c.want) {
				t.Errorf("%q: got %q, want it to contain %q", c.script, got, c.want)
			}
			if c.name == "only loopback" && strings.TrimSpace(string(out.Output)) != "lo" {
				t.Errorf("%q: got interfaces %q, want only lo", c.script, out.Output)
			}
		})
	}
}

func TestRunExitOutputAndImage(t *testing.T) {
	e := testenv.Docker(t)
	testenv.Image(t, e, busybox)
	out := run(t, e, "echo to-stdout; echo to-stderr >&2; exit 3", strict())
	if out.ExitCode != 3 {
		t.Errorf("exit code: got %d, want 3", out.ExitCode)
	}
	if got := string(out.Output); !strings.Contains(got, "to-stdout") || !strings.Contains(got, "to-stderr") {
		t.Errorf("output: got %q, want both streams", got)
	}
	id, _ := e.ImageID(context.Background(), busybox)
	if out.ImageID != id || !strings.HasPrefix(id, "sha256:") {
		t.Errorf("image id: got %q, want %q", out.ImageID, id)
	}
	lim := strict()
	lim.OutputLimit = 100
	out = run(t, e, "yes | head -c 5000", lim)
	if len(out.Output) != 100 || !out.Truncated {
		t.Errorf("output cap: got %d bytes truncated=%v, want 100 bytes truncated", len(out.Output), out.Truncated)
	}
	if _, err := e.Run(context.Background(), runner.RunSpec{Image: "shipshape/no-such-image:0", Limits: strict()}); !errors.Is(err, runner.ErrNoImage) {
		t.Errorf("missing image: got %v, want ErrNoImage", err)
	}
}

func TestRunFiles(t *testing.T) {
	e := testenv.Docker(t)
	testenv.Image(t, e, busybox)
	out, err := e.Run(context.Background(), runner.RunSpec{Image: busybox, Cmd: []string{"sh", "-c", "cat app/hello.txt; ./run.sh"},
		WorkDir: "/work", Files: map[string][]byte{"app/hello.txt": []byte("from a file\n"), "run.sh": []byte("#!/bin/sh\necho from a script\n")}, Limits: strict()})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(out.Output); got != "from a file\nfrom a script\n" || out.ExitCode != 0 {
		t.Errorf("files: got %q exit %d, want both lines and exit 0", got, out.ExitCode)
	}
}

// TestHostile runs the classic hostile snippets and checks each is contained:
// it ends, it is reported, and the engine still runs the next example.
func TestHostile(t *testing.T) {
	e := testenv.Docker(t)
	testenv.Image(t, e, busybox)

	t.Run("fork bomb", func(t *testing.T) {
		lim := strict()
		lim.Timeout = 10 * time.Second
		out := run(t, e, "f() { f | f & }; f; sleep 3; echo survived", lim)
		// The pids limit stops it: forks fail, the script goes on or is killed.
		if !strings.Contains(string(out.Output), "can't fork") && !out.TimedOut && out.ExitCode == 0 {
			t.Errorf("fork bomb: got exit %d output %q, want fork failures or a kill", out.ExitCode, out.Output)
		}
	})
	t.Run("memory hog", func(t *testing.T) {
		out := run(t, e, `x=$(head -c 300000000 /dev/zero | tr '\0' a); echo ${#x}`, strict())
		if out.ExitCode == 0 || strings.Contains(string(out.Output), "300000000") {
			t.Errorf("memory hog: got exit %d output %q, want it killed before holding 300 MB", out.ExitCode, out.Output)
		}
	})
	t.Run("endless loop", func(t *testing.T) {
		lim := strict()
		lim.Timeout = 2 * time.Second
		out := run(t, e, "while :; do :; done", lim)
		if !out.TimedOut || out.ExitCode != 137 {
			t.Errorf("endless loop: got timedOut=%v exit %d, want killed with 137", out.TimedOut, out.ExitCode)
		}
	})
	t.Run("egress attempt", func(t *testing.T) {
		// A server on the bridge network: a container with a network
		// reaches it (so the probe works), a default one does not.
		ip := server(t, e)
		probe := fmt.Sprintf(`printf "GET / HTTP/1.0\r\n\r\n" | nc -w 5 %s 8080 2>&1`, ip)
		open := strict()
		open.Network = "bridge"
		// The server may still be starting: the control retries until it answers.
		if out := run(t, e, "for i in $(seq 50); do "+probe+" && exit 0; sleep 0.2; done; exit 1", open); !strings.Contains(string(out.Output), "reached-the-server") {
			t.Fatalf("control with a network: got %q, want the server's page", out.Output)
		}
		out := run(t, e, probe, strict())
		if out.ExitCode == 0 || strings.Contains(string(out.Output), "reached-the-server") {
			t.Errorf("egress with no network: got exit %d output %q, want it refused", out.ExitCode, out.Output)
		}
	})
	if out := run(t, e, "echo still fine", strict()); strings.TrimSpace(string(out.Output)) != "still fine" {
		t.Errorf("after the hostile snippets: got %q, want the engine to run the next example", out.Output)
	}
}

func TestBuild(t *testing.T) {
	e := testenv.Docker(t)
	testenv.Image(t, e, busybox)
	ctx := context.Background()
	ok, err := e.Build(ctx, runner.BuildSpec{Dockerfile: []byte("FROM " + busybox + "\nCOPY msg.txt /msg.txt\nCMD [\"cat\", \"/msg.txt\"]\n"),
		Files: map[string][]byte{"msg.txt": []byte("built here\n")}})
	if err != nil || ok.Failed {
		t.Fatalf("build: got %v %+v, want success", err, ok)
	}
	out, err := e.Run(ctx, runner.RunSpec{Image: ok.ImageID, Limits: strict()})
	if err != nil || string(out.Output) != "built here\n" {
		t.Errorf("run built image: got %q %v, want %q", out.Output, err, "built here\n")
	}
	e.RemoveBuilt(ok)

	// The engine would fetch this from the host's own loopback.
	loop, err := e.Build(ctx, runner.BuildSpec{Dockerfile: []byte("FROM " + busybox + "\nADD http://127.0.0.1:9/secret /s\n")})
	if err != nil || !loop.Failed || !strings.Contains(loop.Message, "line 2") {
		t.Errorf("ADD from the host's loopback: got %v failed=%v %q, want a refusal naming line 2", err, loop.Failed, loop.Message)
	}

	// Nor any image from a registry there, however the Dockerfile names it.
	for _, df := range []string{
		"FROM " + busybox + "\nCOPY --from=127.0.0.1:5999/x:latest /etc/passwd /p\n",
		"ARG R=127.0.0.1:5998\nFROM $R/x:latest\n",
		"FROM " + busybox + "\nONBUILD COPY --from=127.0.0.1:5997/x /a /b\n",
		"FROM " + busybox + "\nADD git@127.0.0.1:x/y.git /src\n",
		"FROM " + busybox + "\nRUN cat <<CMD\nFROM 127.0.0.1:5996/x\nCMD\n",
	} {
		out, err := e.Build(ctx, runner.BuildSpec{Dockerfile: []byte(df), Holder: busybox, Memory: 64 << 20, Pids: 64})
		if err != nil || !out.Failed || !strings.Contains(out.Message, "not allowed for examples") || strings.Contains(string(out.Log), "connection refused") {
			t.Errorf("%q: got %v failed=%v %q, want a refusal before the engine reads it", df, err, out.Failed, out.Message)
		}
		if out.ImageID != "" {
			e.RemoveBuilt(out)
		}
	}

	// Nor through the ONBUILD trigger of the image it starts from (a
	// public image pulled earlier), which its Dockerfile does not show.
	evil := onbuildImage(t, e, "onbuild-runner-test:latest", "COPY --from=127.0.0.1:5995/x:latest /a /b")
	trig, err := e.Build(ctx, runner.BuildSpec{Dockerfile: []byte("FROM " + evil + "\n"), Holder: busybox, Memory: 64 << 20, Pids: 64})
	if err != nil || !trig.Failed || !strings.Contains(trig.Message, "ONBUILD trigger") || strings.Contains(string(trig.Log), "connection refused") {
		t.Errorf("FROM an image with a hostile ONBUILD trigger: got %v failed=%v %q, want a refusal naming the trigger", err, trig.Failed, trig.Message)
	}

	bad, err := e.Build(ctx, runner.BuildSpec{Dockerfile: []byte("FROM " + busybox + "\nRUN exit 3\n")})
	if err != nil {
		t.Fatal(err)
	}
	if !bad.Failed || !strings.Contains(bad.Message, "returned a non-zero code: 3") {
		t.Errorf("failing build: got failed=%v message %q, want a failure naming code 3", bad.Failed, bad.Message)
	}
}

// TestBuildFrontendDirective: a one-off build never makes the engine fetch
// another Dockerfile frontend (an image from any registry, here a closed
// port of the engine's own loopback) and run it. A directive in a comment
// is blanked and the build uses the engine's own frontend; one that cannot
// be blanked (a Dockerfile that is JSON) is refused. With a holder, so that
// current engines build with BuildKit, which reads directives.
func TestBuildFrontendDirective(t *testing.T) {
	e := testenv.Docker(t)
	testenv.Image(t, e, busybox)
	ctx := context.Background()
	const evil = "127.0.0.1:5999/evil/frontend"
	for _, c := range []struct {
		name, df string
		refused  bool
	}{
		{"hash", "# syntax=" + evil + "\nFROM " + busybox + "\nCMD [\"true\"]\n", false},
		{"c-style", "// syntax=" + evil + "\nFROM " + busybox + "\nCMD [\"true\"]\n", false},
		{"after a shebang, odd case", "#!/usr/bin/env docker\n#   SynTax =  " + evil + "\nFROM " + busybox + "\n", false},
		{"byte order mark", "\ufeff# syntax=" + evil + "\nFROM " + busybox + "\n", false},
		{"json", "{\n  \"syntax\": \"" + evil + "\"\n}\n", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, err := e.Build(ctx, runner.BuildSpec{Dockerfile: []byte(c.df), Holder: busybox, Memory: 64 << 20, Pids: 64})
			if err != nil {
				t.Fatal(err)
			}
			if out.ImageID != "" {
				defer e.RemoveBuilt(out)
			}
			// The frontend's name, not its port alone: "5999" turns up in
			// image digests (CI failed on exporting manifest …8795999…).
			if strings.Contains(string(out.Log), "evil/frontend") || strings.Contains(string(out.Log), "127.0.0.1:5999") {
				t.Errorf("the engine went for the frontend:\n%s", out.Log)
			}
			refused := out.Failed && strings.Contains(out.Message, "frontend directive")
			if refused != c.refused || (!c.refused && out.Failed) {
				t.Errorf("got failed=%v %q, want refused=%v", out.Failed, out.Message, c.refused)
			}
		})
	}
}

// TestBuildTranscriptIsTheReaders: a one-off build's transcript has the
// steps the Dockerfile has and no others. On the classic builder the run's
// labels were each a step of their own ("Step 3/4 : LABEL
// org.shipshape.run=…"), shown on the site and counted in every "Step i/N".
func TestBuildTranscriptIsTheReaders(t *testing.T) {
	e := testenv.Docker(t)
	testenv.Image(t, e, busybox)
	out, err := e.Build(context.Background(), runner.BuildSpec{Dockerfile: []byte("FROM " + busybox + "\nENV GREETING=hi\nCMD [\"true\"]\n")})
	if err != nil || out.Failed {
		t.Fatalf("build: got %v %+v, want success", err, out)
	}
	defer e.RemoveBuilt(out)
	log := string(out.Log)
	if strings.Contains(log, "org.shipshape") || strings.Contains(log, "LABEL") {
		t.Errorf("the transcript shows steps the Dockerfile has not:\n%s", log)
	}
	if strings.Contains(log, "Step 1/") && !strings.Contains(log, "Step 3/3 : CMD") {
		t.Errorf("the classic transcript does not count the Dockerfile's 3 steps:\n%s", log)
	}
}

// TestBuildOwnSteps: a one-off build never reuses a step another build
// made, since that build removes its untagged steps when it ends, maybe
// while this one builds on them; and a transcript must not depend on what
// ran before.
func TestBuildOwnSteps(t *testing.T) {
	e := testenv.Docker(t)
	testenv.Image(t, e, busybox)
	ctx := context.Background()
	spec := runner.BuildSpec{Dockerfile: []byte("FROM " + busybox + "\nWORKDIR /own-steps\nRUN echo step > f\n")}
	first, err := e.Build(ctx, spec)
	if err != nil || first.Failed {
		t.Fatalf("first build: got %v %+v, want success", err, first)
	}
	defer e.RemoveBuilt(first)
	second, err := e.Build(ctx, spec)
	if err != nil || second.Failed {
		t.Fatalf("second build: got %v %+v, want success", err, second)
	}
	defer e.RemoveBuilt(second)
	if strings.Contains(string(second.Log), "Using cache") {
		t.Errorf("the second build reused the first one's steps:\n%s", second.Log)
	}
}

// TestBuildKeepsItsBase: a one-off build whose last stage is a bare FROM
// made no image of its own; its image is the base's, which removing the
// build's image must leave (once it took the engine's busybox with it, and
// every later test failed on "No such image"). An image the build did make
// is still removed. Classic, then with a holder (BuildKit where bounded).
func TestBuildKeepsItsBase(t *testing.T) {
	e := testenv.Docker(t)
	testenv.Image(t, e, busybox)
	ctx := context.Background()
	baseID, err := e.ImageID(ctx, busybox)
	if err != nil {
		t.Fatal(err)
	}
	for _, holder := range []string{"", busybox} {
		for _, c := range []struct {
			df  string
			own bool
		}{
			{"FROM " + busybox + "\n", false},
			{"from " + busybox + "\n", false},
			{"FROM " + busybox + " AS a\nRUN true\nFROM " + busybox + "\n", false},
			{"FROM " + busybox + "\nENV KEPT=no\n", true},
		} {
			out, err := e.Build(ctx, runner.BuildSpec{Dockerfile: []byte(c.df), Holder: holder, Memory: 64 << 20, Pids: 64})
			if err != nil || out.Failed {
				t.Fatalf("holder %q, %q: got %v %+v, want success", holder, c.df, err, out)
			}
			if out.ImageID == baseID && out.Own {
				t.Errorf("holder %q, %q: the base image counts as the build's own", holder, c.df)
			}
			e.RemoveBuilt(out)
			if id, err := e.ImageID(ctx, busybox); err != nil || id != baseID {
				t.Fatalf("holder %q, %q: after RemoveBuilt the base is %q %v, want %s", holder, c.df, id, err, baseID)
			}
			if out.ImageID != baseID {
				if _, exists := e.Tagged(ctx, out.ImageID); exists {
					t.Errorf("holder %q, %q: the build's own image %s outlived RemoveBuilt", holder, c.df, out.ImageID)
				}
			} else if holder == "" && c.own {
				t.Errorf("holder %q, %q: a build with a step of its own gave the base's image", holder, c.df)
			}
		}
	}
}

// TestNoLeftovers runs many examples with timeouts, cancellations and
// builds, then finds nothing carrying the run's label.
func TestNoLeftovers(t *testing.T) {
	e := testenv.Docker(t)
	testenv.Image(t, e, busybox)
	n := 100
	if testing.Short() {
		n = 12
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			lim := strict()
			script := "echo ok"
			switch i % 4 {
			case 1: // timed out
				lim.Timeout = time.Second
				script = "sleep 30"
			case 2: // cancelled mid-run, as Ctrl-C does
				script = "sleep 30"
				time.AfterFunc(1500*time.Millisecond, cancel)
			case 3: // a build, failing every other time
				df := "FROM " + busybox + "\nENV LEFTOVER_MARK=" + e.RunID + "\nRUN echo layer > /l\n"
				if i%8 == 3 {
					df += "RUN exit 1\n"
				}
				b, err := e.Build(ctx, runner.BuildSpec{Dockerfile: []byte(df)})
				if err == nil && b.ImageID != "" {
					e.RemoveBuilt(b)
				}
				return
			}
			_, _ = e.Run(ctx, runner.RunSpec{Image: busybox, Cmd: []string{"sh", "-c", script}, Limits: lim})
		}(i)
	}
	wg.Wait()
	left, err := e.Count(context.Background(), e.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("after %d runs: got %d labelled leftovers, want 0", n, left)
	}
	// The classic builder's step images carry no label (it would show as
	// a step): they are found by the mark the builds set.
	if steps := markedImages(t, e, "LEFTOVER_MARK="+e.RunID); len(steps) != 0 {
		t.Errorf("after %d runs: %d images of the builds are left: %v", n, len(steps), steps)
	}
}

// markedImages lists the images whose environment holds env.
func markedImages(t *testing.T, e *runner.Engine, env string) []string {
	t.Helper()
	ctx := context.Background()
	is, err := e.Client().ImageList(ctx, client.ImageListOptions{All: true})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, im := range is.Items {
		r, err := e.Client().ImageInspect(ctx, im.ID)
		if err != nil || r.Config == nil {
			continue
		}
		for _, kv := range r.Config.Env {
			if kv == env {
				out = append(out, im.ID)
			}
		}
	}
	return out
}

// server starts a labelled busybox httpd on the bridge network and returns
// its address; the run's sweep removes it.
func server(t *testing.T, e *runner.Engine) string {
	t.Helper()
	ctx := context.Background()
	c := e.Client()
	cr, err := c.ContainerCreate(ctx, client.ContainerCreateOptions{
		Config: &container.Config{Image: busybox, Labels: map[string]string{runner.Label: e.RunID},
			Cmd: []string{"sh", "-c", "mkdir -p /tmp/w && echo reached-the-server > /tmp/w/index.html && exec httpd -f -p 8080 -h /tmp/w"}},
		HostConfig: &container.HostConfig{NetworkMode: "bridge"},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = c.ContainerRemove(context.Background(), cr.ID, client.ContainerRemoveOptions{Force: true})
	})
	if _, err := c.ContainerStart(ctx, cr.ID, client.ContainerStartOptions{}); err != nil {
		t.Fatal(err)
	}
	in, err := c.ContainerInspect(ctx, cr.ID, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ep := in.Container.NetworkSettings.Networks["bridge"]
	if ep == nil || !ep.IPAddress.IsValid() {
		t.Fatalf("server has no bridge address: %+v", in.Container.NetworkSettings)
	}
	return ep.IPAddress.String()
}

// TestSweepSparesLiveRuns: the sweep at the start of one run must not remove
// what a run still in progress (another process, another test) created.
func TestSweepSparesLiveRuns(t *testing.T) {
	live := testenv.Docker(t)
	testenv.Image(t, live, busybox)
	other := testenv.Docker(t)
	ctx := context.Background()
	liveObject(t, live)
	if _, err := other.Sweep(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if n, _ := live.Count(ctx, live.RunID); n == 0 {
		t.Fatalf("a sweep by another run removed the live run's container")
	}
	live.Close() // the run ends without cleaning up, as after a crash
	if _, err := other.Sweep(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if n, _ := other.Count(ctx, live.RunID); n != 0 {
		t.Errorf("after the run ended: got %d of its objects left by the sweep, want 0", n)
	}
}

// TestLockDirIgnoresTMPDIR: runs under test harnesses get their own TMPDIR
// and must still see each other's locks.
func TestLockDirIgnoresTMPDIR(t *testing.T) {
	live := testenv.Docker(t)
	testenv.Image(t, live, busybox)
	t.Setenv("TMPDIR", t.TempDir())
	other := testenv.Docker(t)
	ctx := context.Background()
	liveObject(t, live)
	if _, err := other.Sweep(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if n, _ := live.Count(ctx, live.RunID); n == 0 {
		t.Errorf("a sweep from a process with another TMPDIR removed a live run's container")
	}
}

// liveObject makes a container labelled with the run, as the run's
// examples are; the test's cleanup removes it if no sweep did.
func liveObject(t *testing.T, e *runner.Engine) {
	t.Helper()
	c := e.Client()
	cr, err := c.ContainerCreate(context.Background(), client.ContainerCreateOptions{
		Config: &container.Config{Image: busybox, Labels: map[string]string{runner.Label: e.RunID}, Cmd: []string{"true"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = c.ContainerRemove(context.Background(), cr.ID, client.ContainerRemoveOptions{Force: true})
	})
}

// TestEnsure: the pull policy decides whether a missing image is fetched.
// The registry here is a closed port on this machine, so the pull is
// attempted and fails without leaving the host.
func TestEnsure(t *testing.T) {
	e := testenv.Docker(t)
	testenv.Image(t, e, busybox)
	ctx := context.Background()
	if id, err := e.Ensure(ctx, busybox, runner.PullNever); err != nil || id == "" {
		t.Errorf("local image, never: got %q %v, want its ID", id, err)
	}
	missing := "localhost:1/shipshape/absent:0"
	_, err := e.Ensure(ctx, missing, runner.PullNever)
	if !errors.Is(err, runner.ErrNoImage) || strings.Contains(err.Error(), "pulling") {
		t.Errorf("missing image, never: got %v, want ErrNoImage without a pull", err)
	}
	// A registry on the host's own network is never asked.
	_, err = e.Ensure(ctx, missing, runner.PullMissing)
	if !errors.Is(err, proxy.ErrPolicy) || strings.Contains(err.Error(), "pulling") {
		t.Errorf("missing image on localhost, missing: got %v, want a refusal without a pull", err)
	}
	// A name nobody publishes: the pull is tried, and fails here whether
	// or not the machine reaches Docker Hub.
	_, err = e.Ensure(ctx, "shipshape-tests/absent-"+fmt.Sprint(time.Now().UnixNano())+":0", runner.PullMissing)
	if !errors.Is(err, runner.ErrNoImage) || !strings.Contains(err.Error(), "pulling it failed") {
		t.Errorf("missing image, missing: got %v, want ErrNoImage after a failed pull", err)
	}
}
