// Package relay carries a page session's Docker API connections from inside
// its container to shipshape's proxy over one byte stream, the standard
// input and output of an exec in the session container, so that the
// session needs no path shared with the engine's host: it works with any
// engine the Docker client reaches (tcp://, a forwarded socket, a remote CI
// service). Inside, Serve listens on a unix socket and opens a multiplexed
// stream (yamux) per connection; outside, Listen turns the exec's stream
// back into a net.Listener the proxy serves.
package relay

import (
	"archive/tar"
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/hashicorp/yamux"
)

// config is yamux's, quiet, with keepalives off: the exec's stream ends
// when the session does, and a page frozen for a moment (see the proxy's
// remount) must not be taken for a dead peer.
func config() *yamux.Config {
	c := yamux.DefaultConfig()
	c.EnableKeepAlive = false
	c.LogOutput = io.Discard
	c.ConnectionWriteTimeout = 10 * time.Minute
	c.StreamOpenTimeout = time.Minute
	return c
}

// pipe is an exec's standard input and output as one connection.
type pipe struct {
	io.Reader
	io.Writer
	close func() error
}

func (p pipe) Close() error {
	if p.close == nil {
		return nil
	}
	return p.close()
}

// Serve runs inside the session container: it listens on socket and relays
// every connection to the other end of in/out, and unpacks the files the
// other end sends (see Listener.WriteFiles) into dir. It returns when
// either end stops.
func Serve(socket, dir string, in io.Reader, out io.Writer) error {
	if err := os.MkdirAll(filepath.Dir(socket), 0o755); err != nil {
		return err
	}
	_ = os.Remove(socket)
	ln, err := net.Listen("unix", socket)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", socket, err)
	}
	defer ln.Close()
	if err := os.Chmod(socket, 0o666); err != nil {
		return err
	}
	s, err := yamux.Client(pipe{Reader: in, Writer: out}, config())
	if err != nil {
		return err
	}
	defer s.Close()
	go func() {
		<-s.CloseChan()
		ln.Close()
	}()
	go func() {
		for {
			st, err := s.Accept()
			if err != nil {
				return
			}
			go receive(st, dir)
		}
	}()
	for {
		c, err := ln.Accept()
		if err != nil {
			if s.IsClosed() {
				return nil
			}
			return err
		}
		go func() {
			defer c.Close()
			st, err := s.Open()
			if err != nil {
				return
			}
			join(c, st)
		}()
	}
}

// join copies both ways, passing each side's end of writing on as a half
// close, until both directions are done.
func join(local, st net.Conn) {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		_, _ = io.Copy(st, local)
		_ = st.Close() // a FIN: the stream can still be read
	}()
	go func() {
		defer wg.Done()
		_, _ = io.Copy(local, st)
		if cw, ok := local.(interface{ CloseWrite() error }); ok {
			_ = cw.CloseWrite()
		} else {
			_ = local.Close()
		}
	}()
	wg.Wait()
}

// Listen runs outside: over the exec's stream (what the relay prints is
// read from r, what it reads is written to w), it accepts the connections
// the relay opens. Ready returns once the relay answered, so the session
// can be used.
func Listen(r io.Reader, w io.Writer, closer func() error) (*Listener, error) {
	s, err := yamux.Server(pipe{Reader: r, Writer: w, close: closer}, config())
	if err != nil {
		return nil, err
	}
	return &Listener{s: s, asking: make(chan struct{}, 1)}, nil
}

// Listener is the proxy's side of a relay.
type Listener struct {
	s      *yamux.Session
	asking chan struct{} // full while a Usage is under way
}

// Accept waits for the next connection from the session.
func (l *Listener) Accept() (net.Conn, error) {
	c, err := l.s.Accept()
	if err != nil && l.s.IsClosed() {
		return nil, net.ErrClosed
	}
	return c, err
}

// Close ends the relay's stream.
func (l *Listener) Close() error { return l.s.Close() }

// Addr names the listener.
func (l *Listener) Addr() net.Addr { return l.s.Addr() }

// Ready waits until the relay inside answers, or the timeout passes.
func (l *Listener) Ready(timeout time.Duration) error {
	done := make(chan error, 1)
	go func() {
		_, err := l.s.Ping()
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("the session's relay did not answer: %w", err)
		}
		return nil
	case <-time.After(timeout):
		return errors.New("the session's relay did not answer in time")
	}
}

// WriteFiles sends files (name to content; a name ending in .sh is made
// executable) to the relay, which writes them under its folder as the
// page's own: a symlink the page left where a file goes is replaced, one
// where a folder must be is an error.
func (l *Listener) WriteFiles(ctx context.Context, files map[string][]byte) error {
	deadline := time.Now().Add(writeWait)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_, err := bounded(ctx, time.Until(deadline), nil, func() (struct{}, error) { return struct{}{}, l.writeFiles(ctx, deadline, files) })
	return err
}

// errSilent is the error of a relay that did not answer in time.
var errSilent = errors.New("the session's relay did not answer in time (stopped?)")

// bounded runs f, and stops waiting for it after wait or when ctx ends.
// The deadlines f sets on its stream do not suffice: while the connection
// is full (a relay stopped with SIGSTOP reads nothing), yamux holds a
// stream's opening until StreamOpenTimeout, before any deadline is set.
// f then ends at the latest when yamux gives up on the session. With busy,
// f does not start while another is under way (busy is full), and the
// wait for it counts in wait: a caller polls, and callers stuck on a
// jammed relay would pile up.
func bounded[T any](ctx context.Context, wait time.Duration, busy chan struct{}, f func() (T, error)) (T, error) {
	var zero T
	t := time.NewTimer(wait)
	defer t.Stop()
	if busy != nil {
		select {
		case busy <- struct{}{}:
		case <-t.C:
			return zero, fmt.Errorf("%w: the last question is still unanswered", errSilent)
		case <-ctx.Done():
			return zero, ctx.Err()
		}
	}
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := f()
		if busy != nil {
			<-busy
		}
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, silent(r.err)
	case <-t.C:
		return zero, errSilent
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}

func (l *Listener) writeFiles(ctx context.Context, deadline time.Time, files map[string][]byte) error {
	st, err := l.s.OpenStream()
	if err != nil {
		return err
	}
	// A relay the page stopped takes what fits in the stream's window and
	// never answers: the stream ends at the deadline, and when ctx ends.
	if err := st.SetDeadline(deadline); err != nil {
		return err
	}
	defer context.AfterFunc(ctx, func() { _ = st.SetDeadline(time.Now()) })()
	names := make([]string, 0, len(files))
	for n := range files {
		// A name with a control character would not survive as a path,
		// and one could pass for usedAsk.
		if strings.IndexFunc(n, unicode.IsControl) >= 0 {
			_ = st.Close()
			return fmt.Errorf("%q: a file name may not hold control characters", n)
		}
		names = append(names, n)
	}
	sort.Strings(names)
	tw := tar.NewWriter(st)
	for _, n := range names {
		mode := int64(0o644)
		if strings.HasSuffix(n, ".sh") {
			mode = 0o755
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: n, Mode: mode, Size: int64(len(files[n]))}); err != nil {
			return err
		}
		if _, err := tw.Write(files[n]); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	// yamux's Close is a half close: the answer can still be read.
	if err := st.Close(); err != nil {
		return err
	}
	reply, err := io.ReadAll(io.LimitReader(st, 64<<10))
	if err != nil {
		return err
	}
	if r := strings.TrimSpace(string(reply)); r != "ok" {
		return errors.New(strings.TrimPrefix(r, "error: "))
	}
	return nil
}

// usedAsk opens a stream that asks the relay how full the file system of
// its folder is. A tar of files never starts with it: a tar starts with a
// file's name, or with a zero block when it is empty.
const usedAsk = "\x01used\n"

// Disk is how full a file system is, in bytes: in use, free to others than
// root, and in all.
type Disk struct {
	Used, Avail, Total uint64
}

// usageWait bounds Usage, writeWait WriteFiles.
var usageWait, writeWait = 10 * time.Second, time.Minute

// Usage asks the relay how full the file system of its folder is: the
// engine's own, where the page's containers, volumes and builds write,
// measured on the engine's host whichever way the client reaches it. A
// relay from before Avail and Total answers Used alone; they are 0 then.
func (l *Listener) Usage() (Disk, error) {
	return bounded(context.Background(), usageWait, l.asking, l.usage)
}

// silent says what a deadline's error means here.
func silent(err error) error {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("%w: %w", errSilent, err)
	}
	return err
}

func (l *Listener) usage() (Disk, error) {
	st, err := l.s.OpenStream()
	if err != nil {
		return Disk{}, err
	}
	defer st.Close()
	// The relay answers from one statfs. One that has not answered in
	// usageWait is stopped or frozen: a page can signal the relay in its
	// container, and whoever watches the disk must go on without it.
	if err := st.SetDeadline(time.Now().Add(usageWait)); err != nil {
		return Disk{}, err
	}
	if _, err := io.WriteString(st, usedAsk); err != nil {
		return Disk{}, err
	}
	if err := st.Close(); err != nil {
		return Disk{}, err
	}
	reply, err := io.ReadAll(io.LimitReader(st, 4<<10))
	if err != nil {
		return Disk{}, err
	}
	r := strings.TrimSpace(string(reply))
	var d Disk
	f := strings.Fields(r)
	ns := []*uint64{&d.Used, &d.Avail, &d.Total}
	if len(f) != 1 && len(f) != len(ns) {
		return Disk{}, fmt.Errorf("the session's relay cannot measure its file system: %s", strings.TrimPrefix(r, "error: "))
	}
	for i, s := range f {
		if *ns[i], err = strconv.ParseUint(s, 10, 64); err != nil {
			return Disk{}, fmt.Errorf("the session's relay cannot measure its file system: %s", strings.TrimPrefix(r, "error: "))
		}
	}
	return d, nil
}

// receive answers one stream from outside: a question for measure, or a
// tar of files to unpack into dir, answered "ok" or with the error.
func receive(st net.Conn, dir string) {
	defer st.Close()
	br := bufio.NewReader(st)
	if ask, _ := br.Peek(len(usedAsk)); string(ask) == usedAsk {
		_, _ = io.Copy(io.Discard, br)
		d, err := measure(dir)
		if err != nil {
			fmt.Fprintf(st, "error: %v\n", err)
			return
		}
		fmt.Fprintln(st, d.Used, d.Avail, d.Total)
		return
	}
	err := unpack(br, dir)
	_, _ = io.Copy(io.Discard, br)
	if err != nil {
		fmt.Fprintf(st, "error: %v\n", err)
		return
	}
	fmt.Fprintln(st, "ok")
}

func unpack(r io.Reader, dir string) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(path.Clean("/"+h.Name), "/")
		if h.Typeflag != tar.TypeReg || name == "" {
			return fmt.Errorf("%s: only plain files are written", h.Name)
		}
		if d := path.Dir(name); d != "." {
			if err := root.MkdirAll(d, 0o777); err != nil {
				return fmt.Errorf("write %s: %w", name, err)
			}
		}
		if fi, err := root.Lstat(name); err == nil && fi.Mode()&os.ModeSymlink != 0 {
			if err := root.Remove(name); err != nil {
				return fmt.Errorf("write %s: %w", name, err)
			}
		}
		f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, os.FileMode(h.Mode)&0o777)
		if err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
		_, err = io.Copy(f, tr)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = root.Chmod(name, os.FileMode(h.Mode)&0o777)
		}
		if err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
	}
}
