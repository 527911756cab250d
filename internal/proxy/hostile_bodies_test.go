package proxy

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
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
