// Package dockerfile reads what a Dockerfile builds from, with BuildKit's own
// parser: the one FROM scanner of shipshape, used to classify blocks, check
// them, map their base images and tell the runner what a build reads.
package dockerfile

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/distribution/reference"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
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

// RewriteSources maps through mapImage the images a Dockerfile copies from
// or mounts (COPY --from=IMAGE, RUN --mount=…,from=IMAGE), in place, as
// RewriteFrom maps its bases; stage names and numbers stay. It returns the
// new Dockerfile and the mapped images, in order. A name made of variables,
// or one written where the text does not show it plainly, stays as written
// and is not returned: the build then names an image no map chose.
func RewriteSources(df string, mapImage func(string) string) (string, []string) {
	srcs, err := Sources(df, nil)
	if err != nil {
		return df, nil
	}
	lines := strings.SplitAfter(df, "\n")
	var mapped []string
	for _, src := range srcs {
		if src.Unknown || src.Line < 1 || src.Line > len(lines) || (src.What != "COPY --from" && src.What != "RUN --mount from") {
			continue
		}
		to := src.Ref
		if mapImage != nil {
			to = mapImage(src.Ref)
		}
		// The flag is on the instruction's first line or on one it
		// continues onto.
		re := regexp.MustCompile(`(?i)((?:^|[\s,=])(?:--)?from=)` + regexp.QuoteMeta(src.Ref) + `([\s,"]|$)`)
		for i := src.Line - 1; i < len(lines); i++ {
			if re.MatchString(lines[i]) {
				lines[i] = re.ReplaceAllString(lines[i], "${1}"+strings.ReplaceAll(to, "$", "$$")+"${2}")
				mapped = append(mapped, to)
				break
			}
			if t := strings.TrimRight(lines[i], " \t\r\n"); !strings.HasSuffix(t, "\\") && !strings.HasSuffix(t, "`") {
				break
			}
		}
	}
	return strings.Join(lines, ""), mapped
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

// Source is an image a build reads: a FROM base, a COPY --from image, a
// RUN --mount from= image, here or in an ONBUILD trigger. The engine takes
// it from its store or, when missing (or asked to pull), from a registry.
type Source struct {
	Ref  string // as the build names it, build arguments expanded
	What string // "FROM", "COPY --from", "RUN --mount from", each maybe after "ONBUILD "
	Line int
	// Unknown: the name is made of variables whose value only the build
	// knows (a stage's own ARG, an argument with no value), so Ref is the
	// text as written and cannot be judged.
	Unknown bool
	// Platform: the line names a platform, for which the engine may ask
	// the registry even for an image it has.
	Platform bool
}

// Sources lists every image a Dockerfile reads, as BuildKit reads it
// (typed instructions, mount options in any case, line continuations, the
// escape directive): leaving out its own stages, stage numbers and scratch.
// Names in FROM are expanded as the build expands them, from the ARGs
// before the first FROM, with args (the build's --build-arg values) over
// their defaults. It is the one list that everything judging what a build
// may fetch reads.
func Sources(df string, args map[string]string) ([]Source, error) {
	res, err := parser.Parse(strings.NewReader(df))
	if err != nil {
		return nil, fmt.Errorf("parse Dockerfile: %w", err)
	}
	stages, metaArgs, err := instructions.Parse(res.AST, nil)
	if err != nil {
		return nil, fmt.Errorf("parse Dockerfile: %w", err)
	}
	lex := shell.NewLex(res.EscapeToken)
	env := envMap{}
	for _, a := range metaArgs {
		for _, kv := range a.Args {
			v, given := args[kv.Key]
			if !given && kv.Value != nil {
				w, _, err := lex.ProcessWord(*kv.Value, env)
				if err != nil {
					continue
				}
				v, given = w, true
			}
			if given {
				env[kv.Key] = v
			} else {
				delete(env, kv.Key)
			}
		}
	}
	var out []Source
	// A stage's name stands for the stage wherever it is written.
	names := map[string]bool{}
	for _, st := range stages {
		if st.Name != "" {
			names[strings.ToLower(st.Name)] = true
		}
	}
	own := func(ref string) bool {
		l := strings.ToLower(ref)
		if l == "scratch" || names[l] {
			return true
		}
		_, err := strconv.Atoi(ref)
		return err == nil
	}
	add := func(ref, what string, line int, expand bool) {
		src := Source{Ref: ref, What: what, Line: line}
		if strings.Contains(ref, "$") {
			src.Unknown = true
			if expand {
				r, err := lex.ProcessWordWithMatches(ref, env)
				if err == nil && len(r.Unmatched) == 0 && r.Result != "" {
					src.Ref, src.Unknown = r.Result, false
				}
			}
		}
		if !src.Unknown && own(src.Ref) {
			return
		}
		out = append(out, src)
	}
	var inCommand func(c any, prefix string, line int)
	inCommand = func(c any, prefix string, line int) {
		switch c := c.(type) {
		case *instructions.CopyCommand:
			if c.From != "" {
				add(c.From, prefix+"COPY --from", line, false)
			}
		case *instructions.RunCommand:
			for _, m := range instructions.GetMounts(c) {
				if m.From != "" {
					add(m.From, prefix+"RUN --mount from", line, false)
				}
			}
		case *instructions.OnbuildCommand:
			r, err := parser.Parse(strings.NewReader(c.Expression + "\n"))
			if err != nil {
				return
			}
			for _, n := range r.AST.Children {
				if t, err := instructions.ParseCommand(n); err == nil {
					inCommand(t, "ONBUILD ", line)
				}
			}
		}
	}
	for _, st := range stages {
		line := 0
		if len(st.Location) > 0 {
			line = st.Location[0].Start.Line
		}
		n := len(out)
		add(st.BaseName, "FROM", line, true)
		if st.Platform != "" && len(out) > n {
			out[n].Platform = true
		}
		for _, c := range st.Commands {
			l := line
			if loc := c.Location(); len(loc) > 0 {
				l = loc[0].Start.Line
			}
			inCommand(c, "", l)
		}
	}
	return out, nil
}

// envMap is the build arguments a FROM line sees.
type envMap map[string]string

func (e envMap) Get(k string) (string, bool) { v, ok := e[k]; return v, ok }

func (e envMap) Keys() []string {
	keys := make([]string, 0, len(e))
	for k := range e {
		keys = append(keys, k)
	}
	return keys
}

// BaseImages lists, each once, the images of Sources whose names are
// known without the build's arguments.
func BaseImages(df string) ([]string, error) {
	srcs, err := Sources(df, nil)
	if err != nil {
		return nil, err
	}
	var out []string
	seen := map[string]bool{}
	for _, s := range srcs {
		if !s.Unknown && !seen[s.Ref] {
			seen[s.Ref] = true
			out = append(out, s.Ref)
		}
	}
	return out, nil
}

// Raw lists the image names a Dockerfile could read under any reading of
// its text: every word after FROM (an ONBUILD's too), every --from= and
// every mount from=, in any case, on every line, heredoc bodies included.
// Engines differ in what they parse (Docker 20.10 reads no heredocs, so a
// body line can be an instruction there), so what judges a build reads
// this list as well as Sources, and a name here is never missed for being
// read one way only: every kind of space counts as a space, and the text
// is read with lines as they are, joined by backslashes, and joined by
// backticks. Variables are replaced with the ARG defaults written in the
// file and args over them (${A:-b} and ${A:+b} too); a name still holding
// one is Unknown. Stage names, stage numbers and scratch are left out.
func Raw(df string, args map[string]string) []Source {
	text := strings.Map(func(r rune) rune {
		if r != '\n' && (unicode.IsSpace(r) || r == '\ufeff') {
			return ' '
		}
		return r
	}, df)
	var out []Source
	seen := map[string]bool{}
	for _, join := range []*strings.Replacer{nil, strings.NewReplacer("\\ \n", "", "\\\n", ""), strings.NewReplacer("` \n", "", "`\n", "")} {
		t := text
		if join != nil {
			t = join.Replace(t)
		}
		for _, s := range rawRead(t, args) {
			key := fmt.Sprintf("%s %t %t", s.Ref, s.Unknown, s.Platform)
			if !seen[key] {
				seen[key] = true
				out = append(out, s)
			}
		}
	}
	return out
}

// rawRead is one reading of Raw, of text whose spaces are plain.
func rawRead(text string, args map[string]string) []Source {
	lines := strings.Split(text, "\n")
	vars := map[string]string{}
	stages := map[string]bool{}
	for _, l := range lines {
		for _, m := range rawArg.FindAllStringSubmatch(l, -1) {
			vars[m[1]] = strings.Trim(m[2], `"'`)
		}
		for _, m := range rawStage.FindAllStringSubmatch(l, -1) {
			stages[strings.ToLower(m[1])] = true
		}
	}
	for k, v := range args {
		vars[k] = v
	}
	var out []Source
	add := func(ref, what string, line int, platform bool) {
		ref = strings.Trim(ref, `"'`)
		if strings.Contains(ref, "$") {
			ref = rawVar.ReplaceAllStringFunc(ref, func(v string) string {
				m := rawVar.FindStringSubmatch(v)
				name, op, word := m[1]+m[4], m[2], m[3]
				val, ok := vars[name]
				switch {
				case op == "-":
					if ok && val != "" {
						return val
					}
					return word
				case op == "+":
					if ok && val != "" {
						return word
					}
					return ""
				case ok:
					return val
				}
				return v
			})
		}
		l := strings.ToLower(ref)
		if ref == "" || l == "scratch" || stages[l] {
			return
		}
		if _, err := strconv.Atoi(ref); err == nil {
			return
		}
		unknown := strings.Contains(ref, "$")
		// Words that are no image name ("from pathlib import Path" in a
		// Python heredoc, a line's trailing backslash): an engine reading
		// them as a FROM refuses them itself, reaching nothing.
		if _, err := reference.ParseNormalizedNamed(ref); err != nil && !unknown {
			return
		}
		out = append(out, Source{Ref: ref, What: what, Line: line, Unknown: unknown, Platform: platform})
	}
	for i, l := range lines {
		if m := rawFrom.FindStringSubmatch(l); m != nil {
			add(m[2], "FROM", i+1, strings.Contains(strings.ToLower(m[1]), "--platform"))
		}
		for _, m := range rawCopyFrom.FindAllStringSubmatch(l, -1) {
			add(m[1], "COPY --from", i+1, false)
		}
		for _, m := range rawMountFrom.FindAllStringSubmatch(l, -1) {
			add(m[1], "RUN --mount from", i+1, false)
		}
	}
	return out
}

var (
	rawFrom      = regexp.MustCompile(`(?i)^ *(?:onbuild +)?from +((?:--\S+ +)*)(\S+)`)
	rawCopyFrom  = regexp.MustCompile(`(?i)--from=["']?([^ "',]+)`)
	rawMountFrom = regexp.MustCompile(`(?i)(?:^|[ ,"'=])from=["']?([^ "',]+)`)
	rawArg       = regexp.MustCompile(`(?i)^ *arg +([A-Za-z_][A-Za-z0-9_]*)=(\S+)`)
	rawStage     = regexp.MustCompile(`(?i)^ *from +.*\bas +([A-Za-z][A-Za-z0-9_.-]*) *$`)
	rawVar       = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?([-+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)`)
)
