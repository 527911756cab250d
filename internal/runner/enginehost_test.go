package runner_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/shipshape/shipshape/internal/runner"
)

// The engine's host is the machine whose network and disk the engine's
// containers share, which need not be the one the tests run on: a second
// engine in a container of the first, or one behind DOCKER_HOST=tcp://.
// These helpers reach it through the engine itself, with a busybox in the
// host's network namespace, so the tests judge that machine.

// onEngineHost starts busybox on the engine's host network with the given
// binds and returns the container's ID; it is removed when the test ends.
func onEngineHost(t *testing.T, e *runner.Engine, binds []string, script string) string {
	t.Helper()
	return onEngineHostRun(t, e, busybox, binds, []string{"sh", "-c", script})
}

// onEngineHostRun is onEngineHost with another image and command.
func onEngineHostRun(t *testing.T, e *runner.Engine, image string, binds, cmd []string) string {
	t.Helper()
	ctx := context.Background()
	c := e.Client()
	cr, err := c.ContainerCreate(ctx, client.ContainerCreateOptions{
		Config:     &container.Config{Image: image, Cmd: cmd, Labels: map[string]string{runner.Label: e.RunID}},
		HostConfig: &container.HostConfig{NetworkMode: "host", Binds: binds},
	})
	if err != nil {
		t.Fatalf("create a container on the engine's host: %v", err)
	}
	t.Cleanup(func() {
		_, _ = c.ContainerRemove(context.Background(), cr.ID, client.ContainerRemoveOptions{Force: true})
	})
	if _, err := c.ContainerStart(ctx, cr.ID, client.ContainerStartOptions{}); err != nil {
		t.Fatalf("start a container on the engine's host: %v", err)
	}
	return cr.ID
}

// engineHostOutput runs script on the engine's host (see onEngineHost) to
// its end and returns what it printed.
func engineHostOutput(t *testing.T, e *runner.Engine, binds []string, script string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := e.Client()
	id := onEngineHost(t, e, binds, script)
	w := c.ContainerWait(ctx, id, client.ContainerWaitOptions{Condition: container.WaitConditionNotRunning})
	select {
	case <-w.Result:
	case err := <-w.Error:
		t.Fatalf("wait for %q on the engine's host: %v", script, err)
	}
	return logsOf(t, e, id)
}

func logsOf(t *testing.T, e *runner.Engine, id string) string {
	t.Helper()
	rc, err := e.Client().ContainerLogs(context.Background(), id, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var out bytes.Buffer
	_, _ = stdcopy.StdCopy(&out, &out, rc)
	return out.String()
}

// engineHostListener greets whoever connects to a port on every address of
// the engine's host, and returns the port and those addresses beyond
// loopback (the host's interfaces and the engine's bridges).
func engineHostListener(t *testing.T, e *runner.Engine) (int, []string) {
	t.Helper()
	var addrs []string
	for _, line := range strings.Split(engineHostOutput(t, e, nil, "ip -4 -o addr show"), "\n") {
		// "2: eth0    inet 172.17.0.2/16 brd ..."
		f := strings.Fields(line)
		if len(f) < 4 || f[2] != "inet" {
			continue
		}
		if a, _, _ := strings.Cut(f[3], "/"); !strings.HasPrefix(a, "127.") {
			addrs = append(addrs, a)
		}
	}
	if len(addrs) == 0 {
		t.Skip("the engine's host has no address beyond loopback")
	}
	for try := 0; try < 5; try++ {
		port := 20000 + rand.IntN(30000)
		id := onEngineHost(t, e, nil, fmt.Sprintf("exec nc -ll -p %d -e echo reached-the-host", port))
		// The listener answers on the host itself, or its port was taken.
		out := engineHostOutput(t, e, nil, fmt.Sprintf("sleep 0.2; nc -w 3 127.0.0.1 %d </dev/null", port))
		if strings.Contains(out, "reached-the-host") {
			return port, addrs
		}
		t.Logf("listener on the engine's host, port %d: got %q; logs %q", port, out, logsOf(t, e, id))
	}
	t.Fatal("no listener on the engine's host answered")
	return 0, nil
}
