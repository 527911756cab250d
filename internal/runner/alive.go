package runner

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

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

// alive reports whether a run on this machine still holds its lock.
func alive(runID string) bool {
	f, err := os.OpenFile(filepath.Join(lockDir(), runID), os.O_RDWR, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return true
	}
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	os.Remove(f.Name())
	return false
}

// lockSessions waits for the machine-wide session lock: container names and
// image tags that pages use ("web", "myapp") share the engine's one
// namespace, so page sessions run one at a time on a machine.
func lockSessions(ctx context.Context) (*os.File, error) {
	if err := os.MkdirAll(lockDir(), 0o777); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(lockDir(), "sessions.lock"), os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return nil, err
	}
	for {
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err == nil {
			return f, nil
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
