package server

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

func TestStatic(t *testing.T) {
	big := strings.Repeat("body { margin: 0 }\n", 200)
	dir := project(t, map[string]string{
		"index.html":             "<!doctype html><html><body>home</body></html>",
		"guide/first/index.html": "<!doctype html><html><body>first</body></html>",
		"static/style.css":       big,
		"static/app.js":          "console.log(1)",
		"search/t/do.json":       "{}",
		"sitemap.xml":            "<urlset/>",
		"img/logo.svg":           "<svg/>",
		"404.html":               "<!doctype html><html><body>no such page</body></html>",
	})
	st, err := NewStatic(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Check(); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(st)
	defer srv.Close()
	noGzip := &http.Client{Transport: &http.Transport{DisableCompression: true}}

	tests := []struct {
		path, code, ctype, cache string
	}{
		{"/", "200", "text/html; charset=utf-8", "no-cache"},
		{"/guide/first/", "200", "text/html; charset=utf-8", "no-cache"},
		{"/static/style.css", "200", "text/css; charset=utf-8", "public, max-age=3600"},
		{"/static/app.js", "200", "text/javascript; charset=utf-8", "public, max-age=3600"},
		{"/search/t/do.json", "200", "application/json", "no-cache"},
		{"/sitemap.xml", "200", "application/xml; charset=utf-8", "no-cache"},
		{"/img/logo.svg", "200", "image/svg+xml", "public, max-age=3600"},
		{"/nope/", "404", "text/html; charset=utf-8", "no-cache"},
		{"/guide/first", "301", "", ""},
	}
	noRedirect := &http.Client{Transport: noGzip.Transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, tt := range tests {
		resp, err := noRedirect.Get(srv.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Status[:3]; got != tt.code {
			t.Errorf("GET %s: status %s, want %s", tt.path, got, tt.code)
		}
		if tt.ctype != "" && resp.Header.Get("Content-Type") != tt.ctype {
			t.Errorf("GET %s: Content-Type %q, want %q", tt.path, resp.Header.Get("Content-Type"), tt.ctype)
		}
		if tt.cache != "" && resp.Header.Get("Cache-Control") != tt.cache {
			t.Errorf("GET %s: Cache-Control %q, want %q", tt.path, resp.Header.Get("Cache-Control"), tt.cache)
		}
	}

	// gzip for large text when asked, the same bytes after decoding
	req, _ := http.NewRequest("GET", srv.URL+"/static/style.css", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := noGzip.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("style.css with Accept-Encoding gzip: headers %v", resp.Header)
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	resp.Body.Close()
	if string(plain) != big {
		t.Errorf("gzip body decodes to %d bytes, want %d", len(plain), len(big))
	}
	etag := resp.Header.Get("ETag")

	// revalidation answers 304 without a body
	req.Header.Set("If-None-Match", etag)
	resp, err = noGzip.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match %s: status %d, want 304", etag, resp.StatusCode)
	}

	// no gzip when not asked, nor for q=0
	for _, ae := range []string{"", "gzip;q=0"} {
		req, _ = http.NewRequest("GET", srv.URL+"/static/style.css", nil)
		if ae != "" {
			req.Header.Set("Accept-Encoding", ae)
		}
		resp, err = noGzip.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.Header.Get("Content-Encoding") != "" || string(b) != big {
			t.Errorf("Accept-Encoding %q: got encoding %q, %d bytes", ae, resp.Header.Get("Content-Encoding"), len(b))
		}
	}
}

func TestStaticNoSite(t *testing.T) {
	st, err := NewStatic(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Check(); err == nil {
		t.Error("Check on an empty folder: want an error")
	}
	if _, err := NewStatic(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("NewStatic on a missing folder: want an error")
	}
}
