// Package compose brings a Compose project up and down through the Engine
// API, with compose-go (the library `docker compose` itself uses) reading the
// files. It is what `docker compose` runs inside a page session, where no
// Compose plugin is installed.
package compose

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/moby/client"
)

// Labels Compose puts on what it creates; `docker compose` finds a project's
// containers, networks and volumes by them, and so do we.
const (
	LabelProject = "com.docker.compose.project"
	LabelService = "com.docker.compose.service"
	LabelNumber  = "com.docker.compose.container-number"
	LabelOneOff  = "com.docker.compose.oneoff"
	LabelNetwork = "com.docker.compose.network"
	LabelVolume  = "com.docker.compose.volume"
	LabelWorkDir = "com.docker.compose.project.working_dir"
)

// Options select the project, as `docker compose -f … -p … --profile …` do.
type Options struct {
	Dir      string   // working folder; default the current one
	Files    []string // -f; default compose.yaml and its override
	Name     string   // -p
	Profiles []string // --profile
	Env      []string // extra environment, "K=V"
}

// Load reads the project the way `docker compose` would: default file names,
// compose.override.yaml, .env, the process environment and profiles.
func Load(ctx context.Context, o Options) (*types.Project, error) {
	dir := o.Dir
	if dir == "" {
		var err error
		if dir, err = os.Getwd(); err != nil {
			return nil, err
		}
	}
	opts := []cli.ProjectOptionsFn{
		cli.WithWorkingDirectory(dir),
		cli.WithOsEnv,
		cli.WithEnv(o.Env),
		cli.WithDotEnv,
		cli.WithConfigFileEnv,
		cli.WithDefaultConfigPath,
		cli.WithProfiles(o.Profiles),
	}
	if o.Name != "" {
		opts = append(opts, cli.WithName(o.Name))
	}
	po, err := cli.NewProjectOptions(o.Files, opts...)
	if err != nil {
		return nil, err
	}
	p, err := po.LoadProject(ctx)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Project is a loaded project bound to an engine, writing progress lines
// like `docker compose` does.
type Project struct {
	P   *types.Project
	C   *client.Client
	Out io.Writer // command output (ps, logs, exec)
	Err io.Writer // progress
}

func (p *Project) progress(kind, name, what string) {
	fmt.Fprintf(p.Err, " %s %s  %s\n", kind, name, what)
}

func (p *Project) projectFilter() client.Filters {
	return make(client.Filters).Add("label", LabelProject+"="+p.P.Name)
}

// networkName is the engine name of a project network.
func (p *Project) networkName(key string) string {
	if n, ok := p.P.Networks[key]; ok && n.Name != "" {
		return n.Name
	}
	return p.P.Name + "_" + key
}

// volumeName is the engine name of a project volume.
func (p *Project) volumeName(key string) string {
	if v, ok := p.P.Volumes[key]; ok && v.Name != "" {
		return v.Name
	}
	return p.P.Name + "_" + key
}

func (p *Project) containerName(svc types.ServiceConfig, n int) string {
	if svc.ContainerName != "" {
		return svc.ContainerName
	}
	return fmt.Sprintf("%s-%s-%d", p.P.Name, svc.Name, n)
}

// imageName is what a service runs: its image, or the one its build makes.
func (p *Project) imageName(svc types.ServiceConfig) string {
	if svc.Image != "" {
		return svc.Image
	}
	return p.P.Name + "-" + svc.Name
}

// replicas is how many containers a service wants.
func replicas(svc types.ServiceConfig, scale map[string]int) int {
	if n, ok := scale[svc.Name]; ok {
		return n
	}
	if svc.Scale != nil {
		return *svc.Scale
	}
	if svc.Deploy != nil && svc.Deploy.Replicas != nil {
		return *svc.Deploy.Replicas
	}
	return 1
}

// order sorts services so that each comes after what it depends on. A cycle
// is an error naming the services in it.
func order(p *types.Project, only []string) ([]types.ServiceConfig, error) {
	want := map[string]bool{}
	var add func(name string) error
	add = func(name string) error {
		if want[name] {
			return nil
		}
		svc, ok := p.Services[name]
		if !ok {
			return fmt.Errorf("no such service: %s", name)
		}
		want[name] = true
		for dep := range svc.DependsOn {
			if _, ok := p.Services[dep]; !ok {
				if svc.DependsOn[dep].Required {
					return fmt.Errorf("service %q depends on undefined service %q", name, dep)
				}
				continue
			}
			if err := add(dep); err != nil {
				return err
			}
		}
		return nil
	}
	if len(only) == 0 {
		for name := range p.Services {
			only = append(only, name)
		}
	}
	sort.Strings(only)
	for _, name := range only {
		if err := add(name); err != nil {
			return nil, err
		}
	}
	var out []types.ServiceConfig
	done := map[string]bool{}
	visiting := map[string]bool{}
	var visit func(name string) error
	visit = func(name string) error {
		if done[name] {
			return nil
		}
		if visiting[name] {
			return fmt.Errorf("dependency cycle through service %q", name)
		}
		visiting[name] = true
		svc := p.Services[name]
		deps := make([]string, 0, len(svc.DependsOn))
		for d := range svc.DependsOn {
			if want[d] {
				deps = append(deps, d)
			}
		}
		sort.Strings(deps)
		for _, d := range deps {
			if err := visit(d); err != nil {
				return err
			}
		}
		visiting[name] = false
		done[name] = true
		out = append(out, svc)
		return nil
	}
	names := make([]string, 0, len(want))
	for n := range want {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := visit(n); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func envList(m types.MappingWithEquals) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		if v := m[k]; v != nil {
			out = append(out, k+"="+*v)
		}
	}
	return out
}

func dur(d *types.Duration) time.Duration {
	if d == nil {
		return 0
	}
	return time.Duration(*d)
}

func absIn(dir, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

func shortID(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
