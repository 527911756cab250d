package runner

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/moby/moby/client"
)

// A classic build's step images carry no label: a one-off build has none
// (the transcript would show it as a step), and a session build's label is
// only on its last step. The run removes them when the build or the session
// ends, but a run killed before that cannot, and no sweep could tell them
// from anyone's untagged images. So a run writes each step image's id, as
// soon as it learns it, to a journal of its own on this machine, named
// after the run and the engine; the run's end removes the journal, and a
// sweep removes, for each journal of a dead run on the same engine, the
// images it names that are still untagged, then the journal.

// journalRe names a journal: the run's id, then the engine's key.
var journalRe = regexp.MustCompile(`^([0-9a-f]{12})\.([0-9a-f]{12})$`)

// stepIDRe is the form of a step image's id in a journal.
var stepIDRe = regexp.MustCompile(`^[0-9a-f]{12,64}$`)

func journalDir() string { return filepath.Join(lockDir(), "steps") }

// journal is the run's file of step images, opened at the first it learns.
type journal struct {
	once sync.Once
	mu   sync.Mutex
	f    *os.File
}

// engineKey names the engine a journal's images are on: a digest of the
// daemon's ID, asked once; "" when the engine does not say.
func (e *Engine) engineKey(ctx context.Context) string {
	e.key.once.Do(func() {
		ictx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		r, err := e.c.Info(ictx, client.InfoOptions{})
		if err != nil || r.Info.ID == "" {
			return
		}
		sum := sha256.Sum256([]byte(r.Info.ID))
		e.key.v = hex.EncodeToString(sum[:6])
	})
	return e.key.v
}

// journalSteps records step images the run made and will remove itself.
// Nothing is recorded where the engine has no key or the file cannot be
// written: the run still removes its images; only a kill would leave them.
func (e *Engine) journalSteps(ctx context.Context, ids []string) {
	if len(ids) == 0 || !validID(e.RunID) {
		return
	}
	e.steps.once.Do(func() {
		key := e.engineKey(ctx)
		if key == "" || os.MkdirAll(journalDir(), 0o777) != nil {
			return
		}
		f, err := os.OpenFile(filepath.Join(journalDir(), e.RunID+"."+key), os.O_CREATE|os.O_WRONLY|os.O_APPEND|syscall.O_NOFOLLOW, 0o666)
		if err == nil {
			e.steps.f = f
		}
	})
	e.steps.mu.Lock()
	defer e.steps.mu.Unlock()
	if e.steps.f != nil {
		_, _ = e.steps.f.WriteString(strings.Join(ids, "\n") + "\n")
	}
}

// closeJournal removes the run's journal at its end.
func (e *Engine) closeJournal() {
	e.steps.once.Do(func() {}) // none opens after
	e.steps.mu.Lock()
	defer e.steps.mu.Unlock()
	if e.steps.f != nil {
		os.Remove(e.steps.f.Name())
		e.steps.f.Close()
		e.steps.f = nil
	}
}

// sweepJournals removes the untagged images that dead runs on this engine
// recorded, and their journals; it returns how many images went. Journals
// of live runs, of other engines, and files of any other form or kind are
// left alone.
func (e *Engine) sweepJournals(ctx context.Context) int {
	ents, err := os.ReadDir(journalDir())
	if err != nil {
		return 0
	}
	n := 0
	for _, ent := range ents {
		m := journalRe.FindStringSubmatch(ent.Name())
		if m == nil || !ent.Type().IsRegular() || m[1] == e.RunID || alive(m[1]) || m[2] != e.engineKey(ctx) {
			continue
		}
		name := filepath.Join(journalDir(), ent.Name())
		ids, ok := readJournal(name)
		if !ok {
			continue
		}
		// Newest first, so that a step goes before the one it builds on.
		// What the engine still refuses (the killed build's last step
		// container may linger for a moment) stays for the next sweep.
		var left []string
		for i := len(ids) - 1; i >= 0; i-- {
			removed, stays := e.removeStep(ctx, ids[i])
			if removed {
				n++
			}
			if stays {
				left = append([]string{ids[i]}, left...)
			}
		}
		if len(left) == 0 {
			os.Remove(name)
		} else {
			rewriteJournal(name, left)
		}
	}
	return n
}

// rewriteJournal replaces a dead run's journal with the ids still to go.
func rewriteJournal(name string, ids []string) {
	tmp := name + ".tmp"
	os.Remove(tmp)
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY|syscall.O_NOFOLLOW, 0o666)
	if err != nil {
		return
	}
	_, err = f.WriteString(strings.Join(ids, "\n") + "\n")
	if f.Close() == nil && err == nil {
		_ = os.Rename(tmp, name)
	}
}

// readJournal lists the well-formed ids of a journal, newest last. The
// folder is shared by the machine's users: only a journal this user wrote
// is read.
func readJournal(name string) (ids []string, ok bool) {
	f, err := os.OpenFile(name, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, false
	} else if sys, ok := st.Sys().(*syscall.Stat_t); !ok || int(sys.Uid) != os.Getuid() {
		return nil, false
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if id := strings.TrimSpace(sc.Text()); stepIDRe.MatchString(id) {
			ids = append(ids, id)
		}
	}
	return ids, true
}
