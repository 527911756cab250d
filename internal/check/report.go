package check

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/shipshape/shipshape/internal/check/dockercli"
	"github.com/shipshape/shipshape/internal/diag"
	"github.com/shipshape/shipshape/internal/junit"
	"github.com/shipshape/shipshape/internal/snippet"
)

// Report is the outcome of checking a set of blocks, in the order found.
type Report struct {
	Results []Result
	// Other are findings about the pages rather than a block (unreadable
	// files, bad front matter).
	Other diag.List
}

// Summary counts blocks per kind and status and findings per severity.
type Summary struct {
	Blocks   int            `json:"blocks"`
	Kinds    map[string]int `json:"kinds"`
	Statuses map[string]int `json:"statuses"`
	Errors   int            `json:"errors"`
	Warnings int            `json:"warnings"`
	Infos    int            `json:"infos"`
}

// Summary counts the report.
func (r Report) Summary() Summary {
	s := Summary{Kinds: map[string]int{}, Statuses: map[string]int{}}
	count := func(d diag.Diagnostic) {
		switch d.Severity {
		case diag.Error:
			s.Errors++
		case diag.Warning:
			s.Warnings++
		default:
			s.Infos++
		}
	}
	for _, res := range r.Results {
		s.Blocks++
		s.Kinds[string(res.Kind)]++
		s.Statuses[string(res.Status)]++
		for _, d := range res.Findings {
			count(d)
		}
	}
	for _, d := range r.Other {
		count(d)
	}
	return s
}

// jsonBlock is one block in the JSON report; the schema is documented in
// the README under "## check" and only grows.
type jsonBlock struct {
	File     string            `json:"file"`
	Line     int               `json:"line"`
	Lang     string            `json:"lang"`
	Kind     snippet.Kind      `json:"kind"`
	Guessed  bool              `json:"guessed"`
	Fenced   bool              `json:"fenced"`
	Attrs    map[string]string `json:"attrs,omitempty"`
	Checked  string            `json:"checked"`
	Status   Status            `json:"status"`
	Hash     string            `json:"hash"`
	Findings []diag.Diagnostic `json:"findings"`
}

type jsonReport struct {
	Schema   int               `json:"schema"`
	Grammar  string            `json:"grammar"`
	Blocks   []jsonBlock       `json:"blocks"`
	Findings []diag.Diagnostic `json:"findings"`
	Summary  Summary           `json:"summary"`
}

// WriteJSON writes the report as one JSON document.
func (r Report) WriteJSON(w io.Writer) error {
	out := jsonReport{Schema: 1, Grammar: dockercli.Source(), Blocks: []jsonBlock{}, Findings: r.Other, Summary: r.Summary()}
	if out.Findings == nil {
		out.Findings = diag.List{}
	}
	for _, res := range r.Results {
		s := res.Snippet
		fs := res.Findings
		if fs == nil {
			fs = diag.List{}
		}
		out.Blocks = append(out.Blocks, jsonBlock{File: s.File, Line: s.Line, Lang: s.Lang, Kind: res.Kind,
			Guessed: s.Guess, Fenced: s.Fenced, Attrs: s.Attrs, Checked: res.Checked, Status: res.Status,
			Hash: s.Hash, Findings: fs})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

const (
	red    = "\x1b[31m"
	yellow = "\x1b[33m"
	green  = "\x1b[32m"
	dim    = "\x1b[2m"
	cyan   = "\x1b[36m"
	reset  = "\x1b[0m"
)

// WriteText writes the human report: blocks grouped by file, each with its
// kind, what was checked and its findings, then a summary. Colour only
// when asked (on a terminal). Blocks that passed are listed only when
// verbose.
func (r Report) WriteText(w io.Writer, colour, verbose bool) {
	paint := func(c, s string) string {
		if !colour {
			return s
		}
		return c + s + reset
	}
	file := ""
	for _, res := range r.Results {
		s := res.Snippet
		if !verbose && len(res.Findings) == 0 {
			continue
		}
		if s.File != file {
			file = s.File
			fmt.Fprintln(w, paint(cyan, file))
		}
		lang := s.Lang
		if lang == "" {
			lang = "-"
		}
		kind := string(res.Kind)
		if s.Guess {
			kind += "*"
		}
		checked := res.Checked
		if checked == "" {
			checked = "-"
		}
		fmt.Fprintf(w, "  %5d  %-10s %-20s %-13s %s\n", s.Line, lang, kind, paint(statusColour(res.Status), string(res.Status)), paint(dim, checked))
		for _, d := range res.Findings {
			sev := d.Severity.String()
			fmt.Fprintf(w, "         %s:%d: %s %s: %s\n", d.File, d.Line, paint(sevColour(d.Severity), sev), d.Rule, d.Message)
			if d.Hint != "" {
				fmt.Fprintf(w, "           %s\n", paint(dim, "hint: "+d.Hint))
			}
		}
	}
	for _, d := range r.Other {
		fmt.Fprintln(w, d.Error())
	}
	sum := r.Summary()
	fmt.Fprintf(w, "%d blocks: %s\n", sum.Blocks, counts(sum.Kinds, kindOrder()))
	fmt.Fprintf(w, "status: %s; %s, %s, %s\n", counts(sum.Statuses, statusOrder),
		nouns(sum.Errors, "error"), nouns(sum.Warnings, "warning"), nouns(sum.Infos, "info"))
	fmt.Fprintln(w, paint(dim, "(* = kind decided from the content, not the fence's language)"))
}

func nouns(n int, w string) string {
	if n == 1 {
		return "1 " + w
	}
	return fmt.Sprintf("%d %ss", n, w)
}

var statusOrder = []string{string(Passed), string(Warned), string(Failed), string(ExpectedFail), string(Skipped), string(Unchecked)}

func kindOrder() []string {
	out := make([]string, len(snippet.Kinds))
	for i, k := range snippet.Kinds {
		out[i] = string(k)
	}
	return out
}

func counts(m map[string]int, order []string) string {
	var parts []string
	seen := map[string]bool{}
	for _, k := range order {
		if m[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", m[k], k))
		}
		seen[k] = true
	}
	var rest []string
	for k := range m {
		if !seen[k] && m[k] > 0 {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	for _, k := range rest {
		parts = append(parts, fmt.Sprintf("%d %s", m[k], k))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func statusColour(s Status) string {
	switch s {
	case Failed:
		return red
	case Warned:
		return yellow
	case Passed, ExpectedFail:
		return green
	}
	return dim
}

func sevColour(s diag.Severity) string {
	switch s {
	case diag.Error:
		return red
	case diag.Warning:
		return yellow
	}
	return dim
}

// WriteGitHub writes GitHub Actions workflow commands, one per finding, so
// that findings show on the pull request's lines.
func (r Report) WriteGitHub(w io.Writer) {
	emit := func(d diag.Diagnostic) {
		level := map[diag.Severity]string{diag.Error: "error", diag.Warning: "warning", diag.Info: "notice"}[d.Severity]
		msg := d.Message
		if d.Hint != "" {
			msg += " (" + d.Hint + ")"
		}
		fmt.Fprintf(w, "::%s file=%s,line=%d,title=%s::%s\n", level, ghProp(d.File), d.Line, ghProp(d.Rule), ghData(msg))
	}
	for _, res := range r.Results {
		for _, d := range res.Findings {
			emit(d)
		}
	}
	for _, d := range r.Other {
		emit(d)
	}
}

func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func ghProp(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// WriteJUnit writes one test case per block, one suite per file; blocks
// with errors fail, skipped blocks are skipped.
func (r Report) WriteJUnit(w io.Writer) error {
	cases := make([]junit.Case, 0, len(r.Results))
	for _, res := range r.Results {
		s := res.Snippet
		c := junit.Case{Suite: s.File, Name: fmt.Sprintf("line %d %s", s.Line, res.Kind), Classname: s.File, File: s.File, Line: s.Line}
		var text strings.Builder
		for _, d := range res.Findings {
			fmt.Fprintln(&text, d.Error())
		}
		switch res.Status {
		case Failed:
			c.Outcome, c.Type, c.Message, c.Detail = junit.Failed, "check", firstError(res.Findings), text.String()
		case Skipped:
			c.Outcome, c.Message = junit.Skipped, "marked {skip}"
		default:
			c.Output = strings.TrimSpace(strings.TrimSuffix(string(res.Status)+": "+res.Checked, ": ") + "\n" + text.String())
		}
		cases = append(cases, c)
	}
	return junit.Write(w, cases)
}

func firstError(ds diag.List) string {
	for _, d := range ds {
		if d.Severity == diag.Error {
			return fmt.Sprintf("line %d: %s", d.Line, d.Message)
		}
	}
	return ""
}
