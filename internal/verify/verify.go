// Package verify proves a site's runnable snippets in a Docker engine, in
// parallel, reusing stored results whose hash still matches.
package verify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shipshape/shipshape/internal/config"
	"github.com/shipshape/shipshape/internal/dockerfile"
	"github.com/shipshape/shipshape/internal/proxy"
	"github.com/shipshape/shipshape/internal/results"
	"github.com/shipshape/shipshape/internal/runner"
	"github.com/shipshape/shipshape/internal/snippet"
)

// Engine is what verify needs of a Docker engine.
type Engine interface {
	Run(ctx context.Context, spec runner.RunSpec) (runner.Outcome, error)
	Build(ctx context.Context, spec runner.BuildSpec) (runner.BuildOutcome, error)
	ImageID(ctx context.Context, ref string) (string, error)
	RemoveBuilt(b runner.BuildOutcome)
	// Version is the engine's version, recorded in every new result.
	Version(ctx context.Context) string
}

var _ Engine = (*runner.Engine)(nil)

// registries is an engine that pulls for one-off blocks and judges their
// registries (runner.Engine): Run sets from the site's allow_host whether
// registries beyond the public ones may be used.
type registries interface{ AllowAnyRegistry(bool) }

var _ registries = (*runner.Engine)(nil)

// ErrFailed means at least one example did not do what its page says.
var ErrFailed = errors.New("examples failed")

// ErrInfra means at least one example could not be tried: engine or image missing.
var ErrInfra = errors.New("examples could not be run")

// Options steer a verify run.
type Options struct {
	Config config.Config
	Engine Engine
	Force  bool      // run even where a stored result matches
	Pull   string    // never, missing or always: whether sessions may pull images
	Jobs   int       // pages verified at once
	Log    io.Writer // one line per example; nil for none
	Now    func() time.Time
}

// Item is one snippet's outcome in a report.
type Item struct {
	Snippet snippet.Snippet
	Result  results.Result
	Cached  bool
	// Unread: not run, because the page's code could not all be read;
	// never stored, since nothing was tried.
	Unread bool
}

// Report is a whole run.
type Report struct {
	Items []Item
}

// Count tallies items by status.
func (r Report) Count() map[results.Status]int {
	m := map[results.Status]int{}
	for _, it := range r.Items {
		m[it.Result.Status]++
	}
	return m
}

// Err is nil when every item passed, was skipped or failed as intended.
func (r Report) Err() error {
	c := r.Count()
	switch {
	case c[results.Failed] > 0:
		return fmt.Errorf("%w: %d of %d", ErrFailed, c[results.Failed], len(r.Items))
	case c[results.Infra] > 0:
		return fmt.Errorf("%w: %d of %d", ErrInfra, c[results.Infra], len(r.Items))
	}
	return nil
}

// Runnable reports whether verify does anything with a snippet.
func Runnable(s snippet.Snippet) bool {
	return s.Action == snippet.Run || s.Action == snippet.Build || s.Action == snippet.Skip || Checked(s)
}

// Run verifies the runnable snippets of each page (pages[i] is one page's
// snippets in order) and records results in store.
func Run(ctx context.Context, pages [][]snippet.Snippet, store *results.File, opt Options) Report {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	// allow_host decides, for one-off blocks as for sessions (see
	// pageSession.start), whether examples may pull from registries
	// beyond the public ones; the run applies it to its engine here.
	if r, ok := opt.Engine.(registries); ok {
		r.AllowAnyRegistry(opt.Config.Verify.AllowHost)
	}
	jobs := opt.Jobs
	if jobs <= 0 {
		jobs = 1
	}
	var (
		mu     sync.Mutex
		report Report
		wg     sync.WaitGroup
		images = &imageCache{ids: map[string]imageAnswer{}, pull: opt.Pull}
		jbs    []*job
	)
	mu.Lock()
	byPlace := durationsByPlace(store)
	if n, was := otherEngine(ctx, pages, store, opt); n > 0 {
		what := fmt.Sprintf("%d stored results", n)
		if n == 1 {
			what = "1 stored result"
		}
		fmt.Fprintf(opt.Log, "%s ran on Docker %s, not on this engine's %s: they run again\n", what, was, opt.Engine.Version(ctx))
	}
	mu.Unlock()
	for _, p := range pages {
		mu.Lock()
		cost := pageCost(p, store, byPlace)
		mu.Unlock()
		jbs = append(jbs, &job{page: p, names: sessionNames(p), cost: cost})
	}
	sched := newSchedule(jbs)
	stop := context.AfterFunc(ctx, sched.close)
	defer stop()
	// A page whose session met another's is run again once the others are
	// done, one at a time, so that it meets no session of this run.
	var again []*job
	keep := func(j *job, items []Item, conflicts []string) {
		mu.Lock()
		defer mu.Unlock()
		if len(conflicts) > 0 {
			// Never stored: after a cancel the page is simply not done.
			if ctx.Err() == nil {
				again = append(again, j)
			}
			return
		}
		commit(store, items)
		report.Items = append(report.Items, items...)
	}
	for i := 0; i < jobs; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := sched.next(); j != nil; j = sched.next() {
				items, conflicts := verifyPage(ctx, j.page, store, images, opt, &mu)
				sched.done(j)
				if len(conflicts) > 0 {
					logConflict(opt.Log, j.page, conflicts)
				}
				keep(j, items, conflicts)
			}
		}()
	}
	wg.Wait()
	// Another verify run on the same engine may still hold a name: a few
	// tries, then the page's session blocks say so as infrastructure
	// errors, which the next run tries again.
	for len(again) > 0 && ctx.Err() == nil {
		j := again[0]
		again = again[1:]
		j.tries++
		items, conflicts := verifyPage(ctx, j.page, store, images, opt, &mu)
		if len(conflicts) > 0 {
			logConflict(opt.Log, j.page, conflicts)
			if j.tries < maxTries {
				time.Sleep(time.Duration(j.tries) * time.Second)
				again = append(again, j)
				continue
			}
			items = heldOut(ctx, j.page, items, opt, conflicts[0])
		}
		mu.Lock()
		commit(store, items)
		report.Items = append(report.Items, items...)
		mu.Unlock()
	}
	sort.SliceStable(report.Items, func(i, j int) bool {
		a, b := report.Items[i].Snippet, report.Items[j].Snippet
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line
	})
	return report
}

// heldOut reports a page that met another verify run's session on every
// try: each block that did not run to the end, or ran in the session, is
// an infrastructure error, which the next run tries again.
func heldOut(ctx context.Context, page []snippet.Snippet, items []Item, opt Options, conflict string) []Item {
	ran := map[int]Item{}
	for _, it := range items {
		ran[it.Snippet.Line] = it
	}
	err := fmt.Errorf("another verify run's session on this engine held what this page uses: %s", conflict)
	var out []Item
	for _, s := range page {
		if !Runnable(s) {
			continue
		}
		it, ok := ran[s.Line]
		if !ok || (InSession(s) && !it.Cached) {
			it = Item{Snippet: s, Result: infra(base(ctx, s, opt), err)}
		}
		out = append(out, it)
	}
	return out
}

// maxTries is how often a page whose session met another's is run again.
const maxTries = 3

// commit stores the results a page's run produced; callers hold the
// store's lock.
func commit(store *results.File, items []Item) {
	for _, it := range items {
		if !it.Cached && !it.Unread {
			store.Results[it.Snippet.Hash] = it.Result
		}
	}
}

func logConflict(w io.Writer, page []snippet.Snippet, conflicts []string) {
	if w == nil || len(page) == 0 {
		return
	}
	fmt.Fprintf(w, "%s: its session met another page's (%s); it runs again once alone\n", page[0].File, conflicts[0])
}

type imageAnswer struct {
	id  string
	err error
}

// puller is an engine that can pull a missing image by policy.
type puller interface {
	Ensure(ctx context.Context, ref, policy string) (string, error)
}

var _ puller = (*runner.Engine)(nil)

// current is the engine a stored result is held against: its version and its
// image IDs; the zero Now without an engine.
func current(ctx context.Context, images *imageCache, e Engine) results.Now {
	if e == nil {
		return results.Now{}
	}
	return results.Now{
		Engine: func() (string, bool) {
			v := e.Version(ctx)
			return v, v != ""
		},
		ImageIDs: images.checker(ctx, e),
	}
}

// imageCache asks the engine once per image reference, pulling by policy.
type imageCache struct {
	pull string
	mu   sync.Mutex
	ids  map[string]imageAnswer
	seen map[string]string // inspected for freshness, without pulling
}

// ids answers image IDs for freshness checks: an inspection per distinct
// image, never a pull; nil without an engine, which means "not checked".
func (c *imageCache) checker(ctx context.Context, e Engine) results.ImageIDs {
	if e == nil {
		return nil
	}
	return func(ref string) (string, bool) {
		c.mu.Lock()
		defer c.mu.Unlock()
		if a, ok := c.seen[ref]; ok {
			return a, true
		}
		if c.seen == nil {
			c.seen = map[string]string{}
		}
		// A missing image, or one the engine cannot inspect, is not the
		// image the result ran on: "" never equals a stored ID.
		id, _ := e.ImageID(ctx, ref)
		c.seen[ref] = id
		return id, true
	}
}

func (c *imageCache) get(ctx context.Context, e Engine, ref string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if a, ok := c.ids[ref]; ok {
		return a.id, a.err
	}
	var id string
	var err error
	if p, ok := e.(puller); ok && c.pull != "" {
		id, err = p.Ensure(ctx, ref, c.pull)
	} else {
		id, err = e.ImageID(ctx, ref)
	}
	c.ids[ref] = imageAnswer{id, err}
	return id, err
}

// verifyPage runs one page's snippets in order: {file=…} blocks add files
// to the page's workspace, which later builds and the page's session see.
// Session blocks are reused only all together: if any must run, the
// session runs from the page's first session block. Results go to the
// store only through commit: when the page's session met another's
// (conflicts), the page stops and its items are to be discarded.
func verifyPage(ctx context.Context, page []snippet.Snippet, store *results.File, images *imageCache, opt Options, mu *sync.Mutex) ([]Item, []string) {
	if items := unread(ctx, page, opt); items != nil {
		return items, nil
	}
	files := map[string][]byte{}
	var items []Item
	rerun := false
	network := snippet.Egress(page)
	for _, s := range page {
		if !InSession(s) {
			continue
		}
		if _, ok := reuse(ctx, s, store, images, opt, mu); !ok {
			rerun = true
		}
	}
	sess := &pageSession{opt: opt, images: images}
	if len(page) > 0 {
		sess.dir = snippet.WorkDir(page[0].File)
	}
	defer sess.close()
	for _, s := range page {
		if name := s.Attrs["file"]; name != "" && s.Action != snippet.Build {
			files[name] = []byte(s.Code)
		}
		if !Runnable(s) {
			continue
		}
		if ctx.Err() != nil {
			return items, nil
		}
		inSession := InSession(s)
		prev, fresh := reuse(ctx, s, store, images, opt, mu)
		if inSession && rerun {
			fresh = false
		}
		if fresh {
			addBuildFile(files, s)
			items = append(items, Item{Snippet: s, Result: prev, Cached: true})
			logf(opt.Log, s, prev, true)
			continue
		}
		var r results.Result
		switch {
		case inSession:
			r = base(ctx, s, opt)
			if opt.Engine == nil {
				r = infra(r, runner.ErrNoEngine)
			} else {
				r = sess.run(ctx, s, files, r, network)
			}
		case Checked(s):
			r = check(ctx, s, images, opt)
		default:
			r = one(ctx, s, files, images, opt)
		}
		addBuildFile(files, s)
		if c := sess.conflicts(); len(c) > 0 {
			return items, c
		}
		items = append(items, Item{Snippet: s, Result: r})
		logf(opt.Log, s, r, false)
	}
	return items, nil
}

// unread fails every runnable block of a page whose code could not all be
// read (an {include=…} of a missing file): a block shown empty, or one
// that builds on files the page never really wrote, proves nothing. It
// returns nil when the page is whole.
func unread(ctx context.Context, page []snippet.Snippet, opt Options) []Item {
	var first *snippet.Snippet
	for i := range page {
		if page[i].Unread != "" {
			first = &page[i]
			break
		}
	}
	if first == nil {
		return nil
	}
	items := []Item{}
	for _, s := range page {
		if !Runnable(s) {
			continue
		}
		r := base(ctx, s, opt)
		r.Status = results.Failed
		switch {
		case s.Unread != "":
			r.Reason = "not run: " + s.Unread
		default:
			r.Reason = fmt.Sprintf("not run: line %d of the page could not be read: %s", first.Line, first.Unread)
		}
		items = append(items, Item{Snippet: s, Result: r, Unread: true})
		logf(opt.Log, s, r, false)
	}
	return items
}

// otherEngine counts the stored results of the pages that would stand but
// for their engine (results.Fresh): after an engine upgrade, every block
// runs again, and the log says why once rather than leaving each to look
// changed. was is the engine most of them ran on.
func otherEngine(ctx context.Context, pages [][]snippet.Snippet, store *results.File, opt Options) (n int, was string) {
	if opt.Force || opt.Log == nil || opt.Engine == nil {
		return 0, ""
	}
	v := opt.Engine.Version(ctx)
	if v == "" {
		return 0, ""
	}
	by := map[string]int{}
	for _, page := range pages {
		for _, s := range page {
			prev, ok := store.Lookup(s.Hash)
			if !ok || retried(prev) || prev.Engine == "" || prev.Engine == v {
				continue
			}
			n++
			by[prev.Engine]++
			if by[prev.Engine] > by[was] || (by[prev.Engine] == by[was] && prev.Engine < was) {
				was = prev.Engine
			}
		}
	}
	return n, was
}

// reuse returns the stored result of a snippet when it may stand for a new
// run: results.Fresh says it still proves the snippet, and it was neither
// a failure nor an infrastructure error, which are tried again on every run
// (an author who fixed the machine should not have to --force).
func reuse(ctx context.Context, s snippet.Snippet, store *results.File, images *imageCache, opt Options, mu *sync.Mutex) (results.Result, bool) {
	if opt.Force {
		return results.Result{}, false
	}
	mu.Lock()
	prev, ok := store.Lookup(s.Hash)
	mu.Unlock()
	if !ok || retried(prev) {
		return prev, false
	}
	return prev, results.Fresh(prev, current(ctx, images, opt.Engine))
}

func retried(r results.Result) bool {
	return r.Status == results.Infra || r.Status == results.Failed
}

// addBuildFile puts a {build file=NAME} block into the page's files once it
// has been processed, whatever its outcome, so that Stale, which cannot
// know outcomes, keys later builds the same way.
func addBuildFile(files map[string][]byte, s snippet.Snippet) {
	if name := s.Attrs["file"]; name != "" && s.Action == snippet.Build {
		files[name] = []byte(s.Code)
	}
}

func base(ctx context.Context, s snippet.Snippet, opt Options) results.Result {
	r := results.Result{Kind: string(s.Kind), File: s.File, Line: s.Line, At: opt.Now().UTC().Format(time.RFC3339)}
	if opt.Engine != nil {
		r.Engine = opt.Engine.Version(ctx)
	}
	return r
}

func logf(w io.Writer, s snippet.Snippet, r results.Result, cached bool) {
	if w == nil {
		return
	}
	tag := ""
	if cached {
		tag = " (cached)"
	}
	fmt.Fprintf(w, "%s:%d: %s %s%s", s.File, s.Line, s.Kind, r.Status, tag)
	if r.Reason != "" {
		fmt.Fprintf(w, ": %s", r.Reason)
	}
	fmt.Fprintln(w)
}

// one verifies a single snippet.
func one(ctx context.Context, s snippet.Snippet, files map[string][]byte, images *imageCache, opt Options) results.Result {
	cfg := opt.Config
	r := base(ctx, s, opt)
	if s.Action == snippet.Skip {
		r.Status = results.Skipped
		r.Reason = s.Attrs["skip"]
		if r.Reason == "" {
			r.Reason = "marked {skip}"
		}
		return r
	}
	if opt.Engine == nil {
		r.Status, r.Reason = results.Infra, runner.ErrNoEngine.Error()
		return r
	}
	lim, err := limits(cfg, s)
	if err != nil {
		r.Status, r.Reason = results.Failed, err.Error()
		return r
	}
	switch s.Action {
	case snippet.Run:
		r.Image = s.RunImage()
		r.ImageRun = cfg.MapImage(r.Image)
		if _, err := images.get(ctx, opt.Engine, r.ImageRun); err != nil {
			return infra(r, err)
		}
		spec := runner.RunSpec{Image: r.ImageRun, Cmd: []string{"/bin/sh", "-ec", snippet.Runnable(s.Code)}, WorkDir: "/work", Limits: lim}
		if s.Kind == snippet.Python {
			name := path.Base(s.Attrs["file"])
			if !strings.HasSuffix(name, ".py") {
				name = "snippet.py"
			}
			spec.Files = map[string][]byte{name: []byte(snippet.Runnable(s.Code))}
			spec.Cmd = []string{"python3", name}
		}
		out, err := opt.Engine.Run(ctx, spec)
		if err != nil {
			return infra(r, err)
		}
		r.Proof = "ran"
		fill(&r, out)
		judge(&r, s, out.ExitCode, out.TimedOut, lim.Timeout)
		diskFull(&r, out, lim)
	case snippet.Build:
		df, bases := dockerfile.RewriteFrom(s.Code, cfg.MapImage)
		for _, b := range bases {
			if _, err := images.get(ctx, opt.Engine, b); err != nil {
				r.Image, r.ImageRun = dockerfile.FirstFrom(s.Code), b
				return infra(r, err)
			}
		}
		df, copied := dockerfile.RewriteSources(df, cfg.MapImage)
		for _, c := range copied {
			id, err := images.get(ctx, opt.Engine, c)
			if err != nil {
				r.Image, r.ImageRun = dockerfile.FirstFrom(s.Code), c
				return infra(r, err)
			}
			// An image the build copies from is an input as its bases
			// are: when it changes, the result is stale.
			if r.Images == nil {
				r.Images = map[string]string{}
			}
			r.Images[c] = id
		}
		r.Image = dockerfile.FirstFrom(s.Code)
		baseID := ""
		if len(bases) > 0 {
			// A build's image ID is that of its final base; earlier stages'
			// bases go in Images: when any changes, the result is stale.
			r.ImageRun = bases[len(bases)-1]
			baseID, _ = images.get(ctx, opt.Engine, r.ImageRun)
			for _, b := range bases[:len(bases)-1] {
				if id, err := images.get(ctx, opt.Engine, b); err == nil && b != r.ImageRun {
					if r.Images == nil {
						r.Images = map[string]string{}
					}
					r.Images[b] = id
				}
			}
		}
		ctxFiles := map[string][]byte{}
		for k, v := range files {
			ctxFiles[k] = v
		}
		spec := runner.BuildSpec{Dockerfile: []byte(df), Files: ctxFiles, Timeout: cfg.Verify.BuildTimeout.Duration,
			Memory: lim.Memory, NanoCPUs: lim.NanoCPUs, Pids: lim.Pids}
		// BuildKit's steps are held to the limits under a container of the
		// run's default image (it has sleep); without it the build is classic.
		if holder := cfg.MapImage(cfg.Verify.Image); holder != "" {
			if _, err := images.get(ctx, opt.Engine, holder); err == nil {
				spec.Holder = holder
			}
		}
		// The session image's relay watches the engine's disk while the
		// build writes: nothing else bounds what a build writes there.
		spec.Guard = cfg.Verify.SessionImage
		bo, err := opt.Engine.Build(ctx, spec)
		if err != nil {
			return infra(r, err)
		}
		r.DurationMS = bo.Duration.Milliseconds()
		r.Output = shown(bo.Log)
		if bo.Failed {
			r.ImageID = baseID
			r.Proof = "built"
			r.ExitCode = 1
			r.Output = lastLines(shown(bo.Log), 40)
			judge(&r, s, 1, false, 0)
			if r.Status == results.Failed {
				r.Reason = "build failed: " + bo.Message
			}
			return r
		}
		r.Proof = "built"
		if name := s.Attrs["file"]; name != "" {
			files[name] = []byte(s.Code)
		}
		if s.Attrs.Has("run") {
			defer opt.Engine.RemoveBuilt(bo)
			out, err := opt.Engine.Run(ctx, runner.RunSpec{Image: bo.ImageID, Limits: lim})
			if err != nil {
				return infra(r, err)
			}
			r.Proof = "built+ran"
			fill(&r, out)
			r.DurationMS += bo.Duration.Milliseconds()
			judge(&r, s, out.ExitCode, out.TimedOut, lim.Timeout)
			diskFull(&r, out, lim)
		} else {
			opt.Engine.RemoveBuilt(bo)
			judge(&r, s, 0, false, 0)
		}
		r.ImageID = baseID
	}
	return r
}

// diskFull says why a container killed for writing too much failed.
func diskFull(r *results.Result, out runner.Outcome, lim runner.Limits) {
	if out.DiskFull && r.Status == results.Failed {
		d := lim.Disk
		if d <= 0 {
			d = config.Disk
		}
		r.Reason = fmt.Sprintf("killed for writing more than %d MB to its file system", d>>20)
	}
}

func fill(r *results.Result, out runner.Outcome) {
	r.ExitCode = out.ExitCode
	r.DurationMS = out.Duration.Milliseconds()
	r.Output = shown(out.Output)
	r.Truncated = out.Truncated
	r.ImageID = out.ImageID
}

func infra(r results.Result, err error) results.Result {
	r.Status = results.Infra
	r.Reason = err.Error()
	if errors.Is(err, proxy.ErrPolicy) || errors.Is(err, runner.ErrDiskBudget) {
		// Refused by the sandbox's rules, or over its disk budget:
		// certain, and the same next time.
		r.Status = results.Failed
		return r
	}
	if errors.Is(err, runner.ErrNoImage) {
		r.Reason += " (build it with .ci/images.sh, or map the reference under [images] in shipshape.toml)"
	}
	return r
}

// judge compares an exit code with the snippet's {expect=…}: "fail" wants
// any non-zero exit, a number wants that exit code, and the default is 0.
// {output="…"} additionally wants that text in the output.
func judge(r *results.Result, s snippet.Snippet, code int, timedOut bool, timeout time.Duration) {
	want := s.Attrs["expect"]
	switch {
	case timedOut:
		r.Status, r.Reason = results.Failed, fmt.Sprintf("killed after the %s timeout", timeout)
		if want == "fail" {
			r.Status = results.ExpectedFail
		}
		return
	case want == "fail":
		if code != 0 {
			r.Status, r.Reason = results.ExpectedFail, fmt.Sprintf("failed as intended (exit %d)", code)
		} else {
			r.Status, r.Reason = results.Failed, "marked {expect=fail} but succeeded"
		}
		return
	}
	wantCode := 0
	if want != "" {
		n, err := strconv.Atoi(want)
		if err != nil {
			r.Status, r.Reason = results.Failed, fmt.Sprintf("{expect=%s}: want fail or an exit code", want)
			return
		}
		wantCode = n
	}
	if code != wantCode {
		r.Status, r.Reason = results.Failed, fmt.Sprintf("exit code %d, want %d", code, wantCode)
		return
	}
	if o, ok := s.Attrs["output"]; ok && !strings.Contains(r.Output, o) {
		r.Status, r.Reason = results.Failed, fmt.Sprintf("output does not contain %q", o)
		return
	}
	r.Status = results.Passed
}

// limits applies config defaults and the snippet's own {timeout=…} and
// {network=…}.
func limits(cfg config.Config, s snippet.Snippet) (runner.Limits, error) {
	mem, err := parseBytes(cfg.Verify.Memory)
	if err != nil {
		return runner.Limits{}, fmt.Errorf("config verify.memory: %w", err)
	}
	lim := runner.Limits{
		Memory:      mem,
		Pids:        cfg.Verify.Pids,
		NanoCPUs:    int64(cfg.Verify.CPUs * 1e9),
		Timeout:     cfg.Verify.Timeout.Duration,
		OutputLimit: cfg.Verify.OutputLimit,
		ReadOnly:    true,
	}
	if t := s.Attrs["timeout"]; t != "" {
		d, err := time.ParseDuration(t)
		if err != nil {
			return lim, fmt.Errorf("{timeout=%s}: %v", t, err)
		}
		lim.Timeout = d
	}
	switch n := s.Attrs["network"]; n {
	case "", "none":
	case "bridge":
		lim.Network = n
	default:
		// host, container:NAME and user-defined networks would reach the
		// host or other containers.
		return lim, fmt.Errorf("{network=%s}: want none or bridge", n)
	}
	if s.Attrs.Has("writable") {
		lim.ReadOnly = false
	}
	return lim, nil
}

func parseBytes(s string) (int64, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "g"):
		mult, s = 1<<30, s[:len(s)-1]
	case strings.HasSuffix(s, "m"):
		mult, s = 1<<20, s[:len(s)-1]
	case strings.HasSuffix(s, "k"):
		mult, s = 1<<10, s[:len(s)-1]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is not a size like 512m", s)
	}
	return n * mult, nil
}

func lastLines(s string, n int) string {
	ls := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(ls) > n {
		ls = ls[len(ls)-n:]
	}
	return strings.Join(ls, "\n") + "\n"
}

// Stale counts the runnable snippets with no stored result that may be
// reused, by hash alone (image IDs need an engine): when it is zero, a
// re-verify can do without an engine, saying that image IDs were not
// re-checked.
func Stale(pages [][]snippet.Snippet, store *results.File, force bool) int {
	n := 0
	for _, page := range pages {
		for _, s := range page {
			if s.Action != snippet.Run && s.Action != snippet.Build && !Checked(s) {
				continue
			}
			prev, ok := store.Lookup(s.Hash)
			if force || !ok || retried(prev) {
				n++
			}
		}
	}
	return n
}
