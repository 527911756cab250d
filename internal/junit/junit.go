// Package junit writes JUnit XML, the report format CI systems read test
// results from; check and verify both report through it.
package junit

import (
	"encoding/xml"
	"fmt"
	"io"
)

// Outcome is how a test case ended.
type Outcome int

const (
	Passed Outcome = iota
	Failed
	Error // could not be run (infrastructure)
	Skipped
)

// Case is one test case; cases with the same Suite form one test suite, in
// the order their suites first appear.
type Case struct {
	Suite     string
	Name      string
	Classname string
	File      string
	Line      int
	Seconds   float64
	Outcome   Outcome
	Type      string // failure type, e.g. "check"
	Message   string // one line: why it failed or was skipped
	Detail    string // the failure's full text
	Output    string // what it printed, for passed cases too
}

type suites struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Suites   []*suite `xml:"testsuite"`
}

type suite struct {
	Name     string  `xml:"name,attr"`
	Tests    int     `xml:"tests,attr"`
	Failures int     `xml:"failures,attr"`
	Errors   int     `xml:"errors,attr"`
	Skipped  int     `xml:"skipped,attr"`
	Cases    []tcase `xml:"testcase"`
}

type tcase struct {
	Name      string `xml:"name,attr"`
	Classname string `xml:"classname,attr"`
	File      string `xml:"file,attr,omitempty"`
	Line      int    `xml:"line,attr,omitempty"`
	Time      string `xml:"time,attr"`
	Failure   *msg   `xml:"failure,omitempty"`
	Error     *msg   `xml:"error,omitempty"`
	Skipped   *msg   `xml:"skipped,omitempty"`
	SystemOut *cdata `xml:"system-out,omitempty"`
}

type msg struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Body    string `xml:",chardata"`
}

type cdata struct {
	Body string `xml:",cdata"`
}

// Write writes the cases as one JUnit document.
func Write(w io.Writer, cases []Case) error {
	var out suites
	bySuite := map[string]*suite{}
	for _, c := range cases {
		s := bySuite[c.Suite]
		if s == nil {
			s = &suite{Name: c.Suite}
			bySuite[c.Suite] = s
			out.Suites = append(out.Suites, s)
		}
		tc := tcase{Name: c.Name, Classname: c.Classname, File: c.File, Line: c.Line, Time: fmt.Sprintf("%.3f", c.Seconds)}
		switch c.Outcome {
		case Failed:
			tc.Failure = &msg{Message: c.Message, Type: c.Type, Body: c.Detail}
			s.Failures++
			out.Failures++
		case Error:
			tc.Error = &msg{Message: c.Message, Type: c.Type, Body: c.Detail}
			s.Errors++
			out.Errors++
		case Skipped:
			tc.Skipped = &msg{Message: c.Message}
			s.Skipped++
			out.Skipped++
		}
		if c.Output != "" {
			tc.SystemOut = &cdata{c.Output}
		}
		s.Cases = append(s.Cases, tc)
		s.Tests++
		out.Tests++
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
