package snippet

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
)

func TestInclude(t *testing.T) {
	files := map[string]string{"examples/app/main.go": "package main\n\nfunc main() {}\n"}
	read := func(p string) ([]byte, error) {
		if s, ok := files[p]; ok {
			return []byte(s), nil
		}
		return nil, fs.ErrNotExist
	}
	tests := []struct {
		name, src string
		wantCode  string
		wantRule  string
	}{
		{"empty block takes the file", "```go {include=examples/app/main.go}\n```\n", files["examples/app/main.go"], ""},
		{"dot slash", "```go {include=./examples/app/main.go}\n```\n", files["examples/app/main.go"], ""},
		{"same text is fine", "```go {include=examples/app/main.go}\npackage main\n\nfunc main() {}\n```\n", files["examples/app/main.go"], ""},
		{"drift is a warning", "```go {include=examples/app/main.go}\npackage old\n```\n", files["examples/app/main.go"], "include-drift"},
		{"missing file", "```go {include=examples/none.go}\n```\n", "", "include"},
		{"outside the project", "```go {include=../secret}\n```\n", "", "include"},
		{"absolute", "```go {include=/etc/passwd}\n```\n", "", "include"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := extract(t, tt.src, 1)[0]
			before := s.Hash
			ds := Include(&s, read, nil)
			rule := ""
			if len(ds) > 0 {
				rule = ds[0].Rule
				if ds[0].Line != 1 || ds[0].File != "p.md" {
					t.Errorf("diagnostic at %s:%d, want p.md:1", ds[0].File, ds[0].Line)
				}
			}
			if (rule == "include") != (s.Unread != "") {
				t.Errorf("Include(%q): Unread = %q with diagnostic rule %q", tt.src, s.Unread, rule)
			}
			if rule != tt.wantRule {
				t.Errorf("Include(%q) diagnostics %v, want rule %q", tt.src, ds, tt.wantRule)
			}
			if tt.wantCode != "" {
				if s.Code != tt.wantCode {
					t.Errorf("code = %q, want the file %q", s.Code, tt.wantCode)
				}
				if s.Hash == before && strings.TrimSpace(tt.src[strings.Index(tt.src, "\n")+1:]) == "```" {
					t.Errorf("hash unchanged after including the file")
				}
			}
		})
	}
	// The kind comes from the included file, not from the empty block.
	files["examples/app/Dockerfile"] = "FROM busybox\nCMD [\"true\"]\n"
	files["examples/app/compose.yaml"] = "services:\n  web:\n    image: busybox\n"
	for src, want := range map[string]Kind{
		"```dockerfile {include=examples/app/Dockerfile}\n```\n":               Dockerfile,
		"```yaml {file=compose.yaml include=examples/app/compose.yaml}\n```\n": Compose,
	} {
		s := extract(t, src, 1)[0]
		Include(&s, read, nil)
		if s.Kind != want {
			t.Errorf("Include(%q): kind %s, want %s", src, s.Kind, want)
		}
	}
	// Editing the included file changes the hash: results go stale with it.
	s1 := extract(t, "```go {include=examples/app/main.go}\n```\n", 1)[0]
	Include(&s1, read, nil)
	files["examples/app/main.go"] = "package main\n\nfunc main() { println(1) }\n"
	s2 := extract(t, "```go {include=examples/app/main.go}\n```\n", 1)[0]
	Include(&s2, read, nil)
	if s1.Hash == s2.Hash {
		t.Errorf("editing the included file kept the hash %s", s1.Hash)
	}
	if ds := Include(&s2, func(string) ([]byte, error) { return nil, errors.New("boom") }, nil); len(ds) != 1 {
		t.Errorf("read error: got %v, want one error", ds)
	}
}
