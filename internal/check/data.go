package check

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/moby/patternmatcher"
	"github.com/tailscale/hujson"
	"gopkg.in/yaml.v3"

	"github.com/shipshape/shipshape/internal/diag"
)

var (
	yamlLine      = regexp.MustCompile(`^yaml: line (\d+): `)
	yamlLineLoose = regexp.MustCompile(`^\s*line (\d+): `)
	hujsonLine    = regexp.MustCompile(`^line (\d+), column \d+: `)
)

var (
	// unknownAnchor is the parser's complaint about an alias to no
	// anchor; anchorSet is an anchor set (key: &name).
	unknownAnchor = regexp.MustCompile(`^unknown anchor '([^']+)' referenced$`)
	anchorSet     = regexp.MustCompile(`(?:^|[\s:\[{,-])&[\w.-]+`)
)

// parseYAML decodes the first document as a node tree; a syntax error
// becomes a finding at its line. Later documents are checked for syntax.
func parseYAML(b *block) (*yaml.Node, bool) {
	dec := yaml.NewDecoder(strings.NewReader(b.s.Code))
	var first *yaml.Node
	for i := 0; ; i++ {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			msg := err.Error()
			line := 0
			if m := yamlLine.FindStringSubmatch(msg); m != nil {
				line, _ = strconv.Atoi(m[1])
				msg = strings.TrimPrefix(msg, m[0])
			}
			msg = strings.TrimPrefix(msg, "yaml: ")
			sev := diag.Error
			if indent := indentedWhole(b.s.Code); indent != "" && validYAML(dedent(b.s.Code, indent)) {
				// "  ---" is no document marker, but the reader's file
				// starts at the margin.
				sev = diag.Warning
				msg += fmt.Sprintf(" (the block is indented as a whole, by %d; without that indent it is valid YAML)", len(indent))
			}
			if m := unknownAnchor.FindStringSubmatch(msg); m != nil {
				// The parser names no line: the alias's is the first
				// that uses it.
				name := regexp.QuoteMeta(m[1])
				if loc := regexp.MustCompile(`\*` + name + `(?:[\s,\]}]|$)`).FindStringIndex(b.s.Code); loc != nil && line == 0 {
					line = 1 + strings.Count(b.s.Code[:loc[0]], "\n")
				}
				if !anchorSet.MatchString(b.s.Code) {
					// An alias in a block that sets no anchor: a part of
					// a file that sets it above (<<: *default). One that
					// sets others may have misspelt this one.
					sev = diag.Warning
					msg += " (the block sets no anchor: an excerpt of a file that does)"
				}
			}
			b.add(line, sev, "yaml-syntax", yamlHint(msg, codeLine(b.s.Code, line)), msg)
			return nil, false
		}
		// Decoding the tree into plain values finds what the node parse
		// lets through, such as a key defined twice.
		var v any
		if err := n.Decode(&v); err != nil {
			msg := strings.TrimPrefix(err.Error(), "yaml: unmarshal errors:\n")
			if first, rest, ok := strings.Cut(strings.TrimSpace(msg), "\n"); ok {
				msg = fmt.Sprintf("%s (and %d more)", first, strings.Count(rest, "\n")+1)
			}
			line := 0
			if m := yamlLine.FindStringSubmatch(strings.TrimSpace(msg)); m != nil {
				line, _ = strconv.Atoi(m[1])
				msg = strings.TrimPrefix(strings.TrimSpace(msg), m[0])
			} else if m := yamlLineLoose.FindStringSubmatch(msg); m != nil {
				line, _ = strconv.Atoi(m[1])
				msg = strings.TrimSpace(msg[len(m[0]):])
			}
			if strings.Contains(msg, "already defined") {
				// Docs often show alternatives one under the other
				// (`ipc: host` then `ipc: shareable`): worth a warning only.
				b.add(line, diag.Warning, "yaml-duplicate-key", "show alternatives in separate blocks, or as comments", msg)
				return nil, false
			}
			b.add(line, diag.Error, "yaml-syntax", yamlHint(msg, codeLine(b.s.Code, line)), msg)
			return nil, false
		}
		if i == 0 {
			first = &n
		}
	}
	return first, true
}

// validYAML says whether every document of code parses.
func validYAML(code string) bool {
	dec := yaml.NewDecoder(strings.NewReader(code))
	for {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return true
		}
		if err != nil {
			return false
		}
	}
}

func yamlHint(msg, line string) string {
	switch {
	case strings.Contains(msg, "already defined"):
		return "a key appears twice in one mapping; if the block shows alternatives, split it into two blocks"
	case strings.Contains(msg, "found character that cannot start any token"):
		if strings.Contains(line, "\t") {
			return "YAML does not allow tabs for indentation"
		}
		return "a plain YAML value cannot start with ` % or @; put the value in quotes"
	}
	return ""
}

// codeLine is line n (from 1) of code, or "".
func codeLine(code string, n int) string {
	ls := strings.Split(code, "\n")
	if n < 1 || n > len(ls) {
		return ""
	}
	return ls[n-1]
}

func checkYAML(b *block) string {
	parseYAML(b)
	return "yaml"
}

func checkJSON(b *block) string {
	if t := strings.TrimSpace(b.s.Code); strings.HasPrefix(t, `"`) {
		// `"key": {...}` is a member of an object shown out of it.
		w := "{" + strings.TrimSuffix(t, ",") + "}"
		if json.Valid([]byte(w)) {
			b.add(0, diag.Info, "json-fragment", "", "the block is part of a JSON object; checked inside braces")
			return "json (fragment)"
		}
		lead := strings.Count(b.s.Code[:strings.Index(b.s.Code, t)], "\n")
		if line, ok := onlyComments(w); ok && !strings.EqualFold(b.s.Lang, "jsonc") {
			b.add(lead+line, diag.Warning, "json-comments", "", "JSON has no comments: the members are valid JSON without their notes, but a reader who copies them gets invalid JSON (label it jsonc where the file takes comments)")
			return "json (fragment)"
		}
		if strings.HasPrefix(t, `"`) && !strings.EqualFold(b.s.Lang, "jsonc") && !strings.Contains(t, "//") && !strings.Contains(t, "/*") && !strings.ContainsAny(t, "…") && !strings.Contains(t, "...") {
			// Members whose object is left out, and wrong inside: the
			// error is the one inside the braces, at its own line, not
			// the first colon (which only says they have no object).
			var v any
			err := json.Unmarshal([]byte(w), &v)
			var se *json.SyntaxError
			if errors.As(err, &se) && se.Offset >= 1 {
				off := min(int(se.Offset)-1, len(t))
				b.add(1+lead+strings.Count(t[:off], "\n"), diag.Error, "json-syntax", "", err.Error()+" (in members shown without their object)")
				return "json (fragment)"
			}
		}
	}
	code := elideValues(b.s.Code)
	kind := "json"
	if strings.EqualFold(b.s.Lang, "jsonc") {
		// JSON with comments and trailing commas (VS Code's): both become
		// blanks, so offsets and lines stay those of the block.
		std, err := hujson.Standardize([]byte(code))
		if err != nil {
			line, msg := 0, strings.TrimPrefix(err.Error(), "hujson: ")
			if m := hujsonLine.FindStringSubmatch(msg); m != nil {
				line, _ = strconv.Atoi(m[1])
				msg = msg[len(m[0]):]
			}
			b.add(line, diag.Error, "json-syntax", "", msg)
			return "json (with comments)"
		}
		code, kind = string(std), "json (with comments)"
	}
	dec := json.NewDecoder(strings.NewReader(code))
	for {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			off := dec.InputOffset()
			var se *json.SyntaxError
			if errors.As(err, &se) {
				off = se.Offset
			}
			if kind == "json" {
				if line, ok := onlyComments(code); ok {
					b.add(line, diag.Warning, "json-comments", "", "JSON has no comments: the block is valid JSON without its notes, but a reader who copies it gets invalid JSON (label it jsonc where the file takes comments)")
					break
				}
			}
			line := 1 + bytes.Count([]byte(b.s.Code[:min(int(off), len(b.s.Code))]), []byte("\n"))
			b.add(line, diag.Error, "json-syntax", "", err.Error())
			break
		}
	}
	return kind
}

// onlyComments reports whether comments are all that keeps code from
// being JSON, and the line of the first. Standardize blanks comments and
// trailing commas alike; a trailing comma is a real error in a JSON file,
// so a blanked comma answers no, unless a comment follows it: then the
// comment, on a line of its own, stands for the members left out
// ("name": "x", then // provider configuration), and the comma for the
// one before them.
func onlyComments(code string) (line int, ok bool) {
	std, err := hujson.Standardize([]byte(code))
	if err != nil || len(std) != len(code) || !json.Valid(std) {
		return 0, false
	}
	for i := 0; i < len(code); i++ {
		if std[i] == code[i] {
			continue
		}
		// A blanked byte starts a comment (whose text, commas too, is
		// skipped) or is a trailing comma.
		var end int
		switch {
		case strings.HasPrefix(code[i:], "//"):
			end = strings.IndexByte(code[i:], '\n')
		case strings.HasPrefix(code[i:], "/*"):
			if end = strings.Index(code[i+2:], "*/"); end >= 0 {
				end += 4
			}
		case code[i] == ',' && commentNext(code[i+1:]):
			continue
		default:
			return 0, false
		}
		if line == 0 {
			line = 1 + strings.Count(code[:i], "\n")
		}
		if end < 0 {
			break
		}
		i += end - 1
	}
	return line, line > 0
}

// commentNext says whether a comment on a line of its own is the first
// thing in s past blanks: one on the comma's line ("a": 1, // the port)
// notes that member, and leaves the comma a mistake.
func commentNext(s string) bool {
	t := strings.TrimLeft(s, " \t\r\n")
	return strings.Contains(s[:len(s)-len(t)], "\n") && (strings.HasPrefix(t, "//") || strings.HasPrefix(t, "/*"))
}

// elidedValue is a value left out of a JSON document as docs show it: a
// container holding only an ellipsis ("files": [...], {…}) or an ellipsis
// after the last item ([1, 2, ...]).
var elidedValue = regexp.MustCompile(`([\[{])[ \t]*(?:\.\.\.|…)[ \t]*([\]}])|,[ \t]*(?:\.\.\.|…)[ \t]*([\]}])`)

// elideValues empties the elided values of code, keeping every offset, so
// that the JSON around them is still checked: a comma missing elsewhere
// is still an error.
func elideValues(code string) string {
	if !strings.Contains(code, "...") && !strings.Contains(code, "…") {
		return code
	}
	return elidedValue.ReplaceAllStringFunc(code, func(m string) string {
		open, close := "", m[len(m)-1:]
		if m[0] == '[' || m[0] == '{' {
			open = m[:1]
		}
		return open + strings.Repeat(" ", len(m)-len(open)-1) + close
	})
}

func checkTOML(b *block) string {
	var v map[string]any
	if _, err := toml.Decode(b.s.Code, &v); err != nil {
		line := 0
		var pe toml.ParseError
		if errors.As(err, &pe) {
			line = pe.Position.Line
		}
		b.add(line, diag.Error, "toml-syntax", "", err.Error())
	}
	return "toml"
}

// checkDockerignore compiles every pattern with the matcher the docker CLI
// uses for build contexts.
func checkDockerignore(b *block) string {
	for i, l := range strings.Split(b.s.Code, "\n") {
		p := strings.TrimSpace(l)
		if p == "" || strings.HasPrefix(p, "#") {
			continue
		}
		if _, err := patternmatcher.New([]string{p}); err != nil {
			b.add(i+1, diag.Error, "dockerignore-pattern", "", err.Error())
		}
	}
	return "patternmatcher"
}
