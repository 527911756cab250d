package snippet

import (
	"strings"
)

// Kind is what a block is, whatever its fence says.
type Kind string

const (
	Dockerfile         Kind = "dockerfile"
	DockerfileFragment Kind = "dockerfile-fragment"
	Shell              Kind = "shell"
	Console            Kind = "console"
	Compose            Kind = "compose"
	YAML               Kind = "yaml"
	JSON               Kind = "json"
	Python             Kind = "python"
	Nginx              Kind = "nginx"
	Dockerignore       Kind = "dockerignore"
	INI                Kind = "ini"
	TOML               Kind = "toml"
	Output             Kind = "output"
	Diagram            Kind = "diagram"
	Text               Kind = "text"
)

// langKinds maps written languages to kinds; yaml is refined by content.
var langKinds = map[string]Kind{
	"dockerfile": Dockerfile, "docker": Dockerfile, "containerfile": Dockerfile,
	"bash": Shell, "sh": Shell, "shell": Shell, "zsh": Shell,
	"console": Console, "shell-session": Console, "terminal": Console,
	"yaml": YAML, "yml": YAML, "compose": Compose,
	"json": JSON, "python": Python, "py": Python, "python3": Python,
	"nginx": Nginx, "dockerignore": Dockerignore,
	"ini": INI, "conf": INI, "toml": TOML, "env": INI,
	"text": Text, "txt": Text, "plaintext": Text, "output": Output,
	"diagram": Diagram, "mermaid": Diagram,
}

// Classify decides a block's kind from its language and its content. guessed
// is true when the content, not the language, decided.
func Classify(lang, code string) (k Kind, guessed bool) {
	l := strings.ToLower(lang)
	if k, ok := langKinds[l]; ok {
		switch k {
		case YAML, Compose:
			if looksCompose(code) {
				return Compose, k != Compose
			}
			return YAML, false
		case Dockerfile:
			if !hasFrom(code) {
				return DockerfileFragment, false
			}
			return Dockerfile, false
		case Shell:
			if looksConsole(code) {
				return Console, true
			}
		case Text:
			if g := guess(code); g != Text {
				return g, true
			}
		}
		return k, false
	}
	return guess(code), true
}

func guess(code string) Kind {
	switch {
	case looksDiagram(code):
		return Diagram
	case looksDockerfile(code):
		if hasFrom(code) {
			return Dockerfile
		}
		return DockerfileFragment
	case looksConsole(code):
		return Console
	case looksShell(code):
		return Shell
	case looksCompose(code):
		return Compose
	}
	return Text
}

func lines(code string) []string {
	var out []string
	for _, l := range strings.Split(code, "\n") {
		if t := strings.TrimSpace(l); t != "" {
			out = append(out, t)
		}
	}
	return out
}

var instructions = map[string]bool{
	"FROM": true, "RUN": true, "CMD": true, "LABEL": true, "EXPOSE": true, "ENV": true,
	"ADD": true, "COPY": true, "ENTRYPOINT": true, "VOLUME": true, "USER": true,
	"WORKDIR": true, "ARG": true, "ONBUILD": true, "STOPSIGNAL": true,
	"HEALTHCHECK": true, "SHELL": true, "MAINTAINER": true,
}

func hasFrom(code string) bool {
	for _, l := range lines(code) {
		if strings.HasPrefix(l, "#") {
			continue
		}
		return strings.EqualFold(firstWord(l), "FROM")
	}
	return false
}

func firstWord(l string) string {
	if f := strings.Fields(l); len(f) > 0 {
		return f[0]
	}
	return ""
}

// looksDockerfile: every non-comment, non-continuation line starts with an
// upper-case instruction.
func looksDockerfile(code string) bool {
	ls := lines(code)
	n, cont := 0, false
	for _, l := range ls {
		if cont {
			cont = strings.HasSuffix(l, "\\")
			continue
		}
		cont = strings.HasSuffix(l, "\\")
		if strings.HasPrefix(l, "#") {
			continue
		}
		if !instructions[firstWord(l)] {
			return false
		}
		n++
	}
	return n > 0
}

func looksConsole(code string) bool {
	ls := lines(code)
	if len(ls) == 0 {
		return false
	}
	return strings.HasPrefix(ls[0], "$ ") || strings.HasPrefix(ls[0], "# $ ")
}

var commands = map[string]bool{
	"docker": true, "docker-compose": true, "sudo": true, "cd": true, "mkdir": true,
	"echo": true, "curl": true, "export": true, "cat": true, "ls": true, "apt-get": true,
	"kubectl": true, "git": true, "npm": true, "pip": true, "python": true, "python3": true,
	"for": true, "if": true, "while": true, "set": true, "rm": true, "cp": true, "mv": true,
	"chmod": true, "wget": true, "systemctl": true, "ps": true, "watch": true, "time": true,
	"dive": true, "trivy": true, "go": true, "make": true, "touch": true, "grep": true,
}

// looksShell: most lines start with a known command or are comments.
func looksShell(code string) bool {
	ls := lines(code)
	if len(ls) == 0 {
		return false
	}
	if strings.HasPrefix(ls[0], "#!") {
		return true
	}
	cmd, total, cont := 0, 0, false
	for _, l := range ls {
		if cont {
			cont = strings.HasSuffix(l, "\\")
			continue
		}
		cont = strings.HasSuffix(l, "\\")
		if strings.HasPrefix(l, "#") {
			continue
		}
		total++
		w := firstWord(l)
		if commands[w] || strings.Contains(w, "=") && !strings.HasPrefix(w, "=") {
			cmd++
		}
	}
	return total > 0 && cmd*2 > total
}

func looksCompose(code string) bool {
	for _, l := range strings.Split(code, "\n") {
		if strings.HasPrefix(l, "services:") {
			return true
		}
	}
	return false
}

// looksDiagram: box drawing, arrows or tree branches on at least one line.
func looksDiagram(code string) bool {
	for _, r := range code {
		switch {
		case r >= 0x2500 && r <= 0x257F: // box drawing
			return true
		case r == '→' || r == '←' || r == '↓' || r == '↑' || r == '⇒':
			return true
		}
	}
	for _, l := range lines(code) {
		if strings.HasPrefix(l, "|--") || strings.HasPrefix(l, "+--") || strings.Contains(l, "-->") {
			return true
		}
	}
	return false
}
