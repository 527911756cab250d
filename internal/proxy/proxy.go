// Package proxy serves a filtered Docker Engine API on a unix socket, so a
// page's commands can drive the real engine without owning it.
//
// Everything created through the proxy carries the session's labels; lists
// show only the session's objects; a container may not be privileged, mount
// host paths, join host namespaces, add capabilities or exceed the limits;
// images written in the docs are mapped to local ones, in runs and in the
// FROM lines of builds.
package proxy

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Policy is what the proxy enforces.
type Policy struct {
	Labels     map[string]string // added to every container, network, volume and image
	OwnerLabel string            // the key whose value (Labels[OwnerLabel]) marks the session's objects
	Network    string            // containers that name no network join this one
	Memory     int64             // most memory a container may have, bytes
	Pids       int64             // most processes a container may have
	NanoCPUs   int64             // most CPU a container may have
	MapImage   func(string) string
	Dockerfile func(string) string // rewrites a build's Dockerfile (FROM mapping)
	DenyPull   bool                // refuse pulls of images that are not mapped to a local one
	Egress     bool                // networks the page creates may reach beyond the engine
	// Workspace maps the session's work dir (Inside, as the page's commands
	// see it) to the host folder behind it (Host): binds under it are the
	// page's own files and are allowed; other host paths are not.
	Workspace   struct{ Inside, Host string }
	ImageExists func(ctx context.Context, ref string) bool
}

// Proxy is a running proxy.
type Proxy struct {
	pol      Policy
	upstream *url.URL
	dial     func(ctx context.Context) (net.Conn, error)
	rp       *httputil.ReverseProxy
	srv      *http.Server
	ln       net.Listener
	hc       *http.Client

	mu     sync.Mutex
	tags   []string // tags the session put on images it does not own
	layers []string // step images of the session's builds, oldest first
}

// Start listens on socket and forwards allowed requests to the engine at
// host ("unix:///var/run/docker.sock" or "tcp://host:port").
func Start(socket, host string, pol Policy) (*Proxy, error) {
	u, err := url.Parse(host)
	if err != nil {
		return nil, fmt.Errorf("engine address %q: %w", host, err)
	}
	p := &Proxy{pol: pol, upstream: u}
	var d net.Dialer
	switch u.Scheme {
	case "unix":
		p.dial = func(ctx context.Context) (net.Conn, error) { return d.DialContext(ctx, "unix", u.Path) }
	case "tcp", "http":
		p.dial = func(ctx context.Context) (net.Conn, error) { return d.DialContext(ctx, "tcp", u.Host) }
	default:
		return nil, fmt.Errorf("engine address %q: sessions need a unix or tcp engine", host)
	}
	tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) { return p.dial(ctx) }}
	p.hc = &http.Client{Transport: tr}
	p.rp = &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.Out.URL.Scheme = "http"
			r.Out.URL.Host = "docker"
			r.Out.Host = "docker"
		},
		Transport:     tr,
		FlushInterval: -1,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			deny(w, http.StatusBadGateway, "shipshape proxy: engine: %v", err)
		},
	}
	_ = os.Remove(socket)
	ln, err := net.Listen("unix", socket)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", socket, err)
	}
	if err := os.Chmod(socket, 0o666); err != nil {
		ln.Close()
		return nil, err
	}
	p.ln = ln
	p.srv = &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	go p.srv.Serve(ln)
	return p, nil
}

// Close stops serving; requests in flight are cut.
func (p *Proxy) Close() error { return p.srv.Close() }

// Layers lists the step images the session's builds made, oldest first, so
// that cleanup can remove those a failed build left untagged.
func (p *Proxy) Layers() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.layers...)
}

// Tags lists the tags the session put on images it did not build, for cleanup.
func (p *Proxy) Tags() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.tags...)
}

var versionRe = regexp.MustCompile(`^/v[0-9.]+`)

func deny(w http.ResponseWriter, code int, format string, args ...any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": fmt.Sprintf(format, args...)})
}

// ServeHTTP decides on each request: forward, forward rewritten, or refuse.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := versionRe.ReplaceAllString(r.URL.Path, "")
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case parts[0] == "session" || parts[0] == "grpc":
		deny(w, http.StatusForbidden, "shipshape: BuildKit sessions are not available here; builds use the engine's default builder")
	case oneOf(parts[0], "swarm", "services", "nodes", "tasks", "secrets", "configs", "plugins", "auth", "commit"):
		deny(w, http.StatusForbidden, "shipshape: /%s is not available to examples", parts[0])
	case parts[0] == "images" && len(parts) == 2 && parts[1] == "load":
		deny(w, http.StatusForbidden, "shipshape: docker load is not available to examples (its images could not be cleaned up)")
	case parts[0] == "containers" && len(parts) == 2 && parts[1] == "create" && r.Method == http.MethodPost:
		p.createContainer(w, r)
	case (parts[0] == "containers" || parts[0] == "networks" || parts[0] == "volumes" || parts[0] == "images") && len(parts) >= 2 && parts[1] == "prune":
		p.scopeList(r, true)
		p.rp.ServeHTTP(w, r)
	case parts[0] == "containers" && len(parts) == 2 && parts[1] == "json":
		p.scopeList(r, false)
		p.rp.ServeHTTP(w, r)
	case parts[0] == "containers" && len(parts) >= 2:
		if !p.owns(r.Context(), "containers", parts[1]) {
			deny(w, http.StatusNotFound, "No such container: %s", parts[1])
			return
		}
		if len(parts) == 3 && r.Method == http.MethodPost && (parts[2] == "exec" || parts[2] == "update") {
			p.execOrUpdate(w, r, parts[2])
			return
		}
		p.rp.ServeHTTP(w, r)
	case parts[0] == "networks" && len(parts) == 1 && r.Method == http.MethodGet:
		p.networks(w, r)
	case parts[0] == "networks" && len(parts) == 2 && parts[1] == "create":
		p.createWithLabels(w, r, true)
	case parts[0] == "networks" && len(parts) >= 2 && r.Method != http.MethodGet:
		if !p.owns(r.Context(), "networks", parts[1]) {
			deny(w, http.StatusForbidden, "shipshape: network %s was not created by this page", parts[1])
			return
		}
		p.rp.ServeHTTP(w, r)
	case parts[0] == "volumes" && len(parts) == 1:
		p.scopeList(r, false)
		p.rp.ServeHTTP(w, r)
	case parts[0] == "volumes" && len(parts) == 2 && parts[1] == "create":
		p.createWithLabels(w, r, false)
	case parts[0] == "volumes" && len(parts) >= 2 && r.Method != http.MethodGet:
		if !p.owns(r.Context(), "volumes", parts[1]) {
			deny(w, http.StatusForbidden, "shipshape: volume %s was not created by this page", parts[1])
			return
		}
		p.rp.ServeHTTP(w, r)
	case parts[0] == "build" && len(parts) == 1:
		p.build(w, r)
	case parts[0] == "images" && len(parts) == 2 && parts[1] == "create":
		p.pull(w, r)
	case parts[0] == "images" && len(parts) >= 2 && r.Method == http.MethodDelete:
		name := strings.Join(parts[1:], "/")
		if !p.ownsImage(r.Context(), name) {
			deny(w, http.StatusForbidden, "shipshape: image %s was not built by this page", name)
			return
		}
		p.rp.ServeHTTP(w, r)
	case parts[0] == "images" && len(parts) >= 3 && parts[len(parts)-1] == "tag":
		q := r.URL.Query()
		t := q.Get("repo")
		if q.Get("tag") != "" {
			t += ":" + q.Get("tag")
		}
		p.mu.Lock()
		p.tags = append(p.tags, t)
		p.mu.Unlock()
		p.rp.ServeHTTP(w, r)
	case parts[0] == "images" && len(parts) >= 3 && (parts[len(parts)-1] == "json" || parts[len(parts)-1] == "history"):
		name := strings.Join(parts[1:len(parts)-1], "/")
		if m := p.mapImage(r.Context(), name); m != name {
			r.URL.Path = strings.Replace(r.URL.Path, "/"+name+"/", "/"+m+"/", 1)
		}
		p.rp.ServeHTTP(w, r)
	default:
		p.rp.ServeHTTP(w, r)
	}
}

func oneOf(s string, list ...string) bool {
	for _, l := range list {
		if s == l {
			return true
		}
	}
	return false
}

func (p *Proxy) owner() string { return p.pol.OwnerLabel + "=" + p.pol.Labels[p.pol.OwnerLabel] }

// scopeList adds the session's label to a list or prune request's filters,
// so `docker ps` shows what the page made and a prune removes only that.
func (p *Proxy) scopeList(r *http.Request, prune bool) {
	q := r.URL.Query()
	f := map[string]any{}
	if s := q.Get("filters"); s != "" {
		_ = json.Unmarshal([]byte(s), &f)
	}
	// Keep the caller's own label filters (Compose lists by project label);
	// all of them must match, the session's among them.
	labels := map[string]any{}
	switch l := f["label"].(type) {
	case map[string]any:
		labels = l
	case []any:
		for _, x := range l {
			if s, ok := x.(string); ok {
				labels[s] = true
			}
		}
	}
	labels[p.owner()] = true
	f["label"] = labels
	b, _ := json.Marshal(f)
	q.Set("filters", string(b))
	r.URL.RawQuery = q.Encode()
}

// networks lists the engine's predefined networks and the page's own.
func (p *Proxy) networks(w http.ResponseWriter, r *http.Request) {
	req, _ := http.NewRequestWithContext(r.Context(), http.MethodGet, "http://docker"+r.URL.RequestURI(), nil)
	res, err := p.hc.Do(req)
	if err != nil {
		deny(w, http.StatusBadGateway, "shipshape proxy: engine: %v", err)
		return
	}
	defer res.Body.Close()
	var list []map[string]any
	if res.StatusCode != http.StatusOK || json.NewDecoder(res.Body).Decode(&list) != nil {
		deny(w, http.StatusBadGateway, "shipshape proxy: engine answered %s to a network list", res.Status)
		return
	}
	keep := []map[string]any{}
	for _, n := range list {
		name, _ := n["Name"].(string)
		l, _ := n["Labels"].(map[string]any)
		if oneOf(name, "bridge", "host", "none") || l[p.pol.OwnerLabel] == p.pol.Labels[p.pol.OwnerLabel] {
			keep = append(keep, n)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(keep)
}

// inspect asks the engine about an object and returns its labels.
func (p *Proxy) labels(ctx context.Context, kind, id string) (map[string]string, bool) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	u := "http://docker/" + kind + "/" + url.PathEscape(id)
	if kind == "containers" || kind == "images" {
		u += "/json"
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	res, err := p.hc.Do(req)
	if err != nil {
		return nil, false
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, false
	}
	var v struct {
		Labels map[string]string
		Config struct{ Labels map[string]string }
	}
	if json.NewDecoder(res.Body).Decode(&v) != nil {
		return nil, false
	}
	if v.Labels == nil {
		v.Labels = v.Config.Labels
	}
	return v.Labels, true
}

func (p *Proxy) owns(ctx context.Context, kind, id string) bool {
	l, ok := p.labels(ctx, kind, id)
	return ok && l[p.pol.OwnerLabel] == p.pol.Labels[p.pol.OwnerLabel]
}

func (p *Proxy) ownsImage(ctx context.Context, name string) bool {
	p.mu.Lock()
	for _, t := range p.tags {
		if t == name || t == name+":latest" {
			p.mu.Unlock()
			return true
		}
	}
	p.mu.Unlock()
	return p.owns(ctx, "images", name)
}

// mapImage maps a reference written in the docs to the local image, unless
// the reference itself exists (an image the page built).
func (p *Proxy) mapImage(ctx context.Context, ref string) string {
	if p.pol.MapImage == nil || ref == "" {
		return ref
	}
	if p.pol.ImageExists != nil && p.pol.ImageExists(ctx, ref) {
		return ref
	}
	return p.pol.MapImage(ref)
}

func readJSON(r *http.Request) (map[string]any, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		return nil, err
	}
	m := map[string]any{}
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, &m); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (p *Proxy) forwardJSON(w http.ResponseWriter, r *http.Request, m map[string]any) {
	b, _ := json.Marshal(m)
	r.Body = io.NopCloser(bytes.NewReader(b))
	r.ContentLength = int64(len(b))
	r.Header.Set("Content-Length", fmt.Sprint(len(b)))
	r.Header.Set("Content-Type", "application/json")
	p.rp.ServeHTTP(w, r)
}

func (p *Proxy) addLabels(m map[string]any) {
	l, _ := m["Labels"].(map[string]any)
	if l == nil {
		l = map[string]any{}
	}
	for k, v := range p.pol.Labels {
		l[k] = v
	}
	m["Labels"] = l
}

// createWithLabels labels a network or volume; networks are internal, so
// nothing made by an example reaches beyond the engine.
func (p *Proxy) createWithLabels(w http.ResponseWriter, r *http.Request, network bool) {
	m, err := readJSON(r)
	if err != nil {
		deny(w, http.StatusBadRequest, "shipshape: %v", err)
		return
	}
	p.addLabels(m)
	if network {
		if d, _ := m["Driver"].(string); d != "" && d != "bridge" {
			deny(w, http.StatusForbidden, "shipshape: network driver %q is not available to examples", d)
			return
		}
		if !p.pol.Egress {
			m["Internal"] = true
		}
	}
	p.forwardJSON(w, r, m)
}

// execOrUpdate refuses a privileged exec and caps the limits an update sets,
// so that neither undoes what create enforced.
func (p *Proxy) execOrUpdate(w http.ResponseWriter, r *http.Request, what string) {
	m, err := readJSON(r)
	if err != nil {
		deny(w, http.StatusBadRequest, "shipshape: %v", err)
		return
	}
	if what == "exec" {
		if b, _ := m["Privileged"].(bool); b {
			deny(w, http.StatusForbidden, "shipshape: docker exec --privileged is %v", ErrPolicy)
			return
		}
	} else {
		for k, limit := range map[string]int64{"Memory": p.pol.Memory, "MemorySwap": p.pol.Memory, "PidsLimit": p.pol.Pids, "NanoCpus": p.pol.NanoCPUs} {
			if _, set := m[k]; set {
				capInt(m, k, limit)
			}
		}
	}
	p.forwardJSON(w, r, m)
}

// ErrPolicy is returned for a container that asks for more than examples get.
var ErrPolicy = errors.New("not allowed for examples")

// createContainer checks and rewrites a container's configuration.
func (p *Proxy) createContainer(w http.ResponseWriter, r *http.Request) {
	m, err := readJSON(r)
	if err != nil {
		deny(w, http.StatusBadRequest, "shipshape: %v", err)
		return
	}
	if err := p.container(r.Context(), m); err != nil {
		deny(w, http.StatusForbidden, "shipshape: %v", err)
		return
	}
	p.forwardJSON(w, r, m)
}

func (p *Proxy) container(ctx context.Context, m map[string]any) error {
	if img, _ := m["Image"].(string); img != "" {
		m["Image"] = p.mapImage(ctx, img)
	}
	p.addLabels(m)
	h, _ := m["HostConfig"].(map[string]any)
	if h == nil {
		h = map[string]any{}
		m["HostConfig"] = h
	}
	if b, _ := h["Privileged"].(bool); b {
		return fmt.Errorf("--privileged is %w", ErrPolicy)
	}
	for _, k := range []string{"PidMode", "IpcMode", "UTSMode", "UsernsMode", "CgroupnsMode"} {
		if v, _ := h[k].(string); v == "host" {
			return fmt.Errorf("the host's %s namespace is %w", strings.TrimSuffix(k, "Mode"), ErrPolicy)
		}
	}
	for _, k := range []string{"CapAdd", "Devices", "DeviceRequests", "Sysctls", "CgroupParent", "Runtime", "VolumeDriver"} {
		if nonEmpty(h[k]) {
			return fmt.Errorf("%s is %w", k, ErrPolicy)
		}
	}
	if b, _ := h["OomKillDisable"].(bool); b {
		return fmt.Errorf("OomKillDisable is %w", ErrPolicy)
	}
	var sec []any
	if l, ok := h["SecurityOpt"].([]any); ok {
		for _, o := range l {
			s, _ := o.(string)
			if !strings.HasPrefix(s, "no-new-privileges") {
				return fmt.Errorf("--security-opt %s is %w", s, ErrPolicy)
			}
		}
	}
	h["SecurityOpt"] = append(sec, "no-new-privileges")
	// The engine's default capabilities stay, so examples show what a
	// reader's engine does; adding any is refused above.
	var vols []string
	if l, ok := h["Binds"].([]any); ok {
		for i, b := range l {
			s, _ := b.(string)
			src, rest, _ := strings.Cut(s, ":")
			if strings.HasPrefix(src, "/") || strings.HasPrefix(src, ".") || strings.HasPrefix(src, "~") {
				host, ok := p.workspace(src)
				if !ok {
					return fmt.Errorf("mounting the host path %s is %w; mount files from the page's folder %s or use a named volume", src, ErrPolicy, p.pol.Workspace.Inside)
				}
				l[i] = host + ":" + rest
				continue
			}
			vols = append(vols, src)
		}
	}
	if l, ok := h["Mounts"].([]any); ok {
		for _, x := range l {
			mt, _ := x.(map[string]any)
			switch t, _ := mt["Type"].(string); t {
			case "volume":
				if s, _ := mt["Source"].(string); s != "" {
					vols = append(vols, s)
				}
			case "tmpfs":
			case "bind":
				src, _ := mt["Source"].(string)
				host, ok := p.workspace(src)
				if !ok {
					return fmt.Errorf("mounting the host path %s is %w; mount files from the page's folder %s or use a named volume", src, ErrPolicy, p.pol.Workspace.Inside)
				}
				mt["Source"] = host
			default:
				return fmt.Errorf("a %s mount is %w; use a named volume", t, ErrPolicy)
			}
		}
	}
	for _, v := range vols {
		if err := p.ensureVolume(ctx, v); err != nil {
			return err
		}
	}
	for _, k := range []string{"VolumesFrom", "Links"} {
		if l, ok := h[k].([]any); ok {
			for _, x := range l {
				s, _ := x.(string)
				name, _, _ := strings.Cut(s, ":")
				if !p.owns(ctx, "containers", strings.TrimPrefix(name, "/")) {
					return fmt.Errorf("%s %s: no such container in this page", k, name)
				}
			}
		}
	}
	nm, _ := h["NetworkMode"].(string)
	switch {
	case nm == "host":
		return fmt.Errorf("--network host is %w", ErrPolicy)
	case nm == "" || nm == "default" || nm == "bridge":
		if p.pol.Network != "" {
			h["NetworkMode"] = p.pol.Network
			if nc, ok := m["NetworkingConfig"].(map[string]any); ok {
				if eps, ok := nc["EndpointsConfig"].(map[string]any); ok {
					if ep, ok := eps[nm]; ok && nm != "" {
						delete(eps, nm)
						eps[p.pol.Network] = ep
					}
				}
			}
		}
	case strings.HasPrefix(nm, "container:"):
		if !p.owns(ctx, "containers", strings.TrimPrefix(nm, "container:")) {
			return fmt.Errorf("--network %s: no such container in this page", nm)
		}
	case nm != "none":
		if !p.owns(ctx, "networks", nm) {
			return fmt.Errorf("--network %s: no such network in this page", nm)
		}
	}
	// Published ports listen on the loopback interface only, never on
	// every interface of the host.
	if pb, ok := h["PortBindings"].(map[string]any); ok {
		for _, v := range pb {
			l, _ := v.([]any)
			for _, x := range l {
				if b, ok := x.(map[string]any); ok {
					if ip, _ := b["HostIp"].(string); ip == "" || ip == "0.0.0.0" || ip == "::" {
						b["HostIp"] = "127.0.0.1"
					}
				}
			}
		}
	}
	capInt(h, "Memory", p.pol.Memory)
	if mem, _ := h["Memory"].(float64); mem > 0 {
		h["MemorySwap"] = mem
	}
	capInt(h, "PidsLimit", p.pol.Pids)
	capInt(h, "NanoCpus", p.pol.NanoCPUs)
	return nil
}

// workspace maps a path inside the session's work dir to the host folder.
func (p *Proxy) workspace(src string) (string, bool) {
	w := p.pol.Workspace
	if w.Inside == "" || w.Host == "" || !strings.HasPrefix(src, "/") {
		return "", false
	}
	c := path.Clean(src)
	if c != w.Inside && !strings.HasPrefix(c, w.Inside+"/") {
		return "", false
	}
	return w.Host + strings.TrimPrefix(c, w.Inside), true
}

func nonEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return x != ""
	case []any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	}
	return true
}

// capInt sets h[k] to limit when it is unset, unlimited or larger.
func capInt(h map[string]any, k string, limit int64) {
	if limit <= 0 {
		return
	}
	v, _ := h[k].(float64)
	if v <= 0 || v > float64(limit) {
		h[k] = float64(limit)
	}
}

// ensureVolume creates a named volume with the session's labels before a
// container names it, since the engine would create it unlabelled.
func (p *Proxy) ensureVolume(ctx context.Context, name string) error {
	if l, ok := p.labels(ctx, "volumes", name); ok {
		if l[p.pol.OwnerLabel] != p.pol.Labels[p.pol.OwnerLabel] {
			return fmt.Errorf("volume %s exists and was not created by this page", name)
		}
		return nil
	}
	b, _ := json.Marshal(map[string]any{"Name": name, "Labels": p.pol.Labels})
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://docker/volumes/create", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	res, err := p.hc.Do(req)
	if err != nil {
		return fmt.Errorf("create volume %s: %w", name, err)
	}
	res.Body.Close()
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("create volume %s: engine said %s", name, res.Status)
	}
	return nil
}

// pull answers a pull of a mapped image from the local image, and refuses
// or forwards others by policy.
func (p *Proxy) pull(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ref := q.Get("fromImage")
	if t := q.Get("tag"); t != "" {
		if strings.HasPrefix(t, "sha256:") {
			ref += "@" + t
		} else {
			ref += ":" + t
		}
	}
	if q.Get("fromSrc") != "" {
		deny(w, http.StatusForbidden, "shipshape: docker import is not available to examples")
		return
	}
	if m := p.mapImage(r.Context(), ref); m != ref || (p.pol.ImageExists != nil && p.pol.ImageExists(r.Context(), ref)) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"status": fmt.Sprintf("%s: using the local image %s", ref, m)})
		return
	}
	if p.pol.DenyPull {
		deny(w, http.StatusNotFound, "shipshape: image %s is not local and pulling is off (--pull=never); map it under [images] in shipshape.toml", ref)
		return
	}
	p.rp.ServeHTTP(w, r)
}

// build labels the image and maps FROM lines in the uploaded context's
// Dockerfile; builds get no network.
func (p *Proxy) build(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("remote") != "" {
		deny(w, http.StatusForbidden, "shipshape: remote build contexts are not available to examples")
		return
	}
	l := map[string]string{}
	if s := q.Get("labels"); s != "" {
		_ = json.Unmarshal([]byte(s), &l)
	}
	for k, v := range p.pol.Labels {
		l[k] = v
	}
	b, _ := json.Marshal(l)
	q.Set("labels", string(b))
	q.Set("networkmode", "none")
	q.Set("rm", "1")
	q.Set("forcerm", "1")
	if nonEmpty(q.Get("memory")) || p.pol.Memory > 0 {
		q.Set("memory", fmt.Sprint(p.pol.Memory))
		q.Set("memswap", "-1")
	}
	r.URL.RawQuery = q.Encode()
	name := q.Get("dockerfile")
	if name == "" {
		name = "Dockerfile"
	}
	body, err := rewriteContext(r.Body, name, p.pol.Dockerfile)
	if err != nil {
		deny(w, http.StatusBadRequest, "shipshape: read build context: %v", err)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	r.Header.Set("Content-Length", fmt.Sprint(len(body)))
	r.Header.Del("Transfer-Encoding")
	r.TransferEncoding = nil
	tw := &teeWriter{ResponseWriter: w, limit: 4 << 20}
	p.rp.ServeHTTP(tw, r)
	if ids := LayerIDs(tw.buf.Bytes()); len(ids) > 0 {
		p.mu.Lock()
		p.layers = append(p.layers, ids...)
		p.mu.Unlock()
	}
}

// rewriteContext copies a (possibly gzipped) tar build context, passing the
// Dockerfile through fix.
func rewriteContext(body io.Reader, name string, fix func(string) string) ([]byte, error) {
	br := bufio.NewReader(io.LimitReader(body, 512<<20))
	var in io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, err
		}
		in = zr
	}
	tr := tar.NewReader(in)
	var out bytes.Buffer
	tw := tar.NewWriter(&out)
	clean := strings.TrimPrefix(name, "./")
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return nil, err
		}
		if fix != nil && strings.TrimPrefix(hdr.Name, "./") == clean && hdr.Typeflag == tar.TypeReg {
			data = []byte(fix(string(data)))
			hdr.Size = int64(len(data))
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
