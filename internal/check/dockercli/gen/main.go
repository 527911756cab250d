// Command gen walks the real docker CLI command tree (github.com/docker/cli,
// with the Compose v5 tree mounted as `docker compose` and the buildx tree as
// `docker buildx`) and writes it as the JSON grammar that package dockercli
// embeds. It lives in its own module so
// that the main module never compiles docker/cli.
//
// Usage, from this folder: go run . > ../spec.json
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"strings"

	buildx "github.com/docker/buildx/commands"
	"github.com/docker/cli/cli"
	"github.com/docker/cli/cli/command"
	"github.com/docker/cli/cli/command/commands"
	compose "github.com/docker/compose/v5/cmd/compose"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// The types mirror internal/check/dockercli/spec.go; keep them in step.
type spec struct {
	Source string `json:"source"`
	Root   *cmd   `json:"root"`
}

type cmd struct {
	Name        string          `json:"name"`
	Aliases     []string        `json:"aliases,omitempty"`
	Runnable    bool            `json:"runnable,omitempty"`
	Deprecated  string          `json:"deprecated,omitempty"`
	Hidden      bool            `json:"hidden,omitempty"`
	MinArgs     int             `json:"minArgs"`
	MaxArgs     int             `json:"maxArgs"` // -1: no limit
	NoFlags     bool            `json:"noFlagParsing,omitempty"`
	StopAtArg   bool            `json:"stopAtFirstArg,omitempty"` // flags end at the first argument (run, exec)
	Flags       []flag          `json:"flags,omitempty"`
	Subcommands map[string]*cmd `json:"commands,omitempty"`
}

type flag struct {
	Name       string `json:"name"`
	Short      string `json:"short,omitempty"`
	Type       string `json:"type"`
	NoOpt      string `json:"noOpt,omitempty"` // value when given without one (bools: "true")
	Persistent bool   `json:"persistent,omitempty"`
	Deprecated string `json:"deprecated,omitempty"`
	Hidden     bool   `json:"hidden,omitempty"`
}

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

// newRoot builds a fresh tree; pflag keeps parse state, so every probe
// that parses gets its own.
func newRoot() (*cobra.Command, error) {
	dockerCli, err := command.NewDockerCli(command.WithCombinedStreams(io.Discard))
	if err != nil {
		return nil, err
	}
	root := &cobra.Command{Use: "docker", SilenceUsage: true, SilenceErrors: true, TraverseChildren: true}
	cli.SetupRootCommand(root)
	// cmd/docker's newDockerCommand adds -v/--version to its root, not
	// SetupRootCommand; without it `docker --version` read as unknown.
	root.Flags().BoolP("version", "v", false, "Print version information and quit")
	commands.AddCommands(root, dockerCli)
	c := compose.RootCommand(dockerCli, &compose.BackendOptions{})
	c.Use = "compose"
	root.AddCommand(c)
	root.AddCommand(buildx.NewRootCmd("buildx", true, dockerCli))
	return root, nil
}

func run(w io.Writer) error {
	// buildx registers its experimental commands (debug, dap...) only
	// with this set; they are real commands readers may be shown.
	os.Setenv("BUILDX_EXPERIMENTAL", "1")
	root, err := newRoot()
	if err != nil {
		return err
	}
	s := spec{Source: source(), Root: walk(root, nil)}
	if err := mergeBuildx(s.Root); err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(s)
}

func source() string {
	parts := []string{}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			switch d.Path {
			case "github.com/docker/cli", "github.com/docker/compose/v5", "github.com/docker/buildx":
				parts = append(parts, d.Path+"@"+d.Version)
			}
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

func walk(c *cobra.Command, path []string) *cmd {
	out := &cmd{
		Name: c.Name(), Aliases: c.Aliases, Runnable: c.Runnable(), Deprecated: c.Deprecated,
		Hidden: c.Hidden, NoFlags: c.DisableFlagParsing,
	}
	out.MinArgs, out.MaxArgs = probeArgs(path)
	out.StopAtArg = probeInterspersed(path)
	persistent := map[string]bool{}
	c.PersistentFlags().VisitAll(func(f *pflag.Flag) { persistent[f.Name] = true })
	c.LocalFlags().VisitAll(func(f *pflag.Flag) {
		out.Flags = append(out.Flags, flag{
			Name: f.Name, Short: f.Shorthand, Type: f.Value.Type(), NoOpt: f.NoOptDefVal,
			Persistent: persistent[f.Name], Deprecated: f.Deprecated, Hidden: f.Hidden,
		})
	})
	// LocalFlags leaves out persistent flags on the root; add them.
	if len(path) == 0 {
		c.PersistentFlags().VisitAll(func(f *pflag.Flag) {
			for _, have := range out.Flags {
				if have.Name == f.Name {
					return
				}
			}
			out.Flags = append(out.Flags, flag{Name: f.Name, Short: f.Shorthand, Type: f.Value.Type(),
				NoOpt: f.NoOptDefVal, Persistent: true, Deprecated: f.Deprecated, Hidden: f.Hidden})
		})
	}
	sort.Slice(out.Flags, func(i, j int) bool { return out.Flags[i].Name < out.Flags[j].Name })
	for _, sub := range c.Commands() {
		if sub.Name() == "help" || sub.Name() == "completion" {
			continue
		}
		if out.Subcommands == nil {
			out.Subcommands = map[string]*cmd{}
		}
		out.Subcommands[sub.Name()] = walk(sub, append(append([]string(nil), path...), sub.Name()))
	}
	return out
}

// find looks a path up in a fresh tree.
func find(path []string) *cobra.Command {
	root, err := newRoot()
	if err != nil {
		panic(err)
	}
	c := root
	for _, p := range path {
		var next *cobra.Command
		for _, s := range c.Commands() {
			if s.Name() == p {
				next = s
			}
		}
		if next == nil {
			panic("lost " + strings.Join(path, " "))
		}
		c = next
	}
	return c
}

// probeArgs finds the argument counts cmd.Args accepts by trying 0..8.
func probeArgs(path []string) (min, max int) {
	const limit = 8
	c := find(path)
	min, max = -1, -1
	last := -1
	for n := 0; n <= limit; n++ {
		args := make([]string, n)
		for i := range args {
			args[i] = fmt.Sprintf("arg%d", i)
		}
		if c.ValidateArgs(args) == nil {
			if min < 0 {
				min = n
			}
			last = n
		}
	}
	if min < 0 {
		return 0, -1
	}
	if last == limit {
		return min, -1
	}
	return min, last
}

// probeInterspersed reports whether flags stop at the first argument, as in
// `docker run IMAGE --flag-for-the-container`.
func probeInterspersed(path []string) bool {
	c := find(path)
	if c.DisableFlagParsing {
		return false
	}
	err := c.ParseFlags([]string{"arg0", "--shipshape-probe-unknown"})
	return err == nil
}

// mergeBuildx gives the commands the docker CLI hands to buildx when it is
// installed (build, image build, builder build, and every builder
// subcommand) the union of the classic grammar and buildx's. Which of the
// two runs depends on the reader's machine (buildx installed,
// DOCKER_BUILDKIT=0), so a line that either accepts is not an error.
func mergeBuildx(root *cmd) error {
	bx := root.Subcommands["buildx"]
	if bx == nil || bx.Subcommands["build"] == nil {
		return fmt.Errorf("no buildx build in the tree")
	}
	for _, path := range [][]string{{"build"}, {"image", "build"}, {"builder", "build"}} {
		c := root
		for _, p := range path {
			if c = c.Subcommands[p]; c == nil {
				return fmt.Errorf("no docker %s in the tree", strings.Join(path, " "))
			}
		}
		merge(c, bx.Subcommands["build"])
	}
	builder := root.Subcommands["builder"]
	// buildx's own persistent flags (--builder, --debug) reach every
	// subcommand through `docker builder` as through `docker buildx`.
	merge(builder, bx)
	for name, sub := range bx.Subcommands {
		if have := builder.Subcommands[name]; have != nil {
			merge(have, sub)
			continue
		}
		builder.Subcommands[name] = sub
	}
	return nil
}

// merge adds to a the flags of b it lacks, and widens its argument counts
// to take what either takes. A shorthand a already gives another flag
// stays a's.
func merge(a, b *cmd) {
	names, shorts := map[string]bool{}, map[string]bool{}
	for _, f := range a.Flags {
		names[f.Name] = true
		if f.Short != "" {
			shorts[f.Short] = true
		}
	}
	for _, f := range b.Flags {
		if names[f.Name] {
			continue
		}
		if shorts[f.Short] {
			f.Short = ""
		}
		a.Flags = append(a.Flags, f)
	}
	sort.Slice(a.Flags, func(i, j int) bool { return a.Flags[i].Name < a.Flags[j].Name })
	a.MinArgs = min(a.MinArgs, b.MinArgs)
	if a.MaxArgs >= 0 && (b.MaxArgs < 0 || b.MaxArgs > a.MaxArgs) {
		a.MaxArgs = b.MaxArgs
	}
	a.Runnable = a.Runnable || b.Runnable
}
