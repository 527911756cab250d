package server

import (
	"os"
	"path/filepath"
	"strings"
)

// sitePath turns a request path into a key of the site ("" for the root,
// "basics/first/" for a folder), or ok false for anything that could step
// outside the site: ".." or "." segments (also when they came in encoded as
// %2e%2e, since the path is already decoded), backslashes, NUL bytes,
// empty segments ("//etc/passwd") and drive letters.
func sitePath(p string) (key string, ok bool) {
	if !strings.HasPrefix(p, "/") {
		return "", false
	}
	if strings.ContainsAny(p, "\\\x00") {
		return "", false
	}
	rest := p[1:]
	if rest == "" {
		return "", true
	}
	segs := strings.Split(rest, "/")
	for i, s := range segs {
		last := i == len(segs)-1
		switch {
		case s == "" && !last:
			return "", false
		case s == "." || s == "..":
			return "", false
		case strings.Contains(s, ":"):
			return "", false
		}
	}
	return rest, true
}

// within opens nothing: it reports whether file, with every symlink
// resolved, is inside root (also resolved), so a symlink in the content
// folder cannot serve /etc/passwd.
func within(root, file string) bool {
	r, err := filepath.EvalSymlinks(root)
	if err != nil {
		return false
	}
	f, err := filepath.EvalSymlinks(file)
	if err != nil {
		return false
	}
	rel, err := filepath.Rel(r, f)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return false
	}
	st, err := os.Stat(f)
	return err == nil && st.Mode().IsRegular()
}
