package runner_test

import (
	"context"
	"strings"
	"testing"

	"github.com/shipshape/shipshape/internal/proxy"
	"github.com/shipshape/shipshape/internal/runner"
	"github.com/shipshape/shipshape/internal/testenv"
)

// untaggedLeft lists the step images of a build log that still exist
// without a tag: what a failed build would leave on the engine for good.
func untaggedLeft(t *testing.T, e *runner.Engine, log []byte) []string {
	t.Helper()
	ids := proxy.LayerIDs(log)
	if len(ids) < 2 {
		t.Fatalf("build log names %d step images, want the base and at least one step:\n%s", len(ids), log)
	}
	var left []string
	for _, id := range ids {
		if tagged, exists := e.Tagged(context.Background(), id); exists && !tagged {
			left = append(left, id)
		}
	}
	return left
}

// TestFailedBuildLeavesNoLayers: the steps before a failing RUN made images;
// they are removed with the failed build, while the tagged base stays.
func TestFailedBuildLeavesNoLayers(t *testing.T) {
	e := testenv.Docker(t)
	testenv.Image(t, e, busybox)
	out, err := e.Build(context.Background(), runner.BuildSpec{
		Dockerfile: []byte("FROM " + busybox + "\nRUN echo one > /one\nRUN echo two > /two\nRUN exit 3\n"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if !out.Failed {
		t.Fatalf("build of a failing RUN succeeded:\n%s", out.Log)
	}
	if left := untaggedLeft(t, e, out.Log); len(left) > 0 {
		t.Errorf("failed build left untagged step images %v", left)
	}
	if _, err := e.ImageID(context.Background(), busybox); err != nil {
		t.Errorf("the base image went with the failed build: %v", err)
	}
}

// TestSessionFailedBuildLeavesNoLayers: the same for a reader's own
// `docker build` in a page session, cleaned up when the session closes.
func TestSessionFailedBuildLeavesNoLayers(t *testing.T) {
	e, s := session(t)
	ctx := context.Background()
	if err := s.WriteFiles(ctx, map[string][]byte{"Dockerfile": []byte("FROM busybox:1.36\nRUN echo one > /one\nRUN exit 3\n")}); err != nil {
		t.Fatal(err)
	}
	// The classic builder, which readers can still choose, leaves step images.
	out := exec(t, s, "DOCKER_BUILDKIT=0 docker build . || true")
	s.Close()
	if left := untaggedLeft(t, e, out.Output); len(left) > 0 {
		t.Errorf("failed session build left untagged step images %v:\n%s", left, out.Output)
	}
}

func TestLayerIDs(t *testing.T) {
	log := []byte("Step 1/3 : FROM busybox\n ---> 0123456789ab\nStep 2/3 : RUN x\n ---> Running in ffffffffffff\n ---> abcdefabcdef\n" +
		`{"stream":" ---\u003e 111111111111\n"}`)
	got := proxy.LayerIDs(log)
	want := []string{"0123456789ab", "abcdefabcdef", "111111111111"}
	if len(got) != len(want) {
		t.Fatalf("LayerIDs = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("LayerIDs = %v, want %v", got, want)
		}
	}
}

// TestMultiStageBuildLeavesNoLayers: the build stage of a multi-stage build
// is no ancestor of the final image, so removing that image would leave the
// stage's step images behind; they go with the build, and the final image
// still runs.
func TestMultiStageBuildLeavesNoLayers(t *testing.T) {
	e := testenv.Docker(t)
	testenv.Image(t, e, busybox)
	out, err := e.Build(context.Background(), runner.BuildSpec{
		Dockerfile: []byte("FROM " + busybox + " AS build\nRUN echo built > /artifact\nRUN echo more >> /artifact\n" +
			"FROM " + busybox + "\nCOPY --from=build /artifact /artifact\nCMD [\"cat\", \"/artifact\"]\n"),
	})
	if err != nil || out.Failed {
		t.Fatalf("build: %v %s\n%s", err, out.Message, out.Log)
	}
	run, err := e.Run(context.Background(), runner.RunSpec{Image: out.ImageID, Limits: strict()})
	if err != nil || !strings.Contains(string(run.Output), "built") {
		t.Fatalf("final image does not run: %v %q", err, run.Output)
	}
	e.RemoveBuilt(out)
	if left := untaggedLeft(t, e, out.Log); len(left) > 0 {
		t.Errorf("multi-stage build left untagged step images %v", left)
	}
}
