// Package check inspects code blocks without running them, each kind with
// the parser its own ecosystem uses: buildkit for Dockerfiles, compose-go
// for Compose files, mvdan.cc/sh and the docker CLI grammar for commands.
package check

import (
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/shipshape/shipshape/internal/diag"
	"github.com/shipshape/shipshape/internal/snippet"
)

// Status is the outcome of checking one block.
type Status string

const (
	Passed       Status = "passed"        // checked; nothing worse than info
	Warned       Status = "warnings"      // checked; warnings but no errors
	Failed       Status = "failed"        // checked; errors
	ExpectedFail Status = "expected-fail" // {expect=fail} and the check failed, as intended
	Skipped      Status = "skipped"       // {skip}
	Unchecked    Status = "not-checked"   // no static check for this kind (prose, output, python...)
)

// Result is what checking one block found.
type Result struct {
	Snippet  snippet.Snippet
	Kind     snippet.Kind // the kind that was checked (a {file=} name can refine it)
	Checked  string       // what was checked, e.g. "buildkit lint (22 rules)"; "" when nothing
	Status   Status
	Findings diag.List
}

// checker checks the code of one kind and says what it checked.
type checker func(b *block) string

var checkers = map[snippet.Kind]checker{
	snippet.Dockerfile:         checkDockerfile,
	snippet.DockerfileFragment: checkDockerfile,
	snippet.Shell:              checkShell,
	snippet.Console:            checkShell,
	snippet.Compose:            checkCompose,
	snippet.YAML:               checkYAML,
	snippet.JSON:               checkJSON,
	snippet.TOML:               checkTOML,
	snippet.Dockerignore:       checkDockerignore,
}

// Snippet checks one block and returns its findings, with {ignore=} and
// {expect=fail} applied. It is pure and fast enough to call while
// rendering a page.
func Snippet(s snippet.Snippet) []diag.Diagnostic {
	return Block(s).Findings
}

// Block checks one block.
func Block(s snippet.Snippet) Result {
	r := Result{Snippet: s, Kind: s.Kind}
	if s.Guess || s.Kind == snippet.Text {
		if k := snippet.KindForFile(s.Attrs["file"]); k != "" {
			r.Kind = k
		}
	}
	if s.Action == snippet.Skip || s.Attrs.Has("skip") {
		r.Status = Skipped
		return r
	}
	c := checkers[r.Kind]
	if c == nil {
		r.Status = Unchecked
		if k, ok := s.Attrs["kind"]; ok && !knownKind(k) {
			r.Findings = diag.List{{File: s.File, Line: s.Line, Severity: diag.Warning, Rule: "unknown-kind",
				Message: fmt.Sprintf("{kind=%s} is not a kind shipshape knows, so the block is not checked", k),
				Hint:    "kinds: " + kindList()}}
			r.Status = Warned
		}
		return r
	}
	b := &block{s: s, kind: r.Kind}
	code, elided := elide(strings.ReplaceAll(s.Code, "\r\n", "\n"))
	b.s.Code = fillShortcodes(code, r.Kind)
	r.Checked = b.run(c)
	// What follows judges the findings against the lines as the page
	// has them: a line with a shortcode is a template's line.
	b.s.Code = code
	labelLooksWrong(b)
	switch r.Kind {
	case snippet.Console:
		shownRejected(b)
		backslashHint(b)
	case snippet.Shell:
		shownRejected(b)
		softenOutputLines(b)
		backslashHint(b)
	case snippet.JSON, snippet.YAML, snippet.Compose:
		softenPlaceholderLines(b, b.s.Code)
		softenMarkup(b)
	case snippet.TOML:
		// Not softenMarkup: backticks are common inside TOML strings
		// (traefik's rules), so they mark nothing up there.
		softenPlaceholderLines(b, b.s.Code)
	}
	switch {
	case elided:
		b.found = soften(b.found, "the block elides part of its content")
	case s.Guess && textLabel(s.Lang):
		b.found = softenAll(b.found, "the block is labelled "+s.Lang+"; its kind was guessed")
	case s.Guess && s.Lang != "" && !snippet.KnownLang(s.Lang):
		// A label shipshape does not know names another language
		// (sieve, hcl): what the content looked like is only a guess.
		b.found = softenAll(b.found, "the block is labelled "+s.Lang+"; its kind was guessed")
	case showsMarkdown(s):
		b.found = softenAll(b.found, "the block shows Markdown source")
	case s.Guess && s.Lang == "" && r.Kind != snippet.Dockerfile && r.Kind != snippet.Compose:
		// A FROM line or a services key is strong evidence; the other
		// guesses may be wrong.
		b.found = soften(b.found, "the block has no label; its kind was guessed from its content")
	}
	// In the order of their lines: BuildKit's lint reports in the order
	// its parallel work ends, which changed a report from run to run.
	sort.SliceStable(b.found, func(i, j int) bool { return b.found[i].Line < b.found[j].Line })
	r.Findings = b.ignore(b.found)
	r.Status = status(r.Findings)
	if expectsFail(s) {
		r.Findings, r.Status = expectFail(s, r.Findings)
	}
	return r
}

func knownKind(k string) bool {
	for _, known := range snippet.Kinds {
		if string(known) == k {
			return true
		}
	}
	return false
}

func kindList() string {
	names := make([]string, len(snippet.Kinds))
	for i, k := range snippet.Kinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

// All checks every snippet, on every CPU, and keeps their order.
func All(snips []snippet.Snippet) []Result {
	out := make([]Result, len(snips))
	// Docs repeat blocks (versioned copies, a spec concatenated from its
	// chapters): each distinct block is checked once and its findings
	// moved to the others' file and line.
	first := make([]int, len(snips))
	seen := make(map[string]int, len(snips))
	var todo []int
	for i, s := range snips {
		k := sameKey(s)
		if j, ok := seen[k]; ok {
			first[i] = j
			continue
		}
		seen[k], first[i] = i, i
		todo = append(todo, i)
	}
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i] = Block(snips[i])
			}
		}()
	}
	for _, i := range todo {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, j := range first {
		if i != j {
			out[i] = moved(out[j], snips[i])
		}
	}
	return out
}

// sameKey is what a block's result depends on, all but its place.
func sameKey(s snippet.Snippet) string {
	keys := make([]string, 0, len(s.Attrs))
	for k, v := range s.Attrs {
		keys = append(keys, k+"="+v)
	}
	sort.Strings(keys)
	return fmt.Sprintf("%s\x00%s\x00%t\x00%t\x00%v\x00%s\x00%s\x00%q\x00%s", s.Kind, s.Lang, s.Guess, s.Fenced, s.Action, s.Image, s.Ignore, keys, s.Code)
}

// moved is r, the result of an identical block, for s at its own place.
func moved(r Result, s snippet.Snippet) Result {
	shift := s.Line - r.Snippet.Line
	from := r.Snippet.File
	r.Snippet = s
	if r.Findings != nil {
		fs := make(diag.List, len(r.Findings))
		for i, d := range r.Findings {
			if d.File == from {
				d.File = s.File
				d.Line += shift
			}
			fs[i] = d
		}
		r.Findings = fs
	}
	return r
}

func status(ds diag.List) Status {
	st := Passed
	for _, d := range ds {
		switch d.Severity {
		case diag.Error:
			return Failed
		case diag.Warning:
			st = Warned
		}
	}
	return st
}

// expectsFail: {expect=fail} on a block that is not run means its check
// must fail. A run block's expected failure is the runner's business.
func expectsFail(s snippet.Snippet) bool {
	return s.Attrs["expect"] == "fail" && s.Action != snippet.Run && s.Action != snippet.Build
}

func expectFail(s snippet.Snippet, ds diag.List) (diag.List, Status) {
	if ds.Errors() == 0 {
		return append(ds, diag.Diagnostic{File: s.File, Line: s.Line, Severity: diag.Error, Rule: "expect-fail",
			Message: "block is marked {expect=fail} but its check found no error",
			Hint:    "fix the example so it shows the mistake, or remove expect=fail"}), Failed
	}
	out := make(diag.List, len(ds))
	for i, d := range ds {
		if d.Severity == diag.Error {
			d.Severity = diag.Info
			d.Message = "fails as intended: " + d.Message
		}
		out[i] = d
	}
	return out, ExpectedFail
}

// block is one snippet being checked; checkers add findings with line
// numbers inside the code, and block maps them to the Markdown file.
type block struct {
	s     snippet.Snippet
	kind  snippet.Kind
	found diag.List
}

// run calls a checker; a panic inside a third-party parser becomes a
// finding on the block instead of ending the whole run.
func (b *block) run(c checker) (checked string) {
	defer func() {
		if v := recover(); v != nil {
			b.add(0, diag.Error, "check-crashed", "please report this block", fmt.Sprintf("the %s checker crashed: %v", b.kind, v))
		}
	}()
	return c(b)
}

// line maps a 1-based line inside the code to the Markdown file's line.
// codeLine is the inverse of line: the line within the block's code, from
// 1, of a finding at file line l (0 or less for the opening fence).
func (b *block) codeLine(l int) int {
	if b.s.Fenced {
		return l - b.s.Line
	}
	return l - b.s.Line + 1
}

func (b *block) line(n int) int {
	if n < 1 {
		n = 1
	}
	if b.s.Fenced {
		return b.s.Line + n
	}
	return b.s.Line + n - 1
}

// add records a finding at line n of the code (0: the block itself).
func (b *block) add(n int, sev diag.Severity, rule, hint, msg string) {
	line := b.s.Line
	if n > 0 {
		line = b.line(n)
	}
	b.found = append(b.found, diag.Diagnostic{File: b.s.File, Line: line, Severity: sev, Rule: rule, Message: msg, Hint: hint})
}

// ignore drops findings whose rule is listed in {ignore=RULE} (several
// separated by spaces or commas, in quotes) or in a <!-- shipshape-ignore
// RULE --> comment before the block (which, naming no rule, drops all).
func (b *block) ignore(ds diag.List) diag.List {
	v, ok := b.s.Attrs["ignore"]
	if !ok && b.s.Ignore == "" {
		return ds
	}
	skip := map[string]bool{}
	for _, r := range strings.FieldsFunc(v+" "+b.s.Ignore, func(r rune) bool { return r == ',' || r == ' ' }) {
		skip[strings.ToLower(r)] = true
	}
	var out diag.List
	for _, d := range ds {
		if !skip[strings.ToLower(d.Rule)] && !skip[snippet.IgnoreAll] {
			out = append(out, d)
		}
	}
	return out
}
