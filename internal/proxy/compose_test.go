package proxy

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestComposeThroughProxy runs Docker Compose (the plugin in the session
// image) against the proxy: up with a network, a named volume and a bind of
// the page's folder, ps, logs, exec, down -v.
func TestComposeThroughProxy(t *testing.T) {
	e := newEnv(t)
	if code, _ := e.engine("GET", "/images/shipshape/docker-cli:latest/json", nil); code != 200 {
		t.Skip("no shipshape/docker-cli image (bash .ci/images.sh builds it)")
	}
	os.WriteFile(filepath.Join(e.work, "compose.yaml"), []byte("services:\n  web:\n    image: busybox:1.36\n    command: sh -c 'echo hello-compose; sleep 2'\n    volumes:\n      - data:/data\n      - ./:/w:ro\n  db:\n    image: busybox:1.36\n    command: sleep 30\nvolumes:\n  data: {}\n"), 0o644)
	cmd := exec.Command("docker", "run", "--rm", "-v", filepath.Dir(e.sock)+":/run/s", "-v", e.work+":/work", "-w", "/work", "-e", "DOCKER_HOST=unix:///run/s/docker.sock", "--entrypoint", "sh", "shipshape/docker-cli:latest", "-c",
		"docker compose version; docker compose -p zz up -d 2>&1; docker compose -p zz ps; docker compose -p zz logs web; docker compose -p zz exec -T db echo in-db; docker compose -p zz down -v 2>&1")
	out, err := cmd.CombinedOutput()
	for _, want := range []string{"hello-compose", "in-db", "Network zz_default Removed", "Volume zz_data Removed"} {
		if err != nil || !strings.Contains(string(out), want) {
			t.Errorf("compose through the proxy: got %v %s, want %q", err, out, want)
			break
		}
	}
}
