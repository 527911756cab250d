package proxy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/netip"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/api/types/network"
)

// createAllow lists the fields of a container create request a page may set;
// the checks in container judge their values. Every other field must be
// left at its default.
var createAllow = []string{
	"Hostname", "Domainname", "User", "AttachStdin", "AttachStdout", "AttachStderr", "ExposedPorts",
	"Tty", "OpenStdin", "StdinOnce", "Env", "Cmd", "Healthcheck", "Image", "Volumes", "WorkingDir",
	"Entrypoint", "NetworkDisabled", "Labels", "StopSignal", "StopTimeout", "Shell", "ArgsEscaped",
	"HostConfig.Binds", "HostConfig.ContainerIDFile", "HostConfig.LogConfig", "HostConfig.NetworkMode",
	"HostConfig.PortBindings", "HostConfig.RestartPolicy", "HostConfig.AutoRemove", "HostConfig.VolumesFrom",
	"HostConfig.ConsoleSize", "HostConfig.CapAdd", "HostConfig.CapDrop", "HostConfig.CgroupnsMode",
	"HostConfig.Dns", "HostConfig.DnsOptions", "HostConfig.DnsSearch", "HostConfig.ExtraHosts",
	"HostConfig.GroupAdd", "HostConfig.IpcMode", "HostConfig.Links", "HostConfig.OomScoreAdj",
	"HostConfig.PidMode", "HostConfig.ReadonlyRootfs", "HostConfig.SecurityOpt", "HostConfig.Tmpfs",
	"HostConfig.ShmSize", "HostConfig.Init", "HostConfig.Mounts", "HostConfig.Isolation",
	"HostConfig.CpuShares", "HostConfig.Memory", "HostConfig.NanoCpus", "HostConfig.MemoryReservation",
	"HostConfig.MemorySwap", "HostConfig.PidsLimit", "HostConfig.CpusetCpus", "HostConfig.MemorySwappiness",
	"NetworkingConfig.EndpointsConfig",
}

// safeCaps are the engine's default capabilities that session containers
// keep; a request may drop them and add them back, never add others.
var safeCaps = map[string]bool{
	"CHOWN": true, "DAC_OVERRIDE": true, "FSETID": true, "FOWNER": true, "SETGID": true,
	"SETUID": true, "SETPCAP": true, "NET_BIND_SERVICE": true, "SYS_CHROOT": true, "KILL": true,
}

// dropCaps are the engine's defaults that session containers lose: device
// nodes, audit writes, file capabilities. NET_RAW stays, as readers have
// it, for ping: the session's networks hold only its own containers, and
// its bridge delivers nothing to the host.
var dropCaps = []string{"MKNOD", "AUDIT_WRITE", "SETFCAP"}

func capName(c string) string { return strings.TrimPrefix(strings.ToUpper(c), "CAP_") }

func (p *Proxy) createContainer(w http.ResponseWriter, r *http.Request, _ args) {
	name := strings.TrimPrefix(r.URL.Query().Get("name"), "/")
	if err := checkName(name); err != nil {
		refuse(w, "%v", err)
		return
	}
	var req container.CreateRequest
	if !p.decodeBody(w, r, &req) {
		return
	}
	if err := p.container(r.Context(), &req); err != nil {
		if errors.Is(err, ErrConflict) {
			denyClaim(w, err)
			return
		}
		refuse(w, "docker run/create: %v", err)
		return
	}
	if p.pol.PageCgroup != nil {
		cg, err := p.pol.PageCgroup(r.Context())
		if err != nil {
			deny(w, http.StatusBadGateway, "shipshape proxy: hold the container to the page's limits: %v", err)
			return
		}
		req.HostConfig.CgroupParent = cg
	}
	if err := p.claim("container", name); err != nil {
		denyClaim(w, err)
		return
	}
	p.creating.Lock()
	defer p.creating.Unlock()
	if err := p.room(r.Context(), "containers", maxContainers); err != nil {
		denyRoom(w, "docker run/create", err)
		return
	}
	// A process that claims nothing (an older shipshape) may hold the name
	// all the same: its object carries another session's label.
	if name != "" && p.foreign(r.Context(), "containers", name) {
		denyClaim(w, fmt.Errorf("container %s: %w", name, ErrConflict))
		return
	}
	p.forwardJSON(w, r, &req)
}

// container judges a create request and rewrites it to the session's
// terms: labels, network, limits, capabilities, logs, host paths.
func (p *Proxy) container(ctx context.Context, req *container.CreateRequest) error {
	if req.Config == nil {
		req.Config = &container.Config{}
	}
	if req.HostConfig == nil {
		req.HostConfig = &container.HostConfig{}
	}
	if extra := setFields(req, createAllow...); len(extra) > 0 {
		return fmt.Errorf("%s %w (only the fields the course needs are)", strings.Join(extra, ", "), ErrPolicy)
	}
	c, h := req.Config, req.HostConfig
	if p.othersImage(ctx, c.Image) {
		return fmt.Errorf("No such image: %s (%w)", c.Image, ErrConflict)
	}
	c.Image = p.mapImage(ctx, c.Image)
	p.health(ctx, c)
	var err error
	if c.Labels, err = p.ourLabels(c.Labels); err != nil {
		return err
	}
	// Namespaces: private ones, or those of the page's own containers.
	for _, ns := range []struct{ name, v string }{
		{"--pid", string(h.PidMode)}, {"--ipc", string(h.IpcMode)},
	} {
		switch {
		case ns.v == "" || ns.v == "private" || (ns.name == "--ipc" && (ns.v == "shareable" || ns.v == "none")):
		case strings.HasPrefix(ns.v, "container:"):
			if id := strings.TrimPrefix(ns.v, "container:"); !nameRe.MatchString(id) || !p.owns(ctx, "containers", id) {
				return fmt.Errorf("%s %s: %w: that container was not created by this page", ns.name, ns.v, ErrPolicy)
			}
		default:
			return fmt.Errorf("%s %s is %w", ns.name, ns.v, ErrPolicy)
		}
	}
	if h.CgroupnsMode != "" && h.CgroupnsMode != container.CgroupnsModePrivate {
		return fmt.Errorf("--cgroupns %s is %w", h.CgroupnsMode, ErrPolicy)
	}
	if h.Isolation != "" && h.Isolation != container.IsolationDefault {
		return fmt.Errorf("--isolation %s is %w", h.Isolation, ErrPolicy)
	}
	for _, o := range h.SecurityOpt {
		if o != "no-new-privileges" && o != "no-new-privileges:true" && o != "no-new-privileges=true" {
			return fmt.Errorf("--security-opt %s is %w", o, ErrPolicy)
		}
	}
	h.SecurityOpt = []string{"no-new-privileges"}
	for _, c := range h.CapAdd {
		if !safeCaps[capName(c)] {
			return fmt.Errorf("--cap-add %s is %w (only capabilities of the engine's default set may be added back)", c, ErrPolicy)
		}
	}
	dropped := map[string]bool{}
	for _, c := range h.CapDrop {
		dropped[capName(c)] = true
	}
	for _, c := range dropCaps {
		if !dropped[c] && !dropped["ALL"] {
			h.CapDrop = append(h.CapDrop, c)
		}
	}
	for _, e := range h.ExtraHosts {
		if strings.Contains(e, "host-gateway") {
			return fmt.Errorf("--add-host %s is %w: the host is not an example's to reach", e, ErrPolicy)
		}
	}
	if h.OomScoreAdj < 0 {
		return fmt.Errorf("--oom-score-adj %d is %w", h.OomScoreAdj, ErrPolicy)
	}
	if err := p.logs(&h.LogConfig); err != nil {
		return err
	}
	if err := p.storage(ctx, h); err != nil {
		return err
	}
	if err := restartWithBinds(h); err != nil {
		return err
	}
	for _, l := range [][]string{h.VolumesFrom, h.Links} {
		for _, s := range l {
			name, _, _ := strings.Cut(s, ":")
			name = strings.TrimPrefix(name, "/")
			if !nameRe.MatchString(name) || !p.owns(ctx, "containers", name) {
				return fmt.Errorf("%s: %w: that container was not created by this page", s, ErrPolicy)
			}
		}
	}
	if err := p.network(ctx, h, req); err != nil {
		return err
	}
	if err := ports(h); err != nil {
		return err
	}
	if n := published(h); n > maxPorts {
		return fmt.Errorf("publishing %d ports is %w: the engine runs a process on its host for each (at most %d a container)", n, ErrPolicy, maxPorts)
	}
	for port, bs := range h.PortBindings {
		for _, b := range bs {
			if b.HostPort != "" && b.HostPort != "0" {
				if err := p.claim("port", b.HostIP.String()+":"+b.HostPort+"/"+string(port.Proto())); err != nil {
					return err
				}
			}
		}
	}
	p.limits(&h.Resources)
	if h.MemoryReservation > h.Memory {
		h.MemoryReservation = h.Memory
	}
	return nil
}

// maxLogFiles is how many rotated log files a page's container may keep.
const maxLogFiles = 3

// logs keeps the container's log on disk and bounded: json-file, at most
// LogMaxSize in all, in at most maxLogFiles files (one unless asked). A
// container's log is not in the page's disk budget (the engine says
// nothing of its size), so a page's logs hold at most maxContainers ×
// LogMaxSize beside it.
func (p *Proxy) logs(lc *container.LogConfig) error {
	if lc.Type != "" && lc.Type != "json-file" {
		return fmt.Errorf("--log-driver %s is %w (logs stay in the engine, bounded)", lc.Type, ErrPolicy)
	}
	limit, err := parseSize(p.pol.LogMaxSize)
	if err != nil {
		return fmt.Errorf("log max-size %q: %w", p.pol.LogMaxSize, err)
	}
	asked, files := limit, 1
	size := p.pol.LogMaxSize
	for k, v := range lc.Config {
		switch k {
		case "max-size":
			n, err := parseSize(v)
			if err != nil || n <= 0 {
				return fmt.Errorf("--log-opt max-size=%s: not a size", v)
			}
			asked, size = n, v
		case "max-file":
			// Rotation as readers write it (max-file=3), with the files
			// sharing our max-size between them.
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > maxLogFiles {
				return fmt.Errorf("--log-opt max-file=%s: at most %d files here", v, maxLogFiles)
			}
			files = n
		case "compress":
		default:
			return fmt.Errorf("--log-opt %s is %w", k, ErrPolicy)
		}
	}
	// What the reader wrote stays as written where it fits (docker inspect
	// shows it back); else each file gets its share of the cap.
	if share := limit / int64(files); asked > share {
		size = p.pol.LogMaxSize
		if files > 1 {
			size = strconv.FormatInt(share>>10, 10) + "k"
		}
	}
	*lc = container.LogConfig{Type: "json-file", Config: map[string]string{"max-size": size, "max-file": strconv.Itoa(files)}}
	return nil
}

// limits caps memory, processes and CPU at the session's: a request may
// lower them, never raise or lift them. Swap adds nothing.
func (p *Proxy) limits(res *container.Resources) {
	if l := p.pol.Memory; l > 0 {
		if res.Memory <= 0 || res.Memory > l {
			res.Memory = l
		}
		res.MemorySwap = res.Memory
	}
	if l := p.pol.Pids; l > 0 {
		if res.PidsLimit == nil || *res.PidsLimit <= 0 || *res.PidsLimit > l {
			res.PidsLimit = &l
		}
	}
	if l := p.pol.NanoCPUs; l > 0 && (res.NanoCPUs <= 0 || res.NanoCPUs > l) {
		res.NanoCPUs = l
	}
}

// network puts the container on the session's network unless it names
// one the page made (or none, or a page container's).
func (p *Proxy) network(ctx context.Context, h *container.HostConfig, req *container.CreateRequest) error {
	nm := string(h.NetworkMode)
	switch {
	case nm == "" || nm == "default" || nm == "bridge":
		if p.pol.Network != "" {
			h.NetworkMode = container.NetworkMode(p.pol.Network)
		}
	case nm == "none":
	case nm == "host":
		return fmt.Errorf("--network host is %w", ErrPolicy)
	case strings.HasPrefix(nm, "container:"):
		if id := strings.TrimPrefix(nm, "container:"); !nameRe.MatchString(id) || !p.owns(ctx, "containers", id) {
			return fmt.Errorf("--network %s: %w: that container was not created by this page", nm, ErrPolicy)
		}
	default:
		if !p.joinable(ctx, nm) {
			return fmt.Errorf("--network %s: %w: that network was not created by this page", nm, ErrPolicy)
		}
	}
	if req.NetworkingConfig == nil {
		return nil
	}
	eps := map[string]*network.EndpointSettings{}
	for name, ep := range req.NetworkingConfig.EndpointsConfig {
		if name == "" || name == "default" || name == "bridge" {
			name = string(h.NetworkMode)
		}
		if name != string(h.NetworkMode) && !p.joinable(ctx, name) {
			return fmt.Errorf("network %s: %w: that network was not created by this page", name, ErrPolicy)
		}
		if err := endpoint(ep); err != nil {
			return fmt.Errorf("network %s: %w", name, err)
		}
		if ep != nil {
			for _, l := range ep.Links {
				c, _, _ := strings.Cut(l, ":")
				if c = strings.TrimPrefix(c, "/"); !nameRe.MatchString(c) || !p.owns(ctx, "containers", c) {
					return fmt.Errorf("--link %s: %w: that container was not created by this page", l, ErrPolicy)
				}
			}
		}
		eps[name] = ep
	}
	req.NetworkingConfig.EndpointsConfig = eps
	return nil
}

// joinable reports whether the page may put a container on the network.
func (p *Proxy) joinable(ctx context.Context, name string) bool {
	if p.pol.Network != "" && name == p.pol.Network {
		return true
	}
	return nameRe.MatchString(name) && p.owns(ctx, "networks", name)
}

// endpoint judges a container's settings on one network.
func endpoint(ep *network.EndpointSettings) error {
	if ep == nil {
		return nil
	}
	if extra := setFields(ep, "Aliases", "Links", "IPAMConfig.IPv4Address", "IPAMConfig.IPv6Address", "DNSNames"); len(extra) > 0 {
		return fmt.Errorf("endpoint settings %s %w", strings.Join(extra, ", "), ErrPolicy)
	}
	return nil
}

// maxPorts is how many ports a page's container may publish, and
// maxContainers and maxNetworks how many containers and networks a page
// may have at once: the engine runs a docker-proxy process on its host
// for each published port, each container is held to the limits alone,
// and each network takes one of the engine's address pools (31 on a
// default engine, for every session), so none may grow with what a page
// asks for.
const (
	maxPorts      = 16
	maxContainers = 64
	maxNetworks   = 8
)

// denyRoom answers a create that room refused, or could not count for.
func denyRoom(w http.ResponseWriter, what string, err error) {
	if errors.Is(err, ErrPolicy) {
		refuse(w, "%s: %v", what, err)
	} else {
		deny(w, http.StatusBadGateway, "shipshape proxy: %v", err)
	}
}

// published counts the host ports a container publishes.
func published(h *container.HostConfig) int {
	n := 0
	for _, bs := range h.PortBindings {
		n += len(bs)
	}
	return n
}

// room refuses another object of a kind ("containers", "networks") once
// the page has max of them. The caller holds p.creating, so that creates
// in parallel cannot all pass the count.
func (p *Proxy) room(ctx context.Context, kind string, max int) error {
	v := p.ownerValue()
	if v == "" {
		return nil
	}
	f := url.QueryEscape(fmt.Sprintf(`{"label":{%q:true}}`, p.pol.OwnerLabel+"="+v))
	list := "/" + kind + "?filters=" + f
	if kind == "containers" {
		list = "/containers/json?all=1&filters=" + f
	}
	var objs []struct{ ID string }
	if err := p.getJSON(ctx, list, &objs); err != nil {
		return fmt.Errorf("list the page's %s: %w", kind, err)
	}
	if len(objs) >= max {
		return fmt.Errorf("a page may have %d %s at once, and has %d: another is %w (remove one first)", max, kind, len(objs), ErrPolicy)
	}
	return nil
}

// ports keeps published ports on the loopback interface. An address with
// a zone ("::1%eth0") is loopback to Go, but the engine reads no zone: it
// takes such a HostIp as none and publishes on every address of its host.
func ports(h *container.HostConfig) error {
	if h.PublishAllPorts {
		return fmt.Errorf("-P (publish all) is %w; publish with -p 127.0.0.1:PORT:PORT", ErrPolicy)
	}
	lo := netip.MustParseAddr("127.0.0.1")
	for port, bs := range h.PortBindings {
		for i, b := range bs {
			switch ip := b.HostIP; {
			case ip.Zone() != "":
				return fmt.Errorf("-p [%s]:%s:%s: %w: an address with a zone would be published on every address of the host", ip, b.HostPort, port, ErrPolicy)
			case !ip.IsValid() || ip.IsUnspecified():
				bs[i].HostIP = lo
			case ip.IsLoopback():
			default:
				return fmt.Errorf("-p %s:%s:%s: %w: ports are published on the loopback interface only", ip, b.HostPort, port, ErrPolicy)
			}
		}
	}
	return nil
}

// storage judges binds, mounts, tmpfs and volumes: host paths only inside
// the page's folder (resolved on the host), volumes only the page's own and
// of the local driver without options.
func (p *Proxy) storage(ctx context.Context, h *container.HostConfig) error {
	if h.VolumeDriver != "" && h.VolumeDriver != "local" {
		return fmt.Errorf("--volume-driver %s is %w", h.VolumeDriver, ErrPolicy)
	}
	for i, b := range h.Binds {
		parts := strings.Split(b, ":")
		if len(parts) < 2 || len(parts) > 3 {
			return fmt.Errorf("-v %s: not SOURCE:TARGET[:OPTIONS]", b)
		}
		if len(parts) == 3 {
			for _, o := range strings.Split(parts[2], ",") {
				switch o {
				case "ro", "rw", "nocopy", "private", "rprivate":
				default:
					return fmt.Errorf("-v %s: option %s is %w", b, o, ErrPolicy)
				}
			}
		}
		src := parts[0]
		if !strings.HasPrefix(src, "/") {
			if err := p.ensureVolume(ctx, src); err != nil {
				return fmt.Errorf("-v %s: %w", b, err)
			}
			continue
		}
		host, err := p.hostPath(ctx, src)
		if err != nil {
			return fmt.Errorf("-v %s: %w", b, err)
		}
		parts[0] = host
		h.Binds[i] = strings.Join(parts, ":")
	}
	for i := range h.Mounts {
		m := &h.Mounts[i]
		if extra := setFields(m, "Type", "Source", "Target", "ReadOnly", "Consistency", "BindOptions.Propagation",
			"BindOptions.CreateMountpoint", "VolumeOptions.NoCopy", "VolumeOptions.Labels", "VolumeOptions.Subpath", "TmpfsOptions"); len(extra) > 0 {
			return fmt.Errorf("--mount %s on %s: %s %w (volume and mount driver options are not available)", m.Type, m.Target, strings.Join(extra, ", "), ErrPolicy)
		}
		switch m.Type {
		case mount.TypeBind:
			if m.BindOptions != nil && m.BindOptions.Propagation != "" && m.BindOptions.Propagation != mount.PropagationRPrivate && m.BindOptions.Propagation != mount.PropagationPrivate {
				return fmt.Errorf("--mount bind-propagation=%s is %w", m.BindOptions.Propagation, ErrPolicy)
			}
			host, err := p.hostPath(ctx, m.Source)
			if err != nil {
				return fmt.Errorf("--mount source=%s: %w", m.Source, err)
			}
			m.Source = host
		case mount.TypeVolume:
			if m.BindOptions != nil || m.TmpfsOptions != nil {
				return fmt.Errorf("--mount type=volume with bind or tmpfs options is %w", ErrPolicy)
			}
			if m.VolumeOptions != nil && len(m.VolumeOptions.Labels) > 0 {
				return fmt.Errorf("--mount volume-label is %w", ErrPolicy)
			}
			if m.Source != "" {
				if err := p.ensureVolume(ctx, m.Source); err != nil {
					return fmt.Errorf("--mount source=%s: %w", m.Source, err)
				}
			}
		case mount.TypeTmpfs:
			if m.Source != "" || m.BindOptions != nil || m.VolumeOptions != nil {
				return fmt.Errorf("--mount type=tmpfs takes no source or other options")
			}
			if m.TmpfsOptions != nil && len(m.TmpfsOptions.Options) > 0 {
				return fmt.Errorf("--mount tmpfs-option is %w", ErrPolicy)
			}
		default:
			return fmt.Errorf("--mount type=%s is %w; use a bind mount of the page's files, a volume or a tmpfs", m.Type, ErrPolicy)
		}
	}
	return nil
}

// hostPath maps a path as the page sees it (inside its folder) to the
// path the engine's host gives the same file. ".." is applied first; then
// nothing on the way may be a symlink (the engine would follow it on its
// host, not in the page's folder). A path that does not exist yet is judged
// by its longest existing part: the engine creates the rest as folders.
func (p *Proxy) hostPath(ctx context.Context, src string) (string, error) {
	w := p.pol.Workspace
	bad := fmt.Errorf("mounting the host path %s is %w; mount files from the page's folder %s or use a named volume", src, ErrPolicy, w.Inside)
	if w.Inside == "" || w.Root == "" || w.Lstat == nil || !strings.HasPrefix(src, "/") {
		return "", bad
	}
	c := path.Clean(src)
	if c != w.Inside && !strings.HasPrefix(c, w.Inside+"/") {
		return "", bad
	}
	rel := strings.TrimPrefix(strings.TrimPrefix(c, w.Inside), "/")
	at := w.Inside
	for part := range strings.SplitSeq(rel, "/") {
		if part == "" {
			break
		}
		at = path.Join(at, part)
		mode, err := w.Lstat(ctx, at)
		if errors.Is(err, fs.ErrNotExist) {
			break
		}
		if err != nil {
			return "", fmt.Errorf("look at %s in the page's folder: %w", at, err)
		}
		if mode&fs.ModeSymlink != 0 {
			return "", fmt.Errorf("mounting %s is %w: %s is a symlink, which the engine would follow on its own host (mount the folder it points to)", src, ErrPolicy, at)
		}
	}
	return path.Join(w.Root, rel), nil
}

// ensureVolume creates a named volume with the session's labels before a
// container names it, since the engine would create it unlabelled; a
// volume of someone else's is refused.
func (p *Proxy) ensureVolume(ctx context.Context, name string) error {
	if !nameRe.MatchString(name) {
		return fmt.Errorf("%q is not a volume name", name)
	}
	if err := checkName(name); err != nil {
		return err
	}
	l, ok, err := p.labels(ctx, "volumes", name)
	if err != nil {
		return err
	}
	if ok {
		if p.ownerValue() == "" || l[p.pol.OwnerLabel] != p.ownerValue() {
			return fmt.Errorf("volume %s: %w: it was not created by this page", name, ErrPolicy)
		}
		return nil
	}
	if err := p.claim("volume", name); err != nil {
		return err
	}
	b, _ := json.Marshal(map[string]any{"Name": name, "Labels": p.pol.Labels})
	_, err = p.post(ctx, "/volumes/create", b)
	return err
}

// post sends a request of the proxy's own to the engine.
func (p *Proxy) post(ctx context.Context, u string, body []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://docker"+u, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	res, err := p.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if res.StatusCode/100 != 2 {
		return out, fmt.Errorf("engine answered %s: %s", res.Status, bytes.TrimSpace(out))
	}
	return out, nil
}

// update caps what `docker update` sets, so it cannot undo create's limits.
func (p *Proxy) update(w http.ResponseWriter, r *http.Request, a args) {
	if !p.checkOwn(w, r, "containers", a.id) {
		return
	}
	var u container.UpdateConfig
	if !p.decodeBody(w, r, &u) {
		return
	}
	if extra := setFields(&u, "CpuShares", "Memory", "NanoCpus", "MemoryReservation", "MemorySwap", "PidsLimit", "RestartPolicy", "CpusetCpus"); len(extra) > 0 {
		refuse(w, "docker update: %s %v", strings.Join(extra, ", "), ErrPolicy)
		return
	}
	if n := u.RestartPolicy.Name; n != "" && n != container.RestartPolicyDisabled {
		srcs, err := p.bindSources(r.Context(), a.id)
		if err != nil {
			deny(w, http.StatusBadGateway, "shipshape proxy: %v", err)
			return
		}
		if len(srcs) > 0 {
			refuse(w, "docker update --restart %s on a container that mounts the page's files is %v: the engine would mount them again on its own, unchecked", n, ErrPolicy)
			return
		}
	}
	res := &u.Resources
	if l := p.pol.Memory; l > 0 && (res.Memory != 0 || res.MemorySwap != 0) {
		if res.Memory <= 0 || res.Memory > l {
			res.Memory = l
		}
		res.MemorySwap = res.Memory
	}
	if l := p.pol.Pids; l > 0 && res.PidsLimit != nil && (*res.PidsLimit <= 0 || *res.PidsLimit > l) {
		res.PidsLimit = &l
	}
	if l := p.pol.NanoCPUs; l > 0 && (res.NanoCPUs < 0 || res.NanoCPUs > l) {
		res.NanoCPUs = l
	}
	if res.MemoryReservation < 0 || (res.Memory > 0 && res.MemoryReservation > res.Memory) {
		res.MemoryReservation = res.Memory
	}
	p.forwardJSON(w, r, &u)
}

// execCreate refuses a privileged exec; the user may be any, root
// included: root in a session container has only the capabilities the
// container was created with, which create has already judged.
func (p *Proxy) execCreate(w http.ResponseWriter, r *http.Request, a args) {
	if !p.checkOwn(w, r, "containers", a.id) {
		return
	}
	// Detach is an older API's field the engine ignores; read and dropped.
	var req struct {
		container.ExecCreateRequest
		Detach bool `json:",omitempty"`
	}
	if !p.decodeBody(w, r, &req) {
		return
	}
	e := req.ExecCreateRequest
	if e.Privileged {
		refuse(w, "docker exec --privileged is %v", ErrPolicy)
		return
	}
	b, _ := json.Marshal(&e)
	out, err := p.post(r.Context(), strings.TrimSuffix(r.URL.Path, "/"), b)
	var id struct{ Id string }
	if err == nil {
		err = json.Unmarshal(out, &id)
	}
	if err != nil || !nameRe.MatchString(id.Id) {
		deny(w, http.StatusBadGateway, "shipshape proxy: exec create: %v %s", err, out)
		return
	}
	p.mu.Lock()
	p.execs[id.Id] = true
	p.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_, _ = w.Write(out)
}

// execStart starts an exec of the page's, with a re-encoded body.
func (p *Proxy) execStart(w http.ResponseWriter, r *http.Request, a args) {
	p.mu.Lock()
	ok := p.execs[a.id]
	p.mu.Unlock()
	if !ok {
		deny(w, http.StatusNotFound, "No such exec instance: %s (not started by this page)", a.id)
		return
	}
	var s container.ExecStartRequest
	if !p.decodeBody(w, r, &s) {
		return
	}
	p.forwardJSON(w, r, &s)
}

// parseSize reads a log size as the engine does: a number with an optional
// k, m or g (binary multiples).
func parseSize(s string) (int64, error) {
	t := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), "b")
	mult := int64(1)
	switch {
	case strings.HasSuffix(t, "k"):
		mult, t = 1<<10, strings.TrimSuffix(t, "k")
	case strings.HasSuffix(t, "m"):
		mult, t = 1<<20, strings.TrimSuffix(t, "m")
	case strings.HasSuffix(t, "g"):
		mult, t = 1<<30, strings.TrimSuffix(t, "g")
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("%q is not a size", s)
	}
	return n * mult, nil
}
