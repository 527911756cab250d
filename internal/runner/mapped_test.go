package runner_test

import (
	"context"
	"strings"
	"testing"

	"github.com/shipshape/shipshape/internal/config"
	"github.com/shipshape/shipshape/internal/runner"
	"github.com/shipshape/shipshape/internal/testenv"
)

// TestSessionMappedLookalike: a name is mapped only when it is the mapped
// image. [images] keys name a repository and a tag ("busybox:*"), and
// busybox:5000/x was read as busybox with the tag 5000/x, so it passed as
// mapped and its registry, the host busybox on port 5000, was never
// judged; where the page named it by a build argument no stand-in was
// made for it either, and the engine went to that registry.
func TestSessionMappedLookalike(t *testing.T) {
	e := testenv.Docker(t)
	testenv.Image(t, e, cli)
	testenv.Image(t, e, busybox)
	site := config.Config{Images: map[string]string{"busybox:*": busybox}}
	s, err := e.StartSession(context.Background(), runner.SessionSpec{Image: cli, Limits: strict(), MapImage: site.MapImage})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.WriteFiles(context.Background(), map[string][]byte{"Dockerfile": []byte("ARG BASE=busybox:1.36\nFROM $BASE\nRUN true\n")}); err != nil {
		t.Fatal(err)
	}
	out := exec(t, s, "docker build --progress=plain --build-arg BASE=busybox:5000/x . 2>&1")
	got := string(out.Output)
	if out.ExitCode == 0 || !strings.Contains(got, "not allowed for examples") || strings.Contains(got, "busybox:5000/v2") || strings.Contains(got, "lookup busybox") {
		t.Errorf("a build FROM busybox:5000/x: exit %d, want the proxy's refusal before the engine asks the registry:\n%s", out.ExitCode, got)
	}
}
