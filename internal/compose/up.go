package compose

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/jsonstream"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
)

// UpOptions are `docker compose up`'s flags that matter here.
type UpOptions struct {
	Services    []string
	Build       bool
	Wait        bool
	WaitTimeout time.Duration
	Scale       map[string]int
	NoDeps      bool
}

// Up creates networks and volumes, builds what needs building, and starts
// every wanted service after its dependencies meet their conditions.
func (p *Project) Up(ctx context.Context, o UpOptions) error {
	svcs, err := order(p.P, o.Services)
	if err != nil {
		return err
	}
	if o.NoDeps && len(o.Services) > 0 {
		keep := map[string]bool{}
		for _, s := range o.Services {
			keep[s] = true
		}
		var only []types.ServiceConfig
		for _, s := range svcs {
			if keep[s.Name] {
				only = append(only, s)
			}
		}
		svcs = only
	}
	if err := p.ensureNetworks(ctx, svcs); err != nil {
		return err
	}
	if err := p.ensureVolumes(ctx); err != nil {
		return err
	}
	if err := p.buildAll(ctx, svcs, o.Build); err != nil {
		return err
	}
	for _, svc := range svcs {
		if err := p.waitDeps(ctx, svc); err != nil {
			return err
		}
		n := replicas(svc, o.Scale)
		if err := p.scaleService(ctx, svc, n); err != nil {
			return err
		}
	}
	if o.Wait {
		timeout := o.WaitTimeout
		if timeout <= 0 {
			timeout = 5 * time.Minute
		}
		wctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		for _, svc := range svcs {
			ids, err := p.serviceContainers(wctx, svc.Name, false)
			if err != nil {
				return err
			}
			for _, id := range ids {
				healthy := svc.HealthCheck != nil && !svc.HealthCheck.Disable || p.imageHasHealthcheck(wctx, id)
				name, err := p.waitReady(wctx, id, healthy)
				var ex exitedError
				switch {
				case errors.As(err, &ex) && ex == 0 && !healthy:
					p.progress("Container", name, "Exited")
				case err != nil:
					return fmt.Errorf("container %s: %w", name, err)
				case healthy:
					p.progress("Container", name, "Healthy")
				default:
					p.progress("Container", name, "Running")
				}
			}
		}
	}
	return nil
}

func (p *Project) ensureNetworks(ctx context.Context, svcs []types.ServiceConfig) error {
	used := map[string]bool{}
	for _, s := range svcs {
		if len(s.Networks) == 0 && s.NetworkMode == "" {
			used["default"] = true
		}
		for n := range s.Networks {
			used[n] = true
		}
	}
	keys := make([]string, 0, len(used))
	for k := range used {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		cfg := p.P.Networks[key]
		name := p.networkName(key)
		if bool(cfg.External) {
			continue
		}
		if _, err := p.C.NetworkInspect(ctx, name, client.NetworkInspectOptions{}); err == nil {
			continue
		}
		labels := map[string]string{LabelProject: p.P.Name, LabelNetwork: key}
		for k, v := range cfg.Labels {
			labels[k] = v
		}
		driver := cfg.Driver
		if driver == "" {
			driver = "bridge"
		}
		if _, err := p.C.NetworkCreate(ctx, name, client.NetworkCreateOptions{Driver: driver, Internal: cfg.Internal,
			Attachable: cfg.Attachable, Labels: labels, Options: cfg.DriverOpts}); err != nil {
			return fmt.Errorf("create network %s: %w", name, err)
		}
		p.progress("Network", name, "Created")
	}
	return nil
}

func (p *Project) ensureVolumes(ctx context.Context) error {
	keys := make([]string, 0, len(p.P.Volumes))
	for k := range p.P.Volumes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		cfg := p.P.Volumes[key]
		if bool(cfg.External) {
			continue
		}
		name := p.volumeName(key)
		if _, err := p.C.VolumeInspect(ctx, name, client.VolumeInspectOptions{}); err == nil {
			continue
		}
		labels := map[string]string{LabelProject: p.P.Name, LabelVolume: key}
		for k, v := range cfg.Labels {
			labels[k] = v
		}
		if _, err := p.C.VolumeCreate(ctx, client.VolumeCreateOptions{Name: name, Driver: cfg.Driver, DriverOpts: cfg.DriverOpts, Labels: labels}); err != nil {
			return fmt.Errorf("create volume %s: %w", name, err)
		}
		p.progress("Volume", name, "Created")
	}
	return nil
}

// buildAll builds services that have a build section, when asked to or when
// their image is missing.
func (p *Project) buildAll(ctx context.Context, svcs []types.ServiceConfig, force bool) error {
	built := map[string]bool{}
	for _, s := range svcs {
		if s.Build == nil {
			continue
		}
		img := p.imageName(s)
		if built[img] {
			continue
		}
		if !force {
			if _, err := p.C.ImageInspect(ctx, img); err == nil {
				continue
			}
		}
		if err := p.Build(ctx, s); err != nil {
			return err
		}
		built[img] = true
	}
	return nil
}

// Build builds one service's image from its context folder.
func (p *Project) Build(ctx context.Context, s types.ServiceConfig) error {
	dir := absIn(p.P.WorkingDir, s.Build.Context)
	df := s.Build.Dockerfile
	if df == "" {
		df = "Dockerfile"
	}
	tarball, err := contextTar(dir)
	if err != nil {
		return fmt.Errorf("service %s: build context: %w", s.Name, err)
	}
	args := map[string]*string{}
	for k, v := range s.Build.Args {
		args[k] = v
	}
	img := p.imageName(s)
	fmt.Fprintf(p.Err, " Building %s\n", s.Name)
	res, err := p.C.ImageBuild(ctx, bytes.NewReader(tarball), client.ImageBuildOptions{
		Tags: []string{img}, Dockerfile: df, BuildArgs: args, Remove: true, ForceRemove: true,
		Target: s.Build.Target, Labels: map[string]string{LabelProject: p.P.Name, LabelService: s.Name},
	})
	if err != nil {
		return fmt.Errorf("service %s: build: %w", s.Name, err)
	}
	defer res.Body.Close()
	dec := json.NewDecoder(res.Body)
	for {
		var m jsonstream.Message
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return fmt.Errorf("service %s: build output: %w", s.Name, err)
		}
		if m.Error != nil {
			return fmt.Errorf("service %s: build failed: %s", s.Name, strings.TrimSpace(m.Error.Message))
		}
	}
	p.progress("Image", img, "Built")
	return nil
}

// contextTar packs a build context folder, leaving out what .dockerignore
// names (plain patterns and folders).
func contextTar(dir string) ([]byte, error) {
	ignore := readIgnore(filepath.Join(dir, ".dockerignore"))
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if rel == "." {
			return nil
		}
		rel = filepath.ToSlash(rel)
		if ignored(ignore, rel) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if !info.Mode().IsRegular() && !info.IsDir() {
			return nil
		}
		hdr, err := tar.FileInfoHeader(info, "")
		if err != nil {
			return err
		}
		hdr.Name = rel
		if info.IsDir() {
			hdr.Name += "/"
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if info.Mode().IsRegular() {
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			_, err = io.Copy(tw, f)
			f.Close()
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func readIgnore(path string) []string {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, strings.Trim(l, "/"))
		}
	}
	return out
}

func ignored(patterns []string, rel string) bool {
	skip := false
	for _, p := range patterns {
		neg := strings.HasPrefix(p, "!")
		p = strings.TrimPrefix(p, "!")
		m, _ := filepath.Match(p, rel)
		if !m {
			m, _ = filepath.Match(p, filepath.Base(rel))
		}
		if !m && strings.HasPrefix(rel, p+"/") {
			m = true
		}
		if m {
			skip = !neg
		}
	}
	return skip
}

// waitDeps holds a service back until each dependency meets its condition.
func (p *Project) waitDeps(ctx context.Context, svc types.ServiceConfig) error {
	deps := make([]string, 0, len(svc.DependsOn))
	for d := range svc.DependsOn {
		deps = append(deps, d)
	}
	sort.Strings(deps)
	for _, d := range deps {
		cond := svc.DependsOn[d].Condition
		ids, err := p.serviceContainers(ctx, d, false)
		if err != nil {
			return err
		}
		for _, id := range ids {
			switch cond {
			case types.ServiceConditionHealthy:
				wctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
				name, err := p.waitReady(wctx, id, true)
				cancel()
				if err != nil {
					return fmt.Errorf("dependency failed to start: container %s is unhealthy", name)
				}
				p.progress("Container", name, "Healthy")
			case types.ServiceConditionCompletedSuccessfully:
				code, name, err := p.waitExit(ctx, id)
				if err != nil {
					return err
				}
				if code != 0 {
					return fmt.Errorf("service %q didn't complete successfully: exit %d", name, code)
				}
				p.progress("Container", name, "Exited")
			}
		}
	}
	return nil
}

// serviceContainers lists a service's containers, oldest first.
func (p *Project) serviceContainers(ctx context.Context, service string, oneOff bool) ([]string, error) {
	f := p.projectFilter().Add("label", LabelService+"="+service)
	res, err := p.C.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return nil, err
	}
	sort.Slice(res.Items, func(i, j int) bool {
		a, _ := strconv.Atoi(res.Items[i].Labels[LabelNumber])
		b, _ := strconv.Atoi(res.Items[j].Labels[LabelNumber])
		return a < b
	})
	var ids []string
	for _, c := range res.Items {
		if (c.Labels[LabelOneOff] == "True") == oneOff {
			ids = append(ids, c.ID)
		}
	}
	return ids, nil
}

func (p *Project) imageHasHealthcheck(ctx context.Context, id string) bool {
	r, err := p.C.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	return err == nil && r.Container.Config != nil && r.Container.Config.Healthcheck != nil &&
		len(r.Container.Config.Healthcheck.Test) > 0 && r.Container.Config.Healthcheck.Test[0] != "NONE"
}

// waitReady polls until a container runs (and is healthy when asked).
func (p *Project) waitReady(ctx context.Context, id string, healthy bool) (string, error) {
	name := shortID(id)
	for {
		r, err := p.C.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
		if err != nil {
			return name, err
		}
		st := r.Container.State
		name = strings.TrimPrefix(r.Container.Name, "/")
		switch {
		case st == nil:
		case !st.Running && st.Status == "exited":
			return name, exitedError(st.ExitCode)
		case st.Running && !healthy:
			return name, nil
		case st.Running && st.Health != nil && st.Health.Status == container.Healthy:
			return name, nil
		case st.Health != nil && st.Health.Status == container.Unhealthy:
			return name, errors.New("is unhealthy")
		case st.Running && st.Health == nil:
			return name, nil
		}
		select {
		case <-ctx.Done():
			return name, fmt.Errorf("not ready: %w", ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// exitedError is a container that exited while it was waited on.
type exitedError int

func (e exitedError) Error() string { return fmt.Sprintf("exited with code %d", int(e)) }

func (p *Project) waitExit(ctx context.Context, id string) (int, string, error) {
	w := p.C.ContainerWait(ctx, id, client.ContainerWaitOptions{Condition: container.WaitConditionNotRunning})
	r, err := p.C.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	name := shortID(id)
	if err == nil {
		name = strings.TrimPrefix(r.Container.Name, "/")
	}
	select {
	case res := <-w.Result:
		return int(res.StatusCode), name, nil
	case err := <-w.Error:
		return 0, name, err
	case <-ctx.Done():
		return 0, name, ctx.Err()
	}
}

// scaleService makes a service have n running containers.
func (p *Project) scaleService(ctx context.Context, svc types.ServiceConfig, n int) error {
	ids, err := p.serviceContainers(ctx, svc.Name, false)
	if err != nil {
		return err
	}
	for i := len(ids); i > n; i-- {
		id := ids[i-1]
		_, _ = p.C.ContainerRemove(ctx, id, client.ContainerRemoveOptions{Force: true})
	}
	for i := 0; i < n; i++ {
		if i < len(ids) {
			r, err := p.C.ContainerInspect(ctx, ids[i], client.ContainerInspectOptions{})
			if err == nil && r.Container.State != nil && r.Container.State.Running {
				p.progress("Container", strings.TrimPrefix(r.Container.Name, "/"), "Running")
				continue
			}
			if _, err := p.C.ContainerStart(ctx, ids[i], client.ContainerStartOptions{}); err != nil {
				return fmt.Errorf("start %s: %w", svc.Name, err)
			}
			continue
		}
		name := p.containerName(svc, i+1)
		id, err := p.create(ctx, svc, name, i+1, false, nil)
		if err != nil {
			return err
		}
		p.progress("Container", name, "Created")
		if _, err := p.C.ContainerStart(ctx, id, client.ContainerStartOptions{}); err != nil {
			return fmt.Errorf("start %s: %w", name, err)
		}
		p.progress("Container", name, "Started")
	}
	return nil
}

// create makes one container for a service, attached to its networks with
// the service name as an alias.
func (p *Project) create(ctx context.Context, svc types.ServiceConfig, name string, number int, oneOff bool, cmd []string) (string, error) {
	labels := map[string]string{
		LabelProject: p.P.Name, LabelService: svc.Name, LabelNumber: strconv.Itoa(number),
		LabelOneOff: "False", LabelWorkDir: p.P.WorkingDir,
	}
	if oneOff {
		labels[LabelOneOff] = "True"
	}
	for k, v := range svc.Labels {
		labels[k] = v
	}
	cfg := &container.Config{
		Image: p.imageName(svc), Env: envList(svc.Environment), Labels: labels,
		User: svc.User, WorkingDir: svc.WorkingDir, Hostname: svc.Hostname,
		Tty: svc.Tty, OpenStdin: svc.StdinOpen, StopSignal: svc.StopSignal,
	}
	if cmd != nil {
		cfg.Cmd = cmd
	} else if svc.Command != nil {
		cfg.Cmd = []string(svc.Command)
	}
	if svc.Entrypoint != nil {
		cfg.Entrypoint = []string(svc.Entrypoint)
	}
	if hc := svc.HealthCheck; hc != nil {
		if hc.Disable {
			cfg.Healthcheck = &container.HealthConfig{Test: []string{"NONE"}}
		} else {
			h := &container.HealthConfig{Test: []string(hc.Test), Interval: dur(hc.Interval), Timeout: dur(hc.Timeout), StartPeriod: dur(hc.StartPeriod)}
			if hc.Retries != nil {
				h.Retries = int(*hc.Retries)
			}
			cfg.Healthcheck = h
		}
	}
	host := &container.HostConfig{
		ReadonlyRootfs: svc.ReadOnly, CapDrop: svc.CapDrop, CapAdd: svc.CapAdd,
		SecurityOpt: svc.SecurityOpt, ExtraHosts: svc.ExtraHosts.AsList(":"), Init: svc.Init,
	}
	if !oneOff && svc.Restart != "" && svc.Restart != "no" {
		host.RestartPolicy = container.RestartPolicy{Name: container.RestartPolicyMode(svc.Restart)}
	}
	if len(svc.Tmpfs) > 0 {
		host.Tmpfs = map[string]string{}
		for _, t := range svc.Tmpfs {
			path, opts, _ := strings.Cut(t, ":")
			host.Tmpfs[path] = opts
		}
	}
	res := container.Resources{Memory: int64(svc.MemLimit), PidsLimit: nil}
	if svc.PidsLimit != 0 {
		pl := svc.PidsLimit
		res.PidsLimit = &pl
	}
	if svc.Deploy != nil && svc.Deploy.Resources.Limits != nil {
		l := svc.Deploy.Resources.Limits
		if l.MemoryBytes > 0 {
			res.Memory = int64(l.MemoryBytes)
		}
		if l.NanoCPUs > 0 {
			res.NanoCPUs = int64(float64(l.NanoCPUs.Value()) * 1e9)
		}
		if l.Pids > 0 {
			pl := l.Pids
			res.PidsLimit = &pl
		}
	}
	host.Resources = res
	for _, v := range svc.Volumes {
		m := mount.Mount{Target: v.Target, ReadOnly: v.ReadOnly}
		switch v.Type {
		case types.VolumeTypeVolume:
			m.Type = mount.TypeVolume
			if v.Source != "" {
				m.Source = p.volumeName(v.Source)
			}
		case types.VolumeTypeBind:
			m.Type, m.Source = mount.TypeBind, absIn(p.P.WorkingDir, v.Source)
		case types.VolumeTypeTmpfs:
			m.Type = mount.TypeTmpfs
		default:
			continue
		}
		host.Mounts = append(host.Mounts, m)
	}
	if len(svc.Ports) > 0 && !oneOff {
		cfg.ExposedPorts = network.PortSet{}
		host.PortBindings = network.PortMap{}
		for _, pc := range svc.Ports {
			proto := pc.Protocol
			if proto == "" {
				proto = "tcp"
			}
			port, err := network.ParsePort(fmt.Sprintf("%d/%s", pc.Target, proto))
			if err != nil {
				return "", fmt.Errorf("service %s: port %d: %w", svc.Name, pc.Target, err)
			}
			cfg.ExposedPorts[port] = struct{}{}
			b := network.PortBinding{HostPort: pc.Published}
			if pc.HostIP != "" {
				if ip, err := netip.ParseAddr(pc.HostIP); err == nil {
					b.HostIP = ip
				}
			}
			host.PortBindings[port] = append(host.PortBindings[port], b)
		}
	}
	nets := serviceNetworks(svc)
	var netCfg *network.NetworkingConfig
	if svc.NetworkMode != "" {
		host.NetworkMode = container.NetworkMode(svc.NetworkMode)
	} else if len(nets) > 0 {
		first := nets[0]
		host.NetworkMode = container.NetworkMode(p.networkName(first))
		netCfg = &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{
			p.networkName(first): p.endpoint(svc, first, name),
		}}
	}
	cr, err := p.C.ContainerCreate(ctx, client.ContainerCreateOptions{Name: name, Config: cfg, HostConfig: host, NetworkingConfig: netCfg})
	if err != nil {
		if cerrdefs.IsNotFound(err) {
			return "", fmt.Errorf("service %s: image %s not found: %w", svc.Name, cfg.Image, err)
		}
		return "", fmt.Errorf("create %s: %w", name, err)
	}
	// The engine takes one network at create time on older API versions;
	// the others are connected before start.
	for _, n := range nets[min(1, len(nets)):] {
		if _, err := p.C.NetworkConnect(ctx, p.networkName(n), client.NetworkConnectOptions{Container: cr.ID, EndpointConfig: p.endpoint(svc, n, name)}); err != nil {
			return "", fmt.Errorf("connect %s to %s: %w", name, n, err)
		}
	}
	return cr.ID, nil
}

func (p *Project) endpoint(svc types.ServiceConfig, key, name string) *network.EndpointSettings {
	aliases := []string{svc.Name, name}
	if c := svc.Networks[key]; c != nil {
		aliases = append(aliases, c.Aliases...)
	}
	return &network.EndpointSettings{Aliases: aliases}
}

// serviceNetworks lists a service's network keys in a stable order.
func serviceNetworks(svc types.ServiceConfig) []string {
	if svc.NetworkMode != "" {
		return nil
	}
	if len(svc.Networks) == 0 {
		return []string{"default"}
	}
	keys := make([]string, 0, len(svc.Networks))
	for k := range svc.Networks {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
