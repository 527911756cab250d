package proxy

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
)

// TestAttackAddURLToHost: the engine downloads an ADD URL itself, from its
// host's network, and follows what the answer says. A page with egress
// names an address that passes as public (the host's own, here a
// documentation address on its interface) or a server of its own on the
// internet, which redirects the engine to 127.0.0.1 (or the cloud's
// metadata address): what the host serves to itself lands in the image,
// and the page prints it. So the engine fetches nothing for a page unless
// the site accepts that pages reach the host (allow_host, FetchURLs).
func TestAttackAddURLToHost(t *testing.T) {
	e := newEnv(t)
	e.px.pol.Egress = true
	var inside, outside atomic.Int32
	secret := serve(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request) {
		inside.Add(1)
		fmt.Fprint(w, "only-the-host-sees-this")
	})
	addr, ok := publicLooking(t)
	if !ok {
		t.Skip("this machine has no address that passes as public")
	}
	redirect := serve(t, net.JoinHostPort(addr.String(), "0"), func(w http.ResponseWriter, r *http.Request) {
		outside.Add(1)
		http.Redirect(w, r, "http://"+secret+"/", http.StatusFound)
	})
	df := "FROM busybox:1.36\nADD http://" + redirect + "/x /x\nRUN cat /x\n"
	code, out := e.do("POST", "/build", buildContext(t, df))
	refused(t, "ADD of a URL with egress", code, out)
	if !strings.Contains(string(out), "allow_host") {
		t.Errorf("got %s, want the way to allow it (allow_host)", out)
	}
	if n, m := outside.Load(), inside.Load(); n+m > 0 {
		t.Errorf("the engine fetched for the page: %d requests to %s, %d redirected to %s", n, redirect, m, secret)
	}
	// Where the site accepts it, the same build goes to the engine, which
	// shows the probe reaches the host where nothing refuses it.
	e.px.pol.FetchURLs = true
	code, out = e.do("POST", "/build?forcerm=1", buildContext(t, df))
	t.Logf("with allow_host: %d, %d requests to the page's server, %d to the host's own; %.300s", code, outside.Load(), inside.Load(), out)
	if code == http.StatusForbidden {
		t.Errorf("with allow_host: got %d %s, want the build sent to the engine", code, out)
	}
}

// dialCounter listens on addr until the test ends and counts the
// connections made to it (an engine asking a registry there), returning
// where it listens.
func dialCounter(t *testing.T, addr string) (string, *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var n atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			c.Close()
		}
	}()
	return ln.Addr().String(), &n
}

// serve answers HTTP on addr until the test ends, returning where.
func serve(t *testing.T, addr string, h http.HandlerFunc) string {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	s := &http.Server{Handler: h}
	go s.Serve(ln)
	t.Cleanup(func() { s.Close() })
	return ln.Addr().String()
}

// publicLooking is an address of this machine that checkHost takes for one
// of the wider internet.
func publicLooking(t *testing.T) (netip.Addr, bool) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		p, err := netip.ParsePrefix(a.String())
		if err == nil && p.Addr().Is4() && public(p.Addr()) {
			return p.Addr(), true
		}
	}
	return netip.Addr{}, false
}

// TestAttackPullFromHost: a registry named by an address that passes as
// public can be the engine's host itself (a machine whose interface holds
// a public address): the page's docker pull had the engine ask the host's
// own listener for /v2/. Only the public registries pass without
// allow_host.
func TestAttackPullFromHost(t *testing.T) {
	e := newEnv(t)
	e.px.pol.DenyPull = false
	addr, ok := publicLooking(t)
	if !ok {
		t.Skip("this machine has no address that passes as public")
	}
	// Connections, not requests: the engine speaks TLS first.
	reg, hits := dialCounter(t, net.JoinHostPort(addr.String(), "0"))
	for _, path := range []string{"/images/create?fromImage=" + reg + "/x&tag=1", "/build"} {
		body := []byte(nil)
		if path == "/build" {
			body = buildContext(t, "FROM "+reg+"/x:1\n")
		}
		code, out := e.do("POST", path, body)
		refused(t, path, code, out)
		if !strings.Contains(string(out), "allow_host") {
			t.Errorf("%s: got %s, want the way to allow it (allow_host)", path, out)
		}
	}
	if n := hits.Load(); n > 0 {
		t.Errorf("the engine connected to the host's own listener %s %d times", reg, n)
	}
}
