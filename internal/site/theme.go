package site

import (
	"html/template"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/shipshape/shipshape/internal/config"
	"github.com/shipshape/shipshape/internal/diag"
	theme "github.com/shipshape/shipshape/themes/default"
)

// A site changes its look file by file, as Hugo sites do: a file in one of
// these folders (relative to shipshape.toml, and only where there is one)
// replaces the embedded theme's
// file of the same name, the first folder that has it winning.
//
//	templates:  layouts/, themes/NAME/templates/
//	static:     static/,  themes/NAME/static/     (served under /static/)
//
// NAME is the config's theme (default "default"). Everything not overridden
// comes from the theme built into the binary; shipshape theme export writes
// that theme out as a starting point.
func overrideDirs(cfg config.Config) (tmpl, static []string) {
	name := cfg.Theme
	if name == "" {
		name = "default"
	}
	if _, err := os.Stat(cfg.Path(config.FileName)); err != nil {
		// Without shipshape.toml, layouts/ and static/ are another tool's
		// (a Hugo site's templates, whose functions are not ours).
		return nil, nil
	}
	keep := func(ps ...string) []string {
		var out []string
		for _, p := range ps {
			if st, err := os.Stat(cfg.Path(p)); err == nil && st.IsDir() {
				out = append(out, cfg.Path(p))
			}
		}
		return out
	}
	return keep("layouts", filepath.Join("themes", name, "templates")), keep("static", filepath.Join("themes", name, "static"))
}

// siteTheme returns the page templates and the static theme files of cfg's
// site: the embedded ones, overridden by the site's own files. A template
// that does not parse is reported with its file and line, and the
// templates are nil: no page renders, so the preview server keeps showing
// the last good ones.
func siteTheme(cfg config.Config) (*template.Template, map[string][]byte, diag.List) {
	tdirs, sdirs := overrideDirs(cfg)
	files := themeFiles()
	if len(sdirs) > 0 {
		files = overlayStatic(files, sdirs)
	}
	if len(tdirs) == 0 {
		return templates(), files, nil
	}
	t, ds := parseTemplates(tdirs)
	for i := range ds {
		if r, err := filepath.Rel(cfg.Path("."), ds[i].File); err == nil && !strings.HasPrefix(r, "..") {
			ds[i].File = filepath.ToSlash(r)
		}
	}
	return t, files, ds
}

// parseTemplates parses every embedded template, each replaced by the
// file of the same name in the first of dirs that has one, and any extra
// .html file found there (partials a page.html override includes).
func parseTemplates(dirs []string) (*template.Template, diag.List) {
	src := map[string]string{} // name -> file it comes from ("" embedded)
	names, _ := fs.Glob(theme.FS, "templates/*.html")
	for _, n := range names {
		src[path.Base(n)] = ""
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		m, _ := filepath.Glob(filepath.Join(dirs[i], "*.html"))
		for _, f := range m {
			src[filepath.Base(f)] = f
		}
	}
	keys := make([]string, 0, len(src))
	for k := range src {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	t := template.New("")
	for _, name := range keys {
		var b []byte
		var err error
		file := src[name]
		if file == "" {
			b, err = theme.FS.ReadFile("templates/" + name)
		} else {
			b, err = os.ReadFile(file)
		}
		if err == nil {
			_, err = t.New(name).Parse(string(b))
		}
		if err != nil {
			return nil, diag.List{diag.Errorf(file, templateLine(err), "template: %v", err)}
		}
	}
	return t, nil
}

// templateLine digs the line number out of a text/template parse error
// ("template: page.html:12: unexpected ...").
func templateLine(err error) int {
	msg := err.Error()
	for _, part := range strings.Split(msg, ":") {
		n := 0
		ok := part != ""
		for _, c := range part {
			if c < '0' || c > '9' {
				ok = false
				break
			}
			n = n*10 + int(c-'0')
		}
		if ok {
			return n
		}
	}
	return 0
}

// overlayStatic copies base and replaces or adds every file found under
// dirs (the first dir winning) as static/<its path>.
func overlayStatic(base map[string][]byte, dirs []string) map[string][]byte {
	out := make(map[string][]byte, len(base))
	for k, v := range base {
		out[k] = v
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		root := dirs[i]
		_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".") {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return nil
			}
			r, _ := filepath.Rel(root, p)
			out["static/"+filepath.ToSlash(r)] = b
			return nil
		})
	}
	return out
}

// ExportTheme writes the embedded theme into dir as templates/ and static/
// (with the generated chroma.css), the files a site overrides. It refuses to
// overwrite a file that is already there.
func ExportTheme(dir string) ([]string, error) {
	files := map[string][]byte{}
	for k, v := range themeFiles() {
		files[k] = v
	}
	names, _ := fs.Glob(theme.FS, "templates/*.html")
	for _, n := range names {
		b, err := theme.FS.ReadFile(n)
		if err != nil {
			return nil, err
		}
		files[n] = b
	}
	keys := make([]string, 0, len(files))
	for k := range files {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(k))); err == nil {
			return nil, &os.PathError{Op: "export theme", Path: filepath.Join(dir, filepath.FromSlash(k)), Err: fs.ErrExist}
		}
	}
	for _, k := range keys {
		p := filepath.Join(dir, filepath.FromSlash(k))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(p, files[k], 0o644); err != nil {
			return nil, err
		}
	}
	return keys, nil
}
