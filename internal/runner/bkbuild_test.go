package runner_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/shipshape/shipshape/internal/runner"
	"github.com/shipshape/shipshape/internal/testenv"
)

// TestOneOffBuildKit: where the engine's BuildKit runs a build's steps under
// the cgroup it is given, a one-off build is BuildKit's (its transcript is
// what `docker build` prints today), and its steps are held together to the
// block's memory and process limits by the holder container; elsewhere the
// build is classic and the memory limit holds per step. CI runs this on both
// of its engines and says which must be able to (SHIPSHAPE_EXPECT_BUILDKIT_BOUND).
func TestOneOffBuildKit(t *testing.T) {
	e := testenv.Docker(t)
	testenv.Image(t, e, busybox)
	ctx := context.Background()
	bound, why := e.BuildKitBounded(ctx, busybox)
	t.Logf("one-off builds on BuildKit: %v %s", bound, why)
	if os.Getenv("SHIPSHAPE_EXPECT_BUILDKIT_BOUND") == "1" && !bound {
		t.Fatalf("this engine's BuildKit should hold one-off builds to their limits: %s", why)
	}
	spec := func(df string) runner.BuildSpec {
		return runner.BuildSpec{Holder: busybox, Memory: 48 << 20, Pids: 32, Dockerfile: []byte("FROM " + busybox + "\n" + df),
			Files: map[string][]byte{"msg.txt": []byte("built here\n"), "sub/dir/run.sh": []byte("#!/bin/sh\necho script ran\n")}}
	}

	ok, err := e.Build(ctx, spec("COPY . /ctx/\nRUN cat /ctx/msg.txt && /ctx/sub/dir/run.sh\nCMD [\"cat\", \"/ctx/msg.txt\"]\n"))
	if err != nil || ok.Failed {
		t.Fatalf("build: got %v failed=%v %q\n%s", err, ok.Failed, ok.Message, ok.Log)
	}
	out, err := e.Run(ctx, runner.RunSpec{Image: ok.ImageID, Limits: strict()})
	if err != nil || string(out.Output) != "built here\n" {
		t.Errorf("run the built image: got %q %v, want %q", out.Output, err, "built here\n")
	}
	e.RemoveBuilt(ok)
	if _, exists := e.Tagged(ctx, ok.ImageID); exists {
		t.Errorf("the built image %s is still there after RemoveBuilt", ok.ImageID)
	}
	log := string(ok.Log)
	for _, want := range []string{"built here", "script ran"} {
		if !strings.Contains(log, want) {
			t.Errorf("transcript lacks %q:\n%s", want, log)
		}
	}
	if bound {
		if !strings.Contains(log, "[3/3] RUN cat /ctx/msg.txt") || strings.Contains(log, "Step 3/3") {
			t.Errorf("want BuildKit's transcript:\n%s", log)
		}
	} else if !strings.Contains(log, "Step 3/") || !strings.Contains(log, " : RUN cat /ctx/msg.txt") {
		t.Errorf("want the classic builder's transcript:\n%s", log)
	}

	// 200 MB held by one shell under 48 MB.
	big, err := e.Build(ctx, spec("RUN x=$(head -c 200000000 /dev/zero | tr '\\000' a); echo got ${#x}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !big.Failed || strings.Contains(string(big.Log), "got 200000000") {
		t.Errorf("a build step held 200 MB under a 48 MB limit: failed=%v %q\n%s", big.Failed, big.Message, big.Log)
	}

	bad, err := e.Build(ctx, spec("RUN exit 3\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !bad.Failed || !strings.Contains(bad.Message, "3") {
		t.Errorf("failing build: got failed=%v message %q, want a failure naming code 3", bad.Failed, bad.Message)
	}
	if !bound {
		return
	}
	if !strings.Contains(bad.Message, "exit code: 3") {
		t.Errorf("failing build: message %q, want BuildKit's \"exit code: 3\"", bad.Message)
	}
	// Processes: all steps together, not each alone (the classic builder
	// has no process limit for builds).
	forks, err := e.Build(ctx, spec("RUN for i in $(seq 64); do sleep 2 & done; wait; echo all started\n"))
	if err != nil {
		t.Fatal(err)
	}
	if l := string(forks.Log); strings.Contains(l, "all started") && !strings.Contains(l, "can't fork") && !strings.Contains(l, "Resource temporarily unavailable") {
		t.Errorf("64 processes started under a limit of 32:\n%s", l)
	}
}

// TestOneOffBuildKitContextNames: file names come from pages; none is
// written outside the build's context folder.
func TestOneOffBuildKitContextNames(t *testing.T) {
	dir := t.TempDir()
	outside := dir + "/outside"
	if err := os.Mkdir(dir+"/ctx", 0o755); err != nil {
		t.Fatal(err)
	}
	err := runner.WriteContext(dir+"/ctx", []byte("FROM x\n"), map[string][]byte{"../outside": []byte("x"), "/abs/f": []byte("y"), "a/../../b": []byte("z")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(outside); err == nil {
		t.Errorf("a file name from the page wrote outside the context")
	}
	for _, p := range []string{"ctx/outside", "ctx/abs/f", "ctx/b", "ctx/Dockerfile"} {
		if _, err := os.Stat(dir + "/" + p); err != nil {
			t.Errorf("want %s inside the context: %v", p, err)
		}
	}
}
