package site

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// courseQueries are what Docker readers type, each with the page of the
// course that must come back among the first three results.
var courseQueries = []struct{ q, page string }{
	{"COPY --from", "02-images/multi-stage/"},
	{"depends_on", "08-compose/health-and-depends-on/"},
	{"healthcheck", "02-images/healthcheck-and-user/"},
	{"HEALTHCHECK --interval", "02-images/healthcheck-and-user/"},
	{"dockerignore", "02-images/build-cache/"},
	{"--mount=type=secret", "05-security/secrets-and-scanning/"},
	{"tmpfs", "04-storage/bind-mounts-and-tmpfs/"},
	{"--cap-drop", "05-security/least-privilege/"},
	{"--memory", "06-performance/limits-and-stats/"},
	{"docker stats", "06-performance/limits-and-stats/"},
	{"named volumes", "04-storage/volumes/"},
	{"bind mount", "04-storage/bind-mounts-and-tmpfs/"},
	{"docker logs", "07-troubleshooting/logs-exec-inspect/"},
	{"docker exec", "07-troubleshooting/logs-exec-inspect/"},
	{"docker inspect", "07-troubleshooting/logs-exec-inspect/"},
	{"docker system df", "07-troubleshooting/disk-and-common-errors/"},
	{"multi-stage", "02-images/multi-stage/"},
	{"copy on write", "02-images/images-and-layers/"},
	{"layers", "02-images/images-and-layers/"},
	{"ENTRYPOINT", "02-images/dockerfile-basics/"},
	{"ARG", "02-images/dockerfile-basics/"},
	{"user-defined network", "03-networking/bridge-and-dns/"},
	{"--network none", "03-networking/ports-host-none/"},
	{"publishing ports", "03-networking/ports-host-none/"},
	{"profiles", "08-compose/profiles-overrides-scaling/"},
	{"--scale", "08-compose/profiles-overrides-scaling/"},
	{"PID 1 signals", "09-architect/principles/"},
	{"read-only root", "05-security/least-privilege/"},
	{"no-new-privileges", "05-security/least-privilege/"},
	{"non-root user", "02-images/healthcheck-and-user/"},
	{"docker compose up", "08-compose/compose-basics/"},
	{"secrets", "05-security/secrets-and-scanning/"},
	{"deployment strategies", "09-architect/operations/"},
	{"production checklist", "09-architect/checklist/"},
	{"daemon", "01-first-steps/architecture/"},
	{"virtual machines", "01-first-steps/why-containers/"},
	{"digests", "09-architect/principles/"},
	{"service_healthy", "08-compose/health-and-depends-on/"},
	{"EXPOSE", "02-images/dockerfile-basics/"},
}

// TestCourseSearch types each query of courseQueries into the search box of
// the real course, in Chromium, and checks that its page is among the first
// three results, and that no "Check yourself" section ranks above a section
// that teaches.
func TestCourseSearch(t *testing.T) {
	o := renderCourse(t, false)
	srv := serve(t, o)
	ctx, _ := newBrowser(t)
	do(t, ctx, "load", nav(srv.URL+"/"), waitVisible(`#search-input`))
	misses := 0
	asides := 0
	for _, c := range courseQueries {
		js := fmt.Sprintf(`(async () => {
  const i = document.getElementById('search-input'), box = document.getElementById('search-results');
  i.value = %q; i.dispatchEvent(new Event('input'));
  for (let n = 0; n < 200 && box.getAttribute('data-query') !== %q; n++) await new Promise(r => setTimeout(r, 25));
  return Array.from(box.querySelectorAll('a')).map(a => new URL(a.href).pathname + '|' + a.querySelector('.r-head').textContent);
})()`, c.q, c.q)
		got := evalAwait[[]string](t, ctx, js)
		rank := -1
		var pages []string
		seenAside := ""
		for i, r := range got {
			p, head, _ := strings.Cut(r, "|")
			p = strings.TrimPrefix(p, "/")
			pages = append(pages, p+" ("+head+")")
			if rank < 0 && p == c.page {
				rank = i
			}
			if strings.HasPrefix(strings.ToLower(head), "check yourself") {
				if seenAside == "" {
					seenAside = p
				}
			} else if seenAside != "" {
				asides++
				t.Errorf("search %q: the \"Check yourself\" section of %s ranks above %s (%s)", c.q, seenAside, p, head)
			}
		}
		if rank < 0 || rank > 2 {
			misses++
			t.Errorf("search %q: %s at rank %d, want top 3; got:\n  %s", c.q, c.page, rank+1, strings.Join(pages, "\n  "))
		} else {
			t.Logf("search %q: %s at rank %d", c.q, c.page, rank+1)
		}
	}
	t.Logf("%d of %d queries found their page in the top 3", len(courseQueries)-misses, len(courseQueries))
	if asides > 0 {
		t.Errorf("in %d results a \"Check yourself\" section ranks above a section that teaches", asides)
	}
}

func nav(u string) chromedp.Action[chromedp.Void] { return chromedp.Navigate(u) }

func waitVisible(sel string) chromedp.Action[chromedp.Void] { return chromedp.WaitVisible(css(sel)) }

func evalAwait[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	return get(t, ctx, expr, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
}
