package proxy

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/shipshape/shipshape/internal/dockerfile"
)

// buildQuery is what a build request's query may carry; a value of true
// means the request's value passes as it is, false that the proxy sets it.
var buildQuery = map[string]bool{
	"t": true, "dockerfile": true, "q": true, "nocache": true, "pull": true, "buildargs": true,
	"target": true, "platform": true, "cachefrom": true, "shmsize": true, "cpushares": true, "cpusetcpus": true,
	"version": true, "session": true, "remote": true, "buildid": true, "labels": false, "networkmode": false, "rm": false, "forcerm": false, "memory": false, "memswap": false,
}

// buildDefaults are options older clients always send; they pass only
// at their default value (and are dropped).
var buildDefaults = map[string]bool{
	"cpuquota": true, "cpuperiod": true, "cpusetmems": true, "ulimits": true, "extrahosts": true,
	"isolation": true, "squash": true, "outputs": true, "cgroupparent": true,
}

// build checks a classic build: its query against the allowlist, its tags
// against the names the page may write, its Dockerfile against fetches the
// daemon would make from the host; then labels the image, maps FROM lines
// and runs it without network.
func (p *Proxy) build(w http.ResponseWriter, r *http.Request, _ args) {
	q := r.URL.Query()
	// A refused BuildKit build ends its session (see endSession).
	if id := q.Get("session"); id != "" {
		sw := &statusWriter{ResponseWriter: w}
		w = sw
		defer func() {
			if sw.status >= 400 {
				p.endSession(id)
			}
		}()
	}
	for k, vs := range q {
		if _, ok := buildQuery[k]; ok {
			continue
		}
		if buildDefaults[k] {
			if v := strings.Join(vs, ""); v == "" || v == "0" || v == "[]" || v == "null" || v == "false" || v == "{}" {
				q.Del(k)
				continue
			}
		}
		refuse(w, "docker build: the option %s is %v", k, ErrPolicy)
		return
	}
	// A cache import makes the engine ask a registry; builds use the
	// engine's local cache only.
	for _, c := range q["cachefrom"] {
		if c != "" && c != "[]" && c != "null" {
			refuse(w, "docker build --cache-from is %v: builds use the engine's local cache", ErrPolicy)
			return
		}
	}
	bargs := map[string]string{}
	if s := q.Get("buildargs"); s != "" {
		raw := map[string]*string{}
		if err := decode([]byte(s), &raw); err != nil {
			deny(w, http.StatusBadRequest, "shipshape: docker build --build-arg: %v", err)
			return
		}
		for k, v := range raw {
			if v != nil {
				bargs[k] = *v
			}
		}
	}
	pull := q.Get("platform") != ""
	if v := q.Get("pull"); v != "" && v != "0" && !strings.EqualFold(v, "false") {
		pull = true
	}
	buildkit := false
	switch v := q.Get("version"); v {
	case "", "1":
		for _, k := range []string{"session", "remote", "buildid"} {
			if q.Get(k) != "" {
				refuse(w, "docker build: the option %s is for BuildKit builds only", k)
				return
			}
		}
	case "2":
		// BuildKit: the context and the Dockerfile come through a session
		// this proxy opened (see session.go), never from a URL or a body.
		buildkit = true
		if q.Get("remote") != "client-session" {
			refuse(w, "docker build: a BuildKit build must read its files from its client session (remote=client-session)")
			return
		}
		for a := range bargs {
			if strings.EqualFold(a, "BUILDKIT_SYNTAX") {
				refuse(w, "docker build --build-arg %s is %v: builds use the engine's own Dockerfile frontend", a, ErrPolicy)
				return
			}
		}
		p.noteBuild(bargs, pull)
		raw := map[string]*string{}
		if s := q.Get("buildargs"); s != "" {
			_ = decode([]byte(s), &raw) // read above
		}
		ns := p.cacheNamespace(raw[cacheNSArg])
		raw[cacheNSArg] = &ns
		b, _ := json.Marshal(raw)
		q.Set("buildargs", string(b))
	default:
		refuse(w, "docker build: builder version %q is not one the engine knows", v)
		return
	}
	if buildkit && !p.waitSession(r.Context(), q.Get("session")) {
		refuse(w, "docker build: BuildKit session %q was not opened through this page's proxy", q.Get("session"))
		return
	}
	for _, t := range q["t"] {
		if err := p.writableName(r.Context(), t); err != nil {
			if errors.Is(err, ErrConflict) {
				denyClaim(w, err)
				return
			}
			refuse(w, "docker build -t: %v", err)
			return
		}
	}
	l := map[string]string{}
	if s := q.Get("labels"); s != "" {
		if err := decode([]byte(s), &l); err != nil {
			deny(w, http.StatusBadRequest, "shipshape: docker build --label: %v", err)
			return
		}
	}
	l, err := p.ourLabels(l)
	if err != nil {
		refuse(w, "docker build: %v", err)
		return
	}
	b, _ := json.Marshal(l)
	q.Set("labels", string(b))
	q.Set("networkmode", "none")
	q.Set("rm", "1")
	q.Set("forcerm", "1")
	q.Del("memory")
	q.Del("memswap")
	if p.pol.Memory > 0 {
		q.Set("memory", strconv.FormatInt(p.pol.Memory, 10))
		q.Set("memswap", strconv.FormatInt(p.pol.Memory, 10))
	}
	if p.pol.PageCgroup != nil && !buildkit {
		cg, err := p.pol.PageCgroup(context.WithValue(r.Context(), classicKey{}, true))
		if err != nil {
			deny(w, http.StatusBadGateway, "shipshape proxy: hold the build to the page's limits: %v", err)
			return
		}
		if cg != "" {
			q.Set("cgroupparent", cg)
		}
	}
	r.URL.RawQuery = q.Encode()
	// Each build runs its steps held to the limits alone, so a page's
	// builds run a few at a time; the others wait their turn.
	slot, err := p.buildSlot(r.Context())
	if err != nil {
		return
	}
	defer slot()
	if buildkit {
		// Nothing to rewrite: the Dockerfile is judged as it passes
		// through the session, and the names it holds are released once
		// this build, and any other on its session, has ended.
		defer p.sessionBuild(q.Get("session"))()
		if p.pol.BuildCgroup != nil {
			cgroup, err := p.pol.BuildCgroup(r.Context())
			if err != nil {
				deny(w, http.StatusBadGateway, "shipshape proxy: hold the build to the page's limits: %v", err)
				return
			}
			if cgroup != "" {
				p.solveBuild(w, r, q, cgroup)
				return
			}
		}
		forward(p, w, r, args{})
		return
	}
	name := q.Get("dockerfile")
	if name == "" {
		name = "Dockerfile"
	}
	// The Dockerfile is judged by its name in the context, so the name
	// must have one spelling only.
	if name = strings.TrimPrefix(name, "./"); path.Clean(name) != name || path.IsAbs(name) || strings.HasPrefix(name, "../") || strings.Contains(name, "\\") {
		refuse(w, "docker build -f %s: the Dockerfile must be named by a plain path inside the context", name)
		return
	}
	release := func() {}
	defer func() { release() }()
	// The rewritten context goes to a file, not memory: it may be as
	// large as maxContext, and a page may send several at once.
	f, err := p.spool("shipshape-context-*")
	if err != nil {
		deny(w, http.StatusInternalServerError, "shipshape proxy: %v", err)
		return
	}
	defer f.Close()
	err = rewriteContext(r.Body, name, func(df string) (string, error) {
		if err := CheckRemoteAdd(r.Context(), df, p.fetchURLs()); err != nil {
			return "", err
		}
		rel, names, err := p.judgeSources(r.Context(), df, []map[string]string{bargs}, pull)
		release = rel
		if err != nil {
			if errors.Is(err, ErrConflict) {
				return "", &policyError{err}
			}
			return "", err
		}
		// The rewrite maps the names the file spells out; a name a build
		// argument or a base's ONBUILD trigger gives reaches the classic
		// builder as it is, so it gets a stand-in as in BuildKit builds.
		if p.pol.StandIns != nil {
			if err := p.pol.StandIns(r.Context(), df, names); err != nil {
				return "", err
			}
		}
		if p.pol.Dockerfile != nil {
			df = p.pol.Dockerfile(df)
		}
		return df, nil
	}, f)
	if errors.Is(err, errContextSize) || errors.Is(err, errSpool) {
		deny(w, http.StatusRequestEntityTooLarge, "shipshape: docker build: %v", err)
		return
	}
	var size int64
	if err == nil {
		size, err = f.Seek(0, io.SeekCurrent)
	}
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		var pe *policyError
		if errors.As(err, &pe) {
			refuse(w, "docker build: %s: %v", name, pe.err)
			return
		}
		deny(w, http.StatusBadRequest, "shipshape: read build context: %v", err)
		return
	}
	if !p.readingStarted() {
		deny(w, http.StatusServiceUnavailable, "shipshape proxy: the session is ending")
		return
	}
	defer p.readingEnded()
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	defer context.AfterFunc(p.stopped, cancel)()
	r = r.WithContext(ctx)
	r.Body = io.NopCloser(f)
	r.ContentLength = size
	r.Header.Set("Content-Length", fmt.Sprint(size))
	r.Header.Del("Transfer-Encoding")
	r.TransferEncoding = nil
	tw := &teeWriter{ResponseWriter: w, limit: 4 << 20}
	// Deferred: a build cut mid-answer ends the handler with a panic
	// (http.ErrAbortHandler), and the steps it made are still to be found.
	defer func() {
		if ids := LayerIDs(tw.buf.Bytes()); len(ids) > 0 {
			// The journal first: it outlives this process.
			if p.pol.Steps != nil {
				p.pol.Steps(ids)
			}
			p.mu.Lock()
			p.layers = append(p.layers, ids...)
			p.mu.Unlock()
		}
	}()
	p.rp.ServeHTTP(tw, r)
}

// buildSlot waits for one of the page's maxBuilds build slots; release
// gives it back.
func (p *Proxy) buildSlot(ctx context.Context) (release func(), err error) {
	select {
	case p.buildSlots <- struct{}{}:
		return func() { <-p.buildSlots }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// policyError marks a refusal found while reading a build context.
type policyError struct{ err error }

func (e *policyError) Error() string { return e.err.Error() }

// maxContext bounds a classic build's context, as it comes and as it
// unpacks: the proxy reads all of it, on the host, outside the page's
// limits.
const maxContext = 512 << 20

// errContextSize is a context past maxContext.
var errContextSize = fmt.Errorf("the build context is larger than %d MiB unpacked", maxContext>>20)

// rewriteContext copies a (possibly gzipped) tar build context to out,
// passing every file the classic builder could read as the Dockerfile
// through fix. Only the Dockerfile is held in memory; the rest streams.
func rewriteContext(body io.Reader, name string, fix func(string) (string, error), out io.Writer) error {
	br := bufio.NewReader(io.LimitReader(body, maxContext))
	var in io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return err
		}
		in = zr
	}
	tr := tar.NewReader(&capReader{r: in, n: maxContext})
	tw := tar.NewWriter(out)
	clean := strings.TrimPrefix(name, "./")
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		// The classic builder falls back to "dockerfile" when the default
		// name is missing. The engine unpacks "/x" and "x" to the same
		// file, and opens the name in what it unpacked, following
		// symlinks: a folder on the way that is not one would lead it to
		// a file not judged here.
		n := strings.TrimPrefix(path.Clean("/"+hdr.Name), "/")
		if fix != nil && hdr.Typeflag != tar.TypeDir && strings.HasPrefix(clean, n+"/") {
			return &policyError{fmt.Errorf("%s in the context is on the Dockerfile's path and is not a folder", hdr.Name)}
		}
		if fix == nil || (n != clean && (clean != "Dockerfile" || n != "dockerfile")) {
			if err := tw.WriteHeader(hdr); err != nil {
				return err
			}
			if _, err := io.Copy(tw, tr); err != nil {
				return err
			}
			continue
		}
		if hdr.Typeflag != tar.TypeReg {
			return &policyError{fmt.Errorf("the Dockerfile must be a regular file in the context")}
		}
		data, err := io.ReadAll(io.LimitReader(tr, maxDockerfile+1))
		if err != nil {
			return err
		}
		if len(data) > maxDockerfile {
			return &policyError{fmt.Errorf("the Dockerfile is larger than %d bytes", maxDockerfile)}
		}
		s, err := fix(string(data))
		if err != nil {
			return &policyError{err}
		}
		hdr.Size = int64(len(s))
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := io.WriteString(tw, s); err != nil {
			return err
		}
	}
	return tw.Close()
}

// capReader reads r, and fails with errContextSize once more than n
// bytes came.
type capReader struct {
	r io.Reader
	n int64
}

func (c *capReader) Read(b []byte) (int, error) {
	k, err := c.r.Read(b)
	if c.n -= int64(k); c.n < 0 {
		return k, errContextSize
	}
	return k, err
}

// noteBuild records what a BuildKit build of the page asked that changes
// what its Dockerfile may fetch: its arguments, and whether it pulls.
func (p *Proxy) noteBuild(args map[string]string, pull bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buildArgs = append(p.buildArgs, args)
	p.pulled = p.pulled || pull
}

// judgeSources judges every image a Dockerfile reads (dockerfile.Sources),
// its names expanded with each of argSets (for a BuildKit build, those of
// every build of the page, since its Dockerfile arrives apart from its
// request): one another live session holds is a conflict; each other is
// judged as a pull (checkRegistry), without the pass a local image gets
// when the build pulls or names a platform, since the engine then asks the
// registry anyway.
//
// The names it reads are held (holdNames) before they are judged, until
// the caller calls release, when the build has ended; release is never nil.
// names are those judged, each once: a mapped one passes as mapped only if
// the engine is given the local image for it (see Policy.StandIns).
func (p *Proxy) judgeSources(ctx context.Context, df string, argSets []map[string]string, pull bool) (release func(), names []string, err error) {
	if len(argSets) == 0 {
		argSets = []map[string]string{nil}
	}
	for _, args := range argSets {
		_ = eachSource(df, args, func(ref string, _ bool) error { names = append(names, ref); return nil })
	}
	base := p.holdNames(names)
	var more []func()
	judge := func(ref string, platform bool) error {
		if p.othersImage(ctx, ref) {
			return ErrConflict
		}
		return p.checkRegistry(ctx, ref, pull || platform)
	}
	held := func(ref string, platform bool) error {
		// A name a base's trigger reads is held as it is judged.
		more = append(more, p.holdNames([]string{ref}))
		names = append(names, ref)
		return judge(ref, platform)
	}
	all := func() {
		for _, r := range more {
			r()
		}
		base()
	}
	for _, args := range argSets {
		if err := eachSource(df, args, judge); err != nil {
			all()
			return func() {}, nil, err
		}
		if err := p.judgeBaseTriggers(ctx, df, args, held); err != nil {
			all()
			return func() {}, nil, err
		}
	}
	seen := map[string]bool{}
	uniq := names[:0:0]
	for _, n := range names {
		if !seen[n] {
			seen[n] = true
			uniq = append(uniq, n)
		}
	}
	return all, uniq, nil
}

// holdNames holds image names for a running build (see Proxy.holds) and
// returns what releases them, once.
func (p *Proxy) holdNames(names []string) func() {
	keys := make([]string, 0, len(names))
	for _, n := range names {
		keys = append(keys, normalize(n))
	}
	p.mu.Lock()
	p.building++
	for _, k := range keys {
		p.holds[k]++
	}
	p.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			p.mu.Lock()
			defer p.mu.Unlock()
			p.building--
			for _, k := range keys {
				if p.holds[k]--; p.holds[k] <= 0 {
					delete(p.holds, k)
				}
			}
		})
	}
}

// heldName reports whether a running build of the page reads name.
func (p *Proxy) heldName(name string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.holds[normalize(name)] > 0
}

// buildRunning reports whether a build of the page that reads images by
// name is running.
func (p *Proxy) buildRunning() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.building > 0
}

// judgeBaseTriggers judges the ONBUILD triggers of each image the build
// starts FROM (as the build names it, mapped, where it is on the engine):
// the engine runs them as the build's first steps. An image not on the
// engine yet is fetched first (Policy.Ensure, a pull judged as the page's
// own), since the build would fetch it and run triggers no one has read.
func (p *Proxy) judgeBaseTriggers(ctx context.Context, df string, args map[string]string, judge func(string, bool) error) error {
	if p.pol.Triggers == nil {
		return nil
	}
	srcs, _ := dockerfile.Sources(df, args)
	for _, s := range srcs {
		if s.What != "FROM" || s.Unknown {
			continue
		}
		name := p.mapImage(ctx, s.Ref)
		triggers, ok := p.pol.Triggers(ctx, name)
		if !ok && p.pol.Ensure != nil {
			if err := p.pol.Ensure(ctx, name); err != nil {
				return fmt.Errorf("Dockerfile line %d: FROM %s: %w", s.Line, s.Ref, err)
			}
			triggers, _ = p.pol.Triggers(ctx, name)
		}
		if err := checkTriggers(ctx, triggers, p.fetchURLs(), func(ref string) error { return judge(ref, false) }); err != nil {
			return fmt.Errorf("Dockerfile line %d: FROM %s: %w", s.Line, s.Ref, err)
		}
	}
	return nil
}

// CheckTriggers judges the ONBUILD triggers of an image a one-off build
// starts FROM, as its own instructions: ADD of URLs, and every image a
// trigger copies or mounts from, which must come from a registry of the
// wider internet.
func CheckTriggers(ctx context.Context, triggers []string, anyRegistry bool) error {
	return checkTriggers(ctx, triggers, false, func(ref string) error { return CheckRegistryHost(ctx, ref, anyRegistry) })
}

func checkTriggers(ctx context.Context, triggers []string, fetch bool, judge func(ref string) error) error {
	for _, t := range triggers {
		if err := checkTrigger(ctx, t, fetch, judge); err != nil {
			return fmt.Errorf("its ONBUILD trigger %q: %w", t, err)
		}
	}
	return nil
}

// checkTrigger judges one ONBUILD trigger as the engine will read it when
// a build runs it: parsed as a file of its own, where a leading byte-order
// mark is dropped and a first line "# escape=`" is a directive. A trigger
// that such a reading could make differ from a plain one (a byte-order
// mark, a line break, a leading #) or that is not one instruction is
// refused; the one instruction is judged for ADD of URLs and, with judge
// (nil: not here), for the images it reads.
func checkTrigger(ctx context.Context, t string, fetch bool, judge func(ref string) error) error {
	if strings.ContainsAny(t, "\ufeff\n\r") || strings.HasPrefix(strings.TrimSpace(t), "#") {
		return fmt.Errorf("%w: a trigger with a byte-order mark, a line break or a leading # reads differently to the engine", ErrPolicy)
	}
	res, err := parser.Parse(strings.NewReader(t))
	if err != nil || res.AST == nil || len(res.AST.Children) != 1 {
		return fmt.Errorf("%w: the trigger is not one instruction", ErrPolicy)
	}
	if err := checkAdd(ctx, res.AST.Children[0], 1, fetch); err != nil {
		return err
	}
	if judge == nil {
		return nil
	}
	return eachSource("FROM scratch\n"+t+"\n", nil, func(ref string, _ bool) error { return judge(ref) })
}

// CheckBuildSources judges every image a one-off build's Dockerfile reads,
// as a session's build without arguments: each must come from a registry
// of the wider internet (its FROM bases are mapped to local images before).
func CheckBuildSources(ctx context.Context, df string, anyRegistry bool) error {
	return eachSource(df, nil, func(ref string, _ bool) error { return CheckRegistryHost(ctx, ref, anyRegistry) })
}

// eachSource judges each image a Dockerfile may read with judge (platform:
// its FROM names a platform): those of dockerfile.Sources, as BuildKit's
// parser reads the file, and those of dockerfile.Raw, under any reading,
// since the engine's own parser may be older or newer. A name only the
// build knows (a stage's own ARG) is refused.
func eachSource(df string, args map[string]string, judge func(ref string, platform bool) error) error {
	srcs, _ := dockerfile.Sources(df, args)
	seen := map[string]bool{}
	for _, s := range append(srcs, dockerfile.Raw(df, args)...) {
		key := fmt.Sprintf("%s %t %t", s.Ref, s.Unknown, s.Platform)
		if seen[key] {
			continue
		}
		seen[key] = true
		if s.Unknown {
			return fmt.Errorf("Dockerfile line %d: %s %s: %w: the image is named by variables only the build knows", s.Line, s.What, s.Ref, ErrPolicy)
		}
		if err := judge(s.Ref, s.Platform); err != nil {
			return fmt.Errorf("Dockerfile line %d: %s %s: %w", s.Line, s.What, s.Ref, err)
		}
	}
	return nil
}

// syntaxLineRe finds comment lines that could be a frontend directive.
var syntaxLineRe = regexp.MustCompile(`(?i)syntax`)

// BlankFrontend judges a Dockerfile's frontend directive, for every build
// shipshape lets the engine make. A "# syntax=" line (or "//", or a JSON
// Dockerfile naming one) would make the engine's BuildKit fetch another
// frontend image from any registry, from the host's own network, and run
// it: a program that can ask for anything, where no one judges what it
// asks. So each comment line of the header that mentions syntax is blanked
// to a comment of the same length (the site's own examples say
// "# syntax=docker/dockerfile:1", which the engine's own frontend serves),
// and a directive BuildKit would still find is refused. The result has the
// length of df. Classic builds ignore directives; they are judged the same
// way, so that a page does not build on one engine and not another.
func BlankFrontend(df string) (string, error) {
	lines := strings.SplitAfter(df, "\n")
	for i, l := range lines {
		t := strings.TrimSpace(strings.TrimPrefix(l, "\ufeff"))
		if t != "" && !strings.HasPrefix(t, "#") && !strings.HasPrefix(t, "//") && !strings.HasPrefix(t, "{") {
			break
		}
		if syntaxLineRe.MatchString(t) {
			body := strings.TrimRight(l, "\r\n")
			lines[i] = "#" + strings.Repeat(" ", len(body)-1) + l[len(body):]
		}
	}
	out := strings.Join(lines, "")
	if _, _, _, ok := parser.DetectSyntax([]byte(out)); ok {
		return "", fmt.Errorf("a frontend directive is %w: builds use the engine's own Dockerfile frontend", ErrPolicy)
	}
	return out, nil
}

// noInstructions reports whether a file holds no Dockerfile instruction:
// BuildKit's parser finds none, and, for engines whose parser differs,
// every line is blank or a comment to the plainest reading too.
func noInstructions(data []byte) bool {
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(strings.TrimPrefix(l, "\ufeff")); l != "" && !strings.HasPrefix(l, "#") {
			return false
		}
	}
	_, err := parser.Parse(strings.NewReader(string(data)))
	return err != nil && strings.Contains(err.Error(), "file with no instructions")
}

// CheckRemoteAdd refuses a Dockerfile whose ADD (or ONBUILD ADD) fetches a
// URL the engine would fetch from the host's own network namespace: a
// loopback, link-local, private, unspecified or multicast address, or a
// name that resolves to one (or does not resolve, as then it cannot be
// judged). A source built from variables is refused too, since its value
// is only known in the build. The error names the Dockerfile line.
//
// Without fetch every URL is refused: the engine follows redirects (and
// resolves names anew), so a public URL can still lead to the host. With
// fetch (a site that accepts that, allow_host) only the address named is
// judged.
func CheckRemoteAdd(ctx context.Context, dockerfile string, fetch bool) error {
	res, err := parser.Parse(strings.NewReader(dockerfile))
	if err != nil {
		return fmt.Errorf("parse Dockerfile: %w", err)
	}
	for _, n := range res.AST.Children {
		if err := checkAdd(ctx, n, n.StartLine, fetch); err != nil {
			return err
		}
	}
	return nil
}

func checkAdd(ctx context.Context, n *parser.Node, line int, fetch bool) error {
	switch strings.ToLower(n.Value) {
	case "onbuild":
		if n.Next != nil {
			for _, c := range n.Next.Children {
				if err := checkAdd(ctx, c, line, fetch); err != nil {
					return err
				}
			}
		}
		// The engine parses a trigger again, as a file of its own, when
		// a build runs it: so is it read here too.
		t := strings.TrimLeft(n.Original, " \t")
		if i := strings.IndexAny(t, " \t"); i >= 0 {
			if err := checkTrigger(ctx, strings.TrimSpace(t[i+1:]), fetch, nil); err != nil {
				return fmt.Errorf("Dockerfile line %d: ONBUILD: %w", line, err)
			}
		}
	case "add":
		var args []string
		for a := n.Next; a != nil; a = a.Next {
			args = append(args, a.Value)
		}
		// The last argument is the destination.
		for i, src := range args {
			if i == len(args)-1 && len(args) > 1 {
				break
			}
			if err := checkSource(ctx, src, fetch); err != nil {
				return fmt.Errorf("Dockerfile line %d: ADD %s: %w", line, src, err)
			}
		}
	}
	return nil
}

// cacheNSArg is the build argument in whose namespace BuildKit keeps a
// build's cache mounts (RUN --mount=type=cache): by default one namespace
// for every build on the engine.
const cacheNSArg = "BUILDKIT_CACHE_MOUNT_NS"

// cacheNamespace is where the page's BuildKit builds keep their cache
// mounts: a namespace of the session's own, so that a page finds what its
// earlier builds left there (as the reader's second build would) and never
// what another page's did; a namespace the page names is one inside it.
func (p *Proxy) cacheNamespace(page *string) string {
	ns := "shipshape-" + p.pol.Labels[p.pol.OwnerLabel]
	if page != nil && *page != "" {
		ns += "/" + *page
	}
	return ns
}

// fetchURLs reports whether the engine may download ADD URLs for the page.
func (p *Proxy) fetchURLs() bool { return p.pol.Egress && p.pol.FetchURLs }

// checkSource judges one ADD source; fetch is whether the engine may
// download a URL for the page at all.
func checkSource(ctx context.Context, src string, fetch bool) error {
	// A source can only be a URL if it starts with one; one starting with
	// a variable may expand to one.
	if strings.Contains(src, "$") && !strings.HasPrefix(src, "/") && !strings.HasPrefix(src, ".") {
		return fmt.Errorf("%w: an ADD source made of variables cannot be judged before the build; start it with ./ or /", ErrPolicy)
	}
	l := strings.ToLower(src)
	// Git over ssh ("git@host:repo", ssh://, git://): the engine's own
	// connection, like a download, and to a host that cannot be judged
	// by address alone; builds have no credentials for it anyway.
	for _, g := range []string{"git@", "ssh://", "git://"} {
		if strings.HasPrefix(l, g) {
			return fmt.Errorf("%w: the engine would fetch a Git repository itself; COPY files of the page instead", ErrPolicy)
		}
	}
	if !strings.HasPrefix(l, "http://") && !strings.HasPrefix(l, "https://") {
		return nil
	}
	if !fetch {
		// The download is the engine's, made from the host's network
		// whatever the build's own network is, and it goes where the
		// answer redirects it.
		return fmt.Errorf("%w: the engine would download it itself, from its host's network, where a redirect (or a name resolved anew) takes it to the host; COPY a file of the page (a page session with network=bridge may fetch where allow_host = true under [verify] accepts that)", ErrPolicy)
	}
	u, err := url.Parse(src)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrPolicy, err)
	}
	return checkHost(ctx, u.Hostname())
}

// checkHost judges a host the engine would reach from the host's own
// network on a page's behalf: it must be of the wider internet.
func checkHost(ctx context.Context, host string) error {
	if a, err := netip.ParseAddr(host); err == nil {
		if !public(a) {
			return fmt.Errorf("%w: the engine would fetch it from the host's own network (%s)", ErrPolicy, a)
		}
		return nil
	}
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if h == "" || h == "localhost" || strings.HasSuffix(h, ".localhost") || !strings.ContainsAny(h, "ghijklmnopqrstuvwyz") {
		// Numeric forms (2130706433, 0x7f.1, 127.1) resolve to addresses
		// through the C resolver; refuse them all.
		return fmt.Errorf("%w: %q is not a host name that can be judged", ErrPolicy, host)
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", h)
	if err != nil || len(addrs) == 0 {
		return fmt.Errorf("%w: %s does not resolve here, so it cannot be judged", ErrPolicy, host)
	}
	for _, a := range addrs {
		if !public(a) {
			return fmt.Errorf("%w: %s resolves to %s, an address of the host's own network", ErrPolicy, host, a)
		}
	}
	return nil
}

// cgnat is the shared address space carriers and some hosts use internally.
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// public reports whether an address is one of the wider internet's.
func public(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsValid() && a.IsGlobalUnicast() && !a.IsPrivate() && !cgnat.Contains(a) && !a.Is4In6()
}

// waitSession reports whether the build session id is open through this
// proxy, waiting a while for it.
func (p *Proxy) waitSession(ctx context.Context, id string) bool {
	_, ok := waitFor(ctx, 10*time.Second, func() (struct{}, bool) {
		p.mu.Lock()
		defer p.mu.Unlock()
		return struct{}{}, p.sessions[id]
	})
	return ok
}

// statusWriter records the status a handler answered with.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *statusWriter) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// classicKey marks the context PageCgroup is asked under for a classic
// build, whose step containers the engine removes on its own time, even
// after the build was cut.
type classicKey struct{}

// ClassicBuild is whether PageCgroup was asked for a classic build.
func ClassicBuild(ctx context.Context) bool {
	v, _ := ctx.Value(classicKey{}).(bool)
	return v
}
