package snippet

import (
	"reflect"
	"testing"
)

func TestSteps(t *testing.T) {
	tests := []struct {
		name, code string
		want       []Step
	}{
		{"commands, continuation and output", "intro line\n$ docker run --rm \\\n>   busybox echo hi\nhi\n$ ls\na\nb\n", []Step{
			{Line: 2, Cmd: "docker run --rm \\\n  busybox echo hi", Want: []string{"hi"}},
			{Line: 5, Cmd: "ls", Want: []string{"a", "b"}},
		}},
		{"hidden behind a prompt", "$ #!hide docker pull busybox\npulled\n$ ls\n", []Step{
			{Line: 1, Cmd: "docker pull busybox", Want: []string{"pulled"}, Hidden: true},
			{Line: 3, Cmd: "ls"},
		}},
		// Read after the markers were taken away, the line was the output
		// of the command above it: never run, and compared as output.
		{"hidden with no prompt", "$ echo a\na\n#!hide touch ready\n$ ls\nready\n", []Step{
			{Line: 1, Cmd: "echo a", Want: []string{"a"}},
			{Line: 3, Cmd: "touch ready", Hidden: true},
			{Line: 4, Cmd: "ls", Want: []string{"ready"}},
		}},
		{"a marker inside a word is no marker", "$ echo '#!hidden'\n#!hidden\n", []Step{
			{Line: 1, Cmd: "echo '#!hidden'", Want: []string{"#!hidden"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Steps(tt.code); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Steps(%q)\n got %+v\nwant %+v", tt.code, got, tt.want)
			}
		})
	}
}
