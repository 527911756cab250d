package verify_test

import (
	"context"
	"strings"
	"testing"

	"github.com/shipshape/shipshape/internal/results"
	"github.com/shipshape/shipshape/internal/snippet"
	"github.com/shipshape/shipshape/internal/testenv"
	"github.com/shipshape/shipshape/internal/verify"
)

func TestChecked(t *testing.T) {
	e := testenv.Docker(t)
	testenv.Image(t, e, "shipshape/python:3.11")
	testenv.Image(t, e, "shipshape/nginx:1.22")
	cfg := testConfig()
	cfg.Images["python:*"] = "shipshape/python:3.11"
	cfg.Images["nginx:*"] = "shipshape/nginx:1.22"
	cases := []struct {
		name, md string
		status   results.Status
		reason   string
	}{
		{"python compiles", "```python {file=app.py}\nimport os\nprint(os.getenv('A'))\n```\n", results.Passed, ""},
		{"python syntax error", "```python\nimport os\n\ndef f(:\n    pass\n```\n", results.Failed, "line 4"},
		{"python runs", "```python {run output=42}\nprint(6 * 7)\n```\n", results.Passed, ""},
		{"nginx server with an upstream host", "```nginx\nserver {\n    listen 8080;\n    location / { proxy_pass http://app:3000; }\n}\n```\n", results.Passed, ""},
		{"nginx named upstream", "```nginx\nupstream api { server backend:9000; }\nserver { listen 8081; location / { proxy_pass http://api; } }\n```\n", results.Passed, ""},
		{"nginx error", "```nginx\nserver {\n    listen 8080\n}\n```\n", results.Failed, "line 4"},
		{"nginx whole file", "```nginx\npid /tmp/nginx.pid;\nevents { worker_connections 64; }\nhttp {\n  server { listen 8080; return 200 ok; }\n}\n```\n", results.Passed, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pg := page(t, cfg, "page.md", c.md)
			rep := verify.Run(context.Background(), [][]snippet.Snippet{pg}, results.New(), verify.Options{Config: cfg, Engine: e, Jobs: 1})
			if len(rep.Items) != 1 {
				t.Fatalf("got %d items, want 1", len(rep.Items))
			}
			r := rep.Items[0].Result
			if r.Status != c.status || !strings.Contains(r.Reason, c.reason) {
				t.Errorf("%q: got %s (%s), want %s with %q; output:\n%s", c.md, r.Status, r.Reason, c.status, c.reason, r.Output)
			}
		})
	}
}
