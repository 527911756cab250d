package proxy

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// ErrConflict means a name the page wrote or read is held by another page's
// session running at the same time. The page's answers are then not those
// of a run alone, so the verifier discards them and runs the page again.
var ErrConflict = errors.New("in use by another page's session")

// claim takes a name of a kind of object (container, network, volume,
// image, port) for the session before the engine writes it. A name another
// live session holds is a conflict, recorded and returned.
func (p *Proxy) claim(kind, name string) error {
	if p.pol.Claim == nil || name == "" {
		return nil
	}
	err := p.pol.Claim(kind, name)
	if err != nil && errors.Is(err, ErrConflict) {
		p.conflict("%v", err)
	}
	return err
}

// conflict records that the page met another session's object.
func (p *Proxy) conflict(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.conflicts = append(p.conflicts, fmt.Sprintf(format, args...))
}

// Conflicts lists what the page met of other sessions running at the same
// time; while it is empty the page saw the engine as if it ran alone.
func (p *Proxy) Conflicts() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.conflicts...)
}

// seeImage records a conflict when the page reads, runs or builds from an
// image name that another live session wrote: run alone, the page would not
// have found it. True means the page must not get it either.
func (p *Proxy) seeImage(ref string) bool {
	if p.pol.Held == nil || ref == "" || strings.HasPrefix(ref, "sha256:") {
		return false
	}
	if n := normalize(ref); p.pol.Held("image", n) {
		p.conflict("image %s: %v", n, ErrConflict)
		return true
	}
	return false
}

// othersImage reports (and records) whether ref names an image another
// live session wrote or built: a name it holds (seeImage), or an image
// that carries another session's label, however it is named (its id, a
// name of the page's own put on it). The page must not read, run, tag or
// build from it: run alone, it would not have found it.
func (p *Proxy) othersImage(ctx context.Context, ref string) bool {
	if p.seeImage(ref) {
		return true
	}
	if p.pol.OwnerLabel == "" || ref == "" {
		return false
	}
	l, ok, err := p.labels(ctx, "images", ref)
	return err == nil && ok && l[p.pol.OwnerLabel] != "" && l[p.pol.OwnerLabel] != p.ownerValue()
}

// otherSession records a conflict when labels mark an object as another
// session's, and reports whether they do.
func (p *Proxy) otherSession(kind, id string, l map[string]string) bool {
	v, ok := l[p.pol.OwnerLabel]
	if !ok || p.pol.OwnerLabel == "" || v == p.ownerValue() {
		return false
	}
	p.conflict("%s %s: %v", kind, id, ErrConflict)
	return true
}

// foreign reports (and records) whether an object of that name exists and
// is another session's.
func (p *Proxy) foreign(ctx context.Context, kind, name string) bool {
	l, ok, err := p.labels(ctx, kind, name)
	return err == nil && ok && l[p.pol.OwnerLabel] != "" && l[p.pol.OwnerLabel] != p.ownerValue()
}

// denyClaim answers a request whose name another session holds as the
// engine answers a name in use.
func denyClaim(w http.ResponseWriter, err error) {
	deny(w, http.StatusConflict, "shipshape: %v", err)
}
