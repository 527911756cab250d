package runner_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/shipshape/shipshape/internal/runner"
	"github.com/shipshape/shipshape/internal/testenv"
)

// TestSessionNetworkKeepsOffTheHost probes a listener on every address of
// the engine's host from a session, with and without egress: from the
// session's shell and from a container the page starts. A one-off container
// on the default bridge reaches the same listener, which shows the probe
// works. The listener runs on the engine's host, not beside the test: the
// two differ for a nested or remote engine.
func TestSessionNetworkKeepsOffTheHost(t *testing.T) {
	e := testenv.Docker(t)
	testenv.Image(t, e, cli)
	testenv.Image(t, e, busybox)
	port, addrs := engineHostListener(t, e)
	open := strict()
	open.Network = "bridge"
	out := run(t, e, fmt.Sprintf("gw=$(ip route | awk '/^default/ {print $3}'); echo $gw; nc -w 5 $gw %d </dev/null", port), open)
	if !strings.Contains(string(out.Output), "reached-the-host") {
		t.Fatalf("control from the default bridge to its gateway, port %d: got %q, want the listener's greeting", port, out.Output)
	}
	for _, egress := range []bool{false, true} {
		t.Run(fmt.Sprintf("egress=%v", egress), func(t *testing.T) {
			s, err := e.StartSession(context.Background(), runner.SessionSpec{Image: cli, Limits: strict(), MapImage: mapBusybox, Network: egress})
			if err != nil && egress && strings.Contains(err.Error(), "is not on this machine") {
				// A nested or remote engine: no rule here could keep the
				// session from its host, so the session does not start.
				t.Logf("egress refused where the engine's bridge is not on this machine: %v", err)
				return
			}
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
