package server

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/shipshape/shipshape/internal/testenv"
)

// browser starts headless Chromium for one test.
func browser(t *testing.T) context.Context { return testenv.Browser(t) }

func run(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func js[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// until waits for a JavaScript condition, asking again while the page
// reloads underneath; it fails the test with what the page shows if the
// condition never holds.
func until(t *testing.T, ctx context.Context, what, cond string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(function(){ try { return !!(`+cond+`) } catch (e) { return false } })()`))
		if err == nil && ok {
			return
		}
		last = err
		time.Sleep(25 * time.Millisecond)
	}
	body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	t.Fatalf("%s: condition %s never held (last error %v); page shows:\n%s", what, cond, last, body)
}

// TestBrowserLiveReload edits files under an open page in real Chromium:
// the page reloads by itself with the new text, shows the overlay on a
// broken edit, clears it on the fix, and keeps its state on a CSS edit.
func TestBrowserLiveReload(t *testing.T) {
	dir := project(t, small)
	write(t, filepath.Join(dir, "content/guide/first.md"),
		"---\ntitle: First steps\nweight: 1\n---\nOriginal text.\n\n<link rel=\"stylesheet\" href=\"../../extra.css\">\n\n## Run it\n\nMore.\n")
	_, base := running(t, dir)
	ctx := browser(t)
	md := filepath.Join(dir, "content/guide/first.md")

	run(t, ctx, "open the page", chromedp.Navigate(base+"guide/first/"), chromedp.WaitVisible(chromedp.CSS("article.content")))
	until(t, ctx, "page text", `document.body.innerText.includes("Original text.")`)
	// Let the page's event stream connect, then mark this page load: a
	// reload clears the mark, a manual refresh never happens here.
	until(t, ctx, "event stream", `document.documentElement.getAttribute("data-shipshape-live") === "open"`)
	mark := func() { js[bool](t, ctx, `(window.__notReloaded = true)`) }
	mark()

	// A long page, scrolled down: the reload keeps the place.
	long := strings.Repeat("A paragraph of filler text.\n\n", 300)
	write(t, md, "---\ntitle: First steps\nweight: 1\n---\nLong now.\n\n<link rel=\"stylesheet\" href=\"../../extra.css\">\n\n## Run it\n\n"+long)
	until(t, ctx, "long page", `document.body.innerText.includes("Long now.") && !window.__notReloaded`)
	until(t, ctx, "event stream after reload", `document.documentElement.getAttribute("data-shipshape-live") === "open"`)
	js[bool](t, ctx, `(window.scrollTo(0, 2000), true)`)
	mark()
	write(t, md, "---\ntitle: First steps\nweight: 1\n---\nEdited in the editor.\n\n<link rel=\"stylesheet\" href=\"../../extra.css\">\n\n## Run it\n\n"+long)
	until(t, ctx, "new text after the edit", `document.body.innerText.includes("Edited in the editor.") && !window.__notReloaded`)
	until(t, ctx, "scroll position kept", `window.scrollY > 1500`)

	until(t, ctx, "event stream after reload", `document.documentElement.getAttribute("data-shipshape-live") === "open"`)
	mark()
	write(t, md, "---\ntitle: First steps\nweight: \"1\n---\nBroken.\n")
	until(t, ctx, "overlay on a broken edit", `!window.__notReloaded && !!document.getElementById("shipshape-errors")`)
	overlay := js[string](t, ctx, `document.getElementById("shipshape-errors").innerText`)
	if !strings.Contains(overlay, "content/guide/first.md:3") || !strings.Contains(overlay, "front matter") {
		t.Errorf("overlay = %q, want file:line and the front matter message", overlay)
	}
	if !js[bool](t, ctx, `document.body.innerText.includes("Edited in the editor.")`) {
		t.Errorf("broken edit: the last good page is not shown under the overlay")
	}

	until(t, ctx, "event stream after reload", `document.documentElement.getAttribute("data-shipshape-live") === "open"`)
	mark()
	write(t, md, "---\ntitle: First steps\nweight: 1\n---\nFixed.\n\n<link rel=\"stylesheet\" href=\"../../extra.css\">\n\n## Run it\n\nMore.\n")
	until(t, ctx, "overlay cleared by the fix", `!window.__notReloaded && !document.getElementById("shipshape-errors") && document.body.innerText.includes("Fixed.")`)

	// CSS only: the new rule applies, the page is not reloaded.
	until(t, ctx, "event stream after reload", `document.documentElement.getAttribute("data-shipshape-live") === "open"`)
	mark()
	write(t, filepath.Join(dir, "content/extra.css"), "article.content { outline: 3px solid rgb(255, 0, 0) }\n")
	until(t, ctx, "new style applied", `getComputedStyle(document.querySelector("article.content")).outlineColor === "rgb(255, 0, 0)"`)
	if !js[bool](t, ctx, `window.__notReloaded === true`) {
		t.Errorf("a CSS-only change reloaded the page")
	}
	fmt.Fprintln(testWriter{t}, "live reload, overlay and CSS swap observed in", base)
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}
