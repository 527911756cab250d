package site

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// TestScreenshots renders the course with its recorded results and takes
// screenshots of home, a lesson, /proof/, search with a query typed and the
// 404 page, on a desktop (1366×900) and a phone (390×844), light and dark
// (dark as the system asks for it), into $ARTIFACTS/screenshots. Without
// ARTIFACTS it does nothing: the pictures are for people to look at.
func TestScreenshots(t *testing.T) {
	art := os.Getenv("ARTIFACTS")
	if art == "" {
		t.Skip("ARTIFACTS not set")
	}
	dir := filepath.Join(art, "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	o := renderCourse(t, true)
	srv := serve(t, o)
	ctx, consoleErrors := newBrowser(t)
	shots := []struct{ name, path, query string }{
		{"home", "/", ""},
		{"lesson", "/02-images/healthcheck-and-user/", ""},
		{"proof", "/proof/", ""},
		{"search", "/", "COPY --from"},
		{"404", "/no-such-page/", ""},
	}
	sizes := []struct {
		name   string
		w, h   int64
		mobile bool
	}{{"desktop", 1366, 900, false}, {"phone", 390, 844, true}}
	for _, size := range sizes {
		for _, scheme := range []string{"light", "dark"} {
			if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
			}); err != nil {
				t.Fatal(err)
			}
			vp := chromedp.EmulateViewport(size.w, size.h)
			if size.mobile {
				vp = chromedp.EmulateViewport(size.w, size.h, chromedp.EmulateMobile)
			}
			for _, sh := range shots {
				do(t, ctx, sh.name, vp, chromedp.Navigate(srv.URL+sh.path), chromedp.WaitVisible(css(`main`)),
					void(chromedp.Evaluate[any](`localStorage.removeItem('shipshape-theme'); document.documentElement.removeAttribute('data-theme')`)))
				if sh.query != "" {
					do(t, ctx, "type", chromedp.SendKeys(css(`#search-input`), sh.query), chromedp.WaitVisible(css(`#search-results a`)))
				}
				do(t, ctx, "settle", chromedp.Sleep(150*time.Millisecond))
				png := get(t, ctx, "screenshot", chromedp.CaptureScreenshot())
				p := filepath.Join(dir, fmt.Sprintf("%s-%s-%s.png", sh.name, size.name, scheme))
				if err := os.WriteFile(p, png, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	t.Logf("screenshots in %s", dir)
	for _, e := range consoleErrors() {
		if !strings.Contains(e, "/no-such-page/") { // the 404 itself is expected
			t.Errorf("console error: %s", e)
		}
	}
}
