package server

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shipshape/shipshape/internal/results"
)

// project writes files (slash paths) under a new temporary folder.
func project(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		write(t, filepath.Join(dir, filepath.FromSlash(name)), body)
	}
	return dir
}

func write(t testing.TB, p, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

var small = map[string]string{
	"shipshape.toml":         "title = \"Test course\"\n",
	"content/index.md":       "---\ntitle: Home\n---\nWelcome.\n\nSee [first](guide/first.md).\n",
	"content/guide/index.md": "---\ntitle: Guide\n---\n# Guide\n",
	"content/guide/first.md": "---\ntitle: First steps\nweight: 1\n---\nOriginal text.\n\n## Run it\n\nMore.\n",
	"content/guide/draft.md": "---\ntitle: Not yet\ndraft: true\n---\nDraft body.\n",
	"content/extra.css":      "body { color: black }\n",
}

// batch is the watcher's batch window in tests; benchmarks use the default.
var batch = 20 * time.Millisecond

// running starts a preview of dir on a free loopback port and stops it
// when the test ends, failing if it does not stop.
func running(t testing.TB, dir string) (*Server, string) {
	t.Helper()
	return runningWith(t, Options{Dir: dir})
}

func runningWith(t testing.TB, opt Options) (*Server, string) {
	t.Helper()
	opt.Batch = batch
	s, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	ln, _, err := Listen("127.0.0.1", 0)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(ShutdownTimeout + 5*time.Second):
			t.Errorf("server still running after cancel")
		}
	})
	// Edits in tests start after the background full render, so that
	// each edit gives exactly one event.
	select {
	case <-s.checked:
	case <-time.After(5 * time.Minute):
		t.Fatal("no full render")
	}
	return s, URL(ln)
}

func get(t testing.TB, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// stream follows the live-reload events the way a page does.
type stream struct {
	t    testing.TB
	resp *http.Response
	ev   chan event
}

func follow(t testing.TB, base string) *stream {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"_shipshape/events", nil)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("events Content-Type = %q", ct)
	}
	st := &stream{t: t, resp: resp, ev: make(chan event, 16)}
	go func() {
		defer close(st.ev)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var e event
				if json.Unmarshal([]byte(d), &e) == nil {
					st.ev <- e
				}
			}
		}
	}()
	st.next() // the current version comes first
	return st
}

// until reads events until one satisfies ok: a structural edit gives two,
// the page at once and the whole site after.
func (st *stream) until(what string, ok func(event) bool) event {
	st.t.Helper()
	for i := 0; i < 10; i++ {
		if e := st.next(); ok(e) {
			return e
		}
	}
	st.t.Fatalf("no event with %s", what)
	return event{}
}

func (st *stream) next() event {
	st.t.Helper()
	select {
	case e, ok := <-st.ev:
		if !ok {
			st.t.Fatal("event stream closed")
		}
		return e
	case <-time.After(20 * time.Second):
		st.t.Fatal("no event from the server")
	}
	return event{}
}

func TestPreviewEditBreakFix(t *testing.T) {
	dir := project(t, small)
	_, base := running(t, dir)
	page := base + "guide/first/"
	code, body := get(t, page)
	if code != 200 || !strings.Contains(body, "Original text.") {
		t.Fatalf("GET %s = %d, want the page; body:\n%s", page, code, body)
	}
	if !strings.Contains(body, `<script src="/_shipshape/live.js"`) {
		t.Errorf("page has no live-reload script")
	}
	if strings.Contains(body, "shipshape-errors") {
		t.Errorf("overlay shown on a good site")
	}
	es := follow(t, base)
	md := filepath.Join(dir, "content/guide/first.md")

	write(t, md, "---\ntitle: First steps\nweight: 1\n---\nEdited text.\n\n## Run it\n\nMore.\n")
	e := es.next()
	if e.Errors != 0 {
		t.Errorf("after a good edit: %d errors", e.Errors)
	}
	if _, body = get(t, page); !strings.Contains(body, "Edited text.") {
		t.Fatalf("after edit, page lacks the new text:\n%s", body)
	}

	write(t, md, "---\ntitle: First steps\nweight: \"1\n---\nBroken text.\n")
	e = es.next()
	if e.Errors == 0 {
		t.Errorf("broken front matter: event says no errors")
	}
	_, body = get(t, page)
	if !strings.Contains(body, "Edited text.") || strings.Contains(body, "Broken text.") {
		t.Errorf("broken edit: want the last good page served")
	}
	if !strings.Contains(body, `id="shipshape-errors"`) || !strings.Contains(body, "content/guide/first.md:3") || !strings.Contains(body, "front matter") {
		t.Errorf("broken edit: want an overlay naming content/guide/first.md:3 and the front matter; got:\n%s", body)
	}
	// every page shows the overlay, not only the broken one
	if _, home := get(t, base); !strings.Contains(home, `id="shipshape-errors"`) {
		t.Errorf("home page lacks the overlay")
	}

	write(t, md, "---\ntitle: First steps\nweight: 1\n---\nFixed text.\n\n## Run it\n\nMore.\n")
	if e = es.next(); e.Errors != 0 {
		t.Errorf("after fix: event says %d errors", e.Errors)
	}
	_, body = get(t, page)
	if !strings.Contains(body, "Fixed text.") || strings.Contains(body, "shipshape-errors") {
		t.Errorf("after fix: want new text and no overlay; got:\n%s", body)
	}
}

func TestPreviewErrors(t *testing.T) {
	tests := []struct {
		name, file, body, want string
	}{
		{"invalid UTF-8", "content/guide/first.md", "---\ntitle: First steps\n---\nok\n\xff\xfe bad\n", "content/guide/first.md:5"},
		{"broken link", "content/guide/first.md", "---\ntitle: First steps\n---\nSee [x](nowhere.md).\n", "content/guide/first.md:4"},
		{"broken anchor", "content/index.md", "---\ntitle: Home\n---\nSee [x](guide/first.md#nope).\n", "content/index.md:4"},
		{"broken config", "shipshape.toml", "title = \"Test\ncourse\"\n", "shipshape.toml:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := project(t, small)
			_, base := running(t, dir)
			es := follow(t, base)
			write(t, filepath.Join(dir, filepath.FromSlash(tt.file)), tt.body)
			es.until("errors", func(e event) bool { return e.Errors > 0 })
			_, body := get(t, base+"guide/first/")
			if !strings.Contains(body, `id="shipshape-errors"`) || !strings.Contains(body, tt.want) {
				t.Errorf("want an overlay naming %s; got:\n%s", tt.want, body)
			}
			write(t, filepath.Join(dir, filepath.FromSlash(tt.file)), small[tt.file])
			es.until("no errors after restoring "+tt.file, func(e event) bool { return e.Errors == 0 })
			if _, body := get(t, base+"guide/first/"); strings.Contains(body, "shipshape-errors") {
				t.Errorf("overlay still shown after the fix")
			}
		})
	}
}

func TestPreviewDraftsAndNewFolders(t *testing.T) {
	dir := project(t, small)
	_, base := running(t, dir)
	code, body := get(t, base+"guide/draft/")
	if code != 200 || !strings.Contains(body, `data-shipshape="draft"`) || !strings.Contains(body, "Draft body.") {
		t.Errorf("draft page: got %d, want it served with a draft marker:\n%s", code, body)
	}
	if _, body := get(t, base+"guide/first/"); strings.Contains(body, `data-shipshape="draft"`) {
		t.Errorf("non-draft page has a draft marker")
	}

	es := follow(t, base)
	write(t, filepath.Join(dir, "content/new/deep/page.md"), "---\ntitle: Brand new\n---\nFresh.\n")
	es.next()
	if code, body := get(t, base+"new/deep/page/"); code != 200 || !strings.Contains(body, "Fresh.") {
		t.Errorf("page in a new folder: got %d:\n%s", code, body)
	}
	// a second file in the new folder is seen too: the folder is watched
	write(t, filepath.Join(dir, "content/new/deep/more.md"), "---\ntitle: More\n---\nMore fresh.\n")
	es.next()
	if code, _ := get(t, base+"new/deep/more/"); code != 200 {
		t.Errorf("second page in a new folder: got %d", code)
	}
}

func TestPreviewRenameSave(t *testing.T) {
	dir := project(t, small)
	_, base := running(t, dir)
	es := follow(t, base)
	md := filepath.Join(dir, "content/guide/first.md")
	// the way vim and many IDEs save: write a temporary file, rename it over
	tmp := filepath.Join(dir, "content/guide/.first.md.swp")
	write(t, tmp, "---\ntitle: First steps\nweight: 1\n---\nRenamed in.\n\n## Run it\n")
	if err := os.Rename(tmp, md); err != nil {
		t.Fatal(err)
	}
	es.next()
	if _, body := get(t, base+"guide/first/"); !strings.Contains(body, "Renamed in.") {
		t.Errorf("rename-over save not picked up:\n%s", body)
	}
}

func TestPreviewCSSOnly(t *testing.T) {
	dir := project(t, small)
	s, base := running(t, dir)
	es := follow(t, base)
	before := s.version
	write(t, filepath.Join(dir, "content/extra.css"), "body { color: red }\n")
	e := es.next()
	if len(e.CSS) != 1 || e.CSS[0] != "extra.css" {
		t.Errorf("CSS edit: event %+v, want css [extra.css]", e)
	}
	s.mu.RLock()
	after := s.version
	s.mu.RUnlock()
	if before != after {
		t.Errorf("CSS edit changed the page version (%s -> %s): pages would reload", before, after)
	}
	if _, body := get(t, base+"extra.css"); !strings.Contains(body, "red") {
		t.Errorf("new CSS not served: %q", body)
	}
}

func TestShutdownWithOpenStream(t *testing.T) {
	dir := project(t, small)
	s, err := New(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	ln, _, err := Listen("127.0.0.1", 0)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, ln) }()
	follow(t, URL(ln)) // an open page keeps a stream open
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(ShutdownTimeout + 5*time.Second):
		t.Fatal("server did not stop with a stream open")
	}
	if _, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		t.Errorf("still listening after shutdown")
	}
}

func TestListen(t *testing.T) {
	tests := []struct {
		host   string
		ok     bool
		public bool
	}{
		{"127.0.0.1", true, false},
		{"localhost", true, false},
		{"::1", true, false},
		{"", false, false},
		{"0.0.0.0", true, true},
	}
	for _, tt := range tests {
		ln, public, err := Listen(tt.host, 0)
		if tt.host == "::1" && err != nil && !errors.Is(err, ErrBind) {
			t.Logf("no IPv6 loopback here: %v", err)
			continue
		}
		if (err == nil) != tt.ok {
			t.Errorf("Listen(%q) error = %v, want ok %v", tt.host, err, tt.ok)
		}
		if err != nil {
			continue
		}
		ln.Close()
		if public != tt.public {
			t.Errorf("Listen(%q) public = %v, want %v", tt.host, public, tt.public)
		}
	}
}

// TestQuickStart serves before any full render: pages are rendered on
// first request from the loaded content.
func TestQuickStart(t *testing.T) {
	dir := project(t, small)
	s, err := New(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	code, body := get(t, srv.URL+"/guide/first/")
	if code != 200 || !strings.Contains(body, "Original text.") || !strings.Contains(body, `id="run-it"`) {
		t.Errorf("quick start: got %d, want the fully rendered page:\n%s", code, body)
	}
	if code, _ := get(t, srv.URL+"/guide/first"); code != 200 {
		t.Errorf("folder without slash: got %d after redirect", code)
	}
}

// runnable is the small site whose guide/first page has one runnable
// block, and its files.
func runnable(t *testing.T) (string, map[string]string) {
	files := map[string]string{}
	for k, v := range small {
		files[k] = v
	}
	files["content/guide/first.md"] = "---\ntitle: First steps\n---\nRun:\n\n```sh {run image=busybox}\necho hello\n```\n"
	return project(t, files), files
}

// TestPreviewBadges: when verify writes the results file, open pages get
// the new badges without an edit to the page.
func TestPreviewBadges(t *testing.T) {
	dir, files := runnable(t)
	edits := make(chan bool, 10)
	_, base := runningWith(t, Options{Dir: dir, Edited: func() { edits <- true }})
	_, body := get(t, base+"guide/first/")
	m := regexp.MustCompile(`data-status="not-verified"[^>]*data-hash="([^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no unverified runnable block on the page:\n%s", body)
	}
	es := follow(t, base)
	store := results.New()
	store.Results[m[1]] = results.Result{Status: results.Passed, Proof: "ran", File: "content/guide/first.md", Line: 6, Output: "hello\n", At: "2026-01-02T03:04:05Z"}
	if err := store.Save(filepath.Join(dir, "content", ".shipshape-results.json")); err != nil {
		t.Fatal(err)
	}
	es.next()
	if _, body := get(t, base+"guide/first/"); !strings.Contains(body, `data-status="ran"`) {
		t.Errorf("after verify wrote the results file, the badge is not \"ran\":\n%s", body)
	}
	if len(edits) != 0 {
		t.Errorf("the results file alone called Edited: verify would loop")
	}
	write(t, filepath.Join(dir, "content/guide/first.md"), files["content/guide/first.md"]+"\nMore.\n")
	es.next()
	if len(edits) != 1 {
		t.Errorf("an edit called Edited %d times, want 1", len(edits))
	}
}

// TestPreviewImageChanged: the preview applies build's freshness rule. A
// result whose image is no longer the image it ran on, or whose engine is
// no longer the engine it ran on, loses its badge at the next full render,
// and each render asks for one checker.
func TestPreviewImageChanged(t *testing.T) {
	dir, _ := runnable(t)
	var (
		mu      sync.Mutex
		current = "sha256:old"
		engine  = "20.10.24"
		renders int
	)
	now := func() results.Now {
		mu.Lock()
		renders++
		id, v := current, engine
		mu.Unlock()
		return results.Now{
			Engine: func() (string, bool) { return v, true },
			ImageIDs: func(ref string) (string, bool) {
				if ref != "shipshape/busybox:latest" {
					return "", true
				}
				return id, true
			},
		}
	}
	_, base := runningWith(t, Options{Dir: dir, Now: now})
	_, body := get(t, base+"guide/first/")
	m := regexp.MustCompile(`data-status="not-verified"[^>]*data-hash="([^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no unverified runnable block on the page:\n%s", body)
	}
	es := follow(t, base)
	save := func() {
		store := results.New()
		store.Results[m[1]] = results.Result{Status: results.Passed, Proof: "ran", File: "content/guide/first.md", Line: 6,
			ImageRun: "shipshape/busybox:latest", ImageID: "sha256:old", Engine: "20.10.24", At: "2026-01-02T03:04:05Z"}
		if err := store.Save(filepath.Join(dir, "content", ".shipshape-results.json")); err != nil {
			t.Fatal(err)
		}
		es.next()
	}
	save()
	if _, body := get(t, base+"guide/first/"); !strings.Contains(body, `data-status="ran"`) {
		t.Errorf("result on the same image: badge is not \"ran\":\n%s", body)
	}
	mu.Lock()
	current = "sha256:new"
	before := renders
	mu.Unlock()
	save()
	if _, body := get(t, base+"guide/first/"); !strings.Contains(body, `data-status="not-verified"`) {
		t.Errorf("image behind the tag changed: badge is not \"not-verified\":\n%s", body)
	}
	mu.Lock()
	defer mu.Unlock()
	if renders == before {
		t.Errorf("the render after the results changed asked for no image checker")
	}
	current, engine = "sha256:old", "28.5.2"
	mu.Unlock()
	save()
	if _, body := get(t, base+"guide/first/"); !strings.Contains(body, `data-status="not-verified"`) {
		t.Errorf("another engine, same image: badge is not \"not-verified\":\n%s", body)
	}
	mu.Lock()
}

// TestPreviewTitleChange: a new title reaches the navigation of other
// pages (by the full render that follows the page's own re-render).
func TestPreviewTitleChange(t *testing.T) {
	dir := project(t, small)
	_, base := running(t, dir)
	es := follow(t, base)
	write(t, filepath.Join(dir, "content/guide/first.md"), "---\ntitle: Renamed steps\nweight: 1\n---\nOriginal text.\n\n## Run it\n\nMore.\n")
	for i := 0; i < 2; i++ {
		es.next()
		if _, body := get(t, base+"guide/"); strings.Contains(body, "Renamed steps") {
			return
		}
	}
	_, body := get(t, base+"guide/")
	t.Errorf("the guide page's navigation lacks the new title:\n%s", body)
}

// TestPreviewSettle: after an edit to a page's text alone, the search
// index (rendered for the whole site) catches up once the author pauses.
func TestPreviewSettle(t *testing.T) {
	dir := project(t, small)
	s, _ := runningWith(t, Options{Dir: dir, Settle: 50 * time.Millisecond})
	write(t, filepath.Join(dir, "content/guide/first.md"), "---\ntitle: First steps\nweight: 1\n---\nOriginal text with quuxword.\n\n## Run it\n\nMore.\n")
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		s.mu.RLock()
		found := false
		for k, v := range s.out.Files {
			if strings.HasPrefix(k, "search/") && strings.Contains(string(v), "quuxword") {
				found = true
			}
		}
		s.mu.RUnlock()
		if found {
			return
		}
	}
	t.Error("the search index never learned the edited text")
}

// TestPreviewThemeOverride: a site's own layouts/ and themes/NAME/static/
// files replace the embedded theme's, and an edit to one is served without
// restarting the server or rebuilding the binary.
func TestPreviewThemeOverride(t *testing.T) {
	files := map[string]string{}
	for k, v := range small {
		files[k] = v
	}
	files["shipshape.toml"] = "title = \"Test course\"\ntheme = \"mine\"\n"
	files["layouts/page.html"] = "<!doctype html><html><head><title>{{.Title}}</title></head><body><p>OWN LAYOUT ONE</p>{{.Content}}</body></html>\n"
	files["themes/mine/static/style.css"] = "body { color: rebeccapurple }\n"
	dir := project(t, files)
	_, base := running(t, dir)
	page := base + "guide/first/"
	if _, body := get(t, page); !strings.Contains(body, "OWN LAYOUT ONE") || !strings.Contains(body, "Original text.") {
		t.Fatalf("GET %s: want the site's own layout around the page; got:\n%s", page, body)
	}
	if _, css := get(t, base+"static/style.css"); !strings.Contains(css, "rebeccapurple") {
		t.Errorf("static/style.css is not the site's own: %.200s", css)
	}
	if _, js := get(t, base+"static/app.js"); !strings.Contains(js, "search") {
		t.Errorf("static/app.js, not overridden, should come from the embedded theme")
	}
	es := follow(t, base)
	write(t, filepath.Join(dir, "layouts/page.html"), "<!doctype html><html><head><title>{{.Title}}</title></head><body><p>OWN LAYOUT TWO</p>{{.Content}}</body></html>\n")
	es.next()
	if _, body := get(t, page); !strings.Contains(body, "OWN LAYOUT TWO") {
		t.Errorf("after editing layouts/page.html the page was not rendered with it:\n%s", body)
	}
	write(t, filepath.Join(dir, "themes/mine/static/style.css"), "body { color: teal }\n")
	es.next()
	if _, css := get(t, base+"static/style.css"); !strings.Contains(css, "teal") {
		t.Errorf("after editing the theme's style.css the server still serves: %.200s", css)
	}
	// a broken override names its file and line, and the last good page stays
	write(t, filepath.Join(dir, "layouts/page.html"), "<html><body>\n{{.Nope\n</body></html>\n")
	if e := es.next(); e.Errors == 0 {
		t.Errorf("a template that does not parse: event says no errors")
	}
	if _, body := get(t, page); !strings.Contains(body, "layouts/page.html:3") || !strings.Contains(body, "OWN LAYOUT TWO") {
		t.Errorf("broken template: want the last good page and an overlay naming layouts/page.html:3; got:\n%s", body)
	}
}
