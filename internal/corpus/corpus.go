// Package corpus writes a synthetic course of any size, for benchmarks and
// scale tests: chapters of pages with headings, prose, alerts, links and
// code blocks of the languages real Docker courses use. The text is made
// from a fixed vocabulary with a seeded generator, so a size always gives
// the same course.
package corpus

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
)

// PagesPerChapter is how many pages share a chapter folder.
const PagesPerChapter = 20

var words = strings.Fields(`container image layer volume network bridge overlay registry tag digest build cache
stage runtime daemon engine socket namespace cgroup process signal restart policy health check port publish
expose mount bind tmpfs secret config service stack replica scale deploy rollout rollback compose file
environment variable entrypoint command argument user group permission capability seccomp profile log driver
rotation metric trace alert dashboard backup restore snapshot storage driver filesystem copy write union
kernel host guest isolation limit memory swap cpu share quota pid init zombie reaper shell script step
pipeline artifact version release channel stable nightly mirror proxy certificate trust signature scan
vulnerability patch base distroless alpine debian slim multi platform architecture emulation buildx builder
context ignore pattern instruction argument label annotation metadata inspect history prune clean dangling
orphan network alias dns resolver gateway subnet ingress egress firewall rule chain table route latency
throughput benchmark profile flame graph regression budget target deadline schedule worker queue job batch
request response client server handler middleware session token cookie header payload schema migration
database index query transaction replica primary failover quorum leader election heartbeat timeout retry`)

var langs = []string{"bash", "console", "dockerfile", "yaml", "json", "python", "text"}

// Write creates n pages under dir: chapter folders ch001, ch002, … each
// with an _index.md and up to PagesPerChapter pages.
func Write(dir string, n int) error {
	r := rand.New(rand.NewSource(int64(n)))
	chapters := (n + PagesPerChapter - 1) / PagesPerChapter
	written := 0
	for c := 1; c <= chapters && written < n; c++ {
		cdir := filepath.Join(dir, fmt.Sprintf("ch%03d", c))
		if err := os.MkdirAll(cdir, 0o755); err != nil {
			return err
		}
		idx := fmt.Sprintf("---\ntitle: Chapter %d — %s\nweight: %d\n---\n\n# Chapter %d\n\n%s\n", c, title(r), c, c, para(r))
		if err := os.WriteFile(filepath.Join(cdir, "_index.md"), []byte(idx), 0o644); err != nil {
			return err
		}
		written++
		for p := 1; p < PagesPerChapter && written < n; p++ {
			body := page(r, c, p, written+1 < n)
			name := filepath.Join(cdir, fmt.Sprintf("p%02d.md", p))
			if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
				return err
			}
			written++
		}
	}
	return nil
}

func word(r *rand.Rand) string { return words[r.Intn(len(words))] }

func title(r *rand.Rand) string {
	n := 2 + r.Intn(3)
	ws := make([]string, n)
	for i := range ws {
		ws[i] = word(r)
	}
	ws[0] = strings.ToUpper(ws[0][:1]) + ws[0][1:]
	return strings.Join(ws, " ")
}

func sentence(r *rand.Rand) string {
	n := 8 + r.Intn(12)
	ws := make([]string, n)
	for i := range ws {
		ws[i] = word(r)
	}
	if r.Intn(4) == 0 {
		ws[r.Intn(n)] = "`" + word(r) + "`"
	}
	if r.Intn(5) == 0 {
		ws[r.Intn(n)] = "**" + word(r) + "**"
	}
	s := strings.Join(ws, " ")
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

func para(r *rand.Rand) string {
	n := 3 + r.Intn(4)
	ss := make([]string, n)
	for i := range ss {
		ss[i] = sentence(r)
	}
	return strings.Join(ss, " ")
}

func code(r *rand.Rand, lang string) string {
	var b strings.Builder
	switch lang {
	case "bash":
		for i := 0; i < 3+r.Intn(4); i++ {
			fmt.Fprintf(&b, "docker %s --%s %s-%d\n", word(r), word(r), word(r), r.Intn(100))
		}
	case "console":
		for i := 0; i < 2+r.Intn(3); i++ {
			fmt.Fprintf(&b, "$ docker %s %s\n%s %s %d\n", word(r), word(r), strings.ToUpper(word(r)), word(r), r.Intn(1000))
		}
	case "dockerfile":
		fmt.Fprintf(&b, "FROM alpine:3.%d AS %s\nWORKDIR /app\nCOPY . .\nRUN apk add --no-cache %s %s\nENV %s=%d\nEXPOSE %d\nCMD [\"%s\"]\n",
			10+r.Intn(10), word(r), word(r), word(r), strings.ToUpper(word(r)), r.Intn(9), 1000+r.Intn(9000), word(r))
	case "yaml":
		fmt.Fprintf(&b, "services:\n  %s:\n    image: %s:%d\n    ports:\n      - \"%d:%d\"\n    environment:\n      %s: %s\n",
			word(r), word(r), r.Intn(10), 8000+r.Intn(999), 80, strings.ToUpper(word(r)), word(r))
	case "json":
		fmt.Fprintf(&b, "{\n  \"%s\": \"%s\",\n  \"%s\": %d,\n  \"%s\": [\"%s\", \"%s\"]\n}\n", word(r), word(r), word(r), r.Intn(100), word(r), word(r), word(r))
	case "python":
		fmt.Fprintf(&b, "import os\n\ndef %s(%s):\n    return os.environ.get(\"%s\", %d)\n\nprint(%s(None))\n", word(r), word(r), strings.ToUpper(word(r)), r.Intn(100), word(r))
	default:
		fmt.Fprintf(&b, "%s -> %s -> %s\n", word(r), word(r), word(r))
	}
	return b.String()
}

var alerts = []string{"NOTE", "TIP", "IMPORTANT", "WARNING", "CAUTION"}

func page(r *rand.Rand, c, p int, hasNext bool) string {
	var b strings.Builder
	desc := strings.NewReplacer("`", "", "*", "").Replace(sentence(r))
	fmt.Fprintf(&b, "---\ntitle: %s %d.%d\nweight: %d\ndescription: %q\n---\n\n", title(r), c, p, p, desc)
	fmt.Fprintf(&b, "# %s\n\n%s\n\n", title(r), para(r))
	var anchors []string
	sections := 4 + r.Intn(4)
	for s := 0; s < sections; s++ {
		h := fmt.Sprintf("%s %d", title(r), s+1)
		if s == 0 {
			h = "🚀 " + h
		}
		fmt.Fprintf(&b, "## %s\n\n%s\n\n", h, para(r))
		anchors = append(anchors, strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(h, "🚀"), " ", "-"))) // GitHub keeps the space after an emoji
		if r.Intn(2) == 0 {
			fmt.Fprintf(&b, "### %s\n\n%s\n\n", title(r), para(r))
		}
		lang := langs[r.Intn(len(langs))]
		attrs := ""
		switch r.Intn(4) {
		case 0:
			attrs = fmt.Sprintf(` {title="%s.%s"}`, word(r), lang)
		case 1:
			attrs = ` {hl_lines="2-3"}`
		}
		fmt.Fprintf(&b, "```%s%s\n%s```\n\n", lang, attrs, code(r, lang))
		if r.Intn(3) == 0 {
			fmt.Fprintf(&b, "> [!%s]\n> %s\n\n", alerts[r.Intn(len(alerts))], sentence(r))
		}
		if r.Intn(2) == 0 {
			fmt.Fprintf(&b, "- %s\n- %s\n- %s\n\n", sentence(r), sentence(r), sentence(r))
		}
	}
	// links: within the page, to the next page, to another chapter
	fmt.Fprintf(&b, "See [above](#%s)", anchors[0])
	if p+1 < PagesPerChapter && hasNext {
		fmt.Fprintf(&b, ", the [next page](p%02d.md)", p+1)
	}
	if c > 1 {
		fmt.Fprintf(&b, " and the [previous chapter](../ch%03d/_index.md)", c-1)
	}
	b.WriteString(".\n")
	return b.String()
}
