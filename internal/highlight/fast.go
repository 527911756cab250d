package highlight

import (
	"strings"

	"github.com/alecthomas/chroma/v2"

	"github.com/shipshape/shipshape/internal/console"
)

// Chroma's lexers are regular-expression state machines and cost 0.1–0.6 ms
// for a ten-line block, which is most of a 1000-page build. The languages
// that fill a Docker course (shell, console sessions, Dockerfiles, YAML,
// JSON, Python) get small hand-written scanners here instead. They emit chroma
// tokens, so the formatter, line highlights and CSS are chroma's; every
// other language goes to chroma. Invariant: the tokens' values concatenate
// to the input.

// fastLexers maps a lexer name (lang.Lexer) to its scanner.
var fastLexers = map[string]func(string) []chroma.Token{
	"bash":    lexShell,
	"console": lexConsole,
	"docker":  lexDockerfile,
	"yaml":    lexYAML,
	"json":    lexJSON,
	"python":  lexPython,
}

type tokens []chroma.Token

func (t *tokens) add(typ chroma.TokenType, v string) {
	if v == "" {
		return
	}
	if n := len(*t); n > 0 && (*t)[n-1].Type == typ {
		(*t)[n-1].Value += v
		return
	}
	*t = append(*t, chroma.Token{Type: typ, Value: v})
}

var shellKeywords = set("if then else elif fi for while until do done case esac in function select time")
var shellBuiltins = set("alias bg bind break builtin cd command continue declare dirs disown echo enable eval exec exit export false fc fg getopts hash help history jobs kill let local logout popd printf pushd pwd read readonly return set shift shopt source suspend test trap true type typeset ulimit umask unalias unset wait")

func set(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' }

func isWordByte(c byte) bool {
	return !isSpace(c) && c != '\n' && !strings.ContainsRune("'\"$|&;<>()`#\\", rune(c))
}

func lexShell(code string) []chroma.Token {
	var t tokens
	shellInto(&t, code, true)
	return t
}

// shellInto scans shell code; cmd says the next word is a command name.
func shellInto(t *tokens, s string, cmd bool) {
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == '\n':
			t.add(chroma.Text, "\n")
			i++
			cmd = true
		case isSpace(c):
			j := i
			for j < len(s) && isSpace(s[j]) {
				j++
			}
			t.add(chroma.Text, s[i:j])
			i = j
		case c == '#' && (i == 0 || isSpace(s[i-1]) || s[i-1] == '\n' || s[i-1] == ';'):
			j := strings.IndexByte(s[i:], '\n')
			if j < 0 {
				j = len(s) - i
			}
			t.add(chroma.CommentSingle, s[i:i+j])
			i += j
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			end := len(s)
			if j >= 0 {
				end = i + 1 + j + 1
			}
			t.add(chroma.LiteralStringSingle, s[i:end])
			i = end
			cmd = false
		case c == '"':
			end := closeQuote(s, i)
			t.add(chroma.LiteralStringDouble, s[i:end])
			i = end
			cmd = false
		case c == '`':
			j := strings.IndexByte(s[i+1:], '`')
			end := len(s)
			if j >= 0 {
				end = i + 1 + j + 1
			}
			t.add(chroma.LiteralStringBacktick, s[i:end])
			i = end
		case c == '\\':
			end := i + 2
			if end > len(s) {
				end = len(s)
			}
			t.add(chroma.LiteralStringEscape, s[i:end])
			i = end
		case c == '$':
			end := varEnd(s, i)
			if end == i+1 && (end == len(s) || !strings.ContainsRune("?#@*$!-", rune(s[end]))) {
				t.add(chroma.Text, "$") // a lone "$", as in a regular expression
			} else {
				t.add(chroma.NameVariable, s[i:end])
			}
			i = end
			cmd = false
		case strings.ContainsRune("|&;<>()", rune(c)):
			j := i
			for j < len(s) && strings.ContainsRune("|&;<>", rune(s[j])) && j-i < 2 {
				j++
			}
			if j == i {
				j = i + 1
			}
			op := s[i:j]
			t.add(chroma.Operator, op)
			i = j
			cmd = op != ">" && op != ">>" && op != "<" && op != ">&"
		default:
			j := i
			for j < len(s) && isWordByte(s[j]) {
				j++
			}
			if j == i { // a stray "#" inside a word
				j = i + 1
			}
			w := s[i:j]
			switch {
			case cmd && shellKeywords[w]:
				t.add(chroma.Keyword, w)
				i = j
				continue // the next word is a command again
			case cmd && strings.Contains(w, "=") && !strings.HasPrefix(w, "="):
				k := strings.IndexByte(w, '=')
				t.add(chroma.NameVariable, w[:k])
				t.add(chroma.Operator, "=")
				t.add(chroma.Text, w[k+1:])
				i = j
				continue // VAR=x cmd
			case cmd && shellBuiltins[w]:
				t.add(chroma.NameBuiltin, w)
			case cmd:
				t.add(chroma.NameFunction, w)
			case isNumber(w):
				t.add(chroma.LiteralNumber, w)
			default:
				t.add(chroma.Text, w)
			}
			i = j
			cmd = false
		}
	}
}

func closeQuote(s string, i int) int {
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(s)
}

func varEnd(s string, i int) int {
	j := i + 1
	if j >= len(s) {
		return j
	}
	switch s[j] {
	case '{':
		if k := strings.IndexByte(s[j:], '}'); k >= 0 {
			return j + k + 1
		}
		return len(s)
	case '(':
		return j // "$(" : the parenthesis is an operator
	case '?', '#', '@', '*', '$', '!', '-':
		return j + 1
	}
	for j < len(s) && (s[j] == '_' || s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= '0' && s[j] <= '9') {
		j++
	}
	return j
}

func isNumber(w string) bool {
	if w == "" {
		return false
	}
	for i := 0; i < len(w); i++ {
		if (w[i] < '0' || w[i] > '9') && w[i] != '.' {
			return false
		}
	}
	return true
}

// lexConsole: lines behind a prompt (console.Prompt) are commands, continued
// as console.Continues says; the other lines are output.
func lexConsole(code string) []chroma.Token {
	var t tokens
	cont := false
	for _, line := range strings.SplitAfter(code, "\n") {
		if line == "" {
			continue
		}
		body := strings.TrimSuffix(line, "\n")
		switch {
		case cont:
			shellInto(&t, line, false)
		case console.Prompt(body) > 0:
			n := console.Prompt(body)
			t.add(chroma.GenericPrompt, line[:n])
			shellInto(&t, line[n:], true)
		default:
			t.add(chroma.GenericOutput, line)
			continue
		}
		cont = console.Continues(body)
	}
	return t
}

var dockerInstructions = set("FROM RUN CMD LABEL MAINTAINER EXPOSE ENV ADD COPY ENTRYPOINT VOLUME USER WORKDIR ARG ONBUILD STOPSIGNAL HEALTHCHECK SHELL")

func lexDockerfile(code string) []chroma.Token {
	var t tokens
	lines := strings.SplitAfter(code, "\n")
	shell := false // inside a continued RUN/CMD/ENTRYPOINT in shell form
	cont := false
	for _, line := range lines {
		if line == "" {
			continue
		}
		body := strings.TrimRight(line, "\r\n")
		trim := strings.TrimLeft(body, " \t")
		lead := line[:len(line)-len(strings.TrimLeft(line, " \t"))]
		switch {
		case strings.HasPrefix(trim, "#"):
			t.add(chroma.Text, lead)
			t.add(chroma.Comment, line[len(lead):])
			continue
		case cont && shell:
			shellInto(&t, line, false)
		case cont:
			dockerArgs(&t, line)
		default:
			word := trim
			if k := strings.IndexAny(trim, " \t"); k >= 0 {
				word = trim[:k]
			}
			t.add(chroma.Text, lead)
			if !dockerInstructions[strings.ToUpper(word)] {
				dockerArgs(&t, line[len(lead):])
				break
			}
			t.add(chroma.Keyword, word)
			rest := line[len(lead)+len(word):]
			u := strings.ToUpper(word)
			shell = (u == "RUN" || u == "CMD" || u == "ENTRYPOINT") && !strings.HasPrefix(strings.TrimLeft(rest, " \t"), "[")
			if shell {
				shellInto(&t, rest, true)
			} else {
				dockerArgs(&t, rest)
			}
		}
		cont = strings.HasSuffix(strings.TrimRight(body, " \t"), "\\")
	}
	return t
}

// dockerArgs draws an instruction's arguments: strings, variables, flags,
// and AS in FROM.
func dockerArgs(t *tokens, s string) {
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == '"':
			end := closeQuote(s, i)
			t.add(chroma.LiteralStringDouble, s[i:end])
			i = end
		case c == '$':
			end := varEnd(s, i)
			t.add(chroma.NameVariable, s[i:end])
			i = end
		case c == '-' && i+1 < len(s) && s[i+1] == '-' && (i == 0 || isSpace(s[i-1])):
			j := i
			for j < len(s) && !isSpace(s[j]) && s[j] != '=' && s[j] != '\n' {
				j++
			}
			t.add(chroma.NameAttribute, s[i:j])
			i = j
		case isSpace(c) || c == '\n' || strings.ContainsRune("[],=\\", rune(c)):
			t.add(chroma.Text, s[i:i+1])
			i++
		default:
			j := i
			for j < len(s) && !isSpace(s[j]) && s[j] != '\n' && !strings.ContainsRune("\"$[],=\\", rune(s[j])) {
				j++
			}
			w := s[i:j]
			if strings.EqualFold(w, "as") {
				t.add(chroma.Keyword, w)
			} else {
				t.add(chroma.Text, w)
			}
			i = j
		}
	}
}

func lexYAML(code string) []chroma.Token {
	var t tokens
	for _, line := range strings.SplitAfter(code, "\n") {
		if line == "" {
			continue
		}
		i := 0
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		t.add(chroma.Text, line[:i])
		rest := line[i:]
		if strings.HasPrefix(rest, "---") || strings.HasPrefix(rest, "...") {
			t.add(chroma.NameNamespace, strings.TrimRight(rest, "\r\n"))
			t.add(chroma.Text, rest[len(strings.TrimRight(rest, "\r\n")):])
			continue
		}
		for strings.HasPrefix(rest, "- ") || rest == "-\n" || rest == "-" {
			t.add(chroma.Punctuation, "-")
			rest = rest[1:]
			j := 0
			for j < len(rest) && rest[j] == ' ' {
				j++
			}
			t.add(chroma.Text, rest[:j])
			rest = rest[j:]
		}
		if k := yamlKey(rest); k > 0 {
			t.add(chroma.NameTag, rest[:k])
			t.add(chroma.Punctuation, ":")
			rest = rest[k+1:]
		}
		yamlValue(&t, rest)
	}
	return t
}

// yamlKey is the length of a "key:" at the start of s, or 0.
func yamlKey(s string) int {
	if s == "" || s[0] == '#' || s[0] == '"' || s[0] == '\'' || s[0] == '{' || s[0] == '[' {
		return 0
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ':':
			if i+1 == len(s) || s[i+1] == ' ' || s[i+1] == '\n' || s[i+1] == '\r' {
				return i
			}
		case '#', '\n':
			return 0
		}
	}
	return 0
}

func yamlValue(t *tokens, s string) {
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case isSpace(c) || c == '\n':
			t.add(chroma.Text, s[i:i+1])
			i++
		case c == '#' && (i == 0 || isSpace(s[i-1])):
			end := strings.IndexByte(s[i:], '\n')
			if end < 0 {
				end = len(s) - i
			}
			t.add(chroma.Comment, s[i:i+end])
			i += end
		case c == '"':
			end := closeQuote(s, i)
			t.add(chroma.LiteralStringDouble, s[i:end])
			i = end
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			end := len(s)
			if j >= 0 {
				end = i + j + 2
			}
			t.add(chroma.LiteralStringSingle, s[i:end])
			i = end
		case strings.ContainsRune("[]{},|>", rune(c)):
			t.add(chroma.Punctuation, s[i:i+1])
			i++
		case c == '&' || c == '*':
			j := i + 1
			for j < len(s) && !isSpace(s[j]) && s[j] != '\n' {
				j++
			}
			t.add(chroma.NameLabel, s[i:j])
			i = j
		default:
			// a plain scalar runs to a comment, a flow character or the end
			j := i
			for j < len(s) && s[j] != '\n' && !(s[j] == '#' && j > i && isSpace(s[j-1])) && !strings.ContainsRune("[]{},", rune(s[j])) {
				j++
			}
			w := s[i:j]
			v := strings.TrimRight(w, " \t\r")
			switch {
			case isNumber(v):
				t.add(chroma.LiteralNumber, v)
			case yamlConst[strings.ToLower(v)]:
				t.add(chroma.KeywordConstant, v)
			default:
				t.add(chroma.LiteralString, v)
			}
			t.add(chroma.Text, w[len(v):])
			i = j
		}
	}
}

var yamlConst = set("true false null yes no on off ~")

func lexJSON(code string) []chroma.Token {
	var t tokens
	s := code
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == '"':
			end := closeQuote(s, i)
			j := end
			for j < len(s) && (isSpace(s[j]) || s[j] == '\n') {
				j++
			}
			if j < len(s) && s[j] == ':' {
				t.add(chroma.NameTag, s[i:end])
			} else {
				t.add(chroma.LiteralStringDouble, s[i:end])
			}
			i = end
		case strings.ContainsRune("{}[],:", rune(c)):
			t.add(chroma.Punctuation, s[i:i+1])
			i++
		case c == '-' || c >= '0' && c <= '9':
			j := i + 1
			for j < len(s) && strings.ContainsRune("0123456789.eE+-", rune(s[j])) {
				j++
			}
			t.add(chroma.LiteralNumber, s[i:j])
			i = j
		case c >= 'a' && c <= 'z':
			j := i
			for j < len(s) && s[j] >= 'a' && s[j] <= 'z' {
				j++
			}
			t.add(chroma.KeywordConstant, s[i:j])
			i = j
		default:
			j := i + 1
			for j < len(s) && !strings.ContainsRune("\"{}[],:-0123456789abcdefghijklmnopqrstuvwxyz", rune(s[j])) {
				j++
			}
			t.add(chroma.Text, s[i:j])
			i = j
		}
	}
	return t
}

var pyKeywords = set("and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield match case")
var pyConsts = set("True False None")
var pyBuiltins = set("abs all any bool bytes dict enumerate filter float format getattr hasattr int isinstance len list map max min open print range repr reversed round set sorted str sum super tuple type zip")

func lexPython(code string) []chroma.Token {
	var t tokens
	s := code
	i := 0
	prev := "" // the last keyword, to name what follows def and class
	for i < len(s) {
		c := s[i]
		switch {
		case c == '#':
			j := strings.IndexByte(s[i:], '\n')
			if j < 0 {
				j = len(s) - i
			}
			t.add(chroma.CommentSingle, s[i:i+j])
			i += j
		case c == '"' || c == '\'':
			q := s[i : i+1]
			if strings.HasPrefix(s[i:], q+q+q) {
				q = q + q + q
			}
			end := len(s)
			for j := i + len(q); j < len(s); j++ {
				if s[j] == '\\' {
					j++
					continue
				}
				if strings.HasPrefix(s[j:], q) {
					end = j + len(q)
					break
				}
				if len(q) == 1 && s[j] == '\n' {
					end = j
					break
				}
			}
			t.add(chroma.LiteralString, s[i:end])
			i = end
		case c == '@' && (i == 0 || s[i-1] == '\n' || isSpace(s[i-1])):
			j := i + 1
			for j < len(s) && (isIdent(s[j]) || s[j] == '.') {
				j++
			}
			t.add(chroma.NameDecorator, s[i:j])
			i = j
		case c >= '0' && c <= '9':
			j := i
			for j < len(s) && (isIdent(s[j]) || s[j] == '.') {
				j++
			}
			t.add(chroma.LiteralNumber, s[i:j])
			i = j
		case isIdent(c):
			j := i
			for j < len(s) && isIdent(s[j]) {
				j++
			}
			w := s[i:j]
			switch {
			case prev == "def":
				t.add(chroma.NameFunction, w)
			case prev == "class":
				t.add(chroma.NameClass, w)
			case pyKeywords[w]:
				t.add(chroma.Keyword, w)
			case pyConsts[w]:
				t.add(chroma.KeywordConstant, w)
			case pyBuiltins[w]:
				t.add(chroma.NameBuiltin, w)
			default:
				t.add(chroma.Name, w)
			}
			prev = w
			i = j
			continue
		case strings.ContainsRune("+-*/%=<>!&|^~", rune(c)):
			t.add(chroma.Operator, s[i:i+1])
			i++
		case strings.ContainsRune("()[]{}:,.;", rune(c)):
			t.add(chroma.Punctuation, s[i:i+1])
			i++
		default:
			j := i + 1
			for j < len(s) && (isSpace(s[j]) || s[j] == '\n') {
				j++
			}
			t.add(chroma.Text, s[i:j])
			i = j
			continue
		}
		prev = ""
	}
	return t
}

func isIdent(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}
