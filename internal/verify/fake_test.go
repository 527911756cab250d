package verify

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shipshape/shipshape/internal/config"
	"github.com/shipshape/shipshape/internal/content"
	"github.com/shipshape/shipshape/internal/markdown"
	"github.com/shipshape/shipshape/internal/project"
	"github.com/shipshape/shipshape/internal/results"
	"github.com/shipshape/shipshape/internal/runner"
	"github.com/shipshape/shipshape/internal/snippet"
)

// fakeEngine answers image IDs from a map and counts runs and builds; every
// run exits 0 with "ok". It is for orchestration logic only: what really
// happens in a container is tested against a real engine.
type fakeEngine struct {
	mu       sync.Mutex
	ids      map[string]string
	ran      []string // image of each run
	built    int
	inspects int
	anyReg   []bool // each AllowAnyRegistry call
	version  string // the engine's version; "" is "fake"
}

func (f *fakeEngine) AllowAnyRegistry(allow bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.anyReg = append(f.anyReg, allow)
}

var _ Engine = (*fakeEngine)(nil)

func (f *fakeEngine) Run(_ context.Context, spec runner.RunSpec) (runner.Outcome, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ran = append(f.ran, spec.Image)
	return runner.Outcome{Output: []byte("ok\n"), ImageID: f.ids[spec.Image]}, nil
}

func (f *fakeEngine) Build(context.Context, runner.BuildSpec) (runner.BuildOutcome, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.built++
	return runner.BuildOutcome{ImageID: "sha256:built"}, nil
}

func (f *fakeEngine) ImageID(_ context.Context, ref string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.inspects++
	if id, ok := f.ids[ref]; ok {
		return id, nil
	}
	return "", runner.ErrNoImage
}

func (f *fakeEngine) RemoveBuilt(runner.BuildOutcome) {}

func (f *fakeEngine) Version(context.Context) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.version != "" {
		return f.version
	}
	return "fake"
}

func fakeConfig() config.Config {
	cfg := config.Default()
	cfg.Images = map[string]string{"busybox:*": "local/busybox", "alpine:*": "local/alpine"}
	return cfg
}

func extractPage(t *testing.T, cfg config.Config, md string) []snippet.Snippet {
	t.Helper()
	body := []byte(md)
	sn, ds := snippet.Extract("p.md", markdown.New(markdown.Options{}).Parse(body), body, 1, cfg.MapImage, cfg.Verify.Image)
	if len(ds) > 0 {
		t.Fatalf("extract: %v", ds)
	}
	snippet.Seal(sn, cfg.MapImage, snippet.Env{})
	return sn
}

const fakePage = "```sh {run image=busybox:1}\necho a\n```\n\n" +
	"```sh {run image=alpine:3}\necho b\n```\n\n" +
	"```dockerfile {build}\nFROM busybox:1\nRUN true\n```\n"

// TestFreshness: a stored result is reused while every image it ran on is
// the same; a changed image re-runs exactly its dependants; without an
// engine results are reused unchecked; failures and --force run again.
func TestFreshness(t *testing.T) {
	cfg := fakeConfig()
	pages := [][]snippet.Snippet{extractPage(t, cfg, fakePage)}
	eng := &fakeEngine{ids: map[string]string{"local/busybox": "sha256:b1", "local/alpine": "sha256:a1"}}
	store := results.New()
	opt := Options{Config: cfg, Engine: eng, Jobs: 1}
	run := func(o Options) (ran []string, cached int) {
		t.Helper()
		before, builds := len(eng.ran), eng.built
		rep := Run(context.Background(), pages, store, o)
		for _, it := range rep.Items {
			if it.Cached {
				cached++
			}
		}
		ran = append(ran, eng.ran[before:]...)
		for i := builds; i < eng.built; i++ {
			ran = append(ran, "build")
		}
		return ran, cached
	}
	for _, step := range []struct {
		name      string
		before    func()
		opt       func(Options) Options
		ran       string // images run, and "build", in order
		cached    int
		inspectLE int    // at most this many image inspections in the step (0: no check)
		log       string // the one line about another engine, if any
	}{
		{name: "first run", ran: "local/busybox local/alpine build"},
		{name: "warm: nothing changed", cached: 3, inspectLE: 2},
		{name: "busybox changed", before: func() { eng.ids["local/busybox"] = "sha256:b2" }, ran: "local/busybox build", cached: 1},
		{name: "no engine: reused, not checked", before: func() { eng.ids["local/alpine"] = "sha256:a2" },
			opt: func(o Options) Options { o.Engine = nil; return o }, cached: 3},
		{name: "engine back: alpine re-runs", ran: "local/alpine", cached: 2},
		{name: "force", opt: func(o Options) Options { o.Force = true; return o }, ran: "local/busybox local/alpine build"},
		{name: "a failure runs again", before: func() {
			r := store.Results[pages[0][0].Hash]
			r.Status = results.Failed
			store.Results[pages[0][0].Hash] = r
		}, ran: "local/busybox", cached: 2},
		{name: "another engine: every block runs again", before: func() { eng.version = "fake-2" },
			ran: "local/busybox local/alpine build", log: "3 stored results ran on Docker fake, not on this engine's fake-2: they run again\n"},
		{name: "warm on that engine", cached: 3},
	} {
		if step.before != nil {
			step.before()
		}
		o := opt
		var log strings.Builder
		o.Log = &log
		if step.opt != nil {
			o = step.opt(o)
		}
		inspects := eng.inspects
		ran, cached := run(o)
		if got := strings.Join(ran, " "); got != step.ran || cached != step.cached {
			t.Errorf("%s: ran %q with %d cached, want %q with %d cached", step.name, got, cached, step.ran, step.cached)
		}
		if said := strings.Contains(log.String(), "stored results ran on Docker"); said != (step.log != "") || !strings.Contains(log.String(), step.log) {
			t.Errorf("%s: log %q, want the line %q about another engine (or none)", step.name, log.String(), step.log)
		}
		if step.inspectLE > 0 && eng.inspects-inspects > step.inspectLE {
			t.Errorf("%s: %d image inspections, want at most %d (one per distinct image)", step.name, eng.inspects-inspects, step.inspectLE)
		}
	}
}

func TestJudge(t *testing.T) {
	for _, c := range []struct {
		name, info, output string
		code               int
		timedOut           bool
		want               results.Status
		reason             string
	}{
		{"exit 0", "sh {run}", "", 0, false, results.Passed, ""},
		{"exit 1", "sh {run}", "", 1, false, results.Failed, "exit code 1, want 0"},
		{"expect=fail fails", "sh {run expect=fail}", "", 3, false, results.ExpectedFail, "failed as intended (exit 3)"},
		{"expect=fail succeeds", "sh {run expect=fail}", "", 0, false, results.Failed, "but succeeded"},
		{"expect=2 gets 2", "sh {run expect=2}", "", 2, false, results.Passed, ""},
		{"expect=2 gets 0", "sh {run expect=2}", "", 0, false, results.Failed, "exit code 0, want 2"},
		{"expect=nonsense", "sh {run expect=maybe}", "", 0, false, results.Failed, "want fail or an exit code"},
		{"output found", `sh {run output="hi there"}`, "say hi there\n", 0, false, results.Passed, ""},
		{"output missing", `sh {run output="hi there"}`, "bye\n", 0, false, results.Failed, `output does not contain "hi there"`},
		{"timeout", "sh {run}", "", -1, true, results.Failed, "killed after the 1s timeout"},
		{"timeout, expect=fail", "sh {run expect=fail}", "", -1, true, results.ExpectedFail, "killed after"},
	} {
		_, attrs, err := snippet.ParseInfo(c.info)
		if err != nil {
			t.Fatalf("%s: parse %q: %v", c.name, c.info, err)
		}
		r := results.Result{Output: c.output}
		judge(&r, snippet.Snippet{Attrs: attrs}, c.code, c.timedOut, time.Second)
		if r.Status != c.want || !strings.Contains(r.Reason, c.reason) {
			t.Errorf("%s: judge(%q, exit %d) = %s %q, want %s containing %q", c.name, c.info, c.code, r.Status, r.Reason, c.want, c.reason)
		}
	}
}

func TestLimits(t *testing.T) {
	for _, c := range []struct {
		name, info, memory string
		want               func(runner.Limits) bool
		err                string
	}{
		{"defaults", "sh {run}", "512m", func(l runner.Limits) bool {
			return l.Memory == 512<<20 && l.Timeout == 60*time.Second && l.Pids == 512 && l.ReadOnly && l.Network == "" && l.NanoCPUs == 1e9
		}, ""},
		{"timeout", "sh {run timeout=5s}", "512m", func(l runner.Limits) bool { return l.Timeout == 5*time.Second }, ""},
		{"network", "sh {run network=bridge}", "1g", func(l runner.Limits) bool { return l.Network == "bridge" && l.Memory == 1<<30 }, ""},
		{"writable", "sh {run writable}", "64k", func(l runner.Limits) bool { return !l.ReadOnly && l.Memory == 64<<10 }, ""},
		{"bad timeout", "sh {run timeout=soon}", "512m", nil, "{timeout=soon}"},
		{"bad memory", "sh {run}", "lots", nil, "config verify.memory"},
		{"zero memory", "sh {run}", "0m", nil, "config verify.memory"},
	} {
		_, attrs, err := snippet.ParseInfo(c.info)
		if err != nil {
			t.Fatalf("%s: parse %q: %v", c.name, c.info, err)
		}
		cfg := config.Default()
		cfg.Verify.Memory = c.memory
		l, err := limits(cfg, snippet.Snippet{Attrs: attrs})
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%s: limits(%q) error %v, want one containing %q", c.name, c.info, err, c.err)
		case c.err == "" && err != nil:
			t.Errorf("%s: limits(%q): %v", c.name, c.info, err)
		case c.err == "" && !c.want(l):
			t.Errorf("%s: limits(%q, memory %s) = %+v", c.name, c.info, c.memory, l)
		}
	}
}

// TestUnreadPageNotRun: a page with an {include=…} that cannot be read is
// not run at all: its blocks would prove empty code, or files the page
// never wrote. Each runnable block fails, naming the line that could not
// be read, and nothing is stored.
func TestUnreadPageNotRun(t *testing.T) {
	cfg := fakeConfig()
	cfg.Root = t.TempDir()
	md := "```python {file=app.py include=examples/app.py}\n```\n\n" +
		"```sh {run image=busybox:1}\necho a\n```\n\n" +
		"```dockerfile {build}\nFROM busybox:1\nCOPY app.py /\n```\n"
	body := []byte(md)
	sn, ds := project.Page(cfg, &content.Page{File: "p.md", Body: body, BodyLine: 1}, markdown.New(markdown.Options{}).Parse(body))
	if ds.Errors() != 1 {
		t.Fatalf("diagnostics %v, want the one include error", ds)
	}
	eng := &fakeEngine{ids: map[string]string{"local/busybox": "sha256:b1"}}
	store := results.New()
	rep := Run(context.Background(), [][]snippet.Snippet{sn}, store, Options{Config: cfg, Engine: eng, Jobs: 1})
	if len(eng.ran) != 0 || eng.built != 0 {
		t.Errorf("ran %v and built %d times, want nothing tried", eng.ran, eng.built)
	}
	want := map[int]string{
		1: "not run: {include=examples/app.py}: open",
		4: "not run: line 1 of the page could not be read: {include=examples/app.py}",
		8: "not run: line 1 of the page could not be read",
	}
	if len(rep.Items) != len(want) {
		t.Fatalf("got %d items, want %d: %+v", len(rep.Items), len(want), rep.Items)
	}
	for _, it := range rep.Items {
		if it.Result.Status != results.Failed || !strings.HasPrefix(it.Result.Reason, want[it.Snippet.Line]) {
			t.Errorf("line %d: got %s (%q), want failed with %q", it.Snippet.Line, it.Result.Status, it.Result.Reason, want[it.Snippet.Line])
		}
	}
	if len(store.Results) != 0 {
		t.Errorf("stored %d results, want none: nothing was tried", len(store.Results))
	}
	if rep.Err() == nil {
		t.Errorf("report error nil, want the failures to fail the run")
	}
}

// TestAllowHostReachesEngine: the site's allow_host decides whether one-off
// blocks may pull from registries beyond the public ones, and the run tells
// its engine so before any block, whoever started the run (verify, serve's
// background runs, a test). Before, only the CLI set it, in two places.
func TestAllowHostReachesEngine(t *testing.T) {
	for _, allow := range []bool{false, true} {
		cfg := fakeConfig()
		cfg.Verify.AllowHost = allow
		f := &fakeEngine{ids: map[string]string{"local/busybox": "sha256:b", "local/alpine": "sha256:a"}}
		Run(context.Background(), [][]snippet.Snippet{extractPage(t, cfg, fakePage)}, results.New(), Options{Config: cfg, Engine: f, Jobs: 1})
		if len(f.anyReg) != 1 || f.anyReg[0] != allow {
			t.Errorf("allow_host = %v: the engine was told %v, want [%v] once", allow, f.anyReg, allow)
		}
		if len(f.ran) == 0 {
			t.Errorf("allow_host = %v: no block ran", allow)
		}
	}
}
