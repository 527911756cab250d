package verify

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/shipshape/shipshape/internal/dockerfile"
	"github.com/shipshape/shipshape/internal/results"
	"github.com/shipshape/shipshape/internal/runner"
	"github.com/shipshape/shipshape/internal/snippet"
)

// Sessions is what an engine needs to run page sessions.
type Sessions interface {
	StartSession(ctx context.Context, spec runner.SessionSpec) (*runner.Session, error)
}

var _ Sessions = (*runner.Engine)(nil)

// InSession reports whether a block runs in its page's session, where
// commands drive the engine: a console block with {run}, a shell block with
// {run} and no image, or any {run session} block.
func InSession(s snippet.Snippet) bool { return s.InSession() }

// pageSession runs a page's session blocks in order in one session.
type pageSession struct {
	opt     Options
	dir     string // the session's work dir (snippet.WorkDir)
	images  *imageCache
	mu      sync.Mutex
	used    map[string]bool // local image references the page's commands used
	s       *runner.Session
	err     error
	written map[string]string
}

func (p *pageSession) start(ctx context.Context, network bool) {
	if p.s != nil || p.err != nil {
		return
	}
	ss, ok := p.opt.Engine.(Sessions)
	if !ok {
		p.err = fmt.Errorf("%w: this engine cannot run page sessions", runner.ErrNoEngine)
		return
	}
	cfg := p.opt.Config
	lim, err := limits(cfg, snippet.Snippet{})
	if err != nil {
		p.err = err
		return
	}
	// Every image the page's commands reach through the image map is
	// recorded, so that its results go stale when one of those images does.
	// Names the map leaves alone are not: the proxy also asks about names
	// the page builds and tags itself, which are gone after the session and
	// would make every later run stale.
	mapImage := func(ref string) string {
		m := cfg.MapImage(ref)
		if m != ref {
			p.use(m)
		}
		return m
	}
	p.s, p.err = ss.StartSession(ctx, runner.SessionSpec{
		Image: cfg.Verify.SessionImage, WorkDir: p.dir, Limits: lim, MapImage: mapImage, Network: network,
		Dockerfile: func(df string) string {
			out, bases := dockerfile.RewriteFrom(df, cfg.MapImage)
			out, copied := dockerfile.RewriteSources(out, cfg.MapImage)
			for _, b := range append(bases, copied...) {
				p.use(b)
			}
			return out
		},
		DenyPull:  p.opt.Pull == "never",
		Used:      p.use,
		AllowHost: cfg.Verify.AllowHost,
	})
}

func (p *pageSession) use(ref string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.used == nil {
		p.used = map[string]bool{}
	}
	p.used[ref] = true
}

// usedImages maps every image the page used so far to its ID.
func (p *pageSession) usedImages(ctx context.Context) map[string]string {
	p.mu.Lock()
	refs := make([]string, 0, len(p.used))
	for r := range p.used {
		refs = append(refs, r)
	}
	p.mu.Unlock()
	out := map[string]string{}
	for _, r := range refs {
		if id, err := p.images.get(ctx, p.opt.Engine, r); err == nil {
			out[r] = id
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// conflicts lists what the page's session met of other sessions.
func (p *pageSession) conflicts() []string {
	if p.s == nil {
		return nil
	}
	return p.s.Conflicts()
}

func (p *pageSession) close() {
	if p.s != nil {
		p.s.Close()
	}
}

// run verifies one session block; files are the page's files so far.
func (p *pageSession) run(ctx context.Context, s snippet.Snippet, files map[string][]byte, r results.Result, network bool) results.Result {
	p.start(ctx, network)
	r.Image = p.opt.Config.Verify.SessionImage
	r.ImageRun = r.Image
	if p.err != nil {
		return infra(r, p.err)
	}
	if p.written == nil {
		p.written = map[string]string{}
	}
	fresh := map[string][]byte{}
	for n, b := range files {
		if p.written[n] != string(b) {
			fresh[n] = b
			p.written[n] = string(b)
		}
	}
	if err := p.s.WriteFiles(ctx, fresh); err != nil {
		// The folder is the page's: a path its commands made lead out of
		// it (a symlink) is the page's failure, not the machine's.
		r.Status, r.Reason = results.Failed, err.Error()
		return r
	}
	lim, err := limits(p.opt.Config, s)
	if err != nil {
		r.Status, r.Reason = results.Failed, err.Error()
		return r
	}
	r.ImageID, _ = p.images.get(ctx, p.opt.Engine, r.ImageRun)
	if s.Kind == snippet.Console {
		return p.console(ctx, s, r, lim)
	}
	code := snippet.Runnable(s.Code)
	script := statePrelude + "set -e\n" + code
	out, err := p.s.Exec(ctx, script, lim.Timeout, lim.OutputLimit)
	if err != nil {
		return infra(r, err)
	}
	r.Proof = "ran"
	r.ExitCode, r.DurationMS, r.Output, r.Truncated = out.ExitCode, out.Duration.Milliseconds(), shown(out.Output), out.Truncated
	r.Images = p.usedImages(ctx)
	judge(&r, s, out.ExitCode, out.TimedOut, lim.Timeout)
	return r
}

func (p *pageSession) console(ctx context.Context, s snippet.Snippet, r results.Result, lim runner.Limits) results.Result {
	steps := snippet.Steps(s.Code)
	if len(steps) == 0 {
		r.Status, r.Reason = results.Failed, "console block has no \"$ \" command"
		return r
	}
	start := time.Now()
	out, err := p.s.Exec(ctx, consoleScript(steps), lim.Timeout, lim.OutputLimit)
	if err != nil {
		return infra(r, err)
	}
	r.Proof = "ran"
	r.DurationMS = time.Since(start).Milliseconds()
	r.Images = p.usedImages(ctx)
	r.Truncated = out.Truncated
	outputs, codes := splitSteps(shown(out.Output), len(steps))
	var transcript strings.Builder
	var problem string
	failed := 0
	for i, st := range steps {
		got := strings.TrimRight(outputs[i], "\n")
		if !st.Hidden {
			fmt.Fprintf(&transcript, "$ %s\n", st.Cmd)
			if got != "" {
				transcript.WriteString(got + "\n")
			}
		}
		if codes[i] != 0 {
			failed++
			r.ExitCode = codes[i]
		}
		if problem != "" || st.Hidden {
			continue
		}
		line := s.Line + st.Line
		switch {
		case codes[i] < 0:
			problem = fmt.Sprintf("line %d `%s` did not finish", line, st.Cmd)
			if out.TimedOut {
				problem += fmt.Sprintf(" (killed after the %s timeout)", lim.Timeout)
			}
		default:
			if d := matchOutput(st.Want, got); d != "" {
				problem = fmt.Sprintf("line %d `%s`: %s", line, st.Cmd, d)
			}
		}
	}
	r.Output = transcript.String()
	want := s.Attrs["expect"]
	switch {
	case problem != "" && want == "fail":
		r.Status, r.Reason = results.ExpectedFail, "failed as intended: "+problem
	case problem != "":
		r.Status, r.Reason = results.Failed, problem
	case want == "fail" && failed == 0:
		r.Status, r.Reason = results.Failed, "marked {expect=fail} but every command succeeded"
	case want == "fail":
		r.Status, r.Reason = results.ExpectedFail, fmt.Sprintf("a command failed as intended (exit %d)", r.ExitCode)
	default:
		r.Status = results.Passed
	}
	return r
}
