package runner

import (
	"os"
	"path/filepath"
	"regexp"
	"syscall"
)

// idRe is the form of every run and session id newID makes. Anything else
// found in a label was not written by us, and is never used as a path.
var idRe = regexp.MustCompile(`^[0-9a-f]{12}$`)

// validID reports whether id has the form of the ids this package makes.
func validID(id string) bool { return idRe.MatchString(id) }

// A run holds an exclusive lock on a file named by its id while it lives, so
// that a sweep at the start of another run (or another engineer's test on
// the same engine) removes only what dead runs left.

// lockDir is one folder per machine, whatever TMPDIR says: test harnesses
// give each process its own TMPDIR, and a sweep must see every run's lock.
func lockDir() string {
	if d := os.Getenv("SHIPSHAPE_RUN_DIR"); d != "" {
		return d
	}
	if st, err := os.Stat("/tmp"); err == nil && st.IsDir() {
		return "/tmp/shipshape-runs"
	}
	return filepath.Join(os.TempDir(), "shipshape-runs")
}

// holdLock creates and locks the run's file; the lock lasts as long as the
// returned file stays open (and ends with the process).
func holdLock(runID string) *os.File {
	if !validID(runID) {
		return nil
	}
	if err := os.MkdirAll(lockDir(), 0o777); err != nil {
		return nil
	}
	f, err := os.OpenFile(filepath.Join(lockDir(), runID), os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return nil
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil
	}
	return f
}

func releaseLock(f *os.File) {
	if f == nil {
		return
	}
	os.Remove(f.Name())
	f.Close()
}

// alive reports whether a run on this machine still holds its lock. A label
// value that is not a well-formed id names no run of ours: it is dead, and
// no file is opened for it. The lock file of a dead run is removed only if
// it is a plain file, as holdLock makes it.
func alive(runID string) bool {
	if !validID(runID) {
		return false
	}
	name := filepath.Join(lockDir(), runID)
	f, err := os.OpenFile(name, os.O_RDWR|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return false
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return true
	}
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	os.Remove(name)
	return false
}

// sessionDirRe names a session folder: the run's id, then the session's.
var sessionDirRe = regexp.MustCompile(`^session-([0-9a-f]{12})-[0-9a-f]{12}$`)

// sweepSessionDirs removes the session folders that versions before the
// relay made on this machine, once their runs are dead (killed with
// SIGKILL, say); sessions now keep nothing here. Only real folders with the name a session gets are
// touched; symbolic links and other files are left alone.
func sweepSessionDirs(self string) int {
	ents, err := os.ReadDir(lockDir())
	if err != nil {
		return 0
	}
	n := 0
	for _, ent := range ents {
		m := sessionDirRe.FindStringSubmatch(ent.Name())
		if m == nil || !ent.IsDir() || m[1] == self || alive(m[1]) {
			continue
		}
		if os.RemoveAll(filepath.Join(lockDir(), ent.Name())) == nil {
			n++
		}
	}
	return n
}
