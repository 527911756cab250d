package proxy

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tonistiigi/fsutil/types"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// A BuildKit build (docker build with DOCKER_BUILDKIT=1) opens a session:
// POST /session, upgraded to HTTP/2, on which the engine is the gRPC client
// and the docker CLI the server that hands out the build's files, secrets
// and credentials. The proxy does not splice that connection blindly: it
// serves the engine's calls itself and forwards each one to the CLI as
// opaque messages, methods on an allowlist only, and reads the one stream
// that carries the Dockerfile, which the engine would otherwise receive
// unseen. That is where remote ADDs are judged, frontend selection is
// removed and Policy.StandIns sees what the build will resolve.

// sessionMethods are the calls the engine may make to a page's CLI.
var sessionMethods = map[string]bool{
	diffCopy:                                        true,
	"/moby.filesync.v1.Auth/Credentials":            true,
	"/moby.filesync.v1.Auth/FetchToken":             true,
	"/moby.filesync.v1.Auth/GetTokenAuthority":      true,
	"/moby.filesync.v1.Auth/VerifyTokenAuthority":   true,
	"/moby.buildkit.secrets.v1.Secrets/GetSecret":   true,
	"/moby.sshforward.v1.SSH/CheckAgent":            true,
	"/moby.sshforward.v1.SSH/ForwardAgent":          true,
	"/grpc.health.v1.Health/Check":                  true,
	"/moby.buildkit.v1.frontend.LLBBridge/Ping":     false, // named to document: never the CLI's to serve
	"/moby.filesync.v1.FileSend/DiffCopy":           false, // build outputs to the client: not offered
	"/moby.upload.v1.Upload/Pull":                   false,
	"/moby.filesync.v1.FileSync/TarStream":          false,
	"/moby.buildkit.v1.frontend.LLBBridge/Solve":    false,
	"/moby.buildkit.v1.frontend.LLBBridge/ReadFile": false,
}

const diffCopy = "/moby.filesync.v1.FileSync/DiffCopy"

// dockerfileDir is the name BuildKit's Dockerfile frontend gives the local
// source it reads the Dockerfile from.
const dockerfileDir = "dockerfile"

// sessionIDRe is what a session id looks like (the CLI makes a random one).
var sessionIDRe = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

// session serves POST /session: the hijacked HTTP/2 connection a BuildKit
// build uses for its files.
func (p *Proxy) session(w http.ResponseWriter, r *http.Request, _ args) {
	hdr, ok := upgradeRequest(w, r, "/session")
	if !ok {
		return
	}
	id := r.Header.Get("X-Docker-Expose-Session-Uuid")
	if !sessionIDRe.MatchString(id) {
		refuse(w, "docker build session id %q is not one the CLI makes", id)
		return
	}
	hdr.Set("X-Docker-Expose-Session-Uuid", id)
	for _, k := range []string{"X-Docker-Expose-Session-Name", "X-Docker-Expose-Session-Sharedkey"} {
		if v := r.Header.Values(k); len(v) > 1 || len(strings.Join(v, "")) > 256 {
			refuse(w, "header %s: one short value only", k)
			return
		} else if len(v) == 1 {
			hdr.Set(k, v[0])
		}
	}
	// The engine keeps what a session sent under its shared key and, for
	// the next session with that key, asks only for files whose size or
	// time changed: the page's second build of one Dockerfile sent none,
	// and the engine built the copy it kept, judged under what held then
	// (a local name since removed, other build arguments). Every session
	// gets a key of its own, so every Dockerfile comes through and is
	// judged; the steps' cache, which goes by content, is unchanged.
	hdr.Set("X-Docker-Expose-Session-Sharedkey", newRef())
	// The engine learns only the methods the proxy forwards.
	for _, m := range r.Header.Values("X-Docker-Expose-Session-Grpc-Method") {
		for _, m := range strings.Split(m, ",") {
			if m = strings.TrimSpace(m); sessionMethods[m] {
				hdr.Add("X-Docker-Expose-Session-Grpc-Method", m)
			}
		}
	}
	p.mu.Lock()
	if p.sessions[id] {
		p.mu.Unlock()
		refuse(w, "docker build session %s is open already", id)
		return
	}
	if p.ended[id] {
		// Opened and closed at once, never reaching the engine: the
		// client's session then ends without an error of its own, and
		// the reader sees the build's refusal.
		p.mu.Unlock()
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n")
				c.Close()
			}
		}
		return
	}
	p.sessions[id] = true
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.sessions, id)
		p.mu.Unlock()
	}()

	engine, page, ok := p.splice(w, r, "/session", hdr, "open a build session")
	if !ok {
		return
	}
	defer engine.Close()
	defer page.Close()
	p.mu.Lock()
	p.pages[id] = page
	ended := p.ended[id]
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.pages, id)
		p.mu.Unlock()
	}()
	if ended {
		return
	}
	ctx := context.WithoutCancel(r.Context())
	defer p.releaseSession(id)
	relay(engine, page, func(cc *grpc.ClientConn, ss grpc.ServerStream) error { return p.forwardCall(ctx, id, cc, ss) })
}

// releaseSession releases the names held by the builds of session id
// (see Proxy.holds) if none of its builds runs. It is called when the
// session ends, and when a build on it ends (sessionBuild), so before the
// client says it is done.
func (p *Proxy) releaseSession(id string) {
	p.mu.Lock()
	if p.sessionBuilds[id] > 0 {
		p.mu.Unlock()
		return
	}
	rs := p.sessionHolds[id]
	delete(p.sessionHolds, id)
	p.mu.Unlock()
	for _, r := range rs {
		r()
	}
}

// sessionBuild counts an accepted build on session id ("" none) until the
// returned func is called, when the build's request ends. A session's
// Dockerfiles say not which of its builds read them, so their holds end
// with the last build running on it: released with the first build to end,
// they let a page that kept a second build waiting between the judgement
// and the resolution of its names (its own session serving files late)
// remove a name the build then fetched from the name's registry. A request
// that merely names a session, refused, ends no build.
func (p *Proxy) sessionBuild(id string) (end func()) {
	if id == "" {
		return func() {}
	}
	p.mu.Lock()
	p.sessionBuilds[id]++
	p.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			p.mu.Lock()
			if p.sessionBuilds[id]--; p.sessionBuilds[id] <= 0 {
				delete(p.sessionBuilds, id)
			}
			p.mu.Unlock()
			p.releaseSession(id)
		})
	}
}

// endSession ends the build session id after its build was refused. The
// client closes its session only once the session has run, and runs it
// until the other end closes: a refusal that came while the session was
// still being opened would otherwise leave the client waiting for ever,
// and the engine, which never heard of the build, keeps it open too.
func (p *Proxy) endSession(id string) {
	if id == "" {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ended[id] = true
	if c := p.pages[id]; c != nil {
		// Not at once: a refusal the engine sends through this session
		// (a judged Dockerfile) must reach the client first, or it reads
		// "context canceled" instead of the reason (see forwardCall).
		time.AfterFunc(5*time.Second, func() { c.Close() })
	}
}

// upgradeTo opens a hijacked POST path on the engine (/session, /grpc).
func (p *Proxy) upgradeTo(ctx context.Context, path string, hdr http.Header) (net.Conn, error) {
	return upgradePOST(ctx, p.dial, path, hdr)
}

// upgradePOST posts path on a connection dial makes and returns the
// connection once the other end switched protocols.
func upgradePOST(ctx context.Context, dial func(context.Context) (net.Conn, error), path string, hdr http.Header) (net.Conn, error) {
	c, err := dial(ctx)
	if err != nil {
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
	}
	req, _ := http.NewRequest(http.MethodPost, "http://docker"+path, nil)
	req.Header = hdr
	if err := req.Write(c); err != nil {
		c.Close()
		return nil, err
	}
	br := bufio.NewReader(c)
	res, err := http.ReadResponse(br, req)
	if err != nil {
		c.Close()
		return nil, err
	}
	if res.StatusCode != http.StatusSwitchingProtocols {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
		c.Close()
		return nil, fmt.Errorf("%s answered %s: %s", path, res.Status, strings.TrimSpace(string(b)))
	}
	_ = c.SetDeadline(time.Time{})
	return &bufConn{Conn: c, r: br}, nil
}

// bufConn is a connection whose first bytes were read into a buffer.
type bufConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufConn) Read(b []byte) (int, error) { return c.r.Read(b) }

// onClose runs f once when the connection is closed.
type onClose struct {
	net.Conn
	once sync.Once
	f    func()
}

func (c *onClose) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.f)
	return err
}

// forwardCall passes one call of the engine's to the CLI and the answers back.
func (p *Proxy) forwardCall(ctx context.Context, session string, cc *grpc.ClientConn, ss grpc.ServerStream) error {
	method, _ := grpc.MethodFromServerStream(ss)
	if !sessionMethods[method] {
		return status.Errorf(codes.PermissionDenied, "shipshape: the build session call %s is not available to examples", method)
	}
	in, _ := metadata.FromIncomingContext(ss.Context())
	out := metadata.MD{}
	for k, v := range in {
		if strings.HasPrefix(k, ":") || strings.HasPrefix(k, "grpc-") || k == "content-type" || k == "user-agent" || k == "te" {
			continue
		}
		out[k] = v
	}
	// The call toward the CLI ends with the engine's, except after a
	// refusal: the CLI would then see its stream cut and cancel the whole
	// build, and the engine could take that cancellation before the
	// refusal, so the reader would get "context canceled" instead of the
	// reason. It is left open until the engine has had the refusal.
	cctx, cancel := context.WithCancel(metadata.NewOutgoingContext(context.WithoutCancel(ss.Context()), out))
	var refused atomic.Bool
	stop := context.AfterFunc(ss.Context(), func() {
		if !refused.Load() {
			cancel()
		}
	})
	defer func() {
		if refused.Load() {
			time.AfterFunc(5*time.Second, cancel)
			return
		}
		stop()
		cancel()
	}()
	cs, err := cc.NewStream(cctx, &grpc.StreamDesc{ServerStreams: true, ClientStreams: true}, method)
	if err != nil {
		return err
	}
	var check *dockerfileCheck
	if method == diffCopy && len(in.Get("dir-name")) == 1 && in.Get("dir-name")[0] == dockerfileDir {
		check = &dockerfileCheck{p: p, ctx: ctx, session: session, stats: map[uint32]*types.Stat{}, held: map[uint32][]*types.Packet{}}
	}
	go func() {
		for {
			f := &frame{}
			if err := ss.RecvMsg(f); err != nil {
				if err == io.EOF {
					_ = cs.CloseSend()
				} else if !refused.Load() {
					cancel()
				}
				return
			}
			if err := cs.SendMsg(f); err != nil {
				return
			}
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
		fs := []*frame{f}
		if check != nil {
			if fs, err = check.feed(f); err != nil {
				refused.Store(true)
				return refuseTransfer(ss, "shipshape: "+err.Error())
			}
		}
		for _, f := range fs {
			if err := ss.SendMsg(f); err != nil {
				return err
			}
		}
	}
}

// refuseTransfer ends a file transfer to the engine with msg, as the
// sender of a file-sync stream reports its own failure: an error packet
// first, read in order with the files (BuildKit reports "error from
// sender: msg"), then, once the engine hangs up (or after a while), the
// same as the call's status. A status alone races in the file sync of
// engines such as Docker 28.5: ending the stream cancels the receiver's
// context, and its other goroutine could report "context canceled" first,
// which is what the reader then saw instead of the reason (about one build
// in eighty).
func refuseTransfer(ss grpc.ServerStream, msg string) error {
	if b, err := proto.Marshal(&types.Packet{Type: types.Packet_PACKET_ERR, Data: []byte(msg)}); err == nil {
		if ss.SendMsg(&frame{b: b}) == nil {
			select {
			case <-ss.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}
	}
	return status.Error(codes.PermissionDenied, msg)
}

// dockerfileCheck reads the file-sync packets that carry the Dockerfile,
// holding each file's data until it is whole and judged.
type dockerfileCheck struct {
	p       *Proxy
	ctx     context.Context
	session string // the build session, whose holds end with it
	next    uint32 // the id the next stat packet gets
	stats   map[uint32]*types.Stat
	held    map[uint32][]*types.Packet
	size    map[uint32]int
}

// maxDockerfile is the largest Dockerfile a session build may send, and
// maxDockerfileFiles the most files its stream may list (the CLI sends the
// Dockerfile and perhaps its ignore file).
const (
	maxDockerfile      = 1 << 20
	maxDockerfileFiles = 64
)

func (d *dockerfileCheck) feed(f *frame) ([]*frame, error) {
	var pk types.Packet
	if err := proto.Unmarshal(f.b, &pk); err != nil {
		return nil, fmt.Errorf("read the build's Dockerfile: %w", err)
	}
	switch pk.Type {
	case types.Packet_PACKET_STAT:
		if pk.Stat != nil {
			if len(d.stats) >= maxDockerfileFiles {
				return nil, fmt.Errorf("the Dockerfile's folder sends more than %d files", maxDockerfileFiles)
			}
			d.stats[d.next] = pk.Stat
			d.next++
		}
		return []*frame{f}, nil
	case types.Packet_PACKET_DATA:
	default:
		return []*frame{f}, nil
	}
	st, ok := d.stats[pk.ID]
	if !ok {
		return nil, fmt.Errorf("the build session sent data for a file it did not list")
	}
	if len(pk.Data) > 0 {
		if d.size == nil {
			d.size = map[uint32]int{}
		}
		d.size[pk.ID] += len(pk.Data)
		if d.size[pk.ID] > maxDockerfile {
			return nil, fmt.Errorf("the Dockerfile %s is larger than %d bytes", st.Path, maxDockerfile)
		}
		d.held[pk.ID] = append(d.held[pk.ID], &pk)
		return nil, nil
	}
	// An empty data packet ends the file.
	var data []byte
	for _, h := range d.held[pk.ID] {
		data = append(data, h.Data...)
	}
	delete(d.held, pk.ID)
	// Every file of this stream is judged as a Dockerfile, whatever its
	// name: a link named Dockerfile could point at any of them. One with
	// no instruction at all (Dockerfile.dockerignore of comments only)
	// builds nothing, here or at the engine, and passes as it is.
	if !noInstructions(data) {
		df, err := d.p.checkBuildKitDockerfile(d.ctx, d.session, string(data))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", st.Path, err)
		}
		data = []byte(df)
	}
	var out []*frame
	if len(data) > 0 {
		b, err := proto.Marshal(&types.Packet{Type: types.Packet_PACKET_DATA, ID: pk.ID, Data: data})
		if err != nil {
			return nil, err
		}
		out = append(out, &frame{b: b})
	}
	return append(out, f), nil
}

// checkBuildKitDockerfile judges a Dockerfile that BuildKit is about to
// read: its frontend directive (BlankFrontend), then ADD of URLs as for
// classic builds; then the policy's hook prepares the names it builds from.
// The result has the length of df, since the engine was told the file's
// size already.
func (p *Proxy) checkBuildKitDockerfile(ctx context.Context, session, df string) (string, error) {
	out, err := BlankFrontend(df)
	if err != nil {
		return "", err
	}
	if err := CheckRemoteAdd(ctx, out, p.fetchURLs()); err != nil {
		return "", err
	}
	// Every image it reads, its names expanded with the arguments of each
	// of the page's builds (the file does not say which build it is for).
	p.mu.Lock()
	argSets := append([]map[string]string{nil}, p.buildArgs...)
	pull := p.pulled
	p.mu.Unlock()
	release, names, err := p.judgeSources(ctx, out, argSets, pull)
	if err != nil {
		return "", err
	}
	if session == "" {
		release() // no session to end with
	} else {
		p.mu.Lock()
		p.sessionHolds[session] = append(p.sessionHolds[session], release)
		p.mu.Unlock()
	}
	if p.pol.StandIns != nil {
		if err := p.pol.StandIns(ctx, out, names); err != nil {
			return "", err
		}
	}
	return out, nil
}

// frame is one gRPC message, passed on as it came.
type frame struct{ b []byte }

// rawCodec moves frames without decoding them.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) {
	f, ok := v.(*frame)
	if !ok {
		return nil, fmt.Errorf("raw codec: cannot marshal %T", v)
	}
	return f.b, nil
}

func (rawCodec) Unmarshal(data []byte, v any) error {
	f, ok := v.(*frame)
	if !ok {
		return fmt.Errorf("raw codec: cannot unmarshal into %T", v)
	}
	f.b = append([]byte(nil), data...)
	return nil
}

func (rawCodec) Name() string { return "proto" }

// oneConn is a listener that yields one connection, then blocks until closed.
type oneConn struct {
	mu   sync.Mutex
	c    net.Conn
	done chan struct{}
	shut bool
}

func (l *oneConn) Accept() (net.Conn, error) {
	l.mu.Lock()
	c := l.c
	l.c = nil
	l.mu.Unlock()
	if c != nil {
		return &closeNotify{Conn: c, l: l}, nil
	}
	<-l.done
	return nil, net.ErrClosed
}

func (l *oneConn) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.shut {
		l.shut = true
		close(l.done)
	}
	return nil
}

func (l *oneConn) Addr() net.Addr { return &net.UnixAddr{Name: "session", Net: "unix"} }

// closeNotify closes its listener with it, so that Serve returns when the
// engine's side of the session ends.
type closeNotify struct {
	net.Conn
	l *oneConn
}

func (c *closeNotify) Close() error {
	c.l.Close()
	return c.Conn.Close()
}
