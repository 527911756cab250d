package runner_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shipshape/shipshape/internal/runner"
	"github.com/shipshape/shipshape/internal/testenv"
)

const cli = "shipshape/docker-cli:latest"

// mapBusybox maps the docs' busybox references to the local image, as a
// site's [images] table does.
func mapBusybox(ref string) string {
	if strings.HasPrefix(ref, "busybox") {
		return busybox
	}
	return ref
}

// startSession starts a page session on e with the strict limits; the
// caller closes it.
func startSession(t *testing.T, e *runner.Engine) *runner.Session {
	t.Helper()
	s, err := e.StartSession(context.Background(), runner.SessionSpec{Image: cli, Limits: strict(), MapImage: mapBusybox})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func session(t *testing.T) (*runner.Engine, *runner.Session) {
	t.Helper()
	e := testenv.Docker(t)
	testenv.Image(t, e, cli)
	testenv.Image(t, e, busybox)
	s, err := e.StartSession(context.Background(), runner.SessionSpec{Image: cli, Limits: strict(), MapImage: mapBusybox,
		Dockerfile: func(df string) string { return strings.ReplaceAll(df, "FROM busybox:1.36", "FROM "+busybox) }})
	if err != nil {
		t.Fatal(err)
	}
	return e, s
}

func exec(t *testing.T, s *runner.Session, script string) runner.Outcome {
	t.Helper()
	out, err := s.Exec(context.Background(), script, 60*time.Second, 64<<10)
	if err != nil {
		t.Fatalf("exec %q: %v", script, err)
	}
	return out
}

// TestSession follows a tutorial: files, a build, a run, a network and a
// volume, all through the proxy, then nothing is left.
func TestSession(t *testing.T) {
	e, s := session(t)
	ctx := context.Background()
	err := s.WriteFiles(ctx, map[string][]byte{
		"Dockerfile":   []byte("FROM busybox:1.36\nCOPY greeting.txt /greeting.txt\nCMD [\"cat\", \"/greeting.txt\"]\n"),
		"greeting.txt": []byte("hello from the session\n"),
	})
	if err != nil {
		t.Fatal(err)
	}
	out := exec(t, s, `set -e
docker build -q -t shipshape-session-test:1 . >/dev/null
docker run --rm shipshape-session-test:1
docker network create backend >/dev/null
docker volume create data >/dev/null
docker run -d --name web --network backend -v data:/data busybox:1.36 sh -c 'echo persisted > /data/f; httpd -f -p 80 -h /data' >/dev/null
docker run --rm --network backend busybox:1.36 sh -c 'for i in $(seq 50); do printf "GET /f HTTP/1.0\r\n\r\n" | nc web 80 && exit 0; sleep 0.2; done; exit 1' | tail -n1
docker ps --format '{{.Names}}'
mkdir -p site && echo '<h1>from the workspace</h1>' > site/index.html
docker run --rm -v "$PWD/site":/www:ro busybox:1.36 cat /www/index.html
`)
	got := string(out.Output)
	for _, want := range []string{"hello from the session", "persisted", "web", "<h1>from the workspace</h1>"} {
		if !strings.Contains(got, want) {
			t.Errorf("session output: got %q, want it to contain %q", got, want)
		}
	}
	if out.ExitCode != 0 {
		t.Errorf("session exit code: got %d, want 0 (output %q)", out.ExitCode, got)
	}
	if n, _ := e.Count(ctx, e.RunID); n == 0 {
		t.Errorf("before Close: got no labelled objects, want the page's container, network, volume and image")
	}
	s.Close()
	if n, err := e.Count(ctx, e.RunID); err != nil || n != 0 {
		t.Errorf("after Close: got %d labelled leftovers (%v), want 0", n, err)
	}
}

// TestSessionPolicy shows what a page may not do through the proxy.
func TestSessionPolicy(t *testing.T) {
	_, s := session(t)
	defer s.Close()
	cases := []struct{ name, cmd, want string }{
		{"privileged", "docker run --rm --privileged busybox:1.36 true", "HostConfig.Privileged not allowed"},
		{"host path", "docker run --rm -v /etc:/host busybox:1.36 true", "host path /etc"},
		{"host network", "docker run --rm --network host busybox:1.36 true", "--network host is not allowed"},
		{"host pid", "docker run --rm --pid host busybox:1.36 true", "--pid host is not allowed"},
		{"added capability", "docker run --rm --cap-add SYS_ADMIN busybox:1.36 true", "--cap-add SYS_ADMIN is not allowed"},
		{"escape from the workspace", "docker run --rm -v /work/../etc:/host busybox:1.36 true", "host path /work/../etc"},
		{"predefined networks listed, others not", "docker network ls --format '{{.Name}}' | sort | tr '\\n' ' '", "bridge host none "},
		{"privileged exec", "docker run -d --name ex busybox:1.36 sleep 60 >/dev/null && docker exec --privileged ex true", "exec --privileged is not allowed"},
		{"update past the limits", "docker run -d --name up -m 32m busybox:1.36 sleep 60 >/dev/null && docker update -m 2g --memory-swap 2g up >/dev/null && docker inspect -f '{{.HostConfig.Memory}}' up", "67108864"},
		{"other containers hidden", "docker ps -a --format '{{.Names}}' | grep -v -x -e ex -e up | wc -l", "0"},
		{"memory capped", "docker run --rm -m 4g busybox:1.36 cat /sys/fs/cgroup/memory/memory.limit_in_bytes", "67108864"},
		{"no egress from user networks", "docker network create n >/dev/null && docker network inspect -f '{{.Internal}}' n", "true"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := exec(t, s, c.cmd+" 2>&1")
			if got := string(out.Output); !strings.Contains(got, c.want) {
				t.Errorf("%s: got %q, want it to contain %q", c.cmd, got, c.want)
			}
		})
	}
}

// TestSessionListFilters: a caller's own label filter still applies (Compose
// lists its project's containers so).
func TestSessionListFilters(t *testing.T) {
	_, s := session(t)
	defer s.Close()
	out := exec(t, s, `docker run -d --name app-a --label app=one busybox:1.36 sleep 60 >/dev/null
docker run -d --name app-b --label app=two busybox:1.36 sleep 60 >/dev/null
docker ps --filter label=app=one --format '{{.Names}}'`)
	if got := strings.TrimSpace(string(out.Output)); got != "app-a" {
		t.Errorf("docker ps --filter label=app=one: got %q, want %q", got, "app-a")
	}
}

// TestSessionSystemDF: the real CLI reads the proxy's df, made from the
// page's own objects: its volume with its size, its container, its built
// image counted as in use, and nothing of anyone else's.
func TestSessionSystemDF(t *testing.T) {
	e, s := session(t)
	defer s.Close()
	foreign := onEngineHost(t, e, nil, "true")[:12]
	out := exec(t, s, `printf 'FROM busybox:1.36\nRUN echo hi > /f\n' | docker build -q -t dfimg - >/dev/null
docker volume create dfvol >/dev/null
docker run --name dfuser -v dfvol:/d dfimg sh -c 'head -c 300000 /dev/zero > /d/z'
docker system df -v`)
	got := string(out.Output)
	for _, want := range []string{"dfvol", "dfuser", "dfimg"} {
		if !strings.Contains(got, want) {
			t.Errorf("docker system df -v: no %s in\n%s", want, got)
		}
	}
	if strings.Contains(got, foreign) {
		t.Errorf("docker system df -v shows a container of another session:\n%s", got)
	}
	if out.ExitCode != 0 {
		t.Errorf("docker system df -v: exit %d\n%s", out.ExitCode, got)
	}
}

// TestSessionCancelled: Ctrl-C in the middle of a page leaves nothing
// behind once the session is closed.
func TestSessionCancelled(t *testing.T) {
	e, s := session(t)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		// Cancel once the page has started a container of its own.
		for ctx.Err() == nil {
			if n, _ := e.Count(context.Background(), e.RunID); n >= 3 {
				cancel()
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	_, err := s.Exec(ctx, "docker network create n >/dev/null; docker run -d --network n --name long busybox:1.36 sleep 300 >/dev/null; sleep 300", time.Minute, 1<<10)
	cancel()
	if err == nil {
		t.Fatalf("exec: got no error, want the cancellation")
	}
	s.Close()
	if n, err := e.Count(context.Background(), e.RunID); err != nil || n != 0 {
		t.Errorf("after a cancelled session: got %d labelled leftovers (%v), want 0", n, err)
	}
}

// TestSessionTimeout: a block killed by its timeout does not end the page.
func TestSessionTimeout(t *testing.T) {
	_, s := session(t)
	defer s.Close()
	out, err := s.Exec(context.Background(), "echo started; sleep 300", 2*time.Second, 1<<10)
	if err != nil || !out.TimedOut || !strings.Contains(string(out.Output), "started") {
		t.Fatalf("endless block: got %+v %v, want a timeout with its output", out, err)
	}
	if out := exec(t, s, "echo still here"); strings.TrimSpace(string(out.Output)) != "still here" {
		t.Errorf("next block: got %q, want the session to go on", out.Output)
	}
}

// TestSessionSymlinkSwap: the page's own shell puts a symlink to a host
// folder where a folder it mounts was, after the create, and in the
// background while it starts containers on that folder. The engine mounts
// again at each start; the host folder is never read.
func TestSessionSymlinkSwap(t *testing.T) {
	_, s := session(t)
	defer s.Close()
	host := t.TempDir()
	secret := "host-secret-" + s.ID()
	if err := os.WriteFile(filepath.Join(host, "secret.txt"), []byte(secret), 0o644); err != nil {
		t.Fatal(err)
	}
	out := exec(t, s, `mkdir x
docker create --name esc -v "$PWD/x":/h busybox:1.36 cat /h/secret.txt >/dev/null
rmdir x && ln -s `+host+` x
docker start -a esc 2>&1
mkdir d
(while :; do rm -rf d; ln -s `+host+` d; rm -f d; mkdir d; done) &
for i in $(seq 25); do docker run --rm -v "$PWD/d":/h busybox:1.36 cat /h/secret.txt 2>&1; done
kill %1`)
	got := string(out.Output)
	if strings.Contains(got, secret) {
		t.Errorf("the page read a host file through a swapped symlink:\n%s", got)
	}
	if !strings.Contains(got, "a symlink was put on its path after the container was created") {
		t.Errorf("start after the swap: got %q, want it refused with the reason", got)
	}
}

// TestSessionWriteFilesSymlink: a block leaves symlinks out of its folder
// where a later {file=} block writes; the file block replaces them with
// its file (as docker cp does) and nothing outside the folder is written.
func TestSessionWriteFilesSymlink(t *testing.T) {
	_, s := session(t)
	defer s.Close()
	host := t.TempDir()
	exec(t, s, `ln -s `+host+`/planted.txt app.txt; ln -s `+host+` conf; echo inside > real.txt; ln -s real.txt link.txt`)
	files := map[string][]byte{"app.txt": []byte("file block 1\n"), "link.txt": []byte("file block 3\n")}
	if err := s.WriteFiles(context.Background(), files); err != nil {
		t.Fatalf("WriteFiles: %v", err)
	}
	// A folder where a symlink is: refused, as docker cp refuses it.
	if err := s.WriteFiles(context.Background(), map[string][]byte{"conf/x.yaml": []byte("file block 2\n")}); err == nil {
		t.Errorf("WriteFiles(conf/x.yaml) over a symlink: got no error")
	}
	if es, _ := os.ReadDir(host); len(es) != 0 {
		t.Errorf("files written outside the session's folder: %v", es)
	}
	got := string(exec(t, s, "cat app.txt link.txt real.txt; find . -type l").Output)
	if want := "file block 1\nfile block 3\ninside\n./conf\n"; got != want {
		t.Errorf("the page's folder after the file blocks: got %q, want %q (regular files where the links were)", got, want)
	}
}

// TestAttackWorkspaceRaw: over raw HTTP, as a page's own program could
// send it, a bind through a symlink the page made in its folder is
// refused, whether the symlink is there at create or put there before the
// start; odd spellings of the path change nothing.
func TestAttackWorkspaceRaw(t *testing.T) {
	_, s := session(t)
	defer s.Close()
	exec(t, s, `mkdir -p real sub && ln -s /etc etc && ln -s ../.. sub/up && ln -s real inside`)
	for _, src := range []string{"/work/etc", "/work/etc/", "/work/sub/up/etc", "/work//etc", "/work/real/../etc", "/work/inside", "/work/./etc/shadow"} {
		body := fmt.Sprintf(`{"Image":"busybox:1.36","Cmd":["cat","/h/shadow"],"HostConfig":{"Binds":[%q]}}`, src+":/h")
		if code, out := raw(t, s, "POST", "/containers/create", body); code == http.StatusCreated {
			t.Errorf("bind of %s through a symlink: created: %s", src, out)
		}
		body = fmt.Sprintf(`{"Image":"busybox:1.36","Cmd":["true"],"HostConfig":{"Mounts":[{"Type":"bind","Source":%q,"Target":"/h"}]}}`, src)
		if code, out := raw(t, s, "POST", "/containers/create", body); code == http.StatusCreated {
			t.Errorf("--mount of %s through a symlink: created: %s", src, out)
		}
	}
	code, out := raw(t, s, "POST", "/containers/create?name=later", `{"Image":"busybox:1.36","Cmd":["cat","/h/shadow"],"HostConfig":{"Binds":["/work/real:/h"]}}`)
	if code != http.StatusCreated {
		t.Fatalf("bind of the page's own folder: %d %s", code, out)
	}
	exec(t, s, `rmdir real && ln -s /etc real`)
	if code, out := raw(t, s, "POST", "/containers/later/start", ""); code/100 == 2 || !strings.Contains(out, "symlink") {
		t.Errorf("start after the swap: got %d %s, want it refused", code, out)
	}
}

// TestSessionStoppedRelay: a page stops the relay in its container
// (SIGSTOP: the stream stays open and silent). The page's next {file=}
// ends with an error when its context does, not never; the page's blocks
// still run; the session closes and leaves nothing.
func TestSessionStoppedRelay(t *testing.T) {
	e, s := session(t)
	exec(t, s, "for p in /proc/[0-9]*; do grep -qa 'shipshape-rela[y]' $p/cmdline 2>/dev/null && kill -STOP ${p#/proc/}; done; echo stopped")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	if err := s.WriteFiles(ctx, map[string][]byte{"app.py": []byte("print(1)\n")}); err == nil {
		t.Error("files were written by a stopped relay")
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("WriteFiles took %v with a 5 s context", d)
	}
	if out := exec(t, s, "echo still here"); !strings.Contains(string(out.Output), "still here") {
		t.Errorf("a block after the relay stopped: %q", out.Output)
	}
	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(2 * time.Minute):
		t.Fatal("the session did not close in 2 minutes")
	}
	if n, err := e.Count(context.Background(), e.RunID); err != nil || n != 0 {
		t.Errorf("after Close: %d of the run's objects left (%v)", n, err)
	}
}
