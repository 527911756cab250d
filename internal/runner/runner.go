// Package runner drives a Docker engine through its API: it builds images
// from in-memory contexts and runs containers under limits, labelling
// everything it creates so that it can always be removed.
package runner

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/jsonstream"
	"github.com/moby/moby/client"

	"github.com/shipshape/shipshape/internal/config"
	"github.com/shipshape/shipshape/internal/dockerfile"
	"github.com/shipshape/shipshape/internal/proxy"
)

// ErrNoEngine means no Docker engine answered.
var ErrNoEngine = errors.New("no Docker engine reachable")

// ErrNoImage means an image a snippet needs is not on the engine.
var ErrNoImage = errors.New("image not found on the engine")

// Label marks everything shipshape creates; its value is the run id.
const Label = "org.shipshape.run"

// HostLabel names the machine a run's objects came from. Whether a run is
// alive is known only on its own machine (its lock file), so a sweep
// leaves the objects of other machines' runs on a shared engine alone.
const HostLabel = "org.shipshape.host"

// thisHost is this machine's name, as HostLabel carries it.
var thisHost = func() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "unknown"
	}
	return h
}()

// Engine is a connection to one Docker engine for one verify run.
type Engine struct {
	c     *client.Client
	RunID string
	// anyRegistry lets examples pull from registries beyond the public
	// ones (proxy.CheckRegistryHost); see AllowAnyRegistry.
	anyRegistry atomic.Bool
	lock        *os.File
	version     struct {
		once sync.Once
		v    string
	}
	// noStorageOpt records that the storage driver cannot size a
	// container's writable layer.
	noStorageOpt atomic.Bool
	storageOnce  sync.Once
	// pageCgroups is whether a page's containers can run together under
	// one holder's cgroup (see NestsPages).
	pageCgroups     bool
	pageCgroupsOnce sync.Once
	// holders are ended pages' holders, for the pages that follow.
	holders holderPool
	// bk is the engine's BuildKit, for one-off builds.
	bk buildKit
	// guard watches the engine's disk for one-off builds.
	guard diskGuard
	// sessions counts live page sessions; the step images a session's
	// builds left wait in layers until none is live, since a build of
	// another session may be sitting on one of them as its cache.
	mu       sync.Mutex
	sessions int
	layers   []string
	// key names the engine for the journal of step images (journal.go).
	key struct {
		once sync.Once
		v    string
	}
	steps journal
}

// Connect reaches the engine the docker CLI would use (DOCKER_HOST, the
// current docker context, or the default socket; see dial.go) and checks
// that it answers.
func Connect(ctx context.Context) (*Engine, error) {
	ep, err := engineEndpoint()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoEngine, err)
	}
	opts, err := clientOptions(ep)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoEngine, err)
	}
	c, err := client.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("%w: %s (%s): %v", ErrNoEngine, ep.host, ep.from, err)
	}
	pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	// A ping, not /version: dockerd answers /version by running runc and
	// docker-init for their versions, which a warm verify that runs
	// nothing would wait for (see Version).
	_, err = c.Ping(pctx, client.PingOptions{NegotiateAPIVersion: true})
	if err != nil {
		c.Close()
		hint := "start one (for example `sudo dockerd &` or `systemctl start docker`), or point DOCKER_HOST at a running engine"
		if strings.HasPrefix(ep.host, "ssh://") {
			hint = "check that `ssh` reaches that machine without a prompt and that `docker system dial-stdio` runs there"
		}
		return nil, fmt.Errorf("%w at %s (%s): %v\n  %s", ErrNoEngine, ep.host, ep.from, err, hint)
	}
	id := newID()
	return &Engine{c: c, RunID: id, lock: holdLock(id), holders: holderPool{idle: map[holderKey][]string{}}}, nil
}

// AllowAnyRegistry sets whether the examples of the runs that follow may
// pull from registries beyond the public ones (the site's allow_host):
// one-off pulls and builds here, and CheckRegistryHost's judgement. The
// verify run sets it from the configuration it runs under.
func (e *Engine) AllowAnyRegistry(allow bool) { e.anyRegistry.Store(allow) }

// Version is the engine's version, recorded in every new result and
// compared by results.Fresh. It is asked once, when first wanted; "" if
// the engine does not say.
func (e *Engine) Version(ctx context.Context) string {
	e.version.once.Do(func() {
		vctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if v, err := e.c.ServerVersion(vctx, client.ServerVersionOptions{}); err == nil {
			e.version.v = v.Version
		}
	})
	return e.version.v
}

// Close releases the client and the run's liveness lock.
func (e *Engine) Close() error {
	e.closeJournal()
	releaseLock(e.lock)
	e.bk.once.Do(func() {}) // waits for a probe under way; none starts after
	e.closeGuard(false)
	e.dropHolders(false)
	if e.bk.c != nil {
		_ = e.bk.c.Close()
	}
	return e.c.Close()
}

func (e *Engine) labels() map[string]string {
	return map[string]string{Label: e.RunID, HostLabel: thisHost}
}

// ImageID returns the ID of a local image, or ErrNoImage.
func (e *Engine) ImageID(ctx context.Context, ref string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	r, err := e.c.ImageInspect(ctx, ref)
	if err != nil {
		if cerrdefs.IsNotFound(err) {
			return "", fmt.Errorf("%w: %s", ErrNoImage, ref)
		}
		return "", fmt.Errorf("inspect image %s: %w", ref, err)
	}
	return r.ID, nil
}

// Triggers returns the ONBUILD triggers of an image on the engine; ok is
// false when the engine has no such image (or cannot say).
func (e *Engine) Triggers(ctx context.Context, ref string) (triggers []string, ok bool) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	r, err := e.c.ImageInspect(ctx, ref)
	if err != nil {
		return nil, false
	}
	if r.Config != nil {
		triggers = r.Config.OnBuild
	}
	return triggers, true
}

// checkBaseTriggers judges the ONBUILD triggers of the images a one-off
// build starts FROM (its caller has put them on the engine): the engine
// runs them as the build's first steps, where the Dockerfile shows none.
func (e *Engine) checkBaseTriggers(ctx context.Context, df string) error {
	srcs, _ := dockerfile.Sources(df, nil)
	for _, s := range srcs {
		if s.What != "FROM" || s.Unknown {
			continue
		}
		triggers, _ := e.Triggers(ctx, s.Ref)
		if err := proxy.CheckTriggers(ctx, triggers, e.anyRegistry.Load()); err != nil {
			return fmt.Errorf("Dockerfile line %d: FROM %s: %w", s.Line, s.Ref, err)
		}
	}
	return nil
}

// Limits bound what a container may use.
type Limits struct {
	Memory      int64         // bytes; swap is set equal so there is none
	Pids        int64         //
	NanoCPUs    int64         //
	Timeout     time.Duration // killed after this
	OutputLimit int           // bytes of output kept
	Network     string        // "" or "none": no network at all; else a network mode such as "bridge"
	ReadOnly    bool          // read-only root filesystem with tmpfs on /tmp and the work dir
	// Disk bounds what the container can write: the size of each tmpfs
	// under a read-only root; for a writable root, the size of its layer,
	// set by the storage driver where it can (overlay2 over xfs with
	// pquota) and otherwise enforced by a watchdog that kills the container
	// once its layer is larger. 0 means config.Disk.
	Disk int64
}

// ErrNetwork means a one-off container asked for a network other than none
// or the default bridge.
var ErrNetwork = errors.New("network not allowed")

// validNetwork reports whether a one-off container may have network mode
// n: none, or the default bridge for blocks that ask for egress. Host,
// container:, and user-defined networks would reach what they must not.
func validNetwork(n string) bool { return n == "" || n == "none" || n == "bridge" }

// logConfig caps the container's log on disk: two json-file files of a few
// MB at most. Two files keep at least one full file after a rotation, so a
// log that rotated is still longer than the output limit and is reported
// as truncated.
func logConfig(outputLimit int) container.LogConfig {
	size := max(8<<20, 4*outputLimit)
	return container.LogConfig{Type: "json-file", Config: map[string]string{"max-size": fmt.Sprint(size), "max-file": "2"}}
}

// underAny reports whether dir is one of the mounts or inside one.
func underAny(dir string, mounts map[string]string) bool {
	for m := range mounts {
		if dir == m || strings.HasPrefix(dir, strings.TrimSuffix(m, "/")+"/") {
			return true
		}
	}
	return false
}

// maxEnvFile is the largest file filesByEnv passes: the kernel caps one
// environment string at 128 KiB.
const maxEnvFile = 120 << 10

// filesByEnv rewrites a run so that its files are written by /bin/sh in the
// container from environment variables before the command runs. It returns
// the command, the environment and the folders the files go to.
func filesByEnv(spec RunSpec) (cmd, env []string, dirs []string, err error) {
	if len(spec.Cmd) == 0 {
		return nil, nil, nil, errors.New("files for a read-only container need a command")
	}
	dir := spec.WorkDir
	if dir == "" {
		dir = "/"
	}
	names := make([]string, 0, len(spec.Files))
	for n := range spec.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	env = append([]string(nil), spec.Env...)
	var sh strings.Builder
	sh.WriteString("set -e\n")
	seen := map[string]bool{}
	for i, n := range names {
		data := spec.Files[n]
		if len(data) > maxEnvFile {
			return nil, nil, nil, fmt.Errorf("file %s: %d bytes, more than the %d a read-only container can be given", n, len(data), maxEnvFile)
		}
		p := path.Join(dir, path.Clean("/"+n))
		d := path.Dir(p)
		if !seen[d] {
			seen[d] = true
			dirs = append(dirs, d)
		}
		v := fmt.Sprintf("SHIPSHAPE_FILE_%d", i)
		env = append(env, v+"="+string(data))
		fmt.Fprintf(&sh, "mkdir -p %s\nprintf %%s \"$%s\" > %s\nunset %s\n", quote(d), v, quote(p), v)
		if strings.HasSuffix(n, ".sh") {
			fmt.Fprintf(&sh, "chmod +x %s\n", quote(p))
		}
	}
	sh.WriteString(`exec "$@"` + "\n")
	cmd = append([]string{"/bin/sh", "-c", sh.String(), "sh"}, spec.Cmd...)
	return cmd, env, dirs, nil
}

// quote makes s one word for /bin/sh.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// RunSpec is one container run.
type RunSpec struct {
	Image   string
	Cmd     []string // nil keeps the image's own command
	Env     []string
	WorkDir string
	User    string
	Limits  Limits
	// ExtraHosts are "name:ip" entries for /etc/hosts, so a config naming
	// upstream hosts can be checked without a network.
	ExtraHosts []string
	// Files are written into WorkDir (or /) before the container starts.
	Files map[string][]byte
	// Tmpfs are more writable folders under a read-only root, such as a
	// checker's state folders; each is a tmpfs bounded like /tmp.
	Tmpfs []string
	// CapAdd gives back capabilities a checker needs (nginx -t chowns its
	// temp folders as root); examples themselves never get any.
	CapAdd []string
}

// Outcome is what a run produced.
type Outcome struct {
	ExitCode  int
	Output    []byte // stdout and stderr, interleaved as the engine gave them
	Truncated bool
	TimedOut  bool
	// DiskFull means the container was killed for writing more than its
	// disk bound to a writable root the storage driver could not size.
	DiskFull bool
	Duration time.Duration
	ImageID  string
}

// Run creates, starts, waits for and removes one container. A non-zero exit
// is an Outcome, not an error; errors are the engine's or a missing image.
func (e *Engine) Run(ctx context.Context, spec RunSpec) (Outcome, error) {
	var out Outcome
	id, err := e.ImageID(ctx, spec.Image)
	if err != nil {
		return out, err
	}
	out.ImageID = id
	lim := spec.Limits
	if !validNetwork(lim.Network) {
		return out, fmt.Errorf("%w: %q (want none or bridge)", ErrNetwork, lim.Network)
	}
	cmd, env := spec.Cmd, spec.Env
	var fileDirs []string
	if len(spec.Files) > 0 && lim.ReadOnly {
		// The engine refuses to copy into a read-only root, and a tmpfs
		// mounted at start hides what was copied before: the files travel
		// in the environment and a shell writes them into tmpfs folders.
		cmd, env, fileDirs, err = filesByEnv(spec)
		if err != nil {
			return out, err
		}
	}
	pids := lim.Pids
	cfg := &container.Config{
		Image:           spec.Image,
		Cmd:             cmd,
		Env:             env,
		WorkingDir:      spec.WorkDir,
		User:            spec.User,
		Labels:          e.labels(),
		NetworkDisabled: lim.Network == "" || lim.Network == "none",
	}
	noNetwork := cfg.NetworkDisabled
	if len(spec.ExtraHosts) > 0 {
		// The engine writes /etc/hosts only for a container with a network
		// stack; mode "none" still has none beyond loopback.
		cfg.NetworkDisabled = false
	}
	host := &container.HostConfig{
		CapDrop:        []string{"ALL"},
		SecurityOpt:    []string{"no-new-privileges"},
		ReadonlyRootfs: lim.ReadOnly,
		LogConfig:      logConfig(lim.OutputLimit),
		Resources: container.Resources{
			Memory:     lim.Memory,
			MemorySwap: lim.Memory,
			NanoCPUs:   lim.NanoCPUs,
			PidsLimit:  &pids,
		},
	}
	if noNetwork {
		host.NetworkMode = "none"
	} else {
		host.NetworkMode = container.NetworkMode(lim.Network)
	}
	host.ExtraHosts = spec.ExtraHosts
	host.CapAdd = spec.CapAdd
	disk := lim.Disk
	if disk <= 0 {
		disk = config.Disk
	}
	if lim.ReadOnly {
		// Every writable path is a tmpfs of bounded size (its pages also
		// count against the memory limit), so a block cannot fill the disk.
		opts := fmt.Sprintf("rw,exec,size=%d", disk)
		host.Tmpfs = map[string]string{"/tmp": opts}
		dirs := append([]string{spec.WorkDir}, spec.Tmpfs...)
		for _, d := range append(dirs, fileDirs...) {
			if d != "" && d != "/" && !underAny(d, host.Tmpfs) {
				host.Tmpfs[d] = opts
			}
		}
	} else {
		// A writable root is bounded by the storage driver, where it can.
		host.StorageOpt = map[string]string{"size": fmt.Sprint(disk)}
	}
	// Creation is not cut short by the caller's cancel: a create the engine
	// finishes after the client gave up would leave a container nobody
	// knows the id of. A cancel is honoured right after, with removal.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	// Where the storage driver cannot size a writable layer, a watchdog
	// measures it instead and kills the container once it is over.
	watch := false
	if host.StorageOpt != nil {
		e.storageOnce.Do(func() { e.checkStorageOpt(cctx) })
	}
	if host.StorageOpt != nil && e.noStorageOpt.Load() {
		host.StorageOpt, watch = nil, true
	}
	cr, err := e.c.ContainerCreate(cctx, client.ContainerCreateOptions{Config: cfg, HostConfig: host})
	if err != nil && host.StorageOpt != nil && strings.Contains(err.Error(), "storage-opt") {
		e.noStorageOpt.Store(true)
		host.StorageOpt, watch = nil, true
		cr, err = e.c.ContainerCreate(cctx, client.ContainerCreateOptions{Config: cfg, HostConfig: host})
	}
	cancel()
	if err != nil {
		return out, fmt.Errorf("create container from %s: %w", spec.Image, err)
	}
	defer e.removeContainer(cr.ID)
	if err := ctx.Err(); err != nil {
		return out, err
	}
	if len(spec.Files) > 0 && !lim.ReadOnly {
		if err := e.copyFiles(ctx, cr.ID, spec.WorkDir, spec.Files); err != nil {
			return out, err
		}
	}

	timeout := lim.Timeout
	if timeout <= 0 {
		timeout = config.Timeout
	}
	// Wait is registered before start so a fast exit is never missed.
	wctx, wcancel := context.WithCancel(ctx)
	defer wcancel()
	wait := e.c.ContainerWait(wctx, cr.ID, client.ContainerWaitOptions{Condition: container.WaitConditionNextExit})
	start := time.Now()
	sctx, scancel := context.WithTimeout(ctx, 30*time.Second)
	_, err = e.c.ContainerStart(sctx, cr.ID, client.ContainerStartOptions{})
	scancel()
	if err != nil {
		return out, fmt.Errorf("start container: %w", err)
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var over <-chan struct{}
	if watch {
		over = e.watchDisk(wctx, cr.ID, disk)
	}
	select {
	case <-over:
		e.kill(cr.ID)
		out.ExitCode, out.DiskFull = 137, true
	case r := <-wait.Result:
		out.ExitCode = int(r.StatusCode)
	case err := <-wait.Error:
		e.kill(cr.ID)
		return out, fmt.Errorf("wait for container: %w", err)
	case <-timer.C:
		out.TimedOut = true
		e.kill(cr.ID)
		out.ExitCode = 137
	case <-ctx.Done():
		e.kill(cr.ID)
		return out, ctx.Err()
	}
	out.Duration = time.Since(start)
	out.Output, out.Truncated = e.logs(cr.ID, lim.OutputLimit)
	return out, nil
}

// watchInterval is how often a watchdog measures a writable layer; what a
// container can write in one interval is how far it can overshoot.
const watchInterval = 200 * time.Millisecond

// watchDisk measures a running container's writable layer until ctx ends
// and closes the returned channel once it holds more than limit bytes.
func (e *Engine) watchDisk(ctx context.Context, id string, limit int64) <-chan struct{} {
	over := make(chan struct{})
	go func() {
		t := time.NewTicker(watchInterval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			ictx, cancel := context.WithTimeout(ctx, 10*time.Second)
			r, err := e.c.ContainerInspect(ictx, id, client.ContainerInspectOptions{Size: true})
			cancel()
			if err == nil && r.Container.SizeRw != nil && *r.Container.SizeRw > limit {
				close(over)
				return
			}
		}
	}()
	return over
}

func (e *Engine) kill(id string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, _ = e.c.ContainerKill(ctx, id, client.ContainerKillOptions{Signal: "KILL"})
}

func (e *Engine) removeContainer(id string) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, _ = e.c.ContainerRemove(ctx, id, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
}

func (e *Engine) logs(id string, limit int) ([]byte, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rc, err := e.c.ContainerLogs(ctx, id, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		return []byte(fmt.Sprintf("(logs unavailable: %v)", err)), false
	}
	defer rc.Close()
	w := &capped{limit: limit}
	var mu sync.Mutex
	_, _ = stdcopy.StdCopy(lockedWriter{w, &mu}, lockedWriter{w, &mu}, rc)
	return w.buf.Bytes(), w.truncated
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// capped keeps the first limit bytes and notes that more came.
type capped struct {
	buf       bytes.Buffer
	limit     int
	truncated bool
}

func (c *capped) Write(p []byte) (int, error) {
	n := len(p)
	if c.limit > 0 && c.buf.Len()+len(p) > c.limit {
		p = p[:max(0, c.limit-c.buf.Len())]
		c.truncated = true
	}
	c.buf.Write(p)
	return n, nil
}

// BuildSpec is one image build from an in-memory context.
type BuildSpec struct {
	Dockerfile []byte
	Files      map[string][]byte // the rest of the context, by slash path
	Tag        string
	Timeout    time.Duration
	Memory     int64
	NanoCPUs   int64
	Pids       int64
	// Holder is an image with sleep, for the container whose cgroup holds
	// a BuildKit build's steps to the limits above (see bkbuild.go). With
	// none, or on an engine that cannot, the build is classic.
	Holder string
	// Guard is the session image, whose relay watches the engine's disk
	// while the build runs (see diskGuard): under the floor of free space
	// the build is stopped with ErrDiskLow. With none, nothing but the
	// timeout bounds what the build writes.
	Guard string
	// DiskFloor is that floor; 0 means config.DiskFloor, or a twentieth of
	// a smaller disk.
	DiskFloor int64
}

// BuildOutcome is what a build produced. Failed is a build that ran and
// failed, with Log saying why; errors are the engine's.
type BuildOutcome struct {
	ImageID string
	// Own is whether the build made ImageID. A classic build of a
	// Dockerfile whose last stage is a bare FROM commits nothing: its
	// image is the base's, which must outlive it (RemoveBuilt).
	Own      bool
	Log      []byte
	Failed   bool
	Message  string
	Duration time.Duration
}

// Build builds an image without network, labelled with the run id: with the
// engine's BuildKit when it can hold the build to its limits (bkbuild.go),
// else with the classic builder.
func (e *Engine) Build(ctx context.Context, spec BuildSpec) (BuildOutcome, error) {
	var out BuildOutcome
	// The engine fetches ADD URLs itself, from the host's network, while
	// a one-off build has none: such a Dockerfile must not make the engine
	// download for it (the same rule as for sessions).
	// Nor may it fetch and run another Dockerfile frontend.
	df, err := proxy.BlankFrontend(string(spec.Dockerfile))
	if err == nil {
		err = proxy.CheckRemoteAdd(ctx, df, false)
	}
	if err == nil {
		err = proxy.CheckBuildSources(ctx, df, e.anyRegistry.Load())
	}
	if err == nil {
		err = e.checkBaseTriggers(ctx, df)
	}
	if err != nil {
		out.Failed, out.Message, out.Log = true, err.Error(), []byte(err.Error()+"\n")
		return out, nil
	}
	spec.Dockerfile = []byte(df)
	timeout := spec.Timeout
	if timeout <= 0 {
		timeout = config.BuildTimeout
	}
	if spec.Guard != "" {
		gctx, done, err := e.guardBuild(ctx, spec.Guard, spec.DiskFloor)
		if err != nil {
			return out, err
		}
		defer done()
		out, err := e.build(gctx, spec, timeout)
		if cause := context.Cause(gctx); errors.Is(cause, ErrDiskLow) {
			return out, cause
		}
		return out, err
	}
	return e.build(ctx, spec, timeout)
}

// build is Build once the Dockerfile passed and the disk is watched.
func (e *Engine) build(ctx context.Context, spec BuildSpec, timeout time.Duration) (BuildOutcome, error) {
	var out BuildOutcome
	if spec.Holder != "" {
		if ok, _ := e.BuildKitBounded(ctx, spec.Holder); ok {
			return e.buildWithBuildKit(ctx, spec, timeout)
		}
	}
	tarball, err := contextTar(spec.Dockerfile, spec.Files)
	if err != nil {
		return out, err
	}
	bctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	// No labels: the classic builder adds each label as a step of its own
	// ("Step 4/5 : LABEL org.shipshape.run=…"), which the transcript would
	// show and count, and no reader's build has. The build's images are
	// known from its stream instead (each step's "---> id"), and removed
	// when it ends; what the engine commits after a build is cut short,
	// before the id reaches us, and what a killed run leaves, are plain
	// untagged images (docker image prune).
	// Without the cache: a step another build made (and, being untagged,
	// removes when it ends) could be reused here and vanish before this
	// build commits the next step on it ("unknown parent image ID"), and a
	// transcript would say "Using cache" or not by what ran before.
	opts := client.ImageBuildOptions{
		Dockerfile:  "Dockerfile",
		NoCache:     true,
		Remove:      true,
		ForceRemove: true,
		NetworkMode: "none",
		Memory:      spec.Memory,
		MemorySwap:  -1,
	}
	if spec.Tag != "" {
		opts.Tags = []string{spec.Tag}
	}
	res, err := e.c.ImageBuild(bctx, bytes.NewReader(tarball), opts)
	if err != nil {
		return out, fmt.Errorf("build: %w", err)
	}
	defer res.Body.Close()
	log := &capped{limit: 256 << 10}
	var steps committed
	// The classic builder leaves an untagged image per step: those of a
	// failed build, and those of the earlier stages of a multi-stage
	// build, which no removal of the final image reaches. Only the images
	// this build committed go: never the image a FROM named, which
	// another block, or the engine's owner, still has. A tagged image
	// keeps its stages.
	defer func() {
		final := strings.TrimPrefix(out.ImageID, "sha256:")
		if spec.Tag != "" && final != "" {
			return
		}
		var rest []string
		for _, id := range steps.ids {
			if final == "" || !strings.HasPrefix(final, id) {
				rest = append(rest, id)
			}
		}
		e.removeUntagged(context.Background(), rest)
	}()
	dec := json.NewDecoder(res.Body)
	for {
		var m jsonstream.Message
		if err := dec.Decode(&m); err != nil {
			if err == io.EOF {
				break
			}
			if bctx.Err() != nil {
				out.Failed, out.Message = true, fmt.Sprintf("build timed out after %s", timeout)
				break
			}
			return out, fmt.Errorf("read build output: %w", err)
		}
		if m.Stream != "" {
			log.Write([]byte(m.Stream))
			before := len(steps.ids)
			steps.read(m.Stream)
			e.journalSteps(ctx, steps.ids[before:])
		}
		if m.Error != nil {
			out.Failed = true
			out.Message = strings.TrimSpace(m.Error.Message)
			log.Write([]byte(out.Message + "\n"))
		}
		if m.Aux != nil {
			var aux struct{ ID string }
			if json.Unmarshal(*m.Aux, &aux) == nil && aux.ID != "" {
				out.ImageID = aux.ID
			}
		}
	}
	out.Duration = time.Since(start)
	out.Log = log.buf.Bytes()
	if !out.Failed && out.ImageID == "" && spec.Tag != "" {
		out.ImageID, _ = e.ImageID(ctx, spec.Tag)
	}
	if !out.Failed && out.ImageID == "" {
		out.Failed, out.Message = true, "the engine reported no image"
	}
	out.Own = out.ImageID != "" && steps.has(out.ImageID)
	return out, nil
}

// BuildLabel marks the image of one build; its value is the build's id.
const BuildLabel = "org.shipshape.build"

func newID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// removeBuild removes the images one build made, found by BuildLabel.
func (e *Engine) removeBuild(buildID string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	f := make(client.Filters).Add("label", BuildLabel+"="+buildID)
	is, err := e.c.ImageList(ctx, client.ImageListOptions{All: true, Filters: f})
	if err != nil {
		return
	}
	for _, im := range is.Items {
		_, _ = e.c.ImageRemove(ctx, im.ID, client.ImageRemoveOptions{Force: true, PruneChildren: true})
	}
}

// Tagged reports whether an image exists and whether any tag names it.
func (e *Engine) Tagged(ctx context.Context, id string) (tagged, exists bool) {
	r, err := e.c.ImageInspect(ctx, id)
	if err != nil {
		return false, false
	}
	return len(r.RepoTags) > 0, true
}

// removeUntagged removes, newest first, the images among ids that no tag
// names and no other image builds on (the engine refuses those): the step
// images a failed build leaves. Tagged images, such as a base image a build
// step was cached from, are never touched.
func (e *Engine) removeUntagged(ctx context.Context, ids []string) int {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	n := 0
	for i := len(ids) - 1; i >= 0; i-- {
		if removed, _ := e.removeStep(ctx, ids[i]); removed {
			n++
		}
	}
	return n
}

// removeStep removes one step image if no tag names it. left is whether
// it is still there untagged: the engine refused (a container or another
// image still uses it) or could not be asked.
func (e *Engine) removeStep(ctx context.Context, id string) (removed, left bool) {
	r, err := e.c.ImageInspect(ctx, id)
	if err != nil {
		return false, !cerrdefs.IsNotFound(err)
	}
	if len(r.RepoTags) > 0 {
		return false, false
	}
	if _, err := e.c.ImageRemove(ctx, id, client.ImageRemoveOptions{PruneChildren: true}); err != nil {
		return false, true
	}
	return true, false
}

// contextTar writes the Dockerfile and files as a tar stream, in a stable order.
func contextTar(dockerfile []byte, files map[string][]byte) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	names := make([]string, 0, len(files))
	for n := range files {
		if n != "Dockerfile" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	add := func(name string, data []byte) error {
		hdr := &tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), ModTime: time.Unix(0, 0), Typeflag: tar.TypeReg}
		if strings.HasSuffix(name, ".sh") {
			hdr.Mode = 0o755
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	if err := add("Dockerfile", dockerfile); err != nil {
		return nil, err
	}
	for _, n := range names {
		if err := add(n, files[n]); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// copyFiles writes files into a created container under dir.
func (e *Engine) copyFiles(ctx context.Context, id, dir string, files map[string][]byte) error {
	if dir == "" {
		dir = "/"
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		hdr := &tar.Header{Name: strings.TrimPrefix(n, "/"), Mode: 0o644, Size: int64(len(files[n])), ModTime: time.Unix(0, 0), Typeflag: tar.TypeReg}
		if strings.HasSuffix(n, ".sh") {
			hdr.Mode = 0o755
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := tw.Write(files[n]); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	_, err := e.c.CopyToContainer(cctx, id, client.CopyToContainerOptions{DestinationPath: dir, Content: &buf})
	if err != nil {
		return fmt.Errorf("copy files into container: %w", err)
	}
	return nil
}

// labelFilter selects what run runID created, or any run's when empty.
func labelFilter(runID string) client.Filters {
	if runID != "" {
		return make(client.Filters).Add("label", Label+"="+runID)
	}
	return make(client.Filters).Add("label", Label)
}

// Count reports how many containers, networks, volumes and images carry the
// label of runID (any run when empty), but for what the engine keeps until
// it closes (see kept): after a page, and after a run, it should be zero.
func (e *Engine) Count(ctx context.Context, runID string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	f := labelFilter(runID)
	cs, err := e.c.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return 0, fmt.Errorf("list containers: %w", err)
	}
	ns, err := e.c.NetworkList(ctx, client.NetworkListOptions{Filters: f})
	if err != nil {
		return 0, fmt.Errorf("list networks: %w", err)
	}
	vs, err := e.c.VolumeList(ctx, client.VolumeListOptions{Filters: f})
	if err != nil {
		return 0, fmt.Errorf("list volumes: %w", err)
	}
	is, err := e.c.ImageList(ctx, client.ImageListOptions{All: true, Filters: f})
	if err != nil {
		return 0, fmt.Errorf("list images: %w", err)
	}
	n := len(ns.Items) + len(is.Items)
	// The engine's own, which it removes when it closes, are not left
	// over: the holders waiting for the next page, the disk guard.
	kept := e.kept()
	for _, c := range cs.Items {
		if !kept[c.ID] {
			n++
		}
	}
	for _, v := range vs.Items {
		if !kept[v.Name] {
			n++
		}
	}
	return n, nil
}

// kept is what the engine keeps for the run and removes when it closes:
// the idle holders, and the disk guard's container and volume.
func (e *Engine) kept() map[string]bool {
	m := map[string]bool{}
	e.holders.mu.Lock()
	for _, ids := range e.holders.idle {
		for _, id := range ids {
			m[id] = true
		}
	}
	e.holders.mu.Unlock()
	e.guard.life.Lock()
	if e.guard.cid != "" {
		m[e.guard.cid], m[e.guard.vol] = true, true
	}
	e.guard.life.Unlock()
	return m
}

// RemoveBuilt deletes the image of a one-off build when the build made it,
// and leaves it when it is the base image a bare FROM named.
func (e *Engine) RemoveBuilt(b BuildOutcome) {
	if b.Own && b.ImageID != "" {
		e.RemoveImage(b.ImageID)
	}
}

// RemoveImage deletes an image the caller made, whatever names it.
func (e *Engine) RemoveImage(id string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, _ = e.c.ImageRemove(ctx, id, client.ImageRemoveOptions{Force: true, PruneChildren: true})
}

// Sweep removes every container, image, network and volume labelled by
// shipshape; with runID set, only that run's. With runID empty it spares
// runs still alive on this machine (their own or another process's). It
// returns how many it removed.
func (e *Engine) Sweep(ctx context.Context, runID string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	f := labelFilter(runID)
	n := 0
	cs, err := e.c.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return n, fmt.Errorf("list containers: %w", err)
	}
	live := map[string]bool{}
	spare := func(labels map[string]string) bool {
		id := labels[Label]
		if runID != "" || id == "" {
			return false
		}
		if h := labels[HostLabel]; h != "" && h != thisHost {
			return true // another machine's: its own sweeps judge it
		}
		if v, ok := live[id]; ok {
			return v
		}
		live[id] = id == e.RunID || alive(id)
		return live[id]
	}
	// A page's containers before the run's own (sessions, holders), whose
	// cgroups may hold theirs: the engine cannot remove a cgroup with
	// children.
	sort.SliceStable(cs.Items, func(i, j int) bool {
		return cs.Items[i].Labels[SessionLabel] != "" && cs.Items[j].Labels[SessionLabel] == ""
	})
	for _, c := range cs.Items {
		if spare(c.Labels) {
			continue
		}
		if _, err := e.c.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err == nil {
			n++
		}
	}
	if ns, err := e.c.NetworkList(ctx, client.NetworkListOptions{Filters: f}); err == nil {
		for _, nw := range ns.Items {
			if spare(nw.Labels) {
				continue
			}
			if _, err := e.c.NetworkRemove(ctx, nw.ID, client.NetworkRemoveOptions{}); err == nil {
				n++
			}
		}
	}
	if vs, err := e.c.VolumeList(ctx, client.VolumeListOptions{Filters: f}); err == nil {
		for _, v := range vs.Items {
			if spare(v.Labels) {
				continue
			}
			if _, err := e.c.VolumeRemove(ctx, v.Name, client.VolumeRemoveOptions{Force: true}); err == nil {
				n++
			}
		}
	}
	is, err := e.c.ImageList(ctx, client.ImageListOptions{All: true, Filters: f})
	if err != nil {
		return n, fmt.Errorf("list images: %w", err)
	}
	for _, im := range is.Items {
		if spare(im.Labels) {
			continue
		}
		if _, err := e.c.ImageRemove(ctx, im.ID, client.ImageRemoveOptions{Force: true, PruneChildren: true}); err == nil {
			n++
		}
	}
	if runID == "" {
		n += sweepSessionDirs(e.RunID)
		n += sweepRules(e.RunID)
		n += e.sweepStandIns(e.RunID)
		n += e.sweepJournals(ctx)
	}
	return n, nil
}

// checkStorageOpt learns whether the engine silently ignores a size for a
// container's writable layer: the containerd image store (Docker 29's
// default) accepts --storage-opt size and does not apply it, so the
// watchdog must bound the disk instead.
func (e *Engine) checkStorageOpt(ctx context.Context) {
	r, err := e.c.Info(ctx, client.InfoOptions{})
	if err != nil {
		return
	}
	for _, kv := range r.Info.DriverStatus {
		if kv[0] == "driver-type" && strings.HasPrefix(kv[1], "io.containerd.snapshotter") {
			e.noStorageOpt.Store(true)
		}
	}
}

// Pull policies: whether an image missing on the engine is pulled.
const (
	PullNever   = "never"
	PullMissing = "missing"
	PullAlways  = "always"
)

// Ensure returns the ID of ref on the engine, pulling it first by policy:
// never (the local image or ErrNoImage), missing (pull when absent) or
// always (pull, and fail if the pull does).
func (e *Engine) Ensure(ctx context.Context, ref, policy string) (string, error) {
	if policy != PullAlways {
		id, err := e.ImageID(ctx, ref)
		if err == nil || policy == PullNever || !errors.Is(err, ErrNoImage) {
			return id, err
		}
	}
	// The engine pulls from the host's network: the registry is judged
	// as for a page's own docker pull.
	if err := proxy.CheckRegistryHost(ctx, ref, e.anyRegistry.Load()); err != nil {
		return "", fmt.Errorf("pull %s: %w", ref, err)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	res, err := e.c.ImagePull(pctx, ref, client.ImagePullOptions{})
	if err == nil {
		err = res.Wait(pctx)
	}
	if err != nil {
		return "", fmt.Errorf("%w: %s, and pulling it failed: %v", ErrNoImage, ref, err)
	}
	return e.ImageID(ctx, ref)
}
