package runner

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/distribution/reference"
	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/client"

	"github.com/shipshape/shipshape/internal/config"
	"github.com/shipshape/shipshape/internal/proxy"
	"github.com/shipshape/shipshape/internal/relay"
)

// SessionLabel marks what one page session created; its value is the
// session id. Everything also carries Label, so a sweep finds it.
const SessionLabel = "org.shipshape.session"

// SessionSpec describes a page session: a long-lived container holding a
// docker CLI whose engine is a filtering proxy in front of this one.
type SessionSpec struct {
	Image    string              // an image with a shell and a docker CLI
	WorkDir  string              // where the page's files are; default /work
	Limits   Limits              // for the session container and for every container it creates
	MapImage func(string) string // docs references to local images
	// Used hears of an image a BuildKit build used under the name the docs
	// wrote, because that name is a real image of the engine's (so not
	// the one MapImage gave).
	Used       func(ref string)
	Dockerfile func(string) string // FROM rewriting for builds
	DenyPull   bool
	// Network lets the page's containers reach beyond the engine; by
	// default every network of the session is internal.
	Network bool
	// AllowHost lets a session with Network start where no firewall rule
	// can keep its containers from the host's own addresses (shipshape not
	// running as root, or an engine on another machine), and lets its
	// builds ADD public URLs and its pulls reach registries beyond the
	// public ones (proxy.Policy.FetchURLs, AnyRegistry).
	AllowHost bool
	// Disk bounds what the page writes in all (see watchDisk); 0 means
	// config.PageDisk.
	Disk int64
	// DiskFloor is the free space on the engine's disk under which the
	// page is stopped (see watchDisk); 0 means config.DiskFloor, or a
	// twentieth of the disk if that is less.
	DiskFloor int64
}

// Session is a running page session.
type Session struct {
	e       *Engine
	id      string
	cid     string
	network string
	volume  string // the page's folder
	relay   *relay.Listener
	claims  claims
	counted bool
	px      *proxy.Proxy
	spec    SessionSpec
	rules   bool
	mu      sync.Mutex
	dead    error
	// holder is the container whose cgroup holds the session's BuildKit
	// builds to its limits; made at the first build.
	holderMu sync.Mutex
	holder   string
	// pageHolder is the container whose cgroup holds the page's
	// containers together (see pageCgroup), under holderMu too.
	pageHolder string
	// classic is whether a classic build of the page ran under it.
	classic bool
	// stopWatch ends the disk watchdog; diskFull is what it found;
	// measuring is how long the engine spent measuring the page for it.
	stopWatch context.CancelFunc
	diskFull  error
	measuring atomic.Int64 // nanoseconds
}

// ErrSessionEnded means an earlier block's timeout ended the session.
var ErrSessionEnded = errors.New("the page's session ended")

// StartSession starts the session container, its relay and the proxy
// behind it. The engine may be any the client reaches: nothing of the
// session is a path of this machine.
func (e *Engine) StartSession(ctx context.Context, spec SessionSpec) (*Session, error) {
	if spec.WorkDir == "" {
		spec.WorkDir = "/work"
	}
	if _, err := e.ImageID(ctx, spec.Image); err != nil {
		return nil, err
	}
	// Sessions run at the same time: each claims the names it writes (see
	// claims.go) and reports meeting another's as a conflict.
	s := &Session{e: e, id: newID(), spec: spec}
	e.mu.Lock()
	e.sessions++
	e.mu.Unlock()
	s.counted = true
	labels := map[string]string{Label: e.RunID, HostLabel: thisHost, SessionLabel: s.id}
	ok := false
	defer func() {
		if !ok {
			s.Close()
		}
	}()
	// Containers of the page reach each other by name on the session's
	// network. Without egress it is internal and its bridge has no host
	// address, so nothing beyond it is reachable, the host included. With
	// egress the host is the gateway, and a firewall rule drops what the
	// bridge delivers to the host itself.
	s.network = "shipshape-" + s.id
	opts := map[string]string{"com.docker.network.bridge.name": bridgeName(s.id)}
	if !spec.Network {
		opts["com.docker.network.bridge.inhibit_ipv4"] = "true"
	}
	nctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	// The session's own container and network carry only the run label, so
	// the page's `docker ps` and `docker network ls` do not show them.
	_, err := e.c.NetworkCreate(nctx, s.network, client.NetworkCreateOptions{Driver: "bridge", Internal: !spec.Network, Options: opts, Labels: e.labels()})
	cancel()
	if err != nil {
		return nil, fmt.Errorf("create session network: %w", err)
	}
	if spec.Network {
		if err := blockHost(e.RunID, s.id); err != nil && !spec.AllowHost {
			return nil, fmt.Errorf("keep the session's network from the host (run as root with iptables, or without {network=bridge}): %w", err)
		}
		s.rules = true
	}
	lim := spec.Limits
	// The page's folder is a volume on the engine and the proxy is reached
	// through a relay over an exec's stdio: nothing of the session is a
	// path this machine shares with the engine's host, so any engine the
	// client reaches will do (tcp://, a forwarded socket, a CI service).
	s.volume = "shipshape-" + s.id + "-work"
	vctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if _, err := e.c.VolumeCreate(vctx, client.VolumeCreateOptions{Name: s.volume, Labels: e.labels()}); err != nil {
		s.volume = ""
		return nil, fmt.Errorf("create the session's folder: %w", err)
	}
	vi, err := e.c.VolumeInspect(vctx, s.volume, client.VolumeInspectOptions{})
	if err != nil {
		return nil, fmt.Errorf("inspect the session's folder: %w", err)
	}
	pids := lim.Pids
	cfg := &container.Config{
		Image: spec.Image,
		// The folder is the page's: containers it runs as another user
		// may write in it too.
		Cmd:        []string{"sh", "-c", "chmod 0777 \"$0\" && exec sleep infinity", spec.WorkDir},
		WorkingDir: spec.WorkDir,
		Labels:     e.labels(),
		Env:        []string{"DOCKER_HOST=unix://" + relaySocket, "DOCKER_BUILDKIT=1", "HOME=/root", "TERM=dumb", "COLUMNS=200"},
	}
	host := &container.HostConfig{
		NetworkMode: container.NetworkMode(s.network),
		CapDrop:     []string{"ALL"},
		SecurityOpt: []string{"no-new-privileges"},
		Mounts:      []mount.Mount{{Type: mount.TypeVolume, Source: s.volume, Target: spec.WorkDir}},
		LogConfig:   logConfig(lim.OutputLimit),
		Resources:   container.Resources{Memory: lim.Memory, MemorySwap: lim.Memory, NanoCPUs: lim.NanoCPUs, PidsLimit: &pids},
	}
	// As in Run: creation is not cut short by a cancel, so its id is known
	// and Close removes it.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	cr, err := e.c.ContainerCreate(cctx, client.ContainerCreateOptions{Config: cfg, HostConfig: host})
	cancel()
	if err != nil {
		return nil, fmt.Errorf("create session container: %w", err)
	}
	s.cid = cr.ID
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	_, err = e.c.ContainerStart(sctx, cr.ID, client.ContainerStartOptions{})
	cancel()
	if err != nil {
		return nil, fmt.Errorf("start session container: %w", err)
	}
	ln, err := s.startRelay(ctx)
	if err != nil {
		return nil, err
	}
	s.relay = ln
	pol := proxy.Policy{
		Labels: labels, OwnerLabel: SessionLabel, Network: s.network,
		Memory: lim.Memory, Pids: lim.Pids, NanoCPUs: lim.NanoCPUs,
		MapImage: spec.MapImage, Dockerfile: spec.Dockerfile, DenyPull: spec.DenyPull, Egress: spec.Network,
		PageBridge:  pageBridges(s.id),
		FetchURLs:   spec.AllowHost,
		AnyRegistry: spec.AllowHost,
		ImageExists: s.realImage,
		Claim:       s.claims.claim,
		Held:        s.claims.held,
		Steps:       func(ids []string) { e.journalSteps(context.Background(), ids) },
		Workspace:   proxy.Workspace{Inside: spec.WorkDir, Root: vi.Volume.Mountpoint, Lstat: s.lstat},
		Spool:       spec.pageDisk(),
	}
	pol.PageCgroup = s.pageCgroup
	pol.StandIns = s.standIns
	// The ONBUILD triggers of the images builds start from are judged
	// before the engine runs them; an image the engine lacks is fetched
	// first (under --pull never, it is not, and the build is refused).
	pol.Triggers = e.Triggers
	pol.Ensure = func(ctx context.Context, ref string) error {
		policy := PullMissing
		if spec.DenyPull {
			policy = PullNever
		}
		_, err := e.Ensure(ctx, ref, policy)
		return err
	}
	// The engine's /build holds no BuildKit step to a limit; where its
	// BuildKit puts steps under a given cgroup, the proxy builds through
	// the control API under a holder with the session's limits.
	pol.BuildCgroup = s.buildCgroup
	s.px = proxy.Serve(ln, e.c.Dialer(), pol)
	// Its processes change the page's folder: it is frozen while the
	// engine mounts from there.
	s.px.AddWriter(cr.ID)
	base, err := ln.Usage()
	if err == nil && base.Total == 0 {
		// A relay from before the floor: builds would go unbounded.
		err = errors.New("its relay does not say how much of the disk is free")
	}
	if err != nil {
		return nil, fmt.Errorf("measure the engine's disk for the page's budget (rebuild %s with .ci/images.sh): %w", spec.Image, err)
	}
	wctx, stop := context.WithCancel(context.Background())
	s.stopWatch = stop
	go s.watchDisk(wctx, spec, base)
	ok = true
	return s, nil
}

// pageCgroup is the cgroup the page's containers and classic build steps
// run under, where the engine can nest them (see NestsPages): a holder's,
// made at the page's first container or build, whose limits bound them
// together. Not the session container's: it is frozen while the engine
// mounts from the page's folder, and a freeze holds a cgroup's children
// too, so a container starting under it would never start. "" where the
// engine cannot.
func (s *Session) pageCgroup(ctx context.Context) (string, error) {
	if !s.e.NestsPages(ctx) {
		return "", nil
	}
	s.holderMu.Lock()
	defer s.holderMu.Unlock()
	if proxy.ClassicBuild(ctx) {
		s.classic = true
	}
	if s.pageHolder == "" {
		k := s.holderKey()
		id := s.e.takeHolder(ctx, k)
		if id == "" {
			var err error
			if id, err = s.e.startHolder(ctx, k.image, k.memory, k.cpus, k.pids); err != nil {
				return "", err
			}
		}
		s.pageHolder = id
	}
	return pageParent(s.pageHolder), nil
}

// holderKey is the kind of holder the page's containers run under.
func (s *Session) holderKey() holderKey {
	lim := s.spec.Limits
	return holderKey{image: s.spec.Image, memory: lim.Memory * pageShare, cpus: lim.NanoCPUs * pageShare, pids: lim.Pids * pageShare}
}

// buildCgroup is the cgroup parent that holds the session's BuildKit builds
// to its limits: under one holder for the whole session, made at its first
// build (the engine is probed at the run's first). One, not one per build:
// the parent is part of each step's cache key, so the page's second build
// must name the same one to find its first build's RUN steps, as a
// reader's would. Other sessions name other parents, so no page's RUN step
// is answered from another page's cache. "" when the engine cannot.
func (s *Session) buildCgroup(ctx context.Context) (string, error) {
	if bound, _ := s.e.BuildKitBounded(ctx, s.spec.Image); !bound {
		return "", nil
	}
	s.holderMu.Lock()
	defer s.holderMu.Unlock()
	if s.holder == "" {
		lim := s.spec.Limits
		id, err := s.e.startHolder(ctx, s.spec.Image, lim.Memory, lim.NanoCPUs, lim.Pids)
		if err != nil {
			return "", err
		}
		s.holder = id
	}
	return holderCgroup(s.e.bk.driver, s.holder), nil
}

// standIns makes the mapped names a BuildKit build reads resolve to their
// local images (see StandIn), before the engine parses the Dockerfile:
// every name the proxy judged, as it judged them (under the page's build
// arguments, in ONBUILD triggers), not only those the Dockerfile spells
// out. A mapped name left without one passed the proxy as mapped, and the
// engine went to its registry, perhaps one of the host's network.
func (s *Session) standIns(ctx context.Context, _ string, refs []string) error {
	if s.spec.MapImage == nil {
		return nil
	}
	for _, ref := range refs {
		m := s.spec.MapImage(ref)
		if m == ref || m == "" {
			// The proxy also maps a name by its short form.
			if n, err := reference.ParseNormalizedNamed(ref); err == nil {
				if f := reference.FamiliarString(n); f != ref {
					m = s.spec.MapImage(f)
					if m == f {
						m = ""
					}
				}
			}
		}
		if m == ref || m == "" {
			continue
		}
		real, err := s.e.StandIn(ctx, ref, m, s.id)
		if err != nil {
			return err
		}
		if real && s.spec.Used != nil {
			s.spec.Used(ref)
		}
	}
	return nil
}

// realImage is whether ref names an image of the engine's own, to be used
// as the page wrote it. A name on the very image it maps to is the mapping
// (a stand-in, another session's or one a killed run left, or a tag of the
// user's): what runs is the mapped image either way, and it is recorded as
// such. A mapped name that is gone by the time it is looked at is the
// mapping too: stand-ins come and go with other sessions' builds, and a
// page must not be sent to a name that vanishes before its container is
// created ("Unable to find image locally", seen on Docker 28).
func (s *Session) realImage(ctx context.Context, ref string) bool {
	if s.spec.MapImage == nil {
		return s.e.realImage(ctx, ref)
	}
	m := s.spec.MapImage(ref)
	if m == "" || m == ref {
		return s.e.realImage(ctx, ref)
	}
	id, err := s.e.ImageID(ctx, ref)
	if err != nil {
		return false
	}
	if mid, err := s.e.ImageID(ctx, m); err == nil && mid == id {
		return false
	}
	return s.e.realImage(ctx, ref)
}

// ID is the session's id, the value of SessionLabel on what it created.
func (s *Session) ID() string { return s.id }

// Conflicts lists what the page met of other sessions running at the same
// time (names they hold, objects they made). While it is empty, the
// page's answers are those of a run alone; otherwise they must be
// discarded and the page run again.
func (s *Session) Conflicts() []string {
	if s.px == nil {
		return nil
	}
	return s.px.Conflicts()
}

// WriteFiles puts files into the session's work dir. The relay writes
// them inside the session container, as the page's own files: a symlink
// the page left where a file goes (ln -s /etc/x app.py, then
// {file=app.py}) is replaced, and nothing leads out of the folder.
func (s *Session) WriteFiles(ctx context.Context, files map[string][]byte) error {
	if len(files) == 0 {
		return nil
	}
	if err := s.relay.WriteFiles(ctx, files); err != nil {
		names := make([]string, 0, len(files))
		for n := range files {
			names = append(names, n)
		}
		sort.Strings(names)
		return fmt.Errorf("write %s into the session: %w", strings.Join(names, ", "), err)
	}
	return nil
}

// lstat is the mode of a path in the page's folder as the page left it
// (the engine does not follow a last symlink), asked of the session
// container, whose folder it is; fs.ErrNotExist when there is none.
func (s *Session) lstat(ctx context.Context, p string) (fs.FileMode, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	r, err := s.e.c.ContainerStatPath(ctx, s.cid, client.ContainerStatPathOptions{Path: p})
	if err != nil {
		if cerrdefs.IsNotFound(err) {
			return 0, fmt.Errorf("%s: %w", p, fs.ErrNotExist)
		}
		return 0, err
	}
	return r.Stat.Mode, nil
}

// Exec runs a bash script in the session, in the work dir. A timeout ends
// the session (an exec cannot be killed alone), so later blocks fail with
// ErrSessionEnded.
func (s *Session) Exec(ctx context.Context, script string, timeout time.Duration, limit int) (Outcome, error) {
	var out Outcome
	s.mu.Lock()
	dead := s.dead
	s.mu.Unlock()
	if dead != nil {
		return out, dead
	}
	if timeout <= 0 {
		timeout = config.Timeout
	}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	ex, err := s.e.c.ExecCreate(cctx, s.cid, client.ExecCreateOptions{
		// setsid makes the block a process group of its own, which a
		// timeout kills without ending the session.
		Cmd: []string{"setsid", "-w", "bash", "-c", "echo $$ > /tmp/.shipshape-block\n" + script}, AttachStdout: true, AttachStderr: true, WorkingDir: s.spec.WorkDir,
	})
	cancel()
	if err != nil {
		return out, fmt.Errorf("exec in session: %w", err)
	}
	start := time.Now()
	actx, acancel := context.WithCancel(ctx)
	defer acancel()
	att, err := s.e.c.ExecAttach(actx, ex.ID, client.ExecAttachOptions{})
	if err != nil {
		return out, fmt.Errorf("attach to session exec: %w", err)
	}
	defer att.Close()
	w := &capped{limit: limit}
	var mu sync.Mutex
	done := make(chan error, 1)
	go func() {
		_, err := stdcopy.StdCopy(lockedWriter{w, &mu}, lockedWriter{w, &mu}, att.Reader)
		done <- err
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		out.TimedOut, out.ExitCode = true, 137
		if !s.killBlock(ctx, done) {
			s.end(fmt.Errorf("%w: a block was killed after the %s timeout", ErrSessionEnded, timeout))
		}
	case <-ctx.Done():
		s.end(ctx.Err())
		return out, ctx.Err()
	}
	out.Duration = time.Since(start)
	mu.Lock()
	out.Output, out.Truncated = append([]byte(nil), w.buf.Bytes()...), w.truncated
	mu.Unlock()
	if out.TimedOut {
		return out, nil
	}
	s.mu.Lock()
	full := s.diskFull
	s.mu.Unlock()
	if full != nil {
		out.ExitCode = 137
		return out, full
	}
	ictx, icancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer icancel()
	in, err := s.e.c.ExecInspect(ictx, ex.ID, client.ExecInspectOptions{})
	if err != nil {
		return out, fmt.Errorf("inspect session exec: %w", err)
	}
	out.ExitCode = in.ExitCode
	return out, nil
}

// killBlock kills the timed-out block's process group and waits briefly
// for its output to end; false means the session must go instead.
func (s *Session) killBlock(ctx context.Context, done <-chan error) bool {
	kctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ex, err := s.e.c.ExecCreate(kctx, s.cid, client.ExecCreateOptions{Cmd: []string{"bash", "-c", "kill -9 -- -$(cat /tmp/.shipshape-block)"}})
	if err != nil {
		return false
	}
	if _, err := s.e.c.ExecStart(kctx, ex.ID, client.ExecStartOptions{Detach: true}); err != nil {
		return false
	}
	select {
	case <-done:
		return true
	case <-kctx.Done():
		return false
	case <-ctx.Done():
		return false
	}
}

func (s *Session) end(err error) {
	s.mu.Lock()
	s.dead = err
	s.mu.Unlock()
	// The page's containers too, at once: they may be what must stop.
	s.killPage()
	if s.cid != "" {
		s.e.kill(s.cid)
	}
}

// Close removes the session container and everything the page created
// through the proxy, then the tags it put on other images.
func (s *Session) Close() {
	if s.stopWatch != nil {
		s.stopWatch()
	}
	if s.px != nil {
		s.px.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s.holderMu.Lock()
	if s.holder != "" {
		s.e.removeContainer(s.holder)
	}
	s.holderMu.Unlock()
	// The page's containers before their holder, whose cgroup holds
	// theirs: the engine cannot remove a cgroup with children.
	f := make(client.Filters).Add("label", SessionLabel+"="+s.id)
	cs, err := s.e.c.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	clean := err == nil
	if err == nil {
		for _, c := range cs.Items {
			if _, err := s.e.c.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil {
				clean = false
			}
		}
	}
	// The holder waits for the next page only once nothing of this
	// page's runs under it: every container it made is gone, and it ran
	// no classic build, whose steps the engine may still be removing
	// under it after the build was cut. Else it goes, as before.
	s.holderMu.Lock()
	if s.pageHolder != "" {
		if clean && !s.classic {
			s.e.putHolder(s.holderKey(), s.pageHolder)
		} else {
			s.e.removeContainer(s.pageHolder)
		}
	}
	s.holderMu.Unlock()
	if s.cid != "" {
		_, _ = s.e.c.ContainerRemove(ctx, s.cid, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
	}
	if vs, err := s.e.c.VolumeList(ctx, client.VolumeListOptions{Filters: f}); err == nil {
		for _, v := range vs.Items {
			_, _ = s.e.c.VolumeRemove(ctx, v.Name, client.VolumeRemoveOptions{Force: true})
		}
	}
	if ns, err := s.e.c.NetworkList(ctx, client.NetworkListOptions{Filters: f}); err == nil {
		for _, n := range ns.Items {
			_, _ = s.e.c.NetworkRemove(ctx, n.ID, client.NetworkRemoveOptions{})
		}
	}
	if s.network != "" {
		_, _ = s.e.c.NetworkRemove(ctx, s.network, client.NetworkRemoveOptions{})
	}
	if s.rules {
		unblockHost(s.e.RunID, s.id)
	}
	s.e.ReleaseStandIns(s.id)
	if s.px != nil {
		for _, t := range s.px.Tags() {
			if !strings.Contains(t, "@") {
				_, _ = s.e.c.ImageRemove(ctx, t, client.ImageRemoveOptions{})
			}
		}
	}
	if is, err := s.e.c.ImageList(ctx, client.ImageListOptions{All: true, Filters: f}); err == nil {
		for _, im := range is.Items {
			_, _ = s.e.c.ImageRemove(ctx, im.ID, client.ImageRemoveOptions{Force: true, PruneChildren: true})
		}
	}
	var layers []string
	if s.px != nil {
		layers = s.px.Layers()
	}
	if s.counted {
		s.counted = false
		s.e.mu.Lock()
		s.e.sessions--
		s.e.layers = append(s.e.layers, layers...)
		layers = nil
		if s.e.sessions == 0 {
			layers, s.e.layers = s.e.layers, nil
		}
		s.e.mu.Unlock()
	}
	s.e.removeUntagged(ctx, layers)
	if s.volume != "" {
		_, _ = s.e.c.VolumeRemove(ctx, s.volume, client.VolumeRemoveOptions{Force: true})
	}
	// The names go back last, once the objects that bore them are gone.
	s.claims.release()
}
