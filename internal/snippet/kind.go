package snippet

import (
	"encoding/json"
	"path"
	"regexp"
	"strings"

	"github.com/shipshape/shipshape/internal/console"
	"github.com/shipshape/shipshape/internal/dockerfile"
	"github.com/shipshape/shipshape/internal/lang"
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
	Code               Kind = "code" // source in a language shipshape does not check (go, html, js...)
)

// Kinds lists every kind, for reports.
var Kinds = []Kind{Dockerfile, DockerfileFragment, Shell, Console, Compose, YAML, JSON,
	Python, Nginx, Dockerignore, INI, TOML, Output, Diagram, Code, Text}

// Label is the fence label (internal/lang) that names a kind, so that the
// site highlights a block as what it was classified as, not as its label.
// Every kind is a label of its own but three: a fragment is drawn as a
// Dockerfile, a Compose file is named as the YAML it is, and code in a
// language shipshape does not check is drawn as text.
func (k Kind) Label() string {
	switch k {
	case DockerfileFragment:
		return string(Dockerfile)
	case Compose:
		return string(YAML)
	case Code:
		return string(Text)
	}
	return string(k)
}

// KnownLang reports whether a fence label names a language shipshape has
// a kind for; any other label names a language it does not check.
func KnownLang(label string) bool {
	e, ok := lang.Lookup(label)
	return ok && e.Kind != string(Code)
}

// Classify decides a block's kind from its language and its content. guessed
// is true when the content, not the language, decided; the site then
// highlights by kind (Kind.Label) instead of by the label.
func Classify(label, code string) (k Kind, guessed bool) {
	e, ok := lang.Lookup(label)
	if !ok {
		// A language we have no kind for: trust the label unless the
		// content is plainly one of ours.
		if g := guess(code); g != Text || strings.TrimSpace(label) == "" {
			return g, true
		}
		return Code, false
	}
	switch k = Kind(e.Kind); k {
	case Code:
		// A programming language's label is trusted: Go or C code is not
		// a shell script, whatever commands it mentions.
		return Code, false
	case YAML, Compose:
		if looksCompose(code) {
			return Compose, k != Compose
		}
		return YAML, k != YAML
	case Dockerfile:
		switch {
		case dockerfile.StartsWithFrom(code):
			return Dockerfile, false
		case !looksDockerfile(code) && (looksConsole(code) || looksShell(code)):
			// ```dockerfile over the commands that build it
			if looksConsole(code) {
				return Console, true
			}
			return Shell, true
		}
		return DockerfileFragment, false
	case Shell:
		switch {
		case looksConsole(code):
			return Console, true
		case looksDockerfile(code): // ```bash over a Dockerfile
			if dockerfile.StartsWithFrom(code) {
				return Dockerfile, true
			}
			return DockerfileFragment, true
		}
	case Console:
		if !looksConsole(code) && looksShell(code) {
			return Shell, true
		}
	case Text:
		if g := guess(code); g != Text {
			return g, true
		}
	}
	return k, false
}

// KindForFile is the kind a file name implies ({file=…} on a block), or "".
func KindForFile(name string) Kind {
	if name == "" {
		return ""
	}
	base := strings.ToLower(path.Base(name))
	switch {
	case base == "dockerfile" || base == "containerfile" || strings.HasPrefix(base, "dockerfile.") || strings.HasSuffix(base, ".dockerfile"):
		return Dockerfile
	case base == ".dockerignore" || strings.HasSuffix(base, ".dockerignore"):
		return Dockerignore
	case strings.Contains(base, "compose") && (strings.HasSuffix(base, ".yml") || strings.HasSuffix(base, ".yaml")):
		return Compose
	case base == "nginx.conf" || strings.HasSuffix(base, ".nginx"):
		return Nginx
	case base == ".env" || strings.HasSuffix(base, ".env"):
		return INI
	}
	switch path.Ext(base) {
	case ".yml", ".yaml":
		return YAML
	case ".json":
		return JSON
	case ".py":
		return Python
	case ".sh", ".bash":
		return Shell
	case ".toml":
		return TOML
	case ".ini", ".cfg":
		return INI
	case ".conf":
		if strings.Contains(name, "nginx") {
			return Nginx
		}
		return INI
	}
	return ""
}

// Guess is the kind a block's content alone suggests, whatever its label.
func Guess(code string) Kind { return guess(code) }

// guess classifies a block from its content alone. The order matters:
// a drawing may contain words that look like commands, and a Dockerfile's
// RUN lines look like shell.
func guess(code string) Kind {
	switch {
	case strings.TrimSpace(code) == "":
		return Text
	case commandFirst(code):
		// A command and its output, which may be a table.
		if looksConsole(code) {
			return Console
		}
		return Shell
	case looksDiagram(code):
		return Diagram
	case looksDockerfile(code):
		if dockerfile.StartsWithFrom(code) {
			return Dockerfile
		}
		return DockerfileFragment
	case looksConsole(code):
		return Console
	case looksOptions(code):
		return Shell
	case looksShell(code):
		return Shell
	case looksCompose(code):
		return Compose
	case looksJSON(code):
		return JSON
	case looksNginx(code):
		return Nginx
	case looksPython(code):
		return Python
	case looksOutput(code):
		return Output
	case looksYAML(code):
		return YAML
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

func firstWord(l string) string {
	if f := strings.Fields(l); len(f) > 0 {
		return f[0]
	}
	return ""
}

// looksDockerfile: every non-comment, non-continuation line starts with an
// upper-case instruction that has arguments.
func looksDockerfile(code string) bool {
	n, cont := 0, false
	for _, l := range lines(code) {
		if cont {
			cont = strings.HasSuffix(l, "\\")
			continue
		}
		cont = strings.HasSuffix(l, "\\")
		if strings.HasPrefix(l, "#") {
			continue
		}
		f := strings.Fields(l)
		if !instructions[f[0]] || len(f) < 2 {
			return false
		}
		n++
	}
	return n > 0
}

// looksConsole: the first non-comment line is a prompt, or a later line
// is a "$ " or PowerShell prompt (a transcript in a shell fence).
func looksConsole(code string) bool {
	first := true
	ls := strings.Split(code, "\n")
	for i, l := range ls {
		t := strings.TrimSpace(l)
		if t == "" {
			continue
		}
		if first && strings.HasPrefix(t, "#") && (console.Prompt(t) == 0 || scriptFollows(ls[i+1:])) {
			continue
		}
		if n := console.Prompt(l); n > 0 && (first || strings.Contains(l[:n], "$") || console.IsPowerShell(l) || folderPrompt(l[:n])) {
			return true
		}
		first = false
	}
	return false
}

// folderPrompt says whether a prompt names a folder before its "#" ("/ # ",
// "/app # " as busybox and alpine print them, "423450e3fd52:/# " with
// the container's host name), which no comment starts with.
func folderPrompt(p string) bool {
	return folderPromptRe.MatchString(strings.TrimSpace(p))
}

var folderPromptRe = regexp.MustCompile(`^(?:[\w.-]+:)?[/~]\S*[ \t]*#$`)

// scriptFollows says whether the first line after a run of "#" lines is
// a command with no prompt: the "#" lines are then a script's comments
// ("# for 0.3.x", "# mount the volume into your container's /data"), which
// read as a root prompt before a word that names a command. Under a root
// prompt the next line is output or another "# " command.
func scriptFollows(ls []string) bool {
	for _, l := range ls {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		if console.Prompt(l) > 0 {
			return false
		}
		// An unknown tool's command must show an argument's punctuation:
		// "bin  data  logs" (output) has a command's shape too.
		return console.IsCommand(firstWord(t)) || commandShape(t) && strings.ContainsAny(t, "-/:=<")
	}
	return false
}

// looksShell: most lines start with a known command, an assignment or a
// "./script"; comments do not count.
func looksShell(code string) bool {
	ls := lines(code)
	if len(ls) == 0 {
		return false
	}
	if strings.HasPrefix(ls[0], "#!") {
		return true
	}
	cmd, total, cont, heredoc := 0, 0, false, ""
	for _, l := range ls {
		if heredoc != "" {
			if l == heredoc {
				heredoc = ""
			}
			continue
		}
		if cont {
			cont = strings.HasSuffix(l, "\\")
			continue
		}
		cont = strings.HasSuffix(l, "\\")
		if strings.HasPrefix(l, "#") {
			continue
		}
		if m := hereDoc.FindStringSubmatch(l); m != nil {
			heredoc = m[1]
		}
		total++
		l = strings.TrimLeft(strings.TrimPrefix(strings.TrimPrefix(l, "! "), "> "), "( ")
		w := firstWord(l)
		if console.IsCommand(w) || strings.HasPrefix(w, "./") || strings.HasPrefix(w, "/usr/") || strings.HasPrefix(w, "/bin/") ||
			assignment.MatchString(w) && !printedPair(w) || commandShape(l) {
			cmd++
		}
	}
	if total > 0 && cmd*2 > total {
		return true
	}
	// A command and the output it prints: the first line is a command
	// most blocks of other kinds could not start with.
	w := firstWord(ls[0])
	return console.IsCommand(w) && (w == "docker" || w == "sudo" || w == "kubectl" || strings.Contains(ls[0], " -"))
}

// commandFirst: the first line is a command behind a prompt, or a known
// or command-shaped program with options.
func commandFirst(code string) bool {
	ls := lines(code)
	if len(ls) == 0 {
		return false
	}
	if console.Prompt(ls[0]) > 0 && !strings.HasPrefix(ls[0], "#") {
		return true
	}
	w := firstWord(ls[0])
	return (console.IsCommand(w) || program.MatchString(w)) && commandShape(ls[0]) && (hasOption(ls[0]) || console.IsCommand(w))
}

func hasOption(l string) bool {
	for _, a := range strings.Fields(l)[1:] {
		if optionWord.MatchString(a) {
			return true
		}
	}
	return false
}

var hereDoc = regexp.MustCompile(`<<-?[ \t]*['"]?([A-Za-z_]\w*)['"]?`)

// commandShape: a line that reads as a command of a program we do not
// know by name: a lower-case program, then words in lower case of which
// one is an option (-i, --name) or has the punctuation of an argument
// (my_list, a/b, x.y, k=v, <id>), and no sentence punctuation.
func commandShape(l string) bool {
	f := strings.Fields(l)
	if len(f) < 2 || len(f) > 40 || !program.MatchString(f[0]) || !lowerWord.MatchString(f[1]) {
		return false
	}
	if strings.HasSuffix(l, ".") || strings.HasSuffix(l, ":") || strings.Contains(l, ", ") || modulePath.MatchString(f[1]) {
		return false // a sentence; a directive naming a module (go.mod's "module example.com/app")
	}
	for i, a := range f[1:] {
		if optionWord.MatchString(a) || strings.ContainsAny(a, "_/=<") || strings.Contains(strings.Trim(a, "."), ".") {
			return true
		}
		if i < 3 && verbs[a] && len(f) <= 6 {
			return true // tool noun verb: "acmectl users list"
		}
	}
	return false
}

// verbs are the subcommands command-line tools share.
var verbs = map[string]bool{
	"list": true, "ls": true, "add": true, "install": true, "uninstall": true, "inspect": true, "test": true,
	"run": true, "delete": true, "rm": true, "remove": true, "create": true, "show": true, "get": true,
	"start": true, "stop": true, "restart": true, "status": true, "update": true, "upgrade": true,
	"enable": true, "disable": true, "init": true, "login": true, "logout": true, "build": true, "push": true,
	"pull": true, "exec": true, "logs": true, "version": true, "describe": true, "apply": true, "reload": true,
}

var (
	program    = regexp.MustCompile(`^[a-z][a-z0-9_.-]*$`)
	lowerWord  = regexp.MustCompile(`^(?:[a-z0-9][a-z0-9_./:=-]*|-{1,2}[a-zA-Z][\w-]*(?:=\S*)?|['"<$].*)$`)
	modulePath = regexp.MustCompile(`^[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}/`)
	optionWord = regexp.MustCompile(`^-{1,2}[a-zA-Z][\w-]*(?:=\S*)?$`)
)

var assignment = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=[^=]`)

// printedPair is a key=value a program prints, not a shell assignment: a
// value with a parenthesis not opening a $( ) or an array, as id prints
// "uid=1000(app)". Written in a shell it would not parse.
func printedPair(w string) bool {
	_, v, _ := strings.Cut(w, "=")
	return strings.Contains(v, "(") && !strings.HasPrefix(v, "(") && !strings.Contains(v, "$(")
}

// looksOptions: a block of command-line options only ("--read-only"),
// shown as pieces of a docker run command.
func looksOptions(code string) bool {
	ls := lines(code)
	if len(ls) == 0 || len(ls) > 10 {
		return false
	}
	for _, l := range ls {
		if !strings.HasPrefix(l, "-") || strings.HasPrefix(l, "- ") || strings.HasPrefix(l, "---") {
			return false
		}
	}
	return true
}

func looksCompose(code string) bool {
	ls := strings.Split(code, "\n")
	for i, l := range ls {
		if strings.HasPrefix(l, "services:") {
			// Compose's services are a mapping; a list under the key is
			// another tool's file.
			for _, next := range ls[i+1:] {
				if t := strings.TrimSpace(next); t != "" && !strings.HasPrefix(t, "#") {
					return !strings.HasPrefix(t, "- ")
				}
			}
			return true
		}
	}
	return false
}

func looksJSON(code string) bool {
	t := strings.TrimSpace(code)
	if first, _, _ := strings.Cut(t, "\n"); strings.HasPrefix(t, `"`) && jsonMember.MatchString(first) {
		return true // a member shown out of its object
	}
	if !strings.HasPrefix(t, "{") && !strings.HasPrefix(t, "[") {
		return false
	}
	if json.Valid([]byte(t)) {
		return true
	}
	// JSON as docs show it: with an elision, a trailing comma or a
	// comment, still braces around "key": value members.
	end := strings.TrimRight(t, ",; \t")
	return (strings.HasSuffix(end, "}") || strings.HasSuffix(end, "]")) && jsonMember.MatchString(t)
}

// jsonMember is a line of a JSON object: "key": value.
var jsonMember = regexp.MustCompile(`(?m)^[ \t]*"[^"\n]+"[ \t]*:[ \t]*\S`)

var nginxLine = regexp.MustCompile(`^(server|location|upstream|http|events)\b[^{]*\{$|^(listen|server_name|proxy_pass|root|try_files|worker_processes|include)\s+[^;]+;$`)

func looksNginx(code string) bool {
	n := 0
	for _, l := range lines(code) {
		if nginxLine.MatchString(l) {
			n++
		}
	}
	return n >= 2
}

var pythonLine = regexp.MustCompile(`^(def \w+\(.*\):|class \w+.*:|import \w+|from [\w.]+ import |print\(|if __name__ ==|@\w+)`)

func looksPython(code string) bool {
	for _, l := range lines(code) {
		if pythonLine.MatchString(l) {
			return true
		}
	}
	return false
}

// outputLine: log and error lines as programs print them.
var outputLine = regexp.MustCompile(`(?i)^[\w./-]+: \[(emerg|alert|crit|error|warn|notice|info)\]|^(error|warning|fatal|panic)\b|error response from daemon|^failed to |^\w+Error: |^Traceback |^(CONTAINER ID|REPOSITORY|IMAGE ID|NETWORK ID|NAME|DRIVER|VOLUME NAME)\s{2,}|^Successfully (built|tagged)|^Step \d+/\d+ :|^#\d+ \[|^\[\+\] |^[0-9a-f]{12}\s{2,}`)

func looksOutput(code string) bool {
	ls := lines(code)
	if len(ls) == 0 {
		return false
	}
	n := 0
	for _, l := range ls {
		if outputLine.MatchString(l) {
			n++
		}
	}
	return n*2 >= len(ls)
}

var yamlKey = regexp.MustCompile(`^(- )?[\w.-]+:(\s|$)`)

// yamlLone is a block of one "key: value" line as reference docs show a
// single setting: a lower-case key and a value that is not a sentence.
var yamlLone = regexp.MustCompile(`^[a-z][a-z0-9_.-]*:(?:[ \t]+[^ \t].*[^.!?:]|[ \t]+[^ \t])?$`)

// looksYAML: lines of "key: value" or "- item" (the text of a block
// scalar under "key: |" aside) and hardly any others; one such line alone
// when it reads as a setting.
func looksYAML(code string) bool {
	keys, items, other, n := 0, 0, 0, 0
	scalar := -1 // indent of the key whose block scalar is being read
	first := ""
	for _, l := range strings.Split(code, "\n") {
		t := strings.TrimSpace(l)
		if t == "" {
			continue
		}
		indent := len(l) - len(strings.TrimLeft(l, " \t"))
		if scalar >= 0 && indent > scalar {
			continue
		}
		scalar = -1
		n++
		if first == "" {
			first = t
		}
		switch {
		case strings.HasPrefix(t, "#"), t == "---", t == "...":
		case yamlKey.MatchString(t):
			keys++
		case strings.HasPrefix(t, "- ") || t == "-":
			items++
		default:
			other++
		}
		if blockScalar.MatchString(t) {
			scalar = indent
		}
	}
	switch {
	case n == 1:
		return yamlLone.MatchString(first)
	case keys == 0 && items < 2, keys+items == 0:
		return false
	case !yamlKey.MatchString(first) && !strings.HasPrefix(first, "-") && !strings.HasPrefix(first, "#"):
		return false
	}
	return other*5 <= n
}

// blockScalar ends a line whose value goes on, more indented, below.
var blockScalar = regexp.MustCompile(`:[ \t]*[|>][-+]?[0-9]?[ \t]*(?:#.*)?$`)

// looksDiagram: box drawing, arrows, tree branches or a pipe table.
func looksDiagram(code string) bool {
	for _, r := range code {
		switch {
		case r >= 0x2500 && r <= 0x259F: // box drawing and blocks
			return true
		case r == '→' || r == '←' || r == '↓' || r == '↑' || r == '⇒' || r == '⟶' || r == '↔':
			return true
		}
	}
	ls := lines(code)
	pipes := 0
	for _, l := range ls {
		if i := strings.Index(l, " # "); i > 0 {
			l = l[:i] // a comment's arrow points at the line: "x: 1 # <-- this"
		}
		if strings.HasPrefix(l, "|--") || strings.HasPrefix(l, "+--") || strings.HasPrefix(l, "`--") ||
			strings.HasPrefix(l, "|- ") || strings.HasPrefix(l, "`- ") || // a tree with one dash a branch
			l == "|" && len(ls) > 1 || // a tree's bare trunk between branches
			strings.Contains(l, "-->") || strings.Contains(l, "<--") || strings.Contains(l, "==>") {
			return true
		}
		if strings.HasPrefix(l, "+-") && strings.HasSuffix(l, "-+") {
			return true
		}
		if !strings.HasPrefix(l, "-") && strings.Contains(l, " -> ") {
			return true
		}
		if strings.Contains(l, "___") && (strings.Contains(l, "\\_") || strings.Contains(l, "_/")) {
			return true
		}
		if strings.HasPrefix(l, "|") && strings.HasSuffix(l, "|") && strings.Count(l, "|") >= 3 {
			pipes++
		}
	}
	return len(ls) >= 2 && pipes == len(ls)
}
