package runner

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/shipshape/shipshape/internal/config"
	"github.com/shipshape/shipshape/internal/relay"
)

// ErrDiskBudget means a page session wrote more than its disk budget: it
// was ended, and everything it made goes with it.
var ErrDiskBudget = errors.New("the page wrote more than its disk budget")

// ErrDiskLow means the engine's disk fell under the free space verify
// keeps (SessionSpec.DiskFloor) while the page ran: it was stopped before
// the disk filled. It is not a judgement of the page: what builds write
// cannot be told apart from page to page, so every page running then is
// stopped, and runs again next time.
var ErrDiskLow = errors.New("the engine's disk is nearly full")

// diskPoll is how often the watchdog asks how full the engine's file
// system is; what a page can write in one poll, and in one measurement of
// its own objects after it, is how far it can overshoot its budget.
const diskPoll = 250 * time.Millisecond

// watchDisk bounds what a page writes in all: its containers' layers and
// its volumes, the session's own container and folder included. No storage
// driver bounds a volume, nor overlay2 on ext4 a layer, so a watchdog does.
//
// Measuring a page's objects is the engine walking them (a volume's size
// is asked of `system df`, which on engines before API 1.42 walks every
// image as well), too slow to repeat several times a second. So the
// relay, on the engine's host, says how many bytes are in use on the
// engine's file system, which costs nothing; what the page holds is at
// most what it held when last measured plus what the file system grew
// since. Only when that bound passes the budget are the page's objects
// measured, and only if they are over is the page ended: another page or
// the host writing beside it never ends it.
//
// What a page's builds write (step layers, the images they make,
// BuildKit's cache) is not its containers' or volumes', and the engine
// cannot say which page's build wrote which cache record. So a floor
// holds builds: when the free space on the engine's disk falls under it,
// the page is stopped with ErrDiskLow, unless its own objects are over its
// budget, which is certain and fails it.
//
// base is how full the disk was when the session started, before the
// page could write anything.
func (s *Session) watchDisk(ctx context.Context, spec SessionSpec, base relay.Disk) {
	budget := spec.pageDisk()
	t := time.NewTicker(diskPoll)
	defer t.Stop()
	var held int64
	// next is when the page's objects may be measured again: each
	// measurement is the engine walking them, so after one that took d
	// the next waits 3d (at least a poll). A page that kills its relay
	// would otherwise have the engine walk the disk without a pause.
	var next time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		u, err := s.relay.Usage()
		if err != nil && ctx.Err() != nil {
			return
		}
		// Without its relay's answer (the page's shell may have killed
		// it), the page's own objects are measured every time instead.
		// Space freed beside the page lowers the mark it grows from, so
		// that the page's own writes are not hidden by it.
		if err == nil && u.Used < base.Used {
			base.Used = u.Used
		}
		floor := diskFloor(spec.DiskFloor, u.Total)
		low := err == nil && u.Total > 0 && u.Avail < floor
		if !low && err == nil && held+int64(u.Used)-int64(base.Used) <= budget {
			continue
		}
		if !low && time.Now().Before(next) {
			continue
		}
		start := time.Now()
		n, err2 := s.diskUsage(ctx)
		took := time.Since(start)
		next = time.Now().Add(max(diskPoll, 3*took))
		s.measuring.Add(int64(took))
		if err2 != nil && !low {
			continue
		}
		var why error
		switch {
		case err2 == nil && n > budget:
			why = fmt.Errorf("%w: it held %d MB in its containers and volumes, over the %d MB a page may write", ErrDiskBudget, n>>20, budget>>20)
		case low:
			why = fmt.Errorf("%w: %d MB free, under the %d MB verify keeps free; the page was stopped, not judged, since what builds write cannot be told apart from page to page", ErrDiskLow, u.Avail>>20, floor>>20)
		}
		if why != nil {
			s.mu.Lock()
			s.diskFull = why
			s.mu.Unlock()
			s.end(fmt.Errorf("%w: %w", ErrSessionEnded, why))
			return
		}
		if err == nil {
			base.Used, held = u.Used, n
		}
	}
}

// diskUsage measures what the page holds on the engine's disk: the layers
// of its containers and of the session's own, and its volumes and the
// session's folder.
func (s *Session) diskUsage(ctx context.Context) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	f := make(client.Filters).Add("label", SessionLabel+"="+s.id)
	cs, err := s.e.c.ContainerList(ctx, client.ContainerListOptions{All: true, Size: true, Filters: f})
	if err != nil {
		return 0, err
	}
	var n int64
	// The page's volumes carry its label, but not those the engine makes
	// for a container (an anonymous volume, an image's VOLUME): those are
	// found as its containers' mounts.
	vols := map[string]bool{s.volume: true}
	for _, c := range cs.Items {
		n += c.SizeRw
		for _, m := range c.Mounts {
			if m.Type == "volume" {
				vols[m.Name] = true
			}
		}
	}
	own, err := s.e.c.ContainerInspect(ctx, s.cid, client.ContainerInspectOptions{Size: true})
	if err != nil {
		return 0, err
	}
	if own.Container.SizeRw != nil {
		n += *own.Container.SizeRw
	}
	// The engine walks one disk usage at a time, and refuses another
	// meanwhile (Docker 20.10): a page's own docker system df must not
	// keep this one from measuring it.
	du, err := s.e.c.DiskUsage(ctx, client.DiskUsageOptions{Volumes: true, Verbose: true})
	for err != nil && strings.Contains(err.Error(), "already running") {
		select {
		case <-ctx.Done():
			return 0, err
		case <-time.After(100 * time.Millisecond):
		}
		du, err = s.e.c.DiskUsage(ctx, client.DiskUsageOptions{Volumes: true, Verbose: true})
	}
	if err != nil {
		return 0, err
	}
	for _, v := range du.Volumes.Items {
		if (vols[v.Name] || v.Labels[SessionLabel] == s.id) && v.UsageData != nil && v.UsageData.Size > 0 {
			n += v.UsageData.Size
		}
	}
	return n, nil
}

// killPage stops the page's running containers at once, and waits for
// them to have stopped; Close removes them.
func (s *Session) killPage() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	f := make(client.Filters).Add("label", SessionLabel+"="+s.id)
	cs, err := s.e.c.ContainerList(ctx, client.ContainerListOptions{Filters: f})
	if err != nil {
		return
	}
	for _, c := range cs.Items {
		w := s.e.c.ContainerWait(ctx, c.ID, client.ContainerWaitOptions{Condition: container.WaitConditionNotRunning})
		if _, err := s.e.c.ContainerKill(ctx, c.ID, client.ContainerKillOptions{Signal: "KILL"}); err != nil {
			continue
		}
		select {
		case <-w.Result:
		case <-w.Error:
		}
	}
}

// diskFloor is the free space under which sessions and builds are
// stopped, on a disk of total bytes: config.DiskFloor, or a twentieth of a
// smaller disk, unless set (a test's).
func diskFloor(set int64, total uint64) uint64 {
	if set > 0 {
		return uint64(set)
	}
	return min(uint64(config.DiskFloor), total/20)
}

// pageDisk is the session's budget.
func (spec SessionSpec) pageDisk() int64 {
	if spec.Disk > 0 {
		return spec.Disk
	}
	return config.PageDisk
}
