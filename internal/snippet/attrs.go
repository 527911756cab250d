package snippet

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Attrs are the info-string attributes in braces after a fence's language,
// Hugo/Pandoc style: ```bash {run image=busybox expect=0 title="x.sh"}.
// A bare word is a flag with value "".
type Attrs map[string]string

// Has reports whether a flag or key is present.
func (a Attrs) Has(k string) bool { _, ok := a[k]; return ok }

// behaviour lists the attributes that change what verify does; only these
// enter a snippet's hash, so retitling a block keeps its result.
var behaviour = map[string]bool{
	"run": true, "build": true, "skip": true, "image": true, "expect": true,
	"kind": true, "file": true, "network": true, "timeout": true, "workdir": true,
	"env": true, "stdin": true, "output": true, "session": true, "ignore": true,
	"user": true, "tag": true, "args": true, "compose": true, "service": true,
	"writable": true, "include": true,
}

// mystDirective is a MyST directive's info string: a name in braces, then
// its argument ({literalinclude} recipe.dockerfile, {include} ../x.md).
var mystDirective = regexp.MustCompile(`^\{[A-Za-z][\w:-]*\}[ \t]+\S`)

// ParseInfo splits an info string into the language and its attributes.
// "bash {run image=busybox}" gives ("bash", {run:"", image:"busybox"}).
// Classes written ".lang" and ids "#id" in the braces are accepted too.
func ParseInfo(info string) (lang string, attrs Attrs, err error) {
	attrs = Attrs{}
	info = strings.TrimSpace(info)
	if mystDirective.MatchString(info) {
		// ```{include} ../CHANGELOG.md is a MyST (Sphinx) directive with
		// its argument, not attributes: its {include} names no file.
		return "", attrs, nil
	}
	open := strings.IndexByte(info, '{')
	rest := ""
	if open >= 0 {
		lang = strings.TrimSpace(info[:open])
		rest = info[open:]
	} else {
		lang = info
	}
	if f := strings.Fields(lang); len(f) > 0 {
		lang = f[0]
	}
	if rest == "" {
		return lang, attrs, nil
	}
	end := strings.LastIndexByte(rest, '}')
	if end < 0 {
		return lang, attrs, fmt.Errorf("attributes opened with { are not closed with }")
	}
	body := rest[1:end]
	toks, err := tokens(body)
	if err != nil {
		return lang, attrs, err
	}
	for _, t := range toks {
		switch {
		case strings.HasPrefix(t, "."):
			if lang == "" {
				lang = t[1:]
			}
		case strings.HasPrefix(t, "#"):
			attrs["id"] = t[1:]
		default:
			k, v, _ := strings.Cut(t, "=")
			if k == "" {
				return lang, attrs, fmt.Errorf("attribute %q has no name", t)
			}
			attrs[k] = v
		}
	}
	return lang, attrs, nil
}

// RuleUnclosedInfo marks the error on an info string that Unclosed
// describes: another tool reads such a block by its language alone.
const RuleUnclosedInfo = "info-unclosed"

// Unclosed reports whether an info string opens attributes with { and
// never closes them ("yaml {title=x.yaml"). Hugo then reads the language
// alone, without an error, as MkDocs and Docusaurus do in their way.
func Unclosed(info string) bool {
	info = strings.TrimSpace(info)
	return !mystDirective.MatchString(info) && strings.Contains(info, "{") && !strings.Contains(info[strings.IndexByte(info, '{'):], "}")
}

// tokens splits on spaces and commas outside double or single quotes and
// removes the quotes.
func tokens(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	var quote rune
	started := false
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '"' || r == '\'':
			quote, started = r, true
		case r == ' ' || r == '\t' || r == ',':
			if started {
				out = append(out, cur.String())
				cur.Reset()
				started = false
			}
		default:
			cur.WriteRune(r)
			started = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unclosed %c quote in attributes", quote)
	}
	if started {
		out = append(out, cur.String())
	}
	return out, nil
}

// canonical writes the behaviour attributes in a stable order for hashing.
func (a Attrs) canonical() string {
	keys := make([]string, 0, len(a))
	for k := range a {
		if behaviour[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%q\n", k, a[k])
	}
	return b.String()
}
