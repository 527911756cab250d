package cli

import (
	"context"
	"encoding/json"
	"errors"

	"fmt"
	"os"

	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/client"

	"github.com/shipshape/shipshape/internal/compose"
	"github.com/shipshape/shipshape/internal/runner"
)

// PluginName is the name under which shipshape serves as the docker CLI's
// Compose plugin inside page sessions.
const PluginName = "docker-compose"

// Args turns a process's argv into Main's arguments. Called as the docker
// CLI plugin "docker-compose", it answers the plugin protocol and runs the
// compose command.
func Args(argv []string) []string {
	if len(argv) == 0 {
		return nil
	}
	if filepath.Base(argv[0]) != PluginName {
		return argv[1:]
	}
	rest := argv[1:]
	if len(rest) > 0 && rest[0] == "docker-cli-plugin-metadata" {
		return []string{"compose-plugin-metadata"}
	}
	if len(rest) > 0 && rest[0] == "compose" {
		rest = rest[1:]
	}
	return append([]string{"compose"}, rest...)
}

func runPluginMetadata(ctx context.Context, e *env, args []string) error {
	return json.NewEncoder(e.stdout).Encode(map[string]string{
		"SchemaVersion":    "0.1.0",
		"Vendor":           "shipshape",
		"Version":          Version,
		"ShortDescription": "Compose, as run inside shipshape's page sessions",
	})
}

// composePlugin is the host path of this executable, which serves as the
// Compose plugin inside page sessions when called docker-compose (see Args;
// this package's test binary answers to that name too).
func composePlugin() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	if p, err := filepath.EvalSymlinks(exe); err == nil {
		exe = p
	}
	return exe
}

// exitStatus is an error that carries a command's own exit code (compose
// exec and run pass through the exit code of what they ran).
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// strs is a repeatable string flag.
type strs []string

func (s *strs) String() string     { return strings.Join(*s, ",") }
func (s *strs) Set(v string) error { *s = append(*s, v); return nil }

func runCompose(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "compose", "[-f FILE]... [-p NAME] [--profile P]... COMMAND [ARGS]")
	var files, profiles strs
	fs.Var(&files, "f", "Compose file (repeatable; default compose.yaml and compose.override.yaml)")
	fs.Var(&files, "file", "same as -f")
	fs.Var(&profiles, "profile", "enable a profile (repeatable)")
	name := fs.String("p", "", "project name (default: the name in the file, else the folder's)")
	fs.StringVar(name, "project-name", "", "same as -p")
	dir := fs.String("project-directory", "", "working folder (default: the current one)")
	if err := parse(fs, args); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) == 0 {
		fs.Usage()
		return fmt.Errorf("%w: compose needs a command: up, down, ps, logs, exec, run, restart, config, build", errUsage)
	}
	wd := *dir
	if wd == "" && e.dir != "." {
		wd = e.dir
	}
	p, err := compose.Load(ctx, compose.Options{Dir: wd, Files: files, Name: *name, Profiles: profiles})
	if err != nil {
		return err
	}
	cmd, cargs := rest[0], rest[1:]
	if cmd == "config" {
		cfs := flags(e, "compose config", "[--services]")
		services := cfs.Bool("services", false, "print the service names, one a line")
		_ = cfs.Bool("q", false, "only validate")
		if err := parse(cfs, cargs); err != nil {
			return err
		}
		if cfs.Lookup("q").Value.String() == "true" {
			return nil
		}
		return (&compose.Project{P: p, Out: e.stdout, Err: e.stderr}).Config(e.stdout, *services)
	}
	c, err := client.New(client.FromEnv)
	if err != nil {
		return fmt.Errorf("%w: %v", runner.ErrNoEngine, err)
	}
	defer c.Close()
	proj := &compose.Project{P: p, C: c, Out: e.stdout, Err: e.stderr}
	switch cmd {
	case "up":
		return composeUp(ctx, e, proj, cargs)
	case "down":
		cfs := flags(e, "compose down", "[-v]")
		v := cfs.Bool("v", false, "also remove the project's named volumes")
		cfs.BoolVar(v, "volumes", false, "same as -v")
		_ = cfs.Bool("remove-orphans", false, "accepted; every container of the project is removed")
		_ = cfs.Int("t", 2, "seconds to wait for a container to stop")
		if err := parse(cfs, cargs); err != nil {
			return err
		}
		return proj.Down(ctx, *v)
	case "ps":
		cfs := flags(e, "compose ps", "[-q] [-a] [--format F] [SERVICE...]")
		q := cfs.Bool("q", false, "only IDs")
		cfs.BoolVar(q, "quiet", false, "same as -q")
		all := cfs.Bool("a", false, "also stopped containers")
		cfs.BoolVar(all, "all", false, "same as -a")
		services := cfs.Bool("services", false, "print the services")
		format := cfs.String("format", "", "Go template, as docker compose ps --format")
		if err := parse(cfs, cargs); err != nil {
			return err
		}
		if *services {
			return proj.Config(e.stdout, true)
		}
		return proj.PS(ctx, cfs.Args(), *all, *q, *format)
	case "logs":
		cfs := flags(e, "compose logs", "[--no-log-prefix] [--tail N] [SERVICE...]")
		noPrefix := cfs.Bool("no-log-prefix", false, "do not prefix lines with the container name")
		tail := cfs.String("tail", "all", "lines from the end of each log")
		_ = cfs.Bool("f", false, "accepted; logs are printed up to now")
		_ = cfs.Bool("follow", false, "same as -f")
		_ = cfs.Bool("t", false, "accepted")
		if err := parse(cfs, cargs); err != nil {
			return err
		}
		return proj.Logs(ctx, cfs.Args(), *noPrefix, *tail)
	case "exec":
		cfs := flags(e, "compose exec", "[-T] [-e K=V] [-u USER] [-w DIR] SERVICE COMMAND...")
		var envs strs
		cfs.Var(&envs, "e", "environment variable")
		user := cfs.String("u", "", "user")
		wdir := cfs.String("w", "", "working folder")
		index := cfs.Int("index", 1, "which container of the service")
		for _, f := range []string{"T", "i", "t", "it", "d"} {
			_ = cfs.Bool(f, false, "accepted; no terminal is attached")
		}
		if err := parse(cfs, cargs); err != nil {
			return err
		}
		a := cfs.Args()
		if len(a) < 2 {
			return fmt.Errorf("%w: compose exec needs a service and a command", errUsage)
		}
		code, err := proj.Exec(ctx, a[0], *index, a[1:], envs, *user, *wdir)
		if err != nil {
			return err
		}
		if code != 0 {
			return exitStatus(code)
		}
		return nil
	case "run":
		cfs := flags(e, "compose run", "[--rm] [--no-deps] SERVICE [COMMAND...]")
		rm := cfs.Bool("rm", false, "remove the container when it exits")
		noDeps := cfs.Bool("no-deps", false, "do not start the service's dependencies")
		for _, f := range []string{"T", "i", "t", "it", "d"} {
			_ = cfs.Bool(f, false, "accepted; no terminal is attached")
		}
		if err := parse(cfs, cargs); err != nil {
			return err
		}
		a := cfs.Args()
		if len(a) < 1 {
			return fmt.Errorf("%w: compose run needs a service", errUsage)
		}
		code, err := proj.Run(ctx, a[0], a[1:], *rm, *noDeps)
		if err != nil {
			return err
		}
		if code != 0 {
			return exitStatus(code)
		}
		return nil
	case "restart":
		cfs := flags(e, "compose restart", "[SERVICE...]")
		if err := parse(cfs, cargs); err != nil {
			return err
		}
		return proj.Restart(ctx, cfs.Args())
	case "build":
		cfs := flags(e, "compose build", "[SERVICE...]")
		if err := parse(cfs, cargs); err != nil {
			return err
		}
		names := cfs.Args()
		if len(names) == 0 {
			names = p.ServiceNames()
		}
		for _, n := range names {
			s, ok := p.Services[n]
			if !ok {
				return fmt.Errorf("no such service: %s", n)
			}
			if s.Build != nil {
				if err := proj.Build(ctx, s); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return fmt.Errorf("%w: compose %s is not supported here (up, down, ps, logs, exec, run, restart, config, build are)", errUsage, cmd)
}

func composeUp(ctx context.Context, e *env, proj *compose.Project, args []string) error {
	cfs := flags(e, "compose up", "[-d] [--build] [--wait] [--scale SVC=N]... [SERVICE...]")
	detach := cfs.Bool("d", false, "run in the background")
	cfs.BoolVar(detach, "detach", false, "same as -d")
	build := cfs.Bool("build", false, "build images before starting")
	wait := cfs.Bool("wait", false, "wait until services are running and healthy (implies -d)")
	waitTimeout := cfs.Int("wait-timeout", 300, "seconds --wait waits")
	abort := cfs.Bool("abort-on-container-exit", false, "stop everything when a container exits")
	exitFrom := cfs.String("exit-code-from", "", "return this service's exit code (implies --abort-on-container-exit)")
	noDeps := cfs.Bool("no-deps", false, "do not start linked services")
	var scales strs
	cfs.Var(&scales, "scale", "SERVICE=N containers")
	for _, f := range []string{"remove-orphans", "quiet-pull", "force-recreate", "no-recreate"} {
		_ = cfs.Bool(f, false, "accepted")
	}
	if err := parse(cfs, args); err != nil {
		return err
	}
	o := compose.UpOptions{Services: cfs.Args(), Build: *build, Wait: *wait, NoDeps: *noDeps,
		WaitTimeout: time.Duration(*waitTimeout) * time.Second, Scale: map[string]int{}}
	for _, s := range scales {
		k, v, ok := strings.Cut(s, "=")
		n, err := strconv.Atoi(v)
		if !ok || err != nil || n < 0 {
			return fmt.Errorf("%w: --scale %q: want SERVICE=N", errUsage, s)
		}
		o.Scale[k] = n
	}
	if *detach || *wait {
		return proj.Up(ctx, o)
	}
	if !*abort && *exitFrom == "" {
		return errors.New("compose up without -d would follow logs forever; use -d, --wait or --abort-on-container-exit")
	}
	code, err := proj.Attached(ctx, o, *exitFrom)
	if err != nil {
		return err
	}
	if code != 0 {
		return exitStatus(code)
	}
	return nil
}
