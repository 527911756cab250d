package check

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/shipshape/shipshape/internal/diag"
	"github.com/shipshape/shipshape/internal/markdown"
	"github.com/shipshape/shipshape/internal/snippet"
)

// blocks extracts the code blocks of a Markdown page the way the CLI does.
func blocks(t testing.TB, page string) []snippet.Snippet {
	t.Helper()
	md := markdown.New(markdown.Options{})
	doc := md.Parse([]byte(page))
	sn, _ := snippet.Extract("page.md", doc, []byte(page), 1, nil, "busybox")
	return sn
}

// finding is "LINE SEVERITY RULE" as written in the table.
func findings(ds diag.List) []string {
	var out []string
	for _, d := range ds {
		out = append(out, fmt.Sprintf("%d %s %s", d.Line, d.Severity, d.Rule))
	}
	return out
}

type blockCase struct {
	name   string
	page   string // one block; the fence is on line 1, so code line n is page line n+1
	kind   snippet.Kind
	status Status
	want   []string // findings, "LINE SEVERITY RULE", in any order
	msg    string   // a substring of some finding's message or hint
}

var blockTable = []blockCase{
	{
		name: "dockerfile fragment without FROM",
		page: "```dockerfile\nRUN apt-get update && apt-get install -y curl\nUSER app\n```\n",
		kind: snippet.DockerfileFragment, status: Warned,
		want: []string{"2 warning dockerfile-apt-cleanup"},
	},
	{
		name: "unlabeled healthcheck fragment",
		page: "```\nHEALTHCHECK CMD curl -f http://localhost || exit 1\n```\n",
		kind: snippet.DockerfileFragment, status: Passed,
	},
	{
		name: "dockerfile with buildkit and own rules",
		page: "```dockerfile\nFROM node:latest\nMAINTAINER me\nENV API_KEY=secret123\nADD . /app\nCMD node app.js\n```\n",
		kind: snippet.Dockerfile, status: Warned,
		want: []string{"2 warning dockerfile-unpinned-base", "3 warning MaintainerDeprecated",
			"4 warning SecretsUsedInArgOrEnv", "5 warning dockerfile-add-local", "6 warning JSONArgsRecommended",
			"1 info dockerfile-root-user"},
		msg: "API_KEY",
	},
	{
		name: "explicit root user",
		page: "```dockerfile\nFROM alpine:3.19\nUSER root\nCMD [\"sh\"]\n```\n",
		kind: snippet.Dockerfile, status: Warned,
		want: []string{"1 warning dockerfile-root-user"},
	},
	{
		name: "clean dockerfile",
		page: "```dockerfile\nFROM python:3.11-slim\nWORKDIR /app\nCOPY app.py .\nUSER 1000\nCMD [\"python\", \"app.py\"]\n```\n",
		kind: snippet.Dockerfile, status: Passed,
	},
	{
		name: "dockerfile trailing comment on FROM is a syntax error",
		page: "```dockerfile\nFROM alpine:3.18        # 5MB\n```\n",
		kind: snippet.Dockerfile, status: Failed,
		want: []string{"2 error dockerfile-syntax", "2 warning StageNameCasing"},
		msg:  "a line of its own",
	},
	{
		name: "every broken instruction, not only the first",
		page: "```dockerfile\nCOPY onlyone\nRUN true\nFORM alpine\nHEALTHCHECK --interval=abc CMD true\n```\n",
		kind: snippet.DockerfileFragment, status: Failed,
		want: []string{"2 error dockerfile-syntax", "4 error dockerfile-syntax", "5 error dockerfile-syntax"},
		msg:  "did you mean FROM",
	},
	{
		name: "bash label over a Dockerfile",
		page: "```bash\nFROM python:3.11-slim\nRUN pip install flask==2.3.3\nUSER 1000:1000\n```\n",
		kind: snippet.Dockerfile, status: Passed,
	},
	{
		name: "docker run over backslashed lines",
		page: "```bash\n# start it\ndocker run -d \\\n  --name web \\\n  --memroy 1g \\\n  nginx:1.25\n```\n",
		kind: snippet.Shell, status: Failed,
		want: []string{"5 error docker-unknown-flag"},
		msg:  "--memory",
	},
	{
		name: "docker in pipes, substitutions and wrappers",
		page: "```sh\ndocker ps -q | xargs docker rm -f\nsudo docker logs $(docker ps -lq) && docker image prune -f; echo ok\ntime docker build -t x .\nDOCKER_BUILDKIT=1 docker build .\n```\n",
		kind: snippet.Shell, status: Passed,
	},
	{
		name: "docker inside sh -c and watch",
		page: "```bash\nwatch -n 2 'docker ps --bogus'\nssh host sh -c \"docker scan app\"\nbash -c 'echo ok'\n```\n",
		kind: snippet.Shell, status: Failed,
		want: []string{"2 error docker-unknown-flag", "3 error docker-removed"},
	},
	{
		name: "removed, legacy and mistyped commands",
		page: "```bash\ndocker scan my-app:latest\ndocker-compose up -d\ndocker run -d --link redis:redis my-backend\nsudo docker netwrok ls\n```\n",
		kind: snippet.Shell, status: Failed,
		want: []string{"2 error docker-removed", "3 warning docker-compose-v1", "4 warning docker-legacy-flag", "5 error docker-unknown-command"},
		msg:  "docker network",
	},
	{
		name: "dollar commands with output",
		page: "```\n$ docker ps\nCONTAINER ID   IMAGE   STATUS\nabc123         nginx   Up 2 minutes\n$ docker stats --no-stream \\\n    --bogus\n```\n",
		kind: snippet.Console, status: Failed,
		want: []string{"6 error docker-unknown-flag"},
	},
	{
		name: "console with a correct command",
		page: "```console\n$ docker network create backend\n9f3c2b...\n```\n",
		kind: snippet.Console, status: Passed,
	},
	{
		name: "shell block with a Dockerfile line and a secret",
		page: "```bash\n# never do this\nENV API_KEY=secret123\n\ndocker run -e API_KEY=secret123 my-app\n```\n",
		kind: snippet.Shell, status: Warned,
		want: []string{"3 warning SecretsUsedInArgOrEnv", "3 warning dockerfile-in-shell"},
	},
	{
		name: "shell syntax error",
		page: "```bash\necho \"unterminated\n```\n",
		kind: snippet.Shell, status: Failed,
		want: []string{"2 error shell-syntax"},
	},
	{
		name: "run options only",
		page: "```\n--cap-drop ALL\n```\n",
		kind: snippet.Shell, status: Passed,
	},
	{
		name: "tree diagram",
		page: "```\napp/\n├── Dockerfile\n└── src/\n    └── main.py\n```\n",
		kind: snippet.Diagram, status: Unchecked,
	},
	{
		name: "compose with obsolete version and an undefined network",
		page: "```yaml\nversion: '3.8'\nservices:\n  web:\n    image: nginx:1.25\n    networks:\n      - front\n```\n",
		kind: snippet.Compose, status: Failed,
		want: []string{"2 warning compose-version-obsolete", "7 error compose-schema"},
		msg:  "undefined network",
	},
	{
		name: "compose links are legacy",
		page: "```yaml\nservices:\n  web:\n    image: nginx:1.25\n    links:\n      - db\n  db:\n    image: postgres:16\n```\n",
		kind: snippet.Compose, status: Warned,
		want: []string{"5 warning compose-legacy-links"},
	},
	{
		name: "compose variables are left to the reader",
		page: "```yaml\nservices:\n  web:\n    image: ${REGISTRY}/web:${TAG:-1.0}\n    ports:\n      - \"${PORT:?set PORT}:80\"\n```\n",
		kind: snippet.Compose, status: Passed,
	},
	{
		name: "compose typed value at its line",
		page: "```yaml\nservices:\n  web:\n    image: nginx:1.25\n    healthcheck:\n      interval: lots\n```\n",
		kind: snippet.Compose, status: Failed,
		want: []string{"6 error compose-schema"},
		msg:  "invalid duration",
	},
	{
		name: "compose unknown key at its line",
		page: "```yaml\nservices:\n  web:\n    image: nginx:1.25\n    restrat: always\n```\n",
		kind: snippet.Compose, status: Failed,
		want: []string{"5 error compose-schema"},
		msg:  "restrat",
	},
	{
		name: "compose fragment without image",
		page: "```yaml\nservices:\n  app:\n    volumes:\n      - ./src:/app/src:ro\n```\n",
		kind: snippet.Compose, status: Passed,
		want: []string{"3 info compose-fragment"},
	},
	{
		name: "yaml duplicate key, often alternatives shown together",
		page: "```yaml\nenvironment:\n  - A=1\nenvironment:\n  - B=2\n```\n",
		kind: snippet.YAML, status: Warned,
		want: []string{"4 warning yaml-duplicate-key"},
	},
	{
		name: "json syntax",
		page: "```json\n{\n  \"a\": 1,\n  \"b\": }\n```\n",
		kind: snippet.JSON, status: Failed,
		want: []string{"4 error json-syntax"},
	},
	{
		name: "dockerignore bad pattern",
		page: "```dockerignore\nnode_modules\n[a-\n```\n",
		kind: snippet.Dockerignore, status: Failed,
		want: []string{"3 error dockerignore-pattern"},
	},
	{
		name: "file attribute decides the kind",
		page: "```{file=.dockerignore}\nnode_modules\n*.log\n```\n",
		kind: snippet.Dockerignore, status: Passed,
	},
	{
		name: "expect=fail that fails",
		page: "```bash {expect=fail}\ndocker scan app\n```\n",
		kind: snippet.Shell, status: ExpectedFail,
		want: []string{"2 info docker-removed"},
		msg:  "fails as intended",
	},
	{
		name: "expect=fail that passes",
		page: "```bash {expect=fail}\ndocker ps\n```\n",
		kind: snippet.Shell, status: Failed,
		want: []string{"1 error expect-fail"},
	},
	{
		name: "ignore a rule",
		page: "```bash {ignore=docker-legacy-flag}\ndocker run --link a:b x\n```\n",
		kind: snippet.Shell, status: Passed,
	},
	{
		name: "kind attribute overrides",
		page: "```text {kind=dockerfile}\nFROM alpine:3.19\nUSER 1000\nCMD [\"sh\"]\n```\n",
		kind: snippet.Dockerfile, status: Passed,
	},
	{
		name: "unknown kind attribute",
		page: "```text {kind=dokerfile}\nFROM alpine:3.19\n```\n",
		kind: "dokerfile", status: Warned,
		want: []string{"1 warning unknown-kind"},
	},
	{
		name: "skip",
		page: "```bash {skip}\ndocker scan app\n```\n",
		kind: snippet.Shell, status: Skipped,
	},
	{
		name: "python is left to the runner",
		page: "```python\nimport os\nprint(os.getenv('A'))\n```\n",
		kind: snippet.Python, status: Unchecked,
	},
	{
		name: "indented code block",
		page: "Text.\n\n    docker scan app\n",
		kind: snippet.Shell, status: Failed,
		want: []string{"3 error docker-removed"},
	},
}

func TestBlock(t *testing.T) {
	runBlockTable(t, blockTable)
}

func runBlockTable(t *testing.T, table []blockCase) {
	for _, tc := range table {
		t.Run(tc.name, func(t *testing.T) {
			sn := blocks(t, tc.page)
			if len(sn) != 1 {
				t.Fatalf("page %q has %d blocks, want 1", tc.page, len(sn))
			}
			r := Block(sn[0])
			if r.Kind != tc.kind {
				t.Errorf("kind of %q = %s, want %s", sn[0].Code, r.Kind, tc.kind)
			}
			got := findings(r.Findings)
			if strings.Join(sorted(got), "|") != strings.Join(sorted(tc.want), "|") {
				t.Errorf("findings of %q =\n  %v\nwant\n  %v\n(%v)", sn[0].Code, got, tc.want, r.Findings)
			}
			if r.Status != tc.status {
				t.Errorf("status of %q = %s, want %s", sn[0].Code, r.Status, tc.status)
			}
			if tc.msg != "" {
				found := false
				for _, d := range r.Findings {
					found = found || strings.Contains(d.Message+" "+d.Hint, tc.msg)
				}
				if !found {
					t.Errorf("no finding of %q mentions %q: %v", sn[0].Code, tc.msg, r.Findings)
				}
			}
			if (r.Status == Passed || r.Status == Warned || r.Status == Failed || r.Status == ExpectedFail) && r.Checked == "" && knownKind(string(r.Kind)) {
				t.Errorf("result of %q says nothing about what was checked", sn[0].Code)
			}
		})
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestSnippetIsBlockFindings(t *testing.T) {
	sn := blocks(t, "```bash\ndocker scan app\n```\n")[0]
	if got := Snippet(sn); len(got) != 1 || got[0].Rule != "docker-removed" || got[0].File != "page.md" || got[0].Line != 2 {
		t.Errorf("Snippet(docker scan) = %v, want one docker-removed at page.md:2", got)
	}
}

// All checks a repeated block once; every copy still gets the findings of
// its own file and line, exactly as Block gives them.
func TestAllRepeatedBlocks(t *testing.T) {
	a := blocks(t, "Intro.\n\n```bash\ndocker run --bogus alpine:3.20\n```\n")[0]
	b := a
	b.File, b.Line = "other.md", 40
	c := a
	c.Ignore = "docker-unknown-flag" // not the same block: silenced
	snips := []snippet.Snippet{a, b, c}
	got := All(snips)
	for i, s := range snips {
		want := Block(s)
		if !reflect.DeepEqual(got[i].Findings, want.Findings) || got[i].Status != want.Status || got[i].Snippet.File != s.File {
			t.Errorf("block %d: All gives %s %v, Block gives %s %v", i, got[i].Status, got[i].Findings, want.Status, want.Findings)
		}
	}
	if got[1].Findings[0].Line != 41 || got[1].Findings[0].File != "other.md" {
		t.Errorf("copy's finding at %s:%d, want other.md:41", got[1].Findings[0].File, got[1].Findings[0].Line)
	}
}
