package dockercli

import (
	"strings"
	"testing"
)

func words(cmd string) []Word {
	var out []Word
	for _, f := range strings.Fields(cmd) {
		out = append(out, Word{Text: f, Dynamic: strings.Contains(f, "$")})
	}
	return out
}

func TestValidate(t *testing.T) {
	tests := []struct {
		cmd      string
		path     string
		rules    string // problem rules, space separated, in order
		severity Severity
		hint     string // a substring of the first problem's hint
	}{
		{cmd: "docker run -m 512m --cpus=1 app", path: "docker run"},
		{cmd: "docker run --cpus=1.5 --memory=1g --memory-swap=2g my-app", path: "docker run"},
		{cmd: "docker run -it --rm alpine sh -c echo", path: "docker run"},
		{cmd: "docker run -d -p8080:80 -e A=b nginx", path: "docker run"},
		{cmd: "docker run alpine --not-a-docker-flag", path: "docker run"},
		{cmd: "docker network create backend", path: "docker network create"},
		{cmd: "docker network create", path: "docker network create", rules: "docker-args", severity: Warning},
		{cmd: "docker network bogus", path: "docker network", rules: "docker-unknown-command", severity: Error},
		{cmd: "docker netwrok ls", path: "docker", rules: "docker-unknown-command", severity: Error, hint: "docker network"},
		{cmd: "docker scan my-app:latest", path: "docker", rules: "docker-removed", severity: Error, hint: "scout"},
		{cmd: "docker build --build-arg BUILDKIT_INLINE_CACHE=1 .", path: "docker build"},
		{cmd: "docker build", path: "docker build", rules: "docker-args", severity: Warning},
		// docker build is buildx's where buildx is installed, the classic
		// builder's where not: either's flags are fine.
		{cmd: "docker build --push .", path: "docker build"},
		{cmd: "docker build --secret id=npmrc,src=.npmrc --ssh default -t app .", path: "docker build"},
		{cmd: "docker build -o type=local,dest=out --platform linux/amd64,linux/arm64 .", path: "docker build"},
		{cmd: "docker image build --build-context src=../src --squash .", path: "docker image build"},
		{cmd: "docker build --frobnicate .", path: "docker build", rules: "docker-unknown-flag", severity: Warning},
		{cmd: "docker build a b", path: "docker build", rules: "docker-args", severity: Error},
		{cmd: "docker system prune -a", path: "docker system prune"},
		{cmd: "docker run --bogus-flag x", path: "docker run", rules: "docker-unknown-flag", severity: Error},
		{cmd: "docker run --memroy 1g x", path: "docker run", rules: "docker-unknown-flag", severity: Error, hint: "--memory"},
		{cmd: "docker run -name web nginx", path: "docker run", rules: "docker-unknown-flag", severity: Error, hint: "--name"},
		{cmd: "docker run -m 512x app", path: "docker run", rules: "docker-flag-value", severity: Error},
		{cmd: "docker run --cpus=lots app", path: "docker run", rules: "docker-flag-value", severity: Error},
		{cmd: "docker run -d --link redis:redis my-backend", path: "docker run", rules: "docker-legacy-flag", severity: Warning},
		{cmd: "docker compose up -d", path: "docker compose up"},
		{cmd: "docker compose -f a.yml -f b.yml up", path: "docker compose up"},
		{cmd: "docker compose up --bogus", path: "docker compose up", rules: "docker-unknown-flag", severity: Error},
		{cmd: "docker compose exec web", path: "docker compose exec", rules: "docker-args", severity: Warning},
		{cmd: "docker compose frobnicate", path: "docker compose", rules: "docker-unknown-command", severity: Error},
		{cmd: "docker-compose up -d", path: "docker compose up", rules: "docker-compose-v1", severity: Warning},
		{cmd: "docker-compose down --volumes --remove-orphans", path: "docker compose down", rules: "docker-compose-v1", severity: Warning},
		{cmd: "docker exec --user root web chown -R a /app", path: "docker exec"},
		{cmd: "docker rm $(ids)", path: "docker rm"},
		{cmd: "docker -H tcp://x:2375 ps -q", path: "docker ps"},
		{cmd: "docker --context prod container ls", path: "docker container ls"},
		{cmd: "docker buildx build --push --cache-to type=registry,ref=me/app:cache -t me/app .", path: "docker buildx build"},
		{cmd: "docker buildx b -o out .", path: "docker buildx build"},
		{cmd: "docker buildx bake --print", path: "docker buildx bake"},
		{cmd: "docker buildx create --use --name b --driver docker-container", path: "docker buildx create"},
		{cmd: "docker buildx imagetools inspect alpine", path: "docker buildx imagetools inspect"},
		{cmd: "docker buildx --builder b ls", path: "docker buildx ls"},
		{cmd: "docker buildx history inspect qu2gsuo8ejqr", path: "docker buildx history inspect"},
		{cmd: "docker buildx history inspect attachment ^1", path: "docker buildx history inspect attachment"},
		{cmd: "docker buildx history inspect a b", path: "docker buildx history inspect", rules: "docker-args", severity: Error},
		// unknown to this grammar's buildx, maybe not to a newer one
		{cmd: "docker buildx build --frobnicate .", path: "docker buildx build", rules: "docker-unknown-flag", severity: Warning},
		{cmd: "docker buildx frobnicate", path: "docker buildx", rules: "docker-unknown-command", severity: Warning},
		{cmd: "docker buildx build", path: "docker buildx build", rules: "docker-args", severity: Warning},
		// docker builder is buildx where buildx is installed
		{cmd: "docker builder du", path: "docker builder du"},
		{cmd: "docker builder prune -af --filter until=24h", path: "docker builder prune"},
		{cmd: "docker builder frobnicate", path: "docker builder", rules: "docker-unknown-command", severity: Warning},
		{cmd: "docker image ls --filter dangling=true", path: "docker image ls"},
		{cmd: "docker logs -f --tail 10 web", path: "docker logs"},
		{cmd: "docker logs --tail ten web", path: "docker logs"},
		{cmd: "docker stop -t 5 web", path: "docker stop"},
		{cmd: "docker stop -t five web", path: "docker stop", rules: "docker-flag-value", severity: Error},
		{cmd: "docker run", path: "docker run", rules: "docker-args", severity: Warning},
		{cmd: "docker run --rm", path: "docker run", rules: "docker-args", severity: Warning},
		{cmd: "docker run --help", path: "docker run"},
		{cmd: "docker build --help", path: "docker build"},
		{cmd: "docker network create --help", path: "docker network create"},
		{cmd: "docker trust sign app:1", path: "docker trust", rules: "docker-plugin", severity: Info},
		{cmd: "docker ps extra", path: "docker ps", rules: "docker-args", severity: Error},
		{cmd: "docker run -e", path: "docker run", rules: "docker-flag-value", severity: Error},
		{cmd: "docker $SUB ls", path: "docker"},
		{cmd: "docker", path: "docker"},
		{cmd: "docker run My-App", path: "docker run", rules: "docker-image-ref", severity: Error, hint: "my-app"},
		{cmd: "docker run -d --restart unless-stopped registry.example.com:5000/team/app:1.2 --flag", path: "docker run"},
		{cmd: "docker run --restart=on-failure:3 app@sha256:0123456789012345678901234567890123456789012345678901234567890123", path: "docker run"},
		{cmd: "docker run --restart sometimes app", path: "docker run", rules: "docker-flag-value", severity: Error},
		{cmd: "docker tag app:1 registry/App:1", path: "docker tag", rules: "docker-image-ref", severity: Error},
		{cmd: "docker push registry/app:v1", path: "docker push"},
		{cmd: "docker ps -H tcp://x:2375", path: "docker ps", rules: "docker-unknown-flag", severity: Error},
		{cmd: "docker compose up -f a.yml -d", path: "docker compose up", rules: "docker-unknown-flag", severity: Error},
		{cmd: "docker compose up --dry-run -d", path: "docker compose up"},
		{cmd: "docker ps --help", path: "docker ps"},
		{cmd: "docker run -p 99999:80 nginx", path: "docker run", rules: "docker-flag-value", severity: Error},
		{cmd: "docker run -p 127.0.0.1:8080:80/udp -p 8000-8010:8000-8010 -p 80 --expose 9000 nginx", path: "docker run"},
		{cmd: "docker run -p [::1]:8080:80 -p 127.0.0.1::80 nginx", path: "docker run"},
		{cmd: "docker run -p $PORT:80 nginx", path: "docker run"},
	}
	for _, tc := range tests {
		t.Run(tc.cmd, func(t *testing.T) {
			path, ps := Validate(words(tc.cmd))
			if path != tc.path {
				t.Errorf("Validate(%q) path = %q, want %q", tc.cmd, path, tc.path)
			}
			var rules []string
			for _, p := range ps {
				rules = append(rules, p.Rule)
			}
			if got := strings.Join(rules, " "); got != tc.rules {
				t.Fatalf("Validate(%q) rules = %q, want %q (%+v)", tc.cmd, got, tc.rules, ps)
			}
			if len(ps) == 0 {
				return
			}
			if ps[0].Severity != tc.severity {
				t.Errorf("Validate(%q) severity = %v, want %v", tc.cmd, ps[0].Severity, tc.severity)
			}
			if !strings.Contains(ps[0].Hint, tc.hint) {
				t.Errorf("Validate(%q) hint = %q, want it to contain %q", tc.cmd, ps[0].Hint, tc.hint)
			}
		})
	}
}

func TestRunFlags(t *testing.T) {
	if ps := RunFlags(words("--read-only")); len(ps) != 0 {
		t.Errorf("RunFlags(--read-only) = %+v, want none", ps)
	}
	if ps := RunFlags(words("--cap-drop ALL")); len(ps) != 0 {
		t.Errorf("RunFlags(--cap-drop ALL) = %+v, want none", ps)
	}
	if ps := RunFlags(words("--read-onyl")); len(ps) != 1 || ps[0].Rule != "docker-unknown-flag" {
		t.Errorf("RunFlags(--read-onyl) = %+v, want one unknown flag", ps)
	}
}

func TestSource(t *testing.T) {
	if s := Source(); !strings.Contains(s, "github.com/docker/cli@") {
		t.Errorf("Source() = %q, want the docker/cli version", s)
	}
}

func BenchmarkValidate(b *testing.B) {
	argv := words("docker run -d --name web -p 8080:80 -m 512m --cpus=1 -e A=b nginx:1.25")
	root()
	for b.Loop() {
		Validate(argv)
	}
}
