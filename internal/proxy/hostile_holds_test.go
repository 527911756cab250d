package proxy

import (
	"context"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	bkclient "github.com/moby/buildkit/client"
	"github.com/moby/buildkit/session"
	"github.com/moby/buildkit/session/filesync"
	"github.com/tonistiigi/fsutil"
)

// stallFS serves a build's files, holding back every file but the
// Dockerfile until until is closed: a page's own session server can keep
// the engine's frontend waiting between reading the Dockerfile (judged, its
// names held) and resolving the names it reads.
type stallFS struct {
	fsutil.FS
	until <-chan struct{}
}

func (s stallFS) Open(p string) (io.ReadCloser, error) {
	if p != "Dockerfile" {
		<-s.until
	}
	return s.FS.Open(p)
}

// TestAttackHoldsOfSharedSession: the names a BuildKit build's Dockerfile
// reads are held until the build ends, and its Dockerfile arrives through
// the build's session, apart from its request. They were released when any
// request naming that session ended: a second build on the same session
// (buildx bake and Compose share one), or a refused /build that merely
// named it. A page that kept its build waiting between the judgement and
// the resolution (its own session server, serving the frontend's other
// files late) released the holds so, removed its local name, and the
// engine went to the name's registry: 127.0.0.1 here, where the test
// listens.
func TestAttackHoldsOfSharedSession(t *testing.T) {
	for _, c := range []struct {
		name string
		// release ends a request that names session id, not the build.
		release func(t *testing.T, e *env, c *bkclient.Client, s *session.Session, opt bkclient.SolveOpt)
	}{
		{"a refused /build naming the session", func(t *testing.T, e *env, _ *bkclient.Client, s *session.Session, _ bkclient.SolveOpt) {
			code, out := e.do("POST", "/build?version=1&session="+s.ID(), buildContext(t, "FROM "+baseImage+"\n"))
			refused(t, "a classic build naming a session", code, out)
		}},
		{"another build of the session, cancelled", func(t *testing.T, _ *env, c *bkclient.Client, _ *session.Session, opt bkclient.SolveOpt) {
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { _, err := c.Solve(ctx, nil, opt, nil); done <- err }()
			time.Sleep(3 * time.Second) // its Dockerfile read and judged too
			cancel()
			<-done
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			registry, dials := dialCounter(t, "127.0.0.1:0")
			local := registry + "/x-" + e.session
			if code, out := e.do("POST", "/images/"+baseImage+"/tag?repo="+url.QueryEscape(local)+"&tag=latest", nil); code/100 != 2 {
				t.Fatalf("tag: %d %s", code, out)
			}
			dir := t.TempDir()
			for name, body := range map[string]string{"Dockerfile": "FROM " + local + ":latest\n", "Dockerfile.dockerignore": "FROM scratch\n", ".dockerignore": "# later\n"} {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			real, err := fsutil.NewFS(dir)
			if err != nil {
				t.Fatal(err)
			}
			until := make(chan struct{})
			var once atomic.Bool
			unstall := func() {
				if once.CompareAndSwap(false, true) {
					close(until)
				}
			}
			defer unstall()
			files := stallFS{FS: real, until: until}

			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			bk := e.buildKitClient(t)
			s, err := session.NewSession(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			s.Allow(filesync.NewFSSyncProvider(filesync.StaticDirSource{"context": files, "dockerfile": files}))
			go s.Run(ctx, func(ctx context.Context, proto string, meta map[string][]string) (net.Conn, error) {
				return e.hijack(ctx, "/session", proto, meta)
			})
			defer s.Close()
			opt := bkclient.SolveOpt{Frontend: "dockerfile.v0", SharedSession: s, SessionPreInitialized: true,
				FrontendAttrs: map[string]string{},
				Exports:       []bkclient.ExportEntry{{Type: "moby", Attrs: map[string]string{"name": "attack-" + e.session}}}}
			built := make(chan error, 1)
			go func() { _, err := bk.Solve(ctx, nil, opt, nil); built <- err }()
			// Judged, and its holds given to the session.
			if _, ok := waitFor(ctx, 30*time.Second, func() (struct{}, bool) {
				e.px.mu.Lock()
				defer e.px.mu.Unlock()
				return struct{}{}, len(e.px.sessionHolds[s.ID()]) > 0
			}); !ok {
				t.Fatalf("the build's Dockerfile was never judged")
			}

			c.release(t, e, bk, s, opt)

			code, out := e.do("DELETE", "/images/"+local+":latest", nil)
			refused(t, "removing the name the waiting build reads", code, out)
			unstall()
			err = <-built
			// An engine in a network namespace of its own (CI's second)
			// dials its own loopback: its error then names the registry.
			if n := dials.Load(); n > 0 || (err != nil && strings.Contains(err.Error(), registry+"/v2")) {
				t.Errorf("the engine went to the page's registry on 127.0.0.1 (%d dials here; build: %v)", n, err)
			}
		})
	}
}

// TestAttackUnsentDockerfile: BuildKit keeps what a session sent for a
// local source under the session's shared key, and on the next build asks
// only for files whose size or time changed. A page's second build of the
// same Dockerfile so sent no Dockerfile for the proxy to judge, and the
// engine used the copy it kept, judged under what held then: a local name
// the page has since removed, or without the build arguments the second
// build gives. Either way the engine went to a registry of the host's
// network (127.0.0.1, where the test listens).
func TestAttackUnsentDockerfile(t *testing.T) {
	e := newEnv(t)
	registry, dials := dialCounter(t, "127.0.0.1:0")
	local := registry + "/x-" + e.session
	tag := "attack-" + e.session
	for _, c := range []struct{ name, df, script string }{
		{"a local name removed between two builds", "FROM " + local + "\n",
			"docker tag " + baseImage + " " + local + " && docker build -q -t " + tag + " . && docker rmi " + local + " && docker build --progress=plain -t " + tag + " . 2>&1"},
		{"a build argument the first build did not give", "ARG R=shipshape\nFROM $R/busybox:latest\n",
			"docker build -q -t " + tag + " . && docker build --progress=plain --build-arg R=" + registry + " -t " + tag + " . 2>&1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dials.Store(0)
			if err := os.WriteFile(filepath.Join(e.work, "Dockerfile"), []byte(c.df), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := sessionCLI(t, e, c.script)
			if dials.Load() > 0 || strings.Contains(out, registry+"/v2") {
				t.Errorf("the engine went to the registry %s (%d dials, %v):\n%s", registry, dials.Load(), err, out)
			}
			if err == nil || !strings.Contains(out, "not allowed for examples") {
				t.Errorf("the second build: got %v, want the proxy's refusal:\n%s", err, out)
			}
		})
	}
	// Each session's files come whole, but a step's cache goes by content:
	// a second build still finds the first's steps.
	if err := os.WriteFile(filepath.Join(e.work, "Dockerfile"), []byte("FROM "+baseImage+"\nRUN echo "+e.session+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := sessionCLI(t, e, "docker build -q -t "+tag+" . && docker build --progress=plain -t "+tag+" . 2>&1 | grep -A2 'RUN echo'")
	if err != nil || !strings.Contains(out, "CACHED") {
		t.Errorf("the second build of the same Dockerfile ran its step again (%v):\n%s", err, out)
	}
}
