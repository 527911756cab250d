package runner_test

import (
	"bytes"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shipshape/shipshape/internal/testenv"
)

// TestVerifyUnderUsernsRemap starts a second engine with user namespaces
// remapped (root in a container is an unprivileged id on the host), gives
// it a busybox image made here, and verifies a small page against it.
func TestVerifyUnderUsernsRemap(t *testing.T) {
	need := func(format string, args ...any) {
		t.Helper()
		if testenv.CI() {
			t.Fatalf("CI=true: "+format, args...)
		}
		t.Skipf(format, args...)
	}
	if os.Geteuid() != 0 {
		need("needs root to start a second dockerd")
	}
	for _, tool := range []string{"dockerd", "docker", "newuidmap"} {
		if _, err := osexec.LookPath(tool); err != nil {
			need("needs %s (apt-get install docker.io uidmap)", tool)
		}
	}
	bb, err := os.ReadFile("/bin/busybox")
	if err != nil || bytes.Contains(bb[:min(len(bb), 4096)], []byte("ld-linux")) {
		need("needs a static /bin/busybox (apt-get install busybox-static)")
	}
	// Unix socket paths are short; t.TempDir's may not be.
	dir, err := os.MkdirTemp("/tmp", "ssuns")
	if err != nil {
		t.Fatal(err)
	}
	// The remapped root must be able to walk to its part of the data root.
	must(t, os.Chmod(dir, 0o755))
	sock := "unix://" + filepath.Join(dir, "docker.sock")
	var logBuf bytes.Buffer
	d := osexec.Command("dockerd", "--userns-remap=default",
		"--data-root", filepath.Join(dir, "data"), "--exec-root", filepath.Join(dir, "exec"),
		"--pidfile", filepath.Join(dir, "docker.pid"), "-H", sock,
		"--bridge=none", "--iptables=false", "--ip-masq=false")
	d.Stdout, d.Stderr = &logBuf, &logBuf
	// Its own network namespace: a dockerd started with --bridge=none
	// deletes the interface docker0, which in a shared namespace is the
	// host engine's default bridge.
	d.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Cloneflags: syscall.CLONE_NEWNET}
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := make(chan struct{})
	go func() { _ = d.Wait(); close(stopped) }()
	t.Cleanup(func() {
		_ = d.Process.Signal(syscall.SIGTERM)
		select {
		case <-stopped:
		case <-time.After(30 * time.Second):
			_ = syscall.Kill(-d.Process.Pid, syscall.SIGKILL)
			<-stopped
		}
		os.RemoveAll(dir)
	})
	docker := func(args ...string) (string, error) {
		out, err := osexec.Command("docker", append([]string{"-H", sock}, args...)...).CombinedOutput()
		return string(out), err
	}
	for {
		if _, err := docker("info"); err == nil {
			break
		}
		select {
		case <-stopped:
			t.Fatalf("dockerd --userns-remap=default ended:\n%s", logBuf.String())
		case <-time.After(500 * time.Millisecond):
		}
	}
	if out, _ := docker("info", "--format", "{{.SecurityOptions}}"); !strings.Contains(out, "userns") {
		t.Fatalf("second engine security options: got %q, want userns", out)
	}

	// A one-file image: busybox and the links a shell script needs.
	rootfs := filepath.Join(dir, "rootfs")
	must(t, os.MkdirAll(filepath.Join(rootfs, "bin"), 0o755))
	must(t, os.WriteFile(filepath.Join(rootfs, "bin", "busybox"), bb, 0o755))
	for _, l := range []string{"sh", "echo", "id", "cat", "touch", "true"} {
		must(t, os.Symlink("busybox", filepath.Join(rootfs, "bin", l)))
	}
	tarball := filepath.Join(dir, "rootfs.tar")
	if out, err := osexec.Command("tar", "-C", rootfs, "-cf", tarball, ".").CombinedOutput(); err != nil {
		t.Fatalf("tar: %v\n%s", err, out)
	}
	if out, err := docker("import", tarball, busybox); err != nil {
		t.Fatalf("docker import: %v\n%s", err, out)
	}

	bin := filepath.Join(t.TempDir(), "shipshape")
	if out, err := osexec.Command("go", "build", "-o", bin, "../../cmd/shipshape").CombinedOutput(); err != nil {
		t.Fatalf("build shipshape: %v\n%s", err, out)
	}
	site := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(site, "content"), 0o755))
	must(t, os.WriteFile(filepath.Join(site, "shipshape.toml"), []byte("title = \"t\"\n[images]\n\"busybox:*\" = \""+busybox+"\"\n"), 0o644))
	page := "# Remapped\n\n```sh {run image=busybox:1.36 output=\"uid=0\"}\nid\necho written > /tmp/f && cat /tmp/f\n```\n\n" +
		"```sh {run image=busybox:1.36 expect=fail}\ntouch /etc/x\n```\n"
	must(t, os.WriteFile(filepath.Join(site, "content", "index.md"), []byte(page), 0o644))
	cmd := osexec.Command(bin, "verify", "--source", "content")
	cmd.Dir = site
	cmd.Env = append(os.Environ(), "DOCKER_HOST="+sock)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "1 passed, 0 failed, 1 expected-fail") {
		t.Fatalf("verify under userns-remap: %v\n%s\ndockerd log:\n%s", err, out, lastLines(logBuf.String(), 20))
	}
}

func lastLines(s string, n int) string {
	ls := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(ls) > n {
		ls = ls[len(ls)-n:]
	}
	return strings.Join(ls, "\n")
}
