package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net"
	"net/http"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Static serves an already built site folder for production: correct
// content types, caching headers, gzip for text, 404.html for what is not
// there. It reads through an os.Root, so neither ".." nor a symlink can
// leave the folder. Nothing is watched.
type Static struct {
	root *os.Root
	mu   sync.Mutex
	gz   map[string]gzEntry // path -> compressed body, keyed by ETag
}

type gzEntry struct {
	etag string
	data []byte
}

// NewStatic opens dir for serving.
func NewStatic(dir string) (*Static, error) {
	r, err := os.OpenRoot(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: no such folder: run shipshape build first", dir)
	}
	if err != nil {
		return nil, fmt.Errorf("open site folder: %w", err)
	}
	return &Static{root: r, gz: map[string]gzEntry{}}, nil
}

// Close releases the folder.
func (st *Static) Close() error { return st.root.Close() }

// Run serves until ctx is cancelled, then shuts down within ShutdownTimeout.
func (st *Static) Run(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: st, ReadHeaderTimeout: 10 * time.Second}
	return serve(ctx, srv, ln, nil, nil)
}

// gzipMin is the smallest body worth compressing.
const gzipMin = 1024

func (st *Static) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	key, ok := sitePath(r.URL.Path)
	if !ok {
		st.notFound(w, r)
		return
	}
	if key == "" || strings.HasSuffix(key, "/") {
		key += "index.html"
	}
	f, info, err := st.open(key)
	if err == nil && info.IsDir() {
		f.Close()
		if _, err := st.root.Stat(key + "/index.html"); err == nil {
			http.Redirect(w, r, "/"+key+"/", http.StatusMovedPermanently)
			return
		}
		err = fs.ErrNotExist
	}
	if err != nil {
		st.notFound(w, r)
		return
	}
	defer f.Close()
	st.send(w, r, key, f, info, http.StatusOK)
}

func (st *Static) open(key string) (*os.File, fs.FileInfo, error) {
	f, err := st.root.Open(key)
	if err != nil {
		return nil, nil, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, info, nil
}

func (st *Static) notFound(w http.ResponseWriter, r *http.Request) {
	f, info, err := st.open("404.html")
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	st.send(w, r, "404.html", f, info, http.StatusNotFound)
}

// send writes one file with its type, cache policy and, where it pays and
// the client accepts it, gzip.
func (st *Static) send(w http.ResponseWriter, r *http.Request, key string, f *os.File, info fs.FileInfo, code int) {
	h := w.Header()
	ct := contentType(key)
	h.Set("Content-Type", ct)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", cacheControl(key))
	etag := fmt.Sprintf(`"%x-%x"`, info.ModTime().UnixNano(), info.Size())
	if code != http.StatusOK {
		h.Set("Cache-Control", "no-cache")
		w.WriteHeader(code)
		if r.Method != http.MethodHead {
			_, _ = io.Copy(w, f)
		}
		return
	}
	if compressible(ct) && info.Size() >= gzipMin && acceptsGzip(r) {
		h.Add("Vary", "Accept-Encoding")
		gtag := strings.TrimSuffix(etag, `"`) + `-gz"`
		h.Set("ETag", gtag)
		if match(r.Header.Get("If-None-Match"), gtag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		data, err := st.gzipped(key, etag, f)
		if err != nil {
			http.Error(w, "read error", http.StatusInternalServerError)
			return
		}
		h.Set("Content-Encoding", "gzip")
		h.Set("Content-Length", fmt.Sprint(len(data)))
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			_, _ = w.Write(data)
		}
		return
	}
	if compressible(ct) {
		h.Add("Vary", "Accept-Encoding")
	}
	h.Set("ETag", etag)
	http.ServeContent(w, r, key, info.ModTime(), f)
}

// gzipped compresses a file once per version (ETag) and keeps the result.
func (st *Static) gzipped(key, etag string, f io.Reader) ([]byte, error) {
	st.mu.Lock()
	e, ok := st.gz[key]
	st.mu.Unlock()
	if ok && e.etag == etag {
		return e.data, nil
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := io.Copy(zw, f); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	st.mu.Lock()
	st.gz[key] = gzEntry{etag, buf.Bytes()}
	st.mu.Unlock()
	return buf.Bytes(), nil
}

func match(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(t), "W/"))
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") {
			q, ok := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q=")
			if !ok {
				return true
			}
			v, err := strconv.ParseFloat(q, 64)
			return err != nil || v > 0
		}
	}
	return false
}

// types the site writes, fixed here rather than left to the host's
// mime.types, so that the container serves the same headers everywhere.
var types = map[string]string{
	".html":        "text/html; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".json":        "application/json",
	".xml":         "application/xml; charset=utf-8",
	".txt":         "text/plain; charset=utf-8",
	".md":          "text/markdown; charset=utf-8",
	".svg":         "image/svg+xml",
	".png":         "image/png",
	".jpg":         "image/jpeg",
	".jpeg":        "image/jpeg",
	".gif":         "image/gif",
	".webp":        "image/webp",
	".avif":        "image/avif",
	".ico":         "image/x-icon",
	".woff":        "font/woff",
	".woff2":       "font/woff2",
	".webmanifest": "application/manifest+json",
	".wasm":        "application/wasm",
	".pdf":         "application/pdf",
}

func contentType(key string) string {
	ext := strings.ToLower(path.Ext(key))
	if t, ok := types[ext]; ok {
		return t
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}

func compressible(ct string) bool {
	return strings.HasPrefix(ct, "text/") || strings.HasPrefix(ct, "application/json") ||
		strings.HasPrefix(ct, "application/xml") || strings.HasPrefix(ct, "image/svg") ||
		strings.HasPrefix(ct, "application/manifest")
}

// cacheControl: pages and indexes are revalidated on every visit (their
// names never change); assets may be reused for an hour, then revalidated
// by ETag, since the theme's file names carry no content hash.
func cacheControl(key string) string {
	switch strings.ToLower(path.Ext(key)) {
	case ".html", ".xml", ".json", ".txt", ".webmanifest":
		return "no-cache"
	}
	return "public, max-age=3600"
}

var _ http.Handler = (*Static)(nil)
var _ http.Handler = (*Server)(nil)

// errNoSite is returned when the folder to serve has no index.html.
var errNoSite = errors.New("no index.html: run shipshape build first")

// Check reports whether the folder looks like a built site.
func (st *Static) Check() error {
	if _, err := st.root.Stat("index.html"); err != nil {
		return errNoSite
	}
	return nil
}
