package check

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"
	"unicode"

	"mvdan.cc/sh/v3/syntax"

	"github.com/shipshape/shipshape/internal/check/dockercli"
	"github.com/shipshape/shipshape/internal/console"
	"github.com/shipshape/shipshape/internal/diag"
	"github.com/shipshape/shipshape/internal/lang"
	"github.com/shipshape/shipshape/internal/snippet"
)

// dockerfileWords are the instructions that, written at the start of a
// command in upper case, mean a Dockerfile line slipped into a shell block.
var dockerfileWords = map[string]bool{
	"FROM": true, "RUN": true, "CMD": true, "LABEL": true, "EXPOSE": true, "ENV": true,
	"ADD": true, "COPY": true, "ENTRYPOINT": true, "VOLUME": true, "USER": true,
	"WORKDIR": true, "ARG": true, "ONBUILD": true, "STOPSIGNAL": true,
	"HEALTHCHECK": true, "SHELL": true, "MAINTAINER": true,
}

// checkShell parses the block as bash with mvdan.cc/sh and validates every
// docker invocation found anywhere in it against the docker CLI grammar.
func checkShell(b *block) string {
	filled := fillIn(shellTemplate.ReplaceAllLiteralString(rawTag.ReplaceAllString(b.s.Code, ""), "${PLACEHOLDER}"), "${PLACEHOLDER}")
	if loc := caretEnd.FindStringIndex(filled); loc != nil {
		// Lines continued with cmd.exe's caret (a Windows command prompt's
		// docker run): read them joined, as cmd does, so the command is
		// checked and not its "^" words; say so where the label is not
		// cmd's.
		if lang.Dialect(b.s.Lang) != lang.Cmd {
			b.add(1+strings.Count(filled[:loc[0]], "\n"), diag.Warning, "label-looks-wrong", "put cmd.exe commands in a ```bat block",
				"the block continues its lines with cmd.exe's caret (^); sh reads a word \"^\" there")
		}
		filled = caretEnd.ReplaceAllString(filled, "$1\\\n")
	}
	code := filled
	if b.kind == snippet.Console {
		var n int
		code, n = console.Commands(code)
		if n == 0 {
			b.add(0, diag.Info, "console-no-prompt", "start command lines with `$ `", "console block has no `$ ` command lines")
			return "console prompts"
		}
	}
	if b.s.Guess && helpListing(code) {
		// A program's option list with a description beside each
		// option: the options are checked, the prose is not shell.
		code = helpDesc.ReplaceAllString(code, "$1")
	}
	f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(code), "")
	if err != nil && strings.Contains(err.Error(), "without closing quote \"`\"") && backtickEnd.MatchString(filled) {
		// Lines continued with PowerShell's backtick (under a bash label,
		// a $ prompt, or a powershell label guessed as shell): read them
		// joined, as PowerShell does, so the commands are still checked,
		// and say when the label is wrong.
		code = backtickEnd.ReplaceAllString(filled, "$1\\\n")
		if b.kind == snippet.Console {
			code, _ = console.Commands(code)
		}
		if f, err = syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(code), ""); err == nil && lang.Dialect(b.s.Lang) != lang.PowerShell {
			line := 1 + strings.Count(filled[:backtickEnd.FindStringIndex(filled)[0]], "\n")
			b.add(line, diag.Warning, "label-looks-wrong", "put PowerShell in a ```powershell block",
				"the block continues its lines with PowerShell's backtick; sh reads a command substitution there")
		}
	}
	if err != nil {
		f, code, err = readToEnd(b, f, code, err)
	}
	if err != nil {
		line, msg := 0, err.Error()
		var pe syntax.ParseError
		if errors.As(err, &pe) {
			line, msg = int(pe.Pos.Line()), pe.Text
		}
		if line >= 1 && line <= strings.Count(code, "\n")+1 && powerShell.MatchString(b.s.Code) {
			b.add(line, diag.Warning, "label-looks-wrong", "put PowerShell in a ```powershell block",
				"the block mixes PowerShell with sh: "+msg)
			return "sh (bash)"
		}
		sev := diag.Error
		if unfinished.MatchString(msg) && indentedWhole(filled) != "" {
			sev = diag.Warning
			msg += " (the block is indented as a whole and stops inside a compound command: an excerpt from a larger script?)"
		}
		b.add(line, sev, "shell-syntax", shellHint(b, code, msg), msg)
		softenPlaceholderLines(b, b.s.Code)
		return "sh (bash)"
	}
	if s := optionsOnly(b, f); s != "" {
		return s
	}
	sc := &shellScan{b: b}
	sc.walk(f, 1, 0)
	if len(sc.dfLines) > 0 {
		dockerfileInShell(b, sc.dfLines)
	}
	switch sc.docker {
	case 0:
		return "sh (bash)"
	case 1:
		return "sh (bash) + docker CLI grammar (1 docker command)"
	}
	return fmt.Sprintf("sh (bash) + docker CLI grammar (%d docker commands)", sc.docker)
}

// rawTag is a Liquid or Jinja tag that keeps the text between as it is
// ({% raw %}${{ x }}{% endraw %}): the page shows the text without it.
var rawTag = regexp.MustCompile(`\{%-?[ \t]*(?:end)?raw[ \t]*-?%\}`)

// shellTemplate is another tool's markup that fills in a command before
// a shell reads it: a GitHub Actions expression (${{ secrets.TOKEN }}),
// Liquid or Jinja tags ({% raw %}) and expressions ({{ git.tag[1:] }}, as
// mkdocs-macros fills in a release's tag), a platform's variable with a
// dotted name (${team.NODE_ENV}, ${project.version}): no shell variable's
// name has a dot or a brace, and no image name or word a command takes
// has "{{". Each is read as a value of the reader's, so the rest of the
// line and of the block is still parsed. A Go template in quotes (docker
// ps --format '{{.Names}}') stays a quoted value.
var shellTemplate = regexp.MustCompile(`\$\{\{.*?\}\}|\{%.*?%\}|\{\{[^{}\n]*\}\}|\$\{[A-Za-z_]\w*(?:\.\w+)+\}`)

// caretEnd is a line that ends in a blank and a caret, cmd.exe's
// continuation, followed by another line: a word "^" at a line's end
// means nothing to sh.
var caretEnd = regexp.MustCompile(`([ \t])\^[ \t]*\n`)

// backtickEnd is a line that ends in a blank and a backtick, PowerShell's
// continuation, followed by another line.
var backtickEnd = regexp.MustCompile("([ \t])`[ \t]*\n")

// unfinished is mvdan.cc/sh's message for a compound command (a loop, an
// if, a brace group) the script ends inside.
var unfinished = regexp.MustCompile("must end with `|^reached EOF without matching `")

// unclosedHeredoc is mvdan.cc/sh's message for a here-document with no end.
var unclosedHeredoc = regexp.MustCompile("^unclosed here-document `([^`]+)`")

// readToEnd reads a script whose here-document has no end as bash does:
// bash takes the rest of the input as its body and warns ("here-document
// delimited by end-of-file"), it does not refuse the script, so the block
// gets a warning and its commands are still checked. Most often the end
// word is there but indented, as in a block nested in a Markdown list.
// Any other parse error is returned as it is.
func readToEnd(b *block, f *syntax.File, code string, err error) (*syntax.File, string, error) {
	for i := 0; i < 4 && err != nil; i++ {
		var pe syntax.ParseError
		if !errors.As(err, &pe) {
			break
		}
		m := unclosedHeredoc.FindStringSubmatch(pe.Text)
		if m == nil {
			break
		}
		hint := shellHint(b, code, pe.Text)
		if hint == "" {
			hint = fmt.Sprintf("end the here-document with a line that is exactly %q", m[1])
		}
		b.add(int(pe.Pos.Line()), diag.Warning, "shell-syntax", hint,
			pe.Text+": bash reads the rest of the block as its body")
		code += "\n" + m[1] + "\n"
		f, err = syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(code), "")
	}
	return f, code, err
}

// shellHint explains a parse error where its cause is not where the parser
// stopped: a here-document whose end word is there but indented (as a
// block nested in a Markdown list often is).
func shellHint(b *block, code, msg string) string {
	m := unclosedHeredoc.FindStringSubmatch(msg)
	if m == nil {
		return ""
	}
	for i, l := range strings.Split(code, "\n") {
		if t := strings.TrimSpace(l); t == m[1] && t != strings.TrimRight(l, "\r") {
			return fmt.Sprintf("line %d, %q, is indented: a here-document ends only at a line that is exactly %q (<<- allows leading tabs, not spaces)", b.line(i+1), strings.TrimRight(l, "\r"), m[1])
		}
	}
	return ""
}

// blankAfterBackslash is a backslash followed by blanks at the end of a line.
var blankAfterBackslash = regexp.MustCompile(`\\[ \t]+\r?$`)

// backslashHint explains the findings on a command that one of its lines
// cuts short: a blank after the backslash escapes the blank, not the line
// end, so the command ends there and its next line is a command of its own.
func backslashHint(b *block) {
	ls := strings.Split(b.s.Code, "\n")
	for i, d := range b.found {
		if d.Hint != "" {
			continue
		}
		n := b.codeLine(d.Line)
		for k := n - 1; k >= 0 && k < len(ls); k++ {
			if blankAfterBackslash.MatchString(ls[k]) {
				b.found[i].Hint = fmt.Sprintf("line %d ends in a backslash and a blank: the backslash escapes the blank, so the command ends there; remove the blank", b.line(k+1))
				break
			}
			if !console.Continues(ls[k]) {
				break
			}
		}
	}
}

// helpDesc is a line of a program's option list: the option (its long
// form where it has two, with its value) kept in $1, then its description
// after a gap of two blanks or more ("-p, --parent string   The org.").
var helpDesc = regexp.MustCompile(`(?m)^[ \t]*(?:-[^\s,-],[ \t]*)?(-{1,2}[^\s,]+(?:[ =][^\s-][^\s]*)?)[ \t]{2,}\S.*$`)

// helpListing says whether every line of code is an option, and one at
// least has a description beside it: help, not a command line.
func helpListing(code string) bool {
	described := false
	for _, l := range strings.Split(code, "\n") {
		t := strings.TrimSpace(l)
		switch {
		case t == "":
		case !strings.HasPrefix(t, "-") || strings.HasPrefix(t, "- ") || strings.HasPrefix(t, "---"):
			return false
		case helpDesc.MatchString(l):
			described = true
		}
	}
	return described
}

// optionsOnly checks a block made only of options ("--read-only") as the
// options of a docker run command; it returns "" for any other block.
func optionsOnly(b *block, f *syntax.File) string {
	var optionWords []dockercli.Word
	var optionNodes []*syntax.Word
	onlyOptions := true
	statements := 0
	for _, st := range f.Stmts {
		statements++
		if call, ok := st.Cmd.(*syntax.CallExpr); ok && len(call.Args) > 0 {
			first := wordText(call.Args[0])
			if strings.HasPrefix(first.Text, "-") && !first.Dynamic {
				for _, w := range call.Args {
					optionWords = append(optionWords, wordText(w))
					optionNodes = append(optionNodes, w)
				}
				continue
			}
		}
		onlyOptions = false
	}
	if onlyOptions && statements > 0 {
		problems := dockercli.RunFlags(argWords(optionWords))
		// Each option alone (the grammar stops at the first unknown
		// one), each name once; --help is every program's.
		seen := map[string]bool{}
		known := 0
		for _, w := range optionWords {
			name, _, _ := strings.Cut(w.Text, "=")
			if !strings.HasPrefix(name, "-") || name == "-" || name == "--" || name == "--help" || name == "-h" || seen[name] {
				continue
			}
			seen[name] = true
			if one := dockercli.RunFlags(argWords([]dockercli.Word{{Text: name}})); len(one) == 0 || one[0].Rule != "docker-unknown-flag" {
				known++
			}
		}
		if known*2 <= len(seen) {
			// Half or more are not docker run's: another tool's options
			// (chainctl's, bake's --set, traefik's --entryPoints.web…),
			// which a block without a command shows as often, some of
			// them named as docker run's are (--name, --label).
			return "options, most of them not docker run's (not checked)"
		}
		for _, p := range problems {
			arg := p.Arg - 2
			line := 0
			if arg >= 0 && arg < len(optionNodes) {
				line = int(optionNodes[arg].Pos().Line())
			}
			sev := severity(p.Severity)
			if sev == diag.Error {
				// Options alone may belong to any command (buildctl,
				// docker build): that they are docker run's is a guess.
				sev = diag.Warning
			}
			b.add(line, sev, p.Rule, p.Hint, p.Message)
		}
		return "docker run options (docker CLI grammar)"
	}
	return ""
}

// shellScan walks a parsed script for docker invocations and Dockerfile
// lines.
type shellScan struct {
	b       *block
	docker  int
	dfLines []int // lines of Dockerfile instructions found in the shell
}

var shells = map[string]bool{"sh": true, "bash": true, "zsh": true, "dash": true, "ash": true}

// walk visits every command of f. Lines of f start at line base of the
// block: scripts passed to `sh -c '…'` or `watch '…'` are parsed and
// walked too (depth counts the nesting).
func (sc *shellScan) walk(f *syntax.File, base, depth int) {
	at := func(n syntax.Node) int { return base + int(n.Pos().Line()) - 1 }
	syntax.Walk(f, func(n syntax.Node) bool {
		call, ok := n.(*syntax.CallExpr)
		if !ok || len(call.Args) == 0 {
			return true
		}
		args := call.Args
		if w := wordText(args[0]); w.Text == "$" && !w.Dynamic && len(args) > 1 {
			args = args[1:] // a prompt left in a shell block
		}
		first := wordText(args[0])
		if dockerfileWords[first.Text] && !first.Dynamic && depth == 0 {
			for l := call.Pos().Line(); l <= call.End().Line(); l++ {
				sc.dfLines = append(sc.dfLines, int(l))
			}
			return true
		}
		words := make([]dockercli.Word, 0, len(args))
		for _, a := range args {
			words = append(words, wordText(a))
		}
		start := unwrap(words)
		if start < 0 {
			return true
		}
		name := path.Base(words[start].Text)
		if depth < 3 {
			if strings.ContainsAny(words[start].Text, " \t;|&") { // watch 'docker ps'
				sc.nested(words[start].Text, at(args[start]), depth)
				return true
			}
			if shells[name] {
				for i := start + 1; i+1 < len(words); i++ {
					if strings.HasPrefix(words[i].Text, "-") && strings.Contains(words[i].Text, "c") && !words[i+1].Dynamic {
						sc.nested(words[i+1].Text, at(args[i+1]), depth)
						break
					}
				}
				return true
			}
		}
		if name != "docker" && name != "docker-compose" {
			return true
		}
		sc.docker++
		argv := append([]dockercli.Word{{Text: name}}, argWords(words[start+1:])...)
		if start > 0 && path.Base(words[0].Text) == "xargs" {
			argv = append(argv, dockercli.Word{Text: "ARGS", Dynamic: true})
		}
		_, problems := dockercli.Validate(argv)
		for _, p := range problems {
			i := start + p.Arg
			if i >= len(args) {
				i = start
			}
			sc.b.add(at(args[i]), severity(p.Severity), p.Rule, p.Hint, p.Message)
		}
		return true
	})
}

// nested parses a script given as one string; one that does not parse is
// left alone (it may be meant for another shell).
func (sc *shellScan) nested(script string, line, depth int) {
	f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(script), "")
	if err != nil {
		return
	}
	sc.walk(f, line, depth+1)
}

// dockerfileInShell lints the Dockerfile lines of a shell block as a
// fragment, keeping their line numbers, and says they do not belong.
func dockerfileInShell(b *block, lines []int) {
	src := strings.Split(b.s.Code, "\n")
	keep := map[int]bool{}
	for _, l := range lines {
		keep[l] = true
	}
	for i := range src {
		if !keep[i+1] {
			src[i] = ""
		}
	}
	sub := &block{s: b.s, kind: snippet.DockerfileFragment}
	sub.s.Code = strings.Join(src, "\n")
	checkDockerfile(sub)
	b.found = append(b.found, sub.found...)
	b.add(lines[0], diag.Warning, "dockerfile-in-shell", "move Dockerfile instructions into a ```dockerfile block",
		fmt.Sprintf("%s is a Dockerfile instruction, not a shell command", strings.Fields(strings.TrimSpace(src[lines[0]-1]))[0]))
}

func severity(s dockercli.Severity) diag.Severity {
	switch s {
	case dockercli.Error:
		return diag.Error
	case dockercli.Warning:
		return diag.Warning
	}
	return diag.Info
}

// wordText gives a word's literal value; parts that expand at run time
// make it dynamic and are kept as written.
func wordText(w *syntax.Word) dockercli.Word {
	var b strings.Builder
	dyn := false
	var lit func(parts []syntax.WordPart)
	lit = func(parts []syntax.WordPart) {
		for _, p := range parts {
			switch p := p.(type) {
			case *syntax.Lit:
				b.WriteString(p.Value)
			case *syntax.SglQuoted:
				b.WriteString(p.Value)
			case *syntax.DblQuoted:
				lit(p.Parts)
			default:
				dyn = true
				b.WriteString("$x")
			}
		}
	}
	lit(w.Parts)
	return dockercli.Word{Text: b.String(), Dynamic: dyn}
}

// argWords marks the placeholders among the arguments of a command as
// values unknown until run time.
func argWords(ws []dockercli.Word) []dockercli.Word {
	for i := range ws {
		ws[i].Dynamic = ws[i].Dynamic || placeholderWord(ws[i].Text)
	}
	return ws
}

// capsSegment is a part of a word written in capitals, which docs use for
// a value the reader fills in: IMAGE, YOUR_NAME/app, app:TAG.
var capsSegment = regexp.MustCompile(`(?:^|[/:@=.])[A-Z][A-Z0-9_]{2,}(?:$|[/:@.])`)

// templateMarker is a value a docs template fills in (%%IMAGE%%, as the
// official images' docs write it) or a part in brackets that the reader
// fills in (app:ee-[version]), also an optional tag or digest
// (traefik[:version], app[@digest]): no name docker takes has "%%" or
// brackets.
var templateMarker = regexp.MustCompile(`%%[A-Za-z_]\w*%%|\[[:@]?[A-Za-z][\w.-]*\]`)

// placeholderWord says whether a word stands for a value of the reader's:
// "...", "…", a part in capitals, a template's marker, or a word in the
// reader's language (镜像, algunaimágen: no name docker takes has letters
// outside ASCII). Such a word counts as an argument of unknown value.
func placeholderWord(t string) bool {
	return t == "..." || t == "…" || strings.HasSuffix(t, "...") || capsSegment.MatchString(t) || templateMarker.MatchString(t) || nonASCIILetter(t)
}

func nonASCIILetter(t string) bool {
	for _, r := range t {
		if r > unicode.MaxASCII && unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

// wrappers take a command after their own options; the value is the set of
// their options that take a value.
var wrappers = map[string]map[string]bool{
	"sudo":    {"-u": true, "-g": true, "-h": true, "-p": true, "-C": true, "-U": true, "-r": true, "-t": true, "-D": true},
	"env":     {"-u": true, "-C": true, "-S": true},
	"time":    {},
	"nice":    {"-n": true},
	"nohup":   {},
	"exec":    {"-a": true},
	"command": {},
	"builtin": {},
	"watch":   {"-n": true, "--interval": true, "-d": false},
	"timeout": {"-s": true, "-k": true, "--signal": true, "--kill-after": true},
	"xargs":   {"-I": true, "-n": true, "-P": true, "-L": true, "-d": true, "-E": true, "-s": true, "-a": true},
	"stdbuf":  {"-i": true, "-o": true, "-e": true},
	"ssh": {"-p": true, "-i": true, "-l": true, "-o": true, "-F": true, "-J": true, "-L": true, "-R": true,
		"-D": true, "-b": true, "-c": true, "-E": true, "-e": true, "-m": true, "-O": true, "-S": true, "-W": true, "-w": true},
}

// unwrap returns the index of the real command in words, skipping wrappers
// such as sudo, env, time, watch, timeout and xargs; -1 if it is unknown.
func unwrap(words []dockercli.Word) int {
	i := 0
	for i < len(words) {
		w := words[i]
		if w.Dynamic {
			return -1
		}
		opts, ok := wrappers[path.Base(w.Text)]
		if !ok {
			return i
		}
		name := path.Base(w.Text)
		i++
		for i < len(words) {
			a := words[i].Text
			switch {
			case a == "--":
				i++
			case strings.HasPrefix(a, "-") && len(a) > 1:
				flag, _, hasVal := strings.Cut(a, "=")
				i++
				if opts[flag] && !hasVal && len(flag) >= 2 {
					i++
				}
				continue
			case name == "env" && strings.Contains(a, "="):
				i++
				continue
			case name == "timeout", name == "ssh":
				i++ // the duration; the host
			}
			break
		}
	}
	return -1
}
