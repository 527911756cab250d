package runner_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

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
