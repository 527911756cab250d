package snippet

import (
	"reflect"
	"strings"
	"testing"

	"github.com/shipshape/shipshape/internal/markdown"
)

func TestParseInfo(t *testing.T) {
	tests := []struct {
		name, info string
		lang       string
		attrs      Attrs
		wantErr    bool
	}{
		{"empty", "", "", Attrs{}, false},
		{"lang only", "bash", "bash", Attrs{}, false},
		{"flags", "sh {run}", "sh", Attrs{"run": ""}, false},
		{"key values", `dockerfile {build run image=busybox:1.36 expect=fail}`, "dockerfile",
			Attrs{"build": "", "run": "", "image": "busybox:1.36", "expect": "fail"}, false},
		{"quoted", `yaml {title="compose file.yaml" hl_lines="2-4"}`, "yaml",
			Attrs{"title": "compose file.yaml", "hl_lines": "2-4"}, false},
		{"single quotes and commas", `sh {skip='needs a registry', run}`, "sh",
			Attrs{"skip": "needs a registry", "run": ""}, false},
		{"pandoc class", `{.python file=app.py}`, "python", Attrs{"file": "app.py"}, false},
		{"id", `sh {#setup run}`, "sh", Attrs{"id": "setup", "run": ""}, false},
		{"unclosed brace", `sh {run`, "sh", Attrs{}, true},
		{"unclosed quote", `sh {title="x}`, "sh", Attrs{}, true},
		{"no name", `sh {=x}`, "sh", Attrs{}, true},
		{"extra words after lang", "bash title", "bash", Attrs{}, false},
		{"myst directive with its argument", "{include} ../../CHANGELOG.md", "", Attrs{}, false},
		{"attributes with no language", "{include=examples/app/main.go}", "", Attrs{"include": "examples/app/main.go"}, false},
		{"a bare flag with no language", "{run}", "", Attrs{"run": ""}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lang, attrs, err := ParseInfo(tt.info)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseInfo(%q) error = %v, want error %v", tt.info, err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if lang != tt.lang || !reflect.DeepEqual(attrs, tt.attrs) {
				t.Errorf("ParseInfo(%q) = %q %v, want %q %v", tt.info, lang, attrs, tt.lang, tt.attrs)
			}
		})
	}
}

const page = "Intro.\n\n```sh {run image=busybox}\necho hi\n```\n\n    indented code\n\n```dockerfile {build title=\"x\"}\nFROM busybox\n```\n\n```text\nunclosed\n"

func extract(t *testing.T, src string, bodyLine int) []Snippet {
	t.Helper()
	md := markdown.New(markdown.Options{})
	doc := md.Parse([]byte(src))
	sn, _ := Extract("p.md", doc, []byte(src), bodyLine, nil, "busybox")
	return sn
}

func TestExtract(t *testing.T) {
	md := markdown.New(markdown.Options{})
	doc := md.Parse([]byte(page))
	sn, ds := Extract("guide.md", doc, []byte(page), 5, nil, "busybox")
	if len(sn) != 4 {
		t.Fatalf("got %d snippets, want 4: %+v", len(sn), sn)
	}
	want := []struct {
		line   int
		lang   string
		kind   Kind
		action Action
		fenced bool
		code   string
	}{
		{7, "sh", Shell, Run, true, "echo hi\n"},
		{11, "", Text, None, false, "indented code\n"},
		{13, "dockerfile", Dockerfile, Build, true, "FROM busybox\n"},
		{17, "text", Text, None, true, "unclosed\n"},
	}
	for i, w := range want {
		s := sn[i]
		if s.Line != w.line || s.Lang != w.lang || s.Kind != w.kind || s.Action != w.action || s.Fenced != w.fenced || s.Code != w.code {
			t.Errorf("snippet %d = line %d lang %q kind %s action %q fenced %v code %q; want %+v",
				i, s.Line, s.Lang, s.Kind, s.Action, s.Fenced, s.Code, w)
		}
	}
	if sn[0].Image != "busybox" {
		t.Errorf("run snippet image = %q, want busybox", sn[0].Image)
	}
	if len(ds) != 1 || ds[0].Rule != "unclosed-fence" || ds[0].Line != 17 || ds[0].File != "guide.md" {
		t.Errorf("diagnostics = %v, want one unclosed-fence at guide.md:17", ds)
	}
}

func TestBadAttributesAreReportedAtTheFenceLine(t *testing.T) {
	src := "a\n\n```sh {run title=\"x}\necho\n```\n"
	md := markdown.New(markdown.Options{})
	doc := md.Parse([]byte(src))
	_, ds := Extract("p.md", doc, []byte(src), 1, nil, "")
	if len(ds) != 1 || ds[0].Line != 3 || !strings.Contains(ds[0].Message, "unclosed") {
		t.Fatalf("got %v, want one error at p.md:3 about the unclosed quote", ds)
	}
}

func TestHash(t *testing.T) {
	base := extract(t, "```sh {run image=busybox title=\"a\"}\necho hi\n```\n", 1)[0]
	same := []struct{ name, src string }{
		{"title changed", "```sh {run image=busybox title=\"b\"}\necho hi\n```\n"},
		{"moved down the page", "text\n\nmore\n\n```sh {run image=busybox title=\"a\"}\necho hi\n```\n"},
		{"highlight changed", "```sh {run image=busybox hl_lines=1}\necho hi\n```\n"},
		{"trailing blank line", "```sh {run image=busybox}\necho hi\n\n```\n"},
	}
	for _, tt := range same {
		if got := extract(t, tt.src, 1)[0].Hash; got != base.Hash {
			t.Errorf("%s: hash %s, want unchanged %s", tt.name, got, base.Hash)
		}
	}
	differ := []struct{ name, src string }{
		{"code changed", "```sh {run image=busybox}\necho ho\n```\n"},
		{"image changed", "```sh {run image=debian}\necho hi\n```\n"},
		{"expectation changed", "```sh {run image=busybox expect=fail}\necho hi\n```\n"},
		{"not run", "```sh {image=busybox}\necho hi\n```\n"},
		{"timeout changed", "```sh {run image=busybox timeout=5s}\necho hi\n```\n"},
	}
	for _, tt := range differ {
		if got := extract(t, tt.src, 1)[0].Hash; got == base.Hash {
			t.Errorf("%s: hash unchanged %s, want a new one", tt.name, got)
		}
	}
	// The image map enters the hash: pointing a reference at another local
	// image must invalidate the result.
	s := base
	h1 := Hash(s, func(string) string { return "local/a" })
	h2 := Hash(s, func(string) string { return "local/b" })
	if h1 == h2 {
		t.Errorf("hash ignores the mapped image: %s", h1)
	}
}

// TestHashPageBound: a block whose outcome depends on its page (a session
// command, a build) is a different snippet on another page; a block that
// runs alone in an image is the same wherever it stands.
func TestHashPageBound(t *testing.T) {
	md := markdown.New(markdown.Options{})
	hash := func(file, src string) string {
		doc := md.Parse([]byte(src))
		sn, _ := Extract(file, doc, []byte(src), 1, nil, "busybox")
		return sn[0].Hash
	}
	for _, tt := range []struct {
		src       string
		pageBound bool
	}{
		{"```console {run}\n$ docker ps\n```\n", true},
		{"```sh {run}\ndocker ps\n```\n", true},
		{"```dockerfile {build}\nFROM busybox\n```\n", true},
		{"```sh {run image=busybox}\necho hi\n```\n", false},
		{"```text\nhi\n```\n", false},
	} {
		same := hash("a.md", tt.src) == hash("b.md", tt.src)
		if same == tt.pageBound {
			t.Errorf("%q: same hash on two pages = %v, want %v", tt.src, same, !tt.pageBound)
		}
	}
}
