package proxy

import (
	"bytes"
	"io"
	"net/http"
	"regexp"
)

// layerRe finds the image of each finished step in the classic builder's
// output (" ---> 1a2b3c4d5e6f"), also when it is JSON-escaped (\u003e).
var layerRe = regexp.MustCompile(`---(?:>|\\u003e) ([0-9a-f]{12,64})\b`)

// LayerIDs lists the step images a classic build printed, in order. A
// failed build leaves these behind untagged: nothing else removes them.
func LayerIDs(out []byte) []string {
	var ids []string
	seen := map[string]bool{}
	for _, m := range layerRe.FindAllSubmatch(out, -1) {
		if id := string(m[1]); !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids
}

// teeWriter keeps a copy of a streamed response (up to a limit) while it is
// passed on, so the proxy can learn the layers a build made.
type teeWriter struct {
	http.ResponseWriter
	buf   bytes.Buffer
	limit int
}

func (t *teeWriter) Write(p []byte) (int, error) {
	if room := t.limit - t.buf.Len(); room > 0 {
		t.buf.Write(p[:min(len(p), room)])
	}
	return t.ResponseWriter.Write(p)
}

// Flush passes streaming on, as the reverse proxy flushes every write.
func (t *teeWriter) Flush() {
	if f, ok := t.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

var _ io.Writer = (*teeWriter)(nil)
var _ http.Flusher = (*teeWriter)(nil)
