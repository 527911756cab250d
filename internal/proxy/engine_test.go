package proxy

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const (
	testRunLabel     = "test.shipshape-proxy.run"
	testSessionLabel = "test.shipshape-proxy.session"
	testForeignLabel = "test.shipshape-proxy.foreign"
)

// baseImage is the local image the hostile tests run; the lead's
// .ci/images.sh builds it.
const baseImage = "shipshape/busybox:latest"

func engineHost() string {
	if h := os.Getenv("DOCKER_HOST"); h != "" {
		return h
	}
	return "unix:///var/run/docker.sock"
}

// unixClient talks HTTP over a unix socket (or the engine's tcp address).
func unixClient(host string) *http.Client {
	u, _ := url.Parse(host)
	var d net.Dialer
	return &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		if u.Scheme == "unix" {
			return d.DialContext(ctx, "unix", u.Path)
		}
		return d.DialContext(ctx, "tcp", u.Host)
	}}}
}

// env is a session as a page sees it: a proxy socket in front of the real
// engine, a workspace, and on the host beside it a secret file the page
// must never read and a folder it must never write.
type env struct {
	t              testing.TB
	session        string
	sock           string
	px             *Proxy
	work           string // host folder behind /work
	secretDir      string // host folder with the secret
	secret         string // the secret's content
	proxyC, direct *http.Client
}

// newEnv starts a proxy on the engine; without an engine the test skips,
// except in CI, where it fails.
func newEnv(t testing.TB) *env {
	t.Helper()
	direct := unixClient(engineHost())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://docker/images/"+baseImage+"/json", nil)
	res, err := direct.Do(req)
	if err == nil {
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			err = fmt.Errorf("image %s: %s", baseImage, res.Status)
		}
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("engine needed in CI: %v", err)
		}
		t.Skipf("no engine: %v", err)
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	e := &env{t: t, session: "hostile" + hex.EncodeToString(b), direct: direct}
	dir := t.TempDir()
	e.work = filepath.Join(dir, "work")
	e.secretDir = filepath.Join(dir, "secret")
	for _, d := range []string{e.work, e.secretDir} {
		if err := os.MkdirAll(d, 0o777); err != nil {
			t.Fatal(err)
		}
		_ = os.Chmod(d, 0o777)
	}
	e.secret = "secret-" + e.session
	if err := os.WriteFile(filepath.Join(e.secretDir, "secret.txt"), []byte(e.secret), 0o644); err != nil {
		t.Fatal(err)
	}
	// Label keys of the tests' own, so that a verifier's sweep on the shared
	// engine does not take the tests' objects.
	labels := map[string]string{testRunLabel: "test-" + e.session, testSessionLabel: e.session}
	netName := "shipshape-" + e.session
	if code, out := e.engine("POST", "/networks/create", map[string]any{"Name": netName, "Internal": true,
		"Labels": map[string]string{testRunLabel: "test-" + e.session}}); code != http.StatusCreated {
		t.Fatalf("create session network: %d %s", code, out)
	}
	pol := Policy{Labels: labels, OwnerLabel: testSessionLabel, Network: netName,
		Memory: 64 << 20, Pids: 64, NanoCPUs: 1e9,
		MapImage: func(ref string) string {
			if ref == "busybox:1.36" || ref == "busybox" || ref == "busybox:latest" {
				return baseImage
			}
			return ref
		},
		DenyPull:   true,
		Dockerfile: func(df string) string { return strings.ReplaceAll(df, "busybox:1.36", baseImage) },
		ImageExists: func(ctx context.Context, ref string) bool {
			code, _ := e.engine("GET", "/images/"+ref+"/json", nil)
			return code == http.StatusOK
		},
		Triggers: func(ctx context.Context, ref string) ([]string, bool) {
			code, out := e.engine("GET", "/images/"+ref+"/json", nil)
			if code != http.StatusOK {
				return nil, false
			}
			var v struct{ Config struct{ OnBuild []string } }
			_ = json.Unmarshal(out, &v)
			return v.Config.OnBuild, true
		},
	}
	pol.Workspace = hostFolder(t, "/work", e.work)
	e.sock = filepath.Join(dir, "docker.sock")
	e.px, err = Start(e.sock, engineHost(), pol)
	if err != nil {
		t.Fatal(err)
	}
	e.proxyC = unixClient("unix://" + e.sock)
	t.Cleanup(func() {
		e.px.Close()
		e.sweep(testSessionLabel + "=" + e.session)
		e.sweep(testForeignLabel + "=" + e.session)
		e.engine("DELETE", "/networks/"+netName, nil)
	})
	return e
}

// sweep removes what the test made, by label.
func (e *env) sweep(label string) {
	f := url.QueryEscape(fmt.Sprintf(`{"label":{%q:true}}`, label))
	for _, kind := range []struct{ list, del, key string }{
		{"/containers/json?all=1&filters=" + f, "/containers/%s?force=1&v=1", "Id"},
		{"/networks?filters=" + f, "/networks/%s", "Id"},
		{"/images/json?filters=" + f, "/images/%s?force=1", "Id"},
	} {
		_, out := e.engine("GET", kind.list, nil)
		var l []map[string]any
		_ = json.Unmarshal(out, &l)
		for _, x := range l {
			e.engine("DELETE", fmt.Sprintf(kind.del, x[kind.key]), nil)
		}
	}
	_, out := e.engine("GET", "/volumes?filters="+f, nil)
	var v struct{ Volumes []struct{ Name string } }
	_ = json.Unmarshal(out, &v)
	for _, x := range v.Volumes {
		e.engine("DELETE", "/volumes/"+x.Name+"?force=1", nil)
	}
	for _, tag := range e.px.Tags() {
		e.engine("DELETE", "/images/"+tag, nil)
	}
}

func call(c *http.Client, method, path string, body any) (int, []byte) {
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		r = bytes.NewReader(j)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, method, "http://docker"+path, r)
	if r != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.Do(req)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res.StatusCode, out
}

// do sends a request through the proxy, as a page would.
func (e *env) do(method, path string, body any) (int, []byte) {
	return call(e.proxyC, method, path, body)
}

// engine sends a request to the engine itself, for setup and judging.
func (e *env) engine(method, path string, body any) (int, []byte) {
	return call(e.direct, method, path, body)
}

// run creates a container through the proxy from a raw body and, if the
// proxy lets it through, runs it to the end: the status of the create
// and what the container printed.
func (e *env) run(body string) (int, string) {
	e.t.Helper()
	code, out := e.do("POST", "/v1.41/containers/create", body)
	if code != http.StatusCreated {
		return code, string(out)
	}
	var c struct{ Id string }
	_ = json.Unmarshal(out, &c)
	if code, out := e.do("POST", "/v1.41/containers/"+c.Id+"/start", nil); code/100 != 2 {
		return code, string(out)
	}
	e.do("POST", "/v1.41/containers/"+c.Id+"/wait", nil)
	_, logs := e.do("GET", "/v1.41/containers/"+c.Id+"/logs?stdout=1&stderr=1", nil)
	return http.StatusCreated, string(logs)
}

// attackCmd reads the secret and writes a marker in the folder bound at
// /h (or through /proc/1/root when it shares a foreign PID namespace).
const attackCmd = `["sh","-c","cat /h/secret.txt /proc/1/root/secret.txt /x/h/secret.txt; touch /h/marker /x/h/marker /proc/1/root/marker"]`

// untouched fails the test if the page read the secret or wrote the marker.
func (e *env) untouched(name string, code int, out string) {
	e.t.Helper()
	if strings.Contains(out, e.secret) {
		e.t.Errorf("%s: the secret was read (status %d): %s", name, code, out)
	}
	if _, err := os.Stat(filepath.Join(e.secretDir, "marker")); err == nil {
		e.t.Errorf("%s: a marker was written on the host (status %d)", name, code)
		os.Remove(filepath.Join(e.secretDir, "marker"))
	}
}

// refused checks that the proxy answered with a refusal that says so.
func refused(t *testing.T, name string, code int, out []byte) {
	t.Helper()
	if code != http.StatusForbidden && code != http.StatusBadRequest {
		t.Errorf("%s: got %d %s, want 403 or 400 from the proxy", name, code, out)
		return
	}
	if !bytes.Contains(out, []byte("shipshape")) {
		t.Errorf("%s: got %d %s, want a message from shipshape", name, code, out)
	}
}

// inspect returns a container's configuration as the engine holds it.
func (e *env) inspect(id string) (cfg struct {
	HostConfig struct {
		Memory, MemorySwap, NanoCpus int64
		PidsLimit                    *int64
		CapDrop                      []string
		NetworkMode                  string
		LogConfig                    struct {
			Type   string
			Config map[string]string
		}
		PortBindings map[string][]struct{ HostIp, HostPort string }
		SecurityOpt  []string
	}
	Config struct{ Labels map[string]string }
	Mounts []struct{ Name, Destination string }
}) {
	e.t.Helper()
	code, out := e.engine("GET", "/containers/"+id+"/json", nil)
	if code != http.StatusOK {
		e.t.Fatalf("inspect %s: %d %s", id, code, out)
	}
	if err := json.Unmarshal(out, &cfg); err != nil {
		e.t.Fatal(err)
	}
	return cfg
}

// create makes a container through the proxy and returns its id.
func (e *env) create(body string) string {
	e.t.Helper()
	code, out := e.do("POST", "/containers/create", body)
	if code != http.StatusCreated {
		e.t.Fatalf("create %s: %d %s", body, code, out)
	}
	var c struct{ Id string }
	_ = json.Unmarshal(out, &c)
	return c.Id
}

// foreign starts a container the page did not create (another session's,
// or the runner's), holding a secret of its own.
func (e *env) foreign() string {
	e.t.Helper()
	name := "foreign-" + e.session
	code, out := e.engine("POST", "/containers/create?name="+name, map[string]any{
		"Image": baseImage, "Cmd": []string{"sh", "-c", "echo " + e.secret + " > /secret.txt; sleep 300"},
		"Labels": map[string]string{testForeignLabel: e.session}, "HostConfig": map[string]any{"NetworkMode": "none"},
	})
	if code != http.StatusCreated {
		e.t.Fatalf("create foreign container: %d %s", code, out)
	}
	if code, out := e.engine("POST", "/containers/"+name+"/start", nil); code/100 != 2 {
		e.t.Fatalf("start foreign container: %d %s", code, out)
	}
	return name
}
