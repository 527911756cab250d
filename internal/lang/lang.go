// Package lang is the one table of code-fence labels: for each label a
// Docker course writes (```sh, ```yml, ```Dockerfile…), the kind of block
// it names, the lexer that draws it and the caption the site shows.
package lang

import (
	"sort"
	"strings"
)

// Entry is what one label means.
type Entry struct {
	// Kind is the snippet kind the label names, before the block's content
	// refines it (a ```dockerfile without FROM is a fragment). "code" is a
	// programming language shipshape does not check.
	Kind string
	// Lexer is the chroma lexer name that draws the block; "" draws it as
	// plain text.
	Lexer string
	// Caption is how the block is named over it: the label itself unless
	// set here, and nothing for text and output.
	Caption string
}

// Kind names, as internal/snippet spells them.
const (
	dockerfile   = "dockerfile"
	shell        = "shell"
	console      = "console"
	compose      = "compose"
	yaml         = "yaml"
	json         = "json"
	python       = "python"
	nginx        = "nginx"
	dockerignore = "dockerignore"
	ini          = "ini"
	toml         = "toml"
	output       = "output"
	diagram      = "diagram"
	text         = "text"
	code         = "code"
)

// table is every label shipshape knows, lower case.
var table = map[string]Entry{
	"dockerfile":    {dockerfile, "docker", "Dockerfile"},
	"docker":        {dockerfile, "docker", "Dockerfile"},
	"containerfile": {dockerfile, "docker", "Dockerfile"},

	"bash":  {shell, "bash", "shell"},
	"sh":    {shell, "bash", "shell"},
	"shell": {shell, "bash", "shell"},
	"zsh":   {shell, "bash", "shell"},

	"console":       {console, "console", "terminal"},
	"shell-session": {console, "console", "terminal"},
	"shellsession":  {console, "console", "terminal"},
	"terminal":      {console, "console", "terminal"},

	"yaml":           {yaml, "yaml", ""},
	"yml":            {yaml, "yaml", "yaml"},
	"compose":        {compose, "yaml", ""},
	"docker-compose": {compose, "yaml", ""},

	"json":    {json, "json", ""},
	"jsonc":   {json, "json", ""},
	"python":  {python, "python", ""},
	"py":      {python, "python", ""},
	"python3": {python, "python", ""},
	"nginx":   {nginx, "nginx", ""},

	// internal/highlight adds the lexer chroma lacks.
	"dockerignore": {dockerignore, "dockerignore", ""},
	"gitignore":    {dockerignore, "dockerignore", ""},

	"ini":        {ini, "ini", ""},
	"conf":       {ini, "ini", ""},
	"cfg":        {ini, "ini", ""},
	"env":        {ini, "bash", ""}, // KEY=value lines read best as shell assignments
	"dotenv":     {ini, "bash", ""},
	"properties": {ini, "properties", ""},
	"toml":       {toml, "toml", ""},

	"text":      {text, "", ""},
	"txt":       {text, "", ""},
	"plaintext": {text, "", ""},
	"plain":     {text, "", ""},
	"output":    {output, "", ""},
	"log":       {output, "", ""},

	"diagram": {diagram, "", ""},
	"mermaid": {diagram, "", ""},
	"ascii":   {diagram, "", ""},
}

// programming are labels of programming languages: their blocks are code
// shipshape does not check, whatever commands they mention, drawn by the
// chroma lexer of the same name.
var programming = []string{"go", "golang", "c", "cpp", "c++", "java", "javascript", "js", "typescript", "ts",
	"rust", "rs", "ruby", "rb", "php", "csharp", "cs", "kotlin", "swift", "scala", "perl", "lua", "groovy",
	"hcl", "terraform", "sql", "html", "xml", "css", "jsx", "tsx"}

func init() {
	for _, l := range programming {
		table[l] = Entry{Kind: code, Lexer: l}
	}
	for l, e := range table {
		switch {
		case e.Kind == text || e.Kind == output:
			e.Caption = ""
		case e.Caption == "":
			e.Caption = l
		}
		table[l] = e
	}
}

// Lookup finds a label's entry, whatever its case and surrounding space.
func Lookup(label string) (Entry, bool) {
	e, ok := table[strings.ToLower(strings.TrimSpace(label))]
	return e, ok
}

// Lexer is the chroma lexer name for a label: the table's, or the label
// itself (lower case) for one chroma may know by name. "" is plain text.
func Lexer(label string) string {
	if e, ok := Lookup(label); ok {
		return e.Lexer
	}
	return strings.ToLower(strings.TrimSpace(label))
}

// Caption names a block by its label: the table's caption, or the label
// itself (lower case) for one the table does not know. "" shows none.
func Caption(label string) string {
	if e, ok := Lookup(label); ok {
		return e.Caption
	}
	return strings.ToLower(strings.TrimSpace(label))
}

// Labels lists every label of the table, sorted.
func Labels() []string {
	out := make([]string, 0, len(table))
	for l := range table {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

// Shell dialects other than sh that a label can name (Dialect).
const (
	Cmd        = "cmd"        // cmd.exe, whose lines continue with ^
	PowerShell = "powershell" // whose lines continue with `
)

// dialects are the labels of Windows shells. They are not in the table:
// their blocks are classified by content (a docker command in them is
// still checked as shell), but a check must know the label was right.
var dialects = map[string]string{
	"bat": Cmd, "batch": Cmd, "cmd": Cmd, "dos": Cmd, "doscon": Cmd,
	"powershell": PowerShell, "pwsh": PowerShell, "ps1": PowerShell, "ps": PowerShell,
}

// Dialect is the Windows shell a label names (Cmd, PowerShell), or "".
func Dialect(label string) string {
	return dialects[strings.ToLower(strings.TrimSpace(label))]
}
