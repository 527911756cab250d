// Package dockerfile reads what a Dockerfile builds from, with BuildKit's own
// parser: the one FROM scanner of shipshape, used to classify blocks, check
// them, map their base images and tell the runner what a build reads.
package dockerfile

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// From is one FROM instruction of a Dockerfile.
type From struct {
	Image    string // as written: a reference, an earlier stage, scratch or ${ARG}
	Stage    string // the name after AS, lower case; "" when none
	Platform string // the --platform value; "" when none
	Line     int    // 1-based line of the instruction; EndLine is its last
	EndLine  int
	// Base is true when Image names an image to fetch: not scratch, not
	// an earlier stage and not built from a variable.
	Base bool
}

// Froms is the one FROM scanner: the FROM instructions of a Dockerfile,
// every one in order (a bare FROM too, with no Image), as BuildKit's parser reads them (any case, line continuations,
// the escape directive). Text the parser refuses has none.
func Froms(df string) []From {
	res, err := parser.Parse(strings.NewReader(df))
	if err != nil || res.AST == nil {
		return nil
	}
	stages := map[string]bool{}
	var out []From
	for _, n := range res.AST.Children {
		if !strings.EqualFold(n.Value, "from") {
			continue
		}
		f := From{Line: n.StartLine, EndLine: n.EndLine}
		if n.Next != nil {
			f.Image = n.Next.Value
			if as := n.Next.Next; as != nil && strings.EqualFold(as.Value, "as") && as.Next != nil {
				f.Stage = strings.ToLower(as.Next.Value)
			}
		}
		for _, fl := range n.Flags {
			if v, ok := strings.CutPrefix(fl, "--platform="); ok {
				f.Platform = v
			}
		}
		f.Base = f.Image != "" && !stages[strings.ToLower(f.Image)] && !strings.EqualFold(f.Image, "scratch") && !strings.Contains(f.Image, "$")
		if f.Stage != "" {
			stages[f.Stage] = true
		}
		out = append(out, f)
	}
	return out
}

// StartsWithFrom reports whether the first instruction of a Dockerfile is
// FROM, after any global ARGs: a whole Dockerfile, not a fragment.
func StartsWithFrom(df string) bool {
	res, err := parser.Parse(strings.NewReader(df))
	if err != nil || res.AST == nil {
		return false
	}
	for _, n := range res.AST.Children {
		if !strings.EqualFold(n.Value, "arg") {
			return strings.EqualFold(n.Value, "from")
		}
	}
	return false
}

// FirstFrom is the first FROM image of a Dockerfile as written, or "".
func FirstFrom(df string) string {
	if fs := Froms(df); len(fs) > 0 {
		return fs[0].Image
	}
	return ""
}

var syntaxRe = regexp.MustCompile(`(?im)^#\s*syntax\s*=.*$`)

// RewriteFrom maps every base image of a Dockerfile (From.Base) through
// mapImage, in place, and drops "# syntax=" lines, which would make the
// engine contact a registry; lines keep their numbers. It returns the new
// Dockerfile and the mapped images, in order.
func RewriteFrom(df string, mapImage func(string) string) (string, []string) {
	df = syntaxRe.ReplaceAllString(df, "")
	lines := strings.SplitAfter(df, "\n")
	var bases []string
	for _, f := range Froms(df) {
		if !f.Base || f.Line < 1 || f.EndLine > len(lines) {
			continue
		}
		mapped := f.Image
		if mapImage != nil {
			mapped = mapImage(f.Image)
		}
		seg := strings.Join(lines[f.Line-1:f.EndLine], "")
		at := imageAt(seg)
		if at < 0 || !strings.HasPrefix(seg[at:], f.Image) {
			// Not where the parser read it (a comment inside the
			// continuation): the text and the image it builds on stay.
			bases = append(bases, f.Image)
			continue
		}
		bases = append(bases, mapped)
		seg = seg[:at] + mapped + seg[at+len(f.Image):]
		lines[f.Line-1] = seg
		for i := f.Line; i < f.EndLine; i++ {
			lines[i] = ""
		}
	}
	return strings.Join(lines, ""), bases
}

// imageAt is the offset of the image in the text of one FROM instruction:
// the first word after the keyword that is not a --flag or a line
// continuation; -1 when there is none.
func imageAt(seg string) int {
	words := 0
	for i := 0; i < len(seg); {
		if seg[i] == ' ' || seg[i] == '\t' || seg[i] == '\r' || seg[i] == '\n' {
			i++
			continue
		}
		j := i
		for j < len(seg) && !strings.ContainsRune(" \t\r\n", rune(seg[j])) {
			j++
		}
		w := seg[i:j]
		words++
		if words > 1 && !strings.HasPrefix(w, "--") && w != `\` && w != "`" {
			return i
		}
		i = j
	}
	return -1
}

// BaseImages lists the images a Dockerfile reads from the engine, as
// written: FROM bases (From.Base), COPY/ADD --from= and RUN --mount from=
// sources, leaving out its own stages, scratch, stage numbers and names
// made of build arguments (known only in the build). Unlike Froms it
// reports text the parser refuses.
func BaseImages(df string) ([]string, error) {
	res, err := parser.Parse(strings.NewReader(df))
	if err != nil {
		return nil, fmt.Errorf("parse Dockerfile: %w", err)
	}
	stages := map[string]bool{}
	seen := map[string]bool{}
	var out []string
	add := func(ref string) {
		l := strings.ToLower(ref)
		if ref == "" || stages[l] || l == "scratch" || strings.Contains(ref, "$") || seen[ref] {
			return
		}
		if _, err := strconv.Atoi(ref); err == nil {
			return
		}
		seen[ref] = true
		out = append(out, ref)
	}
	for _, f := range Froms(df) {
		if f.Base {
			add(f.Image)
		}
		if f.Stage != "" {
			stages[f.Stage] = true
		}
	}
	for _, n := range res.AST.Children {
		switch strings.ToLower(n.Value) {
		case "copy", "add":
			for _, f := range n.Flags {
				if v, ok := strings.CutPrefix(f, "--from="); ok {
					add(v)
				}
			}
		case "run":
			for _, f := range n.Flags {
				v, ok := strings.CutPrefix(f, "--mount=")
				if !ok {
					continue
				}
				for _, kv := range strings.Split(v, ",") {
					if s, ok := strings.CutPrefix(strings.TrimSpace(kv), "from="); ok {
						add(s)
					}
				}
			}
		}
	}
	return out, nil
}
