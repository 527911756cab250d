// Package snippet finds a page's code blocks and gives each its identity:
// file, line, language, attributes, kind and hash.
package snippet

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/yuin/goldmark/ast"

	"github.com/shipshape/shipshape/internal/diag"
	"github.com/shipshape/shipshape/internal/dockerfile"
	"github.com/shipshape/shipshape/internal/markdown"
)

// Version enters every hash: bump it when the verifier's meaning of a result
// changes, so old results stop matching.
const Version = "2" // 2: session builds run on BuildKit, so their transcripts differ

// BuildRevision counts changes to what a one-off {build} block's result
// holds, so that results recorded before run again. 2: the classic
// builder's transcript no longer shows the run's labels as steps of their
// own ("Step 4/5 : LABEL org.shipshape.run=…").
const BuildRevision = "2"

// SessionRevision counts changes to what a page session's sandbox lets a
// block do, so that a result proven under the old one runs again. 2: the
// page's containers are held together (under the session's cgroup) and to
// a disk budget, so a page that passed before may now fail.
const SessionRevision = "2"

// Action is what verify does with a snippet.
type Action string

const (
	None  Action = ""      // nothing to run; may still be checked
	Run   Action = "run"   // run the code as a shell script in an image
	Build Action = "build" // build the code as a Dockerfile (and run it with {run})
	Skip  Action = "skip"  // asked not to be verified
)

// Snippet is one code block.
type Snippet struct {
	File   string `json:"file"`
	Line   int    `json:"line"`              // line of the opening fence in File
	Lang   string `json:"lang"`              // the language as written
	Info   string `json:"info,omitempty"`    // the whole info string
	Attrs  Attrs  `json:"attrs,omitempty"`   //
	Code   string `json:"code"`              //
	Kind   Kind   `json:"kind"`              // what the block is, written or guessed
	Guess  bool   `json:"guessed,omitempty"` // Kind came from the content, not the language
	Fenced bool   `json:"fenced"`            //
	Action Action `json:"action,omitempty"`  //
	Image  string `json:"image,omitempty"`   // the image reference as written (or the default)
	Hash   string `json:"hash"`              //
	// Ignore lists the rules an <!-- shipshape-ignore --> comment before
	// the block silences (IgnoreAll: every rule). It changes what check
	// reports, not what the block does, so it is not part of the hash.
	Ignore string `json:"ignore,omitempty"`
	// Unread says why the block's code could not be read ({include=…}
	// of a missing file): its Code is not what the page means, so nothing
	// may be proven from it, nor from the page it belongs to.
	Unread string `json:"unread,omitempty"`
}

// ImageMapper resolves an image reference written in the docs to the one that
// will really run.
type ImageMapper func(ref string) string

// Extract lists the code blocks of a parsed document. bodyLine is the file
// line of the document's first line (after front matter). Problems with a
// block, such as unparsable attributes or an unclosed fence, are returned as
// diagnostics; the block is still listed.
func Extract(file string, doc *ast.Document, src []byte, bodyLine int, images ImageMapper, defaultImage string) ([]Snippet, diag.List) {
	var out []Snippet
	var ds diag.List
	for _, b := range markdown.Blocks(doc, src) {
		s, d := FromBlock(file, b, bodyLine, images, defaultImage)
		s.Ignore = ignoredBefore(src, b.Line)
		ds = append(ds, d...)
		out = append(out, s)
	}
	return out, ds
}

// FromBlock builds one snippet, with the hash of the block taken alone;
// Seal then adds what it reads from its page (project.Page does both).
func FromBlock(file string, b markdown.Block, bodyLine int, images ImageMapper, defaultImage string) (Snippet, diag.List) {
	var ds diag.List
	line := b.Line + bodyLine - 1
	lang, attrs, err := ParseInfo(b.Info)
	if err != nil {
		d := diag.Errorf(file, line, "code block info %q: %v", b.Info, err)
		if Unclosed(b.Info) {
			d.Rule = RuleUnclosedInfo
		}
		ds = append(ds, d)
	}
	if !b.Closed {
		ds = append(ds, diag.Diagnostic{File: file, Line: line, Severity: diag.Warning, Rule: "unclosed-fence",
			Message: "code fence is never closed; it runs to the end of the page", Hint: "add a closing fence"})
	}
	s := Snippet{File: file, Line: line, Lang: lang, Info: b.Info, Attrs: attrs, Code: string(b.Code), Fenced: b.Fenced}
	s.Kind, s.Guess = Classify(lang, s.Code)
	if k, ok := attrs["kind"]; ok && k != "" {
		s.Kind, s.Guess = Kind(k), false
	}
	switch {
	case attrs.Has("skip"):
		s.Action = Skip
	case attrs.Has("build"):
		s.Action = Build
	case attrs.Has("run"):
		s.Action = Run
	}
	if s.Action == Run || s.Action == Build {
		s.Image = attrs["image"]
		if s.Image == "" && s.Action == Run {
			s.Image = defaultImage
		}
	}
	s.Hash = Hash(s, images)
	return s, ds
}

// InSession reports whether a block runs in its page's session, where
// commands drive the engine: a console block with {run}, a shell block with
// {run} and no image, or any {run session} block.
func (s Snippet) InSession() bool {
	if s.Action != Run {
		return false
	}
	if s.Attrs.Has("session") {
		return true
	}
	if s.Attrs["image"] != "" {
		return false
	}
	return s.Kind == Console || s.Kind == Shell
}

// PageBound reports whether a block's outcome depends on its page: a build
// sees the page's files, a session block the page's earlier commands. Such
// a block's identity includes its page, so that the same `docker ps` on two
// pages are two results, not one that each page's run overwrites.
func (s Snippet) PageBound() bool { return s.Action == Build || s.InSession() }

// Hash is a block's identity taken alone: the verifier version, the code,
// the behaviour attributes, the kind and the local images it will run (the
// image map entry its reference resolves to; for a build, every mapped FROM
// image, and every image it copies or mounts from), for a session block,
// the folder its commands run in (WorkDir),
// and for a console block, the commands verify reads in it (Steps). Where the block's position, title or highlighting changes, the
// hash does not; where anything that changes the outcome changes, it does.
// Seal adds what a block reads from its page; the image IDs behind the
// local references are checked when a result is reused (results.Fresh).
func Hash(s Snippet, images ImageMapper) string {
	h := sha256.New()
	fmt.Fprintf(h, "shipshape %s\n", Version)
	fmt.Fprintf(h, "kind=%s\naction=%s\n", s.Kind, s.Action)
	img := s.RunImage()
	if img != "" && images != nil {
		img = images(img)
	}
	fmt.Fprintf(h, "image=%s\n", img)
	if s.Action == Build {
		fmt.Fprintf(h, "build=%s\n", BuildRevision)
		df, bases := dockerfile.RewriteFrom(s.Code, images)
		fmt.Fprintf(h, "from=%s\n", strings.Join(bases, " "))
		if _, copied := dockerfile.RewriteSources(df, images); len(copied) > 0 {
			fmt.Fprintf(h, "copyfrom=%s\n", strings.Join(copied, " "))
		}
	}
	if s.PageBound() {
		fmt.Fprintf(h, "page=%s\n", s.File)
	}
	if s.InSession() {
		fmt.Fprintf(h, "workdir=%s\n", WorkDir(s.File))
		fmt.Fprintf(h, "session=%s\n", SessionRevision)
	}
	if s.Kind == Console {
		// What runs is how Steps reads the prompts: when that reading
		// changes, so does the identity of exactly the blocks it changes.
		for _, st := range Steps(s.Code) {
			fmt.Fprintf(h, "step=%d %t %d %q\n", st.Line, st.Hidden, len(st.Want), st.Cmd)
		}
	}
	h.Write([]byte(s.Attrs.canonical()))
	h.Write([]byte{0})
	h.Write([]byte(strings.TrimRight(s.Code, "\n")))
	return hex.EncodeToString(h.Sum(nil))[:20]
}
