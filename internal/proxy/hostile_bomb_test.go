package proxy

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"runtime"
	"testing"
)

// TestAttackContextBomb: the proxy unpacks a gzipped classic build context
// to judge its Dockerfile, and held every file it read, and the whole
// context it rewrote, in its own memory: the limit it set counted the
// bytes that came in, not what they unpack to. A page's context of a few
// hundred KiB of gzip unpacking to 600 MiB of zeros made the verifier,
// which runs on the host outside every limit of the page, allocate more
// than a GiB for one request (a few in parallel, or a larger bomb, and
// the host runs out of memory). The proxy now spools the context to a
// file as it reads it and refuses one that unpacks past its limit.
func TestAttackContextBomb(t *testing.T) {
	e := newEnv(t)
	const size = maxContext + 88<<20
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	tw := tar.NewWriter(zw)
	tw.WriteHeader(&tar.Header{Name: "zeros", Mode: 0o644, Size: size})
	io.CopyN(tw, zeros{}, size)
	tw.WriteHeader(&tar.Header{Name: "Dockerfile", Mode: 0o644, Size: 13})
	tw.Write([]byte("FROM scratch\n"))
	tw.Close()
	zw.Close()
	t.Logf("a context of %d KiB unpacks to %d MiB", gz.Len()>>10, size>>20)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	code, out := e.do("POST", "/build?rm=1", gz.Bytes())
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
		t.Errorf("the proxy allocated %d MiB for one build request of %d KiB", grew>>20, gz.Len()>>10)
	}
	if code/100 != 4 {
		t.Errorf("a context unpacking past %d MiB: got %d %.300s, want refused", maxContext>>20, code, out)
	}
}

type zeros struct{}

func (zeros) Read(b []byte) (int, error) {
	clear(b)
	return len(b), nil
}
