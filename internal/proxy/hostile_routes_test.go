package proxy

import (
	"net/http"
	"os/exec"
	"strings"
	"testing"
)

// TestAttackSubnetOverHost: the engine takes the subnet and gateway a
// network create names as they are, checking them against its other
// networks but not against its host's routes, and gives the bridge of a
// network with egress the gateway address with a route for the subnet. A
// page with egress naming a small subnet around an address the host uses
// (its default gateway, its DNS server, the cloud's metadata address)
// sends the host's own traffic for it into the page's bridge, more
// specific than the host's route: the host loses what lies behind it,
// and a page container holding that address (--ip) receives what the host
// sends (seen by hand on 20.10: ip route get 169.254.169.254 answered
// dev <the page's bridge>). Such a network is refused addresses. An
// internal network's bridge gets no host address (inhibit_ipv4), so no
// route: it keeps the addresses a tutorial names (--subnet, --ip), and
// the host's route stays as it was.
func TestAttackSubnetOverHost(t *testing.T) {
	e := newEnv(t)
	e.px.pol.Egress = true
	e.px.pol.PageBridge = func() (string, error) { return "ssr" + e.session[len(e.session)-8:], nil }
	route := func() string {
		out, err := exec.Command("ip", "-4", "route", "get", "169.254.169.254").Output()
		if err != nil {
			t.Fatalf("ip route get: %v", err)
		}
		return strings.Fields(strings.SplitN(string(out), "\n", 2)[0])[2]
	}
	before := route()
	for name, body := range map[string]string{
		"subnet and gateway": `{"Name":"n-route","IPAM":{"Config":[{"Subnet":"169.254.169.252/30","Gateway":"169.254.169.253"}]}}`,
		"ip range":           `{"Name":"n-route","IPAM":{"Config":[{"IPRange":"169.254.169.252/30"}]}}`,
		"gateway":            `{"Name":"n-route","IPAM":{"Config":[{"Gateway":"169.254.169.254"}]}}`,
	} {
		code, out := e.do("POST", "/networks/create", body)
		if code == http.StatusCreated {
			t.Logf("%s: the host now routes 169.254.169.254 via %s", name, route())
			e.do("DELETE", "/networks/n-route", nil)
		}
		refused(t, name, code, out)
	}
	for name, body := range map[string]string{
		"internal, subnet and gateway": `{"Name":"n-route","Internal":true,"IPAM":{"Config":[{"Subnet":"169.254.169.252/30","Gateway":"169.254.169.253"}]}}`,
		"internal, ip range":           `{"Name":"n-route","Internal":true,"IPAM":{"Config":[{"Subnet":"169.254.169.0/24","IPRange":"169.254.169.252/30"}]}}`,
	} {
		if code, out := e.do("POST", "/networks/create", body); code != http.StatusCreated {
			t.Errorf("%s: got %d %s, want created", name, code, out)
			continue
		}
		if via := route(); via != before {
			t.Errorf("%s: the host routes 169.254.169.254 via %s, was %s", name, via, before)
		}
		e.do("DELETE", "/networks/n-route", nil)
	}
	// A network the engine gives addresses to is the page's as before.
	if code, out := e.do("POST", "/networks/create", `{"Name":"n-route","Internal":true,"IPAM":{"Driver":"default","Config":[]}}`); code != http.StatusCreated {
		t.Errorf("a network without addresses named: got %d %s, want created", code, out)
	}
}
