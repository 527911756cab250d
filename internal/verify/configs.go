package verify

import (
	"context"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/shipshape/shipshape/internal/results"
	"github.com/shipshape/shipshape/internal/runner"
	"github.com/shipshape/shipshape/internal/snippet"
)

// Checked reports whether verify checks a block that it does not run:
// Python is compiled and nginx configuration tested, each in its own image.
func Checked(s snippet.Snippet) bool {
	return s.Action == snippet.None && (s.Kind == snippet.Python || s.Kind == snippet.Nginx)
}

var (
	pyLineRe    = regexp.MustCompile(`File "[^"]*", line (\d+)`)
	nginxLineRe = regexp.MustCompile(`in /[^ ]*(?:snippet\.conf|nginx\.conf):(\d+)`)
	upstreamRe  = regexp.MustCompile(`(?m)^\s*upstream\s+([A-Za-z0-9_.-]+)`)
	hostRe      = regexp.MustCompile(`(?m)(?:(?:proxy|fastcgi|uwsgi|scgi|grpc)_pass\s+(?:[a-z]+://)?|(?:^|[{;])\s*server\s+)([A-Za-z][A-Za-z0-9_.-]*)`)
)

// upstreamHosts lists host names a config connects to, which must resolve
// for nginx -t to pass; under no network they point at 127.0.0.1.
func upstreamHosts(conf string) []string {
	named := map[string]bool{"localhost": true}
	for _, m := range upstreamRe.FindAllStringSubmatch(conf, -1) {
		named[m[1]] = true
	}
	seen := map[string]bool{}
	var out []string
	for _, m := range hostRe.FindAllStringSubmatch(conf, -1) {
		h := m[1]
		if named[h] || seen[h] || strings.HasPrefix(h, "unix") {
			continue
		}
		seen[h] = true
		out = append(out, h+":127.0.0.1")
	}
	sort.Strings(out)
	return out
}

// check compiles a Python block or tests an nginx block inside a container
// of its image, with the block's line numbers mapped to the page.
func check(ctx context.Context, s snippet.Snippet, images *imageCache, opt Options) results.Result {
	r := base(ctx, s, opt)
	r.Image = s.RunImage()
	r.ImageRun = opt.Config.MapImage(r.Image)
	if opt.Engine == nil {
		return infra(r, runner.ErrNoEngine)
	}
	if _, err := images.get(ctx, opt.Engine, r.ImageRun); err != nil {
		return infra(r, err)
	}
	lim, err := limits(opt.Config, s)
	if err != nil {
		r.Status, r.Reason = results.Failed, err.Error()
		return r
	}
	code := snippet.Runnable(s.Code)
	spec := runner.RunSpec{Image: r.ImageRun, Limits: lim, WorkDir: "/"}
	lineRe := pyLineRe
	switch s.Kind {
	case snippet.Python:
		name := path.Base(s.Attrs["file"])
		if name == "." || name == "/" || !strings.HasSuffix(name, ".py") {
			name = "snippet.py"
		}
		spec.Files = map[string][]byte{"work/" + name: []byte(code)}
		spec.Cmd = []string{"python3", "-m", "py_compile", "/work/" + name}
		spec.Env = []string{"PYTHONPYCACHEPREFIX=/tmp/pycache"}
	case snippet.Nginx:
		lineRe = nginxLineRe
		spec.ExtraHosts = upstreamHosts(code)
		spec.CapAdd = []string{"CHOWN", "SETUID", "SETGID", "DAC_OVERRIDE"}
		// nginx -t creates its temp folders and opens its logs: bounded
		// tmpfs folders under the read-only root.
		spec.Tmpfs = []string{"/run", "/var/lib/nginx", "/var/log/nginx", "/var/cache/nginx"}
		if regexp.MustCompile(`(?m)^\s*(events|http)\s*\{`).MatchString(code) {
			spec.Files = map[string][]byte{"etc/nginx/snippet/nginx.conf": []byte(code)}
			spec.Cmd = []string{"nginx", "-t", "-c", "/etc/nginx/snippet/nginx.conf"}
		} else {
			spec.Files = map[string][]byte{"etc/nginx/conf.d/snippet.conf": []byte(code)}
			spec.Cmd = []string{"nginx", "-t"}
		}
	}
	out, err := opt.Engine.Run(ctx, spec)
	if err != nil {
		return infra(r, err)
	}
	r.Proof = "checked"
	fill(&r, out)
	if out.ExitCode == 0 && !out.TimedOut {
		r.Status = results.Passed
		return r
	}
	judge(&r, s, out.ExitCode, out.TimedOut, lim.Timeout)
	if r.Status == results.Failed {
		r.Reason = firstError(r.Output)
		if m := lineRe.FindStringSubmatch(r.Output); m != nil {
			n, _ := strconv.Atoi(m[1])
			r.Reason = fmt.Sprintf("line %d: %s", s.Line+n, r.Reason)
		}
	}
	return r
}

// firstError picks the line of a checker's output that says what is wrong.
func firstError(out string) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for _, l := range lines {
		if strings.Contains(l, "[emerg]") || strings.Contains(l, "Error") {
			return strings.TrimSpace(l)
		}
	}
	if len(lines) > 0 {
		return strings.TrimSpace(lines[len(lines)-1])
	}
	return "check failed"
}
