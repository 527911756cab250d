package proxy

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Attack 12: use the BuildKit endpoints for more than a build of the
// page's own files: a build without the proxy's session, from a URL, with
// host entries, another frontend, another builder, or the buildx driver
// path.
func TestAttackBuildKitRequests(t *testing.T) {
	e := newEnv(t)
	q := func(kv ...string) string {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return "/build?" + v.Encode()
	}
	for _, c := range []struct{ name, method, path string }{
		{"session nobody opened", "POST", q("version", "2", "remote", "client-session", "session", "nosuchsession")},
		{"context from a URL", "POST", q("version", "2", "remote", "http://127.0.0.1:1/ctx.tar", "session", "x")},
		{"context in the body", "POST", q("version", "2")},
		{"extra hosts", "POST", q("version", "2", "remote", "client-session", "session", "x", "extrahosts", `["db:127.0.0.1"]`)},
		{"frontend by build arg", "POST", q("version", "2", "remote", "client-session", "session", "x", "buildargs", `{"BUILDKIT_SYNTAX":"evil/frontend"}`)},
		{"frontend by folded build arg", "POST", q("version", "2", "remote", "client-session", "session", "x", "buildargs", `{"buildkit_syntax":"evil/frontend"}`)},
		{"outputs", "POST", q("version", "2", "remote", "client-session", "session", "x", "outputs", `[{"Type":"local","Attrs":{"dest":"/"}}]`)},
		{"session for a classic build", "POST", q("session", "x")},
		{"unknown builder", "POST", q("version", "3")},
		{"buildx driver path", "POST", "/grpc"},
		{"session without upgrade", "POST", "/session"},
	} {
		code, out := e.do(c.method, c.path, nil)
		refused(t, c.name, code, out)
	}
	req, _ := http.NewRequest("POST", "http://docker/session", nil)
	req.Header.Set("Upgrade", "h2c")
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("X-Docker-Expose-Session-Uuid", "../../x")
	res, err := e.proxyC.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("session with id ../../x: got %s, want 403", res.Status)
	}
}

// Attack 13: a BuildKit build (the real CLI through the proxy) that fetches
// from the host's network, or runs its steps on the host's network.
func TestAttackBuildKitBuilds(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		name, dockerfile, args string
		want                   []string // in the output
		ok                     bool
	}{
		{"ADD from the host's loopback", "FROM " + baseImage + "\nADD http://127.0.0.1:9/secret /secret\n", "", []string{"not allowed for examples", "127.0.0.1"}, false},
		{"ADD through a variable", "FROM " + baseImage + "\nARG U=http://127.0.0.1:9/x\nADD ${U} /x\n", "", []string{"not allowed for examples", "variables"}, false},
		{"ADD hidden after the syntax line", "#   syntax = evil/frontend\nFROM " + baseImage + "\nADD http://10.0.0.1/x /x\n", "", []string{"not allowed for examples"}, false},
		{"steps on the host network", "FROM " + baseImage + "\nRUN echo nets: $(ls /sys/class/net)\n", "--network=host --no-cache", []string{"nets: lo\n"}, true},
		{"a step asking for the host network", "FROM " + baseImage + "\nRUN --network=host echo ran-on-host\n", "--no-cache", nil, false},
		{"a step asking for insecure mode", "FROM " + baseImage + "\nRUN --security=insecure echo ran-insecure\n", "--no-cache", nil, false},
		{"host entries", "FROM " + baseImage + "\n", "--add-host db:127.0.0.1", []string{"extrahosts is not allowed for examples"}, false},
		// Images from registries of the host's network, however named.
		{"FROM named by an argument's default", "ARG R=127.0.0.1:5901\nFROM $R/x:latest\n", "", []string{"not allowed for examples", "127.0.0.1:5901/x"}, false},
		{"FROM named by a build argument", "ARG R=docker.io/library\nFROM $R/busybox\n", "--build-arg R=127.0.0.1:5905", []string{"not allowed for examples", "127.0.0.1:5905"}, false},
		{"a mount source in upper case", "FROM " + baseImage + "\nRUN --mount=FROM=127.0.0.1:5903/x:latest,target=/m true\n", "", []string{"not allowed for examples", "127.0.0.1:5903"}, false},
		{"COPY --from in an ONBUILD", "FROM " + baseImage + "\nONBUILD COPY --from=127.0.0.1:5909/x:latest /a /b\n", "", []string{"not allowed for examples", "ONBUILD COPY --from"}, false},
		{"a stage's own argument", "FROM " + baseImage + "\nARG R=127.0.0.1:5911\nCOPY --from=$R/x /a /b\n", "", []string{"variables only the build knows"}, false},
		{"FROM in a heredoc body, an instruction to engines without heredocs", "FROM " + baseImage + "\nRUN cat <<CMD\nFROM 127.0.0.1:5999/x\nCMD\n", "", []string{"not allowed for examples", "127.0.0.1:5999/x"}, false},
		{"a cache import", "FROM " + baseImage + "\n", "--cache-from 127.0.0.1:5918/x:latest", []string{"--cache-from is not allowed for examples"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			os.WriteFile(filepath.Join(e.work, "Dockerfile"), []byte(c.dockerfile), 0o644)
			out, err := sessionCLI(t, e, "docker build --progress=plain "+c.args+" -t attack-"+e.session+" . 2>&1")
			if testing.Verbose() {
				t.Log(out)
			}
			if (err == nil) != c.ok {
				t.Errorf("build: got err %v, want ok=%v\n%s", err, c.ok, out)
			}
			if !c.ok && (strings.Contains(out, "ran-on-host") || strings.Contains(out, "ran-insecure")) {
				t.Errorf("the step ran:\n%s", out)
			}
			if strings.Contains(out, "connection refused") {
				t.Errorf("the engine went for the address:\n%s", out)
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("build output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

// TestAttackCacheMountAcrossPages: BuildKit keeps a cache mount by its id
// (by default its target) for every build on the engine, so a page read
// what another page's build left in /root/.cache or wherever it looked,
// even under a namespace it named itself. Each page's builds now keep
// their cache mounts in a namespace of the page's own; within a page they
// carry over as for the reader.
func TestAttackCacheMountAcrossPages(t *testing.T) {
	a, b := newEnv(t), newEnv(t)
	n := 0
	// docker build goes to the engine's /build, buildx to BuildKit's
	// control API (/grpc).
	for _, builder := range []string{"docker build", "docker buildx build"} {
		t.Run(builder, func(t *testing.T) {
			mount := fmt.Sprintf("--mount=type=cache,id=shared%d,target=/c", n)
			build := func(e *env, run, args string) string {
				t.Helper()
				// Each step is new (--no-cache would also give it a new
				// cache mount on Docker 20.10).
				n++
				df := fmt.Sprintf("FROM %s\nRUN %s %s # %s %d\n", baseImage, mount, run, e.session, n)
				os.WriteFile(filepath.Join(e.work, "Dockerfile"), []byte(df), 0o644)
				out, err := sessionCLI(t, e, builder+" --progress=plain "+args+" -t cache-"+e.session+" . 2>&1")
				if err != nil {
					t.Fatalf("build %q: %v\n%s", run, err, out)
				}
				return out
			}
			secret := fmt.Sprintf("left-by-%s-%d", a.session, n)
			build(a, "echo "+secret+" > /c/s", "")
			// The control: the page's own next build finds it.
			if out := build(a, "cat /c/s || true", ""); !strings.Contains(out, secret) {
				t.Fatalf("the page's own second build did not find its cache mount:\n%s", out)
			}
			for _, args := range []string{"", "--build-arg BUILDKIT_CACHE_MOUNT_NS=", "--build-arg BUILDKIT_CACHE_MOUNT_NS=shipshape-" + a.session} {
				if out := build(b, "cat /c/s || true", args); strings.Contains(out, secret) {
					t.Errorf("another page's build (%s) read the first page's cache mount:\n%s", args, out)
				}
			}
		})
	}
}
