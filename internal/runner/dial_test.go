package runner

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEngineEndpoint: the engine is found as the docker CLI finds it.
func TestEngineEndpoint(t *testing.T) {
	cfg := t.TempDir()
	ctxDir := func(name string) string {
		s := sha256.Sum256([]byte(name))
		return hex.EncodeToString(s[:])
	}
	write := func(p, body string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(cfg, "contexts", "meta", ctxDir("far"), "meta.json"), `{"Name":"far","Metadata":{},"Endpoints":{"docker":{"Host":"ssh://bob@far.example","SkipTLSVerify":false}}}`)
	write(filepath.Join(cfg, "contexts", "meta", ctxDir("tls"), "meta.json"), `{"Name":"tls","Endpoints":{"docker":{"Host":"tcp://10.0.0.9:2376"}}}`)
	write(filepath.Join(cfg, "contexts", "tls", ctxDir("tls"), "docker", "ca.pem"), "x")
	cases := []struct {
		name, host, context, current string
		want, wantTLS, err           string
	}{
		{name: "nothing set", want: "unix:///var/run/docker.sock"},
		{name: "DOCKER_HOST wins", host: "tcp://1.2.3.4:2375", context: "far", want: "tcp://1.2.3.4:2375"},
		{name: "DOCKER_CONTEXT", context: "far", want: "ssh://bob@far.example"},
		{name: "current context", current: "far", want: "ssh://bob@far.example"},
		{name: "DOCKER_CONTEXT over current", context: "tls", current: "far", want: "tcp://10.0.0.9:2376", wantTLS: filepath.Join(cfg, "contexts", "tls", ctxDir("tls"), "docker")},
		{name: "default context", current: "default", want: "unix:///var/run/docker.sock"},
		{name: "missing context", context: "nope", err: `docker context "nope"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("DOCKER_CONFIG", cfg)
			t.Setenv("DOCKER_HOST", c.host)
			t.Setenv("DOCKER_CONTEXT", c.context)
			t.Setenv("DOCKER_TLS_VERIFY", "")
			_ = os.Remove(filepath.Join(cfg, "config.json"))
			if c.current != "" {
				write(filepath.Join(cfg, "config.json"), `{"auths":{},"currentContext":"`+c.current+`"}`)
			}
			ep, err := engineEndpoint()
			switch {
			case c.err != "":
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Errorf("got %+v %v, want an error with %q", ep, err, c.err)
				}
			case err != nil:
				t.Errorf("got %v", err)
			case ep.host != c.want || ep.tls != c.wantTLS:
				t.Errorf("got host %q tls %q, want %q %q", ep.host, ep.tls, c.want, c.wantTLS)
			}
		})
	}
}
