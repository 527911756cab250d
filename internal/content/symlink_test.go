package content

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// A tree from a stranger may hold symbolic links: to a folder of its own
// (which the walk would read as a file), to nothing, or to a file of the
// machine building it. Only a link to a file inside the tree is published.
func TestSymlinks(t *testing.T) {
	root := t.TempDir()
	outside := filepath.Join(t.TempDir(), "secret.txt")
	write := func(name, data string) {
		t.Helper()
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("index.md", "# Home\n")
	write("sub/real.txt", "x")
	if err := os.WriteFile(outside, []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	for link, target := range map[string]string{
		"folder":   "sub",
		"nowhere":  "missing.txt",
		"leak.txt": outside,
		"copy.txt": "sub/real.txt",
	} {
		if err := os.Symlink(target, filepath.Join(root, link)); err != nil {
			t.Skip("no symbolic links here:", err)
		}
	}
	s, err := Load(root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"copy.txt", "sub/real.txt"}
	got := slices.Clone(s.Static)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("static files %q, want %q", got, want)
	}
	if n := len(s.Diags); n != 3 {
		t.Errorf("%d findings, want 3 (one per link not published): %v", n, s.Diags)
	}
}
