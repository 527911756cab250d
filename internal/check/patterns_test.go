package check

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/shipshape/shipshape/internal/snippet"
)

// patternTable holds one small example per pattern that docs written
// elsewhere use and that must not raise a false error (issue 12), next to
// one that must still fail.
var patternTable = []blockCase{
	{name: "angle placeholder is an argument", page: "```bash\ndocker rm -f <container-id>\n```\n", kind: snippet.Shell, status: Passed},
	{name: "angle placeholder as the image", page: "```bash\ndocker run -d -p 8080:80 <image>\n```\n", kind: snippet.Shell, status: Passed},
	{name: "placeholder with spaces", page: "```bash\ndocker exec -it <your container> sh\n```\n", kind: snippet.Shell, status: Passed},
	{name: "usage line", page: "```bash\ndocker run [OPTIONS] IMAGE [COMMAND] [ARG...]\n```\n", kind: snippet.Shell, status: Passed},
	{name: "capitals placeholder", page: "```bash\ndocker tag app YOUR_NAME/app:1.0\n```\n", kind: snippet.Shell, status: Passed},
	{name: "variable placeholder", page: "```bash\ndocker push $IMAGE\n```\n", kind: snippet.Shell, status: Passed},
	{name: "placeholder keeps a real unknown flag", page: "```bash\ndocker run --bogus <image>\n```\n", kind: snippet.Shell, status: Failed,
		want: []string{"2 error docker-unknown-flag"}},
	{name: "placeholder does not swallow the next flag", page: "```bash\ndocker exec -it <db-container> mysql -p\n```\n", kind: snippet.Shell, status: Passed},
	{name: "elision line in shell", page: "```bash\ndocker run -d \\\n  ...\n  nginx:1.27\n```\n", kind: snippet.Shell, status: Passed},
	{name: "elision in compose", page: "```yaml\nservices:\n  web:\n    image: nginx:1.27\n    # ...\n```\n", kind: snippet.Compose, status: Passed},
	{name: "elision in json softens its syntax error", page: "```json\n{\n  \"debug\": true,\n  …\n}\n```\n", kind: snippet.JSON, status: Warned,
		want: []string{"5 warning json-syntax"}},
	{name: "capitals in the base's name", page: "```dockerfile\nFROM cgr.dev/ORG/node:22\nRUN npm ci\n```\n", kind: snippet.Dockerfile, status: Warned,
		want: []string{"2 warning InvalidDefaultArgInFrom", "2 warning dockerfile-syntax"}},
	{name: "undeclared variable in the base's name", page: "```dockerfile\nFROM cgr.dev/$ORGANIZATION/go:1.25 AS builder\nRUN go build\n```\n", kind: snippet.Dockerfile, status: Warned,
		want: []string{"2 warning InvalidDefaultArgInFrom", "2 warning UndefinedArgInFrom", "2 warning dockerfile-syntax"}},
	{name: "a declared variable that breaks the base's name still fails", page: "```dockerfile\nARG ORG=\nFROM cgr.dev/${ORG}/go:1.25\nRUN go build\n```\n", kind: snippet.Dockerfile, status: Failed,
		want: []string{"3 warning InvalidDefaultArgInFrom", "3 error dockerfile-syntax"}},
	{name: "a bad base in lower case still fails", page: "```dockerfile\nFROM cgr.dev//node:22\nRUN npm ci\n```\n", kind: snippet.Dockerfile, status: Failed,
		want: []string{"2 warning InvalidDefaultArgInFrom", "2 error dockerfile-syntax"}},
	{name: "an alias to an anchor set above the excerpt", page: "```yaml\nproduction:\n  <<: *default\n  adapter: postgresql\n```\n", kind: snippet.YAML, status: Warned,
		want: []string{"3 warning yaml-syntax"}},
	{name: "an alias to an anchor the block misspells still fails", page: "```yaml\nbase: &defaults\n  a: 1\nprod:\n  <<: *default\n```\n", kind: snippet.YAML, status: Failed,
		want: []string{"5 error yaml-syntax"}},
	{name: "a value of the wrong type names every type Compose takes", page: "```yaml\nservices:\n  api:\n    image: krakend:2.7\n    command:\n      command: [\"run\"]\n```\n", kind: snippet.Compose, status: Failed,
		want: []string{"5 error compose-schema"}, msg: "services.api.command must be a list, null or string, not a mapping"},
	{name: "bracketed elision in a dockerfile", page: "```dockerfile\nFROM alpine:3.20\n[...]\nUSER app\n```\n", kind: snippet.Dockerfile, status: Passed},
	{name: "a program's help beside its options", page: "```\n      --parent string   The name or id of the organization (env: ORG).\n  -o, --output string   Output format. One of: [json, table]\n```\n", kind: snippet.Shell, status: Passed},
	{name: "docker run's options with their meaning, one misspelt", page: "```text\n-p 8080:80              host port 8080 on every interface -> container port 80\n-P                      every EXPOSEd port on random free host ports\n--publsh 80             misspelt (really)\n```\n", kind: snippet.Shell, status: Warned,
		want: []string{"4 warning docker-unknown-flag"}},
	{name: "another tool's help, one option named as docker run's", page: "```\n      --name string   Optional name for the pull token. (default \"pull-token\")\n      --parent string   The IAM organization.\n      --ttl ns   Time To Live.\n```\n", kind: snippet.Shell, status: Passed},
	{name: "another tool's options alone", page: "```\n--entryPoints.web.address=:80\n--providers.docker=true\n```\n", kind: snippet.Shell, status: Passed},
	{name: "docker run's options alone, one misspelt", page: "```bash\n--read-only\n--tmpfs /tmp\n--cap-drop=ALL --pids-limt 64\n```\n", kind: snippet.Shell, status: Warned,
		want: []string{"4 warning docker-unknown-flag"}},
	{name: "partial command showing one flag", page: "```bash\ndocker run --pids-limit=64\n```\n", kind: snippet.Shell, status: Warned,
		want: []string{"2 warning docker-args"}},
	{name: "an interpreter's banner under the command", page: "```bash\ndocker run -it python:3.12\nPython 3.12.3 (main, Apr 10 2024, 11:26:46) [GCC 12.2.0] on linux\n>>>\n```\n", kind: snippet.Shell, status: Warned,
		want: []string{"3 warning shell-syntax"}},
	{name: "a program's complaint under the command", page: "```bash\ndocker run -it python:3.12 echo hi\n/usr/bin/python: can't open file '//echo': [Errno 2] No such file\n```\n", kind: snippet.Shell, status: Warned,
		want: []string{"3 warning shell-syntax"}},
	{name: "transcript in a shell fence", page: "```bash\n$ docker ps\nCONTAINER ID   IMAGE   COMMAND\n```\n", kind: snippet.Console, status: Passed},
	{name: "transcript after a first command", page: "```sh\ndocker volume ls\n$ docker ps -a\nDRIVER    VOLUME NAME (output)\n```\n", kind: snippet.Console, status: Passed},
	{name: "user at host prompt", page: "```\nuser@host:~/app$ docker run --rm alpine:3.20 true\n```\n", kind: snippet.Console, status: Passed},
	{name: "host prompt with an unknown flag", page: "```\nnode1$ docker run --bogus alpine:3.20\n```\n", kind: snippet.Console, status: Failed,
		want: []string{"2 error docker-unknown-flag"}},
	{name: "root prompt", page: "```console\n# docker ps --all\n```\n", kind: snippet.Console, status: Passed},
	{name: "powershell prompt and backtick continuation", page: "```\nPS C:\\> docker run --rm `\n  alpine:3.20 true\n```\n", kind: snippet.Console, status: Passed},
	{name: "continuation prompt", page: "```console\n$ docker run --rm \\\n> alpine:3.20 true\n```\n", kind: snippet.Console, status: Passed},
	{name: "here-document in a session", page: "```console\n$ cat <<EOF > app.txt\nhello\nEOF\n$ docker ps\n```\n", kind: snippet.Console, status: Passed},
	{name: "run --help", page: "```bash\ndocker run --help\n```\n", kind: snippet.Shell, status: Passed},
	{name: "build --help", page: "```bash\ndocker build --help\n```\n", kind: snippet.Shell, status: Passed},
	{name: "copy from stage 0 in a fragment", page: "```dockerfile\nCOPY --from=0 /out/app /usr/local/bin/app\n```\n", kind: snippet.DockerfileFragment, status: Passed},
	{name: "windows fragment continued with backticks", page: "```dockerfile\nRUN powershell -Command `\n    Set-Item -Path x -Value y\n```\n", kind: snippet.DockerfileFragment, status: Passed},
	{name: "C code labelled bash", page: "```bash\n#include <stdio.h>\nint main(void) { printf(\"hi\"); return 0; }\n```\n", kind: snippet.Shell, status: Warned,
		want: []string{"3 warning label-looks-wrong"}},
	{name: "log lines labelled json", page: "```json\n2026-01-02 10:00:00 INFO listening on :8080\n2026-01-02 10:00:01 ERROR no route\n```\n", kind: snippet.JSON, status: Warned,
		want: []string{"2 warning label-looks-wrong"}},
	{name: "broken json still fails", page: "```json\n{\"a\": 1,}\n```\n", kind: snippet.JSON, status: Failed,
		want: []string{"2 error json-syntax"}},
	{name: "text label: a guessed kind only warns", page: "```text\ndocker run --bogus alpine:3.20\n```\n", kind: snippet.Shell, status: Warned,
		want: []string{"2 warning docker-unknown-flag"}},
	{name: "no label: a whole Dockerfile's errors stay errors", page: "```\nFROM alpine:3.20\nSHELL [\"sh\", \"-c\"\"]\n```\n", kind: snippet.Dockerfile, status: Failed,
		want: []string{"3 error dockerfile-syntax"}},
	{name: "no label: guessed shell syntax only warns", page: "```\ndocker ps\necho 'unclosed\n```\n", kind: snippet.Shell, status: Warned,
		want: []string{"3 warning shell-syntax"}},
	{name: "go label is code, not shell", page: "```go\nd := digest.FromString(\"docker ps\")\n```\n", kind: snippet.Code, status: Unchecked},
	{name: "powershell line in a bash block", page: "```bash\n$Env:APP_DIR = (Get-Location).Path; docker compose up\n```\n", kind: snippet.Shell, status: Warned,
		want: []string{"2 warning label-looks-wrong"}},
	{name: "dockerfile synopsis with placeholders", page: "```dockerfile\nFROM [--platform=<platform>] <image>[:<tag>] [AS <name>]\n```\n", kind: snippet.Dockerfile, status: Warned,
		want: []string{"2 warning InvalidDefaultArgInFrom", "2 warning dockerfile-syntax"}},
	{name: "global ARG before FROM is not a fragment", page: "```dockerfile\nARG VERSION=1.2\nFROM alpine:${VERSION}\nFROM busybox:${VERSION}\n```\n", kind: snippet.Dockerfile, status: Passed},
	{name: "options alone, none docker run's, are another tool's", page: "```\n--export-cache type=local\n```\n", kind: snippet.Shell, status: Passed},
	{name: "json member out of its object", page: "```json\n\"features\": {\n  \"x\": false\n},\n```\n", kind: snippet.JSON, status: Passed,
		want: []string{"1 info json-fragment"}},
	{name: "empty services, a tutorial's first step", page: "```yaml\nservices:\n```\n", kind: snippet.Compose, status: Passed,
		want: []string{"2 info compose-fragment"}},
	{name: "compose fragment using a network it does not show", page: "```yaml\nservices:\n  api:\n    image: app:1\n    networks: [back]\n```\n", kind: snippet.Compose, status: Warned,
		want: []string{"5 warning compose-schema"}},
	{name: "compose file that lists its networks and misses one", page: "```yaml\nservices:\n  api:\n    image: app:1\n    networks: [back]\nnetworks:\n  front: {}\n```\n", kind: snippet.Compose, status: Failed,
		want: []string{"5 error compose-schema"}},
	// Found on the second corpus run (issue 12, session 2).
	{name: "play-with-docker prompt header above a prompt", page: "```bash\n[node1] (local) root@10.0.3.4 ~/app\n$ docker ps\n[node1] (local) root@10.0.3.4 ~/app\n$\n```\n", kind: snippet.Console, status: Passed},
	{name: "play-with-docker header written after a dollar", page: "```bash\n$ [mgr1] (local) root@10.0.3.4 ~/app\n$ docker stack ls\nNAME  SERVICES\n```\n", kind: snippet.Console, status: Passed},
	{name: "transcript showing docker reject the flag", page: "```console\n$ docker run --nope alpine:3.20; echo $?\nunknown flag: --nope\n125\n```\n", kind: snippet.Console, status: Passed,
		want: []string{"2 info docker-unknown-flag"}},
	{name: "stand-in flag name", page: "```console\ndocker --some-setting \"a value\" ps\n```\n", kind: snippet.Shell, status: Warned,
		want: []string{"2 warning docker-unknown-flag"}},
	{name: "a real unknown flag still fails", page: "```console\n$ docker run --cpus-share=2 alpine:3.20\n```\n", kind: snippet.Console, status: Failed,
		want: []string{"2 error docker-unknown-flag"}},
	{name: "unknown command shaped like a plugin", page: "```console\n$ docker frobnicate build app\n```\n", kind: snippet.Console, status: Warned,
		want: []string{"2 warning docker-unknown-command"}},
	{name: "misspelt command still fails", page: "```console\n$ docker netwrk ls\n```\n", kind: snippet.Console, status: Failed,
		want: []string{"2 error docker-unknown-command"}},
	{name: "ls output naming files after docker", page: "```\nls\ndocker  docker-1.2.3.tgz  notes.txt\n```\n", kind: snippet.Shell, status: Warned,
		want: []string{"3 warning docker-unknown-command"}},
	{name: "compose service of made-up keys", page: "```yaml\nservices:\n  svc:\n    alpha: one\n```\n", kind: snippet.Compose, status: Warned,
		want: []string{"4 warning compose-schema", "3 info compose-fragment"}},
	{name: "compose key misspelt in a real service", page: "```yaml\nservices:\n  web:\n    image: nginx:1.27\n    enviroment:\n      A: b\n```\n", kind: snippet.Compose, status: Failed,
		want: []string{"5 error compose-schema"}},
	{name: "dockerfile synopsis with a parameter name", page: "```dockerfile\nSTOPSIGNAL signal\n```\n", kind: snippet.DockerfileFragment, status: Warned,
		want: []string{"2 warning dockerfile-syntax"}},
	{name: "dockerfile synopsis with an optional field", page: "```dockerfile\nRUN --device=name,[required]\n```\n", kind: snippet.DockerfileFragment, status: Warned,
		want: []string{"2 warning dockerfile-syntax"}},
	{name: "a wrong signal still fails", page: "```dockerfile\nSTOPSIGNAL SIGKIL\n```\n", kind: snippet.DockerfileFragment, status: Failed,
		want: []string{"2 error dockerfile-syntax"}},
	// Found on a held-out corpus (other projects' docs, not tuned on above).
	{name: "log output under a command in a bash fence", page: "```bash\nsudo tool list\nINFO[0000] loaded 3 items\n```\n", kind: snippet.Shell, status: Warned,
		want: []string{"3 warning shell-syntax"}},
	{name: "table output under a command in a bash fence", page: "```bash\nsudo tool list\n-------------------------\n NAME   STATUS\n```\n", kind: snippet.Shell, status: Passed},
	{name: "yaml printed under a command in a bash fence", page: "```bash\nsudo tool inspect a/b\ntype: parser\ndescription: reads logs (sshd)\n```\n", kind: snippet.Shell, status: Warned,
		want: []string{"4 warning shell-syntax"}},
	{name: "output of a transcript without prompts", page: "```bash\nsudo tool inspect a/b\ntype: parser\nused by:\n - (Parser) a/b:\n```\n", kind: snippet.Shell, status: Warned,
		want: []string{"5 warning shell-syntax"}},
	{name: "a here-document is no transcript", page: "```bash\ncat <<EOF > app.yaml\nname: app\nEOF\necho 'unclosed\n```\n", kind: snippet.Shell, status: Failed,
		want: []string{"5 error shell-syntax"}},
	{name: "a broken command line still fails", page: "```bash\necho 'unclosed\n```\n", kind: snippet.Shell, status: Failed,
		want: []string{"2 error shell-syntax"}},
	{name: "another language's label guessed as shell", page: "```sieve\n# tag it\nif envelope :detail \"to\" \"x\" {\n  set \"tag\" \"X\";\n```\n", kind: snippet.Shell, status: Warned,
		want: []string{"3 warning shell-syntax"}},
	{name: "spaced dots elide in yaml", page: "```yaml\nservices:\n  web:\n    image: nginx:1.27\n    volumes:\n    . . .\n      - ./a:/a\n```\n", kind: snippet.Compose, status: Passed},
	{name: "trailing dots elide a dockerfile argument", page: "```dockerfile\nCOPY --from=tools:1.0 /bin/tool ...\n```\n", kind: snippet.DockerfileFragment, status: Passed},
	{name: "angle placeholders in json", page: "```json\n{\n  \"event\": <string>,\n  \"count\": <int>\n}\n```\n", kind: snippet.JSON, status: Warned,
		want: []string{"3 warning json-syntax"}},
	{name: "alternatives and optional keys in a yaml synopsis", page: "```yaml\nlevel: (error|info|debug)\nitems:\n  - url: https://example.test/x\n    [kind: (a|b)]\n```\n", kind: snippet.YAML, status: Warned,
		want: []string{"5 warning yaml-syntax"}},
	{name: "indented block showing markdown source", page: "Text.\n\n    ```yaml title=x\n    services:\n      app:\n        image: nginx\n    ```\n", kind: snippet.Compose, status: Warned,
		want: []string{"3 warning yaml-syntax"}},
	{name: "dockerfile line ending in an elision", page: "```dockerfile\nCOPY --from=tools:1.0 ...\n```\n", kind: snippet.DockerfileFragment, status: Warned,
		want: []string{"2 warning dockerfile-syntax"}},
	{name: "template variable in a FROM line", page: "```dockerfile\nFROM python:\\$\\$pyTag\\$\\$\n```\n", kind: snippet.Dockerfile, status: Warned,
		want: []string{"2 warning InvalidDefaultArgInFrom", "2 warning dockerfile-syntax"}},
	{name: "a table labelled yaml", page: "```yaml\n┌────┬──────┐\n│ ID │ why: x │\n└────┴──────┘\n```\n", kind: snippet.YAML, status: Warned,
		want: []string{"3 warning label-looks-wrong"}},
	{name: "an expression labelled yaml", page: "```yaml\n\"a/b\" in Lookup(\"x\").Items()\n```\n", kind: snippet.YAML, status: Warned,
		want: []string{"1 warning label-looks-wrong"}},
	{name: "broken yaml still fails", page: "```yaml\nname: x\nformat |\n  text\n```\n", kind: snippet.YAML, status: Failed,
		want: []string{"3 error yaml-syntax"}},
	{name: "a longer fence around markdown", page: "````yaml\nintro: x\n  ```yaml\n  a: b\n  ```\n````\n", kind: snippet.YAML, status: Warned,
		want: []string{"4 warning yaml-syntax"}},
	// Found on a fourth corpus: slides, a cheat sheet and a book in Chinese.
	{name: "busybox prompt", page: "```bash\n/ # ping -c1 web\nPING web (10.0.0.2): 56 data bytes\n```\n", kind: snippet.Console, status: Passed},
	{name: "comment naming a command in a transcript", page: "```sh\n$ docker network create net1\n# curl it from another host (a public one)\n$ curl 10.0.0.2\n```\n", kind: snippet.Console, status: Passed},
	{name: "loop in a transcript without continuation prompts", page: "```bash\n$ for p in a b;\ndo\n  docker rm -f $p;\ndone\n```\n", kind: snippet.Console, status: Passed},
	{name: "a flag error inside such a loop still fails", page: "```bash\n$ for p in a b;\ndo\n  docker rm --bogus $p;\ndone\n```\n", kind: snippet.Console, status: Failed,
		want: []string{"4 error docker-unknown-flag"}},
	{name: "ping output under a command in a bash fence", page: "```bash\ndocker run alpine ping -c1 10.0.0.2\nPING 10.0.0.2 (10.0.0.2): 56 data bytes\n64 bytes from 10.0.0.2: seq=0\n```\n", kind: snippet.Shell, status: Warned,
		want: []string{"3 warning shell-syntax"}},
	{name: "placeholder of several words in a dockerfile", page: "```dockerfile\nFROM <base image>\nCOPY <the test fixtures>\n```\n", kind: snippet.Dockerfile, status: Warned,
		want: []string{"3 warning dockerfile-syntax"}},
	{name: "a note in angle brackets in yaml", page: "```yaml\nmetric:\n  name: <NAME>\n  <...a selector (optional)...>\n```\n", kind: snippet.YAML, status: Warned,
		want: []string{"4 warning yaml-syntax"}},
	{name: "prose in parentheses in yaml", page: "```yaml\nmetadata:\n  name: x\n  (other fields)\n```\n", kind: snippet.YAML, status: Warned,
		want: []string{"4 warning yaml-syntax"}},
	{name: "digest cut short", page: "```dockerfile\nFROM alpine:3.20@sha256:0a1b2c... (the whole digest)\n```\n", kind: snippet.Dockerfile, status: Warned,
		want: []string{"2 warning FromAsCasing", "2 warning dockerfile-syntax"}},
	{name: "usage line in another language", page: "```bash\ndocker pull [选项] 名称[:标签]\n```\n", kind: snippet.Shell, status: Passed},
	{name: "usage line in lower case", page: "```bash\ndocker compose [options] [COMMAND] [ARGS...]\n```\n", kind: snippet.Shell, status: Passed},
	{name: "a case pattern is not a usage line", page: "```bash\ncase $a in\n  [yn]) echo ok ;;\nesac\n```\n", kind: snippet.Shell, status: Passed},
	{name: "subcommands listed as alternatives", page: "```bash\ndocker network connect/disconnect\ndocker volume / network / image\n```\n", kind: snippet.Shell, status: Passed,
		want: []string{"2 info docker-alternatives", "3 info docker-alternatives"}},
	{name: "a path after a command is no alternative", page: "```bash\ndocker network conect/disconnect\n```\n", kind: snippet.Shell, status: Failed,
		want: []string{"2 error docker-unknown-command"}},
	{name: "helm template in yaml", page: "```yaml\nports:\n- port: {{ .Values.port }}\n  name: http\n```\n", kind: snippet.YAML, status: Warned,
		want: []string{"1 warning yaml-syntax"}},
	{name: "a template inside a string leaves yaml errors", page: "```yaml\ntype: http\nformat |\n  {{ .Alert }}\n```\n", kind: snippet.YAML, status: Failed,
		want: []string{"3 error yaml-syntax"}},
	{name: "a template on the line that fails", page: "```yaml\nname: x\n{{ .Values.extra | toYaml }}\n```\n", kind: snippet.YAML, status: Warned,
		want: []string{"3 warning yaml-syntax"}},
	{name: "backticks marking up yaml", page: "```yaml\ndata:\n  roles: `|`\n    - name: a\n```\n", kind: snippet.YAML, status: Warned,
		want: []string{"3 warning yaml-syntax"}},
	{name: "a ruby hash labelled json", page: "```json\n{ \"message\" => \"ok\",\n  \"host\" => \"a1\" }\n```\n", kind: snippet.JSON, status: Warned,
		want: []string{"2 warning label-looks-wrong"}},
	{name: "json with comments labelled jsonc", page: "```jsonc\n// daemon.json\n{\n  \"debug\": true, // on\n}\n```\n", kind: snippet.JSON, status: Passed},
	{name: "broken jsonc still fails", page: "```jsonc\n// daemon.json\n{\n  \"debug\" true\n}\n```\n", kind: snippet.JSON, status: Failed,
		want: []string{"4 error json-syntax"}},
	// Notes written as comments in a json block (an API payload's
	// "// seconds", a file name on top): invalid JSON as written, but the
	// JSON around them is whole, so the notes are the author's, not a
	// mistake; a warning says what a reader who copies it gets.
	{name: "comments in a json block warn", page: "```json\n// daemon.json\n{\"debug\": true}\n```\n", kind: snippet.JSON, status: Warned,
		want: []string{"2 warning json-comments"}},
	{name: "notes after values in a json block warn", page: "```json\n{\n  \"kind\": \"Generic\", // or \"Periodic\", when it repeats\n  /* seconds */ \"delay\": 90\n}\n```\n", kind: snippet.JSON, status: Warned,
		want: []string{"3 warning json-comments"}},
	{name: "comments beside a trailing comma still fail", page: "```json\n// daemon.json\n{\"debug\": true,}\n```\n", kind: snippet.JSON, status: Failed,
		want: []string{"2 error json-syntax"}},
	{name: "comments beside a missing comma still fail", page: "```json\n{\n  \"a\": 1 // one\n  \"b\": 2\n}\n```\n", kind: snippet.JSON, status: Failed,
		want: []string{"3 error json-syntax"}},
	{name: "a tab in yaml is named", page: "```yaml\nname: x\nitems:\n\t- a\n```\n", kind: snippet.YAML, status: Failed,
		want: []string{"4 error yaml-syntax"}, msg: "does not allow tabs"},
	{name: "a value starting with a reserved character is no tab", page: "```yaml\nname: x\nformat: %d items\n```\n", kind: snippet.YAML, status: Failed,
		want: []string{"3 error yaml-syntax"}, msg: "put the value in quotes"},
	{name: "an indented here-document end is named", page: "```bash\ncat <<EOF\n  a: b\n  EOF\n```\n", kind: snippet.Shell, status: Warned,
		want: []string{"2 warning shell-syntax"}, msg: `line 4, "  EOF", is indented`},
	{name: "a blank after a backslash is named", page: "```bash\ndocker run -d -p 80:80 \\ \n  nginx:1.27\n```\n", kind: snippet.Shell, status: Failed,
		want: []string{"2 error docker-image-ref"}, msg: "line 2 ends in a backslash and a blank"},

	// Found on a fifth corpus: the official images' docs (templates), a
	// vendor's per-image pages and a build tool's reference.
	{name: "docker --version is a root flag", page: "```bash\ndocker --version\ndocker -v\n```\n", kind: snippet.Shell, status: Passed},
	{name: "a slip of --version still fails", page: "```bash\ndocker --verison\n```\n", kind: snippet.Shell, status: Failed,
		want: []string{"2 error docker-unknown-flag"}},
	{name: "a here-string has no body", page: "```console\n$ wc -c <<< 'a b c'\n6 (bytes)\n$ docker ps\n```\n", kind: snippet.Console, status: Passed},
	{name: "a command after a here-string is still read", page: "```console\n$ tr a-z A-Z <<<\"x\"\nX\n# docker run --bogus alpine:3.20\nx\n```\n", kind: snippet.Console, status: Failed,
		want: []string{"4 error docker-unknown-flag"}},
	{name: "a template's %%NAME%% marker is a placeholder", page: "```console\n$ docker run -d --name web %%IMAGE%%:2.4\n```\n", kind: snippet.Console, status: Passed},
	{name: "a template marker as a yaml key", page: "```yaml\nservices:\n  %%REPO%%:\n    image: %%IMAGE%%:2.4\n```\n", kind: snippet.Compose, status: Warned,
		want: []string{"3 warning yaml-syntax"}},
	{name: "a template marker reaching FROM through an ARG", page: "```dockerfile\nARG BASE=%%IMAGE%%:2.4\nFROM $BASE-slim\n```\n", kind: snippet.Dockerfile, status: Warned,
		want: []string{"3 warning InvalidDefaultArgInFrom", "3 warning dockerfile-syntax"}},
	{name: "one percent sign is no marker", page: "```bash\ndocker run -d %IMAGE%:2.4\n```\n", kind: snippet.Shell, status: Failed,
		want: []string{"2 error docker-image-ref"}},
	{name: "a bracketed part of a tag is a placeholder", page: "```bash\ndocker run -d --name db vendor/db:enterprise-[release]\n```\n", kind: snippet.Shell, status: Passed},
	{name: "a bracketed value keeps its misspelt flag", page: "```bash\ndocker run --nmae=[name] alpine:3.20\n```\n", kind: snippet.Shell, status: Failed,
		want: []string{"2 error docker-unknown-flag"}},
	{name: "an angle note with a comma is one placeholder", page: "```bash\ndocker run -d \\\n  -e TZ=<your zone, e.g. Asia/Tokyo> \\\n  vendor/app\n```\n", kind: snippet.Shell, status: Passed},
	{name: "an angle note with a comma keeps a real unknown flag", page: "```bash\ndocker run -d \\\n  -e TZ=<your zone, e.g. Asia/Tokyo> \\\n  --bogus vendor/app\n```\n", kind: snippet.Shell, status: Failed,
		want: []string{"4 error docker-unknown-flag"}},
	{name: "a placeholder volume source needs no volumes section", page: "```yaml\nversion: \"2\"\nservices:\n  app:\n    image: vendor/app\n    volumes:\n      - <folder for app data>:/config\n```\n", kind: snippet.Compose, status: Warned,
		want: []string{"2 warning compose-version-obsolete", "6 warning compose-schema"}},
	{name: "an undeclared named volume in a whole file still fails", page: "```yaml\nname: app\nservices:\n  app:\n    image: vendor/app\n    volumes:\n      - appdata:/config\n```\n", kind: snippet.Compose, status: Failed,
		want: []string{"7 error compose-schema"}},
	{name: "a relative mount target is under the image's workdir", page: "```dockerfile\nFROM golang:1.22\nRUN --mount=type=bind,target=. go build ./...\n```\n", kind: snippet.Dockerfile, status: Warned,
		want: []string{"3 warning dockerfile-syntax"}},
	{name: "a relative mount target under WORKDIR / still fails", page: "```dockerfile\nFROM golang:1.22\nWORKDIR /\nRUN --mount=type=bind,target=. go build ./...\n```\n", kind: snippet.Dockerfile, status: Failed,
		want: []string{"4 error dockerfile-syntax"}},
	{name: "elided json values", page: "```json\n{\n  \"layers\": [...],\n  \"config\": {…},\n  \"ports\": [80, ...]\n}\n```\n", kind: snippet.JSON, status: Passed},
	{name: "elided json values keep a missing comma an error", page: "```json\n{\n  \"layers\": [...]\n  \"size\": 1\n}\n```\n", kind: snippet.JSON, status: Failed,
		want: []string{"4 error json-syntax"}},
	{name: "a flag typed with an en dash stays an error, with a hint", page: "```bash\ndocker run -d \u2013name web nginx:1.27\n```\n", kind: snippet.Shell, status: Failed,
		want: []string{"2 error docker-image-ref"}, msg: "write two hyphens: --name"},

	// Found on a sixth corpus: a reverse proxy's reference, a mail server's,
	// an updater's and a registry's docs, linters and image tools.
	{name: "options left out of a command in brackets", page: "```bash\ndocker run [...] -v ./config.json:/config.json vendor/app\n```\n", kind: snippet.Shell, status: Passed},
	{name: "options left out keep a real unknown flag", page: "```bash\ndocker run [...] --bogus vendor/app\n```\n", kind: snippet.Shell, status: Failed,
		want: []string{"2 error docker-unknown-flag"}},
	{name: "an optional tag in brackets", page: "```bash\ndocker run vendor/proxy[:version] --help\ndocker pull vendor/app[@digest]\n```\n", kind: snippet.Shell, status: Passed},
	{name: "an optional tag keeps a real unknown flag", page: "```bash\ndocker run --bogus vendor/proxy[:version]\n```\n", kind: snippet.Shell, status: Failed,
		want: []string{"2 error docker-unknown-flag"}},
	{name: "an optional tag in a FROM synopsis", page: "```dockerfile\nFROM vendor/proxy[:version]\n```\n", kind: snippet.Dockerfile, status: Warned,
		want: []string{"2 warning InvalidDefaultArgInFrom", "2 warning dockerfile-syntax"}},
	{name: "brackets around a whole tag still fail", page: "```bash\ndocker pull vendor/app:[1.0]\n```\n", kind: snippet.Shell, status: Failed,
		want: []string{"2 error docker-image-ref"}},
	{name: "a variable as a volume's source is the reader's folder", page: "```yaml\nname: app\nservices:\n  app:\n    image: vendor/app\n    ports:\n      - ${PORT}:80\n    volumes:\n      - ${DATA_DIR}:/data\n      - $CONF/app.conf:/etc/app.conf\n      - type: bind\n        source: ${LOGS}\n        target: /logs\n```\n", kind: snippet.Compose, status: Passed},
	{name: "an undeclared volume beside a variable source still fails", page: "```yaml\nname: app\nservices:\n  app:\n    image: vendor/app\n    volumes:\n      - ${DATA_DIR}:/data\n      - cache:/cache\n```\n", kind: snippet.Compose, status: Failed,
		want: []string{"8 error compose-schema"}},
	{name: "toml in a yaml tab", page: "```yaml\n[http.routers.web]\n  rule = \"Path(`/a`)\"\n\n  [http.routers.web.tls]\n    enabled = false\n```\n", kind: snippet.YAML, status: Warned,
		want: []string{"2 warning label-looks-wrong"}, msg: "reads as toml"},
	{name: "toml that toml refuses keeps its yaml error", page: "```yaml\n[http.routers.web]\n  rule = \"Path(`/a`)\n```\n", kind: snippet.YAML, status: Failed,
		want: []string{"2 error yaml-syntax"}},
	{name: "hugo shortcodes in a command", page: "```console\ndocker run -d --network-alias {{< sitevar name=\"sub\" nojs=\"auth\" >}}.{{< sitevar name=\"domain\" >}} vendor/proxy\n```\n", kind: snippet.Shell, status: Passed},
	{name: "a hugo shortcode keeps a real unknown flag", page: "```console\n$ docker run -d --bogus {{< sitevar name=\"x\" >}} vendor/proxy\n```\n", kind: snippet.Console, status: Failed,
		want: []string{"2 error docker-unknown-flag"}},
	{name: "hugo shortcodes inside toml and yaml strings", page: "```toml\nhost = \"https://app.{{< sitevar name=\"domain\" nojs=\"example.com\" >}}\"\nport = {{% param \"port\" %}}\n```\n", kind: snippet.TOML, status: Passed},
	{name: "a compose name from a hugo shortcode", page: "```yaml\nservices:\n  app:\n    image: vendor/app\n    container_name: '{{< sitevar name=\"name\" >}}'\n    ports:\n      - \"{{< sitevar name=\"port\" >}}:80\"\n```\n", kind: snippet.Compose, status: Passed},
	{name: "a compose value that is a whole hugo shortcode", page: "```yaml\nservices:\n  app:\n    image: vendor/app\n    container_name: {{< sitevar name=\"name\" >}}\n```\n", kind: snippet.Compose, status: Warned,
		want: []string{"5 warning compose-schema"}},
	{name: "broken toml beside a hugo shortcode still fails", page: "```toml\nhost = \"https://app.{{< sitevar name=\"domain\" >}}\"\nport = 80 oops\n```\n", kind: snippet.TOML, status: Failed,
		want: []string{"3 error toml-syntax"}},
	{name: "an angle placeholder in toml", page: "```toml\n[server]\nhost = <ip-of-the-node>\nport = 4444\n```\n", kind: snippet.TOML, status: Warned,
		want: []string{"3 warning toml-syntax"}},
	{name: "broken toml on a line with no placeholder still fails", page: "```toml\n[server]\nname = \"a\" b\nhost = <ip-of-the-node>\n```\n", kind: snippet.TOML, status: Failed,
		want: []string{"3 error toml-syntax"}},
	{name: "words in capitals as json values", page: "```json\n{\n  \"documents\": [LIST_OF_DOCUMENT_IDS],\n  \"method\": METHOD\n}\n```\n", kind: snippet.JSON, status: Warned,
		want: []string{"3 warning json-syntax"}},
	{name: "a bare word in lower case in json still fails", page: "```json\n{\n  \"method\": merge\n}\n```\n", kind: snippet.JSON, status: Failed,
		want: []string{"3 error json-syntax"}},
	{name: "yaml in a toml block", page: "```toml\nfrontend:\n  url: 'https://app.example.com'\nserver:\n  port: 8000\n```\n", kind: snippet.TOML, status: Warned,
		want: []string{"2 warning label-looks-wrong"}},
	{name: "yaml lines inside toml tables still fail", page: "```toml\n[metrics]\n  [metrics.influx]\n    address: http://localhost:8086\n```\n", kind: snippet.TOML, status: Failed,
		want: []string{"4 error toml-syntax"}},
	{name: "two dots in a comment elide", page: "```json\n{\n  //..\n  \"Tags\": [\"a=b\"]\n}\n```\n", kind: snippet.JSON, status: Passed},
	{name: "two dots alone are a path, no elision", page: "```bash\ncd ..\necho 'unclosed\n```\n", kind: snippet.Shell, status: Failed,
		want: []string{"3 error shell-syntax"}},
	{name: "an override file using the base file's volumes and networks", page: "```yaml\nservices:\n  backup:\n    image: vendor/backup\n    volumes:\n      - data-vol-1:/mnt/data:ro\n      - backup-cache:/cache\n    networks:\n      - app-network\nvolumes:\n  backup-cache:\n```\n", kind: snippet.Compose, status: Warned,
		want: []string{"6 warning compose-schema"}, msg: "part of a larger setup"},
	{name: "powershell backtick continuations under a bash label", page: "```bash\n$ docker run -d -p 5555:5555 `\n    -e HOST=<ip-of-hub> `\n    -v ${PWD}/config.toml:/config.toml `\n    vendor/node:4.25\n```\n", kind: snippet.Console, status: Warned,
		want: []string{"2 warning label-looks-wrong"}, msg: "PowerShell's backtick"},
	{name: "backtick continuations keep a real unknown flag", page: "```bash\ndocker run --rm --bogus `\n    -p 4444:4444 `\n    -e A=b `\n    vendor/hub:4.25\n```\n", kind: snippet.Shell, status: Failed,
		want: []string{"2 warning label-looks-wrong", "2 error docker-unknown-flag"}},
	{name: "backtick continuations under a powershell label", page: "```powershell\ndocker run --rm `\n    -p 4444:4444 `\n    -e A=b `\n    vendor/hub:4.25\n```\n", kind: snippet.Shell, status: Passed},
	{name: "an unclosed backquote in bash still fails", page: "```bash\necho `date\nls\n```\n", kind: snippet.Shell, status: Failed,
		want: []string{"2 error shell-syntax"}},
	// Found on a seventh corpus: the official images' and a hosting
	// panel's docs, a PaaS's, a web server's, a notebook stack's.
	{name: "container labels listed under a bash label", page: "```bash\ntraefik.enable=true\ntraefik.http.routers.web.rule=Host(`a.example.com`) && PathPrefix(`/`)\n```\n", kind: snippet.Shell, status: Warned,
		want: []string{"3 warning label-looks-wrong"}},
	{name: "a caddyfile under a shell label", page: "```shell\nhttps://app.example.com:8443 {\n    reverse_proxy https://10.0.0.2:8080 {\n        header_up Host {host}\n    }\n}\n```\n", kind: snippet.Shell, status: Warned,
		want: []string{"5 warning label-looks-wrong"}},
	{name: "a shell assignment opening broken shell still fails", page: "```bash\nAPP_HOST=example.com\nrun_it (\n```\n", kind: snippet.Shell, status: Failed,
		want: []string{"3 error shell-syntax"}},
	{name: "a comment over a script is no root prompt", page: "```shell\n# for 0.3.x\ncd /srv/app\ngit pull\n```\n", kind: snippet.Shell, status: Passed},
	{name: "a script under such a comment still fails", page: "```shell\n# for 0.3.x\ncd /srv/app\necho 'unclosed\n```\n", kind: snippet.Shell, status: Failed,
		want: []string{"4 error shell-syntax"}},
	{name: "a github actions expression in a command", page: "```bash\ncurl -H \"Authorization: Bearer ${{ secrets.TOKEN }}\" https://example.com/deploy\n```\n", kind: snippet.Shell, status: Passed},
	{name: "liquid raw tags around an expression", page: "```bash\ncurl \"${% raw %}{{ secrets.HOOK }}{% endraw %}\"\n```\n", kind: snippet.Shell, status: Passed},
	{name: "a platform's dotted variable", page: "```bash\nNODE_ENV=${team.NODE_ENV}\n```\n", kind: snippet.Shell, status: Passed},
	{name: "broken shell beside a template line still fails", page: "```bash\nAPP=${team.APP}\necho 'unclosed\n```\n", kind: snippet.Shell, status: Failed,
		want: []string{"3 error shell-syntax"}},
	{name: "a bad expansion with no template still fails", page: "```bash\necho ${a-b.c\n```\n", kind: snippet.Shell, status: Failed,
		want: []string{"2 error shell-syntax"}},
	{name: "cmd.exe caret continuations", page: "```\ndocker run ^\n--init ^\n--name app ^\n--volume //var/run/docker.sock:/var/run/docker.sock:ro ^\nvendor/app:latest\n```\n", kind: snippet.Shell, status: Warned,
		want: []string{"2 warning label-looks-wrong"}, msg: "caret"},
	{name: "caret continuations keep a real unknown flag", page: "```bash\ndocker run ^\n--bogus ^\nvendor/app:latest\n```\n", kind: snippet.Shell, status: Failed,
		want: []string{"2 warning label-looks-wrong", "3 error docker-unknown-flag"}},
	{name: "json members with a comment for the ones left out", page: "```json\n\"dns\": {\n  \"name\": \"<provider>\",\n  // provider configuration\n}\n```\n", kind: snippet.JSON, status: Warned,
		want: []string{"4 warning json-comments"}},
	{name: "a comment for the members left out of an object", page: "```json\n{\n  \"debug\": true,\n  /* more settings */\n}\n```\n", kind: snippet.JSON, status: Warned,
		want: []string{"4 warning json-comments"}},
	{name: "a trailing comma noted on its own line still fails", page: "```json\n{\n  \"port\": 80, // the port\n}\n```\n", kind: snippet.JSON, status: Failed,
		want: []string{"3 error json-syntax"}},
	{name: "json members with a trailing comma and no comment still fail", page: "```json\n\"dns\": {\n  \"name\": \"x\",\n}\n```\n", kind: snippet.JSON, status: Failed,
		want: []string{"4 error json-syntax"}, msg: "in members shown without their object"},
	// Found on an eighth corpus: slides, a cheat sheet, a scanner's docs,
	// BuildKit's, Buildx's, Compose's and Podman's references.
	{name: "a here-document with no end runs to the end of the block", page: "```bash\n  kubectl apply -f- <<EOF\n  kind: Namespace\n  EOF\n```\n", kind: snippet.Shell, status: Warned,
		want: []string{"2 warning shell-syntax"}, msg: "bash reads the rest of the block"},
	{name: "a command before a here-document with no end is still checked", page: "```bash\ndocker run -i --bogus alpine:3.20 sh <<EOF\n  echo hi\n  EOF\n```\n", kind: snippet.Shell, status: Failed,
		want: []string{"2 warning shell-syntax", "2 error docker-unknown-flag"}},
	{name: "a docs macro's expression in a command", page: "```bash\ndocker run -v /var/run/docker.sock:/var/run/docker.sock aquasec/trivy:{{ git.tag[1:] }} image python:3.4-alpine\n```\n", kind: snippet.Shell, status: Passed},
	{name: "a github actions expression as an image's tag", page: "```bash\ndocker push ghcr.io/vendor/app:${{ github.sha }}\n```\n", kind: snippet.Shell, status: Passed},
	{name: "a bracketed name where a dockerfile names its base or stage", page: "```dockerfile\nFROM [name]\nCOPY --from=[name] /src /dst\n```\n", kind: snippet.Dockerfile, status: Warned,
		want: []string{"2 warning InvalidDefaultArgInFrom", "2 warning dockerfile-syntax", "2 warning dockerfile-unpinned-base", "3 warning dockerfile-syntax"}},
	{name: "brackets around a FROM's tag still fail", page: "```dockerfile\nFROM vendor/app:[1.0]\n```\n", kind: snippet.Dockerfile, status: Failed,
		want: []string{"2 warning InvalidDefaultArgInFrom", "2 error dockerfile-syntax"}},
	{name: "alternatives in capitals with blanks in a usage line", page: "```bash\n$ trivy repo --scanners misconfig (REPO_PATH | REPO_URL)\n```\n", kind: snippet.Console, status: Warned,
		want: []string{"2 warning shell-syntax"}},
	{name: "a subshell piping commands in lower case still fails", page: "```bash\n$ (cat a | grep b) (\n```\n", kind: snippet.Console, status: Failed,
		want: []string{"2 error shell-syntax"}},
	{name: "a session printing a file under a yaml label", page: "```yaml\n$ cat secret.yaml\nrules:\n  - id: rule1\n    title: Generic Rule\n\n$ trivy image app:1\n```\n", kind: snippet.YAML, status: Warned,
		want: []string{"3 warning label-looks-wrong"}},
	{name: "a yaml key starting with a dollar is no prompt", page: "```yaml\n$schema: x\nformat |\n  text\n```\n", kind: snippet.YAML, status: Failed,
		want: []string{"3 error yaml-syntax"}},
	{name: "a policy's data file with a services key", page: "```yaml\nservices:\n  ports:\n    - \"20\"\n    - \"23/tcp\"\n```\n", kind: snippet.Compose, status: Warned,
		want: []string{"3 warning compose-schema"}, msg: "another tool's file"},
	{name: "a list as a service under a compose label still fails", page: "```compose\nservices:\n  ports:\n    - \"20\"\n```\n", kind: snippet.Compose, status: Failed,
		want: []string{"3 error compose-schema"}},
	{name: "a service's keys written straight under services still fail", page: "```yaml\nservices:\n  image: vendor/app\n  ports:\n    - \"80:80\"\n  environment:\n    A: b\n```\n", kind: snippet.Compose, status: Failed,
		want: []string{"3 error compose-schema", "6 info compose-fragment"}},
	{name: "a report under a blank line and a title after a command", page: "```sh\ntrivy k8s --report all\n\nNodeComponents/kind-control-plane (kubernetes)\n\nTotal: 3 (LOW: 1, HIGH: 2)\n\n┌─────────┬──────────┐\n│ Library │ Severity │\n└─────────┴──────────┘\n```\n", kind: snippet.Shell, status: Warned,
		want: []string{"4 warning shell-syntax"}},
	{name: "json printed under curl and jq", page: "```bash\ncurl -s localhost:8080/version | jq\n{\n  \"Version\": \"dev\",\n  \"DB\": {\n    \"Version\": 2\n  }\n}\n```\n", kind: snippet.Shell, status: Warned,
		want: []string{"8 warning shell-syntax"}},
	{name: "a question asking to confirm under a command", page: "```bash\ngpg --output /tmp/key.gpg --armor --export me@example.com\nFile '/tmp/key.gpg' exists. Overwrite? (y/N) y\n```\n", kind: snippet.Shell, status: Warned,
		want: []string{"3 warning shell-syntax"}},
	{name: "a broken block after a command is no json output", page: "```bash\ncurl -s localhost:8080/version\n{\n  echo a\n```\n", kind: snippet.Shell, status: Failed,
		want: []string{"3 error shell-syntax"}},
	{name: "a broken script after a command with one output-like line still fails", page: "```bash\ncurl -s localhost:8080/version\necho a\nname: x\nif [ -f a ]; then\n  echo a (\n```\n", kind: snippet.Shell, status: Failed,
		want: []string{"6 error shell-syntax"}},
	{name: "a folder tree under a bash label", page: "```bash\nyour-plugin/\n  |\n  |- plugin.yaml\n  |- your-plugin.sh\n```\n", kind: snippet.Shell, status: Warned,
		want: []string{"3 warning label-looks-wrong"}},
	{name: "a yaml block indented as a whole, with a document marker", page: "- A schema:\n  ```yaml\n    #@data/values-schema\n    --- #! a marker\n    repository: app\n    tag: v0.1\n  ```\n", kind: snippet.YAML, status: Warned,
		want: []string{"4 warning yaml-syntax"}},
	{name: "an indented yaml block invalid without its indent still fails", page: "- A schema:\n  ```yaml\n    --- #! a marker\n    repository: app\n    format |\n      text\n  ```\n", kind: snippet.YAML, status: Failed,
		want: []string{"3 error yaml-syntax"}},
	{name: "an excerpt from inside a function, cut in a loop", page: "```bash\n  info \"Waiting for events...\"\n  kubectl get configmaps --watch -o json \\\n    | while read TYPE NAME; do\n\n      debug \"Got event: $TYPE $NAME\"\n```\n", kind: snippet.Shell, status: Warned,
		want: []string{"4 warning shell-syntax"}},
	{name: "a loop with no end at the margin still fails", page: "```bash\nkubectl get configmaps --watch -o json \\\n  | while read TYPE NAME; do\n    echo \"$TYPE\"\n```\n", kind: snippet.Shell, status: Failed,
		want: []string{"3 error shell-syntax"}},
	{name: "an indented block with an unclosed quote still fails", page: "```bash\n  echo 'unclosed\n  ls\n```\n", kind: snippet.Shell, status: Failed,
		want: []string{"2 error shell-syntax"}},
	{name: "a docs macro's expression keeps a real unknown flag", page: "```bash\ndocker run --bogus aquasec/trivy:{{ git.tag[1:] }} image python:3.4-alpine\n```\n", kind: snippet.Shell, status: Failed,
		want: []string{"2 error docker-unknown-flag"}},
	{name: "a script path opening broken shell still fails", page: "```bash\n./deploy.sh https://app.example.com\nrun_it (\n```\n", kind: snippet.Shell, status: Failed,
		want: []string{"3 error shell-syntax"}},
}

func TestPatterns(t *testing.T) {
	runBlockTable(t, patternTable)
}

func TestCRLF(t *testing.T) {
	s := snippet.Snippet{File: "page.md", Line: 1, Fenced: true, Lang: "bash", Kind: snippet.Shell,
		Code: "docker run --rm \\\r\n  alpine:3.20 true\r\n"}
	if r := Block(s); r.Status != Passed {
		t.Errorf("Block(%q) = %s %v, want passed", s.Code, r.Status, r.Findings)
	}
}

func TestIgnoreComment(t *testing.T) {
	tests := []struct {
		name, page string
		status     Status
	}{
		{"named rule", "<!-- shipshape-ignore docker-removed -->\n```bash\ndocker scan app\n```\n", Passed},
		{"every rule, blank line between", "<!-- shipshape-ignore -->\n\n```bash\ndocker scan app\n```\n", Passed},
		{"another rule", "<!-- shipshape-ignore shell-syntax -->\n```bash\ndocker scan app\n```\n", Failed},
		{"not right before", "<!-- shipshape-ignore -->\n\nText.\n\n```bash\ndocker scan app\n```\n", Failed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sn := blocks(t, tt.page)
			if r := Block(sn[len(sn)-1]); r.Status != tt.status {
				t.Errorf("page %q: status %s, want %s (%v)", tt.page, r.Status, tt.status, r.Findings)
			}
		})
	}
}

// TestDockerfileFindingsInLineOrder: BuildKit's lint reports as its
// parallel work ends, so two stages' findings came in either order; they
// are given in the order of their lines, the same on every run.
func TestDockerfileFindingsInLineOrder(t *testing.T) {
	s := snippet.Snippet{File: "page.md", Line: 1, Fenced: true, Lang: "dockerfile", Kind: snippet.Dockerfile,
		Code: "FROM %%IMAGE%%:<version> as builder\nCOPY a .\nRUN make\nFROM %%IMAGE%%:<version>\nCOPY --from=builder /a .\n"}
	var first string
	for i := 0; i < 30; i++ {
		var got []string
		last := 0
		for _, d := range Block(s).Findings {
			got = append(got, fmt.Sprintf("%d %s", d.Line, d.Rule))
			if d.Line < last {
				t.Fatalf("run %d: findings out of line order: %q", i, got)
			}
			last = d.Line
		}
		if i == 0 {
			first = strings.Join(got, ", ")
		} else if g := strings.Join(got, ", "); g != first {
			t.Fatalf("run %d: findings %s, run 0 gave %s", i, g, first)
		}
	}
}

// TestComposeFindingsStable: where a Compose file has several faults of
// one kind, the schema and compose-go name whichever their map order
// gives, so a finding changed from run to run and a baseline saw it as
// new. check names the first in the file, the same on every run.
func TestComposeFindingsStable(t *testing.T) {
	for _, tc := range []struct{ name, code, want string }{
		// The service's name left out: image:, restart:, ports: straight
		// under services are entries that are no mapping.
		{"no mapping", "services:\n  image: nginx:1.27\n  restart: always\n  ports:\n    - \"80:80\"\n  volumes:\n    - data:/d\n  environment:\n    A: b\n",
			"3 services.image must be a mapping"},
		// A build's keys written under the service; x- extensions are
		// never unknown.
		{"unknown keys", "services:\n  web:\n    build: .\n    x-note: ok\n    context: ./app\n    dockerfile: Dockerfile\n    retries: 3\n    ports:\n      - \"5000:5000\"\n",
			`6 unknown key "context" in services.web`},
		// A nested mapping lists them all, in the file's order.
		{"unknown keys of a build", "services:\n  web:\n    build:\n      context: .\n      file: Dockerfile\n      image: x\n      dockerfil: D\n",
			`4 services.web.build additional properties 'file', 'image', 'dockerfil' not allowed`},
		// References to networks, volumes and services not defined: the
		// earliest line.
		{"undefined references", "services:\n  a:\n    image: x\n    volumes:\n      - data:/d\n  b:\n    image: x\n    networks: [proxy]\n    depends_on: [db]\n  c:\n    image: x\n    networks:\n      proxy: {}\n  d:\n    image: x\n    networks: [proxy]\n",
			`6 service "a" refers to undefined volume data`},
		// A service that extends another inherits its references:
		// named as the service whose own section holds it.
		{"inherited through extends", "services:\n  common:\n    image: busybox\n    volumes:\n      - common-volume:/data:rw\n  cli:\n    extends:\n      service: common\n    volumes:\n      - cli-volume:/data:ro\n",
			`6 service "common" refers to undefined volume common-volume`},
		// Services that merge one anchor share its references: named as
		// the first in the file.
		{"merged from an anchor", "x-function: &function\n  networks:\n    - functions\nservices:\n  nodeinfo:\n    <<: *function\n    image: a:1\n  echoit:\n    <<: *function\n    image: b:1\n",
			`6 service "nodeinfo" refers to undefined network functions`},
		// Placeholders left as volume sources, blanks in them: the name
		// was cut at its first blank, so never found to compare lines.
		{"placeholders as sources", "services:\n  db:\n    image: x\n    volumes:\n      - <path to db data>:/config\n  app:\n    image: y\n    volumes:\n      - <path to config>:/config\n  web:\n    image: z\n    volumes:\n      - <path to web root>:/srv\n",
			`5 service "db" refers to undefined volume <path to db data>`},
	} {
		s := snippet.Snippet{File: "page.md", Line: 1, Fenced: true, Lang: "yaml", Kind: snippet.Compose, Code: tc.code}
		for i := 0; i < 40; i++ {
			var got []string
			for _, d := range Block(s).Findings {
				if d.Rule == "compose-schema" {
					got = append(got, fmt.Sprintf("%d %s", d.Line, d.Message))
				}
			}
			if len(got) != 1 || !strings.HasPrefix(got[0], tc.want) {
				t.Fatalf("%s, run %d: findings %q, want one: %s (the first in the file)", tc.name, i, got, tc.want)
			}
		}
	}
}

// TestDockerfileBadBasesStable: BuildKit resolves the stages' base images
// in parallel and reports whichever bad name fails first; every bad name is
// reported, the same on every run.
func TestDockerfileBadBasesStable(t *testing.T) {
	tests := []struct {
		name, code string
		want       []string
	}{
		{"names written out", "FROM Vendor/Builder:1 AS build\nRUN make\n\nFROM build AS test\nRUN make test\n\nFROM Vendor/Runtime:1\nCOPY --from=build /out /app\n", []string{
			`2 error failed to parse stage name "Vendor/Builder:1": invalid reference format: repository name (Builder) must be lowercase`,
			`8 error failed to parse stage name "Vendor/Runtime:1": invalid reference format: repository name (Runtime) must be lowercase`,
		}},
		{"names from an ARG's default", "ARG BASE=Vendor/App:1\nARG TAG\nFROM $BASE AS build\nRUN make\nFROM ${BASE}-slim\nFROM alpine:$TAG\n", []string{
			`4 error failed to parse stage name "Vendor/App:1": invalid reference format: repository name (App) must be lowercase`,
			`6 error failed to parse stage name "Vendor/App:1-slim": invalid reference format: repository name (App) must be lowercase`,
			`7 warning failed to parse stage name "alpine:": invalid reference format (the line holds a placeholder)`,
		}},
	}
	for _, tt := range tests {
		s := snippet.Snippet{File: "page.md", Line: 1, Fenced: true, Lang: "dockerfile", Kind: snippet.Dockerfile, Code: tt.code}
		for i := 0; i < 30; i++ {
			var got []string
			for _, d := range Block(s).Findings {
				if d.Rule == "dockerfile-syntax" {
					got = append(got, fmt.Sprintf("%d %s %s", d.Line, d.Severity, d.Message))
				}
			}
			sort.Strings(got)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Fatalf("%s, run %d: findings of %q\n%s\nwant\n%s", tt.name, i, tt.code, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		}
	}
}
