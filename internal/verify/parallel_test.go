package verify_test

import (
	"context"
	"path"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shipshape/shipshape/internal/results"
	"github.com/shipshape/shipshape/internal/runner"
	"github.com/shipshape/shipshape/internal/snippet"
	"github.com/shipshape/shipshape/internal/testenv"
	"github.com/shipshape/shipshape/internal/verify"
)

// barrierEngine holds every session start until n sessions are live at
// once, so that the test knows they overlap rather than hoping they do.
type barrierEngine struct {
	*runner.Engine
	wg *sync.WaitGroup
	// left, when set, counts the sessions still to hold; later ones (a
	// page run again) start at once.
	left *atomic.Int32
}

func (b barrierEngine) StartSession(ctx context.Context, spec runner.SessionSpec) (*runner.Session, error) {
	s, err := b.Engine.StartSession(ctx, spec)
	if b.left != nil && b.left.Add(-1) < 0 {
		return s, err
	}
	b.wg.Done()
	done := make(chan struct{})
	go func() { b.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		return s, context.DeadlineExceeded
	}
	return s, err
}

// TestSessionsRunTogether: two session pages verified with -j 2 are live at
// once, and their blocks overlap: each block's start, as its own output
// says, comes before the other's end.
func TestSessionsRunTogether(t *testing.T) {
	e := testenv.Docker(t)
	testenv.Image(t, e, "shipshape/busybox:latest")
	testenv.Image(t, e, "shipshape/docker-cli:latest")
	cfg := testConfig()
	const block = "```sh {run}\ndate +%s%N\ndocker run --rm --name same busybox:1.36 true\nsleep 2\ndate +%s%N\n```\n"
	pages := [][]snippet.Snippet{
		page(t, cfg, "a.md", strings.Replace(block, "same", "one", 1)),
		page(t, cfg, "b.md", strings.Replace(block, "same", "two", 1)),
	}
	var wg sync.WaitGroup
	wg.Add(2)
	// A page run again (its session met another test's name, say) starts
	// at once instead of passing the barrier twice; its result, from a run
	// alone, then fails the overlap check below with its own message.
	var left atomic.Int32
	left.Store(2)
	var log strings.Builder
	var logMu sync.Mutex
	opt := verify.Options{Config: cfg, Engine: barrierEngine{e, &wg, &left}, Jobs: 2, Log: lockedWriter{&logMu, &log}}
	rep := verify.Run(context.Background(), pages, results.New(), opt)
	if testing.Verbose() || left.Load() < 0 {
		logMu.Lock()
		t.Logf("%d sessions started; log:\n%s", 2-left.Load(), log.String())
		logMu.Unlock()
	}
	if len(rep.Items) != 2 {
		t.Fatalf("got %d items, want 2", len(rep.Items))
	}
	var span [2][2]int64
	for i, it := range rep.Items {
		if it.Result.Status != results.Passed {
			t.Fatalf("%s: got %s (%s), want passed; output:\n%s", it.Snippet.File, it.Result.Status, it.Result.Reason, it.Result.Output)
		}
		f := strings.Fields(it.Result.Output)
		if len(f) != 2 {
			t.Fatalf("%s: output %q, want two timestamps", it.Snippet.File, it.Result.Output)
		}
		for j := range f {
			span[i][j], _ = strconv.ParseInt(f[j], 10, 64)
		}
	}
	if !(span[0][0] < span[1][1] && span[1][0] < span[0][1]) {
		t.Errorf("the blocks did not overlap: a.md ran %v, b.md %v (ns since the epoch)", span[0], span[1])
	}
}

// conflictLog closes a session the test holds once verify says that a
// page met it, so the page's second run is alone.
type conflictLog struct {
	mu    sync.Mutex
	buf   strings.Builder
	once  sync.Once
	other *runner.Session
}

func (l *conflictLog) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if strings.Contains(string(b), "met another page's") {
		l.once.Do(l.other.Close)
	}
	return l.buf.Write(b)
}

// TestSessionConflictRunsAgain: a page whose container name another live
// session holds (hidden in a variable, so no schedule could foresee it) is
// discarded and run again once that session is gone, with the result and
// output of a run alone.
func TestSessionConflictRunsAgain(t *testing.T) {
	e := testenv.Docker(t)
	testenv.Image(t, e, "shipshape/busybox:latest")
	testenv.Image(t, e, "shipshape/docker-cli:latest")
	cfg := testConfig()
	ctx := context.Background()
	other, err := e.StartSession(ctx, runner.SessionSpec{Image: cfg.Verify.SessionImage, MapImage: cfg.MapImage,
		Limits: runner.Limits{Memory: 256 << 20, Pids: 256, NanoCPUs: 1e9}})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	out, err := other.Exec(ctx, "docker run -d --name clash busybox:1.36 sleep 60 >/dev/null && echo held", time.Minute, 1<<16)
	if err != nil || !strings.Contains(string(out.Output), "held") {
		t.Fatalf("the other session could not take the name: %v %s", err, out.Output)
	}
	pg := page(t, cfg, "c.md", "```console {run}\n$ N=clash; docker run --rm --name $N busybox:1.36 echo hi\nhi\n$ docker ps -a --format '{{.Names}}'\n```\n")
	log := &conflictLog{other: other}
	rep := verify.Run(ctx, [][]snippet.Snippet{pg}, results.New(), verify.Options{Config: cfg, Engine: e, Jobs: 2, Log: log})
	if n := strings.Count(log.buf.String(), "met another page's"); n != 1 {
		t.Errorf("log: got %d conflicts, want 1:\n%s", n, log.buf.String())
	}
	if len(rep.Items) != 1 {
		t.Fatalf("got %d items, want 1 (the discarded run is not reported)", len(rep.Items))
	}
	r := rep.Items[0].Result
	if r.Status != results.Passed || r.Output != "$ N=clash; docker run --rm --name $N busybox:1.36 echo hi\nhi\n$ docker ps -a --format '{{.Names}}'\n" {
		t.Errorf("got %s (%s) with output %q, want passed with the transcript of a run alone", r.Status, r.Reason, r.Output)
	}
}

// TestComposePagesRunTogether: two Compose pages whose files name no
// project run at once without meeting: each page's project is named after
// its page (its work dir), not the one folder every session once shared.
func TestComposePagesRunTogether(t *testing.T) {
	e := testenv.Docker(t)
	testenv.Image(t, e, "shipshape/busybox:latest")
	testenv.Image(t, e, "shipshape/docker-cli:latest")
	cfg := testConfig()
	const md = "```yaml {file=compose.yaml}\nservices:\n  web:\n    image: busybox:1.36\n    command: [\"sleep\", \"60\"]\n```\n\n" +
		"```sh {run timeout=120s}\necho start $(date +%s%N)\ndocker compose up -d --wait 2>/dev/null\ndocker compose ps --format '{{.Name}}'\nsleep 2\ndocker compose down -t 1 2>/dev/null\necho end $(date +%s%N)\n```\n"
	pages := [][]snippet.Snippet{
		page(t, cfg, "docs/basics.md", md),
		page(t, cfg, "docs/scaling.md", md),
	}
	var wg sync.WaitGroup
	wg.Add(2)
	var left atomic.Int32
	left.Store(2)
	var log strings.Builder
	var logMu sync.Mutex
	opt := verify.Options{Config: cfg, Engine: barrierEngine{e, &wg, &left}, Jobs: 2, Log: lockedWriter{&logMu, &log}}
	rep := verify.Run(context.Background(), pages, results.New(), opt)
	if strings.Contains(log.String(), "met another page's") {
		t.Errorf("the pages met each other:\n%s", log.String())
	}
	var runs []int
	var span [2][2]int64
	for i, it := range rep.Items {
		if !it.Snippet.InSession() {
			continue
		}
		runs = append(runs, i)
		r := it.Result
		want := strings.TrimSuffix(path.Base(it.Snippet.File), ".md") + "-web-1"
		if r.Status != results.Passed || !strings.Contains(r.Output, "\n"+want+"\n") {
			t.Fatalf("%s: got %s (%s) with output %q, want passed listing %s", it.Snippet.File, r.Status, r.Reason, r.Output, want)
		}
		for _, l := range strings.Split(r.Output, "\n") {
			if f := strings.Fields(l); len(f) == 2 && (f[0] == "start" || f[0] == "end") {
				n, _ := strconv.ParseInt(f[1], 10, 64)
				span[len(runs)-1][map[string]int{"start": 0, "end": 1}[f[0]]] = n
			}
		}
	}
	if len(runs) != 2 {
		t.Fatalf("got %d session results, want 2", len(runs))
	}
	if !(span[0][0] < span[1][1] && span[1][0] < span[0][1]) {
		t.Errorf("the Compose projects were not up at the same time: basics %v, scaling %v (ns since the epoch)", span[0], span[1])
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *strings.Builder
}

func (l lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}
