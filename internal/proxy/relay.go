package proxy

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/keepalive"
)

// The BuildKit endpoints (/session and /grpc) are HTTP/2 connections the
// proxy splices with the engine and then relays call by call: it is the
// gRPC server toward one side and a client toward the other.

// upgradeRequest checks a page's request to switch path to HTTP/2 (no
// body, no query) and returns the headers the engine's request starts
// from; on failure it has answered.
func upgradeRequest(w http.ResponseWriter, r *http.Request, path string) (http.Header, bool) {
	if r.ContentLength != 0 || len(r.URL.RawQuery) > 0 {
		refuse(w, "POST %s takes no body and no query", path)
		return nil, false
	}
	if !strings.EqualFold(r.Header.Get("Upgrade"), "h2c") {
		deny(w, http.StatusBadRequest, "shipshape: POST %s must upgrade to h2c", path)
		return nil, false
	}
	hdr := http.Header{}
	hdr.Set("Upgrade", "h2c")
	hdr.Set("Connection", "Upgrade")
	return hdr, true
}

// splice opens path on the engine upgraded as hdr asks, then takes over
// the page's connection and tells it the protocol switched. On failure it
// has answered; what it returns the caller closes.
func (p *Proxy) splice(w http.ResponseWriter, r *http.Request, path string, hdr http.Header, what string) (engine, page net.Conn, ok bool) {
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	engine, err := p.upgradeTo(ctx, path, hdr)
	cancel()
	if err != nil {
		deny(w, http.StatusBadGateway, "shipshape proxy: %s on the engine: %v", what, err)
		return nil, nil, false
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		engine.Close()
		deny(w, http.StatusInternalServerError, "shipshape proxy: cannot hijack")
		return nil, nil, false
	}
	cli, rw, err := hj.Hijack()
	if err != nil {
		engine.Close()
		return nil, nil, false
	}
	if _, err := io.WriteString(cli, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n"); err != nil {
		engine.Close()
		cli.Close()
		return nil, nil, false
	}
	return engine, &bufConn{Conn: cli, r: rw.Reader}, true
}

// relay serves gRPC on server (the side that calls) and passes each call to
// call with a client on client (the side that answers), until either
// connection ends; whichever ends first ends the other (a CLI closes its
// session when its build is over, and the engine must then drop it rather
// than wait for a health check to fail).
func relay(server, client net.Conn, call func(cc *grpc.ClientConn, ss grpc.ServerStream) error) {
	ln := &oneConn{c: server, done: make(chan struct{})}
	client = &onClose{Conn: client, f: func() { ln.Close(); server.Close() }}
	used := false
	var mu sync.Mutex
	cc, err := grpc.NewClient("passthrough:///relay",
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(context.Context, string) (net.Conn, error) {
			mu.Lock()
			defer mu.Unlock()
			if used {
				return nil, errors.New("the relayed connection is gone")
			}
			used = true
			return client, nil
		}),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(rawCodec{}), grpc.MaxCallRecvMsgSize(64<<20)),
	)
	if err != nil {
		return
	}
	defer cc.Close()
	cc.Connect()
	// Clients ping as they like (BuildKit's own servers, plain HTTP/2,
	// never police pings); a gRPC server's default policy would end a long
	// build with "too many pings".
	srv := grpc.NewServer(grpc.ForceServerCodec(rawCodec{}),
		grpc.MaxRecvMsgSize(16<<20),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: time.Nanosecond, PermitWithoutStream: true}),
		grpc.UnknownServiceHandler(func(_ any, ss grpc.ServerStream) error { return call(cc, ss) }))
	_ = srv.Serve(ln)
	srv.Stop()
}

// waitFor polls state for up to d: clients open a build's session, start
// it and ask for its status all at once, so what one call names may be
// announced a moment later by another. It returns state's answer once it
// knows, else nil and false.
func waitFor[T any](ctx context.Context, d time.Duration, state func() (T, bool)) (T, bool) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		if v, ok := state(); ok {
			return v, true
		}
		select {
		case <-ctx.Done():
			var zero T
			return zero, false
		case <-t.C:
		}
	}
}
