package runner

import (
	"context"
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
