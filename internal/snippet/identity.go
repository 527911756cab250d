package snippet

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/shipshape/shipshape/internal/config"
)

// RunImage is the image reference, as written, that a block runs or is
// checked in: {image=…}, else the default for its kind. Builds run on their
// FROM images instead (see Bases); blocks that run nothing have none.
func (s Snippet) RunImage() string {
	switch {
	case s.Action == Run && s.Kind == Python && s.Attrs["image"] == "":
		return config.PythonImage
	case s.Action == Run:
		return s.Image
	case s.Action == None && (s.Kind == Python || s.Kind == Nginx):
		if img := s.Attrs["image"]; img != "" {
			return img
		}
		if s.Kind == Nginx {
			return config.NginxImage
		}
		return config.PythonImage
	}
	return ""
}

// Env is what blocks see of the configuration, as the caller digests it.
type Env struct {
	// Session is what every page session sees: the image map and the
	// session image, through which its commands reach any image.
	Session string
	// Limits are the sandbox limits every run, build and check gets
	// (timeouts, memory, processes, CPUs, output, the Docker socket); ""
	// for the defaults, so that a site that sets none keeps its hashes.
	Limits string
}

// Egress reports whether a page's session reaches beyond the engine: it
// does when any of its session blocks asks for network=bridge, and then
// for all of them (one session, one network).
func Egress(page []Snippet) bool {
	for _, s := range page {
		if s.InSession() && s.Attrs["network"] == "bridge" {
			return true
		}
	}
	return false
}

// EgressRevision counts changes to what a session with egress lets its
// page do, so that results recorded under an earlier sandbox are run
// again. 2: networks the page creates are kept from the engine's host, and
// keep --internal.
const EgressRevision = "2"

// Seal gives every block of one page (in order) its final hash: Hash, and
// for a block whose outcome depends on its page, what it reads there. A
// build sees the page's earlier {file=} blocks; a session block sees every
// earlier file and session block, env.Session and the session's egress
// (Egress); every block that runs
// sees env.Limits. Included project files are in a block's Code by now, so
// they are covered too.
func Seal(page []Snippet, images ImageMapper, env Env) {
	var files []string      // "name\x00code" of earlier {file=} blocks
	session := sha256.New() // every file and session block so far
	fmt.Fprintf(session, "env=%s\n", env.Session)
	// Egress is the whole session's, also for blocks above the one that
	// asks for it; pages without it keep their hashes.
	if Egress(page) {
		fmt.Fprintf(session, "egress=%s\n", EgressRevision)
	}
	for i := range page {
		s := &page[i]
		s.Hash = Hash(*s, images)
		name := s.Attrs["file"]
		if name != "" && s.Action != Build {
			files = append(files, name+"\x00"+s.Code)
		}
		if name != "" || s.InSession() {
			fmt.Fprintf(session, "%s\n%s\x00%s\x00", s.Hash, name, s.Code)
		}
		switch {
		case s.InSession():
			s.Hash = hex.EncodeToString(session.Sum(nil))[:20]
		case s.Action == Build:
			h := sha256.New()
			fmt.Fprintf(h, "%s\n", s.Hash)
			for _, f := range files {
				fmt.Fprintf(h, "%d\x00%s", len(f), f)
			}
			s.Hash = hex.EncodeToString(h.Sum(nil))[:20]
		}
		if name != "" && s.Action == Build {
			files = append(files, name+"\x00"+s.Code)
		}
		if env.Limits != "" && (s.Action == Build || s.InSession() || s.RunImage() != "") {
			sum := sha256.Sum256([]byte(s.Hash + "\x00limits=" + env.Limits))
			s.Hash = hex.EncodeToString(sum[:])[:20]
		}
	}
}
