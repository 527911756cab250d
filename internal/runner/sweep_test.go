package runner_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/shipshape/shipshape/internal/runner"
	"github.com/shipshape/shipshape/internal/testenv"
)

// TestSweepLabelIsNotAPath plants containers whose run label points outside
// the runs folder, as a page could through the engine, and checks that the
// next sweep removes the containers without opening, locking or deleting
// the files their labels name.
func TestSweepLabelIsNotAPath(t *testing.T) {
	e := testenv.Docker(t)
	testenv.Image(t, e, busybox)
	ctx := context.Background()
	dir := t.TempDir()
	marker := filepath.Join(dir, "marker")
	if err := os.WriteFile(marker, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(runner.LockDir(), 0o777); err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(runner.LockDir(), marker)
	if err != nil {
		t.Fatal(err)
	}
	for _, label := range []string{rel, marker, "../" + filepath.Base(dir)} {
		cr, err := e.Client().ContainerCreate(ctx, client.ContainerCreateOptions{
			Config:     &container.Config{Image: busybox, Cmd: []string{"true"}, Labels: map[string]string{runner.Label: label}},
			HostConfig: &container.HostConfig{NetworkMode: "none"},
		})
		if err != nil {
			t.Fatalf("create container labelled %q: %v", label, err)
		}
		t.Cleanup(func() {
			_, _ = e.Client().ContainerRemove(context.Background(), cr.ID, client.ContainerRemoveOptions{Force: true})
		})
	}
	if _, err := e.Sweep(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(marker); err != nil || string(b) != "keep me" {
		t.Errorf("marker named by label %q after the sweep: got %q, %v; want it untouched", rel, b, err)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Errorf("folder named by a label: %v, want it untouched", err)
	}
	for _, label := range []string{rel, marker} {
		f := make(client.Filters).Add("label", runner.Label+"="+label)
		cs, err := e.Client().ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
		if err != nil {
			t.Fatal(err)
		}
		if len(cs.Items) != 0 {
			t.Errorf("container labelled %q: still there after the sweep, want it removed", label)
		}
	}
}

// TestSweepSparesOtherMachines: on an engine several machines share, a
// sweep removes the objects of dead runs of this machine only; whether
// another machine's run is alive is known only there.
func TestSweepSparesOtherMachines(t *testing.T) {
	e := testenv.Docker(t)
	testenv.Image(t, e, busybox)
	ctx := context.Background()
	host, _ := os.Hostname()
	dead := "0123456789ab" // a run id no lock file holds
	ids := map[string]string{}
	for name, h := range map[string]string{"other": "another-machine-" + host, "this": host, "none": ""} {
		labels := map[string]string{runner.Label: dead}
		if h != "" {
			labels[runner.HostLabel] = h
		}
		cr, err := e.Client().ContainerCreate(ctx, client.ContainerCreateOptions{
			Config:     &container.Config{Image: busybox, Cmd: []string{"true"}, Labels: labels},
			HostConfig: &container.HostConfig{NetworkMode: "none"},
		})
		if err != nil {
			t.Fatal(err)
		}
		ids[name] = cr.ID
		t.Cleanup(func() {
			_, _ = e.Client().ContainerRemove(context.Background(), cr.ID, client.ContainerRemoveOptions{Force: true})
		})
	}
	if _, err := e.Sweep(ctx, ""); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{"other": true, "this": false, "none": false} {
		_, err := e.Client().ContainerInspect(ctx, ids[name], client.ContainerInspectOptions{})
		if got := err == nil; got != want {
			t.Errorf("container of a dead run labelled host=%s: kept %v, want %v", name, got, want)
		}
	}
}
