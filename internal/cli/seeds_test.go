package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// seeds is the user's real-world guides, kept beside the repository.
const seeds = "../../../shared/seeds"

func needSeeds(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(seeds); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but the seed guides are missing: %v", err)
		}
		t.Skipf("seed guides not found: %v", err)
	}
}

// TestSeedsBuild renders the user's two guides: damaged encoding, emoji
// headings and unlabeled fences must not stop the build.
func TestSeedsBuild(t *testing.T) {
	needSeeds(t)
	out := filepath.Join(t.TempDir(), "public")
	var stdout, stderr bytes.Buffer
	// the deep-dive guide has one broken TOC anchor (an authoring error), so
	// the build is told to report broken links as warnings
	code := Main(context.Background(), []string{"build", "--no-link-errors", "--source", seeds, "--out", out}, &stdout, &stderr)
	if code != ExitOK {
		t.Fatalf("build of the seed guides exited %d:\n%s", code, stderr.String())
	}
	if want := `docker-deep-dive.md:31: warning: broken link "#images-vs-containers"`; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
	}
	for _, name := range []string{"docker-deep-dive", "docker-level-6-pro"} {
		src, err := os.ReadFile(filepath.Join(seeds, name+".md"))
		if err != nil {
			t.Fatal(err)
		}
		fences := 0
		for _, l := range strings.Split(string(src), "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), "```") {
				fences++
			}
		}
		b, err := os.ReadFile(filepath.Join(out, name, "index.html"))
		if err != nil {
			t.Fatalf("page not written: %v", err)
		}
		if got, want := strings.Count(string(b), `<figure class="code"`), fences/2; got != want {
			t.Errorf("%s: %d code blocks rendered, want all %d of the guide", name, got, want)
		}
	}
}
