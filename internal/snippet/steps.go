package snippet

import (
	"strings"

	"github.com/shipshape/shipshape/internal/console"
)

// Step is one command of a console block and the output shown under it.
type Step struct {
	Line   int      // line within the block, from 1
	Cmd    string   // the command, prompt and any hide marker removed
	Want   []string // the output the block shows under it
	Hidden bool     // a #!hide command: run, neither shown nor compared
}

// Steps is how verify reads a console block, and so part of the block's
// identity (see Hash): the console package's commands and their output,
// where a hidden line ("$ #!hide …", or "#!hide …" with no prompt) is a
// command of its own that no reader sees.
func Steps(code string) []Step {
	var b strings.Builder
	for _, l := range strings.SplitAfter(code, "\n") {
		if IsHidden(l) && console.Prompt(l) == 0 {
			b.WriteString("$ ")
		}
		b.WriteString(l)
	}
	var steps []Step
	for _, c := range console.Parse(b.String()) {
		st := Step{Line: c.Line, Cmd: c.Text, Want: c.Output}
		if cmd, ok := hidden(c.Text); ok {
			st.Cmd, st.Hidden = cmd, true
		}
		steps = append(steps, st)
	}
	return steps
}
