package proxy

import (
	"archive/tar"
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestCloseWaitsForBuildSteps: a client reads a failed build's last
// message and goes, and the session closes, while the proxy is still
// reading the build's answer. Close must leave the step images the answer
// named in Layers, or cleanup never learns of them: the race behind a
// failed session build's step image left on a CI engine.
func TestCloseWaitsForBuildSteps(t *testing.T) {
	stream := `{"stream":"Step 1/3 : FROM local/busybox\n"}` + "\n" +
		`{"stream":" ---\u003e 0123456789ab\n"}` + "\n" +
		`{"stream":"Step 2/3 : RUN echo one\n"}` + "\n" +
		`{"stream":" ---\u003e abcdefabcdef\n"}` + "\n" +
		`{"errorDetail":{"code":3},"error":"The command returned a non-zero code: 3"}` + "\n"
	engine := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/build") {
			http.Error(w, `{"message":"no such image"}`, http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, stream)
		w.(http.Flusher).Flush()
		// The answer ends only when the proxy stops reading it: the
		// client has all it needs before then.
		<-r.Context().Done()
	}))
	defer engine.Close()
	dial := dialTo(engine)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := Serve(ln, dial, Policy{Labels: map[string]string{"session": "s1"}, OwnerLabel: "session", Network: "shipshape-s1",
		Held: func(string, string) bool { return false },
		// A journal on a slow disk: the steps reach Layers after it.
		Steps: func([]string) { time.Sleep(200 * time.Millisecond) }})

	var ctxTar bytes.Buffer
	tw := tar.NewWriter(&ctxTar)
	df := []byte("FROM scratch\nRUN echo one\nRUN exit 3\n")
	_ = tw.WriteHeader(&tar.Header{Name: "Dockerfile", Mode: 0o644, Size: int64(len(df))})
	_, _ = tw.Write(df)
	_ = tw.Close()
	req, _ := http.NewRequest("POST", "http://"+ln.Addr().String()+"/v1.41/build", &ctxTar)
	req.Header.Set("Content-Type", "application/x-tar")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		t.Fatalf("build: %d %s", resp.StatusCode, b.String())
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() && !strings.Contains(sc.Text(), `"error"`) {
	}
	p.Close()
	if got := strings.Join(p.Layers(), " "); got != "0123456789ab abcdefabcdef" {
		t.Errorf("after Close, Layers = %q, want the two step images the answer named", got)
	}
}
