package verify

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"sort"
	"strings"

	"github.com/shipshape/shipshape/internal/junit"
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

// WriteJUnit writes one test suite per page and one test case per example.
func (r Report) WriteJUnit(w io.Writer) error {
	items := append([]Item(nil), r.Items...)
	sort.SliceStable(items, func(i, j int) bool { return items[i].Snippet.File < items[j].Snippet.File })
	cases := make([]junit.Case, 0, len(items))
	for _, it := range items {
		s := it.Snippet
		c := junit.Case{Suite: s.File, Name: fmt.Sprintf("%s:%d %s", s.File, s.Line, s.Kind), Classname: strings.TrimSuffix(s.File, ".md"),
			File: s.File, Line: s.Line, Seconds: float64(it.Result.DurationMS) / 1000, Message: it.Result.Reason}
		switch it.Result.Status {
		case results.Failed:
			c.Outcome, c.Detail = junit.Failed, it.Result.Output
		case results.Infra:
			c.Outcome = junit.Error
		case results.Skipped:
			c.Outcome = junit.Skipped
		default:
			c.Message, c.Output = "", it.Result.Output
		}
		cases = append(cases, c)
	}
	return junit.Write(w, cases)
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
