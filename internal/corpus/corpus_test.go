package corpus

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWrite(t *testing.T) {
	for _, n := range []int{1, 20, 45} {
		dir := t.TempDir()
		if err := Write(dir, n); err != nil {
			t.Fatal(err)
		}
		pages := 0
		_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && filepath.Ext(p) == ".md" {
				pages++
			}
			return nil
		})
		if pages != n {
			t.Errorf("Write(%d) wrote %d pages", n, pages)
		}
		a, b := t.TempDir(), t.TempDir()
		Write(a, n)
		Write(b, n)
		x, _ := os.ReadFile(filepath.Join(a, "ch001", "_index.md"))
		y, _ := os.ReadFile(filepath.Join(b, "ch001", "_index.md"))
		if string(x) != string(y) {
			t.Errorf("Write(%d) is not deterministic", n)
		}
	}
}
