package proxy

import (
	"encoding/json"
	"net/http"
	"testing"
)

// BenchmarkPing and BenchmarkRunContainer measure what the proxy adds to
// a request: each runs the same requests directly on the engine and
// through the proxy.
func BenchmarkPing(b *testing.B) {
	e := newEnv(b)
	for _, c := range []struct {
		name string
		do   func(string, string, any) (int, []byte)
	}{{"direct", e.engine}, {"proxy", e.do}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if code, out := c.do("GET", "/_ping", nil); code != http.StatusOK {
					b.Fatalf("ping: %d %s", code, out)
				}
			}
		})
	}
}

func BenchmarkRunContainer(b *testing.B) {
	e := newEnv(b)
	body := map[string]any{"Image": baseImage, "Cmd": []string{"true"},
		"Labels":     map[string]string{testSessionLabel: e.session},
		"HostConfig": map[string]any{"NetworkMode": "none"}}
	for _, c := range []struct {
		name string
		do   func(string, string, any) (int, []byte)
	}{{"direct", e.engine}, {"proxy", e.do}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				code, out := c.do("POST", "/containers/create", body)
				if code != http.StatusCreated {
					b.Fatalf("create: %d %s", code, out)
				}
				var r struct{ Id string }
				_ = json.Unmarshal(out, &r)
				if code, out := c.do("POST", "/containers/"+r.Id+"/start", nil); code/100 != 2 {
					b.Fatalf("start: %d %s", code, out)
				}
				c.do("POST", "/containers/"+r.Id+"/wait", nil)
				e.engine("DELETE", "/containers/"+r.Id+"?force=1", nil)
			}
		})
	}
}
