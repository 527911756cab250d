// Package config holds the site configuration and every default, in one place.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// FileName is the configuration file looked for at the site root.
const FileName = "shipshape.toml"

// Config is the whole site configuration. Zero values are replaced by
// Default's values when loaded.
type Config struct {
	Title       string `toml:"title"`
	Description string `toml:"description"`
	BaseURL     string `toml:"base_url"`
	RepoURL     string `toml:"repo_url"`
	EditBranch  string `toml:"edit_branch"`
	Theme       string `toml:"theme"`
	Source      string `toml:"source"`
	Out         string `toml:"out"`
	Examples    string `toml:"examples"`

	// Root is the folder the config was read from; paths are relative to it.
	Root string `toml:"-"`

	Verify Verify `toml:"verify"`

	// Images maps image references written in the docs to local images, for
	// machines without a registry. A key may end in ":*" to match any tag.
	Images map[string]string `toml:"images"`
}

// Verify holds the defaults for running examples.
type Verify struct {
	Image   string   `toml:"image"`
	Timeout Duration `toml:"timeout"`
	// BuildTimeout bounds one {build} block's image build.
	BuildTimeout Duration `toml:"build_timeout"`
	Memory       string   `toml:"memory"`
	Pids         int64    `toml:"pids"`
	CPUs         float64  `toml:"cpus"`
	OutputLimit  int      `toml:"output_limit"`
	Jobs         int      `toml:"jobs"`
	Results      string   `toml:"results"`
	AllowSocket  bool     `toml:"allow_docker_socket"`
	// AllowHost lets pages with network=bridge start where no firewall
	// rule can keep their containers from the engine host's own addresses
	// (shipshape not root, or the engine on another machine), and lets
	// their builds ADD public URLs and examples pull from registries
	// beyond the public ones, which the engine reaches from its host's
	// network and where an address or a redirect can be the host's own.
	AllowHost    bool   `toml:"allow_host"`
	Pull         string `toml:"pull"`
	SessionImage string `toml:"session_image"`
}

// Duration is a time.Duration written as "60s" in the file.
type Duration struct{ time.Duration }

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	d.Duration = v
	return nil
}

// MarshalText writes the duration as a Go duration string.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// Defaults that code outside a loaded Config falls back on: a runner given
// zero limits, a block that names no image for its kind.
const (
	// Timeout bounds one run of an example ([verify] timeout).
	Timeout = 60 * time.Second
	// BuildTimeout bounds one {build} block's image build ([verify] build_timeout).
	BuildTimeout = 5 * time.Minute
	// Disk bounds what one container writes to its layer.
	Disk = 64 << 20
	// PageDisk bounds what a page session writes in all: its containers'
	// layers and its volumes, the session's own included.
	PageDisk = 512 << 20
	// DiskFloor is the free space on the engine's disk below which page
	// sessions are stopped (or a twentieth of the disk, if less): what
	// builds write is not counted in any page's budget, so this is what
	// keeps them from filling the disk.
	DiskFloor = 1 << 30
	// PythonImage runs and compiles Python blocks that name no image.
	PythonImage = "python:3"
	// NginxImage tests nginx blocks that name no image.
	NginxImage = "nginx"
)

// Default returns the configuration used when no file says otherwise.
func Default() Config {
	return Config{
		Title:      "Documentation",
		Theme:      "default",
		Source:     "content",
		Out:        "public",
		Examples:   "examples",
		EditBranch: "main",
		Root:       ".",
		Verify: Verify{
			Image:        "busybox",
			Timeout:      Duration{Timeout},
			BuildTimeout: Duration{BuildTimeout},
			Memory:       "512m",
			Pids:         512,
			CPUs:         1,
			OutputLimit:  64 << 10,
			Jobs:         defaultJobs(runtime.NumCPU(), memTotal()),
			Results:      ".shipshape-results.json",
			Pull:         "missing",
			SessionImage: "shipshape/docker-cli:latest",
		},
		Images: map[string]string{},
	}
}

// defaultJobs is how many pages verify at once: throughput stops rising at
// about twice the cores, and a page holds at most three times the memory
// limit (512 MB): its session once, and its containers twice together
// (where the engine nests cgroups, see runner.NestsPages), so at most one
// job per 1.5 GiB of memory.
func defaultJobs(cpus int, mem int64) int {
	n := min(cpus*2, 8)
	if mem > 0 {
		n = min(n, int(mem/(3<<29)))
	}
	return max(n, 1)
}

// memTotal reads the machine's memory from /proc/meminfo; 0 if unknown.
func memTotal() int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		var kb int64
		if _, err := fmt.Sscanf(l, "MemTotal: %d kB", &kb); err == nil {
			return kb << 10
		}
	}
	return 0
}

// Load reads FileName from dir, or returns Default if there is none. Errors
// name the file and, where the TOML decoder knows it, the line.
func Load(dir string) (Config, error) {
	c := Default()
	c.Root = dir
	p := filepath.Join(dir, FileName)
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("read config: %w", err)
	}
	md, err := toml.Decode(string(b), &c)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return c, fmt.Errorf("%s:%d: %s", p, pe.Position.Line, pe.Message)
		}
		return c, fmt.Errorf("%s: %w", p, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		sort.Strings(keys)
		return c, fmt.Errorf("%s: unknown keys: %s", p, strings.Join(keys, ", "))
	}
	if c.Images == nil {
		c.Images = map[string]string{}
	}
	return c, nil
}

// Path resolves a configured path against the config's root.
func (c Config) Path(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.Root, p)
}

// ReadFile reads a file of the project by its slash path relative to Root,
// for {include=PATH} blocks.
func (c Config) ReadFile(rel string) ([]byte, error) {
	return os.ReadFile(filepath.Join(c.Root, filepath.FromSlash(rel)))
}

// MapImage returns the local image to run for a reference written in the
// docs: an exact key first, then "name:*" for any tag, then the reference
// itself. A reference with no tag also matches the key "name:latest". The
// tag is what follows a colon after the last slash: a colon before it is a
// registry's port, so busybox:5000/x is no tag of busybox (read as one, it
// passed as a mapped image and its registry was never judged).
func (c Config) MapImage(ref string) string {
	if ref == "" {
		ref = c.Verify.Image
	}
	if v, ok := c.Images[ref]; ok {
		return v
	}
	name, hasTag := ref, false
	slash := strings.LastIndex(ref, "/")
	if i := strings.Index(ref[slash+1:], ":"); i >= 0 {
		name, hasTag = ref[:slash+1+i], true
	}
	if strings.Contains(path.Base(ref), "@") {
		name, _, _ = strings.Cut(ref, "@")
	}
	if !hasTag {
		if v, ok := c.Images[ref+":latest"]; ok {
			return v
		}
	}
	if v, ok := c.Images[name+":*"]; ok {
		return v
	}
	if v, ok := c.Images[name]; ok {
		return v
	}
	return ref
}
