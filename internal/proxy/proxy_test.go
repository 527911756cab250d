package proxy

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
)

func testProxy(t testing.TB) *Proxy {
	p := newProxy(nowhere, Policy{Labels: map[string]string{"run": "r1", "session": "s1"}, OwnerLabel: "session",
		Network: "shipshape-s1", Memory: 64 << 20, Pids: 64,
		MapImage: func(ref string) string { return strings.Replace(ref, "busybox:1.36", "local/busybox", 1) }})
	p.pol.Workspace = hostFolder(t, "/work", t.TempDir())
	p.pol.LogMaxSize = DefaultLogMaxSize
	return p
}

func TestContainerPolicy(t *testing.T) {
	cases := []struct {
		name, body string
		err        string                                  // "" for allowed
		check      func(p *Proxy, m map[string]any) string // what the rewrite must have done
	}{
		{"privileged", `{"Image":"x","HostConfig":{"Privileged":true}}`, "HostConfig.Privileged", nil},
		{"host network", `{"Image":"x","HostConfig":{"NetworkMode":"host"}}`, "--network host", nil},
		{"host pid", `{"Image":"x","HostConfig":{"PidMode":"host"}}`, "--pid host", nil},
		{"cap add", `{"Image":"x","HostConfig":{"CapAdd":["SYS_ADMIN"]}}`, "cap-add", nil},
		{"device", `{"Image":"x","HostConfig":{"Devices":[{"PathOnHost":"/dev/kmsg"}]}}`, "Devices", nil},
		{"seccomp off", `{"Image":"x","HostConfig":{"SecurityOpt":["seccomp=unconfined"]}}`, "security-opt", nil},
		{"top-level hostconfig", `{"Image":"x","Binds":["/:/h"]}`, "decode", nil},
		{"host path", `{"Image":"x","HostConfig":{"Binds":["/etc:/host"]}}`, "host path /etc", nil},
		{"escape", `{"Image":"x","HostConfig":{"Binds":["/work/../etc:/host"]}}`, "host path /work/../etc", nil},
		{"device cgroup rule", `{"Image":"x","HostConfig":{"DeviceCgroupRules":["a *:* rwm"]}}`, "DeviceCgroupRules", nil},
		{"systempaths unconfined", `{"Image":"x","HostConfig":{"MaskedPaths":[],"ReadonlyPaths":[]}}`, "MaskedPaths", nil},
		{"sysctl", `{"Image":"x","HostConfig":{"Sysctls":{"net.ipv4.ip_forward":"1"}}}`, "Sysctls", nil},
		{"publish all", `{"Image":"x","HostConfig":{"PublishAllPorts":true}}`, "PublishAllPorts", nil},
		{"public host ip", `{"Image":"x","HostConfig":{"PortBindings":{"80/tcp":[{"HostIp":"192.0.2.1","HostPort":"80"}]}}}`, "loopback", nil},
		{"fast health probes", `{"Image":"x","Healthcheck":{"Test":["CMD","true"],"Interval":1000000,"StartInterval":5000000000}}`, "", func(p *Proxy, m map[string]any) string {
			if h := m["Healthcheck"].(map[string]any); h["Interval"] != float64(time.Second) || h["StartInterval"] != float64(5*time.Second) {
				return "health probe interval not raised to a second, or a longer one changed"
			}
			return ""
		}},
		{"zoned loopback", `{"Image":"x","HostConfig":{"PortBindings":{"80/tcp":[{"HostIp":"::1%eth0","HostPort":"80"}]}}}`, "zone", nil},
		{"syslog", `{"Image":"x","HostConfig":{"LogConfig":{"Type":"syslog","Config":{"syslog-address":"udp://192.0.2.1:514"}}}}`, "log-driver", nil},
		{"cap add sys_admin", `{"Image":"x","HostConfig":{"CapAdd":["CAP_SYS_ADMIN"]}}`, "cap-add", nil},
		{"our label", `{"Image":"x","Labels":{"org.shipshape.run":"../../etc/passwd"}}`, "org.shipshape.run", nil},
		{"volume driver opts", `{"Image":"x","HostConfig":{"Mounts":[{"Type":"volume","Source":"v","Target":"/h","VolumeOptions":{"DriverConfig":{"Name":"local","Options":{"type":"none","device":"/","o":"bind"}}}}]}}`, "DriverConfig", nil},
		{"bind mount", `{"Image":"x","HostConfig":{"Mounts":[{"Type":"bind","Source":"/var/run/docker.sock","Target":"/s"}]}}`, "host path /var/run/docker.sock", nil},
		{"workspace bind", `{"Image":"x","HostConfig":{"Binds":["/work/site:/www:ro"]}}`, "", func(p *Proxy, m map[string]any) string {
			b := m["HostConfig"].(map[string]any)["Binds"].([]any)[0]
			if b != p.pol.Workspace.Root+"/site:/www:ro" {
				return "bind not mapped to the host folder: " + b.(string)
			}
			return ""
		}},
		{"defaults", `{"Image":"busybox:1.36","HostConfig":{"Memory":4294967296,"PortBindings":{"80/tcp":[{"HostIp":"","HostPort":"8080"}]}}}`, "", func(p *Proxy, m map[string]any) string {
			h := m["HostConfig"].(map[string]any)
			switch {
			case m["Image"] != "local/busybox":
				return "image not mapped"
			case m["Labels"].(map[string]any)["session"] != "s1":
				return "not labelled"
			case h["Memory"] != float64(64<<20) || h["MemorySwap"] != float64(64<<20):
				return "memory not capped"
			case h["PidsLimit"] != float64(64):
				return "pids not capped"
			case h["NetworkMode"] != "shipshape-s1":
				return "not on the session network"
			case h["PortBindings"].(map[string]any)["80/tcp"].([]any)[0].(map[string]any)["HostIp"] != "127.0.0.1":
				return "port published beyond loopback"
			case h["SecurityOpt"].([]any)[0] != "no-new-privileges":
				return "no-new-privileges missing"
			}
			return ""
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := testProxy(t)
			var req container.CreateRequest
			err := decode([]byte(c.body), &req)
			if err == nil {
				err = p.container(context.Background(), &req)
			} else {
				err = fmt.Errorf("decode: %w", err)
			}
			switch {
			case c.err == "" && err != nil:
				t.Fatalf("%s: got %v, want it allowed", c.body, err)
			case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
				t.Fatalf("%s: got %v, want an error with %q", c.body, err, c.err)
			case c.err != "" && !errors.Is(err, ErrPolicy) && c.name != "escape" && c.name != "top-level hostconfig":
				t.Errorf("%s: got %v, want ErrPolicy", c.body, err)
			}
			if c.check != nil {
				// Round-trip through JSON, as the engine receives it.
				b, _ := json.Marshal(&req)
				back := map[string]any{}
				_ = json.Unmarshal(b, &back)
				if msg := c.check(p, back); msg != "" {
					t.Errorf("%s: %s: %s", c.body, msg, b)
				}
			}
		})
	}
}

func TestRewriteContext(t *testing.T) {
	var raw bytes.Buffer
	tw := tar.NewWriter(&raw)
	for name, body := range map[string]string{"Dockerfile": "FROM busybox:1.36\n", "app.txt": "keep me\n"} {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body))})
		tw.Write([]byte(body))
	}
	tw.Close()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(raw.Bytes())
	zw.Close()
	fix := func(s string) string { return strings.Replace(s, "busybox:1.36", "local/busybox", 1) }
	for name, in := range map[string][]byte{"plain": raw.Bytes(), "gzip": gz.Bytes()} {
		var out bytes.Buffer
		if err := rewriteContext(bytes.NewReader(in), "Dockerfile", func(s string) (string, error) { return fix(s), nil }, &out); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got := map[string]string{}
		tr := tar.NewReader(&out)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(tr)
			got[h.Name] = string(b)
		}
		if got["Dockerfile"] != "FROM local/busybox\n" || got["app.txt"] != "keep me\n" {
			t.Errorf("%s context: got %q, want the FROM mapped and other files kept", name, got)
		}
	}
}

func TestRefusedEndpoints(t *testing.T) {
	p := testProxy(t)
	for _, path := range []string{"/v1.41/swarm/init", "/v1.41/plugins/pull", "/v1.41/images/load", "/v1.41/commit", "/v1.41/secrets/create"} {
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, path, nil))
		if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "shipshape") {
			t.Errorf("POST %s: got %d %q, want 403 from shipshape", path, rec.Code, rec.Body.String())
		}
	}
}

// TestBuildKitHeldBase: a BuildKit Dockerfile that builds FROM an image
// name another live session holds is refused and recorded as a conflict,
// as a classic build's FROM is.
func TestBuildKitHeldBase(t *testing.T) {
	held := func(kind, name string) bool { return kind == "image" && name == "docker.io/library/theirs:latest" }
	p := newProxy(nowhere, Policy{Labels: map[string]string{"session": "s1"}, OwnerLabel: "session", Held: held})
	for _, tc := range []struct {
		df       string
		conflict bool
	}{
		{"FROM busybox\nRUN true\n", false},
		{"FROM theirs AS build\nRUN true\n", true},
		{"FROM busybox AS theirs\nFROM theirs\n", false}, // its own stage, not the image
	} {
		_, err := p.checkBuildKitDockerfile(context.Background(), "", tc.df)
		if got := errors.Is(err, ErrConflict); got != tc.conflict {
			t.Errorf("%q: conflict = %v (%v), want %v", tc.df, got, err, tc.conflict)
		}
	}
	if n := len(p.Conflicts()); n != 1 {
		t.Errorf("recorded %d conflicts, want 1: %q", n, p.Conflicts())
	}
}

// nowhere is an engine that cannot be reached.
func nowhere(context.Context) (net.Conn, error) { return nil, errors.New("no engine in this test") }

// hostFolder is a page's folder on this machine, for tests whose engine
// shares it.
func hostFolder(t testing.TB, inside, dir string) Workspace {
	t.Helper()
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	return Workspace{Inside: inside, Root: root, Lstat: func(_ context.Context, p string) (fs.FileMode, error) {
		fi, err := os.Lstat(filepath.Join(root, strings.TrimPrefix(p, inside)))
		if err != nil {
			return 0, err
		}
		return fi.Mode(), nil
	}}
}

// TestDropHeldTagsDigests: the containerd image store lists every name of
// an image under RepoDigests too; another session's name is dropped there
// as from RepoTags.
func TestDropHeldTagsDigests(t *testing.T) {
	held := func(kind, name string) bool { return kind == "image" && name == "docker.io/library/a-img:1" }
	p := newProxy(nowhere, Policy{Labels: map[string]string{"session": "s1"}, OwnerLabel: "session", Held: held})
	var v any
	_ = json.Unmarshal([]byte(`{"RepoTags":["shipshape/busybox:latest","a-img:1"],"RepoDigests":["shipshape/busybox@sha256:2aab","a-img@sha256:2aab"]}`), &v)
	got, _ := json.Marshal(p.dropHeldTags(v))
	if want := `{"RepoDigests":["shipshape/busybox@sha256:2aab"],"RepoTags":["shipshape/busybox:latest"]}`; string(got) != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// TestSystemDFRetried: the proxy never asks the engine to measure other
// sessions' containers and images (Docker 28's walk fails while they
// change); what it does ask can still fail, so it asks again, and when it
// keeps failing, records a conflict so the page is run again alone.
func TestSystemDFRetried(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fails int
		df    string // the engine's answer to a volume-only df
	}{
		// A current engine reads type= and measures volumes only; the
		// images come from its list, filtered by the session's label.
		{"current engine", 2, `{"Images":null,"Containers":null,"Volumes":[{"Name":"v1","Labels":{"session":"s1"}},{"Name":"v2","Labels":{"session":"other"}}]}`},
		{"current engine, failing", 5, `{}`},
		// An older engine ignores type= and measures everything.
		{"older engine", 0, `{"Images":[{"Id":"i1","Labels":{"session":"s1"},"Size":5},{"Id":"i2","Labels":{"session":"other"},"Size":7}],"Containers":[],"Volumes":[{"Name":"v1","Labels":{"session":"s1"}}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			var asked []string
			engine := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				asked = append(asked, r.URL.Path+" "+r.URL.Query().Get("type")+r.URL.Query().Get("filters"))
				switch r.URL.Path {
				case "/v1.41/containers/json":
					fmt.Fprint(w, `[{"Id":"c1","ImageID":"i1","Labels":{"session":"s1"}}]`)
				case "/v1.41/images/json":
					fmt.Fprint(w, `[{"Id":"i1","Labels":{"session":"s1"},"Size":5}]`)
				case "/system/df":
					if calls++; calls <= tc.fails {
						http.Error(w, `{"message":"failed to compute size"}`, http.StatusInternalServerError)
						return
					}
					fmt.Fprint(w, tc.df)
				default:
					http.Error(w, "unexpected", http.StatusNotFound)
				}
			}))
			defer engine.Close()
			dial := dialTo(engine)
			p := newProxy(dial, Policy{Labels: map[string]string{"session": "s1"}, OwnerLabel: "session", Held: func(string, string) bool { return false }})
			rec := httptest.NewRecorder()
			p.ServeHTTP(rec, httptest.NewRequest("GET", "/v1.41/system/df", nil))
			for _, a := range asked {
				if strings.HasSuffix(strings.Fields(a)[0], "/system/df") && a != "/system/df volume" {
					t.Errorf("the engine was asked %q, want a volume-only df in the engine's own API version (type= is read from 1.42)", a)
				}
				if !strings.HasSuffix(strings.Fields(a)[0], "/system/df") && !strings.Contains(a, `"session=s1":true`) {
					t.Errorf("the engine was asked %q, want a list filtered by the session's label", a)
				}
			}
			if tc.fails >= 3 {
				if rec.Code != http.StatusInternalServerError || len(p.Conflicts()) != 1 {
					t.Errorf("df failing always: got %d, conflicts %v; want the engine's error and a conflict", rec.Code, p.Conflicts())
				}
				return
			}
			var got struct {
				LayersSize float64
				Images     []struct {
					Id         string
					Containers int
				}
				Containers []struct{ Id string }
				Volumes    []struct{ Name string }
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || rec.Code != http.StatusOK || len(p.Conflicts()) != 0 {
				t.Fatalf("got %d %s (%v), conflicts %v; want the page's own usage and no conflict", rec.Code, rec.Body, err, p.Conflicts())
			}
			if got.LayersSize != 5 || len(got.Images) != 1 || got.Images[0].Containers != 1 || len(got.Containers) != 1 || len(got.Volumes) != 1 || got.Volumes[0].Name != "v1" {
				t.Errorf("got %+v, want image i1 (5 bytes, 1 container), container c1 and volume v1 only", got)
			}
		})
	}
}

// TestRegistryHosts: the engine pulls from the host's own network, so a
// page may not make it pull, or build FROM, an image on a registry there.
func TestRegistryHosts(t *testing.T) {
	p := testProxy(t)
	for _, c := range []struct {
		ref     string
		refused bool
	}{
		{"127.0.0.1:5000/x:1", true},
		{"localhost:5000/x", true},
		{"10.1.2.3/team/app:2", true},
		{"[::1]:5000/x", true},
		{"169.254.169.254/latest", true},
		{"2130706433:80/x", true}, // a number the C resolver reads as 127.0.0.1
		{"registry.localhost/x", true},
		{"alpine:3.19", false}, // Docker Hub
		{"docker.io/library/nginx", false},
		{"busybox:1.36", false}, // mapped to a local image
	} {
		rec := httptest.NewRecorder()
		q := url.Values{"fromImage": {c.ref}}
		p.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v1.41/images/create?"+q.Encode(), nil))
		gotRefused := rec.Code == http.StatusForbidden && strings.Contains(rec.Body.String(), "registry")
		if gotRefused != c.refused {
			t.Errorf("docker pull %s: got %d %s, want refused=%v", c.ref, rec.Code, rec.Body, c.refused)
		}
		_, err := p.checkBuildKitDockerfile(context.Background(), "", "FROM "+c.ref+"\nRUN true\n")
		if (err != nil) != c.refused {
			t.Errorf("BuildKit FROM %s: got %v, want refused=%v", c.ref, err, c.refused)
		}
	}
}

// dialTo reaches a fake engine as the proxy's dial does the real one.
func dialTo(engine *httptest.Server) func(ctx context.Context) (net.Conn, error) {
	return func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", strings.TrimPrefix(engine.URL, "http://"))
	}
}
