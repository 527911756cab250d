package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"sync"

	"github.com/shipshape/shipshape/internal/diag"
)

// Reserved paths. Everything the preview adds lives under Prefix, which a
// site's own content can never use (content files starting with "_" are
// fine, but not this exact folder).
const (
	Prefix     = "/_shipshape/"
	eventsPath = Prefix + "events"
	scriptPath = Prefix + "live.js"
)

// event is what the open pages are told after a rebuild.
type event struct {
	Version string   `json:"version"` // changes with every rebuild that changes pages
	CSS     []string `json:"css,omitempty"`
	Errors  int      `json:"errors"`
}

// hub fans events out to the open pages.
type hub struct {
	mu   sync.Mutex
	last event
	subs map[chan event]bool
	done chan struct{}
}

func newHub() *hub {
	return &hub{subs: map[chan event]bool{}, done: make(chan struct{})}
}

func (h *hub) publish(e event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if e.CSS == nil {
		h.last = e
	}
	for c := range h.subs {
		select {
		case c <- e:
		default: // a page that does not read keeps only what fits
		}
	}
}

// close ends every stream so that the HTTP server can shut down.
func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	select {
	case <-h.done:
	default:
		close(h.done)
	}
}

func (h *hub) serve(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	c := make(chan event, 8)
	h.mu.Lock()
	h.subs[c] = true
	first := h.last
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		delete(h.subs, c)
		h.mu.Unlock()
	}()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	send := func(e event) bool {
		b, _ := json.Marshal(e)
		if _, err := fmt.Fprintf(w, "event: build\ndata: %s\n\n", b); err != nil {
			return false
		}
		fl.Flush()
		return true
	}
	// The current version first: a page served just before a rebuild
	// notices at once that it is stale.
	fmt.Fprint(w, "retry: 500\n")
	if !send(first) {
		return
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case <-h.done:
			return
		case e := <-c:
			if !send(e) {
				return
			}
		}
	}
}

// liveJS reloads the page after a rebuild, or swaps only the stylesheets
// when nothing but CSS changed, and lets the author hide the error overlay.
const liveJS = `(function () {
  "use strict";
  var me = document.currentScript;
  var version = me && me.getAttribute("data-version");
  var es = new EventSource("` + eventsPath + `");
  // Tests (and curious authors) can see that the page is listening.
  es.onopen = function () { document.documentElement.setAttribute("data-shipshape-live", "open"); };
  es.addEventListener("build", function (e) {
    var m = JSON.parse(e.data);
    if (m.css && m.css.length) {
      document.querySelectorAll('link[rel="stylesheet"]').forEach(function (l) {
        var u = new URL(l.href);
        u.searchParams.set("_shipshape", Date.now());
        l.href = u.toString();
      });
      return;
    }
    if (m.version && m.version !== version) {
      version = m.version;
      location.reload(); // browsers keep the scroll position on reload
    }
  });
  document.addEventListener("click", function (e) {
    if (e.target && e.target.id === "shipshape-errors-close") {
      var o = document.getElementById("shipshape-errors");
      if (o) o.hidden = true;
    }
  });
})();
`

func serveScript(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(liveJS))
}

// maxShown caps the overlay; the terminal has the full list.
const maxShown = 20

// inject adds the live-reload script, the error overlay when there are
// errors, and the draft marker to one HTML page. The theme's templates know
// nothing of them, and `build` output never has them.
func inject(page []byte, version string, errs diag.List, draft bool) []byte {
	var head, tail bytes.Buffer
	if draft {
		head.WriteString(`<div class="shipshape-draft" data-shipshape="draft" style="position:fixed;top:.5rem;right:.5rem;z-index:2147483646;background:#b45309;color:#fff;font:bold 12px/1.6 system-ui,sans-serif;padding:0 .6em;border-radius:3px;text-transform:uppercase;letter-spacing:.05em" title="draft: true — shown in preview, never built">draft</div>`)
	}
	if len(errs) > 0 {
		tail.WriteString(`<div id="shipshape-errors" role="alert" style="position:fixed;inset:auto 0 0 0;max-height:60vh;overflow:auto;z-index:2147483647;background:#1f1f1f;color:#f5f5f5;border-top:4px solid #dc2626;font:14px/1.5 ui-monospace,SFMono-Regular,Menlo,monospace;padding:1rem 1.25rem;box-shadow:0 -4px 24px rgba(0,0,0,.4)">`)
		fmt.Fprintf(&tail, `<button type="button" id="shipshape-errors-close" aria-label="Hide errors" style="float:right;background:none;border:0;color:inherit;font-size:18px;cursor:pointer">×</button><strong style="color:#f87171">shipshape: %d error%s</strong> — the last good version of each page is shown<ul style="margin:.5rem 0 0;padding-left:1.25rem">`, len(errs), plural(len(errs)))
		for i, d := range errs {
			if i == maxShown {
				fmt.Fprintf(&tail, `<li>… and %d more (see the terminal)</li>`, len(errs)-maxShown)
				break
			}
			loc := d.File
			if d.Line > 0 {
				loc += fmt.Sprintf(":%d", d.Line)
			}
			fmt.Fprintf(&tail, `<li data-file="%s" data-line="%d"><code style="color:#fbbf24">%s</code> %s`, html.EscapeString(d.File), d.Line, html.EscapeString(loc), html.EscapeString(d.Message))
			if d.Hint != "" {
				fmt.Fprintf(&tail, ` <em style="color:#a3a3a3">(%s)</em>`, html.EscapeString(d.Hint))
			}
			tail.WriteString("</li>")
		}
		tail.WriteString("</ul></div>")
	}
	fmt.Fprintf(&tail, `<script src="%s" data-version="%s"></script>`, scriptPath, html.EscapeString(version))

	out := make([]byte, 0, len(page)+head.Len()+tail.Len())
	body := bodyOpenEnd(page)
	out = append(out, page[:body]...)
	out = append(out, head.Bytes()...)
	rest := page[body:]
	if i := bytes.LastIndex(rest, []byte("</body>")); i >= 0 {
		out = append(out, rest[:i]...)
		out = append(out, tail.Bytes()...)
		out = append(out, rest[i:]...)
	} else {
		out = append(out, rest...)
		out = append(out, tail.Bytes()...)
	}
	return out
}

// bodyOpenEnd is the offset just after "<body ...>", or 0.
func bodyOpenEnd(page []byte) int {
	i := bytes.Index(page, []byte("<body"))
	if i < 0 {
		return 0
	}
	j := bytes.IndexByte(page[i:], '>')
	if j < 0 {
		return 0
	}
	return i + j + 1
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
