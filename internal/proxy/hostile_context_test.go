package proxy

import (
	"archive/tar"
	"bytes"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
)

// TestAttackUnjudgedDockerfile: the proxy judges a classic build's
// Dockerfile by its name in the context's tar; the engine unpacks the tar
// and opens the name in the folder it made. Two spellings reached a file
// the proxy never read: a folder on the way that is a symlink (-f
// sub/Dockerfile, sub -> real), and an entry with a leading slash, which
// the engine unpacks over the judged one (/Dockerfile). Unjudged, the
// Dockerfile's ADD of a URL has the engine fetch from its host, here a
// server on 127.0.0.1.
func TestAttackUnjudgedDockerfile(t *testing.T) {
	e := newEnv(t)
	var hits atomic.Int32
	host := serve(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		fmt.Fprint(w, "only-the-host-sees-this")
	})
	hostile := "FROM scratch\nADD http://" + host + "/x /x\n"
	type entry struct {
		name, body, link string
		flag             byte
	}
	for _, c := range []struct {
		name, file string
		entries    []entry
	}{
		{"a folder that is a symlink", "sub/Dockerfile", []entry{
			{name: "real/Dockerfile", body: hostile, flag: tar.TypeReg},
			{name: "sub", link: "real", flag: tar.TypeSymlink}}},
		{"a symlink over a folder, later", "sub/Dockerfile", []entry{
			{name: "sub/Dockerfile", body: "FROM scratch\n", flag: tar.TypeReg},
			{name: "real/Dockerfile", body: hostile, flag: tar.TypeReg},
			{name: "sub", link: "real", flag: tar.TypeSymlink}}},
		{"a leading slash", "Dockerfile", []entry{
			{name: "Dockerfile", body: "FROM scratch\n", flag: tar.TypeReg},
			{name: "/Dockerfile", body: hostile, flag: tar.TypeReg}}},
	} {
		var b bytes.Buffer
		tw := tar.NewWriter(&b)
		for _, en := range c.entries {
			tw.WriteHeader(&tar.Header{Name: en.name, Linkname: en.link, Typeflag: en.flag, Mode: 0o755, Size: int64(len(en.body))})
			tw.Write([]byte(en.body))
		}
		tw.Close()
		code, out := e.do("POST", "/build?rm=1&dockerfile="+c.file, b.Bytes())
		refused(t, c.name, code, out)
	}
	if n := hits.Load(); n > 0 {
		t.Errorf("the engine fetched from its host for an unjudged Dockerfile (%d requests to %s)", n, host)
	}
	// The same folders without the trick build as before.
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	tw.WriteHeader(&tar.Header{Name: "sub/", Typeflag: tar.TypeDir, Mode: 0o755})
	tw.WriteHeader(&tar.Header{Name: "sub/Dockerfile", Mode: 0o644, Size: 13})
	tw.Write([]byte("FROM scratch\n"))
	tw.Close()
	if code, out := e.do("POST", "/build?rm=1&dockerfile=sub/Dockerfile", b.Bytes()); code != http.StatusOK {
		t.Errorf("a Dockerfile in a folder: got %d %s", code, out)
	}
}
