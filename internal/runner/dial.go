package runner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/client"
)

// The engine shipshape uses is the one the docker CLI would: DOCKER_HOST
// (unix, tcp with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH, or
// ssh://[user@]host[:port], reached as the CLI reaches it: `ssh … docker
// system dial-stdio`), else the endpoint of the current docker context
// (DOCKER_CONTEXT, or currentContext in the CLI's config.json), else the
// default socket.

// endpoint is where the engine is and how to trust it.
type endpoint struct {
	host string // unix://…, tcp://…, ssh://…
	tls  string // a folder with ca.pem, cert.pem and key.pem, or ""
	from string // what named it, for messages
}

// engineEndpoint reads DOCKER_HOST and the docker context as the CLI does.
func engineEndpoint() (endpoint, error) {
	if h := os.Getenv("DOCKER_HOST"); h != "" {
		ep := endpoint{host: h, from: "DOCKER_HOST"}
		if os.Getenv("DOCKER_TLS_VERIFY") != "" {
			ep.tls = os.Getenv("DOCKER_CERT_PATH")
			if ep.tls == "" {
				ep.tls = filepath.Join(configDir(), "")
			}
		}
		return ep, nil
	}
	name := os.Getenv("DOCKER_CONTEXT")
	from := "DOCKER_CONTEXT"
	if name == "" {
		var cfg struct{ CurrentContext string }
		if b, err := os.ReadFile(filepath.Join(configDir(), "config.json")); err == nil {
			if err := json.Unmarshal(b, &cfg); err != nil {
				return endpoint{}, fmt.Errorf("%s: %w", filepath.Join(configDir(), "config.json"), err)
			}
		}
		name, from = cfg.CurrentContext, "the docker CLI's current context"
	}
	if name == "" || name == "default" {
		return endpoint{host: "unix:///var/run/docker.sock", from: "the default socket"}, nil
	}
	sum := sha256.Sum256([]byte(name))
	id := hex.EncodeToString(sum[:])
	meta := filepath.Join(configDir(), "contexts", "meta", id, "meta.json")
	b, err := os.ReadFile(meta)
	if err != nil {
		return endpoint{}, fmt.Errorf("docker context %q (%s): %w", name, from, err)
	}
	var m struct {
		Endpoints map[string]struct{ Host string }
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return endpoint{}, fmt.Errorf("%s: %w", meta, err)
	}
	h := m.Endpoints["docker"].Host
	if h == "" {
		return endpoint{}, fmt.Errorf("docker context %q (%s): no docker endpoint in %s", name, from, meta)
	}
	ep := endpoint{host: h, from: fmt.Sprintf("docker context %q", name)}
	if tls := filepath.Join(configDir(), "contexts", "tls", id, "docker"); exists(filepath.Join(tls, "ca.pem")) {
		ep.tls = tls
	}
	return ep, nil
}

func configDir() string {
	if d := os.Getenv("DOCKER_CONFIG"); d != "" {
		return d
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".docker")
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

// clientOptions makes the engine client's options for an endpoint.
func clientOptions(ep endpoint) ([]client.Opt, error) {
	opts := []client.Opt{client.WithAPIVersionFromEnv()}
	if strings.HasPrefix(ep.host, "ssh://") {
		u, err := url.Parse(ep.host)
		if err != nil || u.Hostname() == "" {
			return nil, fmt.Errorf("engine address %q (%s): not ssh://[user@]host[:port]", ep.host, ep.from)
		}
		return append(opts, client.WithHost("http://docker"), client.WithDialContext(sshDialer(u))), nil
	}
	opts = append(opts, client.WithHost(ep.host))
	if ep.tls != "" {
		opts = append(opts, client.WithTLSClientConfig(filepath.Join(ep.tls, "ca.pem"), filepath.Join(ep.tls, "cert.pem"), filepath.Join(ep.tls, "key.pem")))
	}
	return opts, nil
}

// sshDialer reaches an engine over ssh as the docker CLI does: each
// connection is `ssh -T [-l user] [-p port] -- host docker system
// dial-stdio`, whose stdin and stdout carry it.
func sshDialer(u *url.URL) func(ctx context.Context, network, addr string) (net.Conn, error) {
	args := []string{"-o", "ConnectTimeout=30", "-T"}
	if u.User != nil && u.User.Username() != "" {
		args = append(args, "-l", u.User.Username())
	}
	if p := u.Port(); p != "" {
		args = append(args, "-p", p)
	}
	args = append(args, "--", u.Hostname(), "docker", "system", "dial-stdio")
	return func(ctx context.Context, _, _ string) (net.Conn, error) {
		cmd := exec.Command("ssh", args...)
		stdin, err := cmd.StdinPipe()
		if err != nil {
			return nil, err
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			return nil, err
		}
		c := &cmdConn{cmd: cmd, in: stdin, out: stdout, stderr: capped{limit: 4 << 10}}
		cmd.Stderr = lockedWriter{&c.stderr, &c.mu}
		if err := cmd.Start(); err != nil {
			return nil, fmt.Errorf("ssh to the engine: %w", err)
		}
		return c, nil
	}
}

// cmdConn is a command's stdin and stdout as a connection.
type cmdConn struct {
	cmd     *exec.Cmd
	in      io.WriteCloser
	out     io.ReadCloser
	stderr  capped // ssh's own messages, for errors
	mu      sync.Mutex
	once    sync.Once
	waited  sync.Once
	waitErr error
}

// errText is what ssh printed on stderr so far, for an error.
func (c *cmdConn) errText() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.TrimSpace(c.stderr.buf.String())
}

// Read ends with io.EOF when ssh ended well; when it failed (a host key
// not known, a refused login, no docker on the far side), with what ssh
// said, not a bare end of stream.
func (c *cmdConn) Read(p []byte) (int, error) {
	n, err := c.out.Read(p)
	switch {
	case err == nil:
	case errors.Is(err, io.EOF):
		if werr := c.wait(); werr != nil {
			if msg := c.errText(); msg != "" {
				return n, fmt.Errorf("ssh to the engine: %s (%v)", msg, werr)
			}
			return n, fmt.Errorf("ssh to the engine: %w", werr)
		}
	default:
		if msg := c.errText(); msg != "" {
			err = fmt.Errorf("%w: %s", err, msg)
		}
	}
	return n, err
}

// wait waits for ssh to end, once.
func (c *cmdConn) wait() error {
	c.waited.Do(func() { c.waitErr = c.cmd.Wait() })
	return c.waitErr
}

func (c *cmdConn) Write(p []byte) (int, error) { return c.in.Write(p) }
func (c *cmdConn) CloseWrite() error           { return c.in.Close() }
func (c *cmdConn) CloseRead() error            { return c.out.Close() }

func (c *cmdConn) Close() error {
	c.once.Do(func() {
		_ = c.in.Close()
		_ = c.out.Close()
		_ = c.cmd.Process.Kill()
		_ = c.wait()
	})
	return nil
}

type sshAddr struct{}

func (sshAddr) Network() string { return "ssh" }
func (sshAddr) String() string  { return "ssh" }

func (c *cmdConn) LocalAddr() net.Addr              { return sshAddr{} }
func (c *cmdConn) RemoteAddr() net.Addr             { return sshAddr{} }
func (c *cmdConn) SetDeadline(time.Time) error      { return nil }
func (c *cmdConn) SetReadDeadline(time.Time) error  { return nil }
func (c *cmdConn) SetWriteDeadline(time.Time) error { return nil }
