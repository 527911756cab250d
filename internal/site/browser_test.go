package site

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/shipshape/shipshape/internal/config"
	"github.com/shipshape/shipshape/internal/content"
	"github.com/shipshape/shipshape/internal/results"
	"github.com/shipshape/shipshape/internal/testenv"
)

// serve serves an Output from memory, like a static file server.
func serve(t *testing.T, o *Output) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
		if strings.HasSuffix(r.URL.Path, "/") {
			p = strings.TrimPrefix(path.Join(p, "index.html"), "/")
		}
		b, ok := o.Files[p]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			w.Write(o.Files["404.html"])
			return
		}
		switch path.Ext(p) {
		case ".html":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
		case ".css":
			w.Header().Set("Content-Type", "text/css")
		case ".js":
			w.Header().Set("Content-Type", "text/javascript")
		case ".json":
			w.Header().Set("Content-Type", "application/json")
		}
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// artefacts is where screenshots go: $ARTIFACTS, else a temp folder.
func artefacts(t *testing.T) string {
	dir := os.Getenv("ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "shipshape-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// newBrowser starts headless Chromium; every console error, uncaught
// exception and browser-log error (a failed fetch) is collected.
func newBrowser(t *testing.T) (context.Context, func() []string) {
	ctx := testenv.Browser(t, chromedp.WindowSize(1280, 900))
	var mu sync.Mutex
	var errs []string
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException {
				mu.Lock()
				errs = append(errs, fmt.Sprintf("%s: %s (%s:%d)", m.Type, m.Text, m.URL, m.Line+1))
				mu.Unlock()
			}
		}
	}()
	return ctx, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), errs...)
	}
}

func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func get[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	return get(t, ctx, expr, chromedp.Evaluate[T](expr))
}

type css = chromedp.CSS

// void drops an action's value so it can run among steps.
func void[T any](a chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := a(ctx, t)
		return chromedp.Void{}, err
	}
}

func TestBrowser(t *testing.T) {
	s := load(t, "testdata/browser.txtar")
	cfg := config.Default()
	cfg.Title = "Test course"
	o, ds := Render(s, Options{Config: cfg})
	if ds.Errors() > 0 {
		t.Fatalf("render: %v", ds)
	}
	srv := serve(t, o)
	ctx, consoleErrors := newBrowser(t)
	first := srv.URL + "/guide/first/"

	t.Run("navigation", func(t *testing.T) {
		// the whole tree from nav.html replaces the partial sidebar
		do(t, ctx, "load", chromedp.Navigate(first), chromedp.WaitReady(css(`#sidebar details[data-sec="more"]`)))
		if got := get(t, ctx, "current", chromedp.Text(css(`#sidebar a[aria-current="page"]`))); got != "First steps" {
			t.Errorf("current page in sidebar = %q, want First steps", got)
		}
		if n := eval[int](t, ctx, `document.querySelectorAll('#sidebar a').length`); n != 6 {
			t.Errorf("full sidebar has %d links, want 6 (home, guide, 2 pages, more, third)", n)
		}
		if h := eval[string](t, ctx, `document.querySelector('#sidebar details[data-sec="more"] li a').getAttribute('href')`); h != "../../more/third/" {
			t.Errorf("link to the third page = %q, want ../../more/third/", h)
		}
		if !eval[bool](t, ctx, `document.querySelector('#sidebar details[data-sec="guide"]').open && !document.querySelector('#sidebar details[data-sec="more"]').open`) {
			t.Errorf("the current section should be open and the others collapsed")
		}
		do(t, ctx, "expand", chromedp.Click(css(`#sidebar details[data-sec="more"] > summary`)))
		if !eval[bool](t, ctx, `document.querySelector('#sidebar details[data-sec="more"]').open`) {
			t.Errorf("clicking a collapsed section did not open it")
		}
		crumbs := get(t, ctx, "crumbs", chromedp.Text(css(`nav.crumbs`)))
		if !strings.Contains(crumbs, "Welcome") || !strings.Contains(crumbs, "Guide") || !strings.Contains(crumbs, "First steps") {
			t.Errorf("breadcrumbs = %q, want Welcome › Guide › First steps", crumbs)
		}
		do(t, ctx, "next", chromedp.Click(css(`.pager a.next`)), chromedp.WaitVisible(css(`#quokka-section`)))
		if loc := get(t, ctx, "location", chromedp.Location()); !strings.HasSuffix(loc, "/guide/second/") {
			t.Errorf("next from the first page went to %s, want /guide/second/", loc)
		}
		do(t, ctx, "prev by key", chromedp.KeyEvent(kb.ArrowLeft), chromedp.WaitVisible(css(`#ports`)))
		if loc := get(t, ctx, "location", chromedp.Location()); !strings.HasSuffix(loc, "/guide/first/") {
			t.Errorf("prev from the second page went to %s, want /guide/first/", loc)
		}
	})

	t.Run("toc", func(t *testing.T) {
		do(t, ctx, "load", chromedp.Navigate(first), chromedp.WaitVisible(css(`aside.toc`)))
		entries := eval[[]string](t, ctx, `Array.from(document.querySelectorAll('aside.toc a')).map(a => a.textContent)`)
		if strings.Join(entries, "|") != "Ports|Port ranges|Volumes" {
			t.Errorf("toc = %q, want Ports, Port ranges, Volumes (h2–h3)", entries)
		}
		do(t, ctx, "click", chromedp.Click(css(`aside.toc a[href="#volumes"]`)), void(chromedp.Poll[bool](`location.hash === "#volumes"`)))
		do(t, ctx, "toc marks the section", void(chromedp.Poll[bool](`document.querySelector('aside.toc a.active') !== null`)))
		// the page is short, so the heading lands where the scroll ends
		if top := eval[float64](t, ctx, `document.getElementById('volumes').getBoundingClientRect().top`); top < 0 || top > 400 || eval[float64](t, ctx, `scrollY`) <= 0 {
			t.Errorf("after clicking Volumes the heading is at %.0fpx, the page not scrolled; want it scrolled into view", top)
		}
	})

	t.Run("search", func(t *testing.T) {
		do(t, ctx, "load", chromedp.Navigate(first), chromedp.WaitVisible(css(`#search-input`)), chromedp.KeyEvent("/"))
		if !eval[bool](t, ctx, `document.activeElement.id === 'search-input'`) {
			t.Fatalf("pressing / did not focus the search box")
		}
		// Every prefix typed on the way is a query; none may ask for an
		// index file that does not exist (a 404 in the console).
		for _, q := range []string{"ma", "zq", "qzx"} {
			js := fmt.Sprintf(`(async () => {
  const i = document.getElementById('search-input'), box = document.getElementById('search-results');
  i.value = %q; i.dispatchEvent(new Event('input'));
  for (let n = 0; n < 200 && box.getAttribute('data-query') !== %q; n++) await new Promise(r => setTimeout(r, 25));
  return box.getAttribute('data-query');
})()`, q, q)
			if got := evalAwait[string](t, ctx, js); got != q {
				t.Fatalf("query %q never answered (data-query %q)", q, got)
			}
		}
		do(t, ctx, "clear", void(chromedp.Evaluate[any](`document.getElementById('search-input').value = ''`)))
		do(t, ctx, "type", chromedp.SendKeys(css(`#search-input`), "marsup"), chromedp.WaitVisible(css(`#search-results a`)))
		results := get(t, ctx, "results", chromedp.Text(css(`#search-results`)))
		if !strings.Contains(results, "Second steps") || !strings.Contains(results, "Quokka section") || !strings.Contains(results, "marsupial") {
			t.Errorf("results = %q, want the page, the heading and a snippet", results)
		}
		do(t, ctx, "open", chromedp.Click(css(`#search-results a`)), chromedp.WaitVisible(css(`#quokka-section`)))
		if loc := get(t, ctx, "location", chromedp.Location()); !strings.HasSuffix(loc, "/guide/second/#quokka-section") {
			t.Errorf("the search result opened %s, want /guide/second/#quokka-section", loc)
		}
	})

	t.Run("copy", func(t *testing.T) {
		for _, name := range []string{"clipboard-read", "clipboard-write"} {
			if _, err := chromedp.CallBrowser(ctx, browser.SetPermission, browser.SetPermissionParams{
				Permission: &browser.PermissionDescriptor{Name: name}, Setting: browser.PermissionSettingGranted, Origin: srv.URL,
			}); err != nil {
				t.Fatalf("grant %s: %v", name, err)
			}
		}
		btn := css(`figure.code[data-lang="console"] button.copy`)
		do(t, ctx, "copy", chromedp.Navigate(first), chromedp.WaitVisible(btn), chromedp.Click(btn), chromedp.WaitVisible(css(`button.copy.done`)))
		want := "docker run --rm hello-world\ndocker ps \\\n    --all\n"
		clip := get(t, ctx, "clipboard", chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise))
		if clip != want {
			t.Errorf("clipboard holds %q, want %q (commands without prompts or output)", clip, want)
		}
	})

	t.Run("contrast", func(t *testing.T) {
		// every highlighted token, against the code block's background, in
		// light mode, in dark mode asked for by the system alone (no
		// data-theme), and in dark mode chosen with the toggle
		third := srv.URL + "/more/third/"
		cases := []struct {
			name, media, theme string
		}{
			{"light", "light", ""},
			{"system dark", "dark", ""},
			{"toggle dark", "light", "dark"},
			{"toggle light on dark system", "dark", "light"},
		}
		for _, c := range cases {
			if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: c.media}},
			}); err != nil {
				t.Fatal(err)
			}
			do(t, ctx, "load "+c.name, chromedp.Navigate(third), chromedp.WaitVisible(css(`figure.code pre span`)),
				void(chromedp.Evaluate[any](fmt.Sprintf(`localStorage.removeItem('shipshape-theme'); %q ? document.documentElement.setAttribute('data-theme', %q) : document.documentElement.removeAttribute('data-theme')`, c.theme, c.theme))))
			bad := eval[[]string](t, ctx, contrastJS)
			n := eval[int](t, ctx, `document.querySelectorAll('figure.code pre span').length`)
			if n < 100 {
				t.Errorf("%s: only %d highlighted spans on the page", c.name, n)
			}
			if len(bad) > 0 {
				t.Errorf("%s: %d token spans below 4.5:1 contrast:\n%s", c.name, len(bad), strings.Join(bad, "\n"))
			}
		}
		if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{}); err != nil {
			t.Fatal(err)
		}
		do(t, ctx, "reset", void(chromedp.Evaluate[any](`localStorage.removeItem('shipshape-theme')`)))
	})

	t.Run("theme", func(t *testing.T) {
		do(t, ctx, "load", chromedp.Navigate(first), chromedp.WaitVisible(css(`#theme-toggle`)))
		before := eval[string](t, ctx, `getComputedStyle(document.body).backgroundColor`)
		do(t, ctx, "toggle", chromedp.Click(css(`#theme-toggle`)))
		after := eval[string](t, ctx, `getComputedStyle(document.body).backgroundColor`)
		if before == after {
			t.Errorf("the toggle left the background at %s", before)
		}
		do(t, ctx, "reload", chromedp.Reload(), chromedp.WaitVisible(css(`#theme-toggle`)))
		persisted := eval[string](t, ctx, `document.documentElement.getAttribute('data-theme') + " " + getComputedStyle(document.body).backgroundColor`)
		do(t, ctx, "other page", chromedp.Navigate(srv.URL+"/more/third/"), chromedp.WaitVisible(css(`#theme-toggle`)))
		elsewhere := eval[string](t, ctx, `document.documentElement.getAttribute('data-theme') + " " + getComputedStyle(document.body).backgroundColor`)
		if persisted != "dark "+after || elsewhere != persisted {
			t.Errorf("after reload %q, on another page %q; want %q", persisted, elsewhere, "dark "+after)
		}
		dir := artefacts(t)
		for _, th := range []string{"light", "dark"} {
			do(t, ctx, "theme "+th, chromedp.Navigate(first), chromedp.WaitVisible(css(`#theme-toggle`)),
				void(chromedp.Evaluate[any](fmt.Sprintf(`localStorage.setItem('shipshape-theme', %q); document.documentElement.setAttribute('data-theme', %q)`, th, th))),
				chromedp.Sleep(100*time.Millisecond))
			png := get(t, ctx, "screenshot", chromedp.CaptureScreenshot())
			p := filepath.Join(dir, "page-"+th+".png")
			if err := os.WriteFile(p, png, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("screenshot: %s", p)
		}
	})

	t.Run("phone", func(t *testing.T) {
		do(t, ctx, "phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Navigate(first), chromedp.WaitVisible(css(`label.menu`)))
		defer chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900))
		if visible(t, ctx, `#sidebar`) || visible(t, ctx, `aside.toc`) {
			t.Errorf("on a phone the sidebar and the table of contents should start hidden")
		}
		if w := eval[float64](t, ctx, `document.documentElement.scrollWidth`); w > 390 {
			t.Errorf("the page is %.0fpx wide on a 390px phone: it scrolls sideways", w)
		}
		png := get(t, ctx, "screenshot", chromedp.CaptureScreenshot())
		if err := os.WriteFile(filepath.Join(artefacts(t), "page-phone.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
		do(t, ctx, "search on a phone", chromedp.SendKeys(css(`#search-input`), "port"), chromedp.WaitVisible(css(`#search-results a`)))
		if l := eval[float64](t, ctx, `document.getElementById('search-results').getBoundingClientRect().left`); l < 0 {
			t.Errorf("search results start at %.0fpx, off the left edge of the phone", l)
		}
		png = get(t, ctx, "screenshot", chromedp.CaptureScreenshot())
		if err := os.WriteFile(filepath.Join(artefacts(t), "search-phone.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
		if w := eval[float64](t, ctx, `document.getElementById('search-input').getBoundingClientRect().width`); w < 250 {
			t.Errorf("the search box is %.0fpx wide on a 390px phone, want at least 250", w)
		}
		// combobox semantics: expanded, a listbox of options, the active one
		// named by aria-activedescendant, and a live region that counts
		if got := eval[string](t, ctx, `const i = document.getElementById('search-input'); [i.getAttribute('role'), i.getAttribute('aria-expanded'), i.getAttribute('aria-controls'), document.getElementById('search-results').getAttribute('role'), document.querySelector('#search-results a').getAttribute('role')].join(' ')`); got != "combobox true search-results listbox option" {
			t.Errorf("search semantics = %q, want combobox true search-results listbox option", got)
		}
		if st := eval[string](t, ctx, `document.getElementById('search-status').getAttribute('aria-live') + ' ' + document.getElementById('search-status').textContent`); !strings.HasPrefix(st, "polite ") || !strings.Contains(st, "result") {
			t.Errorf("live region = %q, want polite and a count of results", st)
		}
		do(t, ctx, "arrow down", chromedp.KeyEvent(kb.ArrowDown))
		if got := eval[string](t, ctx, `(() => { const id = document.getElementById('search-input').getAttribute('aria-activedescendant'); const o = id && document.getElementById(id); return o ? o.getAttribute('aria-selected') : 'none'; })()`); got != "true" {
			t.Errorf("after ArrowDown the active option's aria-selected = %q, want true", got)
		}
		do(t, ctx, "close search", chromedp.KeyEvent(kb.Escape))
		if got := eval[string](t, ctx, `document.getElementById('search-input').getAttribute('aria-expanded')`); got != "false" {
			t.Errorf("after Escape aria-expanded = %q, want false", got)
		}
		do(t, ctx, "menu", chromedp.Click(css(`label.menu`)), chromedp.WaitVisible(css(`#sidebar`)))
	})

	t.Run("keyboard menu", func(t *testing.T) {
		// at 760px and below the menu is reached with Tab and opened with Space
		do(t, ctx, "narrow", chromedp.EmulateViewport(760, 900), chromedp.Navigate(first), chromedp.WaitVisible(css(`label.menu`)))
		defer chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900))
		found := false
		for i := 0; i < 4 && !found; i++ {
			do(t, ctx, "tab", chromedp.KeyEvent(kb.Tab))
			found = eval[bool](t, ctx, `document.activeElement && document.activeElement.id === 'nav-toggle'`)
		}
		if !found {
			t.Fatalf("the menu was not reached within 4 presses of Tab (focus on %s)", eval[string](t, ctx, `document.activeElement.outerHTML.slice(0, 80)`))
		}
		if visible(t, ctx, `#sidebar`) {
			t.Errorf("the sidebar shows before the menu is opened")
		}
		do(t, ctx, "space", chromedp.KeyEvent(" "))
		if !visible(t, ctx, `#sidebar`) {
			t.Errorf("Space on the focused menu did not open the sidebar")
		}
		do(t, ctx, "wide", chromedp.EmulateViewport(1280, 900), chromedp.Reload(), chromedp.WaitVisible(css(`#theme-toggle`)))
		if eval[bool](t, ctx, `getComputedStyle(document.getElementById('nav-toggle')).display !== 'none'`) {
			t.Errorf("on a wide screen the menu checkbox is still in the tab order")
		}
	})

	t.Run("toggle pressed", func(t *testing.T) {
		do(t, ctx, "load", chromedp.Navigate(first), chromedp.WaitVisible(css(`#theme-toggle`)),
			void(chromedp.Evaluate[any](`localStorage.removeItem('shipshape-theme')`)), chromedp.Reload(), chromedp.WaitVisible(css(`#theme-toggle`)))
		before := eval[string](t, ctx, `document.getElementById('theme-toggle').getAttribute('aria-pressed')`)
		do(t, ctx, "toggle", chromedp.Click(css(`#theme-toggle`)))
		after := eval[string](t, ctx, `document.getElementById('theme-toggle').getAttribute('aria-pressed') + ' ' + document.documentElement.getAttribute('data-theme')`)
		if before != "false" || after != "true dark" {
			t.Errorf("aria-pressed before and after the toggle = %q, %q; want false, true dark", before, after)
		}
		do(t, ctx, "reset", void(chromedp.Evaluate[any](`localStorage.removeItem('shipshape-theme')`)))
	})

	t.Run("no console errors", func(t *testing.T) {
		if errs := consoleErrors(); len(errs) > 0 {
			t.Errorf("console errors:\n%s", strings.Join(errs, "\n"))
		}
	})

	t.Run("without javascript", func(t *testing.T) {
		if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
			t.Fatal(err)
		}
		defer chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: false})
		do(t, ctx, "load", chromedp.Navigate(first), chromedp.WaitReady(css(`#sidebar`)))
		links := get(t, ctx, "sidebar", chromedp.Text(css(`#sidebar`)))
		current := get(t, ctx, "current", chromedp.Text(css(`#sidebar a[aria-current="page"]`)))
		if !strings.Contains(links, "Second steps") || !strings.Contains(links, "More") || current != "First steps" {
			t.Errorf("sidebar without JS = %q (current %q), want the guide's pages, the other section and First steps marked", links, current)
		}
		if toc := get(t, ctx, "toc", chromedp.Nodes(chromedp.CSSAll(`aside.toc a`))); len(toc) != 3 {
			t.Errorf("toc without JS has %d entries, want 3", len(toc))
		}
		if visible(t, ctx, `.search`) || visible(t, ctx, `#theme-toggle`) {
			t.Errorf("without JS the search box and the theme toggle should be hidden")
		}
		do(t, ctx, "next", chromedp.Click(css(`.pager a.next`)), chromedp.WaitVisible(css(`#quokka-section`)))
		if loc := get(t, ctx, "location", chromedp.Location()); !strings.HasSuffix(loc, "/guide/second/") {
			t.Errorf("next without JS went to %s", loc)
		}
	})
}

// visible reads an element's computed display through the DevTools
// protocol, which works with the page's scripts disabled.
func visible(t *testing.T, ctx context.Context, sel string) bool {
	t.Helper()
	for _, st := range get(t, ctx, "style of "+sel, chromedp.ComputedStyle(css(sel))) {
		if st.Name == "display" {
			return st.Value != "none"
		}
	}
	return true
}

// contrastJS lists every text-bearing span in a code block whose colour has
// less than 4.5:1 contrast with the first opaque background behind it.
const contrastJS = `(() => {
  const rgb = s => s.match(/[\d.]+/g).map(Number);
  const lum = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const bgOf = el => { for (; el; el = el.parentElement) { const c = rgb(getComputedStyle(el).backgroundColor); if (c.length < 4 || c[3] > 0) return c; } return [255, 255, 255]; };
  const out = [];
  document.querySelectorAll('figure.code pre span').forEach(s => {
    if (!s.textContent.trim() || s.children.length) return;
    const fg = rgb(getComputedStyle(s).color), bg = bgOf(s);
    const a = lum(fg), b = lum(bg), r = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (r < 4.5) out.push(s.className + ' ' + JSON.stringify(s.textContent) + ' ' + getComputedStyle(s).color + ' on rgb(' + bg.join(',') + ') = ' + r.toFixed(2));
  });
  return out;
})()`

// renderCourse renders the course in content/ with the repository's
// configuration, with its committed results when withResults is set (the
// badges people see) or with none (the site a new author starts from).
func renderCourse(t *testing.T, withResults bool) *Output {
	t.Helper()
	root := filepath.Join("..", "..")
	cfg, err := config.Load(root)
	if err != nil {
		t.Fatal(err)
	}
	s, err := content.Load(filepath.Join(root, "content"), content.Options{Name: "content"})
	if err != nil {
		t.Fatal(err)
	}
	store := results.New()
	if withResults {
		if store, err = results.Load(filepath.Join(root, "content", ".shipshape-results.json")); err != nil {
			t.Fatal(err)
		}
	}
	o, _ := Render(s, Options{Config: cfg, Results: store})
	return o
}
