package runner

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path"
	"strings"
	"sync"
	"time"

	bkclient "github.com/moby/buildkit/client"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/util/grpcerrors"
	"github.com/moby/buildkit/util/progress/progressui"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/tonistiigi/fsutil"
	"google.golang.org/grpc/codes"
)

// One-off {build} blocks build with the engine's BuildKit, as every current
// `docker build` does, wherever the engine can hold the build to the block's
// limits. BuildKit runs a build's RUN steps itself, outside any container
// the API creates, and ignores a build's memory setting; what it does honour
// (on current engines) is a cgroup parent for the steps. So each build gets
// a holder: a container that only sleeps, created with the block's memory,
// CPU and process limits, and the build's steps are placed under the
// holder's cgroup, where those limits bound them all together. Whether the
// engine honours that is measured, not assumed from its version: once per
// run a probe step under a 16 MB holder takes 48 MB and must be killed.
// Where it is not (dockerd 20.10 ignores the parent), one-off builds stay
// on the classic builder, which applies the memory limit to each step.
//
// The engine's BuildKit is reached as buildx's docker driver reaches it:
// its control API over POST /grpc, the build's files over a session on
// POST /session, both through the client's own dialer (so remote engines
// too).

// buildKit is the engine's BuildKit as one-off builds use it.
type buildKit struct {
	once   sync.Once
	c      *bkclient.Client
	bound  bool
	reason string // why one-off builds stay classic
	driver string // the engine's cgroup driver
}

// BuildKitBounded reports whether one-off builds with holder as their holder
// image go through BuildKit on this engine, and if not, why. It probes the
// engine the first time it is asked.
func (e *Engine) BuildKitBounded(ctx context.Context, holder string) (bool, string) {
	e.bk.once.Do(func() { e.bk.bound, e.bk.reason = e.probeBuildKit(ctx, holder) })
	return e.bk.bound, e.bk.reason
}

func (e *Engine) probeBuildKit(ctx context.Context, holder string) (bool, string) {
	if holder == "" {
		return false, "no holder image"
	}
	c, err := bkclient.New(context.WithoutCancel(ctx), "",
		bkclient.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) {
			return e.c.DialHijack(ctx, "/grpc", "h2c", nil)
		}),
		bkclient.WithSessionDialer(func(ctx context.Context, proto string, meta map[string][]string) (net.Conn, error) {
			return e.c.DialHijack(ctx, "/session", proto, meta)
		}))
	if err != nil {
		return false, fmt.Sprintf("the engine's BuildKit: %v", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if info, err := e.c.Info(pctx, client.InfoOptions{}); err == nil {
		e.bk.driver = info.Info.CgroupDriver
	}
	// The probe measures the bound itself, not where the step lands: a
	// step under a 16 MB holder takes 48 MB, and must be killed for it.
	// (A path under the holder would not prove it: a cgroup v1 memory
	// controller without use_hierarchy does not charge a parent.)
	id, err := e.startHolder(pctx, holder, 16<<20, 0, 64)
	if err != nil {
		c.Close()
		return false, err.Error()
	}
	defer e.removeContainer(id)
	st := llb.Image(holder).Run(
		llb.Args([]string{"/bin/sh", "-c", probeStep}),
		llb.WithCgroupParent(holderCgroup(e.bk.driver, id)),
		llb.Network(llb.NetModeNone),
		llb.IgnoreCache,
	).Root()
	def, err := st.Marshal(pctx)
	if err != nil {
		c.Close()
		return false, err.Error()
	}
	ch := make(chan *bkclient.SolveStatus)
	go func() {
		for range ch {
		}
	}()
	_, err = c.Solve(pctx, def, bkclient.SolveOpt{}, ch)
	switch {
	case err == nil:
		c.Close()
		return false, "the engine's BuildKit does not hold build steps to the cgroup it is given (a probe step took 48 MB under a 16 MB holder), so it could not hold them to a block's limits"
	case !strings.Contains(err.Error(), "exit code: 137"):
		c.Close()
		return false, fmt.Sprintf("the engine's BuildKit could not run a probe step under a holder: %v", err)
	}
	e.bk.c = c
	return true, ""
}

// probeStep takes 48 MB in one shell.
const probeStep = "x=$(head -c 48000000 /dev/zero | tr '\\000' a); echo held ${#x}"

// holderCgroup is the cgroup parent that puts BuildKit's steps under the
// holder container's cgroup, as the engine names containers' cgroups by
// default: docker/<id> with the cgroupfs driver, the container's scope
// with systemd's (BuildKit's runc writes the path itself, so it nests
// there as a plain folder). A daemon set up otherwise fails the probe.
func holderCgroup(driver, id string) string {
	if driver == "systemd" {
		return "system.slice/docker-" + id + ".scope"
	}
	return "docker/" + id
}

// startHolder starts a container that sleeps under the given limits, for a
// build's steps to run under its cgroup. It has no network and no
// capabilities; it only holds the cgroup.
func (e *Engine) startHolder(ctx context.Context, image string, memory, nanoCPUs, pids int64) (string, error) {
	cfg := &container.Config{
		Image:           image,
		Cmd:             []string{"sleep", "2147483647"},
		Labels:          e.labels(),
		NetworkDisabled: true,
	}
	host := &container.HostConfig{
		NetworkMode:    "none",
		CapDrop:        []string{"ALL"},
		SecurityOpt:    []string{"no-new-privileges"},
		ReadonlyRootfs: true,
		Resources: container.Resources{
			Memory:     memory,
			MemorySwap: memory,
			NanoCPUs:   nanoCPUs,
		},
	}
	if pids > 0 {
		host.PidsLimit = &pids
	}
	if memory <= 0 {
		host.MemorySwap = 0
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	cr, err := e.c.ContainerCreate(cctx, client.ContainerCreateOptions{Config: cfg, HostConfig: host})
	if err != nil {
		return "", fmt.Errorf("create the build's holder from %s: %w", image, err)
	}
	if _, err := e.c.ContainerStart(cctx, cr.ID, client.ContainerStartOptions{}); err != nil {
		e.removeContainer(cr.ID)
		return "", fmt.Errorf("start the build's holder: %w", err)
	}
	return cr.ID, nil
}

// buildWithBuildKit is Build on the engine's BuildKit, under a holder.
func (e *Engine) buildWithBuildKit(ctx context.Context, spec BuildSpec, timeout time.Duration) (BuildOutcome, error) {
	var out BuildOutcome
	dir, err := os.MkdirTemp("", "shipshape-build-")
	if err != nil {
		return out, err
	}
	defer os.RemoveAll(dir)
	if err := writeContext(dir, spec.Dockerfile, spec.Files); err != nil {
		return out, err
	}
	fs, err := fsutil.NewFS(dir)
	if err != nil {
		return out, err
	}
	holder, err := e.startHolder(ctx, spec.Holder, spec.Memory, spec.NanoCPUs, spec.Pids)
	if err != nil {
		return out, err
	}
	// The holder goes after the build has ended: Solve returns once
	// BuildKit has stopped the steps, which run under the holder's cgroup.
	defer e.removeContainer(holder)
	buildID := newID()
	defer func() {
		if out.ImageID == "" {
			e.removeBuild(buildID)
		}
	}()
	attrs := map[string]string{
		"filename":           "Dockerfile",
		"force-network-mode": "none",
		"cgroup-parent":      holderCgroup(e.bk.driver, holder),
		// Without the cache, as classic one-off builds: a transcript would
		// otherwise say CACHED or not by what ran before.
		"no-cache":            "",
		"label:" + Label:      e.RunID,
		"label:" + HostLabel:  thisHost,
		"label:" + BuildLabel: buildID,
	}
	export := bkclient.ExportEntry{Type: "moby", Attrs: map[string]string{}}
	if spec.Tag != "" {
		export.Attrs["name"] = spec.Tag
	}
	bctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	log := &capped{limit: 256 << 10}
	display, err := progressui.NewDisplay(log, progressui.PlainMode)
	if err != nil {
		return out, err
	}
	ch := make(chan *bkclient.SolveStatus)
	done := make(chan struct{})
	go func() {
		_, _ = display.UpdateFrom(context.WithoutCancel(bctx), ch)
		close(done)
	}()
	start := time.Now()
	resp, err := e.bk.c.Solve(bctx, nil, bkclient.SolveOpt{
		Frontend:      "dockerfile.v0",
		FrontendAttrs: attrs,
		LocalMounts:   map[string]fsutil.FS{"context": fs, "dockerfile": fs},
		Exports:       []bkclient.ExportEntry{export},
	}, ch)
	<-done
	out.Duration = time.Since(start)
	switch {
	case err == nil:
		// The build's labels make its image its own, a bare FROM too.
		out.ImageID = resp.ExporterResponse["containerimage.digest"]
		out.Own = out.ImageID != ""
	case ctx.Err() != nil:
		return out, ctx.Err()
	case bctx.Err() != nil:
		out.Failed, out.Message = true, fmt.Sprintf("build timed out after %s", timeout)
		log.Write([]byte(out.Message + "\n"))
	case unreachable(err):
		return out, fmt.Errorf("build: %w", err)
	default:
		out.Failed = true
		out.Message = strings.TrimPrefix(grpcerrors.FromGRPC(err).Error(), "failed to solve: ")
		log.Write([]byte("ERROR: failed to solve: " + out.Message + "\n"))
	}
	out.Log = log.buf.Bytes()
	if !out.Failed && out.ImageID == "" {
		out.Failed, out.Message = true, "the engine reported no image"
	}
	return out, nil
}

// unreachable reports whether a solve failed because the engine or its
// BuildKit could not be reached, rather than because the build failed.
func unreachable(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	switch grpcerrors.Code(err) {
	case codes.Unavailable, codes.Unimplemented:
		return true
	}
	return false
}

// writeContext writes the Dockerfile and files into dir, a fresh folder of
// this machine. Names come from the page, so they are written under
// os.Root: none reaches outside dir.
func writeContext(dir string, dockerfile []byte, files map[string][]byte) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	write := func(name string, data []byte) error {
		name = strings.TrimPrefix(path.Clean("/"+name), "/")
		if name == "" {
			return fmt.Errorf("build context: empty file name")
		}
		if d := path.Dir(name); d != "." {
			if err := root.MkdirAll(d, 0o755); err != nil {
				return fmt.Errorf("build context: %w", err)
			}
		}
		mode := os.FileMode(0o644)
		if strings.HasSuffix(name, ".sh") {
			mode = 0o755
		}
		if err := root.WriteFile(name, data, mode); err != nil {
			return fmt.Errorf("build context: %w", err)
		}
		return nil
	}
	for n, data := range files {
		if n != "Dockerfile" {
			if err := write(n, data); err != nil {
				return err
			}
		}
	}
	return write("Dockerfile", dockerfile)
}
