package runner_test

import (
	"context"
	"errors"
	"path"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/shipshape/shipshape/internal/runner"
	"github.com/shipshape/shipshape/internal/testenv"
)

func TestRunNetworkModes(t *testing.T) {
	e := testenv.Docker(t)
	testenv.Image(t, e, busybox)
	for _, n := range []string{"host", "container:web", "shipshape-other", "default"} {
		lim := strict()
		lim.Network = n
		_, err := e.Run(context.Background(), runner.RunSpec{Image: busybox, Cmd: []string{"true"}, Limits: lim})
		if !errors.Is(err, runner.ErrNetwork) {
			t.Errorf("network %q: got %v, want ErrNetwork", n, err)
		}
	}
}

// TestRunDiskBounded checks that a block cannot write more than its disk
// bound: the tmpfs folders are sized, files keep a read-only root, and a
// writable root is sized by the storage driver or watched and killed.
func TestRunDiskBounded(t *testing.T) {
	e := testenv.Docker(t)
	testenv.Image(t, e, busybox)
	ctx := context.Background()
	lim := strict()
	lim.Disk = 8 << 20
	lim.Memory = 256 << 20
	for _, dir := range []string{"/tmp", "/work"} {
		out := run(t, e, "dd if=/dev/zero of="+dir+"/fill bs=1M count=32 2>&1; ls -l "+dir+"/fill", lim)
		if !strings.Contains(string(out.Output), "No space left") {
			t.Errorf("writing 32 MB into %s with an 8 MB bound: got %q, want No space left", dir, out.Output)
		}
	}
	out, err := e.Run(ctx, runner.RunSpec{Image: busybox, Cmd: []string{"sh", "-c", "cat app/hello.txt; touch /x 2>&1; true"}, WorkDir: "/work",
		Files: map[string][]byte{"app/hello.txt": []byte("it's here\n")}, Limits: lim})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(out.Output); !strings.HasPrefix(got, "it's here\n") || !strings.Contains(got, "Read-only file system") {
		t.Errorf("files with a read-only root: got %q, want the file and a read-only root", got)
	}
	w := lim
	w.ReadOnly = false
	out, err = e.Run(ctx, runner.RunSpec{Image: busybox, Cmd: []string{"sh", "-c", "dd if=/dev/zero of=/fill bs=1M count=400 2>&1; sleep 30"}, Limits: w})
	if err != nil {
		t.Fatal(err)
	}
	if out.ExitCode == 0 || (!out.DiskFull && !strings.Contains(string(out.Output), "No space left")) {
		t.Errorf("writable root: got exit %d, disk full %v, output %q; want writing 400 MB with an 8 MB bound stopped", out.ExitCode, out.DiskFull, out.Output)
	}
}

// TestRunLogsCapped prints 500 MB and checks that the container's log on
// the engine's disk stays within the cap while it lives. The files are
// measured on the engine's host, through a bind of their folder.
func TestRunLogsCapped(t *testing.T) {
	e := testenv.Docker(t)
	testenv.Image(t, e, busybox)
	lim := strict()
	lim.Timeout = 5 * time.Minute
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := e.Run(ctx, runner.RunSpec{Image: busybox, Cmd: []string{"sh", "-c", "head -c 500000000 /dev/zero | tr '\\0' a; echo; echo PRINTED-ALL; sleep 600"}, Limits: lim})
		done <- err
	}()
	defer func() { cancel(); <-done }()
	f := make(client.Filters).Add("label", runner.Label+"="+e.RunID)
	var logPath string
	for logPath == "" {
		cs, err := e.Client().ContainerList(ctx, client.ContainerListOptions{Filters: f})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs.Items {
			if in, err := e.Client().ContainerInspect(ctx, c.ID, client.ContainerInspectOptions{}); err == nil && in.Container.LogPath != "" {
				logPath = in.Container.LogPath
				for !printed(ctx, e, c.ID) {
					time.Sleep(500 * time.Millisecond)
				}
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	dir, file := path.Split(logPath)
	out := engineHostOutput(t, e, []string{dir + ":/logs:ro"}, "cd /logs && stat -c %s "+file+"*")
	var total int64
	for _, line := range strings.Fields(out) {
		n, err := strconv.ParseInt(line, 10, 64)
		if err != nil {
			t.Fatalf("sizes of %s*: got %q", logPath, out)
		}
		total += n
	}
	t.Logf("500 MB printed, %d bytes of log on disk", total)
	if total == 0 || total > 32<<20 {
		t.Errorf("log on disk after printing 500 MB: got %d bytes, want more than 0 and at most 32 MB", total)
	}
}

// printed reports whether the container's log ends with the marker.
func printed(ctx context.Context, e *runner.Engine, id string) bool {
	rc, err := e.Client().ContainerLogs(ctx, id, client.ContainerLogsOptions{ShowStdout: true, Tail: "1"})
	if err != nil {
		return false
	}
	defer rc.Close()
	b := make([]byte, 4096)
	n, _ := rc.Read(b)
	return strings.Contains(string(b[:n]), "PRINTED-ALL")
}
