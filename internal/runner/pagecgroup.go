package runner

import (
	"context"
	"sync"
	"time"

	"github.com/moby/moby/client"
)

// pageShare is how much a page's containers may hold together, in units
// of what one container may hold: memory, processes and CPU.
const pageShare = 2

// NestsPages is whether the engine can run a page's containers under one
// cgroup, a holder's (see startHolder), so that its limits bound them
// together: cgroup v1 with the cgroupfs driver, where a container's
// cgroup is /docker/<id> and a parent's limits hold its children. Under
// systemd a container's cgroup is a scope, which cannot be a parent; under
// cgroup v2 a cgroup holding processes cannot give its children memory or
// CPU controllers. There each container is held alone, as before.
func (e *Engine) NestsPages(ctx context.Context) bool {
	e.pageCgroupsOnce.Do(func() {
		ictx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		r, err := e.c.Info(ictx, client.InfoOptions{})
		if err != nil {
			return
		}
		e.pageCgroups = r.Info.CgroupDriver == "cgroupfs" && r.Info.CgroupVersion == "1"
	})
	return e.pageCgroups
}

// pageParent is the cgroup a page's containers and classic build steps run
// under: the page holder's own, under the engine's default parent.
func pageParent(holder string) string { return "/docker/" + holder }

// holderKey is what makes page holders alike: the image they run and the
// limits their cgroup holds the page's containers to.
type holderKey struct {
	image              string
	memory, cpus, pids int64
}

// maxIdleHolders is how many ended pages' holders wait for the next page,
// per kind: as many as pages run at once is all a run needs.
const maxIdleHolders = 8

// holderPool keeps the holders of ended pages for the pages that follow.
// A holder only sleeps, in a cgroup whose limits are the page's; once its
// page's containers are gone it holds nothing of the page, and a new one
// costs a container start (about 0.7 CPU-seconds here), for most pages of
// a run.
type holderPool struct {
	mu   sync.Mutex
	idle map[holderKey][]string
}

// takeHolder returns a running idle holder of that kind, or "".
func (e *Engine) takeHolder(ctx context.Context, k holderKey) string {
	for {
		e.holders.mu.Lock()
		ids := e.holders.idle[k]
		if len(ids) == 0 {
			e.holders.mu.Unlock()
			return ""
		}
		id := ids[len(ids)-1]
		e.holders.idle[k] = ids[:len(ids)-1]
		e.holders.mu.Unlock()
		ictx, cancel := context.WithTimeout(ctx, 10*time.Second)
		r, err := e.c.ContainerInspect(ictx, id, client.ContainerInspectOptions{})
		cancel()
		if err == nil && r.Container.State != nil && r.Container.State.Running {
			return id
		}
		e.removeContainer(id)
	}
}

// putHolder keeps a holder whose page is over, or removes it when enough
// wait or the engine is closed.
func (e *Engine) putHolder(k holderKey, id string) {
	e.holders.mu.Lock()
	if e.holders.idle != nil && len(e.holders.idle[k]) < maxIdleHolders {
		e.holders.idle[k] = append(e.holders.idle[k], id)
		id = ""
	}
	e.holders.mu.Unlock()
	if id != "" {
		e.removeContainer(id)
	}
}

// DropKept removes what the engine keeps from run to run: the idle page
// holders and the disk guard, made again when wanted. For an engine that
// outlives its runs (the preview server's), between runs only.
func (e *Engine) DropKept() {
	e.dropHolders(true)
	e.closeGuard(true)
}

// dropHolders removes the idle holders; with more, the pool keeps those
// put back after, else none is kept any more (the engine is closing).
func (e *Engine) dropHolders(more bool) {
	e.holders.mu.Lock()
	idle := e.holders.idle
	e.holders.idle = nil
	if more && idle != nil {
		e.holders.idle = map[holderKey][]string{}
	}
	e.holders.mu.Unlock()
	for _, ids := range idle {
		for _, id := range ids {
			e.removeContainer(id)
		}
	}
}
