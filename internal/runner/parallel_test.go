package runner_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/shipshape/shipshape/internal/runner"
)

// raw speaks HTTP to a session's proxy socket, as a page's own program
// could, with no docker CLI in between.
func raw(t *testing.T, s *runner.Session, method, path, body string) (int, string) {
	t.Helper()
	c := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", s.Socket())
	}}}
	req, _ := http.NewRequest(method, "http://docker/v1.41"+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestAttackOtherSession: while two page sessions are live on one engine,
// the second cannot read, stop, join, mount, remove or take over the
// container, network, volume, image and port the first made by name; its
// attempts are recorded as conflicts (so its page would be run again), and
// the first session sees none and keeps everything.
func TestAttackOtherSession(t *testing.T) {
	_, a := session(t)
	defer a.Close()
	_, b := session(t)
	defer b.Close()
	out := exec(t, a, `set -e
docker network create a-net >/dev/null
docker volume create a-vol >/dev/null
docker run -d --name a-web --network a-net -v a-vol:/data -p 127.0.0.1:18080:80 busybox:1.36 sh -c 'echo secret-of-a > /data/f; sleep 600' >/dev/null
docker tag busybox:1.36 a-img:1
echo ready`)
	if !strings.Contains(string(out.Output), "ready") {
		t.Fatalf("session A: %s", out.Output)
	}
	for _, tt := range []struct{ method, path, body string }{
		{"GET", "/containers/a-web/json", ""},
		{"GET", "/containers/a-web/logs?stdout=1", ""},
		{"GET", "/containers/a-web/archive?path=/data/f", ""},
		{"POST", "/containers/a-web/kill", ""},
		{"POST", "/containers/a-web/exec", `{"Cmd":["cat","/data/f"],"AttachStdout":true}`},
		{"DELETE", "/containers/a-web?force=1", ""},
		{"GET", "/networks/a-net", ""},
		{"DELETE", "/networks/a-net", ""},
		{"GET", "/volumes/a-vol", ""},
		{"DELETE", "/volumes/a-vol", ""},
		{"GET", "/images/a-img:1/json", ""},
		{"DELETE", "/images/a-img:1", ""},
		{"POST", "/containers/create", `{"Image":"busybox:1.36","Cmd":["cat","/data/f"],"HostConfig":{"Binds":["a-vol:/data"]}}`},
		{"POST", "/containers/create", `{"Image":"busybox:1.36","HostConfig":{"NetworkMode":"a-net"}}`},
		{"POST", "/containers/create", `{"Image":"a-img:1","Cmd":["true"]}`},
		{"POST", "/containers/create", `{"Image":"busybox:1.36","HostConfig":{"NetworkMode":"container:a-web"}}`},
		{"POST", "/containers/create?name=a-web", `{"Image":"busybox:1.36"}`},
		{"POST", "/containers/create", `{"Image":"busybox:1.36","HostConfig":{"PortBindings":{"80/tcp":[{"HostIp":"127.0.0.1","HostPort":"18080"}]}}}`},
		{"POST", "/networks/create", `{"Name":"a-net"}`},
		{"POST", "/volumes/create", `{"Name":"a-vol"}`},
		{"POST", "/images/busybox:1.36/tag?repo=a-img&tag=1", ""},
	} {
		code, body := raw(t, b, tt.method, tt.path, tt.body)
		if code/100 == 2 || strings.Contains(body, "secret-of-a") {
			t.Errorf("B: %s %s: got %d %s, want it refused", tt.method, tt.path, code, body)
		}
	}
	if len(b.Conflicts()) == 0 {
		t.Errorf("B met A's objects, but no conflict was recorded")
	}
	if c := a.Conflicts(); len(c) != 0 {
		t.Errorf("A met nothing of B's, got conflicts %q", c)
	}
	// A still has all it made, as it made it.
	out = exec(t, a, `docker exec a-web cat /data/f; docker inspect -f '{{.State.Running}}' a-web; docker network inspect -f '{{.Name}}' a-net; docker image inspect -f ok a-img:1`)
	if got := string(out.Output); got != "secret-of-a\ntrue\na-net\nok\n" {
		t.Errorf("A after B's attempts: got %q, want its container running with its volume, network and tag", got)
	}
	// The base image A tagged does not show A's name to B.
	if code, body := raw(t, b, "GET", "/images/busybox:1.36/json", ""); code != http.StatusOK || strings.Contains(body, "a-img") {
		t.Errorf("B: inspect of the shared base: got %d %s, want it without A's tag", code, body)
	}
	// B's own listing shows nothing of A's.
	for _, p := range []string{"/containers/json?all=1", "/volumes", "/networks", "/images/json"} {
		if _, body := raw(t, b, "GET", p, ""); bytes.Contains([]byte(body), []byte("a-")) {
			t.Errorf("B: GET %s shows A's objects: %s", p, body)
		}
	}
}
