package runner

import (
	"context"

	"github.com/moby/moby/client"
)

// Client exposes the engine client to this package's external tests, which
// set up helpers (such as a server for the egress test) that Run cannot.
func (e *Engine) Client() *client.Client { return e.c }

// LockDir is the folder of run locks and session folders, for tests that
// check what a sweep touches there.
var LockDir = lockDir

// Socket is the session's proxy socket on the host, for tests that speak
// raw HTTP to it as a page could.
func (s *Session) Socket() string { return s.dir + "/sock/docker.sock" }

// RealImage exposes realImage: whether a name is the engine's own image
// rather than a stand-in of shipshape's.
func (e *Engine) RealImage(ctx context.Context, ref string) bool { return e.realImage(ctx, ref) }
