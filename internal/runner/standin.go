package runner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/distribution/reference"
	"github.com/moby/moby/client"
)

// BuildKit resolves a Dockerfile's FROM names inside the engine, where they
// cannot be rewritten as they are for classic builds. So a name the docs
// write (python:3.12-slim) is made to resolve to its mapped local image
// (shipshape/python:3.11) with a stand-in tag, put on the engine just
// before the build that names it and taken off when the last session that
// needed it ends. BuildKit in the engine resolves FROM local-first, so no
// registry is asked.
//
// A name that exists on the engine and is not a stand-in of ours is a
// user's real image: it is never replaced, and the build uses it (the
// caller records it). Stand-ins are shared by every session on the machine,
// of this process and of others: each session holds a stand-in with a
// holder file, and the tag goes when the last holder does, only if the
// name still points at the image shipshape put there. Holders of runs that
// died are dropped by the next sweep, as their firewall rules are.
//
// The files live in <lockDir>/standin: KEY.lock (flock'd around every
// change), KEY.ours ("image id\nname\n", written when shipshape tagged the
// name) and KEY.h.RUN.SESSION (one per holder), where KEY is a hash of the
// normalized name.

func standinDir() string { return filepath.Join(lockDir(), "standin") }

// standinKey names a stand-in's files.
func standinKey(name string) string {
	h := sha256.Sum256([]byte(name))
	return hex.EncodeToString(h[:10])
}

// holderRe is a holder file's name: key, run, session.
var holderRe = regexp.MustCompile(`^([0-9a-f]{20})\.h\.([0-9a-f]{12})\.([0-9a-f]{12})$`)

// lockStandin takes the lock of one stand-in name.
func lockStandin(ctx context.Context, key string) (func(), error) {
	dir := standinDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, key+".lock"), os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW, 0o644)
	if err != nil {
		return nil, err
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, err
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// readOurs returns the image id and name shipshape tagged under key, if any.
func readOurs(key string) (id, name string, ok bool) {
	b, err := os.ReadFile(filepath.Join(standinDir(), key+".ours"))
	if err != nil {
		return "", "", false
	}
	id, name, _ = strings.Cut(strings.TrimSpace(string(b)), "\n")
	return id, name, id != "" && name != ""
}

// StandIn makes name resolve to target on the engine for the session's
// builds and holds it until ReleaseStandIns. real reports that name is an
// image of the engine's own, which the build will use instead of target.
func (e *Engine) StandIn(ctx context.Context, name, target, session string) (real bool, err error) {
	n, err := reference.ParseNormalizedNamed(name)
	if err != nil {
		return false, fmt.Errorf("image name %q: %w", name, err)
	}
	if _, ok := n.(reference.Digested); ok {
		// A digest names content, which no tag can stand in for.
		return true, nil
	}
	name = reference.TagNameOnly(n).String()
	key := standinKey(name)
	unlock, err := lockStandin(ctx, key)
	if err != nil {
		return false, fmt.Errorf("stand %s in for %s: %w", target, name, err)
	}
	defer unlock()
	tid, err := e.ImageID(ctx, target)
	if err != nil {
		return false, err
	}
	id, err := e.ImageID(ctx, name)
	switch {
	case err == nil:
		if ours, _, ok := readOurs(key); !ok || ours != id {
			return true, nil
		}
	case errors.Is(err, ErrNoImage):
		tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		_, err = e.c.ImageTag(tctx, client.ImageTagOptions{Source: tid, Target: name})
		cancel()
		if err != nil {
			return false, fmt.Errorf("stand %s in for %s: %w", target, name, err)
		}
		if err := os.WriteFile(filepath.Join(standinDir(), key+".ours"), []byte(tid+"\n"+name+"\n"), 0o644); err != nil {
			return false, err
		}
	default:
		return false, err
	}
	holder := filepath.Join(standinDir(), key+".h."+e.RunID+"."+session)
	if err := os.WriteFile(holder, []byte(name+"\n"), 0o644); err != nil {
		return false, err
	}
	return false, nil
}

// realImage reports whether ref names an image of the engine's own: one
// that exists and is not a stand-in shipshape put there for another
// session's build (that one is the mapped image, and must be mapped and
// recorded as such).
func (e *Engine) realImage(ctx context.Context, ref string) bool {
	id, err := e.ImageID(ctx, ref)
	if err != nil {
		return false
	}
	n, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return true
	}
	if _, ok := n.(reference.Digested); ok {
		return true
	}
	ours, _, ok := readOurs(standinKey(reference.TagNameOnly(n).String()))
	return !ok || ours != id
}

// ReleaseStandIns drops the session's holds, and the tags no one holds.
func (e *Engine) ReleaseStandIns(session string) {
	ents, _ := os.ReadDir(standinDir())
	for _, d := range ents {
		m := holderRe.FindStringSubmatch(d.Name())
		if m == nil || m[2] != e.RunID || m[3] != session {
			continue
		}
		e.dropHolder(m[1], d.Name())
	}
}

// dropHolder removes one holder file and, when it was the last, the tag.
func (e *Engine) dropHolder(key, file string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	unlock, err := lockStandin(ctx, key)
	if err != nil {
		return
	}
	defer unlock()
	os.Remove(filepath.Join(standinDir(), file))
	e.untagIfFree(ctx, key)
}

// untagIfFree removes a stand-in tag that no holder needs, if the name still
// points at the image shipshape put there. The caller holds the key's lock.
func (e *Engine) untagIfFree(ctx context.Context, key string) int {
	ents, _ := os.ReadDir(standinDir())
	for _, d := range ents {
		if strings.HasPrefix(d.Name(), key+".h.") {
			return 0
		}
	}
	id, name, ok := readOurs(key)
	if !ok {
		return 0
	}
	n := 0
	if cur, err := e.ImageID(ctx, name); err == nil && cur == id {
		if _, err := e.c.ImageRemove(ctx, name, client.ImageRemoveOptions{}); err == nil {
			n = 1
		}
	}
	if cur, err := e.ImageID(ctx, name); err != nil || cur != id {
		os.Remove(filepath.Join(standinDir(), key+".ours"))
	}
	return n
}

// sweepStandIns drops the holders of runs that are gone and the tags no one
// holds any more.
func (e *Engine) sweepStandIns(self string) int {
	ents, err := os.ReadDir(standinDir())
	if err != nil {
		return 0
	}
	live := map[string]bool{}
	keys := map[string]bool{}
	for _, d := range ents {
		if k, ok := strings.CutSuffix(d.Name(), ".ours"); ok {
			keys[k] = true
		}
		m := holderRe.FindStringSubmatch(d.Name())
		if m == nil || !d.Type().IsRegular() {
			continue
		}
		run := m[2]
		if _, ok := live[run]; !ok {
			live[run] = run == self || alive(run)
		}
		if !live[run] {
			keys[m[1]] = true
		}
	}
	n := 0
	for k := range keys {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if unlock, err := lockStandin(ctx, k); err == nil {
			ents, _ := os.ReadDir(standinDir())
			for _, d := range ents {
				if m := holderRe.FindStringSubmatch(d.Name()); m != nil && m[1] == k && !live[m[2]] && m[2] != self && !alive(m[2]) {
					os.Remove(filepath.Join(standinDir(), d.Name()))
				}
			}
			n += e.untagIfFree(ctx, k)
			unlock()
		}
		cancel()
	}
	return n
}
