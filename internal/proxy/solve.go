package proxy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/distribution/reference"
	controlapi "github.com/moby/buildkit/api/services/control"
	bkclient "github.com/moby/buildkit/client"
	"github.com/moby/buildkit/util/grpcerrors"
	"google.golang.org/protobuf/proto"
)

// A BuildKit build that reaches the engine's POST /build runs its RUN steps
// under no limit: the engine's BuildKit ignores a build's memory. Where the
// engine honours a cgroup parent for build steps (Policy.BuildCgroup is
// set), the proxy runs the build itself instead, as the engine's /build
// handler would, on the engine's BuildKit control API (POST /grpc): the
// same frontend, attributes, session and exporter, plus the cgroup parent
// that puts every step under a holder container carrying the session's
// limits. The page's CLI reads the same stream it would from the engine:
// BuildKit's status as "moby.buildkit.trace" messages, then the image id.

// buildKitCtl is the proxy's client of the engine's BuildKit, made once.
type buildKitCtl struct {
	once sync.Once
	c    *bkclient.Client
	err  error
}

func (p *Proxy) buildKit(ctx context.Context) (*bkclient.Client, error) {
	p.bk.once.Do(func() {
		p.bk.c, p.bk.err = bkclient.New(context.WithoutCancel(ctx), "", bkclient.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) {
			hdr := http.Header{}
			hdr.Set("Upgrade", "h2c")
			hdr.Set("Connection", "Upgrade")
			return p.upgradeTo(ctx, "/grpc", hdr)
		}))
	})
	return p.bk.c, p.bk.err
}

// solveAttrs are the Dockerfile frontend's attributes for a build query
// the proxy has already judged (build in build.go), as the engine's /build
// handler makes them, with the network forced off and the steps under
// cgroup.
func solveAttrs(q url.Values, cgroup string) (map[string]string, error) {
	attrs := map[string]string{
		"force-network-mode": "none",
		"cgroup-parent":      cgroup,
		"image-resolve-mode": "default",
	}
	if v := q.Get("target"); v != "" {
		attrs["target"] = v
	}
	if v := q.Get("dockerfile"); v != "" && v != "." {
		attrs["filename"] = v
	}
	if v := q.Get("platform"); v != "" {
		attrs["platform"] = v
	}
	if b, _ := strconv.ParseBool(q.Get("nocache")); b {
		attrs["no-cache"] = ""
	}
	if b, _ := strconv.ParseBool(q.Get("pull")); b {
		attrs["image-resolve-mode"] = "pull"
	}
	if v := q.Get("shmsize"); v != "" && v != "0" {
		if _, err := strconv.ParseInt(v, 10, 64); err != nil {
			return nil, fmt.Errorf("--shm-size %q: %w", v, err)
		}
		attrs["shm-size"] = v
	}
	if v := q.Get("cachefrom"); v != "" {
		var from []string
		if err := decode([]byte(v), &from); err != nil {
			return nil, fmt.Errorf("--cache-from: %w", err)
		}
		attrs["cache-from"] = strings.Join(from, ",")
	}
	if v := q.Get("buildargs"); v != "" {
		args := map[string]*string{}
		if err := decode([]byte(v), &args); err != nil {
			return nil, fmt.Errorf("--build-arg: %w", err)
		}
		for k, v := range args {
			if v != nil {
				attrs["build-arg:"+k] = *v
			}
		}
	}
	if v := q.Get("labels"); v != "" {
		l := map[string]string{}
		if err := decode([]byte(v), &l); err != nil {
			return nil, fmt.Errorf("--label: %w", err)
		}
		for k, v := range l {
			attrs["label:"+k] = v
		}
	}
	return attrs, nil
}

// exportNames are the image's names as the engine's exporter takes them.
func exportNames(tags []string) (string, error) {
	var names []string
	seen := map[string]bool{}
	for _, t := range tags {
		if t == "" {
			continue
		}
		ref, err := reference.ParseNormalizedNamed(t)
		if err != nil {
			return "", fmt.Errorf("-t %s: %w", t, err)
		}
		if _, ok := ref.(reference.Digested); ok {
			return "", fmt.Errorf("-t %s: a tag cannot name a digest", t)
		}
		if n := reference.TagNameOnly(ref).String(); !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	return strings.Join(names, ","), nil
}

// solveBuild runs a judged BuildKit build on the engine's control API,
// its steps under cgroup (a holder's, made for it).
func (p *Proxy) solveBuild(w http.ResponseWriter, r *http.Request, q url.Values, cgroup string) {
	names, err := exportNames(q["t"])
	if err != nil {
		refuse(w, "docker build: %v", err)
		return
	}
	ctx := r.Context()
	c, err := p.buildKit(ctx)
	if err != nil {
		deny(w, http.StatusBadGateway, "shipshape proxy: reach the engine's BuildKit: %v", err)
		return
	}
	attrs, err := solveAttrs(q, cgroup)
	if err != nil {
		deny(w, http.StatusBadRequest, "shipshape: docker build %v", err)
		return
	}
	ref := newRef()
	exp := &controlapi.Exporter{Type: "moby", Attrs: map[string]string{}}
	if names != "" {
		exp.Attrs["name"] = names
	}
	req := &controlapi.SolveRequest{
		Ref:           ref,
		Frontend:      "dockerfile.v0",
		FrontendAttrs: attrs,
		Session:       q.Get("session"),
		Exporters:     []*controlapi.Exporter{exp},
		Cache:         &controlapi.CacheOptions{},
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	var mu sync.Mutex
	emit := func(m any) {
		b, err := json.Marshal(m)
		if err != nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		_, _ = w.Write(append(b, '\r', '\n'))
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
	}
	ctl := c.ControlClient()
	// The status is read apart from the solve: when the build is cut short
	// only the solve ends, and the status says so.
	sctx, scancel := context.WithCancel(context.WithoutCancel(ctx))
	defer scancel()
	statusDone := make(chan struct{})
	go func() {
		defer close(statusDone)
		st, err := ctl.Status(sctx, &controlapi.StatusRequest{Ref: ref})
		if err != nil {
			return
		}
		for {
			sr, err := st.Recv()
			if err != nil {
				return
			}
			dt, err := proto.Marshal(sr)
			if err != nil {
				return
			}
			emit(struct {
				ID  string `json:"id"`
				Aux []byte `json:"aux"`
			}{"moby.buildkit.trace", dt})
		}
	}()
	res, err := ctl.Solve(ctx, req)
	select {
	case <-statusDone:
	case <-time.After(5 * time.Second):
		scancel()
		<-statusDone
	}
	if err != nil {
		msg := grpcerrors.FromGRPC(err).Error()
		emit(map[string]any{"errorDetail": map[string]string{"message": msg}, "error": msg})
		return
	}
	id := res.ExporterResponse["containerimage.digest"]
	if id == "" {
		emit(map[string]any{"errorDetail": map[string]string{"message": "missing image id"}, "error": "missing image id"})
		return
	}
	emit(struct {
		ID  string         `json:"id"`
		Aux map[string]any `json:"aux"`
	}{"moby.image.id", map[string]any{"ID": id}})
}

// newRef is a build's reference on the engine, as BuildKit's clients make one.
func newRef() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
