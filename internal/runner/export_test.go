package runner

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/moby/moby/client"
)

// Client exposes the engine client to this package's external tests, which
// set up helpers (such as a server for the egress test) that Run cannot.
func (e *Engine) Client() *client.Client { return e.c }

// LockDir is the folder of run locks and session folders, for tests that
// check what a sweep touches there.
var LockDir = lockDir

// Socket serves the session's proxy on a socket of this machine too, for
// tests that speak raw HTTP to it as a page's own program could (the page
// reaches the same proxy through the relay).
func (s *Session) Socket() string {
	if v, ok := testSockets.Load(s); ok {
		return v.(string)
	}
	dir, err := os.MkdirTemp("", "shipshape-test-sock-")
	if err != nil {
		panic(err)
	}
	sock := filepath.Join(dir, "docker.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		panic(err)
	}
	go (&http.Server{Handler: s.px}).Serve(ln)
	v, _ := testSockets.LoadOrStore(s, sock)
	return v.(string)
}

var testSockets sync.Map

// RealImage exposes realImage: whether a name is the engine's own image
// rather than a stand-in of shipshape's.
func (e *Engine) RealImage(ctx context.Context, ref string) bool { return e.realImage(ctx, ref) }

// WriteContext writes a one-off build's context, for the test of its names.
var WriteContext = writeContext

// PageHolder is the id of the container whose cgroup holds the page's, for
// tests that look at what the engine keeps of it.
func (s *Session) PageHolder() string { return s.pageHolder }

// Measuring is how long the engine has spent measuring the page's objects
// for its disk watchdog.
func (s *Session) Measuring() time.Duration { return time.Duration(s.measuring.Load()) }
