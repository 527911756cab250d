package runner_test

import (
	"context"
	osexec "os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/shipshape/shipshape/internal/runner"
	"github.com/shipshape/shipshape/internal/testenv"
)

// examples is how many one-line examples each throughput iteration runs.
const examples = 16

func spec() runner.RunSpec {
	return runner.RunSpec{Image: busybox, Cmd: []string{"echo", "hi"}, Limits: strict()}
}

// BenchmarkRunSequentialCLI is the baseline a shell loop gives:
// `docker run --rm` once per example, one after another.
func BenchmarkRunSequentialCLI(b *testing.B) {
	e := testenv.Docker(b)
	testenv.Image(b, e, busybox)
	docker, err := osexec.LookPath("docker")
	if err != nil {
		b.Skip("no docker CLI")
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j := 0; j < examples; j++ {
			if out, err := osexec.Command(docker, "run", "--rm", "--network", "none", busybox, "echo", "hi").CombinedOutput(); err != nil {
				b.Fatalf("docker run: %v %s", err, out)
			}
		}
	}
	b.ReportMetric(float64(b.N*examples)/b.Elapsed().Seconds(), "examples/s")
}

// BenchmarkRunParallel is the runner with every limit, at 4 workers (2× the
// cores of the measuring machine).
func BenchmarkRunParallel(b *testing.B) {
	e := testenv.Docker(b)
	testenv.Image(b, e, busybox)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var wg sync.WaitGroup
		work := make(chan int)
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range work {
					if out, err := e.Run(ctx, spec()); err != nil || out.ExitCode != 0 {
						b.Errorf("run: %v %+v", err, out)
					}
				}
			}()
		}
		for j := 0; j < examples; j++ {
			work <- j
		}
		close(work)
		wg.Wait()
	}
	b.ReportMetric(float64(b.N*examples)/b.Elapsed().Seconds(), "examples/s")
}

// BenchmarkRunOne is one example through the runner: image check, create
// with limits, start, wait, logs, remove.
func BenchmarkRunOne(b *testing.B) {
	e := testenv.Docker(b)
	testenv.Image(b, e, busybox)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := e.Run(ctx, spec()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBareStart is the floor BenchmarkRunOne is compared with: a
// container created, started, waited for and removed with no limits, no
// logs and no image check (network disabled, as the runner's).
func BenchmarkBareStart(b *testing.B) {
	e := testenv.Docker(b)
	testenv.Image(b, e, busybox)
	c := e.Client()
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cr, err := c.ContainerCreate(ctx, client.ContainerCreateOptions{
			Config:     &container.Config{Image: busybox, Cmd: []string{"echo", "hi"}, NetworkDisabled: true, Labels: map[string]string{runner.Label: e.RunID}},
			HostConfig: &container.HostConfig{NetworkMode: "none"},
		})
		if err != nil {
			b.Fatal(err)
		}
		w := c.ContainerWait(ctx, cr.ID, client.ContainerWaitOptions{Condition: container.WaitConditionNextExit})
		if _, err := c.ContainerStart(ctx, cr.ID, client.ContainerStartOptions{}); err != nil {
			b.Fatal(err)
		}
		select {
		case <-w.Result:
		case err := <-w.Error:
			b.Fatal(err)
		}
		if _, err := c.ContainerRemove(ctx, cr.ID, client.ContainerRemoveOptions{Force: true}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSessionBuild times `docker build` of a small Dockerfile in a page
// session, through the proxy, with the classic builder and with BuildKit
// (stand-in tag included): warm (every step cached) and with --no-cache.
func BenchmarkSessionBuild(b *testing.B) {
	e := testenv.Docker(b)
	testenv.Image(b, e, cli)
	testenv.Image(b, e, busybox)
	ctx := context.Background()
	mapImage := func(ref string) string {
		if ref == "busybox:1.36" {
			return busybox
		}
		return ref
	}
	s, err := e.StartSession(ctx, runner.SessionSpec{Image: cli, Limits: strict(), MapImage: mapImage,
		Dockerfile: func(df string) string { return strings.ReplaceAll(df, "FROM busybox:1.36", "FROM "+busybox) }})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if err := s.WriteFiles(ctx, map[string][]byte{
		"Dockerfile": []byte("FROM busybox:1.36\nCOPY hello.txt /hello.txt\nRUN wc -c /hello.txt\nCMD [\"cat\", \"/hello.txt\"]\n"),
		"hello.txt":  []byte("hello\n"),
	}); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct{ name, cmd string }{
		{"classic/warm", "DOCKER_BUILDKIT=0 docker build -q -t bench-classic . >/dev/null"},
		{"buildkit/warm", "DOCKER_BUILDKIT=1 docker build -q -t bench-buildkit . >/dev/null"},
		{"classic/no-cache", "DOCKER_BUILDKIT=0 docker build -q --no-cache -t bench-classic . >/dev/null"},
		{"buildkit/no-cache", "DOCKER_BUILDKIT=1 docker build -q --no-cache -t bench-buildkit . >/dev/null"},
	} {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				out, err := s.Exec(ctx, c.cmd, 60*time.Second, 64<<10)
				if err != nil || out.ExitCode != 0 {
					b.Fatalf("%s: %v %d %s", c.cmd, err, out.ExitCode, out.Output)
				}
			}
		})
	}
}

// BenchmarkSession times what a page session costs around its blocks:
// starting and closing one (container, folder, relay, proxy), writing a
// file block into it, and a docker command through the relay and proxy.
func BenchmarkSession(b *testing.B) {
	e := testenv.Docker(b)
	testenv.Image(b, e, cli)
	ctx := context.Background()
	b.Run("start-close", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			s, err := e.StartSession(ctx, runner.SessionSpec{Image: cli, Limits: strict()})
			if err != nil {
				b.Fatal(err)
			}
			s.Close()
		}
	})
	s, err := e.StartSession(ctx, runner.SessionSpec{Image: cli, Limits: strict()})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.Run("write-file", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if err := s.WriteFiles(ctx, map[string][]byte{"app/config.yaml": []byte("a: 1\n")}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("docker-ps", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			out, err := s.Exec(ctx, "docker ps -q", 60*time.Second, 64<<10)
			if err != nil || out.ExitCode != 0 {
				b.Fatalf("docker ps: %v %d %s", err, out.ExitCode, out.Output)
			}
		}
	})
}

// BenchmarkOneOffBuild builds a small Dockerfile as a {build} block does:
// classic (no holder) and, where the engine holds BuildKit's steps,
// BuildKit under a holder; the holder's cost is the difference.
func BenchmarkOneOffBuild(b *testing.B) {
	e := testenv.Docker(b)
	testenv.Image(b, e, busybox)
	ctx := context.Background()
	df := []byte("FROM " + busybox + "\nCOPY msg.txt /msg.txt\nRUN cat /msg.txt\n")
	files := map[string][]byte{"msg.txt": []byte("hi\n")}
	for _, holder := range []string{"", busybox} {
		name := "classic"
		if holder != "" {
			if bound, why := e.BuildKitBounded(ctx, holder); !bound {
				b.Logf("BuildKit: %s", why)
				continue
			}
			name = "buildkit"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				out, err := e.Build(ctx, runner.BuildSpec{Dockerfile: df, Files: files, Holder: holder, Memory: 64 << 20, Pids: 64})
				if err != nil || out.Failed {
					b.Fatalf("%v %s", err, out.Message)
				}
				e.RemoveBuilt(out)
			}
		})
	}
}
