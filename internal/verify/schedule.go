package verify

import (
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/shipshape/shipshape/internal/results"
	"github.com/shipshape/shipshape/internal/snippet"
)

// Pages run at the same time, sessions included, on one engine whose names
// are shared. A page whose session meets a name another session holds is
// discarded and run again (see runner's claims), which costs its time
// twice; the schedule avoids the collisions a page's text predicts by never
// starting a page whose names meet those of a page still running, and
// starts the longest pages first (by their recorded durations), so the
// longest does not start last.

// job is one page to verify, with what the schedule knows of it.
type job struct {
	page  []snippet.Snippet
	names []string // engine names its session writes, as far as the text says
	cost  int64    // milliseconds its blocks took last time
	tries int
}

// sessionNames reads, from a page's session blocks, the names their
// commands write into the engine: containers (--name), networks, volumes,
// image tags and published host ports, and for Compose its project and
// what the page's Compose files publish and name (composeNames). A name
// the text hides (in a variable) is found at run time instead.
func sessionNames(page []snippet.Snippet) []string {
	set := map[string]bool{}
	files := map[string][]byte{}
	for _, s := range page {
		if name := s.Attrs["file"]; name != "" {
			files[path.Clean(name)] = []byte(s.Code)
		}
		if !InSession(s) || !Runnable(s) {
			continue
		}
		code := snippet.Runnable(s.Code)
		if s.Kind == snippet.Console {
			var b strings.Builder
			for _, st := range snippet.Steps(s.Code) {
				b.WriteString(st.Cmd + "\n")
			}
			code = b.String()
		}
		for _, cmd := range commands(code) {
			for _, n := range commandNames(cmd, files, snippet.WorkDir(s.File)) {
				set[n] = true
			}
		}
	}
	names := make([]string, 0, len(set))
	for n := range set {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// commands splits a script into simple commands: at newlines (after
// joining continued lines), ;, && , || and |.
func commands(code string) []string {
	code = strings.ReplaceAll(code, "\\\n", " ")
	return regexp.MustCompile(`\n|;|&&|\|\||\|`).Split(code, -1)
}

var (
	nameFlag  = regexp.MustCompile(`(?:^|\s)--name[=\s]+["']?([A-Za-z0-9][A-Za-z0-9_.-]*)`)
	tagFlag   = regexp.MustCompile(`(?:^|\s)(?:-t|--tag)[=\s]+["']?([^\s"']+)`)
	volFlag   = regexp.MustCompile(`(?:^|\s)(?:-v|--volume)[=\s]+["']?([A-Za-z0-9][A-Za-z0-9_.-]*):`)
	mountSrc  = regexp.MustCompile(`(?:^|\s)--mount[=\s]+\S*(?:source|src)=([A-Za-z0-9][A-Za-z0-9_.-]*)`)
	portFlag  = regexp.MustCompile(`(?:^|\s)(?:-p|--publish)[=\s]+["']?(?:[0-9.]+:)?([0-9]+):`)
	createCmd = regexp.MustCompile(`\b(network|volume)\s+create\b(.*)`)
	tagCmd    = regexp.MustCompile(`\b(?:docker\s+(?:image\s+)?tag)\s+(.*)`)
	composeRe = regexp.MustCompile(`\bdocker(?:-compose|\s+compose)(\s.*|$)`)
)

// commandNames lists the names one command writes, as "kind:name"; files
// are the page's files so far, workDir the folder the command runs in.
func commandNames(cmd string, files map[string][]byte, workDir string) []string {
	var out []string
	if !strings.Contains(cmd, "docker") {
		return nil
	}
	if m := composeRe.FindStringSubmatch(cmd); m != nil {
		out = composeNames(strings.Fields(m[1]), files, workDir)
		// run --publish is the subcommand's own
		for _, m := range portFlag.FindAllStringSubmatch(cmd, -1) {
			out = append(out, "port:"+m[1])
		}
		return out
	}
	for _, m := range nameFlag.FindAllStringSubmatch(cmd, -1) {
		out = append(out, "container:"+m[1])
	}
	if strings.Contains(cmd, "build") {
		for _, m := range tagFlag.FindAllStringSubmatch(cmd, -1) {
			out = append(out, "image:"+repo(m[1]))
		}
	}
	for _, re := range []*regexp.Regexp{volFlag, mountSrc} {
		for _, m := range re.FindAllStringSubmatch(cmd, -1) {
			out = append(out, "volume:"+m[1])
		}
	}
	for _, m := range portFlag.FindAllStringSubmatch(cmd, -1) {
		out = append(out, "port:"+m[1])
	}
	if m := createCmd.FindStringSubmatch(cmd); m != nil {
		if a := lastArg(m[2]); a != "" {
			out = append(out, m[1]+":"+a)
		}
	}
	if m := tagCmd.FindStringSubmatch(cmd); m != nil {
		if a := lastArg(m[1]); a != "" {
			out = append(out, "image:"+repo(a))
		}
	}
	return out
}

// lastArg is the last word of a command that is not an option.
func lastArg(s string) string {
	f := strings.Fields(s)
	for i := len(f) - 1; i >= 0; i-- {
		if !strings.HasPrefix(f[i], "-") {
			return strings.Trim(f[i], `"'`)
		}
	}
	return ""
}

// repo is an image name without its tag: two pages that write myapp:1 and
// myapp:2 are kept apart too, which costs little and is simpler than
// normalizing references.
func repo(ref string) string {
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		ref = ref[:i]
	}
	return ref
}

// pageCost is what a page's blocks took when they last ran, in
// milliseconds. A block whose hash has no result (it was edited, or what
// it reads was) counts the result of the same place (file and line), if
// any: an edit seldom changes a block's duration much, while a change of
// what every block reads (the verifier's version, the session's folder)
// would otherwise make all pages equal and start the longest last. A
// block never run counts a second.
func pageCost(page []snippet.Snippet, store *results.File, byPlace map[string]int64) int64 {
	var n int64
	for _, s := range page {
		if !Runnable(s) {
			continue
		}
		if r, ok := store.Lookup(s.Hash); ok && r.DurationMS > 0 {
			n += r.DurationMS
		} else if d := byPlace[place(s.File, s.Line)]; d > 0 {
			n += d
		} else {
			n += 1000
		}
	}
	return n
}

// durationsByPlace indexes the stored durations by file and line; the
// longest where several results share a place.
func durationsByPlace(store *results.File) map[string]int64 {
	m := map[string]int64{}
	for _, r := range store.Results {
		if k := place(r.File, r.Line); r.DurationMS > m[k] {
			m[k] = r.DurationMS
		}
	}
	return m
}

func place(file string, line int) string { return file + ":" + strconv.Itoa(line) }

// schedule hands out pages to workers: longest first, never one whose
// names meet those of a page running.
type schedule struct {
	mu      sync.Mutex
	cond    *sync.Cond
	pending []*job
	running map[string]int // name → pages running that write it
	closed  bool
}

func newSchedule(jobs []*job) *schedule {
	sort.SliceStable(jobs, func(i, j int) bool { return jobs[i].cost > jobs[j].cost })
	s := &schedule{pending: jobs, running: map[string]int{}}
	s.cond = sync.NewCond(&s.mu)
	return s
}

// next blocks until a page may start and returns it; nil when none is
// left or the schedule was closed.
func (s *schedule) next() *job {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		if s.closed || len(s.pending) == 0 {
			return nil
		}
		for i, j := range s.pending {
			if s.free(j) {
				s.pending = append(s.pending[:i], s.pending[i+1:]...)
				for _, n := range j.names {
					s.running[n]++
				}
				return j
			}
		}
		s.cond.Wait()
	}
}

func (s *schedule) free(j *job) bool {
	for _, n := range j.names {
		if s.running[n] > 0 {
			return false
		}
	}
	return true
}

// done ends a page's run.
func (s *schedule) done(j *job) {
	s.mu.Lock()
	for _, n := range j.names {
		if s.running[n]--; s.running[n] == 0 {
			delete(s.running, n)
		}
	}
	s.mu.Unlock()
	s.cond.Broadcast()
}

// close ends the schedule: next returns nil to every worker.
func (s *schedule) close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cond.Broadcast()
}
