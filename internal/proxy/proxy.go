// Package proxy serves an allowlisted Docker Engine API on a unix socket, so
// a page's commands can drive the real engine without owning it.
//
// Every request is matched against a list of endpoints (method and path);
// anything else is refused with a 403 that names it. Every body the proxy
// accepts is decoded into the Engine API's own Go types with the engine's
// key semantics, duplicate and unknown keys refused, judged field by field
// against an allowlist (a field not named must be left at its default) and
// forwarded re-encoded, never as the bytes that came in. Objects are the
// session's when they carry its label; a page may only touch, join, enter or
// list its own. Images written in the docs are mapped to local ones.
package proxy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/netutil"
	"golang.org/x/sync/semaphore"
)

// Policy is what the proxy enforces.
type Policy struct {
	Labels     map[string]string // added to every container, network, volume and image
	OwnerLabel string            // the key whose value (Labels[OwnerLabel]) marks the session's objects
	Network    string            // containers that name no network join this one
	Memory     int64             // most memory a container may have, bytes
	Pids       int64             // most processes a container may have
	NanoCPUs   int64             // most CPU a container may have
	// PageCgroup, when set, names the cgroup every container of the page
	// and every classic build step runs under, made at its first call: a
	// cgroup whose limits bound the page's containers together, not only
	// each alone. "" where the engine cannot.
	PageCgroup func(ctx context.Context) (string, error)
	MapImage   func(string) string
	Dockerfile func(string) string // rewrites a build's Dockerfile (FROM mapping)
	// StandIns makes the image names a build may read resolve to their
	// mapped local images, before the engine reads them. It is given the
	// build's Dockerfile as judged and every name the proxy judged in it
	// (under each of the page's build arguments, and in its bases' ONBUILD
	// triggers). BuildKit builds need it for every name, since their
	// Dockerfile cannot be rewritten at the engine; classic builds call it
	// after judging, for the names their rewrite cannot reach (build
	// arguments, triggers). An error refuses the build.
	StandIns func(ctx context.Context, dockerfile string, names []string) error
	// BuildCgroup, where the engine's BuildKit honours a cgroup parent for
	// build steps, returns the parent that puts a build's steps under a
	// holder carrying the session's limits; the proxy then runs BuildKit
	// builds itself (solve.go). "" means the engine cannot: the build goes
	// to its /build.
	BuildCgroup func(ctx context.Context) (parent string, err error)
	DenyPull    bool // refuse pulls of images that are not mapped to a local one
	Egress      bool // networks the page creates may reach beyond the engine
	// FetchURLs lets the engine download an ADD URL for a page with
	// Egress, from a public address. The engine fetches from its host's
	// network and follows redirects, so the answer can send it to the
	// host itself (127.0.0.1, the cloud's metadata address): only a site
	// that accepts pages reaching the host (allow_host) sets it.
	FetchURLs bool
	// AnyRegistry lets the page pull from registries beyond the public
	// ones every engine may reach (publicRegistries), when their address
	// is public: only a site that accepts pages reaching the host
	// (allow_host) sets it.
	AnyRegistry bool
	// PageBridge names the Linux bridge of the next network the page
	// creates: the runner keeps every such name from the engine's host
	// with a firewall rule made before the session starts. Nil, or an
	// error: a network with egress is refused (internal ones need none).
	PageBridge func() (string, error)
	// Workspace is the page's folder: binds under it are the page's own
	// files and are allowed; other host paths are not.
	Workspace   Workspace
	ImageExists func(ctx context.Context, ref string) bool
	// Triggers returns the ONBUILD triggers of an image on the engine;
	// ok is false when the engine has no such image. Ensure fetches an
	// image a build will start from (a pull judged as the page's own).
	// Both nil: triggers are not read.
	Triggers func(ctx context.Context, ref string) (triggers []string, ok bool)
	Ensure   func(ctx context.Context, ref string) error
	// LogMaxSize is what a session container's log may hold on disk, its
	// rotated files together (default DefaultLogMaxSize); a request may
	// ask for less.
	LogMaxSize string
	// Spool bounds what the page's requests may hold on this machine's
	// disk at once: classic build contexts and docker cp uploads, read
	// whole before the engine sees them (default maxUpload). The runner
	// sets the page's disk budget, so that what the page writes here
	// counts as what it writes on the engine's disk does.
	Spool int64
	// Claim takes a name (kind container, network, volume, image or
	// port) for the session before the engine writes it, or returns an
	// error wrapping ErrConflict when another live session holds it; Held
	// reports whether another session holds it. Both nil: a session alone.
	Claim func(kind, name string) error
	Held  func(kind, name string) bool
	// Steps is told the step images of each classic build as soon as its
	// answer ends (those Layers lists), so that they can be found again
	// if the run dies before the session's cleanup removes them.
	Steps func(ids []string)
}

// Workspace is the page's folder: Inside as the page's commands see it,
// Root the same folder as the engine's host names it (what a bind mount
// of it must say: a volume's mount point), and Lstat the mode of a path
// under Inside as the page left it, no symlink followed (an error wrapping
// fs.ErrNotExist when there is nothing). Nothing of it need be on this
// machine: the engine may be anywhere.
type Workspace struct {
	Inside, Root string
	Lstat        func(ctx context.Context, inside string) (fs.FileMode, error)
}

// DefaultLogMaxSize caps the on-disk log of a session container: with
// maxContainers of them, 256 MiB for a page, beside its disk budget.
const DefaultLogMaxSize = "4m"

// ErrPolicy is returned for a request that asks for more than examples get.
var ErrPolicy = errors.New("not allowed for examples")

// Proxy is a running proxy.
type Proxy struct {
	pol     Policy
	bodies  *semaphore.Weighted // bodyBudget: request bodies being read
	spooled atomic.Int64        // bytes of the page's requests held on this machine's disk (spool)
	dial    func(ctx context.Context) (net.Conn, error)
	rp      *httputil.ReverseProxy
	srv     *http.Server
	ln      net.Listener
	hc      *http.Client

	bk     buildKitCtl
	mu     sync.Mutex
	tags   []string // names the session put on images with docker tag (its builds carry its label)
	layers []string // step images of the session's builds, oldest first
	// reading counts the classic builds whose answers are still being
	// read for their step images; Close waits for them (drained), since
	// the client may have read the last message and gone before then.
	reading int
	closing bool
	drained chan struct{}
	// stopped ends with Close, cutting the builds in flight.
	stopped context.Context
	stop    context.CancelFunc
	execs   map[string]bool // exec instances the session created
	// sessions are the BuildKit build sessions open through this proxy;
	// a build may only use one of them.
	sessions map[string]bool
	// holds are the image names the page's running builds read (as
	// normalize spells them, with a count), and building how many holds
	// are taken (a build takes one or more; none taken, none runs): the
	// classic builder resolves a later stage's FROM and a
	// COPY --from when it reaches the step, BuildKit when it starts, both
	// after the names were judged, so until the build ends the page may not
	// write a held name, nor remove or prune images (see holdNames).
	holds    map[string]int
	building int
	// sessionHolds are the holds a BuildKit session's Dockerfiles took,
	// and sessionBuilds how many accepted builds run on each session: the
	// Dockerfile arrives through the session, which several builds may
	// share (buildx bake, Compose), not with its build's request, so a
	// session's holds end only once none of its builds runs (see
	// sessionBuild).
	sessionHolds  map[string][]func()
	sessionBuilds map[string]int
	// ended are build sessions whose build was refused: the page's end of
	// each is closed (pages) and never opened again, so that the client,
	// which waits for its session to end, ends.
	ended map[string]bool
	pages map[string]io.Closer
	// builds are the BuildKit builds the page started through POST /grpc
	// (nil) or tried to and was refused (why).
	builds map[string]error
	// queued are the BuildKit builds judged and waiting for a build slot.
	queued map[string]bool
	// buildArgs are the argument sets of the page's BuildKit builds, and
	// pulled whether any asked to pull or for a platform: the Dockerfile
	// arrives apart from its build's request (see checkBuildKitDockerfile).
	buildArgs []map[string]string
	pulled    bool
	// conflicts are what the page met of other sessions (see Conflicts).
	conflicts []string
	// writers are containers not the page's own that can change its
	// folder (see AddWriter); guard keeps requests that mount bind
	// sources, and the page's pauses, one at a time (see remount).
	writers []string
	guard   sync.Mutex
	// creating keeps container and network creates one at a time (see
	// room).
	creating sync.Mutex
	// buildSlots holds one token for each build running, through /build
	// or as a Solve through /grpc: at most maxBuilds at once.
	buildSlots chan struct{}
	// probes are the health probes a second of each container the page
	// started, by id; probing keeps starts that add to them one at a time
	// (see probesBounded).
	probes  map[string]float64
	probing sync.Mutex
}

// maxBuilds is how many builds of a page run at once.
const maxBuilds = 4

// Start listens on socket and forwards allowed requests to the engine at
// host ("unix:///var/run/docker.sock" or "tcp://host:port").
func Start(socket, host string, pol Policy) (*Proxy, error) {
	dial, err := dialer(host)
	if err != nil {
		return nil, err
	}
	_ = os.Remove(socket)
	ln, err := net.Listen("unix", socket)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", socket, err)
	}
	if err := os.Chmod(socket, 0o666); err != nil {
		ln.Close()
		return nil, err
	}
	return Serve(ln, dial, pol), nil
}

// Serve answers the page's requests arriving on ln (a relay from the
// session container, or a socket) and forwards the allowed ones to the
// engine that dial reaches (any the Docker client reaches: the client's
// own dialer).
func Serve(ln net.Listener, dial func(ctx context.Context) (net.Conn, error), pol Policy) *Proxy {
	p := newProxy(dial, pol)
	p.ln = ln
	p.srv = &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	go p.srv.Serve(netutil.LimitListener(ln, maxConns))
	return p
}

// dialer reaches an engine at a unix or tcp address.
func dialer(host string) (func(ctx context.Context) (net.Conn, error), error) {
	u, err := url.Parse(host)
	if err != nil {
		return nil, fmt.Errorf("engine address %q: %w", host, err)
	}
	var d net.Dialer
	switch u.Scheme {
	case "unix":
		return func(ctx context.Context) (net.Conn, error) { return d.DialContext(ctx, "unix", u.Path) }, nil
	case "tcp", "http":
		return func(ctx context.Context) (net.Conn, error) { return d.DialContext(ctx, "tcp", u.Host) }, nil
	}
	return nil, fmt.Errorf("engine address %q: give a unix or tcp engine, or the client's dialer", host)
}

func newProxy(dial func(ctx context.Context) (net.Conn, error), pol Policy) *Proxy {
	if pol.LogMaxSize == "" {
		pol.LogMaxSize = DefaultLogMaxSize
	}
	if pol.Spool <= 0 {
		pol.Spool = maxUpload
	}
	p := &Proxy{pol: pol, execs: map[string]bool{}, probes: map[string]float64{}, sessions: map[string]bool{}, ended: map[string]bool{}, pages: map[string]io.Closer{}, builds: map[string]error{}, queued: map[string]bool{}, dial: dial,
		holds: map[string]int{}, sessionHolds: map[string][]func(){}, sessionBuilds: map[string]int{}, buildSlots: make(chan struct{}, maxBuilds),
		bodies: semaphore.NewWeighted(bodyBudget)}
	p.stopped, p.stop = context.WithCancel(context.Background())
	tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) { return p.dial(ctx) }}
	p.hc = &http.Client{Transport: tr}
	p.rp = &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.Out.URL.Scheme = "http"
			r.Out.URL.Host = "docker"
			r.Out.Host = "docker"
		},
		Transport:     tr,
		FlushInterval: -1,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			deny(w, http.StatusBadGateway, "shipshape proxy: engine: %v", err)
		},
	}
	return p
}

// Close stops serving; requests in flight are cut. It returns once the
// classic builds in flight have recorded their step images (see Layers),
// or after a bound if one does not end.
func (p *Proxy) Close() error {
	p.bk.once.Do(func() {}) // waits for a client being made, and makes none after
	if p.bk.c != nil {
		_ = p.bk.c.Close()
	}
	p.mu.Lock()
	p.closing = true
	var drained chan struct{}
	if p.reading > 0 {
		drained = make(chan struct{})
		p.drained = drained
	}
	p.mu.Unlock()
	p.stop()
	var err error
	if p.srv != nil {
		err = p.srv.Close()
	}
	if drained != nil {
		select {
		case <-drained:
		case <-time.After(closeWait):
		}
	}
	// Kept-alive connections to the engine go too: over ssh each is an ssh
	// process, which would outlive the session.
	p.hc.CloseIdleConnections()
	return err
}

// closeWait bounds how long Close waits for a cut build to record its
// step images.
const closeWait = 30 * time.Second

// readingStarted counts a classic build in flight; false once the proxy is
// closing, when the build must not start.
func (p *Proxy) readingStarted() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closing {
		return false
	}
	p.reading++
	return true
}

// readingEnded is the other half of readingStarted.
func (p *Proxy) readingEnded() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.reading--; p.reading == 0 && p.drained != nil {
		close(p.drained)
		p.drained = nil
	}
}

// Layers lists the step images the session's builds made, oldest first, so
// that cleanup can remove those a failed build left untagged.
func (p *Proxy) Layers() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.layers...)
}

// Tags lists the names the session put on images with docker tag, for
// cleanup; images it built carry its label instead.
func (p *Proxy) Tags() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.tags...)
}

func deny(w http.ResponseWriter, code int, format string, args ...any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": fmt.Sprintf(format, args...)})
}

// refuse answers 403 for a request the policy does not allow.
func refuse(w http.ResponseWriter, format string, args ...any) {
	deny(w, http.StatusForbidden, "shipshape: "+format, args...)
}

// minVersion is the oldest API version accepted: older versions change
// what bodies mean (a start request carrying a HostConfig before 1.24).
const minVersion = 40

var versionRe = regexp.MustCompile(`^/v([0-9]+)\.([0-9]+)(/.*)$`)

// args are the named parts of a matched path.
type args struct{ id, ref, action string }

type handler func(p *Proxy, w http.ResponseWriter, r *http.Request, a args)

// route is one allowed endpoint: methods, a path pattern ({id} one
// segment, {ref} one or more, for image references) and what to do.
type route struct {
	methods string
	pattern string
	h       handler
}

// routes is the allowlist. The order matters only where patterns overlap
// (image references may contain slashes).
var routes = []route{
	{"GET HEAD", "/_ping", forward},
	{"GET", "/version", forward},
	{"GET", "/info", (*Proxy).info},
	{"GET", "/system/df", (*Proxy).systemDF},
	{"GET", "/events", scoped},

	{"GET", "/containers/json", scoped},
	{"POST", "/containers/create", (*Proxy).createContainer},
	{"POST", "/containers/prune", scoped},
	{"GET", "/containers/{id}/json", ownContainer},
	{"GET", "/containers/{id}/logs", ownContainer},
	{"GET", "/containers/{id}/top", ownContainer},
	{"GET", "/containers/{id}/stats", ownContainer},
	{"GET", "/containers/{id}/changes", ownContainer},
	{"GET", "/containers/{id}/export", ownContainer},
	{"GET HEAD PUT", "/containers/{id}/archive", (*Proxy).archive},
	{"POST", "/containers/{id}/start", (*Proxy).startContainer},
	{"POST", "/containers/{id}/stop", ownContainer},
	{"POST", "/containers/{id}/restart", (*Proxy).restartContainer},
	{"POST", "/containers/{id}/kill", ownContainer},
	{"POST", "/containers/{id}/pause", (*Proxy).pauseContainer},
	{"POST", "/containers/{id}/unpause", (*Proxy).pauseContainer},
	{"POST", "/containers/{id}/wait", ownContainer},
	{"POST", "/containers/{id}/attach", ownContainer},
	{"POST", "/containers/{id}/resize", ownContainer},
	{"POST", "/containers/{id}/rename", (*Proxy).rename},
	{"DELETE", "/containers/{id}", removeContainer},
	{"POST", "/containers/{id}/exec", (*Proxy).execCreate},
	{"POST", "/containers/{id}/update", (*Proxy).update},

	{"POST", "/exec/{id}/start", (*Proxy).execStart},
	{"POST", "/exec/{id}/resize", ownExec},
	{"GET", "/exec/{id}/json", ownExec},

	{"GET", "/networks", (*Proxy).networkList},
	{"POST", "/networks/create", (*Proxy).networkCreate},
	{"POST", "/networks/prune", scoped},
	{"GET", "/networks/{id}", (*Proxy).networkInspect},
	{"DELETE", "/networks/{id}", ownNetwork},
	{"POST", "/networks/{id}/connect", (*Proxy).networkConnect},
	{"POST", "/networks/{id}/disconnect", (*Proxy).networkConnect},

	{"GET", "/volumes", scoped},
	{"POST", "/volumes/create", (*Proxy).volumeCreate},
	{"POST", "/volumes/prune", scoped},
	{"GET", "/volumes/{id}", ownVolume},
	{"DELETE", "/volumes/{id}", ownVolume},

	{"GET", "/images/json", scoped},
	{"POST", "/images/create", (*Proxy).pull},
	{"POST", "/images/prune", removeImages},
	{"GET", "/images/get", (*Proxy).saveImages},
	{"GET", "/images/{ref}/json", (*Proxy).imageRead},
	{"GET", "/images/{ref}/history", (*Proxy).imageRead},
	{"GET", "/images/{ref}/get", ownImage},
	{"POST", "/images/{ref}/tag", (*Proxy).tag},
	{"DELETE", "/images/{ref}", removeImages},

	{"POST", "/build", (*Proxy).build},
	{"POST", "/session", (*Proxy).session},
	{"POST", "/grpc", (*Proxy).control},
}

// match reports whether path fits pattern, and its named parts.
func match(pattern, p string) (args, bool) {
	ps := strings.Split(strings.Trim(pattern, "/"), "/")
	xs := strings.Split(strings.Trim(p, "/"), "/")
	var a args
	if len(xs) < len(ps) {
		return a, false
	}
	j := 0
	for i, seg := range ps {
		switch seg {
		case "{id}":
			a.id = xs[j]
			j++
		case "{ref}":
			n := len(xs) - (len(ps) - 1) // segments the reference takes
			if n < 1 {
				return a, false
			}
			a.ref = strings.Join(xs[j:j+n], "/")
			j += n
		default:
			if j >= len(xs) || xs[j] != seg {
				return a, false
			}
			if i == len(ps)-1 {
				a.action = seg
			}
			j++
		}
	}
	return a, j == len(xs)
}

// ServeHTTP decides on each request: forward, forward rewritten, or refuse.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// A body the handler left unread is read here, before the server
	// reuses the connection.
	body := r.Body
	defer func() { _, _ = io.Copy(io.Discard, io.LimitReader(body, 1<<20)) }()
	rest := r.URL.Path
	if m := versionRe.FindStringSubmatch(rest); m != nil {
		major, _ := strconv.Atoi(m[1])
		minor, _ := strconv.Atoi(m[2])
		if major != 1 || minor < minVersion {
			refuse(w, "API version %s.%s is older than examples may use (1.%d)", m[1], m[2], minVersion)
			return
		}
		rest = m[3]
	}
	// The path is judged as the engine will read it: one clean, unescaped
	// spelling only.
	if r.URL.RawPath != "" || path.Clean(rest) != rest || strings.ContainsAny(rest, "\x00\\") {
		refuse(w, "%s %q is not a plain API path", r.Method, r.URL.Path)
		return
	}
	r.Header.Del("X-Registry-Auth")
	r.Header.Del("X-Registry-Config")
	for _, rt := range routes {
		a, ok := match(rt.pattern, rest)
		if !ok {
			continue
		}
		if !strings.Contains(" "+rt.methods+" ", " "+r.Method+" ") {
			continue
		}
		if a.id != "" && !nameRe.MatchString(a.id) {
			refuse(w, "%q is not an object name or id", a.id)
			return
		}
		rt.h(p, w, r, a)
		return
	}
	refuse(w, "%s %s is not available to examples (not on the proxy's allowlist)", r.Method, rest)
}

// nameRe is what container, network, volume and exec names and ids look like.
var nameRe = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)

func forward(p *Proxy, w http.ResponseWriter, r *http.Request, _ args) {
	// Only archive uploads carry a body; nothing else needs one.
	if r.Method != http.MethodPut {
		r.Body = http.NoBody
		r.ContentLength = 0
		r.Header.Del("Content-Length")
		r.Header.Del("Transfer-Encoding")
		r.TransferEncoding = nil
	}
	p.rp.ServeHTTP(w, r)
}

// forwardJSON sends v, re-encoded, as the request's body.
func (p *Proxy) forwardJSON(w http.ResponseWriter, r *http.Request, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		deny(w, http.StatusInternalServerError, "shipshape proxy: encode request: %v", err)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	r.ContentLength = int64(len(b))
	r.Header.Set("Content-Length", strconv.Itoa(len(b)))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Del("Transfer-Encoding")
	r.TransferEncoding = nil
	p.rp.ServeHTTP(w, r)
}

// A JSON request body is read whole before it is judged, in shipshape's
// own process, which no container limit covers. So what a page can make it
// hold is bounded: at most maxConns connections at once, bodies of at most
// maxBody, and bodyBudget of them being read at once, each to arrive within
// bodyWait. A page that opens thousands of connections and trickles a
// body on each waits on itself; it cannot grow the verifier.
const (
	maxConns   = 256
	maxBody    = 1 << 20
	bodyBudget = 8 * (maxBody + 1)
	bodyWait   = 30 * time.Second
)

// readBody reads a JSON request body of bounded size, within the proxy's
// budget for bodies and in bounded time.
func (p *Proxy) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	ctx, cancel := context.WithTimeout(r.Context(), bodyWait)
	defer cancel()
	if err := p.bodies.Acquire(ctx, maxBody+1); err != nil {
		return nil, fmt.Errorf("the page's other requests hold the proxy's %d MiB for request bodies: %w", bodyBudget>>20, err)
	}
	defer p.bodies.Release(maxBody + 1)
	rc := http.NewResponseController(w)
	if err := rc.SetReadDeadline(time.Now().Add(bodyWait)); err == nil {
		defer func() { _ = rc.SetReadDeadline(time.Time{}) }()
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxBody {
		return nil, errors.New("request body larger than 1 MiB")
	}
	return b, nil
}

// decodeBody reads and decodes the request body into v; on failure it has
// answered and returns false.
func (p *Proxy) decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	b, err := p.readBody(w, r)
	if err == nil {
		err = decode(b, v)
	}
	if err != nil {
		deny(w, http.StatusBadRequest, "shipshape: %s %s: %v", r.Method, r.URL.Path, err)
		return false
	}
	return true
}

func (p *Proxy) ownerValue() string { return p.pol.Labels[p.pol.OwnerLabel] }

// labels asks the engine about an object: its labels, whether it exists.
func (p *Proxy) labels(ctx context.Context, kind, id string) (map[string]string, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	u := "http://docker/" + kind + "/" + url.PathEscape(id)
	if kind == "containers" || kind == "images" {
		u += "/json"
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	res, err := p.hc.Do(req)
	if err != nil {
		return nil, false, fmt.Errorf("engine: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusNotFound {
		return nil, false, nil
	}
	if res.StatusCode != http.StatusOK {
		return nil, false, fmt.Errorf("engine answered %s to an inspect of %s %s", res.Status, kind, id)
	}
	var v struct {
		Labels map[string]string
		Config struct{ Labels map[string]string }
	}
	if err := json.NewDecoder(res.Body).Decode(&v); err != nil {
		return nil, false, fmt.Errorf("inspect %s %s: %w", kind, id, err)
	}
	if v.Labels == nil {
		v.Labels = v.Config.Labels
	}
	p.otherSession(kindNames[kind], id, v.Labels)
	return v.Labels, true, nil
}

// owns reports whether the session created the object.
func (p *Proxy) owns(ctx context.Context, kind, id string) bool {
	l, ok, err := p.labels(ctx, kind, id)
	return err == nil && ok && p.ownerValue() != "" && l[p.pol.OwnerLabel] == p.ownerValue()
}

var kindNames = map[string]string{"containers": "container", "networks": "network", "volumes": "volume", "images": "image"}

// checkOwn answers for an object that is not the session's: 404 when it
// does not exist, 403 when it belongs to someone else.
func (p *Proxy) checkOwn(w http.ResponseWriter, r *http.Request, kind, id string) bool {
	l, ok, err := p.labels(r.Context(), kind, id)
	switch {
	case err != nil:
		deny(w, http.StatusBadGateway, "shipshape proxy: %v", err)
		return false
	case !ok, p.pol.OwnerLabel != "" && l[p.pol.OwnerLabel] != "" && l[p.pol.OwnerLabel] != p.ownerValue():
		// Another session's object (a conflict, recorded by labels) is
		// answered as a run alone would have: it is not there.
		deny(w, http.StatusNotFound, "No such %s: %s", kindNames[kind], id)
		return false
	case p.ownerValue() == "" || l[p.pol.OwnerLabel] != p.ownerValue():
		refuse(w, "%s %s was not created by this page", kindNames[kind], id)
		return false
	}
	return true
}

func ownContainer(p *Proxy, w http.ResponseWriter, r *http.Request, a args) {
	if p.checkOwn(w, r, "containers", a.id) {
		forward(p, w, r, a)
	}
}

// removeContainer removes an own container with its anonymous volumes
// (docker rm -v), whether the page asked for them or not: the engine
// creates those volumes without our labels, so nothing could sweep them
// once their container is gone.
func removeContainer(p *Proxy, w http.ResponseWriter, r *http.Request, a args) {
	if !p.checkOwn(w, r, "containers", a.id) {
		return
	}
	q := r.URL.Query()
	q.Set("v", "1")
	r.URL.RawQuery = q.Encode()
	forward(p, w, r, a)
}

func ownNetwork(p *Proxy, w http.ResponseWriter, r *http.Request, a args) {
	if p.checkOwn(w, r, "networks", a.id) {
		forward(p, w, r, a)
	}
}

func ownVolume(p *Proxy, w http.ResponseWriter, r *http.Request, a args) {
	if p.checkOwn(w, r, "volumes", a.id) {
		forward(p, w, r, a)
	}
}

func ownExec(p *Proxy, w http.ResponseWriter, r *http.Request, a args) {
	p.mu.Lock()
	ok := p.execs[a.id]
	p.mu.Unlock()
	if !ok {
		deny(w, http.StatusNotFound, "No such exec instance: %s (not started by this page)", a.id)
		return
	}
	forward(p, w, r, a)
}

// rename keeps the session's objects from taking our reserved names.
func (p *Proxy) rename(w http.ResponseWriter, r *http.Request, a args) {
	name := strings.TrimPrefix(r.URL.Query().Get("name"), "/")
	if err := checkName(name); err != nil {
		refuse(w, "%v", err)
		return
	}
	if err := p.claim("container", name); err != nil {
		denyClaim(w, err)
		return
	}
	ownContainer(p, w, r, a)
}

// checkName refuses the names the runner gives its own objects.
func checkName(name string) error {
	if strings.HasPrefix(strings.ToLower(strings.TrimPrefix(name, "/")), "shipshape") {
		return fmt.Errorf("the name %q is reserved: names starting with shipshape are the verifier's own", name)
	}
	return nil
}

// filters is the engine's list filter: key → value → true.
type filters map[string]map[string]bool

// scoped adds the session's label to a list, prune or events request's
// filters, so `docker ps` shows what the page made and a prune removes only
// that. The caller's own filters stay (Compose lists by project label);
// label filters must all match, the session's among them.
func scoped(p *Proxy, w http.ResponseWriter, r *http.Request, a args) {
	q := r.URL.Query()
	f := filters{}
	if s := q.Get("filters"); s != "" {
		if err := decode([]byte(s), &f); err != nil {
			// The older form: key → list of values.
			var old map[string][]string
			if err2 := decode([]byte(s), &old); err2 != nil {
				deny(w, http.StatusBadRequest, "shipshape: filters: %v", err)
				return
			}
			for k, vs := range old {
				f[k] = map[string]bool{}
				for _, v := range vs {
					f[k][v] = true
				}
			}
		}
	}
	if len(q["filters"]) > 1 {
		refuse(w, "filters given twice")
		return
	}
	for k := range f {
		if fold(k) == fold("label") && k != "label" {
			refuse(w, "filter key %q: write it as label", k)
			return
		}
	}
	if f["label"] == nil {
		f["label"] = map[string]bool{}
	}
	f["label"][p.pol.OwnerLabel+"="+p.ownerValue()] = true
	b, _ := json.Marshal(f)
	q.Set("filters", string(b))
	r.URL.RawQuery = q.Encode()
	forward(p, w, r, a)
}

// info answers `docker info` with what examples may know of the engine.
func (p *Proxy) info(w http.ResponseWriter, r *http.Request, _ args) {
	var m map[string]any
	if !p.get(w, r, r.URL.Path, &m) {
		return
	}
	keep := map[string]any{"Name": "shipshape", "ID": "shipshape", "Swarm": map[string]any{"LocalNodeState": "inactive"}}
	for _, k := range []string{"ServerVersion", "OperatingSystem", "OSType", "OSVersion", "Architecture", "NCPU", "MemTotal",
		"Driver", "CgroupDriver", "CgroupVersion", "KernelVersion", "DefaultRuntime", "SecurityOptions", "LoggingDriver",
		"IndexServerAddress", "ExperimentalBuild", "Isolation", "MemoryLimit", "SwapLimit", "PidsLimit", "CPUShares", "CPUSet", "IPv4Forwarding"} {
		if v, ok := m[k]; ok {
			keep[k] = v
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(keep)
}

// systemDF answers docker system df from the session's own objects only:
// its containers and images come from the engine's lists filtered by the
// session's label, its volumes from the engine's volume-only df, and the
// build cache is empty (the engine's is shared). The engine is never asked
// to measure everything it holds: that walk reads other sessions' objects
// and fails while they change (seen on Docker 28 with pages in parallel).
func (p *Proxy) systemDF(w http.ResponseWriter, r *http.Request, _ args) {
	release, err := dfTurn(r.Context())
	if err != nil {
		deny(w, http.StatusServiceUnavailable, "shipshape proxy: docker system df: %v", err)
		return
	}
	defer release()
	// What is left may still fail while other sessions remove volumes: try
	// again, and if it still fails, the page's answer is not one of a run
	// alone, so it is a conflict (the page is run again alone).
	for try := 0; ; try++ {
		rec := httptest.NewRecorder()
		if m, ok := p.ownUsage(rec, r); ok {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(m)
			return
		}
		if try < 2 && r.Context().Err() == nil {
			time.Sleep(time.Second)
			continue
		}
		if p.pol.Held != nil {
			p.conflict("docker system df failed while other sessions changed the engine: %s", strings.TrimSpace(rec.Body.String()))
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
		return
	}
}

// The engine measures disk usage one walk at a time (Docker 20.10 refuses
// a second while one runs, and an older engine's walk covers everything
// it holds), and the page watchers measure volumes with the same walk. A
// page asking for docker system df in loops kept it busy, and the
// watchers' walks failed while a page was over its budget. So pages' walks
// go one at a time, process-wide, and each waits after the last for
// three times as long as it took (at least dfRest): the engine's walk is
// a page's at most a quarter of the time.
var dfGate = struct {
	turn chan struct{}
	next time.Time // held with turn
}{turn: make(chan struct{}, 1)}

const dfRest = time.Second

// dfTurn waits for the turn to measure; release ends it.
func dfTurn(ctx context.Context) (release func(), err error) {
	select {
	case dfGate.turn <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if wait := time.Until(dfGate.next); wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			<-dfGate.turn
			return nil, ctx.Err()
		}
	}
	start := time.Now()
	return func() {
		dfGate.next = time.Now().Add(max(3*time.Since(start), dfRest))
		<-dfGate.turn
	}, nil
}

// ownUsage is the df answer for the session's own objects; on failure it
// has answered on w.
func (p *Proxy) ownUsage(w http.ResponseWriter, r *http.Request) (map[string]any, bool) {
	prefix := strings.TrimSuffix(r.URL.Path, "/system/df")
	owner := p.ownerValue()
	own, _ := json.Marshal(filters{"label": {p.pol.OwnerLabel + "=" + owner: true}})
	containers, images := []map[string]any{}, []map[string]any{}
	var df map[string]any
	q := url.Values{"all": {"1"}, "size": {"1"}, "filters": {string(own)}}
	if owner != "" && !p.get(w, r, prefix+"/containers/json?"+q.Encode(), &containers) {
		return nil, false
	}
	// type= is read from API 1.42 on, so this asks in the engine's own
	// version, not the page's (the docker CLI 20.10 speaks 1.41). An older
	// engine measures everything (safely: it has no snapshotter to race
	// with), and its own images carry their shared size, which its image
	// list does not.
	if !p.get(w, r, "/system/df?type=volume", &df) {
		return nil, false
	}
	if all, ok := df["Images"].([]any); ok {
		for _, it := range all {
			if o, _ := it.(map[string]any); owner != "" && labelOf(o, p.pol.OwnerLabel) == owner {
				images = append(images, o)
			}
		}
	} else {
		q = url.Values{"shared-size": {"1"}, "filters": {string(own)}}
		if owner != "" && !p.get(w, r, prefix+"/images/json?"+q.Encode(), &images) {
			return nil, false
		}
	}
	uses := map[string]int{}
	for _, c := range containers {
		id, _ := c["ImageID"].(string)
		uses[id]++
	}
	var layers float64
	for _, im := range images {
		id, _ := im["Id"].(string)
		im["Containers"] = uses[id]
		if size, ok := im["Size"].(float64); ok {
			layers += size
		}
	}
	volumes := []any{}
	list, ok := df["Volumes"].([]any)
	if !ok {
		// API 1.52's form, without the legacy fields.
		vu, _ := df["VolumeUsage"].(map[string]any)
		list, _ = vu["Items"].([]any)
	}
	for _, it := range list {
		if o, _ := it.(map[string]any); owner != "" && labelOf(o, p.pol.OwnerLabel) == owner {
			volumes = append(volumes, o)
		}
	}
	return map[string]any{"LayersSize": layers, "Images": images, "Containers": containers, "Volumes": volumes,
		"BuildCache": []any{}, "BuilderSize": 0}, true
}

// labelOf is the value of label k in an engine object's Labels.
func labelOf(o map[string]any, k string) string {
	l, _ := o["Labels"].(map[string]any)
	v, _ := l[k].(string)
	return v
}

// get fetches a JSON answer from the engine; on failure it has answered.
func (p *Proxy) get(w http.ResponseWriter, r *http.Request, u string, v any) bool {
	req, _ := http.NewRequestWithContext(r.Context(), http.MethodGet, "http://docker"+u, nil)
	res, err := p.hc.Do(req)
	if err != nil {
		deny(w, http.StatusBadGateway, "shipshape proxy: engine: %v", err)
		return false
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		w.Header().Set("Content-Type", res.Header.Get("Content-Type"))
		w.WriteHeader(res.StatusCode)
		_, _ = io.Copy(w, res.Body)
		return false
	}
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		deny(w, http.StatusBadGateway, "shipshape proxy: engine answer to %s: %v", u, err)
		return false
	}
	return true
}

// ourLabels sets the session's labels on l, refusing any of our label
// namespace the request brought.
func (p *Proxy) ourLabels(l map[string]string) (map[string]string, error) {
	if l == nil {
		l = map[string]string{}
	}
	for k := range l {
		if strings.HasPrefix(strings.ToLower(k), "org.shipshape") {
			return nil, fmt.Errorf("label %s is %w: org.shipshape.* labels are set by the verifier", k, ErrPolicy)
		}
	}
	for k, v := range p.pol.Labels {
		l[k] = v
	}
	return l, nil
}
