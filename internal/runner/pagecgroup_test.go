package runner_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/shipshape/shipshape/internal/runner"
	"github.com/shipshape/shipshape/internal/testenv"
)

// TestPageMemoryTogether: each container of a page is held to the memory
// limit alone, and where the engine can nest cgroups (cgroup v1, cgroupfs:
// both engines CI runs) the page's containers are held together too, to
// twice the limit: three containers each holding 50 MB under a limit of
// 64 MB fit alone, not together. The session's own shell is not counted
// in the page's share.
func TestPageMemoryTogether(t *testing.T) {
	e, s := session(t)
	defer s.Close()
	if !e.NestsPages(context.Background()) {
		t.Skip("this engine cannot nest a page's cgroups (cgroup v2 or systemd): each container is held alone")
	}
	hold := "head -c 50m /dev/zero | tail | sleep 30"
	alone := exec(t, s, "docker run -d --name pagemem-alone busybox:1.36 sh -c '"+hold+"' >/dev/null && sleep 4 && docker exec pagemem-alone pidof tail >/dev/null && echo alive")
	if !strings.Contains(string(alone.Output), "alive") {
		t.Fatalf("one container holding 50 MB under 64 MB: %s", alone.Output)
	}
	out, err := s.Exec(context.Background(), "docker rm -f pagemem-alone >/dev/null\n"+
		"for i in 1 2 3; do docker run -d --name pagemem-$i busybox:1.36 sh -c '"+hold+"' >/dev/null; done\n"+
		"sleep 6; n=0; for i in 1 2 3; do docker exec pagemem-$i pidof tail >/dev/null && n=$((n+1)); done; echo alive=$n", time.Minute, 1<<16)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out.Output), "alive=3") || !strings.Contains(string(out.Output), "alive=") {
		t.Errorf("three containers holding 50 MB each, a page's share of 128 MB: %s", out.Output)
	}
}

// TestEndedPageLeavesNoCgroup: a page ended while its containers run (here
// for its disk) leaves no cgroup behind. The holder's cgroup holds the
// page's; the engine cannot remove it while they are there, and once they
// are gone, nothing removes it any more.
func TestEndedPageLeavesNoCgroup(t *testing.T) {
	e := testenv.Docker(t)
	testenv.Image(t, e, cli)
	testenv.Image(t, e, busybox)
	s, err := e.StartSession(context.Background(), runner.SessionSpec{Image: cli, Limits: strict(), MapImage: mapBusybox, Disk: 48 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	start := time.Now()
	_, err = s.Exec(context.Background(), "docker run -d busybox:1.36 sleep 60 >/dev/null; docker run --rm busybox:1.36 sh -c 'dd if=/dev/zero of=/big bs=1M count=100 2>/dev/null; sleep 20'", time.Minute, 1<<16)
	if !errors.Is(err, runner.ErrDiskBudget) {
		t.Fatalf("the page was not ended: %v", err)
	}
	t.Logf("ended after %s", time.Since(start))
	if s.PageHolder() == "" {
		t.Skip("this engine cannot nest a page's cgroups")
	}
	dir := filepath.Join("/sys/fs/cgroup/memory/docker", s.PageHolder())
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("the engine's cgroups are not seen from here (%v)", err)
	}
	s.Close()
	// The holder may wait for the next page, but with nothing of this
	// page's under it; it goes with the engine.
	if subs, _ := filepath.Glob(filepath.Join(dir, "*", "memory.limit_in_bytes")); len(subs) > 0 {
		t.Errorf("the page's cgroups are left under its holder after the session closed: %v", subs)
	}
	e.Close()
	for i := 0; ; i++ {
		if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
			return
		}
		if i == 50 {
			t.Fatalf("%s is left after the session and the engine closed", dir)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestPageHolderKeptForNextPage: an ended page's holder waits for the next
// page of its kind (same image and limits), whose containers then run
// under it; a page that ran a classic build leaves none, since the engine
// may still be removing that build's steps under it.
func TestPageHolderKeptForNextPage(t *testing.T) {
	e := testenv.Docker(t)
	testenv.Image(t, e, cli)
	testenv.Image(t, e, busybox)
	if !e.NestsPages(context.Background()) {
		t.Skip("this engine cannot nest a page's cgroups (cgroup v2 or systemd): pages have no holder")
	}
	lim := strict()
	lim.Memory = 72 << 20 // a kind of holder no other test makes
	start := func() *runner.Session {
		s, err := e.StartSession(context.Background(), runner.SessionSpec{Image: cli, Limits: lim, MapImage: mapBusybox,
			Dockerfile: func(df string) string { return strings.ReplaceAll(df, "FROM busybox:1.36", "FROM "+busybox) }})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		return s
	}
	a := start()
	exec(t, a, "docker run --rm busybox:1.36 true")
	held := a.PageHolder()
	a.Close()
	b := start()
	out := exec(t, b, "docker run --rm busybox:1.36 grep memory /proc/self/cgroup")
	if b.PageHolder() != held || !strings.Contains(string(out.Output), "/docker/"+held+"/") {
		t.Fatalf("the next page: holder %.12s, its container in %s; want under the first page's holder %.12s", b.PageHolder(), out.Output, held)
	}
	if err := b.WriteFiles(context.Background(), map[string][]byte{"Dockerfile": []byte("FROM busybox:1.36\nRUN true\n")}); err != nil {
		t.Fatal(err)
	}
	exec(t, b, "DOCKER_BUILDKIT=0 docker build -q --no-cache . >/dev/null")
	b.Close()
	c := start()
	exec(t, c, "docker run --rm busybox:1.36 true")
	if c.PageHolder() == held {
		t.Errorf("the page after one that ran a classic build got its holder %.12s", held)
	}
}

// TestPageBuildStepsTogether: a classic build step counts in the page's
// share as its containers do: 50 MB fit a step alone under 64 MB, not
// beside two containers holding 50 MB each in a page's 128 MB. Which
// process the kernel kills for it, the step's or a container's, is its
// choice: either way the three did not all hold their 50 MB.
func TestPageBuildStepsTogether(t *testing.T) {
	e, s := session(t)
	defer s.Close()
	if !e.NestsPages(context.Background()) {
		t.Skip("this engine cannot nest a page's cgroups (cgroup v2 or systemd): each container is held alone")
	}
	if err := s.WriteFiles(context.Background(), map[string][]byte{"Dockerfile": []byte("FROM busybox:1.36\nRUN head -c 50m /dev/zero | tail >/dev/null && echo step-$((1+1))-done\n")}); err != nil {
		t.Fatal(err)
	}
	alone := exec(t, s, "DOCKER_BUILDKIT=0 docker build --no-cache . 2>&1")
	if !strings.Contains(string(alone.Output), "step-2-done") {
		t.Fatalf("a step holding 50 MB under 64 MB, alone: %s", alone.Output)
	}
	hold := "head -c 50m /dev/zero | tail | sleep 60"
	out := exec(t, s, "for i in 1 2; do docker run -d --name pagebuild-$i busybox:1.36 sh -c '"+hold+"' >/dev/null; done; sleep 4\n"+
		"DOCKER_BUILDKIT=0 docker build --no-cache . 2>&1\n"+
		"n=0; for i in 1 2; do docker exec pagebuild-$i pidof tail >/dev/null && n=$((n+1)); done; echo alive=$n")
	got := string(out.Output)
	if strings.Contains(got, "step-2-done") && strings.Contains(got, "alive=2") {
		t.Errorf("a step holding 50 MB beside two containers of 50 MB, in a page's 128 MB: all three held theirs: %s", got)
	}
	if !strings.Contains(got, "alive=") {
		t.Errorf("the page did not finish: %s", got)
	}
}

// TestAttackPageHolder: a page can read its holder's id (its containers'
// cgroup path names it), and the holder now outlives the page to hold the
// next one. Nothing the page asks of it by that id may pass: not reading
// it, not running in it or beside it, not changing its limits, not
// stopping it, through the CLI or as raw HTTP. The holder runs on
// afterwards with the limits it had.
func TestAttackPageHolder(t *testing.T) {
	e := testenv.Docker(t)
	testenv.Image(t, e, cli)
	testenv.Image(t, e, busybox)
	if !e.NestsPages(context.Background()) {
		t.Skip("this engine cannot nest a page's cgroups (cgroup v2 or systemd): pages have no holder")
	}
	s, err := e.StartSession(context.Background(), runner.SessionSpec{Image: cli, Limits: strict(), MapImage: mapBusybox})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	// The container's memory cgroup is …/<holder>/<container>.
	out := exec(t, s, "docker run --rm busybox:1.36 awk -F/ '/memory/ {print $(NF-1)}' /proc/self/cgroup")
	h := strings.TrimSpace(string(out.Output))
	if h == "" || h != s.PageHolder() {
		t.Fatalf("the page read holder %q from its container's cgroup; the session's is %.12s", h, s.PageHolder())
	}
	for _, cmd := range []string{
		"docker inspect " + h,
		"docker logs " + h,
		"docker top " + h,
		"docker exec " + h + " true",
		"docker update --memory 1g --memory-swap 1g " + h,
		"docker update --pids-limit 10000 " + h,
		"docker pause " + h,
		"docker kill " + h,
		"docker stop -t 0 " + h,
		"docker rename " + h + " mine",
		"docker rm -f " + h,
		"docker cp " + h + ":/etc/hostname -",
		"docker export -o /tmp/holder.tar " + h,
		"docker commit " + h,
		"docker run --rm --pid container:" + h + " busybox:1.36 true",
		"docker run --rm --network container:" + h + " busybox:1.36 true",
		"docker run --rm --ipc container:" + h + " busybox:1.36 true",
		"docker run --rm --volumes-from " + h + " busybox:1.36 true",
		"docker run --rm --cgroup-parent /docker/" + h + " busybox:1.36 true",
		"docker attach --no-stdin " + h,
		"docker wait " + h,
	} {
		out, err := s.Exec(context.Background(), cmd+" 2>&1", 30*time.Second, 1<<12)
		if err != nil {
			t.Fatalf("%s: %v", cmd, err)
		}
		if out.ExitCode == 0 || !strings.Contains(string(out.Output), "shipshape") {
			t.Errorf("the page's %q was not refused by the proxy: exit %d, %s", cmd, out.ExitCode, out.Output)
		}
	}
	// The same as raw HTTP, as a page's own program could send it, with
	// keys in odd case, the id's short form, and the fields a CLI would
	// not fill this way.
	for _, req := range []struct{ method, path, body string }{
		{"POST", "/containers/create", `{"Image":"busybox:1.36","hostconfig":{"cgroupparent":"/docker/` + h + `"}}`},
		{"POST", "/containers/create", `{"Image":"busybox:1.36","HostConfig":{"PidMode":"container:` + h[:12] + `"}}`},
		{"POST", "/containers/create", `{"Image":"busybox:1.36","HostConfig":{"CgroupnsMode":"container:` + h + `"}}`},
		{"POST", "/containers/create", `{"Image":"busybox:1.36","HostConfig":{"Cgroup":"container:` + h + `"}}`},
		{"POST", "/containers/" + h[:12] + "/update", `{"memory":1073741824,"MemorySwap":-1}`},
		{"POST", "/containers/" + h + "/exec", `{"Cmd":["true"]}`},
		{"POST", "/containers/" + h + "/kill?signal=KILL", ""},
		{"DELETE", "/containers/" + h + "?force=1", ""},
		{"GET", "/containers/" + h + "/json", ""},
	} {
		code, body := raw(t, s, req.method, req.path, req.body)
		if code < 400 || !strings.Contains(body, "shipshape") {
			t.Errorf("%s %s %s: %d %s, want the proxy's refusal", req.method, req.path, req.body, code, body)
		}
	}
	r, err := e.Client().ContainerInspect(context.Background(), s.PageHolder(), client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := r.Container
	if c.State == nil || !c.State.Running || c.State.Paused || c.HostConfig.Memory != strict().Memory*2 {
		t.Errorf("the holder after the attempts: running %v, paused %v, memory %d", c.State != nil && c.State.Running, c.State != nil && c.State.Paused, c.HostConfig.Memory)
	}
}

// TestDropKept: an engine that outlives its runs (the preview server's)
// drops what it keeps between them, the idle holders and the disk guard,
// and makes them again when the next run wants them.
func TestDropKept(t *testing.T) {
	e := testenv.Docker(t)
	testenv.Image(t, e, cli)
	testenv.Image(t, e, busybox)
	running := func() int {
		f := make(client.Filters).Add("label", runner.Label+"="+e.RunID)
		cs, err := e.Client().ContainerList(context.Background(), client.ContainerListOptions{Filters: f})
		if err != nil {
			t.Fatal(err)
		}
		return len(cs.Items)
	}
	use := func() {
		s, err := e.StartSession(context.Background(), runner.SessionSpec{Image: cli, Limits: strict(), MapImage: mapBusybox})
		if err != nil {
			t.Fatal(err)
		}
		exec(t, s, "docker run --rm busybox:1.36 true")
		s.Close()
		bo, err := e.Build(context.Background(), runner.BuildSpec{Dockerfile: []byte("FROM " + busybox + "\nRUN true\n"), Memory: 64 << 20, Pids: 64, Guard: cli})
		if err != nil || bo.Failed {
			t.Fatalf("a one-off build: %v %s", err, bo.Log)
		}
		e.RemoveBuilt(bo)
	}
	use()
	kept := running()
	if e.NestsPages(context.Background()) && kept != 2 || kept < 1 {
		t.Fatalf("after a page and a one-off build: %d containers kept, want the holder and the guard", kept)
	}
	e.DropKept()
	if n := running(); n != 0 {
		t.Fatalf("after DropKept: %d containers left", n)
	}
	use()
	if n := running(); n != kept {
		t.Errorf("after the next run: %d containers kept, want %d again", n, kept)
	}
}
