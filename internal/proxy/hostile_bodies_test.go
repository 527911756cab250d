package proxy

import (
	"archive/tar"
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestAttackSlowBodies: a page opens many connections to its proxy and on
// each sends a create whose body says 4 MB, then 1 MiB of it, and holds
// the rest. The proxy reads a JSON body whole before judging it, in
// shipshape's own process, which no container limit covers: 800 such
// connections grew the verifier by 1.2 GB (measured through a real
// session). The proxy now holds at most maxConns connections and
// bodyBudget of bodies at once, so 400 connections cost it little, and
// the engine never hears of them.
func TestAttackSlowBodies(t *testing.T) {
	reached := make(chan string, 1000)
	engine := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached <- r.Method + " " + r.URL.Path
		http.Error(w, `{"message":"no"}`, http.StatusNotFound)
	}))
	defer engine.Close()
	dial := dialTo(engine)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := Serve(ln, dial, Policy{Labels: map[string]string{"session": "s1"}, OwnerLabel: "session", Network: "shipshape-s1",
		Held: func(string, string) bool { return false }})
	defer p.Close()

	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapInuse
	}
	before := heap()
	const conns = 400
	chunk := strings.Repeat(" ", 64<<10)
	var open []net.Conn
	defer func() {
		for _, c := range open {
			c.Close()
		}
	}()
	for i := 0; i < conns; i++ {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		open = append(open, c)
		// Past maxConns the proxy does not accept: the kernel's queue
		// takes the first bytes, then writes would wait. Send what fits
		// without waiting on the proxy.
		_ = c.SetWriteDeadline(time.Now().Add(200 * time.Millisecond))
		fmt.Fprintf(c, "POST /v1.41/containers/create HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: 4000000\r\n\r\n")
		for j := 0; j < 16; j++ {
			if _, err := c.Write([]byte(chunk)); err != nil {
				break
			}
		}
	}
	time.Sleep(2 * time.Second)
	grown := int64(heap()) - int64(before)
	t.Logf("%d connections trickling bodies: heap grew %d MB", conns, grown>>20)
	if grown > 64<<20 {
		t.Errorf("%d connections trickling 1 MiB bodies grew the proxy's heap by %d MB, want under 64 MB", conns, grown>>20)
	}
	select {
	case req := <-reached:
		t.Errorf("a trickled body reached the engine: %s", req)
	default:
	}
	// The page's own requests wait on its own; another page's proxy is
	// another Proxy, with budgets of its own. Once the trickling stops
	// the proxy answers again.
	for _, c := range open {
		c.Close()
	}
	open = nil
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(40 * time.Second))
	body := `{"Image":"busybox:1.36"}`
	fmt.Fprintf(c, "POST /v1.41/containers/create HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("a create after the trickling stopped: %v", err)
	}
	res.Body.Close()
	if res.StatusCode == 0 {
		t.Errorf("a create after the trickling stopped: no answer")
	}
}

// TestAttackSpool: a classic build's context and a docker cp into a
// container on the page's files are held on the verifier's own disk before
// the engine sees them, outside every limit of the page's. A page sends
// several builds at once, each with a large file before its Dockerfile,
// and holds them open: each was bounded alone (512 MiB), so together four
// of them could hold 2 GiB of this machine's disk, and a docker cp 1 GiB
// more. Now what a page's requests hold here together stays within its
// spool budget, and the request that would pass it is refused.
func TestAttackSpool(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	engine := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"message":"no"}`, http.StatusNotFound)
	}))
	defer engine.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	const budget = 8 << 20
	p := Serve(ln, dialTo(engine), Policy{Labels: map[string]string{"session": "s1"}, OwnerLabel: "session", Network: "shipshape-s1",
		Held: func(string, string) bool { return false }, Spool: budget})
	defer p.Close()

	// Each build's context: a 6 MiB file, of which 5 MiB are sent, then
	// nothing more until the test ends.
	const conns, sent = 3, 5 << 20
	var hdr bytes.Buffer
	tw := tar.NewWriter(&hdr)
	_ = tw.WriteHeader(&tar.Header{Name: "big", Mode: 0o644, Size: 6 << 20})
	_ = tw.Flush()
	answers := make(chan int, conns)
	for i := 0; i < conns; i++ {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprintf(c, "POST /v1.41/build?dockerfile=Dockerfile HTTP/1.1\r\nHost: docker\r\nContent-Type: application/x-tar\r\nContent-Length: %d\r\n\r\n", 7<<20)
		c.Write(hdr.Bytes())
		go func() {
			// A refused build is answered while its page still sends.
			res, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err == nil {
				res.Body.Close()
				answers <- res.StatusCode
			}
		}()
		c.Write(bytes.Repeat([]byte("x"), sent))
	}
	held := func() (n int64) {
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if fi, err := e.Info(); err == nil {
				n += fi.Size()
			}
		}
		return n
	}
	var most int64
	for end := time.Now().Add(2 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		most = max(most, held())
	}
	t.Logf("%d builds holding %d MiB each: at most %d KiB on this machine's disk", conns, sent>>20, most>>10)
	if most > budget {
		t.Errorf("the page's builds held %d KiB on the verifier's disk, over its %d KiB spool budget", most>>10, budget>>10)
	}
	select {
	case code := <-answers:
		if code != http.StatusRequestEntityTooLarge {
			t.Errorf("the build past the budget: got %d, want %d", code, http.StatusRequestEntityTooLarge)
		}
	case <-time.After(5 * time.Second):
		t.Errorf("no build was refused, with %d MiB sent under an %d MiB budget", conns*sent>>20, budget>>20)
	}
}
