package snippet

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shipshape/shipshape/internal/markdown"
)

var update = flag.Bool("update", false, "rewrite testdata/hashes.golden")

// TestHashGolden pins the identity of one block of each way verify treats
// blocks. A change to what enters a hash (a revision bumped because a
// result's meaning changed, a new input) shows here as a diff to accept
// with -update; a change that moves these hashes without meaning to, and
// so silently keeps or drops every stored result, fails.
func TestHashGolden(t *testing.T) {
	blocks := []struct{ name, src string }{
		{"one-off run", "```sh {run image=busybox}\necho hi\n```\n"},
		{"session shell", "```sh {run}\ndocker ps\n```\n"},
		{"session console", "```console {run}\n$ docker run --rm busybox echo hi\nhi\n```\n"},
		{"build", "```dockerfile {build}\nFROM busybox\nRUN echo hi\n```\n"},
		{"python", "```python\nprint('hi')\n```\n"},
		{"checked only", "```yaml\nservices: {}\n```\n"},
	}
	md := markdown.New(markdown.Options{})
	var b strings.Builder
	for _, bl := range blocks {
		doc := md.Parse([]byte(bl.src))
		sn, _ := Extract("guide/page.md", doc, []byte(bl.src), 1, func(ref string) string { return "local/" + ref }, "busybox")
		if len(sn) != 1 {
			t.Fatalf("%s: %d blocks", bl.name, len(sn))
		}
		fmt.Fprintf(&b, "%-16s %s\n", bl.name, sn[0].Hash)
	}
	path := filepath.Join("testdata", "hashes.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != string(want) {
		t.Errorf("block identities changed (accept with go test -run TestHashGolden -update):\ngot:\n%swant:\n%s", b.String(), want)
	}
}
