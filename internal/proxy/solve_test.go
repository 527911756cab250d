package proxy

import (
	"net/url"
	"testing"
)

// TestSolveAttrs: what a page's query can say reaches BuildKit only as the
// engine's /build would pass it; the network and the cgroup are the proxy's.
func TestSolveAttrs(t *testing.T) {
	for _, tc := range []struct {
		name  string
		query string
		want  map[string]string
		bad   bool
	}{
		{"plain", "dockerfile=Dockerfile&t=x", map[string]string{"filename": "Dockerfile", "force-network-mode": "none", "cgroup-parent": "docker/h", "image-resolve-mode": "default"}, false},
		{"build args and labels stay build args and labels", `buildargs={"force-network-mode":"host","cgroup-parent":"/","A":"1","N":null}&labels={"cgroup-parent":"/"}&nocache=1&target=t`,
			map[string]string{"build-arg:force-network-mode": "host", "build-arg:cgroup-parent": "/", "build-arg:A": "1", "label:cgroup-parent": "/",
				"force-network-mode": "none", "cgroup-parent": "docker/h", "image-resolve-mode": "default", "no-cache": "", "target": "t"}, false},
		{"pull", "pull=1&shmsize=67108864&cachefrom=[\"a\",\"b\"]", map[string]string{"force-network-mode": "none", "cgroup-parent": "docker/h", "image-resolve-mode": "pull", "shm-size": "67108864", "cache-from": "a,b"}, false},
		{"odd json", `buildargs={"A":"1","A":"2"}`, nil, true},
		{"not json", `labels=[1`, nil, true},
		{"odd shm", `shmsize=1e9`, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, err := url.ParseQuery(tc.query)
			if err != nil {
				t.Fatal(err)
			}
			got, err := solveAttrs(q, "docker/h")
			if tc.bad {
				if err == nil {
					t.Fatalf("want an error, got %v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			for k, v := range tc.want {
				if g, ok := got[k]; !ok || g != v {
					t.Errorf("%s: got %q (%v), want %q", k, g, ok, v)
				}
			}
		})
	}
}

func TestExportNames(t *testing.T) {
	got, err := exportNames([]string{"app", "app:latest", "me/app:1", ""})
	if err != nil || got != "docker.io/library/app:latest,docker.io/me/app:1" {
		t.Errorf("got %q %v", got, err)
	}
	if _, err := exportNames([]string{"app@sha256:" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}); err == nil {
		t.Errorf("a digest as a tag passed")
	}
}
