package runner_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/shipshape/shipshape/internal/runner"
	"github.com/shipshape/shipshape/internal/testenv"
)

// diskSession is a session whose page may write budget bytes in all.
func diskSession(t *testing.T, budget int64) *runner.Session {
	t.Helper()
	e := testenv.Docker(t)
	testenv.Image(t, e, cli)
	testenv.Image(t, e, busybox)
	s, err := e.StartSession(context.Background(), runner.SessionSpec{Image: cli, Limits: strict(), MapImage: mapBusybox, Disk: budget})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// TestPageDiskBudget: a page that writes past its budget, wherever it
// writes (a container's layer, a volume, its own folder), is ended at
// once, its containers with it, and says why; one within it runs.
func TestPageDiskBudget(t *testing.T) {
	const budget = 48 << 20
	for _, tc := range []struct {
		name, script string
		over         bool
	}{
		{"a container's layer", "docker run --rm busybox:1.36 sh -c 'dd if=/dev/zero of=/big bs=1M count=100 2>/dev/null; sleep 20'", true},
		{"a volume", "docker run --rm -v pagedisk-data:/v busybox:1.36 sh -c 'dd if=/dev/zero of=/v/big bs=1M count=100 2>/dev/null; sleep 20'", true},
		{"an anonymous volume", "docker run -d --mount type=volume,target=/v busybox:1.36 sh -c 'dd if=/dev/zero of=/v/big bs=1M count=100 2>/dev/null; sleep 20' >/dev/null; sleep 20", true},
		{"the page's folder", "dd if=/dev/zero of=big bs=1M count=100 2>/dev/null; sleep 20", true},
		{"a page that killed its relay", "docker run -d busybox:1.36 sh -c 'sleep 2; dd if=/dev/zero of=/big bs=1M count=100 2>/dev/null; sleep 20' >/dev/null; for p in /proc/[0-9]*; do grep -qa 'shipshape-rela[y]' $p/cmdline 2>/dev/null && kill -9 ${p#/proc/}; done; sleep 20", true},
		// Stopped, not killed: its stream stays open and never answers.
		{"a page that stopped its relay", "docker run -d busybox:1.36 sh -c 'sleep 2; dd if=/dev/zero of=/big bs=1M count=100 2>/dev/null; sleep 20' >/dev/null; for p in /proc/[0-9]*; do grep -qa 'shipshape-rela[y]' $p/cmdline 2>/dev/null && kill -STOP ${p#/proc/}; done; sleep 20", true},
		{"within the budget", "docker run --rm -v pagedisk-data:/v busybox:1.36 sh -c 'dd if=/dev/zero of=/v/big bs=1M count=16 2>/dev/null && sync && sleep 2' && echo done", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := diskSession(t, budget)
			start := time.Now()
			out, err := s.Exec(context.Background(), tc.script, 60*time.Second, 1<<16)
			if !tc.over {
				if err != nil || out.ExitCode != 0 || !strings.Contains(string(out.Output), "done") {
					t.Fatalf("a page within its budget: %v, exit %d, %s", err, out.ExitCode, out.Output)
				}
				return
			}
			if !errors.Is(err, runner.ErrDiskBudget) {
				t.Fatalf("a page writing 100 MB with a budget of 48 MB: err %v, exit %d after %s, %s", err, out.ExitCode, time.Since(start), out.Output)
			}
			// The budget's error comes only from a page ended while its
			// block ran: one that ran to its end would have answered nil.
			if _, err := s.Exec(context.Background(), "true", 10*time.Second, 1<<10); !errors.Is(err, runner.ErrDiskBudget) {
				t.Errorf("a later block of the ended page: %v, want the budget's error", err)
			}
		})
	}
}

// TestPageDiskRelayGonePaced: a page that kills its relay is measured
// through the engine instead, which walks its objects (on Docker 20.10 a
// walk of everything the engine holds). At every poll that kept the
// engine walking nearly all the time, slowing every other page's
// watchdog and its docker system df; the walks now rest three times as
// long as each took, so they take at most about a quarter of the time.
func TestPageDiskRelayGonePaced(t *testing.T) {
	s := diskSession(t, 48<<20)
	before := s.Measuring()
	start := time.Now()
	out, err := s.Exec(context.Background(), "for p in /proc/[0-9]*; do grep -qa 'shipshape-rela[y]' $p/cmdline 2>/dev/null && kill -9 ${p#/proc/}; done; sleep 10; echo done", 30*time.Second, 1<<12)
	if err != nil || !strings.Contains(string(out.Output), "done") {
		t.Fatalf("a page that killed its relay and wrote nothing: %v %s", err, out.Output)
	}
	busy, elapsed := s.Measuring()-before, time.Since(start)
	t.Logf("the engine measured the page for %s of %s", busy.Round(time.Millisecond), elapsed.Round(time.Millisecond))
	if busy == 0 {
		t.Fatal("the page was never measured without its relay")
	}
	if busy*10 > elapsed*4 {
		t.Errorf("the engine measured a page without its relay for %s of %s, want at most 40%%", busy, elapsed)
	}
}

// TestPageDiskBudgetNotAnothers: the engine's file system fills beside a
// page (another page writing 100 MB) while the page itself writes little;
// the page is not ended for what it did not write.
func TestPageDiskBudgetNotAnothers(t *testing.T) {
	quiet := diskSession(t, 48<<20)
	busy := diskSession(t, 1<<30)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		out, err := busy.Exec(context.Background(), "sleep 1; dd if=/dev/zero of=big bs=1M count=100 2>/dev/null && sync && sleep 3 && echo wrote", 60*time.Second, 1<<16)
		if err != nil || !strings.Contains(string(out.Output), "wrote") {
			t.Errorf("the other page: %v %s", err, out.Output)
		}
	}()
	out, err := quiet.Exec(context.Background(), "dd if=/dev/zero of=small bs=1M count=8 2>/dev/null && sleep 6 && echo done", 60*time.Second, 1<<16)
	wg.Wait()
	if err != nil || !strings.Contains(string(out.Output), "done") {
		t.Errorf("a page writing 8 MB beside another writing 100 MB: %v, exit %d, %s", err, out.ExitCode, out.Output)
	}
}

// engineFreeKB is what is free on the engine's disk, as a page's folder (a
// volume of the engine) sees it; the test is skipped with under 2 GB.
func engineFreeKB(t *testing.T, e *runner.Engine) int64 {
	t.Helper()
	testenv.Image(t, e, cli)
	testenv.Image(t, e, busybox)
	probe := diskSession(t, 0)
	out, err := probe.Exec(context.Background(), "df -Pk . | awk 'NR==2{print $4}'", 30*time.Second, 1<<10)
	if err != nil || out.ExitCode != 0 {
		t.Fatalf("df in the page's folder: %v %s", err, out.Output)
	}
	var freeKB int64
	if _, err := fmt.Sscan(string(out.Output), &freeKB); err != nil || freeKB < 2<<20 {
		t.Skipf("the engine's disk has %d KB free (%v): too little to try", freeKB, err)
	}
	return freeKB
}

// TestDiskFloorStopsBuilds: what a page's build writes is in no page's
// budget, so a floor of free space on the engine's disk holds it. A build
// writing 300 MB under a floor 150 MB below what was free is stopped, with
// ErrDiskLow (not the budget's failure); one writing 8 MB under a floor
// 1 GB below runs to its end.
func TestDiskFloorStopsBuilds(t *testing.T) {
	e := testenv.Docker(t)
	freeKB := engineFreeKB(t, e)
	build := func(mb int) string {
		return fmt.Sprintf("printf 'FROM busybox:1.36\\nRUN dd if=/dev/zero of=/big bs=1M count=%d 2>/dev/null && sync && sleep 8\\n' > Dockerfile && docker build -q --no-cache . >/dev/null && echo built", mb)
	}
	for _, tc := range []struct {
		name   string
		margin int64 // the floor, under what was free
		mb     int
		low    bool
	}{
		{"a build writing past the floor", 150 << 20, 300, true},
		{"a build well above the floor", 1 << 30, 8, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := e.StartSession(context.Background(), runner.SessionSpec{Image: cli, Limits: strict(), MapImage: mapBusybox, DiskFloor: freeKB<<10 - tc.margin})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(s.Close)
			out, err := s.Exec(context.Background(), build(tc.mb), 90*time.Second, 1<<16)
			if !tc.low {
				if err != nil || !strings.Contains(string(out.Output), "built") {
					t.Fatalf("a build of 8 MB with 1 GB to spare: %v, exit %d, %s", err, out.ExitCode, out.Output)
				}
				return
			}
			if !errors.Is(err, runner.ErrDiskLow) || errors.Is(err, runner.ErrDiskBudget) {
				t.Fatalf("a build writing 300 MB with 150 MB to spare: err %v, exit %d, %s", err, out.ExitCode, out.Output)
			}
			if _, err := s.Exec(context.Background(), "true", 10*time.Second, 1<<10); !errors.Is(err, runner.ErrDiskLow) {
				t.Errorf("a later block of the stopped page: %v, want the floor's error", err)
			}
		})
	}
}

// TestRelaySealed: the page's shell runs as the same user as the relay,
// beside it. It can no longer read or open the relay's /proc/PID/fd, nor its mem, so it
// cannot answer for the relay (how full the disk is) on its standard
// output; the session works on after the attempt.
func TestRelaySealed(t *testing.T) {
	s := diskSession(t, 0)
	out := exec(t, s, `r=; for p in /proc/[0-9]*; do grep -qa 'shipshape-rela[y]' $p/cmdline 2>/dev/null && r=${p#/proc/}; done
[ -n "$r" ] || { echo no relay; exit 3; }
readlink /proc/$r/fd/1 >/dev/null 2>&1 && echo fd-read
: > /proc/$r/fd/1 2>/dev/null && echo stdout-opened
: < /proc/$r/fd/0 2>/dev/null && echo stdin-opened
: < /proc/$r/mem 2>/dev/null && echo mem-opened
docker version --format 'engine {{.Server.APIVersion}}'`)
	got := string(out.Output)
	for _, bad := range []string{"no relay", "fd-read", "stdout-opened", "stdin-opened", "mem-opened"} {
		if strings.Contains(got, bad) {
			t.Errorf("the page's shell: %s\n%s", bad, got)
		}
	}
	if !strings.Contains(got, "engine ") {
		t.Errorf("the session after the attempt: %s", got)
	}
	if _, err := s.Exec(context.Background(), "true", 10*time.Second, 1<<10); err != nil {
		t.Errorf("a later block: %v", err)
	}
}

// TestDiskFloorStopsOneOffBuilds: a one-off build has no session, and the
// engine's guard holds it to the floor instead. A build whose step writes
// past the floor is stopped with ErrDiskLow, not judged; one well above it
// builds; without a guard the same big build runs to its end.
func TestDiskFloorStopsOneOffBuilds(t *testing.T) {
	e := testenv.Docker(t)
	freeKB := engineFreeKB(t, e)
	df := func(mb int) []byte {
		return []byte(fmt.Sprintf("FROM %s\nRUN dd if=/dev/zero of=/big bs=1M count=%d 2>/dev/null && sync && sleep 8\n", busybox, mb))
	}
	for _, tc := range []struct {
		name   string
		guard  string
		margin int64 // the floor, under what was free
		mb     int
		low    bool
	}{
		{"a build writing past the floor", cli, 150 << 20, 300, true},
		{"a build well above the floor", cli, 1 << 30, 8, false},
		{"the same big build with no guard", "", 150 << 20, 300, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bo, err := e.Build(context.Background(), runner.BuildSpec{Dockerfile: df(tc.mb), Holder: busybox, Memory: 64 << 20, Pids: 64,
				Guard: tc.guard, DiskFloor: freeKB<<10 - tc.margin})
			if bo.ImageID != "" {
				t.Cleanup(func() { e.RemoveBuilt(bo) })
			}
			if tc.low {
				if !errors.Is(err, runner.ErrDiskLow) {
					t.Fatalf("a build writing %d MB with 150 MB to spare: err %v, failed %v %s", tc.mb, err, bo.Failed, bo.Log)
				}
				return
			}
			if err != nil || bo.Failed || bo.ImageID == "" {
				t.Fatalf("a build of %d MB: err %v, failed %v %s", tc.mb, err, bo.Failed, bo.Log)
			}
		})
	}
}

// TestPageDiskBudgetJammedRelay: a page stops its relay, and the stream to
// it fills (here with the verifier's {file=}s, 4 MB that the relay never
// reads). yamux then holds every new stream's opening, the disk watcher's
// questions included, until its open timeout ends the session a minute
// later; neither the watcher nor the writes may wait with it. The page's
// container writing 100 MB past a 48 MB budget 12 s in must end the page
// during its 50 s block, not after.
func TestPageDiskBudgetJammedRelay(t *testing.T) {
	s := diskSession(t, 48<<20)
	out, err := s.Exec(context.Background(), "docker run -d busybox:1.36 sh -c 'sleep 12; dd if=/dev/zero of=/big bs=1M count=100 2>/dev/null; sleep 90' >/dev/null && for p in /proc/[0-9]*; do grep -qa 'shipshape-rela[y]' $p/cmdline 2>/dev/null && kill -STOP ${p#/proc/}; done; echo stopped", 30*time.Second, 1<<12)
	if err != nil || !strings.Contains(string(out.Output), "stopped") {
		t.Fatalf("start the writer and stop the relay: %v %s", err, out.Output)
	}
	ended := make(chan error, 1)
	go func() {
		_, err := s.Exec(context.Background(), "sleep 50", 90*time.Second, 1<<12)
		ended <- err
	}()
	big := strings.Repeat("x", 4<<20)
	for i := 0; i < 2; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		start := time.Now()
		err := s.WriteFiles(ctx, map[string][]byte{"big": []byte(big)})
		cancel()
		if err == nil {
			t.Fatal("a stopped relay took 4 MB of files")
		}
		if d := time.Since(start); d > 20*time.Second {
			t.Errorf("write %d with a 3 s context took %v", i, d)
		}
	}
	if err := <-ended; !errors.Is(err, runner.ErrDiskBudget) {
		t.Fatalf("a page writing 100 MB past a 48 MB budget behind a jammed relay: %v, want the budget's error", err)
	}
}

// TestPageLogsBounded: a container's log is not in the page's disk budget
// (the engine says nothing of its size), so the proxy bounds it: the
// rotated files a reader asks for (max-size=10m, max-file=3) share
// DefaultLogMaxSize between them. Three containers printing 20 MB each
// keep at most three times that on the engine's disk (they kept 30 MB
// each, 64 containers nearly 2 GB).
func TestPageLogsBounded(t *testing.T) {
	e := testenv.Docker(t)
	s := diskSession(t, 0)
	out, err := s.Exec(context.Background(), `for i in 1 2 3; do
docker run -d --log-opt max-size=10m --log-opt max-file=3 busybox:1.36 sh -c 'yes 0123456789012345678901234567890123456789012345678901234567890123456789 | head -c 20000000' >/dev/null
done
for c in $(docker ps -aq); do docker wait $c >/dev/null; done; echo done`, 120*time.Second, 1<<12)
	if err != nil || !strings.Contains(string(out.Output), "done") {
		t.Fatalf("three chatty containers: %v %s", err, out.Output)
	}
	f := make(client.Filters).Add("label", runner.SessionLabel+"="+s.ID())
	cs, err := e.Client().ContainerList(context.Background(), client.ContainerListOptions{All: true, Filters: f})
	if err != nil || len(cs.Items) != 3 {
		t.Fatalf("the page's containers: %v, %d of them", err, len(cs.Items))
	}
	const limit = 4 << 20 // proxy.DefaultLogMaxSize
	for _, c := range cs.Items {
		in, err := e.Client().ContainerInspect(context.Background(), c.ID, client.ContainerInspectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var held int64
		found := false
		for _, suf := range []string{"", ".1", ".2", ".3"} {
			if st, err := os.Stat(in.Container.LogPath + suf); err == nil {
				held, found = held+st.Size(), true
			}
		}
		if !found {
			t.Skipf("the engine's log files are not on this machine (%s)", in.Container.LogPath)
		}
		// json-file rotates after the line that passes max-size.
		if held > limit+64<<10 {
			t.Errorf("container %.12s keeps %d KB of logs, want at most %d KB", c.ID, held>>10, limit>>10)
		}
	}
}

// TestPageDiskBudgetBusyDF: Docker 20.10 walks one disk usage at a time
// and refuses another meanwhile ("a disk usage operation is already
// running"); the watcher measures a page's volumes with that walk. A page
// whose processes ask for docker system df in loops (40 perl children,
// raw HTTP) kept the walk busy, and a container writing 150 MB past a
// 48 MB budget was seen over it for 25 s and never ended, instead of about
// 1 s (found red-teaming). The proxy now lets pages' walks through one at
// a time and rarely, and the watcher waits for its turn.
func TestPageDiskBudgetBusyDF(t *testing.T) {
	const budget = 48 << 20
	over := map[int]int{}
	for _, loops := range []int{0, 40} {
		s := diskSession(t, budget)
		start := time.Now()
		// loops perl children ask GET /system/df over and over (raw HTTP,
		// a few MB each: six docker CLIs get the 64 MB shell OOM-killed).
		out, err := s.Exec(context.Background(), `cat > /tmp/df.pl <<'PL'
use IO::Socket::UNIX; use Socket;
for my $k (1..$ENV{N}) { next if fork(); while (1) {
  my $s = IO::Socket::UNIX->new(Peer => "/run/shipshape/docker.sock", Type => SOCK_STREAM) or do { sleep 1; next };
  print $s "GET /v1.41/system/df HTTP/1.0\r\nHost: docker\r\n\r\n"; my $l = <$s>; close $s; } }
PL
N=`+strconv.Itoa(loops)+` setsid perl /tmp/df.pl </dev/null >/dev/null 2>&1 &
sleep 4
docker run -d --name writer busybox:1.36 sh -c 'dd if=/dev/zero of=/big bs=1M count=150; sleep 120' 2>&1
for i in $(seq 20); do sleep 1; echo "$(date +%s) $(docker ps -s --format "{{.Names}} {{.Size}}" 2>&1)"; done
echo survived`, 80*time.Second, 1<<16)
		t.Logf("%d df loops: after %s: err %v, exit %d\n%s", loops, time.Since(start), err, out.ExitCode, out.Output)
		// Seconds seen over the budget: first to last ps line showing 157MB.
		var first, last int64
		for _, l := range strings.Split(string(out.Output), "\n") {
			var ts int64
			if strings.Contains(l, "writer 157MB") && func() bool { _, e := fmt.Sscan(l, &ts); return e == nil }() {
				if first == 0 {
					first = ts
				}
				last = ts
			}
		}
		if first > 0 {
			over[loops] = int(last-first) + 1
		}
		t.Logf("%d df loops: the page was seen over its budget for about %d s; ended for it: %v", loops, over[loops], errors.Is(err, runner.ErrDiskBudget))
		if strings.Contains(string(out.Output), "survived") {
			t.Errorf("with %d df loops a page holding 150 MB under a 48 MB budget ran its block to the end", loops)
		}
		s.Close()
	}
	if over[40] >= 6 && over[40] >= 3*max(over[0], 1) {
		t.Errorf("keeping the engine's df busy kept the watcher from ending a page 3x over its budget for ~%d s (vs ~%d s without)", over[40], over[0])
	}
}
