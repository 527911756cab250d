package proxy

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	controlapi "github.com/moby/buildkit/api/services/control"
	bkclient "github.com/moby/buildkit/client"
	"github.com/moby/buildkit/client/llb"
	gateway "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/tonistiigi/fsutil"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// hijack opens path on the proxy as a client library does: POST, upgraded
// to proto, with the session's headers.
func (e *env) hijack(ctx context.Context, path, proto string, meta map[string][]string) (net.Conn, error) {
	hdr := http.Header{}
	hdr.Set("Upgrade", proto)
	hdr.Set("Connection", "Upgrade")
	for k, vs := range meta {
		for _, v := range vs {
			hdr.Add(k, v)
		}
	}
	var d net.Dialer
	return upgradePOST(ctx, func(ctx context.Context) (net.Conn, error) { return d.DialContext(ctx, "unix", e.sock) }, path, hdr)
}

// buildKitClient is BuildKit's own client library, reaching the engine
// through the proxy as buildx's docker driver does.
func (e *env) buildKitClient(t *testing.T) *bkclient.Client {
	t.Helper()
	c, err := bkclient.New(context.Background(), "",
		bkclient.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return e.hijack(ctx, "/grpc", "h2c", nil) }),
		bkclient.WithSessionDialer(func(ctx context.Context, proto string, meta map[string][]string) (net.Conn, error) {
			return e.hijack(ctx, "/session", proto, meta)
		}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// denied says whether err is the proxy's refusal.
func denied(err error) bool {
	return err != nil && strings.Contains(err.Error(), "shipshape") && (status.Code(err) == codes.PermissionDenied || strings.Contains(err.Error(), "PermissionDenied"))
}

// Attack 14: drive the engine's BuildKit through POST /grpc with its own
// client library: the page's own LLB, another frontend, entitlements,
// frontend options that pick another frontend, source or network,
// exporters that push or write elsewhere, caches from registries; and,
// inside a build the page drives itself, the gateway's raw solves and
// containers.
func TestAttackControlAPI(t *testing.T) {
	e := newEnv(t)
	c := e.buildKitClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := os.WriteFile(filepath.Join(e.work, "Dockerfile"), []byte("FROM "+baseImage+"\nRUN test \"$(ls /sys/class/net)\" = lo\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	work, err := fsutil.NewFS(e.work)
	if err != nil {
		t.Fatal(err)
	}
	mounts := map[string]fsutil.FS{"context": work, "dockerfile": work}
	name := "ctl-" + e.session
	image := bkclient.ExportEntry{Type: "moby", Attrs: map[string]string{"name": name}}

	// The page's own build, as docker buildx build makes it, passes: its
	// steps have no network though it asked for the default one, and the
	// image carries the session's label.
	res, err := c.Solve(ctx, nil, bkclient.SolveOpt{Frontend: "dockerfile.v0", LocalMounts: mounts, Exports: []bkclient.ExportEntry{image},
		FrontendAttrs: map[string]string{"force-network-mode": "default", "no-cache": ""}}, nil)
	if err != nil {
		t.Fatalf("the page's own Dockerfile build: %v", err)
	}
	code, out := e.engine("GET", "/images/"+name+"/json", nil)
	var im struct {
		Id     string
		Config struct{ Labels map[string]string }
	}
	_ = json.Unmarshal(out, &im)
	if code != http.StatusOK || im.Config.Labels[testSessionLabel] != e.session || im.Id != res.ExporterResponse["containerimage.digest"] {
		t.Errorf("built image %s: got %d %s, want it labelled for the session", name, code, out)
	}

	def, err := llb.Image(baseImage).Run(llb.Shlex("echo pwned"), llb.Network(llb.NetModeHost)).Root().Marshal(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []struct {
		name string
		def  *llb.Definition
		opt  bkclient.SolveOpt
	}{
		{"the page's own LLB", def, bkclient.SolveOpt{}},
		{"another frontend", nil, bkclient.SolveOpt{Frontend: "gateway.v0", FrontendAttrs: map[string]string{"source": "evil/frontend"}}},
		{"the host network entitlement", nil, bkclient.SolveOpt{Frontend: "dockerfile.v0", LocalMounts: mounts, AllowedEntitlements: []string{"network.host"}}},
		{"the insecure entitlement", nil, bkclient.SolveOpt{Frontend: "dockerfile.v0", LocalMounts: mounts, AllowedEntitlements: []string{"security.insecure"}}},
		{"frontend by command line", nil, bkclient.SolveOpt{Frontend: "dockerfile.v0", LocalMounts: mounts, FrontendAttrs: map[string]string{"cmdline": "evil/frontend"}}},
		{"frontend by build arg", nil, bkclient.SolveOpt{Frontend: "dockerfile.v0", LocalMounts: mounts, FrontendAttrs: map[string]string{"build-arg:buildkit_syntax": "evil/frontend"}}},
		{"Dockerfile from another source", nil, bkclient.SolveOpt{Frontend: "dockerfile.v0", LocalMounts: mounts, FrontendAttrs: map[string]string{"dockerfilekey": "context"}}},
		{"context from a URL", nil, bkclient.SolveOpt{Frontend: "dockerfile.v0", LocalMounts: mounts, FrontendAttrs: map[string]string{"context": "http://127.0.0.1:9/ctx.tar"}}},
		{"named context from a URL", nil, bkclient.SolveOpt{Frontend: "dockerfile.v0", LocalMounts: mounts, FrontendAttrs: map[string]string{"context:x": "https://127.0.0.1:9/x.git"}}},
		{"the host network by option", nil, bkclient.SolveOpt{Frontend: "dockerfile.v0", LocalMounts: mounts, FrontendAttrs: map[string]string{"force-network-mode": "host"}}},
		{"another cgroup", nil, bkclient.SolveOpt{Frontend: "dockerfile.v0", LocalMounts: mounts, FrontendAttrs: map[string]string{"cgroup-parent": "/"}}},
		{"the verifier's labels", nil, bkclient.SolveOpt{Frontend: "dockerfile.v0", LocalMounts: mounts, FrontendAttrs: map[string]string{"label:org.shipshape.session": "other"}}},
		{"an SBOM scanner image", nil, bkclient.SolveOpt{Frontend: "dockerfile.v0", LocalMounts: mounts, FrontendAttrs: map[string]string{"attest:sbom": "generator=evil/scanner"}}},
		{"files out to the client", nil, bkclient.SolveOpt{Frontend: "dockerfile.v0", LocalMounts: mounts, Exports: []bkclient.ExportEntry{{Type: "local", OutputDir: t.TempDir()}}}},
		{"a push", nil, bkclient.SolveOpt{Frontend: "dockerfile.v0", LocalMounts: mounts, Exports: []bkclient.ExportEntry{{Type: "image", Attrs: map[string]string{"name": "x-" + e.session, "push": "true"}}}}},
		{"a base image's name", nil, bkclient.SolveOpt{Frontend: "dockerfile.v0", LocalMounts: mounts, Exports: []bkclient.ExportEntry{{Type: "moby", Attrs: map[string]string{"name": "busybox:1.36"}}}}},
		{"a cache from a registry", nil, bkclient.SolveOpt{Frontend: "dockerfile.v0", LocalMounts: mounts, CacheImports: []bkclient.CacheOptionsEntry{{Type: "registry", Attrs: map[string]string{"ref": "127.0.0.1:5000/x"}}}}},
		{"a cache out to a folder", nil, bkclient.SolveOpt{Frontend: "dockerfile.v0", LocalMounts: mounts, CacheExports: []bkclient.CacheOptionsEntry{{Type: "local", Attrs: map[string]string{"dest": t.TempDir()}}}}},
		{"an exporter through the session", nil, bkclient.SolveOpt{Frontend: "dockerfile.v0", LocalMounts: mounts, EnableSessionExporter: true}},
		{"frontend inputs", nil, bkclient.SolveOpt{Frontend: "dockerfile.v0", LocalMounts: mounts, FrontendInputs: map[string]llb.State{"context": llb.Image(baseImage)}}},
	} {
		if a.opt.FrontendAttrs == nil {
			a.opt.FrontendAttrs = map[string]string{} // the client writes cache options into it
		}
		if _, err := c.Solve(ctx, a.def, a.opt, nil); !denied(err) {
			t.Errorf("%s: got %v, want the proxy's refusal", a.name, err)
		}
	}

	// A build the page drives through the gateway, as buildx does: the
	// Dockerfile frontend passes, judged; nothing else does.
	var inside []string
	_, err = c.Build(ctx, bkclient.SolveOpt{LocalMounts: mounts}, "", func(ctx context.Context, gw gateway.Client) (*gateway.Result, error) {
		for _, a := range []struct {
			name string
			req  gateway.SolveRequest
		}{
			{"the page's own LLB", gateway.SolveRequest{Definition: def.ToPB()}},
			{"another frontend", gateway.SolveRequest{Frontend: "gateway.v0", FrontendOpt: map[string]string{"source": "evil/frontend"}}},
			{"frontend by command line", gateway.SolveRequest{Frontend: "dockerfile.v0", FrontendOpt: map[string]string{"cmdline": "evil/frontend"}}},
			{"the host network by option", gateway.SolveRequest{Frontend: "dockerfile.v0", FrontendOpt: map[string]string{"force-network-mode": "host"}}},
		} {
			if _, err := gw.Solve(ctx, a.req); !denied(err) {
				inside = append(inside, fmt.Sprintf("gateway %s: got %v, want the proxy's refusal", a.name, err))
			}
		}
		r, err := gw.Solve(ctx, gateway.SolveRequest{Frontend: "dockerfile.v0", FrontendOpt: map[string]string{"no-cache": ""}})
		if err != nil {
			inside = append(inside, fmt.Sprintf("gateway Dockerfile solve: %v", err))
			return nil, err
		}
		ref, err := r.SingleRef()
		if err != nil {
			return nil, err
		}
		if _, err := gw.NewContainer(ctx, gateway.NewContainerRequest{Mounts: []gateway.Mount{{Dest: "/", Ref: ref}}, NetMode: 2}); !denied(err) {
			inside = append(inside, fmt.Sprintf("gateway container: got %v, want the proxy's refusal", err))
		}
		return r, nil
	}, nil)
	if err != nil {
		t.Errorf("a build the page drives through the gateway: %v", err)
	}
	for _, s := range inside {
		t.Error(s)
	}
}

// Attack 15: speak gRPC to POST /grpc by hand: methods off the allowlist,
// a request with fields the proxy cannot read or cannot decode at all,
// another page's build, a session the page did not open, an exporter
// named twice.
func TestAttackControlRaw(t *testing.T) {
	e := newEnv(t)
	cc, err := grpc.NewClient("passthrough:///grpc", grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return e.hijack(ctx, "/grpc", "h2c", nil) }),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(rawCodec{})))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	solve := func(r *controlapi.SolveRequest) []byte {
		b, err := proto.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	good := &controlapi.SolveRequest{Ref: "raw0123456789abcdef", Frontend: "dockerfile.v0", Session: "nosuchsession"}
	unknown := protowire.AppendTag(solve(good), 99, protowire.BytesType)
	unknown = protowire.AppendBytes(unknown, []byte("later field"))
	status1, _ := proto.Marshal(&controlapi.StatusRequest{Ref: "someone-elses-build-0123"})
	for _, a := range []struct {
		name, method string
		body         []byte
		md           metadata.MD
	}{
		{"prune the engine's cache", "/moby.buildkit.v1.Control/Prune", nil, nil},
		{"read the engine's disk use", "/moby.buildkit.v1.Control/DiskUsage", nil, nil},
		{"a session on the control API", "/moby.buildkit.v1.Control/Session", nil, nil},
		{"watch every build", "/moby.buildkit.v1.Control/ListenBuildHistory", nil, nil},
		{"rewrite build history", "/moby.buildkit.v1.Control/UpdateBuildHistory", nil, nil},
		{"a health check", "/grpc.health.v1.Health/Check", nil, nil},
		{"a build container", "/moby.buildkit.v1.frontend.LLBBridge/NewContainer", nil, metadata.Pairs(buildIDKey, "raw0123456789abcdef")},
		{"a process in a build container", "/moby.buildkit.v1.frontend.LLBBridge/ExecProcess", nil, metadata.Pairs(buildIDKey, "raw0123456789abcdef")},
		{"resolve an image on any registry host", "/moby.buildkit.v1.frontend.LLBBridge/ResolveImageConfig", nil, metadata.Pairs(buildIDKey, "raw0123456789abcdef")},
		{"resolve any source", "/moby.buildkit.v1.frontend.LLBBridge/ResolveSourceMeta", nil, metadata.Pairs(buildIDKey, "raw0123456789abcdef")},
		{"a path that is not a method", "/moby.buildkit.v1.Control/../Control/Prune", nil, nil},
		{"fields the proxy cannot read", "/moby.buildkit.v1.Control/Solve", unknown, nil},
		{"a request that is not one", "/moby.buildkit.v1.Control/Solve", []byte{0xff, 0xff, 0xff}, nil},
		{"a session the page did not open", "/moby.buildkit.v1.Control/Solve", solve(good), nil},
		{"an exporter named twice, differently", "/moby.buildkit.v1.Control/Solve", solve(&controlapi.SolveRequest{Ref: "raw0123456789abcdef", Frontend: "dockerfile.v0",
			ExporterDeprecated: "local", Exporters: []*controlapi.Exporter{{Type: "moby"}}}), nil},
		{"a reference that is a path", "/moby.buildkit.v1.Control/Solve", solve(&controlapi.SolveRequest{Ref: "../../x", Frontend: "dockerfile.v0"}), nil},
		{"another page's build status", "/moby.buildkit.v1.Control/Status", status1, nil},
		{"a gateway call for another page's build", "/moby.buildkit.v1.frontend.LLBBridge/Ping", nil, metadata.Pairs(buildIDKey, "someone-elses-build-0123")},
		{"a gateway call naming no build", "/moby.buildkit.v1.frontend.LLBBridge/Ping", nil, nil},
		{"a gateway call naming two builds", "/moby.buildkit.v1.frontend.LLBBridge/Ping", nil, metadata.Pairs(buildIDKey, "a0123456789abcdef", buildIDKey, "b0123456789abcdef")},
	} {
		t.Run(a.name, func(t *testing.T) {
			t.Parallel()
			cctx := ctx
			if a.md != nil {
				cctx = metadata.NewOutgoingContext(ctx, a.md)
			}
			err := cc.Invoke(cctx, a.method, &frame{b: a.body}, &frame{})
			if status.Code(err) != codes.PermissionDenied || !strings.Contains(err.Error(), "shipshape") {
				t.Errorf("%s: got %v, want the proxy's refusal", a.method, err)
			}
		})
	}
}
