package relay

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/yamux"
)

// start runs both ends over in-memory pipes, as an exec's stdio would
// carry them, with an HTTP server behind the outside end.
func start(t *testing.T, h http.Handler) string {
	sock, _, _ := startIn(t, h)
	return sock
}

// startIn is start, also giving the folder the relay writes files into
// and the outside's listener.
func startIn(t *testing.T, h http.Handler) (string, string, *Listener) {
	t.Helper()
	inR, inW := io.Pipe()   // what the outside writes, the relay reads
	outR, outW := io.Pipe() // what the relay writes, the outside reads
	sock := filepath.Join(t.TempDir(), "run", "docker.sock")
	dir := t.TempDir()
	done := make(chan error, 1)
	go func() { done <- Serve(sock, dir, inR, outW) }()
	ln, err := Listen(outR, inW, func() error { inW.Close(); return outR.Close() })
	if err != nil {
		t.Fatal(err)
	}
	if err := ln.Ready(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	t.Cleanup(func() {
		srv.Close()
		ln.Close()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Errorf("Serve did not return after the outside closed")
		}
	})
	return sock, dir, ln
}

func unixClient(sock string) *http.Client {
	return &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", sock)
	}}}
}

// Requests from many connections at once come through whole.
func TestRelayRequests(t *testing.T) {
	sock := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s %d", r.Method, r.URL.Path, len(b))
	}))
	c := unixClient(sock)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := strings.Repeat("x", i*100000)
			res, err := c.Post("http://docker/v1.41/containers/create", "application/json", strings.NewReader(body))
			if err != nil {
				t.Error(err)
				return
			}
			defer res.Body.Close()
			got, _ := io.ReadAll(res.Body)
			if want := fmt.Sprintf("POST /v1.41/containers/create %d", len(body)); string(got) != want {
				t.Errorf("got %q, want %q", got, want)
			}
		}()
	}
	wg.Wait()
}

// A hijacked connection (docker attach, exec, build sessions) keeps half
// closes: the client's end of input reaches the server, which still
// answers after it.
func TestRelayHalfClose(t *testing.T) {
	sock := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, rw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		rw.WriteString("HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n")
		rw.Flush()
		in, _ := io.ReadAll(rw) // until the client's half close
		fmt.Fprintf(conn, "read %q after the end of input", in)
	}))
	c, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprint(c, "POST /containers/x/attach?stdin=1 HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n")
	br := bufio.NewReader(c)
	res, err := http.ReadResponse(br, nil)
	if err != nil || res.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: %v %v", res, err)
	}
	fmt.Fprint(c, "stdin of the page")
	c.(*net.UnixConn).CloseWrite()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	got, err := io.ReadAll(br)
	if want := `read "stdin of the page" after the end of input`; string(got) != want {
		t.Errorf("got %q (%v), want %q", got, err, want)
	}
}

// Garbage on the stream (a page writing into the relay's pipes) ends the
// relay; it does not crash the outside.
func TestRelayGarbage(t *testing.T) {
	r, w := io.Pipe()
	ln, err := Listen(strings.NewReader("GET / HTTP/1.1\r\n\r\nnot yamux at all"), w, nil)
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, r)
	if _, err := ln.Accept(); err == nil {
		t.Errorf("Accept on garbage: got a connection, want an error")
	}
}

// Files sent from outside land in the relay's folder as the page's own:
// a symlink where a file goes is replaced (nothing is written where it
// pointed), one where a folder must be is an error, and ".." stays inside.
func TestRelayWriteFiles(t *testing.T) {
	_, dir, ln := startIn(t, http.NotFoundHandler())
	outside := t.TempDir()
	os.Symlink(filepath.Join(outside, "planted"), filepath.Join(dir, "app.py"))
	os.Symlink(outside, filepath.Join(dir, "conf"))
	err := ln.WriteFiles(context.Background(), map[string][]byte{"app.py": []byte("print(1)\n"), "run.sh": []byte("echo\n"), "a/b/c.txt": []byte("c"), "../../up.txt": []byte("up")})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"app.py": "print(1)\n", "run.sh": "echo\n", "a/b/c.txt": "c", "up.txt": "up"} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || string(got) != want {
			t.Errorf("%s: got %q %v, want %q", name, got, err, want)
		}
	}
	if fi, err := os.Lstat(filepath.Join(dir, "app.py")); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("app.py: %v %v, want a regular file where the symlink was", fi, err)
	}
	if fi, _ := os.Stat(filepath.Join(dir, "run.sh")); fi == nil || fi.Mode()&0o111 == 0 {
		t.Errorf("run.sh: not executable")
	}
	if err := ln.WriteFiles(context.Background(), map[string][]byte{"conf/x.yaml": []byte("x")}); err == nil {
		t.Errorf("a file under a symlink out of the folder: got no error")
	}
	if es, _ := os.ReadDir(outside); len(es) != 0 {
		t.Errorf("written outside the relay's folder: %v", es)
	}
}

// TestUsed: the relay measures the file system of its folder, and sees
// what is written there, in use and no longer free.
func TestUsed(t *testing.T) {
	_, dir, ln := startIn(t, http.NotFoundHandler())
	before, err := ln.Usage()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, "big"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(make([]byte, 32<<20)); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	after, err := ln.Usage()
	if err != nil {
		t.Fatal(err)
	}
	if after.Used < before.Used+30<<20 {
		t.Errorf("Used went from %d to %d after 32 MiB were written, want at least 30 MiB more", before.Used, after.Used)
	}
	if after.Avail+30<<20 > before.Avail {
		t.Errorf("Avail went from %d to %d after 32 MiB were written, want at least 30 MiB less", before.Avail, after.Avail)
	}
	if after.Total < after.Used || after.Total < after.Avail {
		t.Errorf("Total %d is less than Used %d or Avail %d", after.Total, after.Used, after.Avail)
	}
	// The question never reaches the folder as a file, nor can a file's
	// name pass for it.
	if err := ln.WriteFiles(context.Background(), map[string][]byte{usedAsk: []byte("x")}); err == nil {
		t.Error("a file named like the question was sent")
	}
	if _, err := ln.Usage(); err != nil {
		t.Errorf("Usage after a refused write: %v", err)
	}
}

// TestUsageConcurrent: questions asked at once (the disk guard's watch and
// a one-off build starting) are all answered; one waits for the other.
func TestUsageConcurrent(t *testing.T) {
	_, _, ln := startIn(t, http.NotFoundHandler())
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		go func() {
			_, err := ln.Usage()
			errs <- err
		}()
	}
	for i := 0; i < 8; i++ {
		if err := <-errs; err != nil {
			t.Errorf("a question asked beside others: %v", err)
		}
	}
}

// TestUsageStoppedRelay: a relay that takes the question and never answers
// (a page can stop the relay in its container with SIGSTOP) gives Usage an
// error after usageWait, and WriteFiles one after writeWait or when its
// context ends, not a wait as long as the relay's.
func TestUsageStoppedRelay(t *testing.T) {
	defer func(w time.Duration) { usageWait = w }(usageWait)
	usageWait = 300 * time.Millisecond
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	ln, err := Listen(outR, inW, func() error { inW.Close(); return outR.Close() })
	if err != nil {
		t.Fatal(err)
	}
	// The inside: the relay's end of the session, accepting streams and
	// silent. Closing the pipes first lets both ends' goodbyes through.
	srv, err := yamux.Client(pipe{Reader: inR, Writer: outW}, config())
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, c := range []io.Closer{inR, inW, outR, outW, srv, ln} {
			c.Close()
		}
	}()
	go func() {
		for {
			if _, err := srv.Accept(); err != nil {
				return
			}
		}
	}()
	start := time.Now()
	if _, err := ln.Usage(); err == nil {
		t.Fatal("Usage answered for a relay that said nothing")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Usage waited %v for a silent relay, want about %v", d, usageWait)
	}
	// Files to a silent relay: the write ends at writeWait, and sooner
	// when the caller's context ends.
	defer func(w time.Duration) { writeWait = w }(writeWait)
	writeWait = 300 * time.Millisecond
	files := map[string][]byte{"app.py": []byte("print(1)\n")}
	start = time.Now()
	if err := ln.WriteFiles(context.Background(), files); err == nil || !strings.Contains(err.Error(), "did not answer in time") {
		t.Fatalf("WriteFiles to a relay that said nothing: %v, want that it did not answer in time", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("WriteFiles waited %v for a silent relay, want about %v", d, writeWait)
	}
	writeWait = time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	start = time.Now()
	if err := ln.WriteFiles(ctx, files); err == nil {
		t.Fatal("WriteFiles succeeded on a relay that said nothing")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("WriteFiles went on %v after its context ended", d)
	}
}
