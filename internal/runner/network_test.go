package runner_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/shipshape/shipshape/internal/runner"
	"github.com/shipshape/shipshape/internal/testenv"
)

// hostListener accepts on every host address and greets whoever connects.
func hostListener(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp4", "0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			fmt.Fprintln(c, "reached-the-host")
			c.Close()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}

// hostAddrs lists the host's IPv4 addresses beyond loopback: those of its
// own interfaces and of the engine's bridges.
func hostAddrs(t *testing.T) []string {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() {
			out = append(out, n.IP.String())
		}
	}
	if len(out) == 0 {
		t.Skip("the host has no address beyond loopback")
	}
	return out
}

// TestSessionNetworkKeepsOffTheHost probes a listener on every host address
// from a session, with and without egress: from the session's shell and
// from a container the page starts. A one-off container on the default
// bridge reaches the same listener, which shows the probe works.
func TestSessionNetworkKeepsOffTheHost(t *testing.T) {
	e := testenv.Docker(t)
	testenv.Image(t, e, cli)
	testenv.Image(t, e, busybox)
	port := hostListener(t)
	addrs := hostAddrs(t)
	open := strict()
	open.Network = "bridge"
	out := run(t, e, fmt.Sprintf("gw=$(ip route | awk '/^default/ {print $3}'); echo $gw; nc -w 5 $gw %d </dev/null", port), open)
	if !strings.Contains(string(out.Output), "reached-the-host") {
		t.Fatalf("control from the default bridge to its gateway, port %d: got %q, want the listener's greeting", port, out.Output)
	}
	mapImage := func(ref string) string {
		if strings.HasPrefix(ref, "busybox") {
			return busybox
		}
		return ref
	}
	for _, egress := range []bool{false, true} {
		t.Run(fmt.Sprintf("egress=%v", egress), func(t *testing.T) {
			s, err := e.StartSession(context.Background(), runner.SessionSpec{Image: cli, Limits: strict(), MapImage: mapImage, Network: egress})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			var script strings.Builder
			for _, a := range addrs {
				fmt.Fprintf(&script, "echo shell %[1]s; timeout 3 bash -c 'exec 3<>/dev/tcp/%[1]s/%[2]d; cat <&3' 2>&1\n", a, port)
				fmt.Fprintf(&script, "echo container %[1]s; docker run --rm busybox:1.36 nc -w 3 %[1]s %[2]d </dev/null 2>&1\n", a, port)
			}
			out := exec(t, s, script.String()+"true")
			if strings.Contains(string(out.Output), "reached-the-host") {
				t.Errorf("probes of %v port %d from a session: got\n%s\nwant no greeting", addrs, port, out.Output)
			}
			if !strings.Contains(string(out.Output), "container "+addrs[len(addrs)-1]) {
				t.Errorf("probes did not all run: got\n%s", out.Output)
			}
		})
	}
}
