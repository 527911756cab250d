package runner

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"

	"github.com/shipshape/shipshape/internal/relay"
)

// relaySocket is where the docker CLI of a session finds the proxy.
const relaySocket = "/run/shipshape/docker.sock"

// startRelay runs shipshape-relay in the session container, attached to
// its stdin and stdout, and returns the proxy's side of it once it
// answers.
func (s *Session) startRelay(ctx context.Context) (*relay.Listener, error) {
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	ex, err := s.e.c.ExecCreate(cctx, s.cid, client.ExecCreateOptions{
		Cmd: []string{"shipshape-relay", relaySocket, s.spec.WorkDir}, AttachStdin: true, AttachStdout: true, AttachStderr: true,
	})
	if err != nil {
		return nil, fmt.Errorf("start the session's relay: %w", err)
	}
	ln, err := attachRelay(ctx, s.e.c, ex.ID)
	if err != nil {
		return nil, fmt.Errorf("the session image %s: %w (rebuild it with .ci/images.sh)", s.spec.Image, err)
	}
	return ln, nil
}

// attachRelay attaches to a relay's exec and waits until it answers.
func attachRelay(ctx context.Context, c *client.Client, execID string) (*relay.Listener, error) {
	att, err := c.ExecAttach(context.WithoutCancel(ctx), execID, client.ExecAttachOptions{})
	if err != nil {
		return nil, fmt.Errorf("attach to the relay: %w", err)
	}
	pr, pw := io.Pipe()
	errs := &capped{limit: 4 << 10}
	var mu sync.Mutex
	go func() {
		_, err := stdcopy.StdCopy(pw, lockedWriter{errs, &mu}, att.Reader)
		pw.CloseWithError(err)
	}()
	ln, err := relay.Listen(pr, att.Conn, func() error { pr.Close(); return att.Conn.Close() })
	if err == nil {
		err = ln.Ready(30 * time.Second)
	}
	if err != nil {
		if ln != nil {
			ln.Close()
		}
		att.Close()
		mu.Lock()
		msg := errs.buf.String()
		mu.Unlock()
		return nil, fmt.Errorf("no shipshape-relay answers: %w %s", err, msg)
	}
	return ln, nil
}
