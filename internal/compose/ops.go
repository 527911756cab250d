package compose

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"text/template"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// Down stops and removes the project's containers and networks, and its
// volumes when asked.
func (p *Project) Down(ctx context.Context, volumes bool) error {
	res, err := p.C.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: p.projectFilter()})
	if err != nil {
		return err
	}
	sort.Slice(res.Items, func(i, j int) bool { return res.Items[i].Names[0] < res.Items[j].Names[0] })
	for _, c := range res.Items {
		name := strings.TrimPrefix(c.Names[0], "/")
		t := 2
		_, _ = p.C.ContainerStop(ctx, c.ID, client.ContainerStopOptions{Timeout: &t})
		if _, err := p.C.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true}); err != nil {
			return fmt.Errorf("remove %s: %w", name, err)
		}
		p.progress("Container", name, "Removed")
	}
	nets, err := p.C.NetworkList(ctx, client.NetworkListOptions{Filters: p.projectFilter()})
	if err == nil {
		sort.Slice(nets.Items, func(i, j int) bool { return nets.Items[i].Name < nets.Items[j].Name })
		for _, n := range nets.Items {
			if _, err := p.C.NetworkRemove(ctx, n.ID, client.NetworkRemoveOptions{}); err == nil {
				p.progress("Network", n.Name, "Removed")
			}
		}
	}
	if volumes {
		vs, err := p.C.VolumeList(ctx, client.VolumeListOptions{Filters: p.projectFilter()})
		if err == nil {
			sort.Slice(vs.Items, func(i, j int) bool { return vs.Items[i].Name < vs.Items[j].Name })
			for _, v := range vs.Items {
				if _, err := p.C.VolumeRemove(ctx, v.Name, client.VolumeRemoveOptions{Force: true}); err == nil {
					p.progress("Volume", v.Name, "Removed")
				}
			}
		}
	}
	return nil
}

// psRow is what `ps --format` templates see.
type psRow struct {
	ID, Name, Image, Command, Service, State, Status, Health, Ports string
	ExitCode                                                        int
}

// PS prints the project's containers: a table, IDs only, or a template.
func (p *Project) PS(ctx context.Context, services []string, all, quiet bool, format string) error {
	res, err := p.C.ContainerList(ctx, client.ContainerListOptions{All: all, Filters: p.projectFilter()})
	if err != nil {
		return err
	}
	want := map[string]bool{}
	for _, s := range services {
		want[s] = true
	}
	var rows []psRow
	for _, c := range res.Items {
		svc := c.Labels[LabelService]
		if len(want) > 0 && !want[svc] || c.Labels[LabelOneOff] == "True" {
			continue
		}
		var ports []string
		for _, pt := range c.Ports {
			if pt.PublicPort != 0 {
				ports = append(ports, fmt.Sprintf("%s:%d->%d/%s", pt.IP, pt.PublicPort, pt.PrivatePort, pt.Type))
			} else {
				ports = append(ports, fmt.Sprintf("%d/%s", pt.PrivatePort, pt.Type))
			}
		}
		sort.Strings(ports)
		health := ""
		if i := strings.Index(c.Status, "("); i >= 0 {
			health = strings.Trim(c.Status[i:], "()")
		}
		rows = append(rows, psRow{ID: c.ID, Name: strings.TrimPrefix(c.Names[0], "/"), Image: c.Image, Command: c.Command,
			Service: svc, State: string(c.State), Status: c.Status, Health: health, Ports: strings.Join(ports, ", ")})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Name < rows[j].Name })
	switch {
	case quiet:
		for _, r := range rows {
			fmt.Fprintln(p.Out, r.ID)
		}
	case format != "" && format != "table":
		format = strings.TrimPrefix(format, "table ")
		t, err := template.New("ps").Parse(format)
		if err != nil {
			return fmt.Errorf("--format: %w", err)
		}
		for _, r := range rows {
			var b bytes.Buffer
			if err := t.Execute(&b, r); err != nil {
				return fmt.Errorf("--format: %w", err)
			}
			fmt.Fprintln(p.Out, b.String())
		}
	default:
		tw := tabwriter.NewWriter(p.Out, 0, 0, 3, ' ', 0)
		fmt.Fprintln(tw, "NAME\tIMAGE\tSERVICE\tSTATUS\tPORTS")
		for _, r := range rows {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Name, r.Image, r.Service, r.Status, r.Ports)
		}
		tw.Flush()
	}
	return nil
}

// Logs prints each wanted container's output, prefixed with its name unless
// noPrefix is set.
func (p *Project) Logs(ctx context.Context, services []string, noPrefix bool, tail string) error {
	res, err := p.C.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: p.projectFilter()})
	if err != nil {
		return err
	}
	want := map[string]bool{}
	for _, s := range services {
		want[s] = true
	}
	sort.Slice(res.Items, func(i, j int) bool { return res.Items[i].Names[0] < res.Items[j].Names[0] })
	width := 0
	for _, c := range res.Items {
		width = max(width, len(c.Names[0])-1)
	}
	for _, c := range res.Items {
		if len(want) > 0 && !want[c.Labels[LabelService]] {
			continue
		}
		rc, err := p.C.ContainerLogs(ctx, c.ID, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Tail: tail})
		if err != nil {
			return err
		}
		var out bytes.Buffer
		_, _ = stdcopy.StdCopy(&out, &out, rc)
		rc.Close()
		prefix := ""
		if !noPrefix {
			prefix = fmt.Sprintf("%-*s | ", width, strings.TrimPrefix(c.Names[0], "/"))
		}
		for _, l := range strings.SplitAfter(out.String(), "\n") {
			if l != "" {
				fmt.Fprint(p.Out, prefix+l)
			}
		}
	}
	return nil
}

// Exec runs a command in a service's running container and returns its
// exit code.
func (p *Project) Exec(ctx context.Context, service string, index int, cmd []string, env []string, user, workdir string) (int, error) {
	ids, err := p.serviceContainers(ctx, service, false)
	if err != nil {
		return 0, err
	}
	if index < 1 {
		index = 1
	}
	if len(ids) < index {
		return 0, fmt.Errorf("service %q is not running", service)
	}
	return p.execIn(ctx, ids[index-1], cmd, env, user, workdir)
}

func (p *Project) execIn(ctx context.Context, id string, cmd, env []string, user, workdir string) (int, error) {
	ex, err := p.C.ExecCreate(ctx, id, client.ExecCreateOptions{Cmd: cmd, Env: env, User: user, WorkingDir: workdir,
		AttachStdout: true, AttachStderr: true})
	if err != nil {
		return 0, err
	}
	att, err := p.C.ExecAttach(ctx, ex.ID, client.ExecAttachOptions{})
	if err != nil {
		return 0, err
	}
	_, _ = stdcopy.StdCopy(p.Out, p.Err, att.Reader)
	att.Close()
	for {
		r, err := p.C.ExecInspect(ctx, ex.ID, client.ExecInspectOptions{})
		if err != nil {
			return 0, err
		}
		if !r.Running {
			return r.ExitCode, nil
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Run starts a one-off container for a service (after its dependencies),
// streams its output, and returns its exit code. With rm it is removed.
func (p *Project) Run(ctx context.Context, service string, cmd []string, rm, noDeps bool) (int, error) {
	svc, ok := p.P.Services[service]
	if !ok {
		return 0, fmt.Errorf("no such service: %s", service)
	}
	if !noDeps {
		var deps []string
		for d := range svc.DependsOn {
			deps = append(deps, d)
		}
		if len(deps) > 0 {
			if err := p.Up(ctx, UpOptions{Services: deps}); err != nil {
				return 0, err
			}
		}
		if err := p.waitDeps(ctx, svc); err != nil {
			return 0, err
		}
	} else if err := p.ensureNetworks(ctx, []types.ServiceConfig{svc}); err != nil {
		return 0, err
	}
	if err := p.ensureVolumes(ctx); err != nil {
		return 0, err
	}
	if err := p.buildAll(ctx, []types.ServiceConfig{svc}, false); err != nil {
		return 0, err
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := fmt.Sprintf("%s-%s-run-%s", p.P.Name, service, hex.EncodeToString(b))
	if len(cmd) == 0 {
		cmd = nil
	}
	id, err := p.create(ctx, svc, name, 1, true, cmd)
	if err != nil {
		return 0, err
	}
	if rm {
		defer func() {
			cctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			_, _ = p.C.ContainerRemove(cctx, id, client.ContainerRemoveOptions{Force: true})
		}()
	}
	att, err := p.C.ContainerAttach(ctx, id, client.ContainerAttachOptions{Stream: true, Stdout: true, Stderr: true})
	if err != nil {
		return 0, err
	}
	defer att.Close()
	wait := p.C.ContainerWait(ctx, id, client.ContainerWaitOptions{Condition: container.WaitConditionNextExit})
	if _, err := p.C.ContainerStart(ctx, id, client.ContainerStartOptions{}); err != nil {
		return 0, fmt.Errorf("start %s: %w", name, err)
	}
	done := make(chan struct{})
	go func() {
		_, _ = stdcopy.StdCopy(p.Out, p.Err, att.Reader)
		close(done)
	}()
	select {
	case r := <-wait.Result:
		<-done
		return int(r.StatusCode), nil
	case err := <-wait.Error:
		return 0, err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// Attached runs `up` in the foreground: it streams every container's output
// until one exits, then stops the rest. The exit code is that of exitFrom's
// container, or of the first to exit.
func (p *Project) Attached(ctx context.Context, o UpOptions, exitFrom string) (int, error) {
	if err := p.Up(ctx, o); err != nil {
		return 0, err
	}
	res, err := p.C.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: p.projectFilter()})
	if err != nil {
		return 0, err
	}
	type exit struct {
		svc  string
		code int
	}
	exits := make(chan exit, len(res.Items))
	for _, c := range res.Items {
		c := c
		go func() {
			w := p.C.ContainerWait(ctx, c.ID, client.ContainerWaitOptions{Condition: container.WaitConditionNotRunning})
			select {
			case r := <-w.Result:
				exits <- exit{c.Labels[LabelService], int(r.StatusCode)}
			case <-w.Error:
			case <-ctx.Done():
			}
		}()
	}
	var code int
	for {
		select {
		case e := <-exits:
			if exitFrom == "" || e.svc == exitFrom {
				code = e.code
				goto stop
			}
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
stop:
	_ = p.Logs(ctx, nil, false, "")
	for _, c := range res.Items {
		t := 2
		_, _ = p.C.ContainerStop(ctx, c.ID, client.ContainerStopOptions{Timeout: &t})
	}
	fmt.Fprintf(p.Err, "Aborting on container exit...\n")
	return code, nil
}

// Restart restarts the given services' containers (all when none given).
func (p *Project) Restart(ctx context.Context, services []string) error {
	if len(services) == 0 {
		services = p.P.ServiceNames()
		sort.Strings(services)
	}
	for _, s := range services {
		ids, err := p.serviceContainers(ctx, s, false)
		if err != nil {
			return err
		}
		for _, id := range ids {
			t := 5
			if _, err := p.C.ContainerRestart(ctx, id, client.ContainerRestartOptions{Timeout: &t}); err != nil {
				return err
			}
			p.progress("Container", shortID(id), "Restarted")
		}
	}
	return nil
}

// Config prints the project as Compose's canonical YAML, or just the
// service names.
func (p *Project) Config(w io.Writer, servicesOnly bool) error {
	if servicesOnly {
		names := p.P.ServiceNames()
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintln(w, n)
		}
		return nil
	}
	b, err := p.P.MarshalYAML()
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}
