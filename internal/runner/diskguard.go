package runner

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/client"

	"github.com/shipshape/shipshape/internal/relay"
)

// guardDir is where the guard's relay measures from: a volume, so on the
// engine's disk, where builds write their layers and cache.
const guardDir = "/guard"

// diskGuard holds one-off builds to the floor of free space on the
// engine's disk, as a page session's relay holds its page (watchDisk). A
// one-off build has no session, and so no relay of its own; one guard
// serves them all: a container that only sleeps, with a relay measuring
// its volume, made at the run's first one-off build. What a build writes
// is not in any budget (the engine cannot say which build wrote which
// cache record), so a build that brings the disk under the floor ends
// with ErrDiskLow, an infra error, like every build running with it.
type diskGuard struct {
	// life guards the guard's making and removal, and what they set.
	life    sync.Mutex
	started bool // made (or tried) since the engine opened or DropKept
	err     error
	cid     string
	vol     string
	ln      *relay.Listener
	stop    context.CancelFunc
	done    chan struct{}

	mu     sync.Mutex
	next   int
	builds map[int]guarded
}

// guarded is a build the guard watches: its floor, and how to stop it.
type guarded struct {
	floor  int64
	cancel context.CancelCauseFunc
}

// guardBuild returns ctx, to be cancelled with an error wrapping
// ErrDiskLow when the engine's free space falls under floor (0 for
// config.DiskFloor, or a twentieth of the disk), and the function that
// ends the watch. The guard runs from image, which has the relay (the
// session image); an engine where it cannot start is an error, since the
// build would go unbounded on disk.
func (e *Engine) guardBuild(ctx context.Context, image string, floor int64) (context.Context, func(), error) {
	g := &e.guard
	g.life.Lock()
	if !g.started {
		g.started = true
		g.err = e.startGuard(ctx, image)
	}
	ln, err := g.ln, g.err
	g.life.Unlock()
	if err != nil {
		return nil, nil, fmt.Errorf("watch the engine's disk for one-off builds: %w", err)
	}
	if ln == nil {
		return nil, nil, errors.New("watch the engine's disk for one-off builds: the engine is closed")
	}
	u, err := ln.Usage()
	if err != nil {
		return nil, nil, fmt.Errorf("measure the engine's disk for a one-off build: %w", err)
	}
	if low := lowDisk(u, floor); low != nil {
		return nil, nil, low
	}
	bctx, cancel := context.WithCancelCause(ctx)
	g.mu.Lock()
	id := g.next
	g.next++
	if g.builds == nil {
		g.builds = map[int]guarded{}
	}
	g.builds[id] = guarded{floor: floor, cancel: cancel}
	g.mu.Unlock()
	return bctx, func() {
		g.mu.Lock()
		delete(g.builds, id)
		g.mu.Unlock()
		cancel(nil)
	}, nil
}

// lowDisk is the error for a disk under floor (see diskFloor), or nil.
func lowDisk(u relay.Disk, floor int64) error {
	f := diskFloor(floor, u.Total)
	if u.Avail >= f {
		return nil
	}
	return fmt.Errorf("%w: %d MB free, under the %d MB verify keeps free; the build was stopped, not judged, since what builds write cannot be told apart from build to build", ErrDiskLow, u.Avail>>20, f>>20)
}

// startGuard makes the guard's container and volume, starts its relay and
// the watch; g.life is held.
func (e *Engine) startGuard(ctx context.Context, image string) error {
	if image == "" {
		return fmt.Errorf("no image to run it from")
	}
	g := &e.guard
	g.vol = "shipshape-" + e.RunID + "-guard"
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if _, err := e.c.VolumeCreate(cctx, client.VolumeCreateOptions{Name: g.vol, Labels: e.labels()}); err != nil {
		g.vol = ""
		return err
	}
	mem, pids := int64(64<<20), int64(32)
	cfg := &container.Config{Image: image, Cmd: []string{"sleep", "2147483647"}, Labels: e.labels(), NetworkDisabled: true}
	host := &container.HostConfig{
		NetworkMode:    "none",
		CapDrop:        []string{"ALL"},
		SecurityOpt:    []string{"no-new-privileges"},
		ReadonlyRootfs: true,
		Mounts:         []mount.Mount{{Type: mount.TypeVolume, Source: g.vol, Target: guardDir}},
		Resources:      container.Resources{Memory: mem, MemorySwap: mem, PidsLimit: &pids},
	}
	cr, err := e.c.ContainerCreate(cctx, client.ContainerCreateOptions{Config: cfg, HostConfig: host})
	if err != nil {
		e.removeGuard()
		if cerrdefs.IsNotFound(err) {
			return fmt.Errorf("%w: %s (the session image, whose relay measures the disk)", ErrNoImage, image)
		}
		return err
	}
	g.cid = cr.ID
	if _, err := e.c.ContainerStart(cctx, cr.ID, client.ContainerStartOptions{}); err != nil {
		e.removeGuard()
		return err
	}
	ex, err := e.c.ExecCreate(cctx, g.cid, client.ExecCreateOptions{
		Cmd: []string{"shipshape-relay", guardDir + "/relay.sock", guardDir}, AttachStdin: true, AttachStdout: true, AttachStderr: true,
	})
	if err == nil {
		g.ln, err = attachRelay(ctx, e.c, ex.ID)
	}
	if err == nil {
		var u relay.Disk
		if u, err = g.ln.Usage(); err == nil && u.Total == 0 {
			err = fmt.Errorf("its relay does not say how much of the disk is free")
		}
	}
	if err != nil {
		e.removeGuard()
		return fmt.Errorf("%w (rebuild %s with .ci/images.sh)", err, image)
	}
	wctx, stop := context.WithCancel(context.Background())
	g.stop, g.done = stop, make(chan struct{})
	go g.watch(wctx, g.ln)
	return nil
}

// watch asks the relay how full the disk is, every diskPoll, and stops
// each build whose floor the free space fell under.
func (g *diskGuard) watch(ctx context.Context, ln *relay.Listener) {
	defer close(g.done)
	t := time.NewTicker(diskPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		g.mu.Lock()
		n := len(g.builds)
		g.mu.Unlock()
		if n == 0 {
			continue
		}
		u, err := ln.Usage()
		if err != nil {
			// The guard is gone (its relay cannot be reached by any
			// build): every build it watches is stopped, unjudged.
			u = relay.Disk{}
		}
		g.mu.Lock()
		for id, b := range g.builds {
			why := lowDisk(u, b.floor)
			if err != nil {
				why = fmt.Errorf("%w: the guard measuring it stopped answering: %v", ErrDiskLow, err)
			}
			if why != nil {
				b.cancel(why)
				delete(g.builds, id)
			}
		}
		g.mu.Unlock()
	}
}

// closeGuard stops the watch and removes the guard's container and
// volume. With again, the next one-off build makes a new guard (DropKept);
// without, one-off builds find the engine closed.
func (e *Engine) closeGuard(again bool) {
	g := &e.guard
	g.life.Lock()
	defer g.life.Unlock()
	e.removeGuard()
	if again {
		g.started, g.err = false, nil
	} else {
		g.started = true
	}
}

// removeGuard removes what startGuard made; g.life is held.
func (e *Engine) removeGuard() {
	g := &e.guard
	if g.stop != nil {
		g.stop()
		<-g.done
	}
	if g.ln != nil {
		g.ln.Close()
	}
	if g.cid != "" {
		e.removeContainer(g.cid)
	}
	if g.vol != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_, _ = e.c.VolumeRemove(ctx, g.vol, client.VolumeRemoveOptions{Force: true})
	}
	g.stop, g.ln, g.cid, g.vol = nil, nil, "", ""
}
