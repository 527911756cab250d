package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDefaultJobs(t *testing.T) {
	for _, tt := range []struct {
		cpus int
		mem  int64
		want int
	}{
		{2, 24 << 30, 4},
		{16, 64 << 30, 8},
		{8, 2 << 30, 1},
		{4, 6 << 30, 4},
		{8, 7 << 30, 4},
		{1, 256 << 20, 1},
		{4, 0, 8},
	} {
		if got := defaultJobs(tt.cpus, tt.mem); got != tt.want {
			t.Errorf("defaultJobs(%d cpus, %d MiB) = %d, want %d", tt.cpus, tt.mem>>20, got, tt.want)
		}
	}
}

func TestMapImage(t *testing.T) {
	c := Default()
	c.Images = map[string]string{"busybox:*": "local/busybox", "python:3.12-slim": "local/py312", "nginx": "local/nginx"}
	for ref, want := range map[string]string{
		"busybox:1.36":     "local/busybox",
		"busybox":          "local/busybox",
		"python:3.12-slim": "local/py312",
		"python:3.11":      "python:3.11",
		"nginx:1.25":       "local/nginx",
		"":                 "local/busybox", // the default image, mapped
		// A colon before a slash is a registry's port, not a tag.
		"busybox:5000/x":                            "busybox:5000/x",
		"busybox:5000/busybox:1":                    "busybox:5000/busybox:1",
		"nginx:80/nginx":                            "nginx:80/nginx",
		"busybox@sha256:" + strings.Repeat("a", 64): "local/busybox",
	} {
		if got := c.MapImage(ref); got != want {
			t.Errorf("MapImage(%q) = %q, want %q", ref, got, want)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	for name, tt := range map[string]struct{ src, want string }{
		"syntax":      {"title = \"x\n", "shipshape.toml:1"},
		"unknown key": {"titel = \"x\"\n", "unknown keys: titel"},
		"bad timeout": {"[verify]\ntimeout = \"soon\"\n", "shipshape.toml"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, FileName), []byte(tt.src), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Load(dir)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load(%q) error = %v, want it to mention %q", tt.src, err, tt.want)
			}
		})
	}
	c, err := Load(t.TempDir())
	if err != nil || c.Source != "content" || c.Verify.Timeout.Seconds() != 60 {
		t.Errorf("no file: got %+v, %v; want the defaults", c, err)
	}
}
