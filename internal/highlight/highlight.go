// Package highlight turns code into HTML with chroma, using CSS classes so
// the theme decides the colours.
package highlight

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"strings"
	"sync"

	"github.com/alecthomas/chroma/v2"
	chromahtml "github.com/alecthomas/chroma/v2/formatters/html"
	"github.com/alecthomas/chroma/v2/lexers"
	"github.com/alecthomas/chroma/v2/styles"
)

// aliases maps the language names Docker docs use to chroma's lexer names.
var aliases = map[string]string{
	"dockerfile":    "docker",
	"containerfile": "docker",
	"shell":         "bash",
	"sh":            "bash",
	"zsh":           "bash",
	"console":       "console",
	"shell-session": "console",
	"compose":       "yaml",
	"yml":           "yaml",
	"conf":          "ini",
	"env":           "bash",
	"text":          "",
	"plaintext":     "",
	"txt":           "",
	"output":        "",
	"diagram":       "",
}

var (
	mu    sync.RWMutex
	cache = map[string]chroma.Lexer{}
)

// Lexer finds the lexer for a language name; unknown names give nil. Results
// are cached: chroma's own lookup of an unknown name costs milliseconds.
func Lexer(lang string) chroma.Lexer {
	lang = strings.ToLower(strings.TrimSpace(lang))
	if a, ok := aliases[lang]; ok {
		lang = a
	}
	if lang == "" {
		return nil
	}
	mu.RLock()
	l, ok := cache[lang]
	mu.RUnlock()
	if ok {
		return l
	}
	l = lexers.Get(lang)
	if l == nil && (lang == "dockerignore" || lang == "gitignore") {
		l = ignoreLexer
	}
	if l != nil {
		l = chroma.Coalesce(l)
	}
	mu.Lock()
	cache[lang] = l
	mu.Unlock()
	return l
}

// Options change how a block is drawn.
type Options struct {
	Lines []int // 1-based lines to highlight
}

var formatterCache sync.Map // key string -> *chromahtml.Formatter

func formatter(o Options) *chromahtml.Formatter {
	key := fmt.Sprint(o.Lines)
	if f, ok := formatterCache.Load(key); ok {
		return f.(*chromahtml.Formatter)
	}
	opts := []chromahtml.Option{chromahtml.WithClasses(true), chromahtml.PreventSurroundingPre(false)}
	if len(o.Lines) > 0 {
		ranges := make([][2]int, len(o.Lines))
		for i, l := range o.Lines {
			ranges[i] = [2]int{l, l}
		}
		opts = append(opts, chromahtml.HighlightLines(ranges))
	}
	f := chromahtml.New(opts...)
	formatterCache.Store(key, f)
	return f
}

// Write writes code as highlighted HTML (a <pre class="chroma">). Code with
// no known lexer is escaped as plain text in the same markup.
func Write(w io.Writer, code, lang string, o Options) error {
	if fast := fastLexers[lexerName(lang)]; fast != nil {
		return formatter(o).Format(w, style, chroma.Literator(fast(ensureNL(code))...))
	}
	l := Lexer(lang)
	if l == nil {
		l = plain
	}
	it, err := l.Tokenise(nil, code)
	if err != nil {
		fmt.Fprintf(w, `<pre class="chroma"><code>%s</code></pre>`, html.EscapeString(code))
		return nil
	}
	return formatter(o).Format(w, style, it)
}

// ignoreLexer draws .dockerignore and .gitignore files, which chroma has no
// lexer for: comments, negations and glob characters.
var ignoreLexer = chroma.MustNewLexer(&chroma.Config{Name: "dockerignore", Aliases: []string{"gitignore"}}, func() chroma.Rules {
	return chroma.Rules{"root": {
		{Pattern: `(?m)^[ \t]*#.*$`, Type: chroma.Comment},
		{Pattern: `(?m)^!`, Type: chroma.Operator},
		{Pattern: `\*\*|[*?]|\[[^\]\n]*\]`, Type: chroma.Operator},
		{Pattern: `[^*?\[!#\n]+|[!#\[]`, Type: chroma.Text},
		{Pattern: `\n`, Type: chroma.Text},
	}}
})

// lexerName is a language name after our aliases, lower case.
func lexerName(lang string) string {
	lang = strings.ToLower(strings.TrimSpace(lang))
	if a, ok := aliases[lang]; ok {
		return a
	}
	return lang
}

// ensureNL ends code with a newline, as chroma's lexers do.
func ensureNL(code string) string {
	if code != "" && !strings.HasSuffix(code, "\n") {
		return code + "\n"
	}
	return code
}

var plain = chroma.MustNewLexer(&chroma.Config{Name: "plaintext"}, func() chroma.Rules {
	return chroma.Rules{"root": {{Pattern: `(?s).+`, Type: chroma.Text}}}
})

var style = styles.Get("github")

// CSS returns the stylesheet for light and dark colour schemes: light rules
// plain, dark rules scoped under the selector given.
func CSS(darkScope string) string {
	var b bytes.Buffer
	f := chromahtml.New(chromahtml.WithClasses(true))
	_ = f.WriteCSS(&b, styles.Get("github"))
	var d bytes.Buffer
	_ = f.WriteCSS(&d, styles.Get("github-dark"))
	for _, line := range strings.Split(d.String(), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		b.WriteString(darkScope + " " + line + "\n")
	}
	return b.String()
}
