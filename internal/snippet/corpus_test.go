package snippet

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// TestGuessOnCorpus measures how often the kind guessed for an unlabelled
// block is right, on fences that do carry a label in docs written
// elsewhere: the label is hidden, and the guess is compared with the kind
// the label gives (SHIPSHAPE_CORPUS_SHOW="yaml→text" prints such misses). Set SHIPSHAPE_CORPUS to folders separated by ":"; the
// test only reports (the figure goes in the issue), it never fails.
func TestGuessOnCorpus(t *testing.T) {
	dirs := os.Getenv("SHIPSHAPE_CORPUS")
	if dirs == "" {
		t.Skip("SHIPSHAPE_CORPUS not set")
	}
	total, right := 0, 0
	confusion := map[string]int{}
	for _, dir := range strings.Split(dirs, ":") {
		filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".md") || strings.HasSuffix(path, ".mdx")) {
				return nil
			}
			for _, b := range labelledFences(path) {
				want, _ := Classify(b.lang, b.code)
				if want == Text || want == Output {
					continue // the label says prose; nothing to compare
				}
				got, _ := Classify("", b.code)
				total++
				if family(got) == family(want) {
					right++
				} else {
					key := fmt.Sprintf("%s→%s", want, got)
					confusion[key]++
					if show := os.Getenv("SHIPSHAPE_CORPUS_SHOW"); show == key && confusion[key] <= 100000 {
						t.Logf("%s: %s\n%s", key, path, b.code)
					}
				}
			}
			return nil
		})
	}
	if total == 0 {
		t.Fatal("no labelled fences found")
	}
	t.Logf("unlabelled guess right: %d/%d = %.1f%%", right, total, 100*float64(right)/float64(total))
	keys := make([]string, 0, len(confusion))
	for k := range confusion {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return confusion[keys[i]] > confusion[keys[j]] })
	for i, k := range keys {
		if i == 15 {
			break
		}
		t.Logf("  %5d %s", confusion[k], k)
	}
}

// family counts as one what an unlabelled block is never checked as: code
// in a language shipshape does not check and plain text.
func family(k Kind) Kind {
	switch k {
	case Code, Text, Output:
		return Text
	}
	return k
}

type fence struct{ lang, code string }

var fenceOpen = regexp.MustCompile("^[ \t]{0,3}(```+|~~~+)[ \t]*([A-Za-z0-9_+.#-]*)")

// labelledFences reads the fenced blocks of a Markdown file that have a
// language label.
func labelledFences(path string) []fence {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []fence
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	in, marker, lang := false, "", ""
	var code []string
	for sc.Scan() {
		l := sc.Text()
		if !in {
			if m := fenceOpen.FindStringSubmatch(l); m != nil {
				in, marker, lang, code = true, m[1], m[2], nil
			}
			continue
		}
		if strings.HasPrefix(strings.TrimSpace(l), marker) && strings.TrimSpace(strings.Trim(strings.TrimSpace(l), marker[:1])) == "" {
			in = false
			if lang != "" {
				out = append(out, fence{lang, strings.Join(code, "\n") + "\n"})
			}
			continue
		}
		code = append(code, l)
	}
	return out
}
