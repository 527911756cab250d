package dockerfile

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
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

func TestRewriteSources(t *testing.T) {
	m := func(ref string) string { return "local/" + strings.ReplaceAll(ref, ":", "_") }
	for _, c := range []struct {
		name, in, out string
		mapped        []string
	}{
		{"copy from an image", "FROM busybox\nCOPY --from=nginx:1.27 /etc/nginx/nginx.conf /n.conf\n",
			"FROM busybox\nCOPY --from=local/nginx_1.27 /etc/nginx/nginx.conf /n.conf\n", []string{"local/nginx_1.27"}},
		{"flag on a continued line", "FROM busybox\nCOPY \\\n  --from=nginx /a /b\n",
			"FROM busybox\nCOPY \\\n  --from=local/nginx /a /b\n", []string{"local/nginx"}},
		{"mount from an image", "FROM busybox\nRUN --mount=type=bind,from=golang:1.22,target=/g ls /g\n",
			"FROM busybox\nRUN --mount=type=bind,from=local/golang_1.22,target=/g ls /g\n", []string{"local/golang_1.22"}},
		{"mount with from first", "FROM busybox\nRUN --mount=from=golang,target=/g true\n",
			"FROM busybox\nRUN --mount=from=local/golang,target=/g true\n", []string{"local/golang"}},
		{"stages and numbers stay", "FROM golang AS build\nFROM busybox\nCOPY --from=build /a /a\nCOPY --from=0 /b /b\n",
			"FROM golang AS build\nFROM busybox\nCOPY --from=build /a /a\nCOPY --from=0 /b /b\n", nil},
		{"a variable stays", "FROM busybox\nARG T=x\nCOPY --from=$T /a /a\n", "FROM busybox\nARG T=x\nCOPY --from=$T /a /a\n", nil},
		{"a longer name is not a prefix match", "FROM busybox\nCOPY --from=nginx:1.27-alpine /a /a\n",
			"FROM busybox\nCOPY --from=local/nginx_1.27-alpine /a /a\n", []string{"local/nginx_1.27-alpine"}},
	} {
		out, mapped := RewriteSources(c.in, m)
		if out != c.out || !reflect.DeepEqual(mapped, c.mapped) {
			t.Errorf("%s: RewriteSources(%q) = %q, %q; want %q, %q", c.name, c.in, out, mapped, c.out, c.mapped)
		}
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
func TestBaseImages(t *testing.T) {
	for _, c := range []struct {
		name, in string
		want     []string
	}{
		{"stages and scratch left out", "FROM golang:1.22 AS build\nRUN go build\nFROM scratch\nCOPY --from=build /app /app\n", []string{"golang:1.22"}},
		{"copy from an image and a stage number", "FROM busybox\nCOPY --from=nginx:1.25 /etc/nginx /n\nCOPY --from=0 /a /b\n", []string{"busybox", "nginx:1.25"}},
		{"mount from", "FROM busybox\nRUN --mount=type=bind,from=python:3.12-slim,target=/p true\n", []string{"busybox", "python:3.12-slim"}},
		{"names of build arguments", "ARG BASE=debian\nFROM ${BASE}\n", []string{"debian"}},
		{"an argument with no value", "ARG BASE\nFROM ${BASE}\n", nil},
		{"lower case, continued", "from \\\n  alpine:3.19 as a\nfrom a\n", []string{"alpine:3.19"}},
		{"each once", "FROM busybox\nFROM busybox\n", []string{"busybox"}},
	} {
		got, err := BaseImages(c.in)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: BaseImages(%q) = %q, %v; want %q", c.name, c.in, got, err, c.want)
		}
	}
	if _, err := BaseImages("FROM busybox\nRUN <<EOF\n"); err == nil {
		t.Errorf("an unterminated heredoc: no error")
	}
}

// TestSources: every image a build reads, named as the build will name
// it, or marked unknown where only the build knows the name.
func TestSources(t *testing.T) {
	for _, c := range []struct {
		name, in string
		args     map[string]string
		want     string // "WHAT REF@LINE" or "WHAT ?REF@LINE" for unknown, joined by "; "
	}{
		{"from a default", "ARG R=10.1.2.3:5000\nFROM $R/x:1\n", nil, "FROM 10.1.2.3:5000/x:1@2"},
		{"a build argument over the default", "ARG R=docker.io\nFROM ${R}/x\n", map[string]string{"R": "127.0.0.1:5905"}, "FROM 127.0.0.1:5905/x@2"},
		{"defaults read earlier arguments", "ARG A=127.0.0.1\nARG B=${A}:5\nFROM $B/x\n", nil, "FROM 127.0.0.1:5/x@3"},
		{"no value", "ARG R\nFROM $R/x\n", nil, "FROM ?$R/x@2"},
		{"a stage's own argument is not a FROM argument", "FROM busybox\nARG R=127.0.0.1:1\nCOPY --from=$R/x /a /b\n", nil, "FROM busybox@1; COPY --from ?$R/x@3"},
		{"copy from an image, not a stage", "FROM busybox AS b\nFROM busybox\nCOPY --from=b /a /a\nCOPY --from=127.0.0.1:5999/x /a /b\n", nil,
			"FROM busybox@1; FROM busybox@2; COPY --from 127.0.0.1:5999/x@4"},
		{"a later stage is a stage", "FROM busybox\nCOPY --from=late /a /a\nFROM busybox AS late\n", nil, "FROM busybox@1; FROM busybox@3"},
		{"mount keys in any case, quoted", "FROM busybox\nRUN --mount=FROM=127.0.0.1:5903/x,target=/m --mount=\"type=bind,from=10.0.0.1/y,target=/n\" true\n", nil,
			"FROM busybox@1; RUN --mount from 127.0.0.1:5903/x@2; RUN --mount from 10.0.0.1/y@2"},
		{"inside ONBUILD", "FROM busybox\nONBUILD COPY --from=127.0.0.1:5909/x /a /b\nONBUILD RUN --mount=from=10.0.0.2/z,target=/m true\n", nil,
			"FROM busybox@1; ONBUILD COPY --from 127.0.0.1:5909/x@2; ONBUILD RUN --mount from 10.0.0.2/z@3"},
		{"escape directive and continuation", "# escape=`\nFROM `\n  busybox\n", nil, "FROM busybox@2"},
	} {
		srcs, err := Sources(c.in, c.args)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		var got []string
		for _, s := range srcs {
			u := ""
			if s.Unknown {
				u = "?"
			}
			got = append(got, fmt.Sprintf("%s %s%s@%d", s.What, u, s.Ref, s.Line))
		}
		if g := strings.Join(got, "; "); g != c.want {
			t.Errorf("%s: Sources(%q) = %q, want %q", c.name, c.in, g, c.want)
		}
	}
}

// TestRaw: the names under any reading of the text, so that an engine
// whose parser reads a line as an instruction where BuildKit's does not
// (Docker 20.10 has no heredocs) cannot be made to fetch an unjudged one.
func TestRaw(t *testing.T) {
	for _, c := range []struct {
		name, in string
		args     map[string]string
		want     string
	}{
		{"a heredoc body read as instructions", "FROM busybox\nRUN cat <<CMD\nFROM 127.0.0.1:5999/x\nCMD\n", nil, "FROM busybox@1; FROM 127.0.0.1:5999/x@3"},
		{"flags, mounts, copies", "from --platform=linux/arm64 a.example/x AS b\nCOPY --FROM=\"10.0.0.1/y\" /a /b\nRUN --mount=type=bind,FROM=c.example/z true\nCOPY --from=b /a /b\n", nil,
			"FROM +a.example/x@1; COPY --from 10.0.0.1/y@2; RUN --mount from c.example/z@3"},
		{"continuations", "FROM \\\n  127.0.0.1:1/x\n", nil, "FROM 127.0.0.1:1/x@1"},
		{"arguments", "ARG R=10.0.0.1\nFROM $R/x\nFROM ${S}/y\n", map[string]string{"R": "10.0.0.2"}, "FROM 10.0.0.2/x@2; FROM ?${S}/y@3"},
		{"stages, numbers and scratch", "FROM scratch AS base\nCOPY --from=0 /a /b\nCOPY --from=base /a /b\n", nil, ""},
		// Found by attacking: spaces Docker splits on and Go's \s does not,
		// a backtick joining lines where the escape is a backslash, a mount.
		{"a vertical tab", "FROM busybox\nRUN <<EOF\nFROM\v127.0.0.1:5999/x\nRUN true \\\nEOF\n", nil, "FROM busybox@1; FROM 127.0.0.1:5999/x@3"},
		{"a no-break space", "FROM busybox\nRUN <<EOF\n\u00a0FROM 127.0.0.1:5999/nbsp\nEOF\n", nil, "FROM busybox@1; FROM 127.0.0.1:5999/nbsp@3"},
		{"a backtick that joins nothing", "FROM busybox\nRUN <<EOF\nLABEL a=`\nFROM 127.0.0.1:5999/b\nEOF\n", nil, "FROM busybox@1; FROM 127.0.0.1:5999/b@4"},
		{"a mount's from after its equals sign", "FROM busybox\nRUN --mount=from=127.0.0.1:5999/m,target=/m true\n", nil, "FROM busybox@1; RUN --mount from 127.0.0.1:5999/m@2"},
		{"defaults in the name", "FROM ${R:-127.0.0.1:5999}/x\nFROM ${B:+10.0.0.1/}y\n", nil, "FROM 127.0.0.1:5999/x@1; FROM y@2"},
		{"Python in a heredoc", "FROM busybox\nRUN python3 <<EOF\nfrom __future__ import annotations\nfrom pathlib import Path\nEOF\n", nil, "FROM busybox@1; FROM pathlib@4"},
	} {
		var got []string
		for _, s := range Raw(c.in, c.args) {
			mark := ""
			if s.Unknown {
				mark = "?"
			}
			if s.Platform {
				mark += "+"
			}
			got = append(got, fmt.Sprintf("%s %s%s@%d", s.What, mark, s.Ref, s.Line))
		}
		if g := strings.Join(got, "; "); g != c.want {
			t.Errorf("%s: Raw(%q) = %q, want %q", c.name, c.in, g, c.want)
		}
	}
}
