package check

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/distribution/reference"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"

	"github.com/shipshape/shipshape/internal/diag"
	"github.com/shipshape/shipshape/internal/dockerfile"
)

// filled is the word an angle placeholder of a Dockerfile becomes.
const filled = "placeholder"

// fragmentBase is the FROM line put before a fragment so that buildkit
// lints its instructions; the offline resolver answers for it.
const fragmentBase = "FROM shipshape-fragment-base\n"

// offlineResolver answers every image lookup with one fixed Linux config,
// so lint never reaches for a registry.
type offlineResolver struct{}

var imageConfig = []byte(`{"os":"linux","architecture":"amd64","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},"rootfs":{"type":"layers","diff_ids":[]}}`)

func (offlineResolver) ResolveImageConfig(ctx context.Context, ref string, opt sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	return ref, digest.FromBytes(imageConfig), imageConfig, nil
}

var _ llb.ImageMetaResolver = offlineResolver{}

// checkDockerfile lints with buildkit's DockerfileLint (the rules of
// `docker build --check`) and adds shipshape's own rules. A fragment gets a
// synthetic FROM first, whose line is then taken away again.
func checkDockerfile(b *block) string {
	code := fillIn(b.s.Code, filled)
	fragment := !dockerfile.StartsWithFrom(code)
	offset := 0
	src := code
	if fragment {
		// Two synthetic stages, so that `COPY --from=0` in a fragment
		// names a stage before the fragment's, not its own.
		src, offset = fragmentBase+fragmentBase+code, 2
		if backtickContinued(code) {
			// A Windows fragment continued with backticks: the escape
			// directive lives in the whole file, not in the excerpt.
			src, offset = "# escape=`\n"+src, 3
		}
	}
	dt := []byte(src)
	res, err := dockerfile2llb.DockerfileLint(context.Background(), dt, dockerfile2llb.ConvertOpt{
		SourceMap:    &llb.SourceMap{Filename: "Dockerfile", Language: "Dockerfile", Data: dt, Definition: &llb.Definition{}},
		MetaResolver: offlineResolver{},
	})
	if err != nil {
		b.add(0, diag.Error, "dockerfile-lint", "", "lint: "+err.Error())
		return "buildkit lint"
	}
	for _, w := range res.Warnings {
		n := rangeLine(w.Location) - offset
		if n < 1 && offset > 0 {
			continue // about the synthetic FROM
		}
		msg := w.Detail
		if msg == "" {
			msg = w.Description
		}
		b.add(n, diag.Warning, w.RuleName, w.URL, msg)
	}
	if res.Error != nil {
		n := rangeLine(&res.Error.Location) - offset
		sev, hint, msg := diag.Error, syntaxHint(code, n), cleanBuildError(res.Error.Message)
		if msg == `invalid mount target "/"` && underImageWorkdir(code, n) {
			sev, hint = diag.Warning, "set WORKDIR before this RUN, or give the mount an absolute target"
			msg += " (a relative target is under the base image's WORKDIR, which a static check does not know: / only if the image sets none)"
		}
		b.add(n, sev, "dockerfile-syntax", hint, msg)
		// DockerfileLint stops at the first error; parse the instructions
		// one by one to report the others too.
		eachInstruction(b, code, n)
	}
	ownRules(b, code, fragment || res.Error != nil)
	softenPlaceholderLines(b, b.s.Code)
	if fragment {
		return "buildkit lint (fragment, no FROM required)"
	}
	return "buildkit lint"
}

// eachInstruction reports the errors of every instruction on its own,
// except at line seen, which is already reported. A FROM's image name, and
// a COPY --from's, are judged here too: BuildKit resolves them in parallel
// and reports whichever bad name fails first, so with two of them the
// finding changed from run to run; each is now reported, the same every
// time.
func eachInstruction(b *block, code string, seen int) {
	res, err := parser.Parse(strings.NewReader(code))
	if err != nil || res.AST == nil {
		return
	}
	stages := map[string]bool{}
	var metaArgs []string // the ARGs before the first FROM, with a default
	sawFrom := false
	lex := shell.NewLex(res.EscapeToken)
	for _, n := range res.AST.Children {
		in, err := instructions.ParseInstruction(n)
		if a, ok := in.(*instructions.ArgCommand); ok && !sawFrom {
			for _, kv := range a.Args {
				if kv.Value != nil {
					metaArgs = append(metaArgs, kv.Key+"="+*kv.Value)
				}
			}
		}
		st, isStage := in.(*instructions.Stage)
		sawFrom = sawFrom || isStage
		if n.StartLine == seen || err != nil {
			if err != nil && n.StartLine != seen {
				b.add(n.StartLine, diag.Error, "dockerfile-syntax", syntaxHint(code, n.StartLine), cleanBuildError(err.Error()))
			}
			if isStage {
				stages[strings.ToLower(st.Name)] = true
			}
			continue
		}
		// A COPY --from names an earlier stage, a stage's index or an
		// image; BuildKit judges these in parallel too.
		if c, ok := in.(*instructions.CopyCommand); ok && c.From != "" && !strings.Contains(c.From, "$") {
			from := strings.ToLower(c.From)
			if _, err := strconv.Atoi(from); err != nil && !stages[from] {
				if _, err := reference.ParseNormalizedNamed(c.From); err != nil {
					b.add(n.StartLine, diag.Error, "dockerfile-syntax", "", fmt.Sprintf("failed to parse stage name %q: %v", c.From, err))
				}
			}
			continue
		}
		if !isStage {
			continue
		}
		// A name is judged as BuildKit expands it: with the defaults of
		// the ARGs before the first FROM, a variable with none empty. An
		// earlier stage's name is no image.
		base, _, err := lex.ProcessWord(st.BaseName, shell.EnvsFromSlice(metaArgs))
		if err == nil && !stages[strings.ToLower(base)] {
			if _, err := reference.ParseNormalizedNamed(base); err != nil {
				b.add(n.StartLine, diag.Error, "dockerfile-syntax", "", fmt.Sprintf("failed to parse stage name %q: %v", base, err))
			}
		}
		stages[strings.ToLower(st.Name)] = true
	}
}

// syntaxHint explains the commonest cause of a broken line in docs: a
// comment after an instruction, which Dockerfiles do not have.
func syntaxHint(code string, line int) string {
	ls := strings.Split(code, "\n")
	if line < 1 || line > len(ls) {
		return ""
	}
	if t := strings.TrimSpace(ls[line-1]); !strings.HasPrefix(t, "#") && strings.Contains(t, " #") {
		return "# starts a comment only at the beginning of a line; move the comment to a line of its own"
	}
	return ""
}

// backtickContinued: some line ends with a backtick, the escape character
// of Windows Dockerfiles, and no escape directive is given.
func backtickContinued(code string) bool {
	if strings.Contains(code, "escape=") {
		return false
	}
	for _, l := range strings.Split(code, "\n") {
		if strings.HasSuffix(strings.TrimRight(l, " \t"), "`") {
			return true
		}
	}
	return false
}

func firstField(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}

// underImageWorkdir says whether the RUN at line gives a --mount a relative
// target in a stage whose working folder comes from an image: BuildKit
// puts such a target under the image's WORKDIR (golang's is /go) and
// refuses it only where that is "/". The check resolves images to a config
// with no WORKDIR, so its "/" is certain only after FROM scratch or an
// explicit WORKDIR.
func underImageWorkdir(code string, line int) bool {
	res, err := parser.Parse(strings.NewReader(code))
	if err != nil || res.AST == nil {
		return false
	}
	known := false // the stage's working folder is known to the check
	stage := ""
	stages := map[string]bool{} // earlier stages: is their folder known?
	for _, n := range res.AST.Children {
		switch strings.ToLower(n.Value) {
		case "from":
			args := nodeArgs(n)
			known, stage = false, ""
			if len(args) > 0 {
				base := strings.ToLower(args[0])
				known = base == "scratch" || stages[base]
			}
			if len(args) == 3 && strings.EqualFold(args[1], "as") {
				stage = strings.ToLower(args[2])
				stages[stage] = known
			}
		case "workdir":
			known = true
			if stage != "" {
				stages[stage] = true
			}
		case "run":
			if n.StartLine != line || known {
				continue
			}
			for _, f := range n.Flags {
				if !strings.HasPrefix(f, "--mount=") {
					continue
				}
				for _, kv := range strings.Split(strings.TrimPrefix(f, "--mount="), ",") {
					k, v, _ := strings.Cut(kv, "=")
					if (k == "target" || k == "dst" || k == "destination") && !strings.HasPrefix(v, "/") {
						return true
					}
				}
			}
		}
	}
	return false
}

func rangeLine(loc *pb.Location) int {
	if loc == nil || len(loc.Ranges) == 0 || loc.Ranges[0].Start == nil {
		return 0
	}
	return int(loc.Ranges[0].Start.Line)
}

var lineN = regexp.MustCompile(`^(dockerfile parse error on )?line \d+: `)

func cleanBuildError(m string) string {
	return lineN.ReplaceAllString(m, "")
}

// ownRules are checks buildkit does not make but a course should. partial
// (a fragment, or a file that does not parse) turns off whole-file rules.
func ownRules(b *block, code string, partial bool) {
	res, err := parser.Parse(bytes.NewReader([]byte(code)))
	if err != nil || res.AST == nil {
		return
	}
	froms := dockerfile.Froms(code) // the same parser: one per FROM node, in order
	user := ""
	sawFrom, runs := false, false
	for _, n := range res.AST.Children {
		args := nodeArgs(n)
		switch strings.ToLower(n.Value) {
		case "from":
			sawFrom, runs = true, false
			user = ""
			if len(froms) > 0 {
				baseImage(b, froms[0])
				froms = froms[1:]
			}
		case "cmd", "entrypoint":
			runs = true
		case "user":
			if len(args) > 0 {
				user = args[0]
			}
		case "run":
			aptCleanup(b, n)
		case "add":
			addLocal(b, n.StartLine, args)
		}
	}
	// An explicit USER root is a choice worth a warning; no USER at all is
	// so common in teaching examples that it is only noted.
	if !partial && sawFrom && runs && isRoot(user) {
		sev, msg := diag.Info, "the final stage runs its command as root (no USER)"
		if user != "" {
			sev, msg = diag.Warning, "the final stage runs its command as root (USER "+user+")"
		}
		b.add(0, sev, "dockerfile-root-user", "add `USER <name>` after installing packages", msg)
	}
}

func isRoot(user string) bool {
	u, _, _ := strings.Cut(user, ":")
	return u == "" || u == "root" || u == "0"
}

func nodeArgs(n *parser.Node) []string {
	var out []string
	for a := n.Next; a != nil; a = a.Next {
		out = append(out, a.Value)
	}
	return out
}

func baseImage(b *block, f dockerfile.From) {
	img, line := f.Image, f.Line
	if !f.Base || img == filled {
		return // a stage, or the reader's own image (<base image>)
	}
	if strings.Contains(img, "@sha256:") {
		return
	}
	name := img
	if i := strings.LastIndexByte(img, '/'); i >= 0 {
		name = img[i+1:]
	}
	_, tag, hasTag := strings.Cut(name, ":")
	switch {
	case !hasTag:
		b.add(line, diag.Warning, "dockerfile-unpinned-base", "name a version, e.g. "+img+":<version>",
			"base image "+img+" has no tag, so it means :latest and changes under you")
	case tag == "latest":
		b.add(line, diag.Warning, "dockerfile-unpinned-base", "name a version instead of latest",
			"base image "+img+" uses :latest, which changes under you")
	}
}

var (
	aptInstall = regexp.MustCompile(`\bapt(-get)?\s+(-\S+\s+)*install\b`)
	aptClean   = regexp.MustCompile(`rm\s+-[rf]+\s+[^&;|]*?/var/lib/apt/lists`)
)

func aptCleanup(b *block, n *parser.Node) {
	cmd := strings.Join(nodeArgs(n), " ")
	if aptInstall.MatchString(cmd) && !aptClean.MatchString(cmd) && !strings.Contains(cmd, "--mount=type=cache") {
		b.add(n.StartLine, diag.Warning, "dockerfile-apt-cleanup",
			"end the same RUN with `&& rm -rf /var/lib/apt/lists/*`",
			"apt-get install without removing /var/lib/apt/lists in the same layer keeps the package lists in the image")
	}
}

func addLocal(b *block, line int, args []string) {
	var srcs []string
	for _, a := range args {
		if !strings.HasPrefix(a, "--") {
			srcs = append(srcs, a)
		}
	}
	if len(srcs) < 2 {
		return
	}
	for _, s := range srcs[:len(srcs)-1] {
		l := strings.ToLower(s)
		if strings.Contains(l, "://") || strings.HasPrefix(l, "git@") ||
			strings.HasSuffix(l, ".tar") || strings.Contains(l, ".tar.") || strings.HasSuffix(l, ".tgz") {
			return
		}
	}
	b.add(line, diag.Warning, "dockerfile-add-local", "use COPY; ADD is for URLs and archives to unpack",
		"ADD copies local files; COPY says the same without ADD's surprises")
}
