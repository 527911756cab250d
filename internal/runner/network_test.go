package runner_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

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
			// Networks the page makes itself, plain and --internal, and
			// their gateways, are probed as well: each is a bridge on the
			// engine's host of its own. One container a network probes
			// every address, so that the script fits its time under load.
			script := strings.Builder{}
			script.WriteString("docker network create pagenet >/dev/null && docker network create --internal pageint >/dev/null || echo network-create-failed\n")
			all := strings.Join(addrs, " ")
			// The gateway, or where a bridge's host address would be.
			fmt.Fprintf(&script, "probe='gw=$(ip route | awk \"/^default/ {print \\$3}\"); [ -n \"$gw\" ] || gw=$(ip -4 -o addr show eth0 | awk \"{print \\$4}\" | sed \"s,[0-9]*/.*,1,\"); echo gateway $gw; nc -w 2 $gw %[1]d; for a in %[2]s; do echo \"$1 $a\"; nc -w 2 $a %[1]d; done'\n", port, all)
			fmt.Fprintf(&script, "for a in %[1]s; do echo shell $a; timeout 2 bash -c \"exec 3<>/dev/tcp/$a/%[2]d; cat <&3\" 2>&1; done\n", all, port)
			script.WriteString("echo container on the session network; docker run --rm busybox:1.36 sh -c \"$probe\" - container </dev/null 2>&1\n")
			for _, n := range []string{"pagenet", "pageint"} {
				fmt.Fprintf(&script, "echo container on %[1]s; docker run --rm --network %[1]s busybox:1.36 sh -c \"$probe\" - \"container on %[1]s\" </dev/null 2>&1\n", n)
			}
			out, err := s.Exec(context.Background(), script.String()+"true", 3*time.Minute, 64<<10)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(out.Output), "reached-the-host") {
				t.Errorf("probes of %v port %d from a session: got\n%s\nwant no greeting", addrs, port, out.Output)
			}
			if !strings.Contains(string(out.Output), "container on pageint "+addrs[len(addrs)-1]) || strings.Contains(string(out.Output), "network-create-failed") {
				t.Errorf("probes did not all run: got\n%s", out.Output)
			}
			// The page's containers ran on its networks: each found the
			// address its probe aimed at.
			for _, n := range []string{"pagenet", "pageint"} {
				if !regexp.MustCompile(`container on ` + n + `\ngateway [0-9]+\.`).Match(out.Output) {
					t.Errorf("no container ran on the page's network %s: got\n%s", n, out.Output)
				}
			}
		})
	}
}
