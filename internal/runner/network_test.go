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

// probeSession starts a session, with egress or not, closed when the test
// ends; nil where egress is refused because the engine is not on this
// machine (nested or remote: no rule here could keep the session from its
// host, so such a session does not start).
func probeSession(t *testing.T, e *runner.Engine, egress bool) *runner.Session {
	t.Helper()
	s, err := e.StartSession(context.Background(), runner.SessionSpec{Image: cli, Limits: strict(), MapImage: mapBusybox, Network: egress})
	if err != nil && egress && strings.Contains(err.Error(), "is not on this machine") {
		t.Logf("egress refused where the engine's bridge is not on this machine: %v", err)
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

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
			s := probeSession(t, e, egress)
			if s == nil {
				return
			}
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

const python = "shipshape/python:3.11"

// dnsListener answers every DNS query on UDP port 53 of all the engine's
// host's addresses, loopback too, with "no such name", and prints the name
// asked. Its program is python3's (busybox's nc has no UDP).
const dnsListener = `
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    s.bind(("0.0.0.0", 53))
except OSError as e:
    print("bind-failed", e, flush=True)
    sys.exit(1)
print("listening", flush=True)
while True:
    d, a = s.recvfrom(4096)
    i, labels = 12, []
    while i < len(d) and d[i]:
        labels.append(d[i+1:i+1+d[i]].decode("ascii", "replace"))
        i += 1 + d[i]
    print("query", ".".join(labels), "from", a[0], flush=True)
    if len(d) >= i + 5:
        s.sendto(d[:2] + bytes([0x81, 0x83]) + d[4:6] + bytes(6) + d[12:i+5], a)
`

// TestSessionDNSKeepsOffTheHost: a page's containers cannot reach a DNS
// server on the engine's host, neither by naming it (--dns 127.0.0.1, the
// address of a bridge's gateway, of the host) for the engine's embedded
// resolver to forward to, which once forwarded from the host's namespace
// (CVE-2024-29018), nor directly. A query from the engine's host itself
// reaches the listener, which shows the probe works. The queried names
// carry the data a page would smuggle out.
func TestSessionDNSKeepsOffTheHost(t *testing.T) {
	e := testenv.Docker(t)
	testenv.Image(t, e, cli)
	testenv.Image(t, e, busybox)
	testenv.Image(t, e, python)
	_, addrs := engineHostListener(t, e)
	id := onEngineHostRun(t, e, python, nil, []string{"python3", "-c", dnsListener})
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(logsOf(t, e, id), "listening") {
		if l := logsOf(t, e, id); strings.Contains(l, "bind-failed") || time.Now().After(deadline) {
			t.Fatalf("no DNS listener on the engine's host: %q", l)
		}
		time.Sleep(100 * time.Millisecond)
	}
	engineHostOutput(t, e, nil, "nslookup control-from-the-host.test 127.0.0.1 >/dev/null 2>&1; true")
	if l := logsOf(t, e, id); !strings.Contains(l, "query control-from-the-host.test") {
		t.Fatalf("control from the engine's host to 127.0.0.1:53: the listener got %q", l)
	}
	// And from a one-off container on the default bridge, to its gateway,
	// with the probe's own commands.
	open := strict()
	open.Network = "bridge"
	run(t, e, "gw=$(ip route | awk '/^default/ {print $3}'); timeout 3 nslookup control-from-a-container.test $gw", open)
	if l := logsOf(t, e, id); !strings.Contains(l, "query control-from-a-container.test") {
		t.Fatalf("control from the default bridge to its gateway's port 53: the listener got %q", l)
	}
	for _, egress := range []bool{false, true} {
		t.Run(fmt.Sprintf("egress=%v", egress), func(t *testing.T) {
			s := probeSession(t, e, egress)
			if s == nil {
				return
			}
			var script strings.Builder
			script.WriteString("docker network create pagenet >/dev/null && docker network create --internal pageint >/dev/null || echo network-create-failed\n")
			// Each container asks through the embedded resolver for each
			// server it names, then that server directly.
			servers := append([]string{"127.0.0.1", "gateway"}, addrs...)
			fmt.Fprintf(&script, "probe='gw=$(ip route | awk \"/^default/ {print \\$3}\"); for d in %s; do [ $d = gateway ] && d=$gw; [ -n \"$d\" ] || continue; echo \"$1 via $d\"; timeout 3 nslookup \"smuggled-$1-$d.test\" >/dev/null 2>&1 & timeout 3 nslookup \"direct-$1-$d.test\" $d >/dev/null 2>&1 & done; wait'\n", strings.Join(servers, " "))
			for _, n := range []string{"", "pagenet", "pageint"} {
				name, flag := "session", ""
				if n != "" {
					name, flag = n, "--network "+n
				}
				// One container for each server the embedded resolver is
				// told to forward to; the gateway is known inside only.
				for _, d := range servers {
					if d != "gateway" {
						fmt.Fprintf(&script, "docker run --rm %s --dns %s busybox:1.36 sh -c \"$probe\" - %s </dev/null 2>&1 &\n", flag, d, name)
					}
				}
				script.WriteString("wait\n")
			}
			out, err := s.Exec(context.Background(), script.String()+"echo probes-done", 5*time.Minute, 64<<10)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(out.Output), "probes-done") || strings.Contains(string(out.Output), "network-create-failed") ||
				!strings.Contains(string(out.Output), "pageint via "+addrs[len(addrs)-1]) {
				t.Errorf("probes did not all run: got\n%s", out.Output)
			}
			if l := logsOf(t, e, id); strings.Contains(l, "smuggled-") || strings.Contains(l, "direct-") {
				t.Errorf("a page's query reached the DNS server on the engine's host:\n%s\nprobes:\n%s", l, out.Output)
			}
		})
	}
}
