package runner_test

import (
	"context"
	"fmt"
	"net"
	"os"
	osexec "os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shipshape/shipshape/internal/runner"
	"github.com/shipshape/shipshape/internal/testenv"
)

// TestSSHEngine: DOCKER_HOST=ssh://… reaches the engine the way the docker
// CLI does, through `ssh … docker system dial-stdio`, and a page session
// works over it (its files, its relay, its containers). The ssh here is a
// stand-in that runs the dial-stdio command locally and records how it was
// called; the real one would run it on the far machine.
func TestSSHEngine(t *testing.T) {
	testenv.Docker(t) // an engine, and the images, or skip
	local := os.Getenv("DOCKER_HOST")
	dir := t.TempDir()
	record := filepath.Join(dir, "ssh-args")
	script := "#!/bin/sh\necho \"$@\" >> " + record + "\nwhile [ \"$1\" != -- ]; do shift; done\nshift 2\n"
	if local != "" {
		script += "DOCKER_HOST=" + local + " exec \"$@\"\n"
	} else {
		script += "unset DOCKER_HOST; exec \"$@\"\n"
	}
	if err := os.WriteFile(filepath.Join(dir, "ssh"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("DOCKER_HOST", "ssh://alice@engine.example:2222")
	ctx := context.Background()
	e, err := runner.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	s := startSession(t, e)
	defer s.Close()
	if err := s.WriteFiles(ctx, map[string][]byte{"hello.txt": []byte("over ssh\n")}); err != nil {
		t.Fatal(err)
	}
	out, err := s.Exec(ctx, `docker run --rm -v "$PWD":/w busybox:1.36 cat /w/hello.txt`, time.Minute, 1<<16)
	if err != nil || out.ExitCode != 0 || string(out.Output) != "over ssh\n" {
		t.Errorf("a page over ssh: got %v %d %q, want the page's file read back", err, out.ExitCode, out.Output)
	}
	b, _ := os.ReadFile(record)
	if !strings.Contains(string(b), "-l alice -p 2222 -- engine.example docker system dial-stdio") {
		t.Errorf("ssh was called as %q, want -l alice -p 2222 -- engine.example docker system dial-stdio", b)
	}
}

// TestRealSSHEngine: the same over real OpenSSH, a client and an sshd of
// this machine's, with keys made for the test and the host key pinned
// (BatchMode: nothing may prompt). The far side runs `docker system
// dial-stdio` as a remote machine would; sshd hands it the engine's
// DOCKER_HOST, as a remote machine's own environment would.
func TestRealSSHEngine(t *testing.T) {
	testenv.Docker(t)
	sshd := testenv.Program(t, "sshd", "openssh-server")
	sshBin := testenv.Program(t, "ssh", "openssh-client")
	keygen := testenv.Program(t, "ssh-keygen", "openssh-client")
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, k := range []string{"host", "client"} {
		if out, err := osexec.Command(keygen, "-q", "-t", "ed25519", "-N", "", "-C", k, "-f", filepath.Join(dir, k)).CombinedOutput(); err != nil {
			t.Fatalf("ssh-keygen: %v\n%s", err, out)
		}
	}
	pub := func(k string) string {
		b, err := os.ReadFile(filepath.Join(dir, k+".pub"))
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(b))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("authorized_keys", pub("client")+"\n")
	cfg := fmt.Sprintf("Port %d\nListenAddress 127.0.0.1\nHostKey %s\nAuthorizedKeysFile %s\n"+
		"PasswordAuthentication no\nKbdInteractiveAuthentication no\nPubkeyAuthentication yes\n"+
		"PermitRootLogin prohibit-password\nStrictModes no\nUsePAM no\nPidFile none\n",
		port, filepath.Join(dir, "host"), filepath.Join(dir, "authorized_keys"))
	if h := os.Getenv("DOCKER_HOST"); h != "" {
		cfg += "SetEnv DOCKER_HOST=" + h + "\n"
	}
	if os.Geteuid() == 0 {
		// sshd run by root wants its privilege separation folder.
		if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
			t.Fatal(err)
		}
	}
	srv := osexec.Command(sshd, "-D", "-e", "-f", write("sshd_config", cfg))
	var srvLog strings.Builder
	srv.Stdout, srv.Stderr = &srvLog, &srvLog
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	srv.WaitDelay = 5 * time.Second
	t.Cleanup(func() {
		_ = srv.Process.Kill()
		_ = srv.Wait()
		if t.Failed() {
			t.Logf("sshd said:\n%s", srvLog.String())
		}
	})
	for i := 0; ; i++ {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if err == nil {
			c.Close()
			break
		}
		if i == 100 {
			t.Fatalf("sshd does not listen on %d: %v", port, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// The user's ssh settings, as ~/.ssh/config would hold them.
	write("known_hosts", fmt.Sprintf("[127.0.0.1]:%d %s\n", port, pub("host")))
	clientCfg := write("ssh_config", fmt.Sprintf("Host *\n  IdentityFile %s\n  IdentitiesOnly yes\n  UserKnownHostsFile %s\n  StrictHostKeyChecking yes\n  BatchMode yes\n",
		filepath.Join(dir, "client"), filepath.Join(dir, "known_hosts")))
	bin := filepath.Join(dir, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "ssh"), []byte("#!/bin/sh\nexec "+sshBin+" -F "+clientCfg+" \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("DOCKER_HOST", fmt.Sprintf("ssh://%s@127.0.0.1:%d", me.Username, port))
	ctx := context.Background()
	start := time.Now()
	e, err := runner.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	defer func() {
		if !closed {
			e.Close()
		}
	}()
	s := startSession(t, e)
	t.Logf("session started over ssh in %s", time.Since(start))
	defer func() {
		if !closed {
			s.Close()
		}
	}()
	if err := s.WriteFiles(ctx, map[string][]byte{"hello.txt": []byte("over real ssh\n")}); err != nil {
		t.Fatal(err)
	}
	out, err := s.Exec(ctx, `docker run --rm -v "$PWD":/w busybox:1.36 cat /w/hello.txt`, time.Minute, 1<<16)
	if err != nil || out.ExitCode != 0 || string(out.Output) != "over real ssh\n" {
		t.Errorf("a page over real ssh: got %v %d %q, want the page's file read back", err, out.ExitCode, out.Output)
	}

	t.Logf("a page's docker run over ssh done at %s", time.Since(start))
	s.Close()
	e.Close()
	closed = true
	// Nothing of ours is left connected: each connection is an ssh process.
	deadline := time.Now().Add(10 * time.Second)
	for {
		ps, _ := osexec.Command("pgrep", "-a", "-P", fmt.Sprint(os.Getpid()), "-f", "docker system dial-stdio").Output()
		if len(strings.TrimSpace(string(ps))) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("ssh connections left after the session and the engine were closed:\n%s", ps)
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	// A host key that is not the pinned one is an error, not a prompt.
	write("known_hosts", fmt.Sprintf("[127.0.0.1]:%d %s\n", port, pub("client")))
	e2, err := runner.Connect(ctx)
	if err == nil {
		e2.Close()
		t.Errorf("connected over ssh to a host whose key is not the known one")
	} else if !strings.Contains(err.Error(), "Host key verification failed") || strings.Contains(err.Error(), "sudo dockerd") {
		t.Errorf("a wrong host key: got %v, want ssh's own words about the host key and a hint about ssh, not about starting an engine", err)
	}
}
