package site

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/shipshape/shipshape/internal/config"
)

func TestTokens(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Docker's CLI v1.2", "docker cli v1"},
		{"the container IS running", "container running"},
		{"Привет, Мир! 日本語", "привет мир 日本語"},
		{"a b c", ""},
		{"ÉCOLE café", "école café"},
		{"COPY --from=build /out", "copy --from from build out"},
		{"depends_on: [db]", "depends_on depends on db"},
		{"docker build --no-cache .", "docker build --no-cache no cache"},
		{"multi-stage builds", "multi stage builds"},
		{"a -- b --x --rm", "--rm rm"},
		{"RUN, ADD, EXPOSE from here", "run add expose from here"},
		{"__init__ x_", "init"},
	}
	for _, tt := range tests {
		var got []string
		tokens(tt.in, func(w []byte) { got = append(got, string(w)) })
		if strings.Join(got, " ") != tt.want {
			t.Errorf("tokens(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTermKey(t *testing.T) {
	for in, want := range map[string]string{"docker": "doc", "go": "go", "über": "xc3bc6265", "v1": "v1"} {
		want = strings.ReplaceAll(want, " ", "")
		if got := termKey(in); got != want {
			t.Errorf("termKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDeltas(t *testing.T) {
	if got := deltas([]int{130, 5, 6, 42}); got != "5.1.10.2g" {
		t.Errorf("deltas = %q, want 5.1.10.2g", got)
	}
}

// TestSearchKeys: search/keys.json lists exactly the term files written, so
// that app.js never fetches a file that is not there.
func TestSearchKeys(t *testing.T) {
	o, _ := Render(load(t, "testdata/browser.txtar"), Options{Config: config.Default()})
	var keys []string
	if err := json.Unmarshal(o.Files["search/keys.json"], &keys); err != nil {
		t.Fatalf("search/keys.json: %v", err)
	}
	want := map[string]bool{}
	for f := range o.Files {
		if k, ok := strings.CutPrefix(f, "search/t/"); ok {
			want[strings.TrimSuffix(k, ".json")] = true
		}
	}
	if len(want) == 0 || len(keys) != len(want) {
		t.Fatalf("keys.json has %d keys, %d term files were written", len(keys), len(want))
	}
	for _, k := range keys {
		if !want[k] {
			t.Errorf("keys.json lists %q, which has no file", k)
		}
	}
}
