package runner

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/shipshape/shipshape/internal/proxy"
)

// Page sessions run at the same time and write names into the engine's one
// namespace ("web", "myapp", "127.0.0.1:8080"). A session claims each name
// it writes by holding an exclusive lock on a file named after it; another
// session, in this process or another, that wants the same name finds it
// held and reports a conflict, and the verifier runs that page again later.
// flock locks belong to an open file, so two sessions of one process
// conflict with each other as two processes do.

// claims are the names one session holds.
type claims struct {
	mu    sync.Mutex
	files map[string]*os.File // claim file path → the held, open file
}

func claimDir() string { return filepath.Join(lockDir(), "claims") }

// claimPath names the lock file of a name of a kind of object; the name is
// hashed, so anything a page writes makes a plain file name.
func claimPath(kind, name string) string {
	h := sha256.Sum256([]byte(kind + "\x00" + name))
	return filepath.Join(claimDir(), kind+"-"+hex.EncodeToString(h[:10]))
}

// claim takes the name for the session, or answers proxy.ErrConflict when
// another session holds it. Claiming a name twice is a no-op.
func (c *claims) claim(kind, name string) error {
	p := claimPath(kind, name)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.files[p] != nil {
		return nil
	}
	if err := os.MkdirAll(claimDir(), 0o777); err != nil {
		return fmt.Errorf("claim %s %s: %w", kind, name, err)
	}
	for busy := 0; ; {
		f, err := os.OpenFile(p, os.O_CREATE|os.O_RDWR|syscall.O_NOFOLLOW, 0o666)
		if err != nil {
			return fmt.Errorf("claim %s %s: %w", kind, name, err)
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			f.Close()
			// held's probe holds a shared lock for an instant; a holder
			// holds it for its whole session.
			if busy++; busy < 5 {
				time.Sleep(5 * time.Millisecond)
				continue
			}
			return fmt.Errorf("%s %s: %w", kind, name, proxy.ErrConflict)
		}
		// The holder before us removes the file before it unlocks: a lock
		// won on a removed file is no claim, so try again on the new one.
		if same(f, p) {
			if c.files == nil {
				c.files = map[string]*os.File{}
			}
			c.files[p] = f
			return nil
		}
		f.Close()
	}
}

// same reports whether the open file is still the one at path.
func same(f *os.File, path string) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := os.Lstat(path)
	return err == nil && os.SameFile(a, b)
}

// held reports whether another session holds the name: the probe lock is
// taken and given back at once, and the file is left for its holder.
func (c *claims) held(kind, name string) bool {
	p := claimPath(kind, name)
	c.mu.Lock()
	mine := c.files[p] != nil
	c.mu.Unlock()
	if mine {
		return false
	}
	f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); err != nil {
		return true
	}
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return false
}

// release gives every name back: each file is removed while still locked,
// so no one can win a lock on a file that is about to go.
func (c *claims) release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for p, f := range c.files {
		if same(f, p) {
			os.Remove(p)
		}
		f.Close()
	}
	c.files = nil
}
