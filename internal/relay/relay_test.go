package relay

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// start runs both ends over in-memory pipes, as an exec's stdio would
// carry them, with an HTTP server behind the outside end.
func start(t *testing.T, h http.Handler) string {
	t.Helper()
	inR, inW := io.Pipe()   // what the outside writes, the relay reads
	outR, outW := io.Pipe() // what the relay writes, the outside reads
	sock := filepath.Join(t.TempDir(), "run", "docker.sock")
	done := make(chan error, 1)
	go func() { done <- Serve(sock, inR, outW) }()
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
	return sock
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
