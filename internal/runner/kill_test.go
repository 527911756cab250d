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
	bin := shipshapeBin(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			ctx := context.Background()
			cmd, stderr := verifyCmd(t, bin, t.TempDir(), killPage)
			// Leftovers of another run (a stray one) are not this run's.
			before := map[string]bool{}
			if cs, err := e.Client().ContainerList(ctx, client.ContainerListOptions{All: true, Filters: make(client.Filters).Add("name", "leftover")}); err == nil {
				for _, c := range cs.Items {
					before[c.ID] = true
				}
			}
			exited := start(t, cmd)

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

// shipshapeBin builds the command for the test.
func shipshapeBin(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "shipshape")
	if out, err := osexec.Command("go", "build", "-o", bin, "../../cmd/shipshape").CombinedOutput(); err != nil {
		t.Fatalf("build shipshape: %v\n%s", err, out)
	}
	return bin
}

// verifyCmd prepares `shipshape verify` of a one-page site in dir, whose
// busybox images map to the local one; its output goes to the builder.
func verifyCmd(t *testing.T, bin, dir, page string) (*osexec.Cmd, *strings.Builder) {
	t.Helper()
	must(t, os.MkdirAll(filepath.Join(dir, "content"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "shipshape.toml"), []byte("title = \"t\"\n[images]\n\"busybox:*\" = \""+busybox+"\"\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "content", "index.md"), []byte(page), 0o644))
	cmd := osexec.Command(bin, "verify", "--source", "content")
	cmd.Dir = dir
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	return cmd, &out
}

// start starts cmd, killed when the test ends; the channel gets its end.
func start(t *testing.T, cmd *osexec.Cmd) <-chan error {
	t.Helper()
	must(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	return exited
}

// TestKilledBuildLeavesNoSteps kills a `shipshape verify` in the middle of
// a one-off classic build, after a step has committed an image: that image
// carries no label (a classic build's steps have none), so only the run's
// journal of step images names it, and the next run's sweep removes it.
// Where one-off builds use BuildKit (a current engine), there are no step
// images to leave.
func TestKilledBuildLeavesNoSteps(t *testing.T) {
	e := testenv.Docker(t)
	testenv.Image(t, e, busybox)
	ctx := context.Background()
	if bounded, _ := e.BuildKitBounded(ctx, busybox); bounded {
		t.Skip("one-off builds use the engine's BuildKit here: they commit no step images")
	}
	bin := shipshapeBin(t)
	dir := t.TempDir()
	mark := "KILLED_BUILD=" + filepath.Base(dir)
	page := "# Killed\n\n```dockerfile {build}\nFROM busybox:1.36\nENV " + mark + "\nRUN sleep 600\n```\n"
	cmd, stderr := verifyCmd(t, bin, dir, page)
	exited := start(t, cmd)
	// Killed once the step's image exists and the run has learnt its id
	// (what the engine commits before the id reaches the run stays).
	journaled := func() bool {
		ids := markedImages(t, e, mark)
		if len(ids) == 0 {
			return false
		}
		files, _ := filepath.Glob(filepath.Join(runner.LockDir(), "steps", "*"))
		for _, f := range files {
			if b, err := os.ReadFile(f); err == nil && strings.Contains(string(b), strings.TrimPrefix(ids[0], "sha256:")[:12]) {
				return true
			}
		}
		return false
	}
	for deadline := time.Now().Add(2 * time.Minute); !journaled(); {
		select {
		case err := <-exited:
			t.Fatalf("verify ended before the build's step committed: %v\n%s", err, stderr.String())
		case <-time.After(300 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no journaled image of the build's ENV step after 2 minutes:\n%s", stderr.String())
		}
	}
	must(t, cmd.Process.Signal(syscall.SIGKILL))
	<-exited
	left := markedImages(t, e, mark)
	if len(left) == 0 {
		t.Fatal("the killed build left no step image: nothing to sweep, the test proves nothing")
	}
	// A dead run's journal of another engine names the same image: a
	// sweep here leaves it for that engine's sweeps.
	other := filepath.Join(runner.LockDir(), "steps", "0123456789ab.000000000000")
	must(t, os.MkdirAll(filepath.Dir(other), 0o777))
	must(t, os.WriteFile(other, []byte(strings.TrimPrefix(left[0], "sha256:")+"\n"), 0o644))
	t.Cleanup(func() { os.Remove(other) })
	// The engine cancels the build and removes its RUN step's container
	// soon after the client is gone; the step's image goes once it is.
	for deadline := time.Now().Add(30 * time.Second); ; {
		if _, err := e.Sweep(ctx, ""); err != nil {
			t.Fatal(err)
		}
		if left = markedImages(t, e, mark); len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after a SIGKILL and sweeps for 30s: step images %v are still there", left)
		}
		time.Sleep(time.Second)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("another engine's journal went in this engine's sweep: %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
