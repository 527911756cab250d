package proxy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/api/types/container"
)

// The engine reads a bind's source path again, following symlinks on its
// own host, every time it mounts a container's storage: at every start
// (and restart) and for every docker cp (the archive endpoints), running
// container or not. create judged the path once, but the page owns the
// folder and may since have put a symlink where a folder was, so a check
// at create alone lets `docker create -v "$PWD/x":/h …; rmdir x; ln -s / x;
// docker start …` read and write the host.
//
// So before each request that makes the engine mount bind sources, the
// proxy freezes every process of the page that could change the folder
// (the session's own container and the page's running containers; one at
// a time, so that no two such requests interleave), judges each source
// again as create did, lets the engine mount, and thaws once the engine
// has answered (by then it holds the folders it mounted, and what the
// names point to later no longer matters). Restart policies are refused
// on containers that bind the page's files: the engine would restart them
// on its own, unseen.

// AddWriter names a container outside the page's own whose processes can
// change the page's folder: the session container the page's commands run
// in. It is frozen with the page's containers.
func (p *Proxy) AddWriter(id string) {
	p.mu.Lock()
	p.writers = append(p.writers, id)
	p.mu.Unlock()
}

// mountPoint is what inspect says of a container's mount.
type mountPoint struct {
	Type   string
	Source string
}

// bindSources lists the host paths a container binds, those it has from
// --volumes-from included.
func (p *Proxy) bindSources(ctx context.Context, id string) ([]string, error) {
	var c struct {
		Mounts []mountPoint
	}
	if err := p.getJSON(ctx, "/containers/"+url.PathEscape(id)+"/json", &c); err != nil {
		return nil, err
	}
	var out []string
	for _, m := range c.Mounts {
		if m.Type == "bind" {
			out = append(out, m.Source)
		}
	}
	return out, nil
}

func (p *Proxy) getJSON(ctx context.Context, u string, v any) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://docker"+u, nil)
	res, err := p.hc.Do(req)
	if err != nil {
		return fmt.Errorf("engine: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
		return fmt.Errorf("engine answered %s: %s", res.Status, strings.TrimSpace(string(b)))
	}
	return json.NewDecoder(io.LimitReader(res.Body, 8<<20)).Decode(v)
}

// sourceStill judges a bind source again, as create did: it must be the
// path the page's folder gives now, with no symlink put on its way since.
func (p *Proxy) sourceStill(ctx context.Context, src string) error {
	w := p.pol.Workspace
	if w.Root == "" || (src != w.Root && !strings.HasPrefix(src, w.Root+"/")) {
		return fmt.Errorf("mounting %s again is %w: it is not in the page's folder", src, ErrPolicy)
	}
	inside := path.Join(w.Inside, strings.TrimPrefix(src, w.Root))
	got, err := p.hostPath(ctx, inside)
	if err != nil || got != src {
		return fmt.Errorf("mounting %s again is %w: a symlink was put on its path after the container was created", inside, ErrPolicy)
	}
	return nil
}

// freeze pauses the page's running containers and the writers; thaw
// unpauses what freeze paused. A container the page had paused stays so.
func (p *Proxy) freeze(ctx context.Context) (thaw func(), err error) {
	var ids []string
	if v := p.ownerValue(); v != "" {
		f := url.QueryEscape(fmt.Sprintf(`{"label":{%q:true},"status":{"running":true}}`, p.pol.OwnerLabel+"="+v))
		var cs []struct{ ID string }
		if err := p.getJSON(ctx, "/containers/json?filters="+f, &cs); err != nil {
			return nil, fmt.Errorf("list the page's containers: %w", err)
		}
		for _, c := range cs {
			ids = append(ids, c.ID)
		}
	}
	p.mu.Lock()
	ids = append(ids, p.writers...)
	p.mu.Unlock()
	var paused []string
	thaw = func() {
		tctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for _, id := range paused {
			_, _ = p.post(tctx, "/containers/"+url.PathEscape(id)+"/unpause", nil)
		}
	}
	for _, id := range ids {
		if _, err := p.post(ctx, "/containers/"+url.PathEscape(id)+"/pause", nil); err == nil {
			paused = append(paused, id)
			continue
		}
		// Not paused: fine only if it is not running (it exited, or
		// was paused already).
		var c struct {
			State struct{ Running, Paused bool }
		}
		if gerr := p.getJSON(ctx, "/containers/"+url.PathEscape(id)+"/json", &c); gerr != nil && !strings.Contains(gerr.Error(), "404") {
			thaw()
			return nil, fmt.Errorf("pause the page's processes: %w", gerr)
		} else if gerr == nil && c.State.Running && !c.State.Paused {
			thaw()
			return nil, fmt.Errorf("pause the page's processes: container %.12s still runs", id)
		}
	}
	return thaw, nil
}

// remount forwards a request that makes the engine mount container id's
// storage (start, archive), with the page frozen and the bind sources
// judged again. A container without binds is forwarded as it is.
func (p *Proxy) remount(w http.ResponseWriter, r *http.Request, id string) {
	p.guard.Lock()
	defer p.guard.Unlock()
	srcs, err := p.bindSources(r.Context(), id)
	if err != nil {
		deny(w, http.StatusBadGateway, "shipshape proxy: %v", err)
		return
	}
	if len(srcs) == 0 {
		forward(p, w, r, args{})
		return
	}
	// An upload is read whole first: the page's CLI that sends it is
	// about to be frozen.
	if r.Method == http.MethodPut {
		f, err := p.spool("shipshape-upload-*")
		if err != nil {
			deny(w, http.StatusInternalServerError, "shipshape proxy: %v", err)
			return
		}
		defer f.Close()
		n, err := io.Copy(f, io.LimitReader(r.Body, maxUpload+1))
		if errors.Is(err, errSpool) {
			deny(w, http.StatusRequestEntityTooLarge, "shipshape: docker cp into a container that mounts the page's files: %v", err)
			return
		}
		if err == nil && n > maxUpload {
			deny(w, http.StatusRequestEntityTooLarge, "shipshape: docker cp into a container that mounts the page's files: more than %d MiB %v", maxUpload>>20, ErrPolicy)
			return
		}
		if err == nil {
			_, err = f.Seek(0, io.SeekStart)
		}
		if err != nil {
			deny(w, http.StatusBadRequest, "shipshape proxy: read the upload: %v", err)
			return
		}
		r.Body, r.ContentLength = f, n
		r.Header.Del("Transfer-Encoding")
		r.TransferEncoding = nil
	}
	thaw, err := p.freeze(r.Context())
	if err != nil {
		deny(w, http.StatusBadGateway, "shipshape proxy: %v", err)
		return
	}
	var once sync.Once
	defer once.Do(thaw)
	for _, s := range srcs {
		if err := p.sourceStill(r.Context(), s); err != nil {
			refuse(w, "%v", err)
			return
		}
	}
	forward(p, &thawOnAnswer{ResponseWriter: w, thaw: func() { once.Do(thaw) }}, r, args{})
}

// maxUpload bounds a docker cp into a container that binds the page's
// files, which the proxy holds on this machine's disk first.
const maxUpload = 1 << 30

// thawOnAnswer thaws the page as soon as the engine answers: by then it
// has mounted what it needs, and a long download must not wait on a
// frozen reader.
type thawOnAnswer struct {
	http.ResponseWriter
	thaw func()
}

func (t *thawOnAnswer) WriteHeader(code int) {
	t.thaw()
	t.ResponseWriter.WriteHeader(code)
}

func (t *thawOnAnswer) Write(b []byte) (int, error) {
	t.thaw()
	return t.ResponseWriter.Write(b)
}

func (t *thawOnAnswer) Unwrap() http.ResponseWriter { return t.ResponseWriter }

// startContainer starts an own container (see remount).
func (p *Proxy) startContainer(w http.ResponseWriter, r *http.Request, a args) {
	if p.checkOwn(w, r, "containers", a.id) && p.probesBounded(w, r, a.id) {
		p.remount(w, r, a.id)
	}
}

// archive is docker cp, in or out, and its stat (see remount).
func (p *Proxy) archive(w http.ResponseWriter, r *http.Request, a args) {
	if p.checkOwn(w, r, "containers", a.id) {
		p.remount(w, r, a.id)
	}
}

// restartContainer is a stop, then a start judged as start is, for a
// container that binds the page's files; others restart as they are.
func (p *Proxy) restartContainer(w http.ResponseWriter, r *http.Request, a args) {
	if !p.checkOwn(w, r, "containers", a.id) || !p.probesBounded(w, r, a.id) {
		return
	}
	srcs, err := p.bindSources(r.Context(), a.id)
	if err != nil {
		deny(w, http.StatusBadGateway, "shipshape proxy: %v", err)
		return
	}
	if len(srcs) == 0 {
		forward(p, w, r, a)
		return
	}
	q := url.Values{}
	for _, k := range []string{"t", "signal"} {
		if v := r.URL.Query().Get(k); v != "" {
			q.Set(k, v)
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Minute)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://docker/containers/"+url.PathEscape(a.id)+"/stop?"+q.Encode(), nil)
	res, err := p.hc.Do(req)
	if err != nil {
		deny(w, http.StatusBadGateway, "shipshape proxy: engine: %v", err)
		return
	}
	b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	res.Body.Close()
	if res.StatusCode/100 != 2 && res.StatusCode != http.StatusNotModified {
		w.Header().Set("Content-Type", res.Header.Get("Content-Type"))
		w.WriteHeader(res.StatusCode)
		_, _ = w.Write(b)
		return
	}
	r.URL.Path = strings.TrimSuffix(r.URL.Path, "/restart") + "/start"
	r.URL.RawQuery = ""
	p.remount(w, r, a.id)
}

// restartWithBinds refuses a restart policy for a container that binds
// the page's files (or may, through --volumes-from).
func restartWithBinds(h *container.HostConfig) error {
	if h.RestartPolicy.Name == "" || h.RestartPolicy.Name == container.RestartPolicyDisabled {
		return nil
	}
	binds := len(h.VolumesFrom) > 0
	for _, b := range h.Binds {
		binds = binds || strings.HasPrefix(b, "/")
	}
	for _, m := range h.Mounts {
		binds = binds || m.Type == "bind"
	}
	if binds {
		return fmt.Errorf("--restart %s on a container that mounts the page's files is %w: the engine would mount them again on its own, unchecked", h.RestartPolicy.Name, ErrPolicy)
	}
	return nil
}

// pauseContainer is docker pause and unpause of an own container, kept
// from running while the page is frozen (see remount).
func (p *Proxy) pauseContainer(w http.ResponseWriter, r *http.Request, a args) {
	if !p.checkOwn(w, r, "containers", a.id) {
		return
	}
	p.guard.Lock()
	defer p.guard.Unlock()
	forward(p, w, r, a)
}
