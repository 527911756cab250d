package verify

import "regexp"

// csiRe is a terminal control sequence (a colour, a cursor move): what a
// terminal obeys and does not show.
var csiRe = regexp.MustCompile("\x1b\\[[0-?]*[ -/]*[@-~]")

// shown is captured output as a reader's terminal shows it, its control
// sequences obeyed by leaving them out (buildx colours its warnings even
// when no terminal reads them). Every output recorded or compared passes
// here.
func shown(b []byte) string { return csiRe.ReplaceAllString(string(b), "") }
