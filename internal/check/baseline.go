package check

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"

	"github.com/shipshape/shipshape/internal/diag"
)

// Baseline is a set of findings recorded once, so that a team adopting
// shipshape on existing docs is shown only the findings that are new.
// Each finding is keyed by its file, rule, message and the text of the
// code line it is about, not by its line number, so that editing the page
// above a block does not bring its old findings back. A count per key
// keeps two identical findings apart.
type Baseline struct {
	Schema   int            `json:"schema"`
	Findings map[string]int `json:"findings"`
}

// digits are left out of keys: line numbers inside messages move.
var digits = regexp.MustCompile(`\d+`)

// key is the stable identity of finding d of result res.
func key(res Result, d diag.Diagnostic) string {
	text := ""
	if ls := strings.Split(res.Snippet.Code, "\n"); d.Line > 0 {
		i := d.Line - res.Snippet.Line
		if !res.Snippet.Fenced {
			i++
		}
		if i >= 1 && i <= len(ls) {
			text = strings.TrimSpace(ls[i-1])
		}
	}
	h := sha256.Sum256([]byte(strings.Join([]string{d.File, d.Rule, digits.ReplaceAllString(d.Message, "N"), text}, "\x00")))
	return hex.EncodeToString(h[:10])
}

// Baseline records the report's warnings and errors.
func (r Report) Baseline() Baseline {
	b := Baseline{Schema: 1, Findings: map[string]int{}}
	for _, res := range r.Results {
		for _, d := range res.Findings {
			if d.Severity > diag.Info {
				b.Findings[key(res, d)]++
			}
		}
	}
	for _, d := range r.Other {
		if d.Severity > diag.Info {
			b.Findings[key(Result{}, d)]++
		}
	}
	return b
}

// Write stores the baseline as JSON, keys sorted so that the file diffs well.
func (b Baseline) Write(w io.Writer) error {
	keys := make([]string, 0, len(b.Findings))
	for k := range b.Findings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var sb strings.Builder
	fmt.Fprintf(&sb, "{\n  \"schema\": %d,\n  \"findings\": {", b.Schema)
	for i, k := range keys {
		if i > 0 {
			sb.WriteString(",")
		}
		fmt.Fprintf(&sb, "\n    %q: %d", k, b.Findings[k])
	}
	if len(keys) > 0 {
		sb.WriteString("\n  ")
	}
	sb.WriteString("}\n}\n")
	_, err := io.WriteString(w, sb.String())
	return err
}

// ReadBaseline reads a baseline written by Write.
func ReadBaseline(data []byte) (Baseline, error) {
	var b Baseline
	if err := json.Unmarshal(data, &b); err != nil {
		return b, fmt.Errorf("read baseline: %w", err)
	}
	if b.Findings == nil {
		b.Findings = map[string]int{}
	}
	return b, nil
}

// Without drops the findings the baseline holds and returns how many it
// dropped; statuses are worked out again from what remains.
func (r *Report) Without(b Baseline) int {
	left := map[string]int{}
	for k, n := range b.Findings {
		left[k] = n
	}
	dropped := 0
	keep := func(res Result, ds diag.List) diag.List {
		var out diag.List
		for _, d := range ds {
			if k := key(res, d); d.Severity > diag.Info && left[k] > 0 {
				left[k]--
				dropped++
				continue
			}
			out = append(out, d)
		}
		return out
	}
	for i := range r.Results {
		res := &r.Results[i]
		before := len(res.Findings)
		res.Findings = keep(*res, res.Findings)
		if len(res.Findings) != before && (res.Status == Failed || res.Status == Warned) {
			res.Status = status(res.Findings)
		}
	}
	r.Other = keep(Result{}, r.Other)
	return dropped
}
