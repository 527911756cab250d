package proxy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/distribution/reference"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/api/types/volume"
	digest "github.com/opencontainers/go-digest"
)

// networkCreate makes a bridge network of the page's: internal unless the
// block asked for egress, no driver options, no IPv6.
func (p *Proxy) networkCreate(w http.ResponseWriter, r *http.Request, _ args) {
	// CheckDuplicate is an older API's field (the engine checks anyway);
	// it is read and dropped.
	var req struct {
		network.CreateRequest
		CheckDuplicate bool `json:",omitempty"`
	}
	if !p.decodeBody(w, r, &req) {
		return
	}
	n := req.CreateRequest
	err := func() error {
		if extra := setFields(&n, "Name", "Driver", "Scope", "EnableIPv4", "Internal", "Attachable", "Options", "Labels",
			"IPAM.Driver", "IPAM.Config"); len(extra) > 0 {
			return fmt.Errorf("%s %w", strings.Join(extra, ", "), ErrPolicy)
		}
		if !nameRe.MatchString(n.Name) {
			return fmt.Errorf("%q is not a network name", n.Name)
		}
		if err := checkName(n.Name); err != nil {
			return err
		}
		if n.Driver != "" && n.Driver != "bridge" {
			return fmt.Errorf("--driver %s is %w; examples get bridge networks", n.Driver, ErrPolicy)
		}
		if n.Scope != "" && n.Scope != "local" {
			return fmt.Errorf("--scope %s is %w", n.Scope, ErrPolicy)
		}
		if n.EnableIPv4 != nil && !*n.EnableIPv4 {
			return fmt.Errorf("--ipv4=false is %w", ErrPolicy)
		}
		if len(n.Options) > 0 {
			return fmt.Errorf("--opt is %w (driver options of a network)", ErrPolicy)
		}
		if n.IPAM != nil {
			if n.IPAM.Driver != "" && n.IPAM.Driver != "default" {
				return fmt.Errorf("--ipam-driver %s is %w", n.IPAM.Driver, ErrPolicy)
			}
			for _, c := range n.IPAM.Config {
				if len(c.AuxAddress) > 0 {
					return fmt.Errorf("--aux-address is %w", ErrPolicy)
				}
			}
		}
		var err error
		n.Labels, err = p.ourLabels(n.Labels)
		return err
	}()
	if err != nil {
		refuse(w, "docker network create: %v", err)
		return
	}
	if err := p.claim("network", n.Name); err != nil {
		denyClaim(w, err)
		return
	}
	if p.foreign(r.Context(), "networks", n.Name) {
		denyClaim(w, fmt.Errorf("network %s: %w", n.Name, ErrConflict))
		return
	}
	p.creating.Lock()
	defer p.creating.Unlock()
	if err := p.room(r.Context(), "networks", maxNetworks); err != nil {
		denyRoom(w, "docker network create", err)
		return
	}
	n.Driver, n.Options, n.Scope = "bridge", map[string]string{}, ""
	// Nothing made by an example reaches beyond the engine unless the
	// block asked for the network (and the page did not ask for an
	// internal one). Any bridge with a host address, internal or not,
	// lets its containers reach every address the host has: without
	// egress it gets none (inhibit_ipv4); with egress the host is its
	// gateway, and it takes a name the runner's firewall rule already
	// keeps from the host. Where no name can be had, it is refused.
	n.Internal = n.Internal || !p.pol.Egress
	// The engine checks a subnet it is given against its other networks
	// only, and gives the bridge of a network with egress the gateway
	// address and so a route for the subnet on its host: one around an
	// address the host uses (its gateway, its DNS server, the metadata
	// address) would route the host's own traffic into the page's bridge.
	// Such a network takes the addresses the engine picks, clear of its
	// host's routes. An internal one's bridge has no address, so no route:
	// it may be given any.
	if !n.Internal && n.IPAM != nil {
		for _, c := range n.IPAM.Config {
			if c.Subnet.IsValid() || c.IPRange.IsValid() || c.Gateway.IsValid() {
				refuse(w, "docker network create: --subnet, --ip-range and --gateway on a network with egress are %v: the engine picks its addresses, clear of its host's routes (an --internal network may name them)", ErrPolicy)
				return
			}
		}
	}
	if !n.Internal {
		bridge, err := "", errors.New("no firewall rule can keep its bridge from the host")
		if p.pol.PageBridge != nil {
			bridge, err = p.pol.PageBridge()
		}
		if err != nil {
			refuse(w, "docker network create: a network with egress is %v: %v", ErrPolicy, err)
			return
		}
		n.Options["com.docker.network.bridge.name"] = bridge
	} else {
		n.Options["com.docker.network.bridge.inhibit_ipv4"] = "true"
	}
	p.forwardJSON(w, r, &n)
}

// networkInspect shows the page's networks and the session's own.
func (p *Proxy) networkInspect(w http.ResponseWriter, r *http.Request, a args) {
	if p.pol.Network != "" && a.id == p.pol.Network {
		forward(p, w, r, a)
		return
	}
	ownNetwork(p, w, r, a)
}

// networkConnect lets the page connect and disconnect its own containers
// and networks only.
func (p *Proxy) networkConnect(w http.ResponseWriter, r *http.Request, a args) {
	if !p.joinable(r.Context(), a.id) {
		if !p.checkOwn(w, r, "networks", a.id) {
			return
		}
	}
	var c struct {
		Container      string
		EndpointConfig *network.EndpointSettings `json:",omitempty"`
		Force          bool                      `json:",omitempty"`
	}
	if !p.decodeBody(w, r, &c) {
		return
	}
	if a.action == "connect" && c.Force {
		refuse(w, "docker network connect: Force %v", ErrPolicy)
		return
	}
	if a.action == "disconnect" && c.EndpointConfig != nil {
		refuse(w, "docker network disconnect: EndpointConfig %v", ErrPolicy)
		return
	}
	if !nameRe.MatchString(c.Container) || !p.owns(r.Context(), "containers", c.Container) {
		refuse(w, "docker network %s %s %s: that container was not created by this page", a.action, a.id, c.Container)
		return
	}
	if err := endpoint(c.EndpointConfig); err != nil {
		refuse(w, "docker network %s: %v", a.action, err)
		return
	}
	if a.action == "connect" {
		p.forwardJSON(w, r, &network.ConnectRequest{Container: c.Container, EndpointConfig: c.EndpointConfig})
	} else {
		p.forwardJSON(w, r, &network.DisconnectRequest{Container: c.Container, Force: c.Force})
	}
}

// volumeCreate makes a local volume of the page's, without driver options
// (type=none,o=bind,device=/ would bind any host folder).
func (p *Proxy) volumeCreate(w http.ResponseWriter, r *http.Request, _ args) {
	var v volume.CreateRequest
	if !p.decodeBody(w, r, &v) {
		return
	}
	err := func() error {
		if extra := setFields(&v, "Name", "Driver", "Labels"); len(extra) > 0 {
			return fmt.Errorf("%s %w (volume driver options are not available)", strings.Join(extra, ", "), ErrPolicy)
		}
		if v.Driver != "" && v.Driver != "local" {
			return fmt.Errorf("--driver %s is %w", v.Driver, ErrPolicy)
		}
		if v.Name != "" {
			if !nameRe.MatchString(v.Name) {
				return fmt.Errorf("%q is not a volume name", v.Name)
			}
			if err := checkName(v.Name); err != nil {
				return err
			}
			if _, ok, err := p.labels(r.Context(), "volumes", v.Name); err != nil {
				return err
			} else if ok && !p.owns(r.Context(), "volumes", v.Name) {
				return fmt.Errorf("volume %s: %w: it exists and was not created by this page", v.Name, ErrPolicy)
			}
		}
		var err error
		v.Labels, err = p.ourLabels(v.Labels)
		return err
	}()
	if err != nil {
		refuse(w, "docker volume create: %v", err)
		return
	}
	if err := p.claim("volume", v.Name); err != nil {
		denyClaim(w, err)
		return
	}
	v.Driver = "local"
	p.forwardJSON(w, r, &v)
}

// mapImage maps a reference written in the docs to the local image, unless
// the reference itself exists (an image the page built).
func (p *Proxy) mapImage(ctx context.Context, ref string) string {
	p.seeImage(ref)
	if p.pol.MapImage == nil || ref == "" {
		return ref
	}
	if p.pol.ImageExists != nil && p.pol.ImageExists(ctx, ref) {
		return ref
	}
	if m := p.pol.MapImage(ref); m != ref {
		return m
	}
	// Clients may send the long form (docker.io/library/busybox:1.36).
	if n, err := reference.ParseNormalizedNamed(ref); err == nil {
		if f := reference.FamiliarString(n); f != ref {
			if m := p.pol.MapImage(f); m != f {
				return m
			}
		}
	}
	return ref
}

// mapped reports whether the site maps the name to a local image.
func (p *Proxy) mapped(ref string) bool {
	return p.pol.MapImage != nil && p.mapImage(context.Background(), ref) != ref
}

// ownsImage reports whether the page wrote the name (tag, build -t) or
// built the image (it carries the session's label).
func (p *Proxy) ownsImage(ctx context.Context, ref string) bool {
	p.seeImage(ref)
	norm := normalize(ref)
	p.mu.Lock()
	for _, t := range p.tags {
		if normalize(t) == norm {
			p.mu.Unlock()
			return true
		}
	}
	p.mu.Unlock()
	return p.owns(ctx, "images", ref)
}

// normalize spells an image reference one way (docker.io/library/x:latest).
func normalize(ref string) string {
	n, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return ref
	}
	return reference.TagNameOnly(n).String()
}

// removeImages removes the page's own images, or prunes them, but not while
// a build of the page that reads images by name runs: the build resolves
// some of them after they were judged, and a name gone by then would be
// fetched from its registry (the name's own, perhaps on the host's
// network, which the page may use for a local tag).
func removeImages(p *Proxy, w http.ResponseWriter, r *http.Request, a args) {
	if p.buildRunning() {
		refuse(w, "removing images is %v while a build of the page runs; remove them once it has ended", ErrPolicy)
		return
	}
	if a.ref == "" {
		scoped(p, w, r, a)
		return
	}
	ownImage(p, w, r, a)
}

func ownImage(p *Proxy, w http.ResponseWriter, r *http.Request, a args) {
	if !p.ownsImage(r.Context(), a.ref) {
		refuse(w, "image %s was not built or tagged by this page", a.ref)
		return
	}
	forward(p, w, r, a)
}

// imageRead inspects an image, mapping names from the docs to local ones.
// Another live session's image is not there, as for a run alone, and
// names other sessions put on a shared image (a base they tagged) are
// left out of what the engine says of it.
func (p *Proxy) imageRead(w http.ResponseWriter, r *http.Request, a args) {
	if p.pol.Held != nil && !strings.HasPrefix(a.ref, "sha256:") && p.pol.Held("image", normalize(a.ref)) {
		p.seeImage(a.ref)
		deny(w, http.StatusNotFound, "No such image: %s", a.ref)
		return
	}
	if m := p.mapImage(r.Context(), a.ref); m != a.ref {
		r.URL.Path = strings.Replace(r.URL.Path, "/"+a.ref+"/", "/"+m+"/", 1)
	}
	if p.pol.Held == nil {
		forward(p, w, r, a)
		return
	}
	var v any
	if !p.get(w, r, r.URL.RequestURI(), &v) {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(p.dropHeldTags(v))
}

// dropHeldTags removes, from an image inspect (RepoTags) or history
// (Tags of each entry), the names other live sessions hold.
func (p *Proxy) dropHeldTags(v any) any {
	keep := func(tags any) any {
		list, ok := tags.([]any)
		if !ok {
			return tags
		}
		out := []any{}
		for _, t := range list {
			if s, ok := t.(string); ok && p.pol.Held("image", normalize(s)) {
				continue
			}
			out = append(out, t)
		}
		return out
	}
	switch x := v.(type) {
	case map[string]any:
		if t, ok := x["RepoTags"]; ok {
			x["RepoTags"] = keep(t)
		}
		// The containerd image store also lists every name under
		// RepoDigests (name@digest): keep only those of the names kept.
		if d, ok := x["RepoDigests"].([]any); ok {
			repos := map[string]bool{}
			if kept, ok := x["RepoTags"].([]any); ok {
				for _, t := range kept {
					if s, ok := t.(string); ok {
						repos[repoOf(s)] = true
					}
				}
			}
			out := []any{}
			for _, e := range d {
				if s, ok := e.(string); ok && !repos[repoOf(s)] {
					continue
				}
				out = append(out, e)
			}
			x["RepoDigests"] = out
		}
	case []any:
		for _, e := range x {
			if m, ok := e.(map[string]any); ok && m["Tags"] != nil {
				m["Tags"] = keep(m["Tags"])
			}
		}
	}
	return v
}

// repoOf is the normalized repository of an image name, tag or digest off.
func repoOf(name string) string {
	name, _, _ = strings.Cut(name, "@")
	n, err := reference.ParseNormalizedNamed(name)
	if err != nil {
		return name
	}
	return n.Name()
}

// saveImages lets `docker save` export the page's own images only.
func (p *Proxy) saveImages(w http.ResponseWriter, r *http.Request, a args) {
	names := r.URL.Query()["names"]
	if len(names) == 0 {
		refuse(w, "docker save needs image names")
		return
	}
	for _, n := range names {
		if !p.ownsImage(r.Context(), n) {
			refuse(w, "docker save %s: that image was not built or tagged by this page", n)
			return
		}
	}
	forward(p, w, r, a)
}

// writableName judges an image name a tag or build would write: never one
// the site maps, never an existing one the page did not write.
func (p *Proxy) writableName(ctx context.Context, name string) error {
	n, err := reference.ParseNormalizedNamed(name)
	if err != nil {
		return fmt.Errorf("image name %q: %w", name, err)
	}
	if _, digested := n.(reference.Digested); digested {
		return fmt.Errorf("image name %q: a digest cannot be written", name)
	}
	if p.mapped(name) || p.mapped(reference.FamiliarString(reference.TagNameOnly(n))) {
		return fmt.Errorf("image name %s is %w: the site maps it to a base image", name, ErrPolicy)
	}
	if p.heldName(name) {
		return fmt.Errorf("image name %s is %w while a build of the page that reads it runs", name, ErrPolicy)
	}
	if err := p.claim("image", normalize(name)); err != nil {
		return err
	}
	if p.pol.ImageExists != nil && p.pol.ImageExists(ctx, name) && !p.ownsImage(ctx, name) {
		return fmt.Errorf("image name %s is %w: that image exists and was not built or tagged by this page", name, ErrPolicy)
	}
	return nil
}

// tag lets the page name images with names of its own.
func (p *Proxy) tag(w http.ResponseWriter, r *http.Request, a args) {
	// Another live page's image is not there, as for a run alone: a name
	// of the page's own on it would let the page run and save it.
	if p.othersImage(r.Context(), a.ref) {
		deny(w, http.StatusNotFound, "No such image: %s", a.ref)
		return
	}
	q := r.URL.Query()
	t := q.Get("repo")
	if tg := q.Get("tag"); tg != "" {
		t += ":" + tg
	}
	if err := p.writableName(r.Context(), t); err != nil {
		if errors.Is(err, ErrConflict) {
			denyClaim(w, err)
			return
		}
		refuse(w, "docker tag: %v", err)
		return
	}
	r.URL.Path = strings.Replace(r.URL.Path, "/"+a.ref+"/", "/"+p.mapImage(r.Context(), a.ref)+"/", 1)
	p.mu.Lock()
	p.tags = append(p.tags, t)
	p.mu.Unlock()
	forward(p, w, r, a)
}

// pull answers a pull of a mapped or local image from the local image and
// refuses others by policy: nothing may be fetched for an example.
func (p *Proxy) pull(w http.ResponseWriter, r *http.Request, a args) {
	q := r.URL.Query()
	if q.Get("fromSrc") != "" {
		refuse(w, "docker import is not available to examples")
		return
	}
	// The reference is made as the engine makes it (a tag replaces the
	// one fromImage names), and the engine is sent that one reference, so
	// that what is judged is what is pulled.
	ref, err := pullRef(q.Get("fromImage"), q.Get("tag"))
	if err != nil {
		refuse(w, "docker pull %s: %v", q.Get("fromImage"), err)
		return
	}
	q.Set("fromImage", ref)
	q.Del("tag")
	r.URL.RawQuery = q.Encode()
	if m := p.mapImage(r.Context(), ref); m != ref || (p.pol.ImageExists != nil && p.pol.ImageExists(r.Context(), ref)) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, "{\"status\":%q}\n", fmt.Sprintf("%s: using the local image %s", ref, m))
		return
	}
	if err := p.checkRegistry(r.Context(), ref, false); err != nil {
		refuse(w, "docker pull %s: %v", ref, err)
		return
	}
	if p.heldName(ref) {
		refuse(w, "docker pull %s: %v while a build of the page that reads it runs", ref, ErrPolicy)
		return
	}
	if p.pol.DenyPull {
		deny(w, http.StatusNotFound, "shipshape: image %s is not local and pulling is off (--pull=never); map it under [images] in shipshape.toml", ref)
		return
	}
	forward(p, w, r, a)
}

// networkList lists the page's networks and the engine's predefined ones
// by name (the course lists those; inspecting them stays refused).
func (p *Proxy) networkList(w http.ResponseWriter, r *http.Request, _ args) {
	var list []map[string]any
	if !p.get(w, r, r.URL.RequestURI(), &list) {
		return
	}
	keep := []map[string]any{}
	for _, n := range list {
		name, _ := n["Name"].(string)
		l, _ := n["Labels"].(map[string]any)
		switch {
		case name == "bridge" || name == "host" || name == "none":
			keep = append(keep, map[string]any{"Name": name, "Id": n["Id"], "Driver": n["Driver"], "Scope": n["Scope"]})
		case p.ownerValue() != "" && l[p.pol.OwnerLabel] == p.ownerValue():
			keep = append(keep, n)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(keep)
}

// checkRegistry judges the registry an image reference would be pulled
// from, when the engine would pull it (CheckRegistryHost): not for a mapped
// image, as the engine is given a local one for it, nor for a local image,
// unless pull says the engine asks the registry even for one it has (a
// build with --pull or a platform).
func (p *Proxy) checkRegistry(ctx context.Context, ref string, pull bool) error {
	if ref == "" || strings.EqualFold(ref, "scratch") {
		return nil
	}
	if n, err := reference.ParseNormalizedNamed(ref); err == nil && p.pol.MapImage != nil &&
		(p.pol.MapImage(ref) != ref || p.pol.MapImage(reference.FamiliarString(n)) != reference.FamiliarString(n)) {
		return nil
	}
	if !pull && p.pol.ImageExists != nil && p.pol.ImageExists(ctx, ref) {
		return nil
	}
	return CheckRegistryHost(ctx, ref, p.pol.AnyRegistry)
}

// publicRegistries are the registries of the wider internet that examples
// pull from without allow_host: the engine pulls from its host's network
// and follows a registry's redirects, so any other registry (one on the
// host's own address, which can pass as public, or one that redirects its
// downloads there) could make the engine reach the host for the page.
var publicRegistries = map[string]bool{
	"docker.io": true, "ghcr.io": true, "quay.io": true, "gcr.io": true, "mirror.gcr.io": true,
	"us.gcr.io": true, "eu.gcr.io": true, "asia.gcr.io": true, "registry.k8s.io": true, "k8s.gcr.io": true,
	"mcr.microsoft.com": true, "public.ecr.aws": true, "registry.gitlab.com": true, "lscr.io": true,
	"docker.elastic.co": true, "nvcr.io": true, "cgr.dev": true, "registry-1.docker.io": true,
}

// CheckRegistryHost judges the registry the engine would pull ref from, for
// every pull shipshape makes or lets a page make: the engine pulls from the
// host's own network, so only the public registries pass; with anyRegistry
// (allow_host) any other passes too, unless it is of the host's own
// network (an address of the host's networks, localhost, a name resolving
// to one, or not resolving), which is refused as ADD of such a URL is.
func CheckRegistryHost(ctx context.Context, ref string, anyRegistry bool) error {
	n, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		// What does not parse here cannot be judged; the engine may
		// still read it some other way.
		return fmt.Errorf("%w: %q is not an image reference that can be judged", ErrPolicy, ref)
	}
	domain := reference.Domain(n)
	if publicRegistries[domain] {
		return nil
	}
	host := domain
	if h, _, err := net.SplitHostPort(domain); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if !anyRegistry {
		// An address, or a local name, is judged as such first: its
		// reason is the plainer one.
		if _, err := netip.ParseAddr(host); err == nil || strings.EqualFold(host, "localhost") {
			if err := checkHost(ctx, host); err != nil {
				return fmt.Errorf("registry %s: %w", domain, err)
			}
		}
		return fmt.Errorf("%w: registry %s is none of the public registries examples pull from (Docker Hub, ghcr.io, quay.io, …): the engine would pull from it on its host's network, where the registry's address or its redirects can be the host's own; map the image under [images], or accept that with allow_host = true under [verify]", ErrPolicy, domain)
	}
	if err := checkHost(ctx, host); err != nil {
		return fmt.Errorf("registry %s: %w", domain, err)
	}
	return nil
}

// pullRef is the reference the engine pulls for fromImage and tag: the tag
// (or digest) replaces what fromImage names.
func pullRef(from, tag string) (string, error) {
	n, err := reference.ParseNormalizedNamed(from)
	if err != nil {
		return "", fmt.Errorf("%w: %q is not an image reference", ErrPolicy, from)
	}
	if tag == "" {
		return reference.FamiliarString(n), nil
	}
	var out reference.Named
	if d, err := digest.Parse(tag); err == nil {
		out, err = reference.WithDigest(reference.TrimNamed(n), d)
		if err != nil {
			return "", fmt.Errorf("%w: %v", ErrPolicy, err)
		}
	} else {
		out, err = reference.WithTag(reference.TrimNamed(n), tag)
		if err != nil {
			return "", fmt.Errorf("%w: tag %q: %v", ErrPolicy, tag, err)
		}
	}
	return reference.FamiliarString(out), nil
}
