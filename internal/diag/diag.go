// Package diag is the one position-carrying error and finding type: every
// problem found in user content names its file and line.
package diag

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Severity orders how much a diagnostic matters.
type Severity int

const (
	Info Severity = iota
	Warning
	Error
)

func (s Severity) String() string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	}
	return "info"
}

// MarshalText writes the severity as its name, for JSON reports.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity name.
func (s *Severity) UnmarshalText(b []byte) error {
	switch string(b) {
	case "error":
		*s = Error
	case "warning":
		*s = Warning
	case "info":
		*s = Info
	default:
		return fmt.Errorf("unknown severity %q", b)
	}
	return nil
}

// Diagnostic is a problem at a place in a file. It is also an error.
type Diagnostic struct {
	File     string   `json:"file"`
	Line     int      `json:"line,omitempty"`
	Severity Severity `json:"severity"`
	Rule     string   `json:"rule,omitempty"`
	Message  string   `json:"message"`
	Hint     string   `json:"hint,omitempty"`
}

func (d Diagnostic) Error() string {
	var b strings.Builder
	b.WriteString(d.File)
	if d.Line > 0 {
		fmt.Fprintf(&b, ":%d", d.Line)
	}
	fmt.Fprintf(&b, ": %s: %s", d.Severity, d.Message)
	if d.Rule != "" {
		fmt.Fprintf(&b, " [%s]", d.Rule)
	}
	if d.Hint != "" {
		fmt.Fprintf(&b, " (%s)", d.Hint)
	}
	return b.String()
}

// Errorf makes an error-severity diagnostic.
func Errorf(file string, line int, format string, args ...any) Diagnostic {
	return Diagnostic{File: file, Line: line, Severity: Error, Message: fmt.Sprintf(format, args...)}
}

// Warnf makes a warning-severity diagnostic.
func Warnf(file string, line int, format string, args ...any) Diagnostic {
	return Diagnostic{File: file, Line: line, Severity: Warning, Message: fmt.Sprintf(format, args...)}
}

// List is a set of diagnostics gathered while working on, so that every
// problem is reported before failing once.
type List []Diagnostic

// Errors counts the error-severity entries.
func (l List) Errors() int {
	n := 0
	for _, d := range l {
		if d.Severity == Error {
			n++
		}
	}
	return n
}

// Sort orders by file, line, then message, so reports are stable.
func (l List) Sort() {
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i], l[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Message < b.Message
	})
}

// As finds a Diagnostic in err's chain.
func As(err error) (Diagnostic, bool) {
	var d Diagnostic
	ok := errors.As(err, &d)
	return d, ok
}
