package snippet

import (
	"reflect"
	"strings"
	"testing"

	"github.com/shipshape/shipshape/internal/markdown"
)

func TestRewriteFrom(t *testing.T) {
	m := func(ref string) string { return "local/" + strings.ReplaceAll(ref, ":", "_") }
	for _, c := range []struct {
		name, in, out string
		bases         []string
	}{
		{"one", "FROM busybox:1\nRUN true\n", "FROM local/busybox_1\nRUN true\n", []string{"local/busybox_1"}},
		{"flags kept", "FROM --platform=linux/amd64 alpine AS a\n", "FROM --platform=linux/amd64 local/alpine AS a\n", []string{"local/alpine"}},
		{"stage names left", "FROM golang:1 AS build\nFROM build\nFROM Build AS again\n", "FROM local/golang_1 AS build\nFROM build\nFROM Build AS again\n", []string{"local/golang_1"}},
		{"scratch and args left", "ARG B=x\nFROM $B\nFROM scratch\n", "ARG B=x\nFROM $B\nFROM scratch\n", nil},
		{"syntax dropped", "# syntax=docker/dockerfile:1\nfrom busybox\n", "\nfrom local/busybox\n", []string{"local/busybox"}},
		{"lower case", "from busybox as b\nfrom b\n", "from local/busybox as b\nfrom b\n", []string{"local/busybox"}},
		{"continued", "FROM \\\n  --platform=linux/amd64 \\\n  busybox:1 \\\n  AS a\nRUN true\n",
			"FROM \\\n  --platform=linux/amd64 \\\n  local/busybox_1 \\\n  AS a\nRUN true\n", []string{"local/busybox_1"}},
		{"FROM inside a continued RUN", "FROM busybox\nRUN echo \\\n FROM alpine\n", "FROM local/busybox\nRUN echo \\\n FROM alpine\n", []string{"local/busybox"}},
		{"ARG in FROM", "ARG V=1\nFROM busybox:${V}\n", "ARG V=1\nFROM busybox:${V}\n", nil},
		{"escape directive", "# escape=`\nFROM `\n busybox\n", "# escape=`\nFROM `\n local/busybox\n", []string{"local/busybox"}},
	} {
		out, bases := RewriteFrom(c.in, m)
		if out != c.out || !reflect.DeepEqual(bases, c.bases) {
			t.Errorf("%s: RewriteFrom(%q) = %q, %q; want %q, %q", c.name, c.in, out, bases, c.out, c.bases)
		}
	}
	if got := FirstFrom("# c\nFROM --platform=x busybox:1 AS a\nFROM b\n"); got != "busybox:1" {
		t.Errorf("FirstFrom: got %q, want busybox:1", got)
	}
}

func TestFroms(t *testing.T) {
	for _, c := range []struct {
		name, in string
		want     []From
	}{
		{"stages", "FROM golang:1.22 AS build\nRUN go build\nFROM scratch\nCOPY --from=build /app /\nFROM build AS test\n", []From{
			{Image: "golang:1.22", Stage: "build", Line: 1, EndLine: 1, Base: true},
			{Image: "scratch", Line: 3, EndLine: 3},
			{Image: "build", Stage: "test", Line: 5, EndLine: 5},
		}},
		{"platform", "FROM --platform=$BUILDPLATFORM busybox\n", []From{
			{Image: "busybox", Platform: "$BUILDPLATFORM", Line: 1, EndLine: 1, Base: true},
		}},
		{"ARG in FROM", "ARG BASE=busybox\nFROM ${BASE}\n", []From{{Image: "${BASE}", Line: 2, EndLine: 2}}},
		{"lower case", "from Busybox As B\nfrom b\n", []From{
			{Image: "Busybox", Stage: "b", Line: 1, EndLine: 1, Base: true},
			{Image: "b", Line: 2, EndLine: 2},
		}},
		{"continuation", "FROM \\\n busybox \\\n AS x\n", []From{{Image: "busybox", Stage: "x", Line: 1, EndLine: 3, Base: true}}},
		{"none", "RUN echo FROM busybox\n", nil},
	} {
		if got := Froms(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: Froms(%q) =\n%+v\nwant\n%+v", c.name, c.in, got, c.want)
		}
	}
}

func TestStartsWithFrom(t *testing.T) {
	for in, want := range map[string]bool{
		"FROM busybox\n":                        true,
		"# comment\nARG V=1\nFROM busybox:$V\n": true,
		"from busybox\n":                        true,
		"ARG A=1 \\\n  B=2\nFROM busybox\n":     true,
		"RUN true\nFROM busybox\n":              false,
		"COPY . /app\n":                         false,
		"":                                      false,
		"echo hello\n":                          false,
	} {
		if got := StartsWithFrom(in); got != want {
			t.Errorf("StartsWithFrom(%q) = %v, want %v", in, got, want)
		}
	}
}

// TestSeal edits each input a block reads and checks which hashes change:
// exactly those of the blocks that read it.
func TestSeal(t *testing.T) {
	const page = "```text {file=a.txt}\nA\n```\n\n" + // 0
		"```sh {run image=busybox}\necho plain\n```\n\n" + // 1
		"```dockerfile {build file=Dockerfile}\nFROM busybox\nCOPY a.txt /\n```\n\n" + // 2
		"```console {run}\n$ docker ps\n```\n\n" + // 3
		"```text {file=b.txt}\nB\n```\n\n" + // 4
		"```dockerfile {build}\nFROM alpine\nCOPY b.txt /\n```\n\n" + // 5
		"```sh {run}\ndocker images\n```\n" // 6
	images := map[string]string{"busybox": "local/busybox", "alpine": "local/alpine"}
	env1 := Env{Session: "env1"}
	hashes := func(body string, env Env, images map[string]string) []string {
		b := []byte(body)
		mapper := func(ref string) string {
			if v, ok := images[ref]; ok {
				return v
			}
			return ref
		}
		sn, _ := Extract("p.md", markdown.New(markdown.Options{}).Parse(b), b, 1, mapper, "busybox")
		Seal(sn, mapper, env)
		var hs []string
		for _, s := range sn {
			hs = append(hs, s.Hash)
		}
		return hs
	}
	base := hashes(page, env1, images)
	if len(base) != 7 {
		t.Fatalf("got %d blocks, want 7", len(base))
	}
	if again := hashes(page, env1, images); !reflect.DeepEqual(again, base) {
		t.Fatalf("Seal is not deterministic: %v then %v", base, again)
	}
	for _, c := range []struct {
		name    string
		body    string
		env     Env
		images  map[string]string
		changed []int
	}{
		{"first file block", strings.Replace(page, "A\n", "A2\n", 1), env1, images, []int{0, 2, 3, 5, 6}},
		{"plain run block", strings.Replace(page, "echo plain", "echo other", 1), env1, images, []int{1}},
		{"later file block", strings.Replace(page, "B\n", "B2\n", 1), env1, images, []int{4, 5, 6}},
		{"the console block", strings.Replace(page, "docker ps", "docker ps -a", 1), env1, images, []int{3, 6}},
		{"session environment", page, Env{Session: "env2"}, images, []int{3, 6}},
		{"sandbox limits", page, Env{Session: "env1", Limits: "memory=1g"}, images, []int{1, 2, 3, 5, 6}}, // every block that runs
		{"alpine's map entry", page, env1, map[string]string{"busybox": "local/busybox", "alpine": "other/alpine"}, []int{5}},
		{"busybox's map entry", page, env1, map[string]string{"busybox": "other/busybox", "alpine": "local/alpine"}, []int{1, 2, 3, 6}}, // the sessions read the Dockerfile
		{"title only", strings.Replace(page, "{run image=busybox}", `{run image=busybox title="x"}`, 1), env1, images, nil},
	} {
		got := hashes(c.body, c.env, c.images)
		var changed []int
		for i := range got {
			if got[i] != base[i] {
				changed = append(changed, i)
			}
		}
		if !reflect.DeepEqual(changed, c.changed) {
			t.Errorf("edit %s: hashes of blocks %v changed, want %v", c.name, changed, c.changed)
		}
	}
}
