package server

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSitePath(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"/", "", true},
		{"/guide/first/", "guide/first/", true},
		{"/static/app.js", "static/app.js", true},
		{"/../etc/passwd", "", false},
		{"/guide/../../etc/passwd", "", false},
		{"/guide/./first/", "", false},
		{"//etc/passwd", "", false},
		{"/guide//first", "", false},
		{"/..\\..\\etc\\passwd", "", false},
		{"/C:/Windows/win.ini", "", false},
		{"/a\x00b", "", false},
		{"relative", "", false},
	}
	for _, tt := range tests {
		got, ok := sitePath(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("sitePath(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// rawGet sends target exactly as written, so that no client cleans or
// re-encodes it first, and returns the status and body.
func rawGet(t *testing.T, addr, target string) (int, string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, "GET "+target+" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestOutsideTheSite asks both servers for files outside the site in every
// way a path can be written; each must answer 404 without the secret.
func TestOutsideTheSite(t *testing.T) {
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret.txt")
	write(t, secret, "TOP-SECRET\n")

	dir := project(t, small)
	write(t, filepath.Join(dir, "public/index.html"), "<html><body>built</body></html>")
	write(t, filepath.Join(dir, "public/404.html"), "<html><body>not here</body></html>")
	for _, link := range []string{"content/leak.txt", "public/leak.txt"} {
		if err := os.Symlink(secret, filepath.Join(dir, link)); err != nil {
			t.Skipf("symlinks: %v", err)
		}
	}
	if err := os.Symlink(outside, filepath.Join(dir, "content/out")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "public/out")); err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(filepath.Join(dir, "content"), secret)
	if err != nil {
		t.Fatal(err)
	}
	rel = filepath.ToSlash(rel)

	_, preview := running(t, dir)
	st, err := NewStatic(filepath.Join(dir, "public"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ln, _, err := Listen("127.0.0.1", 0)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- st.Run(ctx, ln) }()
	defer func() { cancel(); <-done }()

	servers := map[string]string{
		"preview": strings.TrimSuffix(strings.TrimPrefix(preview, "http://"), "/"),
		"static":  ln.Addr().String(),
	}
	targets := []struct{ name, target string }{
		{"dot-dot", "/" + rel},
		{"dot-dot deep", "/guide/../../../../../../../../.." + secret},
		{"encoded dot-dot", "/" + strings.ReplaceAll(rel, "..", "%2e%2e")},
		{"encoded slash", "/" + strings.ReplaceAll(rel, "/", "%2f")},
		{"upper-case encoding", "/" + strings.ReplaceAll(rel, "..", "%2E%2E")},
		{"absolute", secret},
		{"double slash absolute", "/" + secret},
		{"backslashes", "/" + strings.ReplaceAll(rel, "/", "\\")},
		{"encoded backslashes", "/" + strings.ReplaceAll(rel, "/", "%5c")},
		{"symlinked file", "/leak.txt"},
		{"symlinked folder", "/out/secret.txt"},
		{"NUL", "/index.html%00.txt"},
	}
	for sname, addr := range servers {
		for _, tt := range targets {
			t.Run(sname+"/"+tt.name, func(t *testing.T) {
				code, body := rawGet(t, addr, tt.target)
				if code != http.StatusNotFound && code != http.StatusBadRequest {
					t.Errorf("GET %s = %d, want 404", tt.target, code)
				}
				if strings.Contains(body, "TOP-SECRET") {
					t.Errorf("GET %s served the file outside the site", tt.target)
				}
			})
		}
		// and the site itself is still served
		if code, _ := rawGet(t, addr, "/"); code != 200 {
			t.Errorf("%s: GET / = %d", sname, code)
		}
	}
}
