package proxy

import (
	"encoding/json"
	"net/http"
	"net/netip"
	"testing"
)

// TestAttackPublishZone: the proxy keeps published ports on the loopback
// interface, and an IPv6 address with a zone is loopback to Go ("::1%eth0",
// "::1%lo"), while the engine reads no zone: 20.10 and 28.5 both took such
// a HostIp as none and published the page's container on every address of
// their host (inspect: 0.0.0.0 and ::; ss: 0.0.0.0:PORT), reachable from
// the host's network. A zone is refused; the spellings of "every address"
// and of loopback a tutorial writes are still published on 127.0.0.1.
func TestAttackPublishZone(t *testing.T) {
	e := newEnv(t)
	e.px.pol.Egress = true // only a network with egress publishes ports
	e.px.pol.PageBridge = func() (string, error) { return "spz" + e.session[len(e.session)-8:], nil }
	if code, out := e.do("POST", "/networks/create", `{"Name":"pub-`+e.session+`"}`); code != http.StatusCreated {
		t.Fatalf("network: %d %s", code, out)
	}
	for _, c := range []struct {
		hostIP string
		allow  bool
	}{
		{"::1%eth0", false},
		{"::1%lo", false},
		{"::1%1", false},
		{"", true},
		{"0.0.0.0", true},
		{"::", true},
		{"127.0.0.1", true},
		{"::ffff:127.0.0.1", true},
	} {
		body := `{"Image":"busybox:1.36","Cmd":["sleep","30"],"ExposedPorts":{"80/tcp":{}},"HostConfig":{"NetworkMode":"pub-` +
			e.session + `","PortBindings":{"80/tcp":[{"HostIp":"` + c.hostIP + `"}]}}}`
		code, out := e.do("POST", "/containers/create", body)
		if code != http.StatusCreated {
			if c.allow {
				t.Errorf("-p %q: got %d %s, want created", c.hostIP, code, out)
			} else {
				refused(t, "-p "+c.hostIP, code, out)
			}
			continue
		}
		var v struct{ Id string }
		_ = json.Unmarshal(out, &v)
		if code, out := e.do("POST", "/containers/"+v.Id+"/start", nil); code/100 != 2 {
			t.Errorf("-p %q: start: %d %s", c.hostIP, code, out)
			continue
		}
		_, out = e.engine("GET", "/containers/"+v.Id+"/json", nil)
		var ins struct {
			NetworkSettings struct {
				Ports map[string][]struct{ HostIp string }
			}
		}
		if err := json.Unmarshal(out, &ins); err != nil {
			t.Fatal(err)
		}
		bs := ins.NetworkSettings.Ports["80/tcp"]
		if len(bs) == 0 {
			t.Errorf("-p %q: published nothing (%s), want 127.0.0.1", c.hostIP, out)
		}
		for _, b := range bs {
			if ip, err := netip.ParseAddr(b.HostIp); err != nil || !ip.IsLoopback() {
				t.Errorf("-p %q: the engine published on %q, want the loopback interface only", c.hostIP, b.HostIp)
			}
		}
		e.do("DELETE", "/containers/"+v.Id+"?force=1", nil)
	}
}
