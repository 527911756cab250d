package verify

import (
	"strings"
	"testing"

	"github.com/shipshape/shipshape/internal/snippet"
)

func TestMatchOutput(t *testing.T) {
	cases := []struct {
		name, want, got string
		ok              bool
	}{
		{"exact", "hello", "hello\n", true},
		{"differs", "hello", "goodbye\n", false},
		{"missing line", "a\nb", "a\n", false},
		{"extra line", "a", "a\nb\n", false},
		{"ellipsis lines", "first\n...\nlast", "first\nx\ny\nlast\n", true},
		{"ellipsis none", "first\n...\nlast", "first\nlast\n", true},
		{"ellipsis alone", "...", "anything\nat all\n", true},
		{"in-line ellipsis", "Successfully built ...", "Successfully built 3f2a\n", true},
		{"container id", "4d1c2a9b8e7f", "a0b1c2d3e4f5\n", true},
		{"full id", strings.Repeat("a", 64), strings.Repeat("b", 64) + "\n", true},
		{"digest", "Digest: sha256:" + strings.Repeat("1", 64), "Digest: sha256:" + strings.Repeat("2", 64), true},
		{"docker ps columns", "CONTAINER ID   IMAGE   STATUS\n1234567890ab   web     Up 2 seconds", "CONTAINER ID IMAGE     STATUS\nfedcba098765 web Up About a minute\n", true},
		{"sizes and times", "busybox  1.36  4.26MB  2 weeks ago", "busybox 1.36 1.98MB 3 days ago", true},
		{"durations", "real 0.52s", "real 1.7s", true},
		{"dates", "2024-01-02T03:04:05.123Z hello", "2026-11-24T13:00:00Z hello", true},
		{"words still count", "Up 2 seconds web", "Up 2 seconds db", false},
		{"blank edges", "\nhi\n\n", "hi", true},
		{"stdout and stderr in either order", "connecting\nfatal: refused", "fatal: refused\nconnecting\n", true},
		{"reordered with a missing line", "a\nb", "b\nc\n", false},
		{"empty shown, output given", "", "Killed\n", false},
	}
	for _, c := range cases {
		d := matchOutput(strings.Split(c.want, "\n"), c.got)
		if (d == "") != c.ok {
			t.Errorf("%s: matchOutput(%q, %q) = %q, want match=%v", c.name, c.want, c.got, d, c.ok)
		}
	}
}

func TestSplitSteps(t *testing.T) {
	steps := []snippet.Step{{Cmd: "echo a"}, {Cmd: "false"}, {Cmd: "echo c"}}
	out := "a\n\n" + stepMark + " 0 0\n\n" + stepMark + " 1 1\nc\n\n" + stepMark + " 2 0\n"
	outs, codes := splitSteps(out, len(steps))
	if strings.TrimSpace(outs[0]) != "a" || outs[1] != "" || strings.TrimSpace(outs[2]) != "c" {
		t.Errorf("outputs: got %q", outs)
	}
	if codes[0] != 0 || codes[1] != 1 || codes[2] != 0 {
		t.Errorf("codes: got %v, want [0 1 0]", codes)
	}
	_, codes = splitSteps("a\n", 2)
	if codes[0] != -1 || codes[1] != -1 {
		t.Errorf("unfinished: got %v, want [-1 -1]", codes)
	}
}
