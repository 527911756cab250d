// Package dockercli validates a docker command line against the real docker
// CLI grammar, generated from docker/cli's own cobra tree into spec.json.
package dockercli

//go:generate sh -c "cd gen && go run . > ../spec.json"

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/distribution/reference"
)

//go:embed spec.json
var specJSON []byte

// Command is one node of the grammar, as gen/main.go writes it.
type Command struct {
	Name        string              `json:"name"`
	Aliases     []string            `json:"aliases,omitempty"`
	Runnable    bool                `json:"runnable,omitempty"`
	Deprecated  string              `json:"deprecated,omitempty"`
	Hidden      bool                `json:"hidden,omitempty"`
	MinArgs     int                 `json:"minArgs"`
	MaxArgs     int                 `json:"maxArgs"`
	NoFlags     bool                `json:"noFlagParsing,omitempty"`
	StopAtArg   bool                `json:"stopAtFirstArg,omitempty"`
	Flags       []Flag              `json:"flags,omitempty"`
	Subcommands map[string]*Command `json:"commands,omitempty"`

	parent *Command
	byName map[string]*Command // subcommands and aliases
	long   map[string]*Flag
	short  map[string]*Flag
}

// Flag is one flag of a command.
type Flag struct {
	Name       string `json:"name"`
	Short      string `json:"short,omitempty"`
	Type       string `json:"type"`
	NoOpt      string `json:"noOpt,omitempty"`
	Persistent bool   `json:"persistent,omitempty"`
	Deprecated string `json:"deprecated,omitempty"`
	Hidden     bool   `json:"hidden,omitempty"`
}

type spec struct {
	Source string   `json:"source"`
	Root   *Command `json:"root"`
}

var (
	loadOnce sync.Once
	grammar  spec
)

func root() *Command {
	loadOnce.Do(func() {
		if err := json.Unmarshal(specJSON, &grammar); err != nil {
			panic(fmt.Sprintf("dockercli: embedded spec.json: %v", err)) // a build mistake, not user input
		}
		index(grammar.Root, nil)
	})
	return grammar.Root
}

func index(c *Command, parent *Command) {
	c.parent = parent
	c.byName = map[string]*Command{}
	c.long = map[string]*Flag{}
	c.short = map[string]*Flag{}
	for i := range c.Flags {
		f := &c.Flags[i]
		c.long[f.Name] = f
		if f.Short != "" {
			c.short[f.Short] = f
		}
	}
	for name, sub := range c.Subcommands {
		index(sub, c)
		c.byName[name] = sub
		for _, a := range sub.Aliases {
			c.byName[a] = sub
		}
	}
}

// Source names the docker/cli and compose versions the grammar came from.
func Source() string { root(); return grammar.Source }

// Word is one argument as the shell would pass it. Dynamic words contain
// expansions ($VAR, $(…)) whose value is unknown before running.
type Word struct {
	Text    string
	Dynamic bool
}

// Severity of a problem; the caller maps it to its own scale.
type Severity int

const (
	Info Severity = iota
	Warning
	Error
)

// Problem is one thing wrong with a command line. Arg is the index in argv
// of the word at fault (0 for the command as a whole).
type Problem struct {
	Rule     string
	Severity Severity
	Arg      int
	Message  string
	Hint     string
}

// removed are commands the docker CLI no longer has, with what replaced them.
var removed = map[string]string{
	"scan":   "docker scan was removed in Docker 25; use `docker scout cves` or a scanner such as trivy",
	"deploy": "docker deploy was removed; use `docker stack deploy`",
}

// plugins are CLI plugins whose grammar is not in the spec; their
// commands are listed as not checked rather than unknown.
var plugins = map[string]bool{
	"scout": true, "init": true, "debug": true, "model": true,
	"sbom": true, "extension": true, "ai": true, "offload": true, "mcp": true, "sandbox": true,
	"trust": true, // a plugin (docker-trust) since the CLI moved it out
}

// legacyFlags are flags that still parse but belong to a retired way of working.
var legacyFlags = map[string]string{
	"link": "--link is a legacy feature; put the containers on a user-defined network (docker network create) and use their names",
}

// Validate checks argv (argv[0] is "docker" or "docker-compose") and
// returns the command path it resolved ("docker network create") and the
// problems found. It never runs anything.
func Validate(argv []Word) (path string, problems []Problem) {
	if len(argv) == 0 {
		return "", nil
	}
	r := root()
	v := &validator{argv: argv}
	start := r
	first := 1
	if argv[0].Text == "docker-compose" {
		start = r.Subcommands["compose"]
		v.problems = append(v.problems, Problem{Rule: "docker-compose-v1", Severity: Warning, Arg: 0,
			Message: "docker-compose is Compose v1, which is no longer supported",
			Hint:    "write `docker compose` (a space, the Compose v2 plugin)"})
	}
	for _, w := range argv[1:] {
		if w.Text == "--help" {
			// `docker run --help` prints usage: check only the command path.
			v.argv = argv[:1]
			for _, w := range argv[1:] {
				if strings.HasPrefix(w.Text, "-") {
					break
				}
				v.argv = append(v.argv, w)
			}
			v.help = true
			break
		}
	}
	v.descend(start, first)
	return v.pathString(), v.problems
}

type validator struct {
	help     bool // --help was given: arguments are not required
	argv     []Word
	path     []string
	problems []Problem
	persist  []*Command // commands whose persistent flags apply
}

func (v *validator) add(rule string, sev Severity, arg int, hint, format string, args ...any) {
	v.problems = append(v.problems, Problem{Rule: rule, Severity: sev, Arg: arg, Message: fmt.Sprintf(format, args...), Hint: hint})
}

func (v *validator) pathString() string {
	return strings.Join(v.path, " ")
}

// descend walks from c through subcommand names (flags may come before
// them, as cobra's TraverseChildren allows) and then checks the rest.
func (v *validator) descend(c *Command, i int) {
	v.path = []string{"docker"}
	if c.parent != nil {
		v.path = append(v.path, c.Name)
		v.persist = append(v.persist, c.parent)
	}
	for {
		v.persist = append(v.persist, c)
		if len(c.Subcommands) == 0 {
			break
		}
		// Flags before the subcommand name.
		for i < len(v.argv) && strings.HasPrefix(v.argv[i].Text, "-") && v.argv[i].Text != "-" && v.argv[i].Text != "--" {
			n, ok := v.flag(c, i)
			if !ok {
				return
			}
			i += n
		}
		if i >= len(v.argv) {
			break // `docker network` alone prints help
		}
		w := v.argv[i]
		if w.Dynamic {
			return // the command itself is only known at run time
		}
		if alternatives(c, v.argv[i:]) {
			v.add("docker-alternatives", Info, i, "", "the line lists alternatives (%s %s); not checked as one command", v.pathString(), w.Text)
			return
		}
		sub := c.byName[w.Text]
		if sub == nil && c.Runnable && c.MaxArgs > 0 {
			// A command with subcommands that itself takes a bounded
			// number of arguments (buildx history inspect [REF]): cobra
			// gives it the word as its argument.
			break
		}
		if sub == nil {
			v.unknownCommand(c, i)
			return
		}
		v.path = append(v.path, sub.Name)
		if sub.Deprecated != "" {
			v.add("docker-deprecated", Warning, i, "", "%s is deprecated: %s", v.pathString(), sub.Deprecated)
		}
		c = sub
		i++
	}
	v.leaf(c, i)
}

// alternatives reports whether words name several subcommands of c as
// docs list them: "connect/disconnect", or "build / push / pull".
func alternatives(c *Command, words []Word) bool {
	if a, b, ok := strings.Cut(words[0].Text, "/"); ok && a != "" && b != "" {
		for _, n := range strings.Split(words[0].Text, "/") {
			if c.byName[n] == nil {
				return false
			}
		}
		return true
	}
	if len(words) < 3 || words[1].Text != "/" || c.byName[words[0].Text] == nil {
		return false
	}
	for j := 1; j+1 < len(words) && words[j].Text == "/"; j += 2 {
		if c.byName[words[j+1].Text] == nil {
			return false
		}
	}
	return true
}

func (v *validator) unknownCommand(c *Command, i int) {
	name := v.argv[i].Text
	where := v.pathString()
	if c.parent == nil {
		if why, ok := removed[name]; ok {
			v.add("docker-removed", Error, i, why, "docker %s no longer exists", name)
			return
		}
		if plugins[name] {
			v.path = append(v.path, name)
			v.add("docker-plugin", Info, i, "", "docker %s is a CLI plugin; its arguments are not checked", name)
			return
		}
		if name == "builder" || name == "build" {
			return
		}
	}
	hint := ""
	if s := suggest(name, commandNames(c)); s != "" {
		hint = fmt.Sprintf("did you mean `%s %s`?", where, s)
	} else if c.parent == nil {
		// Not a slip of a known command: any CLI plugin installed as
		// docker-NAME adds a top-level command, and a word that cannot
		// name one is likely output (ls listing a file called docker).
		if pluginName.MatchString(name) {
			v.add("docker-unknown-command", Warning, i, "install the plugin that provides it, or fix the name",
				"docker %s is not a built-in command; only a CLI plugin named docker-%s would provide it", name, name)
		} else {
			v.add("docker-unknown-command", Warning, i, "", "docker %s is not a command; the line may be output", name)
		}
		return
	}
	v.add("docker-unknown-command", v.unknownSeverity(), i, hint, "unknown command: %s %s", where, name)
}

// pluginName is the form the docker CLI requires of a plugin's name.
var pluginName = regexp.MustCompile(`^[a-z][a-z0-9]*$`)

// standIn is a flag name docs use for "some flag": --foo, --some-option,
// --my-flag. An unknown flag so named illustrates syntax.
var standIn = regexp.MustCompile(`^(?:(?:some|my|your|example|custom|other)-[a-z-]+|foo|bar|baz|qux|option|flag|opt|xxx)$`)

func commandNames(c *Command) []string {
	var out []string
	for name, sub := range c.byName {
		if !sub.Hidden {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// leaf parses the flags and arguments of a resolved command.
func (v *validator) leaf(c *Command, i int) {
	if c.NoFlags {
		return
	}
	positional, dynamic := 0, false
	var args []int // argv indexes of the positional arguments
	for i < len(v.argv) {
		w := v.argv[i]
		switch {
		case w.Text == "--":
			for j, rest := range v.argv[i+1:] {
				positional++
				args = append(args, i+1+j)
				dynamic = dynamic || rest.Dynamic
			}
			i = len(v.argv)
			continue
		case strings.HasPrefix(w.Text, "-") && w.Text != "-" && !(positional > 0 && c.StopAtArg):
			n, ok := v.flag(c, i)
			if !ok {
				return
			}
			i += n
			continue
		}
		positional++
		args = append(args, i)
		dynamic = dynamic || w.Dynamic
		i++
		if c.StopAtArg {
			for j, rest := range v.argv[i:] {
				positional++
				args = append(args, i+j)
				dynamic = dynamic || rest.Dynamic
			}
			break
		}
	}
	for _, n := range imageArgs[v.pathString()] {
		if n < len(args) {
			v.image(args[n])
		}
	}
	if positional < c.MinArgs {
		if v.help {
			return
		}
		// Docs show partial commands on purpose (one flag, a tutorial
		// step): a missing argument is worth a warning, not an error.
		v.add("docker-args", Warning, 0, usageHint(c), "%q requires %s", v.pathString(), argCount(c))
	} else if c.MaxArgs >= 0 && positional > c.MaxArgs && !dynamic {
		v.add("docker-args", Error, 0, usageHint(c), "%q accepts %s, got %d", v.pathString(), argCount(c), positional)
	}
}

func argCount(c *Command) string {
	switch {
	case c.MaxArgs == 0:
		return "no arguments"
	case c.MinArgs == c.MaxArgs:
		return plural(c.MinArgs, "argument")
	case c.MaxArgs < 0:
		return "at least " + plural(c.MinArgs, "argument")
	case c.MinArgs == 0:
		return "at most " + plural(c.MaxArgs, "argument")
	}
	return fmt.Sprintf("%d to %d arguments", c.MinArgs, c.MaxArgs)
}

func plural(n int, w string) string {
	if n == 1 {
		return "1 " + w
	}
	return fmt.Sprintf("%d %ss", n, w)
}

func usageHint(c *Command) string {
	if len(c.Subcommands) > 0 {
		return "subcommands: " + strings.Join(commandNames(c), ", ")
	}
	return ""
}

// lookup finds a flag on c or, if persistent, on an ancestor.
func (v *validator) lookup(c *Command, long, short string) *Flag {
	if long != "" {
		if f := c.long[long]; f != nil {
			return f
		}
	} else if f := c.short[short]; f != nil {
		return f
	}
	for p := len(v.persist) - 1; p >= 0; p-- {
		a := v.persist[p]
		if a == c {
			continue
		}
		var f *Flag
		if long != "" {
			f = a.long[long]
		} else {
			f = a.short[short]
		}
		if f != nil && f.Persistent {
			return f
		}
	}
	return nil
}

// flag parses the flag word at i and returns how many words it used. ok is
// false when parsing cannot go on (as pflag stops at the first error).
func (v *validator) flag(c *Command, i int) (int, bool) {
	w := v.argv[i]
	if w.Dynamic && !strings.HasPrefix(w.Text, "--") {
		return 1, true
	}
	if strings.HasPrefix(w.Text, "--") {
		name, val, hasVal := strings.Cut(w.Text[2:], "=")
		f := v.lookup(c, name, "")
		if f == nil {
			hint := ""
			if s := suggest(name, v.flagNames(c)); s != "" {
				hint = fmt.Sprintf("did you mean --%s?", s)
			}
			if standIn.MatchString(name) {
				v.add("docker-unknown-flag", Warning, i, hint, "unknown flag for %q: --%s (a stand-in name?)", v.pathString(), name)
				return 1, false
			}
			v.add("docker-unknown-flag", v.unknownSeverity(), i, hint, "unknown flag for %q: --%s", v.pathString(), name)
			return 1, false
		}
		v.flagNotes(f, i)
		if hasVal {
			v.value(f, val, w.Dynamic, i)
			return 1, true
		}
		if f.NoOpt != "" {
			return 1, true
		}
		if i+1 >= len(v.argv) {
			v.add("docker-flag-value", Error, i, "", "flag --%s of %q needs a value", name, v.pathString())
			return 1, false
		}
		v.value(f, v.argv[i+1].Text, v.argv[i+1].Dynamic, i+1)
		return 2, true
	}
	// Shorthand cluster: -it, -p8080:80, -m 512m.
	s := w.Text[1:]
	for j := 0; j < len(s); j++ {
		sh := s[j : j+1]
		f := v.lookup(c, "", sh)
		if f == nil {
			hint := ""
			if len(s) > 1 {
				if lf := v.lookup(c, s, ""); lf != nil {
					hint = fmt.Sprintf("long flags take two dashes: --%s", s)
				} else if sg := suggest(s, v.flagNames(c)); sg != "" {
					hint = fmt.Sprintf("did you mean --%s?", sg)
				}
			}
			v.add("docker-unknown-flag", v.unknownSeverity(), i, hint, "unknown shorthand flag %q in %s for %q", sh, w.Text, v.pathString())
			return 1, false
		}
		v.flagNotes(f, i)
		if f.NoOpt != "" {
			if j+1 < len(s) && s[j+1] == '=' {
				v.value(f, s[j+2:], w.Dynamic, i)
				return 1, true
			}
			continue
		}
		if rest := strings.TrimPrefix(s[j+1:], "="); j+1 < len(s) {
			v.value(f, rest, w.Dynamic, i)
			return 1, true
		}
		if i+1 >= len(v.argv) {
			v.add("docker-flag-value", Error, i, "", "flag -%s (--%s) of %q needs a value", sh, f.Name, v.pathString())
			return 1, false
		}
		v.value(f, v.argv[i+1].Text, v.argv[i+1].Dynamic, i+1)
		return 2, true
	}
	return 1, true
}

// unknownSeverity is lower for what current Docker hands to the buildx
// plugin (docker build, image build, builder, buildx): the grammar has one
// buildx release's commands and flags, and buildx adds some in most
// releases, so a name it lacks may be a newer buildx's.
func (v *validator) unknownSeverity() Severity {
	p := v.path
	switch {
	case len(p) >= 2 && (p[1] == "buildx" || p[1] == "builder" || p[1] == "build"),
		len(p) >= 3 && p[1] == "image" && p[2] == "build":
		return Warning
	}
	return Error
}

func (v *validator) flagNotes(f *Flag, i int) {
	if why, ok := legacyFlags[f.Name]; ok {
		v.add("docker-legacy-flag", Warning, i, why, "--%s is legacy", f.Name)
	}
	if f.Deprecated != "" {
		v.add("docker-deprecated-flag", Warning, i, "", "--%s is deprecated: %s", f.Name, f.Deprecated)
	}
}

// value checks a flag value of a simple type the way pflag and docker's
// opts types would reject it.
func (v *validator) value(f *Flag, val string, dynamic bool, i int) {
	if dynamic {
		return
	}
	var err error
	switch f.Type {
	case "bool":
		_, err = strconv.ParseBool(val)
	case "int", "int64":
		_, err = strconv.ParseInt(val, 0, 64)
	case "uint", "uint16", "uint32", "uint64":
		_, err = strconv.ParseUint(val, 0, 64)
	case "float", "decimal":
		_, err = strconv.ParseFloat(val, 64)
	case "duration":
		_, err = time.ParseDuration(val)
	case "bytes":
		if val != "" && val != "-1" {
			err = checkBytes(val)
		}
	case "list":
		if f.Name == "publish" || f.Name == "expose" {
			err = checkPorts(val)
		}
	case "string":
		if f.Name == "restart" {
			err = checkRestart(val)
		}
	}
	if err != nil {
		v.add("docker-flag-value", Error, i, "", "invalid value %q for --%s (%s): %v", val, f.Name, f.Type, err)
	}
}

// checkBytes accepts what go-units RAMInBytes accepts: a number with an
// optional b, k, m, g, t or p suffix (and optional "b"/"ib").
func checkBytes(s string) error {
	t := strings.ToLower(strings.TrimSpace(s))
	j := 0
	for j < len(t) && (t[j] >= '0' && t[j] <= '9' || t[j] == '.') {
		j++
	}
	if j == 0 {
		return fmt.Errorf("invalid size: %q", s)
	}
	if _, err := strconv.ParseFloat(t[:j], 64); err != nil {
		return fmt.Errorf("invalid size: %q", s)
	}
	switch strings.TrimSpace(t[j:]) {
	case "", "b", "k", "kb", "kib", "m", "mb", "mib", "g", "gb", "gib", "t", "tb", "tib", "p", "pb", "pib":
		return nil
	}
	return fmt.Errorf("invalid suffix: %q", t[j:])
}

// imageArgs are the positional arguments that name an image.
var imageArgs = map[string][]int{
	"docker run": {0}, "docker container run": {0}, "docker create": {0}, "docker container create": {0},
	"docker pull": {0}, "docker image pull": {0}, "docker push": {0}, "docker image push": {0},
	"docker tag": {0, 1}, "docker image tag": {0, 1}, "docker history": {0}, "docker image history": {0},
}

// image checks an image reference the way the docker CLI parses it.
func (v *validator) image(i int) {
	w := v.argv[i]
	if w.Dynamic || w.Text == "" {
		return
	}
	if _, err := reference.ParseNormalizedNamed(w.Text); err != nil {
		hint := ""
		switch {
		case strings.HasPrefix(w.Text, "–") || strings.HasPrefix(w.Text, "—"):
			// A word processor or site made "--name" a dash: docker reads
			// the flag as the image, and the reader's copy fails.
			hint = "this is a flag written with a typographic dash; write two hyphens: --" + strings.TrimLeft(w.Text, "–—")
		case strings.ToLower(w.Text) != w.Text:
			hint = "image names are lower case: " + strings.ToLower(w.Text)
		}
		v.add("docker-image-ref", Error, i, hint, "invalid image reference %q: %v", w.Text, err)
	}
}

// restartPolicies are the values --restart accepts.
func checkRestart(val string) error {
	name, count, hasCount := strings.Cut(val, ":")
	switch name {
	case "no", "always", "unless-stopped":
		if !hasCount {
			return nil
		}
	case "on-failure":
		if !hasCount {
			return nil
		}
		if _, err := strconv.ParseUint(count, 10, 32); err == nil {
			return nil
		}
	}
	return fmt.Errorf("want no, always, unless-stopped or on-failure[:max-retries]")
}

// checkPorts checks the port numbers of a --publish or --expose value:
// [ip:][hostPort[-end]:]containerPort[-end][/proto], each 1 to 65535.
func checkPorts(val string) error {
	spec, _, _ := strings.Cut(val, "/")
	if strings.HasPrefix(spec, "[") { // [::1]:8080:80
		if i := strings.Index(spec, "]:"); i >= 0 {
			spec = spec[i+2:]
		}
	}
	parts := strings.Split(spec, ":")
	if len(parts) == 3 {
		parts = parts[1:] // an IP address first
	}
	for i, p := range parts {
		if p == "" && i == 0 && len(parts) == 2 {
			continue // "127.0.0.1::80" leaves the host port to docker
		}
		lo, hi, isRange := strings.Cut(p, "-")
		for _, n := range []string{lo, hi} {
			if n == "" && !isRange {
				continue
			}
			port, err := strconv.Atoi(n)
			if err != nil {
				return fmt.Errorf("invalid port %q", n)
			}
			if port < 1 || port > 65535 {
				return fmt.Errorf("port %d is out of range 1-65535", port)
			}
		}
	}
	return nil
}

func (v *validator) flagNames(c *Command) []string {
	seen := map[string]bool{}
	var out []string
	add := func(cmd *Command, persistentOnly bool) {
		for _, f := range cmd.Flags {
			if f.Hidden || seen[f.Name] || (persistentOnly && !f.Persistent && cmd.parent != nil) {
				continue
			}
			seen[f.Name] = true
			out = append(out, f.Name)
		}
	}
	add(c, false)
	for _, a := range v.persist {
		if a != c {
			add(a, true)
		}
	}
	sort.Strings(out)
	return out
}

// Suggest picks the closest of names to typed, as the docker CLI does for
// its commands and flags; "" when none is close.
func Suggest(typed string, names []string) string { return suggest(typed, names) }

// suggest picks the closest name within an edit distance of 2, or one that
// the typed word is a prefix of, as cobra's SuggestFor does.
func suggest(typed string, names []string) string {
	best, bestD := "", 3
	for _, n := range names {
		d := distance(strings.ToLower(typed), strings.ToLower(n))
		if d < bestD || (d == bestD && n < best) {
			best, bestD = n, d
		}
	}
	if best != "" {
		return best
	}
	if len(typed) >= 3 {
		for _, n := range names {
			if strings.HasPrefix(n, typed) {
				return n
			}
		}
	}
	return ""
}

// distance is the Levenshtein distance.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// RunFlags reports whether every word is a known `docker run` flag (with its
// value); it lets a block that lists only options, like "--read-only", be
// checked as part of a docker run command.
func RunFlags(words []Word) []Problem {
	argv := append([]Word{{Text: "docker"}, {Text: "run"}}, words...)
	argv = append(argv, Word{Text: "image"})
	_, ps := Validate(argv)
	return ps
}
