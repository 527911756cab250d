package snippet

import "testing"

func TestHidden(t *testing.T) {
	cases := []struct{ name, code, visible, runnable string }{
		{"none", "echo hi\n", "echo hi\n", "echo hi\n"},
		{"shell setup", "#!hide docker pull x\necho hi\n", "echo hi\n", "docker pull x\necho hi\n"},
		{"console prompt", "$ #!hide docker rm -f web\n$ docker ps\n", "$ docker ps\n", "$ docker rm -f web\n$ docker ps\n"},
		{"indented", "  #!hide cd /tmp\nls\n", "ls\n", "cd /tmp\nls\n"},
		{"not a marker", "#!hidden\n#!/bin/sh\n", "#!hidden\n#!/bin/sh\n", "#!hidden\n#!/bin/sh\n"},
	}
	for _, c := range cases {
		if got := Visible(c.code); got != c.visible {
			t.Errorf("%s: Visible(%q) = %q, want %q", c.name, c.code, got, c.visible)
		}
		if got := Runnable(c.code); got != c.runnable {
			t.Errorf("%s: Runnable(%q) = %q, want %q", c.name, c.code, got, c.runnable)
		}
	}
}
