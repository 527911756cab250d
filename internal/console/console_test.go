package console

import (
	"reflect"
	"testing"
)

func TestPrompt(t *testing.T) {
	tests := []struct {
		name, line, want string // want: the command after the prompt; "-" when not a prompt
	}{
		{"dollar", "$ docker ps", "docker ps"},
		{"dollar alone", "$", ""},
		{"indented", "  $ ls", "ls"},
		{"venv", "(venv) $ pip install x", "pip install x"},
		{"host", "node1$ docker swarm init", "docker swarm init"},
		{"user at host", "user@host:~/app$ docker build .", "docker build ."},
		{"root at host", "root@box:/# apt-get update", "apt-get update"},
		{"bracketed", "[ec2-user@ip-10-0-0-1 ~]$ docker info", "docker info"},
		{"bare hash before a command", "# docker ps", "docker ps"},
		{"hash comment", "# start the server first", "-"},
		{"zsh", "% docker version", "docker version"},
		{"powershell", `PS C:\> docker run -it busybox`, "docker run -it busybox"},
		{"powershell in a folder", `PS C:\Users\me\app> docker build .`, "docker build ."},
		{"cmd.exe", `C:\app> docker ps`, "docker ps"},
		{"currency", "US$ 5 per month", "-"},
		{"output", "CONTAINER ID   IMAGE", "-"},
		{"crlf", "$ docker ps\r", "docker ps"},
		{"themed shell", "❯ docker ps", "docker ps"},
		{"arrow in prose", "▶", "-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := Prompt(tt.line)
			got := "-"
			if n > 0 {
				got = trimCR(tt.line[n:])
			}
			if got != tt.want {
				t.Errorf("Prompt(%q): command %q, want %q", tt.line, got, tt.want)
			}
		})
	}
}

func trimCR(s string) string {
	if len(s) > 0 && s[len(s)-1] == '\r' {
		return s[:len(s)-1]
	}
	return s
}

func TestParse(t *testing.T) {
	tests := []struct {
		name, code string
		want       []Command
	}{
		{"output", "$ echo hi\nhi\n", []Command{{Line: 1, Lines: 1, Text: "echo hi", Output: []string{"hi"}}}},
		{"backslash and > continuation", "$ docker run \\\n> --rm alpine\n", []Command{{Line: 1, Lines: 2, Text: "docker run \\\n--rm alpine"}}},
		{"powershell backtick", "PS C:\\> docker run `\n  --rm busybox\n", []Command{{Line: 1, Lines: 2, Text: "docker run `\n  --rm busybox"}}},
		{"crlf", "$ docker run \\\r\n  --rm alpine\r\n", []Command{{Line: 1, Lines: 2, Text: "docker run \\\n  --rm alpine"}}},
		{"here-document", "$ cat <<EOF > f\nx\n$ y\nEOF\nout\n", []Command{{Line: 1, Lines: 4, Text: "cat <<EOF > f\nx\n$ y\nEOF", Output: []string{"out"}}}},
		{"before the first prompt", "intro\n$ ls\n", []Command{{Line: 2, Lines: 1, Text: "ls"}}},
		{"two-line prompt", "[node1] (local) root@10.0.0.5 ~/app\n$ ls\nout\n[node1] (local) root@10.0.0.5 ~/app\n$ ps\n",
			[]Command{{Line: 2, Lines: 1, Text: "ls", Output: []string{"out"}}, {Line: 5, Lines: 1, Text: "ps"}}},
		{"two-line prompt after a dollar", "$ [node1] (local) root@10.0.0.5 ~\n$ ls\n", []Command{{Line: 2, Lines: 1, Text: "ls"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Parse(tt.code); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse(%q)\n got %#v\nwant %#v", tt.code, got, tt.want)
			}
		})
	}
}

func TestCommands(t *testing.T) {
	got, n := Commands("$ docker ps\nCONTAINER ID\n$ ls\n")
	if want := "docker ps\n\nls"; got != want || n != 2 {
		t.Errorf("Commands: got %q, %d; want %q, 2", got, n, want)
	}
}
