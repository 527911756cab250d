package proxy

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCLIThroughProxy runs the docker commands the course uses against the
// proxy, so the allowlist keeps what pages need working.
func TestCLIThroughProxy(t *testing.T) {
	bin, err := exec.LookPath("docker")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("docker CLI needed in CI")
		}
		t.Skip("no docker CLI")
	}
	e := newEnv(t)
	s := e.session
	ctx := t.TempDir()
	os.WriteFile(filepath.Join(ctx, "Dockerfile"), []byte("FROM busybox:1.36\nLABEL x=y\nCOPY hello.txt /hello.txt\nCMD [\"cat\", \"/hello.txt\"]\n"), 0o644)
	os.WriteFile(filepath.Join(ctx, "hello.txt"), []byte("hello from a build\n"), 0o644)
	os.WriteFile(filepath.Join(e.work, "page.txt"), []byte("page file\n"), 0o644)
	local := filepath.Join(ctx, "copied.txt")
	steps := []struct {
		args  string
		stdin string
		want  string // in the output
	}{
		{"version", "", "Server"},
		{"run --rm busybox:1.36 echo hi", "", "hi"},
		{"run --rm -i busybox:1.36 cat", "from stdin\n", "from stdin"},
		{"run --rm -v /work:/w:ro busybox:1.36 cat /w/page.txt", "", "page file"},
		{"run --rm --mount type=bind,source=/work,target=/w busybox:1.36 cat /w/page.txt", "", "page file"},
		{"run --rm --cap-drop ALL --cap-add NET_BIND_SERVICE --read-only --tmpfs /tmp --memory 32m --pids-limit 16 --user 1000 busybox:1.36 id -u", "", "1000"},
		{"network create net-" + s, "", ""},
		{"network ls", "", "net-" + s},
		{"volume create vol-" + s, "", "vol-" + s},
		{"volume ls", "", "vol-" + s},
		{"run -d --name web-" + s + " -p 127.0.0.1::80 -v vol-" + s + ":/data busybox:1.36 sh -c 'echo started; httpd -f -p 80'", "", ""},
		{"ps", "", "web-" + s},
		{"logs web-" + s, "", "started"},
		{"exec web-" + s + " echo in-exec", "", "in-exec"},
		{"exec -i web-" + s + " cat", "exec stdin\n", "exec stdin"},
		{"exec -u root web-" + s + " id -u", "", "0"},
		{"inspect -f {{.Name}} web-" + s, "", "web-" + s},
		{"top web-" + s, "", "httpd"},
		{"stats --no-stream web-" + s, "", "web-" + s},
		{"port web-" + s, "", ""}, // the session network is internal: nothing is published
		{"cp " + filepath.Join(ctx, "hello.txt") + " web-" + s + ":/tmp/hello.txt", "", ""},
		{"cp web-" + s + ":/tmp/hello.txt " + local, "", ""},
		{"network connect net-" + s + " web-" + s, "", ""},
		{"network disconnect net-" + s + " web-" + s, "", ""},
		{"update --memory 16m --memory-swap 16m web-" + s, "", ""},
		{"restart -t 1 web-" + s, "", ""},
		{"stop -t 1 web-" + s, "", ""},
		{"rm web-" + s, "", ""},
		{"volume rm vol-" + s, "", ""},
		{"network rm net-" + s, "", ""},
		{"build -q -t app-" + s + " " + ctx, "", "sha256"},
		{"images", "", "app-" + s},
		{"image inspect -f {{.Config.Labels.x}} app-" + s, "", "y"},
		{"run --rm app-" + s, "", "hello from a build"},
		{"tag app-" + s + " app2-" + s, "", ""},
		{"rmi app2-" + s + " app-" + s, "", ""},
		{"pull busybox:1.36", "", "local"},
		{"container prune -f", "", ""},
	}
	for _, st := range steps {
		args := splitArgs(st.args)
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "DOCKER_HOST=unix://"+e.sock, "DOCKER_BUILDKIT=0", "DOCKER_CONFIG="+t.TempDir())
		cmd.Stdin = strings.NewReader(st.stdin)
		out, err := cmd.CombinedOutput()
		if testing.Verbose() {
			t.Logf("docker %s: %v %s", st.args, err, out)
		}
		if err != nil || !strings.Contains(string(out), st.want) {
			t.Errorf("docker %s: got %v %s, want success with %q", st.args, err, out, st.want)
		}
	}
	if b, _ := os.ReadFile(local); string(b) != "hello from a build\n" {
		t.Errorf("docker cp round trip: got %q", b)
	}
}

// splitArgs splits a command line on spaces, keeping '...' together.
func splitArgs(s string) []string {
	var out []string
	for s != "" {
		s = strings.TrimLeft(s, " ")
		if strings.HasPrefix(s, "'") {
			end := strings.Index(s[1:], "'") + 1
			out = append(out, s[1:end])
			s = s[end+1:]
			continue
		}
		word, rest, _ := strings.Cut(s, " ")
		if word != "" {
			out = append(out, word)
		}
		s = rest
	}
	return out
}
