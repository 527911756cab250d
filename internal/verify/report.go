package verify

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"hash/fnv"
	"io"
	"sort"
	"strings"

	"github.com/shipshape/shipshape/internal/results"
	"github.com/shipshape/shipshape/internal/snippet"
)

// Shard keeps the pages that belong to shard k of n (1 ≤ k ≤ n), chosen by
// a hash of the page's file so that a page always lands on the same runner
// and its session stays whole.
func Shard(pages [][]snippet.Snippet, k, n int) [][]snippet.Snippet {
	if n <= 1 {
		return pages
	}
	var out [][]snippet.Snippet
	for _, p := range pages {
		if len(p) == 0 {
			continue
		}
		h := fnv.New32a()
		h.Write([]byte(p[0].File))
		if int(h.Sum32()%uint32(n)) == k-1 {
			out = append(out, p)
		}
	}
	return out
}

// ParseShard reads "K/N".
func ParseShard(s string) (k, n int, err error) {
	if _, err := fmt.Sscanf(s, "%d/%d", &k, &n); err != nil || n < 1 || k < 1 || k > n {
		return 0, 0, fmt.Errorf("--shard %q: want K/N with 1 ≤ K ≤ N, such as 2/4", s)
	}
	return k, n, nil
}

type jsonItem struct {
	File   string         `json:"file"`
	Line   int            `json:"line"`
	Kind   string         `json:"kind"`
	Hash   string         `json:"hash"`
	Cached bool           `json:"cached"`
	Result results.Result `json:"result"`
}

// WriteJSON writes the report as one JSON document: counts and every item.
func (r Report) WriteJSON(w io.Writer) error {
	items := make([]jsonItem, 0, len(r.Items))
	for _, it := range r.Items {
		items = append(items, jsonItem{File: it.Snippet.File, Line: it.Snippet.Line, Kind: string(it.Snippet.Kind),
			Hash: it.Snippet.Hash, Cached: it.Cached, Result: it.Result})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Counts map[results.Status]int `json:"counts"`
		Items  []jsonItem             `json:"items"`
	}{r.Count(), items})
}

type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string      `xml:"name,attr"`
	Classname string      `xml:"classname,attr"`
	File      string      `xml:"file,attr"`
	Line      int         `xml:"line,attr"`
	Time      string      `xml:"time,attr"`
	Failure   *junitMsg   `xml:"failure,omitempty"`
	Error     *junitMsg   `xml:"error,omitempty"`
	Skipped   *junitMsg   `xml:"skipped,omitempty"`
	SystemOut *junitCData `xml:"system-out,omitempty"`
}

type junitMsg struct {
	Message string `xml:"message,attr"`
	Body    string `xml:",chardata"`
}

type junitCData struct {
	Body string `xml:",cdata"`
}

// WriteJUnit writes one test suite per page and one test case per example.
func (r Report) WriteJUnit(w io.Writer) error {
	byFile := map[string]*junitSuite{}
	var files []string
	for _, it := range r.Items {
		s := it.Snippet
		su := byFile[s.File]
		if su == nil {
			su = &junitSuite{Name: s.File}
			byFile[s.File] = su
			files = append(files, s.File)
		}
		c := junitCase{Name: fmt.Sprintf("%s:%d %s", s.File, s.Line, s.Kind), Classname: strings.TrimSuffix(s.File, ".md"),
			File: s.File, Line: s.Line, Time: fmt.Sprintf("%.3f", float64(it.Result.DurationMS)/1000)}
		su.Tests++
		switch it.Result.Status {
		case results.Failed:
			su.Failures++
			c.Failure = &junitMsg{Message: it.Result.Reason, Body: it.Result.Output}
		case results.Infra:
			su.Errors++
			c.Error = &junitMsg{Message: it.Result.Reason}
		case results.Skipped:
			su.Skipped++
			c.Skipped = &junitMsg{Message: it.Result.Reason}
		default:
			if it.Result.Output != "" {
				c.SystemOut = &junitCData{it.Result.Output}
			}
		}
		su.Cases = append(su.Cases, c)
	}
	sort.Strings(files)
	var out junitSuites
	for _, f := range files {
		out.Suites = append(out.Suites, *byFile[f])
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

// WriteAnnotations writes a GitHub Actions workflow command per failed or
// unrunnable example, so the failure shows at its Markdown line in review.
func (r Report) WriteAnnotations(w io.Writer) {
	for _, it := range r.Items {
		level := ""
		switch it.Result.Status {
		case results.Failed:
			level = "error"
		case results.Infra:
			level = "warning"
		default:
			continue
		}
		fmt.Fprintf(w, "::%s file=%s,line=%d,title=%s::%s\n", level, escapeProp(it.Snippet.File), it.Snippet.Line,
			escapeProp(fmt.Sprintf("shipshape: %s %s", it.Snippet.Kind, it.Result.Status)), escapeData(it.Result.Reason))
	}
}

func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func escapeProp(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
