package verify

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/shipshape/shipshape/internal/snippet"
)

const stepMark = "\x1eshipshape-step"

// consoleScript runs every step in one bash, printing a marker with the
// exit code after each, so that cd and variables carry from step to step.
func consoleScript(steps []snippet.Step) string {
	var b strings.Builder
	b.WriteString(statePrelude)
	for i, s := range steps {
		fmt.Fprintf(&b, "%s\nprintf '\\n%s %d %%d\\n' $?\n", s.Cmd, stepMark, i)
	}
	return b.String()
}

// statePrelude restores the working directory and exported variables left
// by the page's previous block and saves them on exit.
const statePrelude = `[ -f /tmp/.shipshape-state ] && . /tmp/.shipshape-state
trap '{ export -p | grep -v -E "^declare -x (OLDPWD|PWD|SHLVL|_)="; printf "cd %q\n" "$PWD"; } > /tmp/.shipshape-state' EXIT
`

// splitSteps cuts the session's output at the step markers.
func splitSteps(out string, n int) (outputs []string, codes []int) {
	outputs, codes = make([]string, n), make([]int, n)
	for i := range codes {
		codes[i] = -1
	}
	rest := out
	for i := 0; i < n; i++ {
		mark := fmt.Sprintf("\n%s %d ", stepMark, i)
		j := strings.Index(rest, mark)
		if j < 0 {
			outputs[i] = rest
			return
		}
		outputs[i] = rest[:j]
		rest = rest[j+len(mark):]
		var code int
		fmt.Sscanf(rest, "%d", &code)
		codes[i] = code
		if k := strings.IndexByte(rest, '\n'); k >= 0 {
			rest = rest[k+1:]
		} else {
			rest = ""
		}
	}
	return
}

// normalisers replace what changes from run to run with a placeholder, on
// both sides of a comparison.
var normalisers = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`sha256:[0-9a-f]{12,64}`), "<digest>"},
	{regexp.MustCompile(`\b[0-9a-f]{64}\b`), "<id>"},
	{regexp.MustCompile(`\b[0-9a-f]{12}\b`), "<id>"},
	{regexp.MustCompile(`\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z| ?[+-]\d{2}:?\d{2}( [A-Z]{2,5})?)?`), "<date>"},
	{regexp.MustCompile(`(About |Less than )?(a|an|\d+) (second|minute|hour|day|week|month|year)s? ago`), "<ago>"},
	{regexp.MustCompile(`Up (About |Less than )?(a|an|\d+) (second|minute|hour|day|week|month|year)s?`), "Up <ago>"},
	{regexp.MustCompile(`\b\d+(\.\d+)?\s?(B|kB|KB|MB|GB|KiB|MiB|GiB|TB)\b`), "<size>"},
	{regexp.MustCompile(`\b\d+(\.\d+)?(ns|µs|us|ms|s|m|h)\b`), "<time>"},
	{regexp.MustCompile(`\b(\d{1,3}\.){3}\d{1,3}\b`), "<ip>"},
	{regexp.MustCompile(`[ \t]+`), " "},
}

func normalise(s string) string {
	s = strings.TrimRight(s, " \t\r")
	for _, n := range normalisers {
		s = n.re.ReplaceAllString(s, n.with)
	}
	return strings.TrimSpace(s)
}

// lineRe turns a shown line into a pattern: "..." inside a line matches
// anything.
func lineRe(want string) *regexp.Regexp {
	parts := strings.Split(normalise(want), "...")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile("^" + strings.Join(parts, ".*") + "$")
}

func trimBlank(ls []string) []string {
	for len(ls) > 0 && strings.TrimSpace(ls[len(ls)-1]) == "" {
		ls = ls[:len(ls)-1]
	}
	for len(ls) > 0 && strings.TrimSpace(ls[0]) == "" {
		ls = ls[1:]
	}
	return ls
}

// matchOutput compares shown lines with real output. A line "..." matches
// any number of lines. It returns "" on a match, else what differs.
func matchOutput(want []string, got string) string {
	want = trimBlank(want)
	gl := trimBlank(strings.Split(strings.ReplaceAll(got, "\r\n", "\n"), "\n"))
	if match(want, gl) || sameLines(want, gl) {
		return ""
	}
	// Name the first shown line with no counterpart, for the report.
	for i, w := range want {
		if strings.TrimSpace(w) == "..." {
			continue
		}
		if i >= len(gl) {
			return fmt.Sprintf("shown %q, but the output ended", w)
		}
		if !lineRe(w).MatchString(normalise(gl[i])) {
			return fmt.Sprintf("shown %q, got %q", w, gl[i])
		}
	}
	if len(gl) > len(want) {
		return fmt.Sprintf("unshown output %q", gl[len(want)])
	}
	return "output differs"
}

// sameLines accepts the same lines in another order when no "..." is
// shown: a container's stdout and stderr reach the CLI on separate streams,
// so their interleaving varies from run to run.
func sameLines(want, got []string) bool {
	if len(want) != len(got) || len(want) < 2 {
		return false
	}
	used := make([]bool, len(got))
	for _, w := range want {
		if strings.Contains(w, "...") {
			return false
		}
		re, found := lineRe(w), false
		for j, g := range got {
			if !used[j] && re.MatchString(normalise(g)) {
				used[j], found = true, true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func match(want, got []string) bool {
	if len(want) == 0 {
		return len(got) == 0
	}
	if strings.TrimSpace(want[0]) == "..." {
		for k := 0; k <= len(got); k++ {
			if match(want[1:], got[k:]) {
				return true
			}
		}
		return false
	}
	if len(got) == 0 || !lineRe(want[0]).MatchString(normalise(got[0])) {
		return false
	}
	return match(want[1:], got[1:])
}
