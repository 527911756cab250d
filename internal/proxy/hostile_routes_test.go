package proxy

import (
	"net/http"
	"os/exec"
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
// dev <the page's bridge>). Internal networks get no host address
// (inhibit_ipv4), so no route, but they are refused alike: the engine
// picks every page network's addresses.
func TestAttackSubnetOverHost(t *testing.T) {
	e := newEnv(t)
	e.px.pol.Egress = true
	e.px.pol.PageBridge = func() (string, error) { return "ssr" + e.session[len(e.session)-8:], nil }
	for name, body := range map[string]string{
		"subnet and gateway": `{"Name":"n-route","IPAM":{"Config":[{"Subnet":"169.254.169.252/30","Gateway":"169.254.169.253"}]}}`,
		"internal":           `{"Name":"n-route","Internal":true,"IPAM":{"Config":[{"Subnet":"169.254.169.252/30"}]}}`,
		"ip range":           `{"Name":"n-route","Internal":true,"IPAM":{"Config":[{"IPRange":"169.254.169.252/30"}]}}`,
		"gateway":            `{"Name":"n-route","Internal":true,"IPAM":{"Config":[{"Gateway":"169.254.169.254"}]}}`,
	} {
		code, out := e.do("POST", "/networks/create", body)
		if code == http.StatusCreated {
			route, _ := exec.Command("ip", "route", "get", "169.254.169.254").CombinedOutput()
			t.Logf("%s: the host now routes 169.254.169.254 as: %s", name, route)
			e.do("DELETE", "/networks/n-route", nil)
		}
		refused(t, name, code, out)
	}
	// A network the engine gives addresses to is the page's as before.
	if code, out := e.do("POST", "/networks/create", `{"Name":"n-route","Internal":true,"IPAM":{"Driver":"default","Config":[]}}`); code != http.StatusCreated {
		t.Errorf("a network without addresses named: got %d %s, want created", code, out)
	}
}
