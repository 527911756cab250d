package runner_test

import (
	"context"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/shipshape/shipshape/internal/runner"
	"github.com/shipshape/shipshape/internal/testenv"
)

const killPage = "# Interrupted\n\n```sh {run timeout=600s}\n" +
	"docker network create leftover-net >/dev/null\n" +
	"docker volume create leftover-vol >/dev/null\n" +
	"docker run -d --name leftover -v /anon -v leftover-vol:/named --network leftover-net busybox:1.36 sleep 600 >/dev/null\n" +
	"sleep 600\n```\n"

// TestInterruptedVerifyLeavesNothing stops a `shipshape verify` in the
// middle of a session block, with SIGINT and with SIGKILL, and checks that
// after the next run's sweep nothing of it remains: containers, networks,
// volumes (the anonymous one included) and the session folder.
func TestInterruptedVerifyLeavesNothing(t *testing.T) {
	e := testenv.Docker(t)
	testenv.Image(t, e, cli)
	testenv.Image(t, e, busybox)
	bin := filepath.Join(t.TempDir(), "shipshape")
	if out, err := osexec.Command("go", "build", "-o", bin, "../../cmd/shipshape").CombinedOutput(); err != nil {
		t.Fatalf("build shipshape: %v\n%s", err, out)
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			must(t, os.MkdirAll(filepath.Join(dir, "content"), 0o755))
			must(t, os.WriteFile(filepath.Join(dir, "shipshape.toml"), []byte("title = \"t\"\n[images]\n\"busybox:*\" = \""+busybox+"\"\n"), 0o644))
			must(t, os.WriteFile(filepath.Join(dir, "content", "index.md"), []byte(killPage), 0o644))
			cmd := osexec.Command(bin, "verify", "--source", "content")
			cmd.Dir = dir
			var stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stderr, &stderr
			// Leftovers of another run (a stray one) are not this run's.
			before := map[string]bool{}
			if cs, err := e.Client().ContainerList(ctx, client.ContainerListOptions{All: true, Filters: make(client.Filters).Add("name", "leftover")}); err == nil {
				for _, c := range cs.Items {
					before[c.ID] = true
				}
			}
			must(t, cmd.Start())
			t.Cleanup(func() { _ = cmd.Process.Kill() })
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()

			// Wait for the page's container to run, then learn what it holds.
			f := make(client.Filters).Add("name", "leftover").Add("label", runner.Label)
			var runID, anon string
			for runID == "" {
				select {
				case err := <-exited:
					t.Fatalf("verify ended before the page ran: %v\n%s", err, stderr.String())
				case <-time.After(300 * time.Millisecond):
				}
				cs, err := e.Client().ContainerList(ctx, client.ContainerListOptions{Filters: f})
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range cs.Items {
					if before[c.ID] {
						continue
					}
					for _, m := range c.Mounts {
						if m.Destination == "/anon" {
							anon = m.Name
						}
					}
					runID = c.Labels[runner.Label]
				}
			}
			if anon == "" {
				t.Fatal("the page's container has no anonymous volume")
			}
			// The session's folder is the volume its container mounts as
			// the work dir.
			var folder string
			rf := make(client.Filters).Add("label", runner.Label+"="+runID)
			cs, err := e.Client().ContainerList(ctx, client.ContainerListOptions{Filters: rf})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range cs.Items {
				for _, m := range c.Mounts {
					if (m.Destination == "/work" || strings.HasPrefix(m.Destination, "/work/")) && m.Type == "volume" {
						folder = m.Name
					}
				}
			}
			if folder == "" {
				t.Fatal("found no session container with a work dir")
			}
			must(t, cmd.Process.Signal(sig))
			<-exited
			if _, err := e.Sweep(ctx, ""); err != nil {
				t.Fatal(err)
			}
			if n, err := e.Count(ctx, runID); err != nil || n != 0 {
				t.Errorf("after %s and a sweep: %d objects labelled with run %s (%v), want 0", sig, n, runID, err)
			}
			if _, err := e.Client().VolumeInspect(ctx, anon, client.VolumeInspectOptions{}); err == nil {
				t.Errorf("after %s and a sweep: anonymous volume %s is still there", sig, anon)
				_, _ = e.Client().VolumeRemove(ctx, anon, client.VolumeRemoveOptions{Force: true})
			}
			for _, name := range []string{"leftover-net"} {
				if _, err := e.Client().NetworkInspect(ctx, name, client.NetworkInspectOptions{}); err == nil {
					t.Errorf("after %s and a sweep: network %s is still there", sig, name)
				}
			}
			if _, err := e.Client().VolumeInspect(ctx, "leftover-vol", client.VolumeInspectOptions{}); err == nil {
				t.Errorf("after %s and a sweep: volume leftover-vol is still there", sig)
			}
			if _, err := e.Client().VolumeInspect(ctx, folder, client.VolumeInspectOptions{}); err == nil {
				t.Errorf("after %s and a sweep: the session's folder %s is still there", sig, folder)
				_, _ = e.Client().VolumeRemove(ctx, folder, client.VolumeRemoveOptions{Force: true})
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
