package runner_test

import (
	"context"
	"net"
	"strings"
	"sync/atomic"
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

// TestSessionMappedByArgument: a BuildKit build resolves its names in the
// engine, so the runner makes each mapped name it reads a stand-in tag of
// the local image first. Those were made for the names the Dockerfile
// spells out, while the proxy passed as mapped every name under the
// page's build arguments and in its base's ONBUILD triggers too: a mapped
// name of a registry on the host's network (a site's map of the registry
// its docs run, here 127.0.0.1, where the test listens) so reached the
// engine as it was, and the engine went to that registry.
func TestSessionMappedByArgument(t *testing.T) {
	e := testenv.Docker(t)
	testenv.Image(t, e, cli)
	testenv.Image(t, e, busybox)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var dials atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			dials.Add(1)
			c.Close()
		}
	}()
	registry := ln.Addr().String()
	site := config.Config{Images: map[string]string{"busybox:*": busybox, registry + "/app:*": busybox}}
	s, err := e.StartSession(context.Background(), runner.SessionSpec{Image: cli, Limits: strict(), MapImage: site.MapImage})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// Each case its own name: a stand-in one makes would serve the next.
	app := func(tag string) string { return registry + "/app:" + tag }
	trigger := func(tag string) string {
		return "FROM " + onbuildImage(t, e, "onbuild-mapped-"+tag+"-"+s.ID(), "COPY --from="+app(tag)+" /etc/passwd /t") + "\nRUN echo built\n"
	}
	byArg := "ARG BASE=busybox:1.36\nFROM $BASE\nRUN echo built\n"
	for _, c := range []struct {
		name, df, args string
		classic        bool
		built          bool // Docker 20.10's BuildKit reads no COPY --from in a trigger
	}{
		{"a build argument", byArg, "--build-arg BASE=" + app("1"), false, true},
		{"an ONBUILD trigger of the base", trigger("2"), "", false, false},
		{"a build argument, classic builder", byArg, "--build-arg BASE=" + app("3"), true, true},
		{"an ONBUILD trigger of the base, classic builder", trigger("4"), "", true, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			dials.Store(0)
			if err := s.WriteFiles(context.Background(), map[string][]byte{"Dockerfile": []byte(c.df)}); err != nil {
				t.Fatal(err)
			}
			cmd := "docker build --progress=plain "
			if c.classic {
				cmd = "DOCKER_BUILDKIT=0 docker build "
			}
			out := exec(t, s, cmd+c.args+" . 2>&1")
			got := string(out.Output)
			if n := dials.Load(); n > 0 || strings.Contains(got, registry+"/v2") {
				t.Errorf("the engine went to the registry %s (%d dials here):\n%s", registry, n, got)
			}
			if c.built && (out.ExitCode != 0 || !strings.Contains(got, "built")) {
				t.Errorf("exit %d, want it built from the local image mapped for %s/app:*:\n%s", out.ExitCode, registry, got)
			}
		})
	}
}
