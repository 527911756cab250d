package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	controlapi "github.com/moby/buildkit/api/services/control"
	gatewayapi "github.com/moby/buildkit/frontend/gateway/pb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// POST /grpc is BuildKit's control API, upgraded to HTTP/2: buildx's docker
// driver builds through it (docker buildx build, and docker compose build,
// which runs buildx bake). The page's client may drive the engine's
// BuildKit only as a Dockerfile build does, so the proxy is the gRPC server
// toward the page and a client toward the engine, and judges each call by
// its method and its decoded request:
//
//   - Control.Solve: the engine's Dockerfile frontend only, or a build the
//     client drives through the gateway (LLBBridge below); no LLB of the
//     page's, no frontend inputs, entitlements, source policies, cache
//     imports or exports; the image exporter only, its names judged as
//     docker build -t; the page's own build session. The network is
//     forced off, the session's labels set and, where the engine honours
//     it, the steps put under the session's holder cgroup.
//   - Control.Status: the page's own builds.
//   - LLBBridge (the gateway a client-driven build uses): the page's own
//     builds; Solve with the Dockerfile frontend only, judged as above; no
//     containers.
//   - Control.ListWorkers and Info, which buildx asks before building.
//
// Not the gateway's ResolveImageConfig or ResolveSourceMeta: they would
// make the engine ask any registry or URL the page names, from the host's
// network; the Dockerfile frontend resolves its own FROM lines inside the
// engine.
//
// Everything else (Prune, DiskUsage, build history, the control API's own
// session, containers in a build) is refused.

// controlMethods are the calls a page may make, and how each is judged.
var controlMethods = map[string]func(p *Proxy, ctx context.Context, b []byte) ([]byte, error){
	"/moby.buildkit.v1.Control/Solve":       (*Proxy).judgeControlSolve,
	"/moby.buildkit.v1.Control/Status":      (*Proxy).judgeStatus,
	"/moby.buildkit.v1.Control/ListWorkers": passAsIs,
	"/moby.buildkit.v1.Control/Info":        passAsIs,

	"/moby.buildkit.v1.frontend.LLBBridge/Solve":    (*Proxy).judgeGatewaySolve,
	"/moby.buildkit.v1.frontend.LLBBridge/Ping":     passAsIs,
	"/moby.buildkit.v1.frontend.LLBBridge/Return":   passAsIs,
	"/moby.buildkit.v1.frontend.LLBBridge/Inputs":   passAsIs,
	"/moby.buildkit.v1.frontend.LLBBridge/ReadFile": passAsIs,
	"/moby.buildkit.v1.frontend.LLBBridge/ReadDir":  passAsIs,
	"/moby.buildkit.v1.frontend.LLBBridge/StatFile": passAsIs,
	"/moby.buildkit.v1.frontend.LLBBridge/Evaluate": passAsIs,
	"/moby.buildkit.v1.frontend.LLBBridge/Warn":     passAsIs,
}

func passAsIs(*Proxy, context.Context, []byte) ([]byte, error) { return nil, nil }

// buildIDKey is the gRPC metadata that names the build a gateway call is
// for (BuildKit's client/buildid).
const buildIDKey = "buildkit-controlapi-buildid"

// buildRefRe is what a build's reference looks like (clients make a random
// one).
var buildRefRe = regexp.MustCompile(`^[a-zA-Z0-9_-]{16,64}$`)

// control serves POST /grpc.
func (p *Proxy) control(w http.ResponseWriter, r *http.Request, _ args) {
	hdr, ok := upgradeRequest(w, r, "/grpc")
	if !ok {
		return
	}
	engine, page, ok := p.splice(w, r, "/grpc", hdr, "reach BuildKit")
	if !ok {
		return
	}
	defer engine.Close()
	defer page.Close()
	relay(page, engine, p.controlCall)
}

// controlCall judges one call of the page's and passes it to the engine.
func (p *Proxy) controlCall(cc *grpc.ClientConn, ss grpc.ServerStream) error {
	method, _ := grpc.MethodFromServerStream(ss)
	judge, ok := controlMethods[method]
	if !ok {
		return status.Errorf(codes.PermissionDenied, "shipshape: BuildKit's %s is not available to examples", method)
	}
	in, _ := metadata.FromIncomingContext(ss.Context())
	if strings.Contains(method, ".LLBBridge/") {
		// A gateway call names its build; it must be one of the page's.
		ids := in.Get(buildIDKey)
		if len(ids) != 1 || p.waitBuild(ss.Context(), ids[0]) != nil {
			return status.Errorf(codes.PermissionDenied, "shipshape: %s names build %q, not one of this page's", method, strings.Join(ids, ","))
		}
	}
	out := metadata.MD{}
	for k, v := range in {
		if strings.HasPrefix(k, ":") || strings.HasPrefix(k, "grpc-") || k == "content-type" || k == "user-agent" || k == "te" {
			continue
		}
		out[k] = v
	}
	// Every judged method takes one request message: it is read, judged
	// and replaced before anything reaches the engine.
	first := &frame{}
	if err := ss.RecvMsg(first); err != nil {
		return err
	}
	b, err := judge(p, ss.Context(), first.b)
	if err != nil {
		code := codes.PermissionDenied
		if errors.Is(err, ErrConflict) {
			code = codes.Aborted
		}
		return status.Error(code, "shipshape: "+err.Error())
	}
	if b != nil {
		first.b = b
	}
	if method == "/moby.buildkit.v1.Control/Solve" {
		// The build ends with this call: once no other build runs on
		// its session, the names its Dockerfiles held may be written
		// again.
		var req controlapi.SolveRequest
		if proto.Unmarshal(first.b, &req) == nil && req.Session != "" {
			defer p.sessionBuild(req.Session)()
		}
		// A build buildx drives counts toward the page's builds at once
		// as one through /build does: each has the engine's solver work
		// for it, outside the page's limits. Its status call waits
		// meanwhile: the engine answers one for a build it does not
		// know yet with "no such job" after a few seconds.
		release, err := p.buildSlot(ss.Context())
		p.mu.Lock()
		delete(p.queued, req.Ref)
		p.builds[req.Ref] = err
		p.mu.Unlock()
		if err != nil {
			return status.FromContextError(err).Err()
		}
		defer release()
	}
	cctx, cancel := context.WithCancel(metadata.NewOutgoingContext(ss.Context(), out))
	defer cancel()
	cs, err := cc.NewStream(cctx, &grpc.StreamDesc{ServerStreams: true, ClientStreams: true}, method)
	if err != nil {
		return err
	}
	if err := cs.SendMsg(first); err != nil {
		return err
	}
	// None of the allowed methods streams requests: anything more the
	// page sends ends the call.
	go func() {
		if err := ss.RecvMsg(&frame{}); err == io.EOF {
			_ = cs.CloseSend()
		} else {
			cancel()
		}
	}()
	if md, err := cs.Header(); err == nil && len(md) > 0 {
		_ = ss.SendHeader(md)
	}
	for {
		f := &frame{}
		if err := cs.RecvMsg(f); err != nil {
			ss.SetTrailer(cs.Trailer())
			if err == io.EOF {
				return nil
			}
			return err
		}
		if method == "/moby.buildkit.v1.Control/Solve" {
			p.recordBuilt(f.b)
		}
		if err := ss.SendMsg(f); err != nil {
			return err
		}
	}
}

// recordBuilt keeps the id of an image a page's build exported, so that
// the session removes it even if the page's gateway client dropped the
// session's labels from its config.
func (p *Proxy) recordBuilt(b []byte) {
	var res controlapi.SolveResponse
	if proto.Unmarshal(b, &res) != nil {
		return
	}
	if id := res.ExporterResponse["containerimage.digest"]; strings.HasPrefix(id, "sha256:") {
		p.mu.Lock()
		p.tags = append(p.tags, id)
		p.mu.Unlock()
	}
}

// waitBuild returns nil if ref is a build this page started, and the
// reason if the proxy refused it.
func (p *Proxy) waitBuild(ctx context.Context, ref string) error {
	for {
		queued := false
		why, ok := waitFor(ctx, 10*time.Second, func() (error, bool) {
			p.mu.Lock()
			defer p.mu.Unlock()
			why, seen := p.builds[ref]
			queued = p.queued[ref]
			return why, seen
		})
		switch {
		case ok:
			return why
		case queued && ctx.Err() == nil:
			continue // waiting for a build slot, however long
		}
		return fmt.Errorf("build %q is not one of this page's", ref)
	}
}

// decodeRequest reads a call's request into m, refusing one that carries
// fields this proxy's BuildKit API does not know: what it cannot read it
// does not pass.
func decodeRequest(b []byte, m proto.Message, what string) error {
	if err := proto.Unmarshal(b, m); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if len(m.ProtoReflect().GetUnknown()) > 0 {
		return fmt.Errorf("%s: the request carries fields this proxy does not know", what)
	}
	return nil
}

func (p *Proxy) judgeStatus(ctx context.Context, b []byte) ([]byte, error) {
	var req controlapi.StatusRequest
	if err := decodeRequest(b, &req, "status request"); err != nil {
		return nil, err
	}
	if err := p.waitBuild(ctx, req.Ref); err != nil {
		return nil, err
	}
	return proto.Marshal(&controlapi.StatusRequest{Ref: req.Ref})
}

// judgeControlSolve judges a build's start and returns the request the
// engine gets, made afresh from the fields allowed. A refused build's
// reference is remembered as refused, so that the client's status call for
// it ends at once.
func (p *Proxy) judgeControlSolve(ctx context.Context, b []byte) ([]byte, error) {
	out, ref, err := p.judgeSolveRequest(ctx, b)
	if err != nil && buildRefRe.MatchString(ref) {
		p.mu.Lock()
		if _, seen := p.builds[ref]; !seen {
			p.builds[ref] = err
		}
		p.mu.Unlock()
	}
	return out, err
}

func (p *Proxy) judgeSolveRequest(ctx context.Context, b []byte) (_ []byte, ref string, err error) {
	var req controlapi.SolveRequest
	if err := decodeRequest(b, &req, "solve request"); err != nil {
		return nil, req.Ref, err
	}
	defer func() {
		if err != nil {
			p.endSession(req.Session)
		}
	}()
	switch {
	case !buildRefRe.MatchString(req.Ref):
		return nil, req.Ref, fmt.Errorf("build reference %q is not one a client makes", req.Ref)
	case req.Definition != nil:
		return nil, req.Ref, fmt.Errorf("a build of the page's own LLB is %w: builds use the engine's Dockerfile frontend", ErrPolicy)
	case req.Frontend != "" && req.Frontend != "dockerfile.v0":
		return nil, req.Ref, fmt.Errorf("frontend %q is %w: builds use the engine's Dockerfile frontend", req.Frontend, ErrPolicy)
	case len(req.FrontendInputs) > 0:
		return nil, req.Ref, fmt.Errorf("frontend inputs (named contexts of LLB) are %w", ErrPolicy)
	case len(req.Entitlements) > 0:
		return nil, req.Ref, fmt.Errorf("--allow %s is %w", strings.Join(req.Entitlements, ","), ErrPolicy)
	case req.SourcePolicy != nil || req.SourcePolicySession != "":
		return nil, req.Ref, fmt.Errorf("a source policy is %w", ErrPolicy)
	case req.Cache != nil && (len(req.Cache.Imports) > 0 || len(req.Cache.Exports) > 0 || req.Cache.ExportRefDeprecated != "" || len(req.Cache.ImportRefsDeprecated) > 0 || len(req.Cache.ExportAttrsDeprecated) > 0):
		return nil, req.Ref, fmt.Errorf("--cache-from and --cache-to are %w: builds use the engine's local cache", ErrPolicy)
	case req.EnableSessionExporter:
		return nil, req.Ref, fmt.Errorf("an exporter chosen through the session is %w", ErrPolicy)
	case req.ProxyNetwork:
		return nil, req.Ref, fmt.Errorf("a proxied build network is %w", ErrPolicy)
	}
	attrs, err := p.judgeFrontendAttrs(ctx, req.FrontendAttrs)
	if err != nil {
		return nil, req.Ref, err
	}
	// Clients write one exporter twice, in the old fields for older
	// engines too; what the two say must agree.
	exps := req.Exporters
	if old := (&controlapi.Exporter{Type: req.ExporterDeprecated, Attrs: req.ExporterAttrsDeprecated}); old.Type != "" || len(old.Attrs) > 0 {
		if len(exps) == 0 {
			exps = []*controlapi.Exporter{old}
		} else if len(exps) != 1 || !proto.Equal(exps[0], old) {
			return nil, req.Ref, errors.New("the request names its exporter twice, differently")
		}
	}
	var out []*controlapi.Exporter
	for _, e := range exps {
		e, err := p.judgeExporter(ctx, e)
		if err != nil {
			return nil, req.Ref, err
		}
		out = append(out, e)
	}
	if !p.waitSession(ctx, req.Session) {
		return nil, req.Ref, fmt.Errorf("BuildKit session %q was not opened through this page's proxy", req.Session)
	}
	p.mu.Lock()
	if _, seen := p.builds[req.Ref]; seen || p.queued[req.Ref] {
		p.mu.Unlock()
		return nil, req.Ref, fmt.Errorf("build %s was started already", req.Ref)
	}
	// It starts once it has one of the page's build slots (controlCall);
	// until then its status call waits for it.
	p.queued[req.Ref] = true
	p.mu.Unlock()
	clean := &controlapi.SolveRequest{
		Ref:                  req.Ref,
		Session:              req.Session,
		Frontend:             req.Frontend,
		FrontendAttrs:        attrs,
		Exporters:            out,
		Cache:                &controlapi.CacheOptions{},
		Internal:             req.Internal,
		CompatibilityVersion: req.CompatibilityVersion,
	}
	if len(out) == 1 {
		// Engines older than the Exporters field read these.
		clean.ExporterDeprecated, clean.ExporterAttrsDeprecated = out[0].Type, out[0].Attrs
	}
	out2, err := proto.Marshal(clean)
	return out2, req.Ref, err
}

// judgeExporter allows the engine's image exporter, its names judged as
// docker build -t, and nothing pushed.
func (p *Proxy) judgeExporter(ctx context.Context, e *controlapi.Exporter) (*controlapi.Exporter, error) {
	if e.Type != "moby" && e.Type != "image" {
		return nil, fmt.Errorf("the %s exporter is %w: builds export to the engine's images", e.Type, ErrPolicy)
	}
	attrs := map[string]string{}
	for k, v := range e.Attrs {
		switch k {
		case "name":
			names, err := exportNames(strings.Split(v, ","))
			if err != nil {
				return nil, err
			}
			for _, n := range strings.Split(names, ",") {
				if n == "" {
					continue
				}
				if err := p.writableName(ctx, n); err != nil {
					return nil, err
				}
				p.mu.Lock()
				p.tags = append(p.tags, n)
				p.mu.Unlock()
			}
			attrs[k] = names
		case "push":
			if v != "" && v != "false" {
				return nil, fmt.Errorf("pushing an image is %w", ErrPolicy)
			}
		case "unpack", "dangling-name-prefix", "oci-mediatypes", "compression", "compression-level", "force-compression", "store", "prefer-image-digest":
			attrs[k] = v
		default:
			if !strings.HasPrefix(k, "annotation") {
				return nil, fmt.Errorf("exporter option %s is %w", k, ErrPolicy)
			}
			attrs[k] = v
		}
	}
	return &controlapi.Exporter{Type: e.Type, Attrs: attrs}, nil
}

// judgeGatewaySolve judges a solve a client-driven build asks for: the
// engine's Dockerfile frontend only, with the same attributes as a build.
func (p *Proxy) judgeGatewaySolve(ctx context.Context, b []byte) ([]byte, error) {
	var req gatewayapi.SolveRequest
	if err := decodeRequest(b, &req, "solve request"); err != nil {
		return nil, err
	}
	switch {
	case req.Definition != nil:
		return nil, fmt.Errorf("a build of the page's own LLB is %w: builds use the engine's Dockerfile frontend", ErrPolicy)
	case req.Frontend != "dockerfile.v0":
		return nil, fmt.Errorf("frontend %q is %w: builds use the engine's Dockerfile frontend", req.Frontend, ErrPolicy)
	case len(req.FrontendInputs) > 0:
		return nil, fmt.Errorf("frontend inputs (named contexts of LLB) are %w", ErrPolicy)
	case len(req.CacheImports) > 0:
		return nil, fmt.Errorf("--cache-from is %w: builds use the engine's local cache", ErrPolicy)
	case len(req.SourcePolicies) > 0:
		return nil, fmt.Errorf("a source policy is %w", ErrPolicy)
	}
	attrs, err := p.judgeFrontendAttrs(ctx, req.FrontendOpt)
	if err != nil {
		return nil, err
	}
	return proto.Marshal(&gatewayapi.SolveRequest{
		Frontend:            req.Frontend,
		FrontendOpt:         attrs,
		AllowResultReturn:   req.AllowResultReturn,
		AllowResultArrayRef: req.AllowResultArrayRef,
		Final:               req.Final,
		ExporterAttr:        req.ExporterAttr,
		Evaluate:            req.Evaluate,
	})
}

// frontendAttrs are the Dockerfile frontend's attributes a page may set,
// as docker buildx build's flags make them; build-arg: and label: keys are
// judged apart.
var frontendAttrs = map[string]bool{
	"filename": true, "target": true, "platform": true, "no-cache": true, "image-resolve-mode": true,
	"shm-size": true, "add-hosts": true, "hostname": true, "multi-platform": true,
	"force-network-mode": true, "attest:provenance": true,
}

// judgeFrontendAttrs checks a build's frontend attributes and returns them
// with the network forced off, the session's labels and the steps under
// the session's holder (where the engine honours it).
func (p *Proxy) judgeFrontendAttrs(ctx context.Context, in map[string]string) (map[string]string, error) {
	out := map[string]string{}
	labels := map[string]string{}
	args := map[string]string{}
	defer func() {
		p.noteBuild(args, in["image-resolve-mode"] == "pull" || in["platform"] != "")
	}()
	// In order, so that a request is always refused for the same reason.
	for _, k := range slices.Sorted(maps.Keys(in)) {
		v := in[k]
		switch {
		case strings.HasPrefix(k, "build-arg:"):
			if strings.EqualFold(strings.TrimPrefix(k, "build-arg:"), "BUILDKIT_SYNTAX") {
				return nil, fmt.Errorf("--build-arg BUILDKIT_SYNTAX is %w: builds use the engine's own Dockerfile frontend", ErrPolicy)
			}
			args[strings.TrimPrefix(k, "build-arg:")] = v
		case strings.HasPrefix(k, "label:"):
			labels[strings.TrimPrefix(k, "label:")] = v
			continue
		case k == "cmdline" || k == "source":
			return nil, fmt.Errorf("another Dockerfile frontend (%s=%s, from # syntax= or BUILDKIT_SYNTAX) is %w: builds use the engine's own", k, v, ErrPolicy)
		case k == "force-network-mode":
			if v != "" && v != "none" && v != "default" {
				return nil, fmt.Errorf("--network %s is %w: builds run without a network", v, ErrPolicy)
			}
		case !frontendAttrs[k]:
			return nil, fmt.Errorf("build option %s is %w", k, ErrPolicy)
		}
		out[k] = v
	}
	labels, err := p.ourLabels(labels)
	if err != nil {
		return nil, err
	}
	for k, v := range labels {
		out["label:"+k] = v
	}
	out["force-network-mode"] = "none"
	var ns *string
	if v, ok := in["build-arg:"+cacheNSArg]; ok {
		ns = &v
	}
	out["build-arg:"+cacheNSArg] = p.cacheNamespace(ns)
	if p.pol.BuildCgroup != nil {
		cgroup, err := p.pol.BuildCgroup(ctx)
		if err != nil {
			return nil, fmt.Errorf("hold the build to the page's limits: %w", err)
		}
		if cgroup != "" {
			out["cgroup-parent"] = cgroup
		}
	}
	return out, nil
}
