package snippet

import (
	"testing"

	"github.com/shipshape/shipshape/internal/lang"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		name    string
		lang    string
		code    string
		kind    Kind
		guessed bool
	}{
		{"labelled dockerfile", "dockerfile", "FROM alpine:3.19\nRUN true\n", Dockerfile, false},
		{"dockerfile fragment", "dockerfile", "COPY . .\nRUN make\n", DockerfileFragment, false},
		{"comment before FROM", "Dockerfile", "# syntax=docker/dockerfile:1\nFROM alpine\n", Dockerfile, false},
		{"unlabelled dockerfile", "", "FROM node:18-alpine\n", Dockerfile, true},
		{"unlabelled fragment", "", "HEALTHCHECK CMD curl -f http://localhost || exit 1\n", DockerfileFragment, true},
		{"a container's shell after the command that opens it", "bash", "docker run -it --entrypoint /bin/sh alpine:3.20\n\n/ # apk add php\n(1/6) Installing xz (5.4.6-r0)\n", Console, true},
		{"a container's shell with its host name", "bash", "docker run -it wolfi-base\n\n423450e3fd52:/# echo {1..5}\n{1..5}\n", Console, true},
		{"a comment after a command", "bash", "docker run -d nginx:1.27\n# then look at it\ndocker ps\n", Shell, false},
		{"id's output is no assignment", "text", "uid=1000(app) gid=1000(app) groups=1000(app),27(sudo)\n", Text, false},
		{"an assignment of a command's output", "", "ID=$(docker ps -q)\nNAME=web\n", Shell, true},
		{"options alone are docker run's", "", "--read-only\n--tmpfs /tmp\n", Shell, true},
		{"unlabelled user", "", "USER node\n", DockerfileFragment, true},
		{"bash over a Dockerfile", "bash", "# base\nFROM python:3.11-slim\nRUN pip install flask\n", Dockerfile, true},
		{"bash", "bash", "docker build -t app .\n", Shell, false},
		{"dockerfile label over commands", "dockerfile", "docker build -t app .\ndocker run app\n", Shell, true},
		{"dockerfile label over a RUN", "dockerfile", "RUN apt-get update\n", DockerfileFragment, false},
		{"unlabelled command", "", "docker images\n", Shell, true},
		{"continuation", "", "docker run -d \\\n  --name web \\\n  nginx\n", Shell, true},
		{"assignment", "", "DOCKER_BUILDKIT=1 docker build .\n", Shell, true},
		{"options only", "", "--cap-drop ALL\n", Shell, true},
		{"prompt and output", "", "$ docker ps\nCONTAINER ID   IMAGE\nabc   nginx\n", Console, true},
		{"bash with prompts", "bash", "$ docker ps\n", Console, true},
		{"user@host prompt", "", "user@box:~/app$ docker ps\n", Console, true},
		{"console without prompt", "console", "docker ps\n", Shell, true},
		{"a comment that reads as a root prompt over a script", "shell", "# for 0.3.x\ncd /var/lib/app/plugins\ngit clone <url>\n", Shell, false},
		{"a comment over a command of an unknown tool", "shell", "# mount the volume into your container's /app/storage (/)\n# volumes must exist first.\nappctl storage:mount web vol:/app/storage\n", Shell, false},
		{"a root prompt over its output", "shell", "# ls /srv\nbin  data  logs\n", Console, true},
		{"root prompts one after the other", "shell", "# apt-get update\n# apt-get install -y curl\n", Console, true},
		{"compose by content", "yaml", "version: '3'\nservices:\n  web:\n    image: nginx\n", Compose, true},
		{"compose label", "compose", "services:\n  web: {}\n", Compose, false},
		{"yaml fragment", "yml", "environment:\n  - A=1\n", YAML, false},
		{"unlabelled compose", "", "services:\n  web:\n    image: nginx\n", Compose, true},
		{"unlabelled yaml", "", "name: x\nreplicas: 2\n", YAML, true},
		{"json", "", "{\"a\": [1, 2]}\n", JSON, true},
		{"nginx", "", "server {\n    listen 80;\n    location / {\n    }\n}\n", Nginx, true},
		{"python", "", "import os\nprint(os.getcwd())\n", Python, true},
		{"tree", "", "app/\n├── Dockerfile\n└── src/\n", Diagram, true},
		{"ascii tree", "", "app/\n|-- Dockerfile\n`-- src/\n", Diagram, true},
		{"ascii tree with one dash a branch", "", "your-plugin/\n  |\n  |- plugin.yaml\n  |- your-plugin.sh\n", Diagram, true},
		{"a pipeline continued on the next line is no tree", "", "docker ps -q |\n  xargs docker rm\n", Shell, true},
		{"arrows", "", "Container User → Container Architect\n", Diagram, true},
		{"box", "text", "┌──┐\n│ a │\n└──┘\n", Diagram, true},
		{"pipe table", "", "| a | b |\n| 1 | 2 |\n", Diagram, true},
		{"nginx error output", "", "nginx: [emerg] open() \"/run/nginx.pid\" failed (13: Permission denied)\n", Output, true},
		{"error output", "", "failed to prepare extraction snapshot: parent snapshot does not exist\n", Output, true},
		{"docker ps table", "", "CONTAINER ID   IMAGE   STATUS\n1a2b3c4d5e6f   nginx   Up\n", Output, true},
		{"prose", "", "How do I run a container?\n", Text, true},
		{"list of words", "", "nginx container\napp container\n", Text, true},
		{"one setting", "", "restart: always\n", YAML, true},
		{"a program we do not know by name", "", "acmectl users add my_user --admin\n", Shell, true},
		{"a tool, a noun and a verb", "", "acmectl users list\n", Shell, true},
		{"a go.mod labelled text", "text", "module example.com/hello\n\ngo 1.22\n", Text, false},
		{"an arrow in a yaml comment", "", "hosts:\n  - host: a\n    port: 80 # <-- the port\n", YAML, true},
		{"sudo over a table", "", "sudo acmectl users list\n+----+------+\n| id | name |\n+----+------+\n", Shell, true},
		{"a negated test", "", "! test -f .env && echo missing\n", Shell, true},
		{"a here-document", "", "cat > app.conf << EOF\nport: 8080\nmode: fast\nEOF\n", Shell, true},
		{"a sentence is not a command", "", "see the notes below, then restart.\n", Text, true},
		{"a command over its table", "", "acmectl list -o wide\n+----+------+\n| id | name |\n+----+------+\n", Shell, true},
		{"a json member out of its object", "", "\"label\" : \"x\"\n", JSON, true},
		{"a yaml block scalar", "", "name: x\nrun: |\n  make all\n  make test\n", YAML, true},
		{"another tool's list of services", "yaml", "title: Lab\nservices:\n  - id: ide\n    url: http://x\n", YAML, false},
		{"one key and its list", "", "cap_add:\n  - ALL\n", YAML, true},
		{"a sentence after a colon", "", "Note: read this first.\n", Text, true},
		{"json with a trailing comma", "", "{\n  \"a\": 1,\n}\n", JSON, true},
		{"a command and its output", "", "docker volume inspect data\n[\n  {\n    \"Name\": \"data\"\n  }\n]\n", Shell, true},
		{"image tag", "", "app:v1.2.0\n", Text, true},
		{"labelled text", "text", "just words\n", Text, false},
		{"output label", "output", "hello\n", Output, false},
		{"python label", "py", "x = 1\n", Python, false},
		{"dockerignore", "dockerignore", "node_modules\n", Dockerignore, false},
		{"empty", "", "", Text, true},
		{"go", "go", "package main\n\nfunc main() {}\n", Code, false},
		{"html", "html", "<h1>Version one</h1>\n", Code, false},
		{"unknown label over a command", "powershell", "docker ps\n", Shell, true},
		{"requirements are not shell", "", "flask==3.0.3\nredis==5.0.7\n", Text, true},
		{"text arrows", "text", "commit -> build -> push\n", Diagram, true},
		{"anatomy", "", "registry.example.com/team/app:1.4\n\\_____________/ \\__/\n", Diagram, true},
		{"options with explanations", "text", "-p 8080:80     host port -> container port\n", Shell, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k, g := Classify(tc.lang, tc.code)
			if k != tc.kind || g != tc.guessed {
				t.Errorf("Classify(%q, %q) = %s, %v; want %s, %v", tc.lang, tc.code, k, g, tc.kind, tc.guessed)
			}
		})
	}
}

func TestKindForFile(t *testing.T) {
	tests := map[string]Kind{
		"Dockerfile": Dockerfile, "app/Dockerfile.dev": Dockerfile, ".dockerignore": Dockerignore,
		"compose.yaml": Compose, "docker-compose.yml": Compose, "config.yml": YAML, "app.py": Python,
		"nginx.conf": Nginx, "conf/nginx/site.conf": Nginx, ".env": INI, "pyproject.toml": TOML,
		"data.json": JSON, "run.sh": Shell, "README": "", "": "",
	}
	for name, want := range tests {
		if got := KindForFile(name); got != want {
			t.Errorf("KindForFile(%q) = %q, want %q", name, got, want)
		}
	}
}

// TestLabelFollowsKind: each kind's label is one the language table maps
// back to that kind, so a guessed block is highlighted as its kind.
func TestLabelFollowsKind(t *testing.T) {
	for _, k := range Kinds {
		want := k
		switch k {
		case DockerfileFragment:
			want = Dockerfile
		case Compose:
			want = YAML
		case Code:
			want = Text
		}
		e, ok := lang.Lookup(k.Label())
		if !ok || Kind(e.Kind) != want {
			t.Errorf("Kind(%s).Label() = %q, which the language table maps to %q (known %v), want %q", k, k.Label(), e.Kind, ok, want)
		}
	}
	if got := Console.Label(); got != "console" {
		t.Errorf("Console.Label() = %q, want console", got)
	}
}
