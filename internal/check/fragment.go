package check

import (
	"encoding/json"
	"regexp"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/shipshape/shipshape/internal/console"
	"github.com/shipshape/shipshape/internal/diag"
	"github.com/shipshape/shipshape/internal/lang"
	"github.com/shipshape/shipshape/internal/snippet"
	"gopkg.in/yaml.v3"
)

// elisionLine is a line that stands for omitted content: "...", "…",
// "# ...", "// ...", "[...]", "<...>", and in a comment two dots will do
// ("//..", traefik's tag examples): no comment is only two dots otherwise.
var elisionLine = regexp.MustCompile(`^[ \t]*(?:(?:#|//)[ \t]*\.\.\.?|(?:(?:#|//)[ \t]*)?(?:\.\.\.|\. \. \.|…|\[(?:\.\.\.|…)\]|<(?:\.\.\.|…)>))[ \t]*(?:(?:#|//).*)?$`)

// elide blanks the elision lines of code, keeping line numbers, and says
// whether there were any: such a block is a fragment, checked for what it
// shows and never failed for what it leaves out.
func elide(code string) (string, bool) {
	if !strings.Contains(code, "..") && !strings.Contains(code, "…") && !strings.Contains(code, ". . .") {
		return code, false
	}
	ls := strings.Split(code, "\n")
	found := false
	for i, l := range ls {
		if elisionLine.MatchString(l) {
			ls[i], found = "", true
			if i > 0 && strings.HasSuffix(strings.TrimRight(ls[i-1], " \t"), "\\") {
				ls[i] = "\\" // inside a continued command: keep it going
			}
		}
	}
	if !found {
		return code, false
	}
	return strings.Join(ls, "\n"), true
}

// angle is a placeholder in angle brackets: <container-id>, <your image>,
// <your zone, e.g. Europe/Paris> (a note with a comma in it).
var angle = regexp.MustCompile(`<([A-Za-z][\w.:/@-]*,?(?: [\w.:/@-]+,?){0,4})>`)

// optional is an optional part of a usage line: [OPTIONS], [options],
// [COMMAND], [ARG...], [--platform=<platform>], [AS <name>], and the same
// in the reader's language ([选项], [参数...]); and options left out of a
// command ("docker run [...] -v a:/a app": an elision in brackets, which
// no command takes as a word).
var optional = regexp.MustCompile(`\[(?:\.\.\.|…|[A-Z][A-Z_ |-]*|(?:options|flags|command|args?|arguments|params|parameters)|--?[^\]\s][^\]]*|AS [^\]]*|[A-Z]+\.\.\.|[a-z]+\.\.\.|[^\[\]\x00-\x7f][^\[\]]*)(?:\.\.\.|…)?\]`)

// digestPlaceholder is a digest left to the reader: image@sha256:<digest>.
var digestPlaceholder = regexp.MustCompile(`@sha256:<[^>\s]*>`)

// fillIn rewrites the placeholders of a command or Dockerfile as
// with would have it: an angle placeholder becomes with, an optional part
// of a usage line is dropped. A "<<" (here-document) is left alone.
func fillIn(code, with string) string {
	if !strings.ContainsAny(code, "<[") {
		return code
	}
	code = digestPlaceholder.ReplaceAllString(code, "")
	var b strings.Builder
	last := 0
	for _, loc := range angle.FindAllStringIndex(code, -1) {
		if loc[0] > 0 && code[loc[0]-1] == '<' {
			continue // <<EOF>
		}
		b.WriteString(code[last:loc[0]])
		b.WriteString(with)
		last = loc[1]
	}
	b.WriteString(code[last:])
	return optional.ReplaceAllString(b.String(), "")
}

// syntaxRules are the findings a fragment or a wrongly labelled block can
// raise without being wrong.
var syntaxRules = map[string]bool{
	"shell-syntax": true, "json-syntax": true, "yaml-syntax": true, "toml-syntax": true,
	"dockerfile-syntax": true, "compose-schema": true,
}

// soften lowers the syntax errors of a fragment to warnings.
func soften(ds diag.List, why string) diag.List {
	for i, d := range ds {
		if d.Severity == diag.Error && syntaxRules[d.Rule] {
			ds[i].Severity = diag.Warning
			ds[i].Message += " (" + why + ")"
		}
	}
	return ds
}

// labelLooksWrong turns the syntax errors of a block whose content does not
// look like its label (C code as bash, log lines as json) into one warning
// that the label looks wrong: the parser disagreeing with a label that is
// wrong says nothing about the code.
func labelLooksWrong(b *block) {
	if b.found.Errors() == 0 || b.s.Guess || plausible(b.kind, b.s.Code) {
		return
	}
	var first diag.Diagnostic
	var rest diag.List
	for _, d := range b.found {
		if d.Severity == diag.Error && syntaxRules[d.Rule] {
			if first.Rule == "" {
				first = d
			}
			continue
		}
		rest = append(rest, d)
	}
	if first.Rule == "" {
		return
	}
	label := b.s.Lang
	if label == "" {
		label = string(b.kind)
	}
	what := "text"
	if readsAsTOML(b.s.Code) {
		what = string(snippet.TOML)
	} else if g := snippet.Guess(b.s.Code); g != snippet.Text {
		what = string(g)
	}
	first.Severity = diag.Warning
	first.Rule = "label-looks-wrong"
	first.Hint = "the " + string(b.kind) + " parser says: " + first.Message
	first.Message = "the label " + label + " looks wrong: the block reads as " + what
	b.found = append(rest, first)
}

// plausible says whether code could be of kind k at all: a shell block
// whose first line is a command, a JSON block that starts with a brace, a
// Dockerfile whose lines are instructions.
func plausible(k snippet.Kind, code string) bool {
	first := ""
	for _, l := range strings.Split(code, "\n") {
		if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "#") && !strings.HasPrefix(t, "//") {
			first = t
			break
		}
	}
	switch k {
	case snippet.JSON:
		// A quoted key with "=>" is a Ruby or Perl hash (Logstash's
		// rubydebug output), not JSON.
		return (strings.HasPrefix(first, "{") || strings.HasPrefix(first, "[") || strings.HasPrefix(first, `"`)) && !hashRocket.MatchString(code)
	case snippet.Shell, snippet.Console:
		switch snippet.Guess(code) {
		case snippet.Shell, snippet.Console:
			return true
		case snippet.Text:
			w, _, _ := strings.Cut(first, " ")
			if strings.Contains(w, "://") || dottedKey.MatchString(w) {
				// A URL opening a block (a Caddyfile's site address) or
				// a dotted key set to a value (a container's labels,
				// traefik.http.routers.web.rule=...) names no command and
				// sets no variable.
				return false
			}
			return console.IsCommand(w) || console.Prompt(first) > 0 || strings.ContainsAny(w, "/=$")
		}
		return false
	case snippet.DockerfileFragment, snippet.Dockerfile:
		return instructionLines(code)
	case snippet.TOML:
		return !readsAsYAML(code)
	case snippet.YAML, snippet.Compose:
		// A table or drawing, or an expression with no key, list item or
		// document marker, is not YAML whatever the label says; nor is a
		// session that opens with a prompt ("$ cat config.yaml" over the
		// file it prints, and the next command under it).
		if snippet.Guess(code) == snippet.Diagram || readsAsTOML(code) || console.Prompt(first) > 0 {
			return false
		}
		return yamlShape.MatchString(code)
	}
	return true
}

// dottedKey is a key with dots in it set to a value: a label or a
// property, never a shell assignment (a variable's name has no dots).
var dottedKey = regexp.MustCompile(`^[A-Za-z_][\w-]*(?:\.[\w-]+)+=`)

// tomlTable is a TOML table header on a line of its own: [http.routers],
// [[servers]].
var tomlTable = regexp.MustCompile(`(?m)^[ \t]*\[\[?[A-Za-z0-9_"][\w."-]*\]\]?[ \t]*$`)

// readsAsTOML says whether code is a TOML file with a table in it: a
// "yaml" tab of a page that shows each format in a tab, holding the TOML
// one. Only a block YAML could not read is asked, and one that TOML also
// refuses keeps its YAML error.
func readsAsTOML(code string) bool {
	if !tomlTable.MatchString(code) {
		return false
	}
	var v map[string]any
	_, err := toml.Decode(code, &v)
	return err == nil && len(v) > 0
}

// readsAsYAML says whether code is a YAML mapping with a "key:" line: a
// TOML-labelled block holding the YAML form of a configuration. Only a
// block TOML could not read is asked.
func readsAsYAML(code string) bool {
	var v map[string]any
	return yamlShape.MatchString(code) && yaml.Unmarshal([]byte(code), &v) == nil && len(v) > 0
}

// hashRocket is a quoted key followed by "=>".
var hashRocket = regexp.MustCompile(`"[^"\n]*"[ \t]*=>`)

// yamlShape is a line only YAML has: "key:", "- item", "---", or a flow
// collection.
var yamlShape = regexp.MustCompile(`(?m)^[ \t]*(?:-[ \t]|-$|---|[\[{]|[^\s#:"'][^:\n]*:(?:[ \t]|$)|["'][^"'\n]+["'][ \t]*:(?:[ \t]|$))`)

// instructionLines: at least half the lines that start something (not
// comments, not continuations) start with a Dockerfile instruction, in
// any case or misspelt by one letter.
func instructionLines(code string) bool {
	n, total, cont := 0, 0, false
	for _, l := range strings.Split(code, "\n") {
		t := strings.TrimSpace(l)
		was := cont
		cont = strings.HasSuffix(t, "\\") || strings.HasSuffix(t, "`")
		if t == "" || was || strings.HasPrefix(t, "#") {
			continue
		}
		total++
		w, _, _ := strings.Cut(t, " ")
		if instruction(strings.ToUpper(w)) {
			n++
		}
	}
	return n*2 >= total
}

// textLabel reports whether a label says a block is not code (text or
// output): what it was guessed to be can raise warnings, never errors.
func textLabel(label string) bool {
	e, ok := lang.Lookup(label)
	return ok && (snippet.Kind(e.Kind) == snippet.Text || snippet.Kind(e.Kind) == snippet.Output)
}

// softenAll lowers every error to a warning.
func softenAll(ds diag.List, why string) diag.List {
	for i, d := range ds {
		if d.Severity == diag.Error {
			ds[i].Severity = diag.Warning
			ds[i].Message += " (" + why + ")"
		}
	}
	return ds
}

// shortcode is a Hugo shortcode on one line: {{< sitevar name="domain" >}},
// {{% param "version" %}}. Go templates, Jinja and Helm never start with
// "{{<" or "{{%".
var shortcode = regexp.MustCompile(`\{\{[<%].*?[>%]\}\}`)

// fillShortcodes replaces the Hugo shortcodes of code with a value of the
// reader's: Hugo renders them to text before the page is shown, so the
// reader never sees their spaces and quotes, which broke the string around
// them ("https://{{< sitevar name="domain" >}}") or split a command's word.
// A command gets an argument of unknown value, other kinds "10", which
// reads as a number, a port, a name (Compose wants two characters in a
// container_name) or a part of a string alike.
func fillShortcodes(code string, k snippet.Kind) string {
	if !strings.Contains(code, "{{") {
		return code
	}
	with := "10"
	if k == snippet.Shell || k == snippet.Console {
		with = "${PLACEHOLDER}"
	}
	return shortcode.ReplaceAllLiteralString(code, with)
}

// placeholderLine: a line with a placeholder a Dockerfile or shell parser
// cannot read past: <image>, [:<tag>], [:tag], <sandbox|insecure>, ImageName.
// Alternatives are written "(error|info)", or "(REPO_PATH | REPO_URL)" for
// values in capitals, and optional keys "[key: ...]";
// a line may end in "..." for the arguments it leaves out, and templates
// fill in $$name$$.
// A placeholder may be several words (<test data and fixtures>), a note
// (<...optional selector...>), a value cut short (sha256:a6d2...), or a
// line of prose in parentheses ("(more fields here)"). The official
// images' docs are templates that fill in %%IMAGE%%.
// A usage line names its parameters in lower case ("STOPSIGNAL signal")
// and brackets its optional fields ("--device=name,[required]"). A word in
// capitals where a JSON value goes ("method": METHOD, [LIST_OF_IDS]) is
// the reader's to fill in: JSON has no bare words. A word in brackets
// where a Dockerfile names its base or a stage to copy from (FROM [name],
// COPY --from=[name]) is one too: no image or stage name has brackets.
var placeholderLine = regexp.MustCompile(`(?i:^[ \t]*FROM[ \t]+|--from=)\[[A-Za-z][\w.-]*\]|<[^<>\s]+>|<[A-Za-z][\w.:/@-]*(?: [\w.:/@-]+)+>|<(?:\.\.\.|…)[^<>]*>|\w(?:\.\.\.|…)|^[ \t]*\((?:[A-Za-z]+ )+[^()]*\)[ \t]*$|[ \t](?:\.\.\.|…)[ \t]*$|\$\\?\$[A-Za-z]\w*\\?\$\\?\$|%%[A-Za-z_]\w*%%|\((?:[\w.-]+\|)+[\w.-]+\)|\([A-Z][A-Z0-9_]*(?:[ \t]*\|[ \t]*[A-Z][A-Z0-9_]*)+\)|^[ \t]*\[[A-Za-z_]+:|\[[:@=]?<|\[[:@][A-Za-z][\w.-]*\]|\[[A-Za-z]+=|,\[[a-z]+\]|\b(?:ImageName|INSTRUCTION|IMAGE|TAG|ARGS?)\b|[:\[,][ \t]*[A-Z][A-Z0-9_]{2,}[ \t]*(?:[\],}]|,|//|$)|` +
	`^[ \t]*[A-Z]+[ \t]+(?:signal|name|path|port|user|group|command|image|value|key|src|dest|source|destination|dir|directory|executable|param|instruction)[ \t]*$`)

// templateValue is a template's marker (%%IMAGE%%) in a value the parser
// quotes: one that reached the failing line through a variable
// (ARG BASE=%%IMAGE%%:tag, then FROM $BASE).
var templateValue = regexp.MustCompile(`%%[A-Za-z_]\w*%%`)

// softenPlaceholderLines lowers the syntax errors found on lines of code
// that hold placeholders, or about values that do, to warnings: the parser
// fails on the placeholder, not on the reader's command.
func softenPlaceholderLines(b *block, code string) {
	ls := strings.Split(code, "\n")
	for i, d := range b.found {
		if d.Severity != diag.Error || !syntaxRules[d.Rule] {
			continue
		}
		n := b.codeLine(d.Line)
		switch {
		case n >= 1 && n <= len(ls) && placeholderLine.MatchString(ls[n-1]):
			b.found[i].Severity = diag.Warning
			b.found[i].Message += " (the line holds a placeholder)"
		case templateValue.MatchString(d.Message):
			b.found[i].Severity = diag.Warning
			b.found[i].Message += " (the value holds a template's placeholder)"
		case n >= 1 && n <= len(ls) && d.Rule == "dockerfile-syntax" && fromPlaceholder(code, ls[n-1]):
			b.found[i].Severity = diag.Warning
			b.found[i].Message += " (the base's name holds a placeholder)"
		}
	}
}

// fromCaps is a FROM whose image has a part in capitals, which no image
// name has and which docs use for the reader's value (cgr.dev/ORG/node).
var fromCaps = regexp.MustCompile(`^[ \t]*(?i:FROM)[ \t]+(?:--\S+[ \t]+)*\S*[/:@][A-Z][A-Z0-9_]+(?:[/:@ \t]|$)`)

// fromVar is a variable a FROM line expands.
var fromVar = regexp.MustCompile(`\$\{?([A-Za-z_]\w*)`)

// fromPlaceholder says whether a Dockerfile's FROM line names its base
// with a value the reader fills in: a part in capitals, or a variable no
// ARG of the file declares (FROM cgr.dev/$ORGANIZATION/go). BuildKit
// expands an undeclared variable to nothing, so the name it then fails on
// is not the one the reader will build.
func fromPlaceholder(code, line string) bool {
	if fromCaps.MatchString(line) {
		return true
	}
	if !fromLine.MatchString(line) {
		return false
	}
	for _, m := range fromVar.FindAllStringSubmatch(line, -1) {
		if !regexp.MustCompile(`(?mi)^[ \t]*ARG[ \t]+(?:\S+[ \t]+)*` + m[1] + `\b`).MatchString(code) {
			return true
		}
	}
	return false
}

// fromLine is a FROM instruction.
var fromLine = regexp.MustCompile(`^[ \t]*(?i:FROM)[ \t]`)

// powerShell: a line written for PowerShell ($Env:NAME, Verb-Noun cmdlets).
var powerShell = regexp.MustCompile(`\$[Ee]nv:\w|\b(?:Get|Set|New|Remove|Invoke|Write|Start|Stop)-[A-Z]\w+`)

// instruction: w is a Dockerfile instruction or one letter away from one
// (FORM for FROM), so that a typo does not make a Dockerfile "not one".
func instruction(w string) bool {
	if dockerfileWords[w] {
		return true
	}
	if len(w) < 3 {
		return false
	}
	for k := range dockerfileWords {
		if len(k) == len(w) {
			diff := 0
			for i := range k {
				if k[i] != w[i] {
					diff++
				}
			}
			if diff <= 1 {
				return true
			}
		}
	}
	return false
}

// rejected is what docker prints when it refuses a command line.
var rejected = regexp.MustCompile(`(?i)unknown (?:shorthand )?flag|flag provided but not defined|is not a docker command|unknown command|requires (?:at least |exactly )?\d+ arguments?|accepts (?:at most )?\d+ arguments?`)

// shownRejected lowers to info the command-line errors of a session that
// shows docker rejecting that very command in the output under it: the
// author demonstrates the failure.
func shownRejected(b *block) {
	ls := strings.Split(b.s.Code, "\n")
	for i, d := range b.found {
		if d.Severity != diag.Error || !strings.HasPrefix(d.Rule, "docker-") {
			continue
		}
		n := b.codeLine(d.Line)
		if n < 1 || n > len(ls) {
			continue
		}
		for j := n; j < len(ls); j++ { // ls[n] is the line after the command
			if j > n-1 && console.Prompt(ls[j]) > 0 && !console.Continues(ls[j-1]) {
				break
			}
			if rejected.MatchString(ls[j]) {
				b.found[i].Severity = diag.Info
				b.found[i].Message += " (the block shows docker rejecting it)"
				break
			}
		}
	}
}

// outputLine is a line a program prints rather than a command: "key: value"
// or "/usr/bin/python: can't open" (no command is named so), a name and
// its version ("Python 3.12.3 (main, …)"), a word in capitals (PING, CONTAINER ID), a
// count ("64 bytes from"), a log line (INFO[0000] ...), a rule of dashes or
// a box-drawing table, or a question asking to confirm ("Overwrite? (y/N)",
// "continue? [y/N]"), which the reader answers on the same line.
var outputLine = regexp.MustCompile(`^[ \t]*(?:-[ \t]+)?[\w./-]+:[ \t]|^[ \t]*[A-Z][a-z]+[ \t]+v?\d+\.\d|^[ \t]*(?:[A-Z]{3,}[ \t]+[^ \t=]|\d[\d.,]*[ \t]+[a-z])|^[ \t]*(?:[A-Z]{3,5}\[[^\]]*\]|-{5,}|={5,}|[─│┌┐└┘├┤┬┴┼═║╔╗╚╝+]{3,}|[│|].*[│|][ \t]*$)|\?[ \t]*[\[(][yY]/[nN][\])]`)

// printed says whether the lines after a block's first command are what
// it prints: the first of them (after blank lines) reads as output, or
// they are one JSON value (an API's answer under "curl ... | jq"), or
// most of them read as output (a scanner's report under a title line).
func printed(rest []string) bool {
	var ls []string
	for _, l := range rest {
		if strings.TrimSpace(l) != "" {
			ls = append(ls, l)
		}
	}
	if len(ls) == 0 {
		return false
	}
	if outputLine.MatchString(ls[0]) {
		return true
	}
	if t := strings.TrimSpace(ls[0]); (t == "{" || t == "[") && json.Valid([]byte(strings.Join(ls, "\n"))) {
		return true
	}
	n := 0
	for _, l := range ls {
		if outputLine.MatchString(l) {
			n++
		}
	}
	return len(ls) >= 3 && n*3 >= len(ls)*2
}

// softenOutputLines lowers the syntax errors of a shell block found on a
// line that reads as output to warnings: a transcript without prompts.
func softenOutputLines(b *block) {
	ls := strings.Split(b.s.Code, "\n")
	// A transcript: the line after the first command is output, so what
	// follows is output until proven otherwise.
	after := 0
	for j, l := range ls {
		if strings.TrimSpace(l) == "" || strings.HasPrefix(strings.TrimSpace(l), "#") {
			continue
		}
		k := j
		for k < len(ls)-1 && console.Continues(ls[k]) {
			k++
		}
		if k+1 < len(ls) && printed(ls[k+1:]) && !strings.Contains(ls[k], "<<") {
			after = k + 2 // 1-based line of the first output line
		}
		break
	}
	for i, d := range b.found {
		if d.Severity != diag.Error || d.Rule != "shell-syntax" {
			continue
		}
		n := b.codeLine(d.Line)
		if n >= 2 && n <= len(ls) && (outputLine.MatchString(ls[n-1]) || after > 0 && n >= after) {
			b.found[i].Severity = diag.Warning
			b.found[i].Message += " (the line reads as output: a transcript without prompts?)"
		}
	}
}

// showsMarkdown: a block with a fence line of its own (an indented block,
// or a longer fence around a shorter one) shows Markdown source, whatever
// the code inside looks like.
func showsMarkdown(s snippet.Snippet) bool {
	for _, l := range strings.Split(s.Code, "\n") {
		if t := strings.TrimSpace(l); strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~") {
			return true
		}
	}
	return false
}

// template is the markup of a template language (Go's, Helm's, Jinja's):
// the text is filled in before it is read as YAML or JSON.
var template = regexp.MustCompile(`\{\{.*\}\}|\{%.*%\}`)

// backticked is text between backticks, which some slide and site tools
// use inside code to emphasise part of a line; no YAML or JSON token
// starts with a backtick.
var backticked = regexp.MustCompile("`[^`\n]+`")

// softenMarkup lowers the syntax errors of a data block that is a
// template, or of a line that marks text up with backticks, to warnings:
// the parser fails on the markup, not on the data the reader ends with.
// An error on a line with no markup stays an error: a template inside a
// string (a notifier's message format) leaves the YAML around it as it is.
func softenMarkup(b *block) {
	templated := template.MatchString(b.s.Code)
	ls := strings.Split(b.s.Code, "\n")
	for i, d := range b.found {
		if d.Severity != diag.Error || !syntaxRules[d.Rule] {
			continue
		}
		n := b.codeLine(d.Line)
		var l string
		if n >= 1 && n <= len(ls) {
			l = ls[n-1]
		}
		switch {
		case templated && (template.MatchString(l) || d.Line == b.s.Line):
			// On the line, or on none: the parser's complaint about the
			// value a template left (an "invalid map key") has no line.
			b.found[i].Severity = diag.Warning
			b.found[i].Message += " (the block is a template: {{ }} is filled in before it is read)"
		case backticked.MatchString(l):
			b.found[i].Severity = diag.Warning
			b.found[i].Message += " (the line marks text up with backticks)"
		}
	}
}

// indentedWhole returns the blanks every non-blank line of code starts
// with, "" if any line starts at the margin: a block indented as a whole
// is an excerpt from inside a larger file (a function's body) or kept
// its list item's indent (a fence in a list with its code indented
// deeper than the fence).
func indentedWhole(code string) string {
	indent, seen := "", false
	for _, l := range strings.Split(code, "\n") {
		if strings.TrimSpace(l) == "" {
			continue
		}
		lead := l[:len(l)-len(strings.TrimLeft(l, " \t"))]
		switch {
		case !seen:
			indent, seen = lead, true
		case strings.HasPrefix(lead, indent):
		case strings.HasPrefix(indent, lead):
			indent = lead
		default:
			return ""
		}
		if indent == "" {
			return ""
		}
	}
	return indent
}

// dedent takes indent off the start of every line of code.
func dedent(code, indent string) string {
	ls := strings.Split(code, "\n")
	for i, l := range ls {
		ls[i] = strings.TrimPrefix(l, indent)
	}
	return strings.Join(ls, "\n")
}
