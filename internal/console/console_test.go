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
		{"host and folder in a container", "423450e3fd52:/# echo {1..5}", "echo {1..5}"},
		{"host and home folder", "web:~/app$ ls", "ls"},
		{"a URL with a fragment is no prompt", "http://example.com/#top", "-"},
		{"a time is no prompt", "10:30# not a prompt", "-"},
		{"bracketed", "[ec2-user@ip-10-0-0-1 ~]$ docker info", "docker info"},
		{"bare hash before a command", "# docker ps", "docker ps"},
		{"hash comment", "# start the server first", "-"},
		{"hash comment naming a command", "# curl it from any other host (a public one)", "-"},
		{"bare hash before a loop", "# for f in *.log; do", "for f in *.log; do"},
		{"busybox root", "/ # ping web", "ping web"},
		{"busybox in a folder", "/usr/src/app # ls -l", "ls -l"},
		{"home and a blank", "~ $ docker ps", "docker ps"},
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
		{"backslash and a $ on each line", "$ docker run -ti \\\n$ -p 8080:80 \\\n$ nginx:1.27\nout\n", []Command{{Line: 1, Lines: 3, Text: "docker run -ti \\\n-p 8080:80 \\\nnginx:1.27", Output: []string{"out"}}}},
		{"powershell backtick", "PS C:\\> docker run `\n  --rm busybox\n", []Command{{Line: 1, Lines: 2, Text: "docker run `\n  --rm busybox"}}},
		{"crlf", "$ docker run \\\r\n  --rm alpine\r\n", []Command{{Line: 1, Lines: 2, Text: "docker run \\\n  --rm alpine"}}},
		{"here-document", "$ cat <<EOF > f\nx\n$ y\nEOF\nout\n", []Command{{Line: 1, Lines: 4, Text: "cat <<EOF > f\nx\n$ y\nEOF", Output: []string{"out"}}}},
		{"before the first prompt", "intro\n$ ls\n", []Command{{Line: 2, Lines: 1, Text: "ls"}}},
		{"two-line prompt", "[node1] (local) root@10.0.0.5 ~/app\n$ ls\nout\n[node1] (local) root@10.0.0.5 ~/app\n$ ps\n",
			[]Command{{Line: 2, Lines: 1, Text: "ls", Output: []string{"out"}}, {Line: 5, Lines: 1, Text: "ps"}}},
		{"loop without continuation prompts", "$ for p in a b;\ndo\n  rm $p;\ndone\nout\n",
			[]Command{{Line: 1, Lines: 4, Text: "for p in a b;\ndo\n  rm $p;\ndone", Output: []string{"out"}}}},
		{"loop with continuation prompts", "$ while true; do\n> date\n> done\n",
			[]Command{{Line: 1, Lines: 3, Text: "while true; do\ndate\ndone"}}},
		{"trailing pipe", "$ ls |\n  wc -l\n3\n", []Command{{Line: 1, Lines: 2, Text: "ls |\n  wc -l", Output: []string{"3"}}}},
		{"unclosed quote stays the command's", "$ echo 'hi\nhi\n", []Command{{Line: 1, Lines: 1, Text: "echo 'hi", Output: []string{"hi"}}}},
		{"nothing completes it before the next prompt", "$ if true; then\n$ ls\n",
			[]Command{{Line: 1, Lines: 1, Text: "if true; then"}, {Line: 2, Lines: 1, Text: "ls"}}},
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
