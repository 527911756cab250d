package proxy

import (
	"errors"
	"fmt"
	"os"
	"sync"
)

// errSpool is a request whose bytes, held on this machine's disk, would
// take the page's spooled files past Policy.Spool.
var errSpool = errors.New("the page's files held on the verifier's disk")

// spoolFile is a temporary file on this machine that counts what is
// written to it toward the page's spool budget (Policy.Spool), and gives
// it back when closed. It wraps the file rather than embedding it, so that
// io.Copy cannot go around Write through the file's ReadFrom.
type spoolFile struct {
	f    *os.File
	p    *Proxy
	n    int64
	once sync.Once
}

// spool makes a temporary file counted toward the page's budget.
func (p *Proxy) spool(pattern string) (*spoolFile, error) {
	f, err := os.CreateTemp("", pattern)
	if err != nil {
		return nil, err
	}
	return &spoolFile{f: f, p: p}, nil
}

func (s *spoolFile) Write(b []byte) (int, error) {
	k := int64(len(b))
	if s.p.spooled.Add(k) > s.p.pol.Spool {
		s.p.spooled.Add(-k)
		return 0, fmt.Errorf("%w would pass %d MiB, the page's disk budget", errSpool, s.p.pol.Spool>>20)
	}
	s.n += k
	return s.f.Write(b)
}

func (s *spoolFile) Read(b []byte) (int, error) { return s.f.Read(b) }

func (s *spoolFile) Seek(off int64, whence int) (int64, error) { return s.f.Seek(off, whence) }

// Close removes the file and gives its bytes back. It may be called
// twice, and at once: by the handler, and by the transport that sent the
// file to the engine as a request body.
func (s *spoolFile) Close() error {
	var err error
	s.once.Do(func() {
		err = s.f.Close()
		os.Remove(s.f.Name())
		s.p.spooled.Add(-s.n)
	})
	return err
}
