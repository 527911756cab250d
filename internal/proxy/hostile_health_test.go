package proxy

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// TestAttackHealthProbes: the engine takes health probe intervals down to
// 1 ms, and runs each probe as an exec on its own host (dockerd,
// containerd, a shim, runc), outside every limit of the page. Measured on
// 28.5 (the engine in a container of its own on a 2-CPU host, its cgroup's
// CPU less its containers'): 8 containers probed every 1 ms kept both CPUs
// busy, 11 CPU-seconds of the engine's own in 10 s besides the
// containers' 8.5; every 1 s, 5.1 and 3.6; with no health check, 0.03.
// So a page's intervals, asked or from its image, are raised to a second;
// a container the engine made with shorter ones (its image changed under
// the name after create looked) is not started; and a page's containers
// together are probed at most maxProbeRate times a second.
func TestAttackHealthProbes(t *testing.T) {
	e := newEnv(t)
	tag := "probes-" + e.session + ":1"
	if code, out := e.do("POST", "/build?rm=1&t="+url.QueryEscape(tag), buildContext(t, "FROM busybox:1.36\nHEALTHCHECK --interval=1ms CMD true\n")); code != http.StatusOK {
		t.Fatalf("build: %d %s", code, out)
	}
	for name, body := range map[string]string{
		"asked":  `{"Image":"busybox:1.36","Cmd":["sleep","60"],"Healthcheck":{"Test":["CMD","true"],"Interval":1000000,"StartInterval":1000000,"StartPeriod":60000000000}}`,
		"image":  `{"Image":"` + tag + `","Cmd":["sleep","60"]}`,
		"image+": `{"Image":"` + tag + `","Cmd":["sleep","60"],"Healthcheck":{"Retries":2}}`,
	} {
		code, out := e.do("POST", "/containers/create", body)
		if code != http.StatusCreated {
			t.Errorf("%s: create: got %d %s, want created", name, code, out)
			continue
		}
		var c struct{ Id string }
		_ = json.Unmarshal(out, &c)
		if code, out := e.do("POST", "/containers/"+c.Id+"/start", nil); code/100 != 2 {
			t.Errorf("%s: start: %d %s", name, code, out)
			continue
		}
		time.Sleep(3500 * time.Millisecond)
		var v struct {
			Config struct {
				Healthcheck struct {
					Test                    []string
					Interval, StartInterval time.Duration
				}
			}
			State struct {
				Health struct {
					Log []struct{ Start, End time.Time }
				}
			}
		}
		_, out = e.engine("GET", "/containers/"+c.Id+"/json", nil)
		if err := json.Unmarshal(out, &v); err != nil {
			t.Fatal(err)
		}
		hc := v.Config.Healthcheck
		if len(hc.Test) == 0 || hc.Interval < minProbeInterval || (hc.StartInterval != 0 && hc.StartInterval < minProbeInterval) {
			t.Errorf("%s: the engine holds %+v, want the test kept and intervals of at least %v", name, hc, minProbeInterval)
		}
		log := v.State.Health.Log
		if len(log) == 0 {
			t.Errorf("%s: no probe ran in 3.5 s, want the health check kept", name)
		}
		for i := 1; i < len(log); i++ {
			if gap := log[i].Start.Sub(log[i-1].End); gap < minProbeInterval*9/10 {
				t.Errorf("%s: a probe started %v after the last ended, want at least %v", name, gap, minProbeInterval)
				break
			}
		}
		e.do("DELETE", "/containers/"+c.Id+"?force=1", nil)
	}
	// The image's name may stand for another image by the time the engine
	// reads it: a container of the page's made so is not started.
	code, out := e.engine("POST", "/containers/create", map[string]any{"Image": tag, "Cmd": []string{"sleep", "60"}, "Labels": e.px.pol.Labels})
	if code != http.StatusCreated {
		t.Fatalf("create behind the proxy: %d %s", code, out)
	}
	var c struct{ Id string }
	_ = json.Unmarshal(out, &c)
	for _, action := range []string{"start", "restart"} {
		code, out = e.do("POST", "/containers/"+c.Id+"/"+action, nil)
		refused(t, action+" with probes every 1 ms", code, out)
	}

	e.do("DELETE", "/containers/"+c.Id+"?force=1", nil)

	// The page's containers together: at most maxProbeRate probes a second.
	every := `{"Image":"busybox:1.36","Cmd":["sleep","60"],"Healthcheck":{"Test":["CMD","true"],"Interval":1000000000}}`
	var ids []string
	for i := 0; i < int(maxProbeRate); i++ {
		id := e.create(every)
		if code, out := e.do("POST", "/containers/"+id+"/start", nil); code/100 != 2 {
			t.Fatalf("start probed container %d: %d %s", i+1, code, out)
		}
		ids = append(ids, id)
	}
	more := e.create(every)
	code, out = e.do("POST", "/containers/"+more+"/start", nil)
	refused(t, fmt.Sprintf("a container probed every second beside %d", len(ids)), code, out)
	if code, out := e.do("POST", "/containers/"+e.create(`{"Image":"busybox:1.36","Cmd":["sleep","60"]}`)+"/start", nil); code/100 != 2 {
		t.Errorf("a container without probes: start: %d %s", code, out)
	}
	e.do("DELETE", "/containers/"+ids[0]+"?force=1", nil)
	if code, out := e.do("POST", "/containers/"+more+"/start", nil); code/100 != 2 {
		t.Errorf("a probed container once another is removed: start: %d %s", code, out)
	}
}
