package proxy

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"google.golang.org/grpc"
)

// TestAttackBuildSources: every image a classic build reads, and every
// pull, is judged however the page names it, so that the engine never
// asks a registry of the host's own network (127.0.0.1 here: a closed port,
// which the engine's "connection refused" would show it tried).
func TestAttackBuildSources(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct{ name, df, query string }{
		{"COPY --from an image", "FROM busybox:1.36\nCOPY --from=127.0.0.1:5912/x:latest /etc/passwd /p\n", ""},
		{"FROM an argument's default", "ARG R=127.0.0.1:5901\nFROM $R/x:latest\n", ""},
		{"FROM a build argument", "ARG R=docker.io/library\nFROM $R/busybox\n", "buildargs=" + url.QueryEscape(`{"R":"127.0.0.1:5905"}`)},
		{"FROM continued", "FROM \\\n 127.0.0.1:5906/x\n", ""},
		{"a cache import", "FROM busybox:1.36\n", "cachefrom=" + url.QueryEscape(`["127.0.0.1:5918/x:latest"]`)},
		// An instruction to Docker 20.10, which reads no heredocs, behind a
		// vertical tab, which Docker splits on.
		{"FROM in a heredoc body, behind a vertical tab", "FROM busybox:1.36\nRUN <<EOF\nFROM\v127.0.0.1:5999/x\nRUN true \\\nEOF\n", ""},
	} {
		q := "t=attack-" + e.session
		if c.query != "" {
			q += "&" + c.query
		}
		code, out := e.do("POST", "/build?"+q, buildContext(t, c.df))
		refused(t, c.name, code, out)
		if strings.Contains(string(out), "connection refused") {
			t.Errorf("%s: the engine went for the address: %s", c.name, out)
		}
	}
	// The engine joins fromImage and tag into one name; so is it judged.
	code, out := e.do("POST", "/images/create?fromImage="+url.QueryEscape("127.0.0.1:5941/x:v1")+"&tag=v2", nil)
	refused(t, "pull with a tag", code, out)

	// A name the page made locally is built from as it is, but not when
	// the build asks the registry for it.
	local := "127.0.0.1:5970/x-" + e.session + ":latest"
	if code, out := e.do("POST", "/images/"+baseImage+"/tag?repo="+url.QueryEscape(strings.TrimSuffix(local, ":latest"))+"&tag=latest", nil); code/100 != 2 {
		t.Fatalf("tag: %d %s", code, out)
	}
	if code, out := e.do("POST", "/build?t=attack-"+e.session, buildContext(t, "FROM "+local+"\n")); code/100 != 2 || strings.Contains(string(out), "errorDetail") {
		t.Errorf("build from the page's own local name: %d %s", code, out)
	}
	code, out = e.do("POST", "/build?pull=1&t=attack-"+e.session, buildContext(t, "FROM "+local+"\n"))
	refused(t, "--pull of a local name", code, out)
	code, out = e.do("POST", "/build?t=attack-"+e.session, buildContext(t, "FROM --platform=linux/arm64 "+local+"\n"))
	refused(t, "another platform of a local name", code, out)
	code, out = e.do("POST", "/build?t=attack-"+e.session, buildContext(t, "FROM "+baseImage+"\nRUN cat <<CMD\nFROM 127.0.0.1:5999/x\nCMD\n"))
	refused(t, "FROM in a heredoc body", code, out)
}

// TestBuildKitDockerfileArgs: a BuildKit build's Dockerfile arrives apart
// from its request, so its image names are judged with the arguments of
// every build the page asked for, and strictly once any build pulled.
func TestBuildKitDockerfileArgs(t *testing.T) {
	ctx := context.Background()
	df := "ARG R=docker.io/library\nFROM $R/busybox\n"
	p := testProxy(t)
	if _, err := p.checkBuildKitDockerfile(ctx, "", df); err != nil {
		t.Fatalf("the default: %v", err)
	}
	if _, err := p.judgeFrontendAttrs(ctx, map[string]string{"build-arg:R": "127.0.0.1:5905"}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.checkBuildKitDockerfile(ctx, "", df); err == nil || !strings.Contains(err.Error(), "127.0.0.1:5905/busybox") {
		t.Errorf("after --build-arg R=127.0.0.1:5905: got %v, want the name refused", err)
	}
	p = testProxy(t)
	p.pol.ImageExists = func(context.Context, string) bool { return true }
	local := "FROM 127.0.0.1:5970/x\n"
	if _, err := p.checkBuildKitDockerfile(ctx, "", local); err != nil {
		t.Errorf("a local name: %v", err)
	}
	if _, err := p.judgeFrontendAttrs(ctx, map[string]string{"image-resolve-mode": "pull"}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.checkBuildKitDockerfile(ctx, "", local); err == nil {
		t.Errorf("a local name once a build pulls: accepted, want refused")
	}
}

// TestRefusedBuildEndsSession: the docker CLI closes a build session only
// once the session has run, and runs it until the other end closes it. A
// build the proxy refused while its session was being opened left both
// waiting for ever (seen under load in CI). A refused build now ends its
// session: one already open is closed, one opened later is refused.
func TestRefusedBuildEndsSession(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	meta := func(id string) map[string][]string {
		return map[string][]string{"X-Docker-Expose-Session-Uuid": {id}, "X-Docker-Expose-Session-Name": {"attack"}}
	}
	refusedBuild := func(id string) {
		t.Helper()
		q := "version=2&remote=client-session&session=" + id + "&extrahosts=" + url.QueryEscape(`["db:127.0.0.1"]`)
		code, out := e.do("POST", "/build?"+q, nil)
		refused(t, "build with --add-host", code, out)
	}

	// Open first, then refused: the session ends (the proxy closes the
	// page's end; the engine, given nothing, may close it first).
	open := "open" + e.session
	c, err := e.hijack(ctx, "/session", "h2c", meta(open))
	if err != nil {
		t.Fatalf("open the session: %v", err)
	}
	defer c.Close()
	// Served as the CLI serves it: until the other end closes it.
	served := make(chan struct{})
	go func() {
		(&http2.Server{}).ServeConn(c, &http2.ServeConnOpts{Handler: grpc.NewServer()})
		close(served)
	}()
	time.Sleep(time.Second) // the engine has the session
	refusedBuild(open)
	select {
	case <-served:
	case <-time.After(30 * time.Second):
		t.Errorf("the session stayed open after its build was refused")
	}

	// Refused first, as when the CLI's session was still being opened:
	// the session is closed as soon as it opens (before, it stayed open).
	// It still opens, so that the client reports the build's refusal
	// rather than a failure of its session.
	late := "late" + e.session
	refusedBuild(late)
	c2, err := e.hijack(ctx, "/session", "h2c", meta(late))
	if err != nil {
		t.Fatalf("a session whose build was refused: %v, want it opened and closed", err)
	}
	defer c2.Close()
	c2.SetReadDeadline(time.Now().Add(20 * time.Second))
	if _, err := c2.Read(make([]byte, 1)); err == nil || os.IsTimeout(err) {
		t.Errorf("a session whose build was refused: read %v, want it closed", err)
	}
}

// onbuildImage puts an image on the engine, past the proxy (as a public
// image pulled earlier would be), whose ONBUILD trigger is trigger; it is
// removed when the test ends.
func onbuildImage(t *testing.T, e *env, trigger string) string {
	t.Helper()
	tag := "onbuild-" + e.session + ":latest"
	cmd := exec.Command("docker", "build", "-q", "-t", tag, "-")
	cmd.Env = append(os.Environ(), "DOCKER_HOST="+engineHost(), "DOCKER_BUILDKIT=0")
	cmd.Stdin = strings.NewReader("FROM " + baseImage + "\nONBUILD " + trigger + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", tag, err, out)
	}
	t.Cleanup(func() { e.engine("DELETE", "/images/"+tag+"?force=1", nil) })
	return tag
}

// TestAttackOnbuildTriggers: an image the page builds FROM runs its ONBUILD
// triggers as the build's first steps, though the page's Dockerfile shows
// none. A trigger that copies from a registry of the host's network, or
// downloads from it, is judged as the page's own instruction would be, in
// classic builds (raw HTTP) and BuildKit builds (the real CLI) alike.
func TestAttackOnbuildTriggers(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct{ name, trigger, want string }{
		{"COPY --from a registry of the host", "COPY --from=127.0.0.1:5919/x:latest /a /b", "127.0.0.1:5919"},
		{"ADD from the host's loopback", "ADD http://127.0.0.1:9/secret /secret", "127.0.0.1"},
		// The engine parses a trigger as a file of its own, dropping a
		// leading byte-order mark that hid the ADD from a plain reading.
		{"ADD behind a byte-order mark", "\ufeffADD http://127.0.0.1:9/secret /secret", "byte-order mark"},
	} {
		t.Run(c.name, func(t *testing.T) {
			img := onbuildImage(t, e, c.trigger)
			code, out := e.do("POST", "/build?t=attack-"+e.session, buildContext(t, "FROM "+img+"\n"))
			refused(t, "classic", code, out)
			for _, w := range []string{"ONBUILD trigger", c.want} {
				if !strings.Contains(string(out), w) {
					t.Errorf("classic: the refusal lacks %q: %s", w, out)
				}
			}
			os.WriteFile(filepath.Join(e.work, "Dockerfile"), []byte("FROM "+img+"\n"), 0o644)
			cli, err := sessionCLI(t, e, "docker build --progress=plain -t attack-"+e.session+" . 2>&1")
			if err == nil {
				t.Errorf("BuildKit: the build passed:\n%s", cli)
			}
			for _, w := range []string{"not allowed for examples", "ONBUILD trigger", c.want} {
				if !strings.Contains(cli, w) {
					t.Errorf("BuildKit: the output lacks %q:\n%s", w, cli)
				}
			}
			if strings.Contains(string(out)+cli, "connection refused") {
				t.Errorf("the engine went for the address:\n%s\n%s", out, cli)
			}
		})
	}
	// A harmless trigger builds.
	img := onbuildImage(t, e, "RUN true")
	if code, out := e.do("POST", "/build?t=attack-"+e.session, buildContext(t, "FROM "+img+"\n")); code/100 != 2 || strings.Contains(string(out), "errorDetail") {
		t.Errorf("build from an image with a harmless trigger: %d %s", code, out)
	}
}

// TestAttackNamesDuringBuild: the classic builder resolves a later stage's
// COPY --from (and FROM) when it reaches the step, after the proxy judged
// the name. A page that removed or retagged that name in between made the
// engine fetch it from its registry, here one of the host's network (an
// attack round did, on both engines). While the build runs, the names it
// reads are held: removing images, and writing a held name, are refused.
func TestAttackNamesDuringBuild(t *testing.T) {
	e := newEnv(t)
	local := "127.0.0.1:5945/x-" + e.session
	if code, out := e.do("POST", "/images/"+baseImage+"/tag?repo="+url.QueryEscape(local)+"&tag=latest", nil); code/100 != 2 {
		t.Fatalf("tag: %d %s", code, out)
	}
	df := "FROM busybox:1.36\nRUN sleep 3 && echo " + e.session + "\nCOPY --from=" + local + ":latest /bin/true /t\n"
	done := make(chan []byte)
	go func() {
		_, out := e.do("POST", "/build?t=attack-"+e.session, buildContext(t, df))
		done <- out
	}()
	time.Sleep(1500 * time.Millisecond)
	code, out := e.do("DELETE", "/images/"+local+":latest", nil)
	refused(t, "removing a name the running build reads", code, out)
	code, out = e.do("POST", "/images/prune", nil)
	refused(t, "pruning while the build runs", code, out)
	code, out = e.do("POST", "/images/attack-"+e.session+"/tag?repo="+url.QueryEscape(local)+"&tag=latest", nil)
	refused(t, "retagging a name the running build reads", code, out)
	built := <-done
	if !strings.Contains(string(built), "Successfully built") || strings.Contains(string(built), "connection refused") {
		t.Errorf("the build: %s", built)
	}
	if code, out := e.do("DELETE", "/images/"+local+":latest", nil); code/100 != 2 {
		t.Errorf("removing the name once the build has ended: %d %s", code, out)
	}
	// A BuildKit build's names are released when it ends, before the
	// client says so: the page's next command may remove images at once.
	os.WriteFile(filepath.Join(e.work, "Dockerfile"), []byte("FROM "+baseImage+"\nRUN echo "+e.session+"\n"), 0o644)
	tag := "attack-" + e.session
	cli, err := sessionCLI(t, e, "set -e; for i in 1 2 3; do docker build -q -t "+tag+" . >/dev/null; docker rmi "+tag+" >/dev/null; done; echo removed")
	if err != nil || !strings.Contains(cli, "removed") {
		t.Errorf("build, then remove at once: %v\n%s", err, cli)
	}
}
