package snippet

import "strings"

// HideMarker starts a line that verify runs but no reader sees: setup such
// as "#!hide docker pull busybox:1.36". In a console block it is written
// "$ #!hide …" or "#!hide …" and its output is not compared.
const HideMarker = "#!hide"

func hidden(line string) (string, bool) {
	t := strings.TrimLeft(line, " \t")
	t = strings.TrimPrefix(t, "$ ")
	if !strings.HasPrefix(t, HideMarker) {
		return line, false
	}
	rest := strings.TrimPrefix(t, HideMarker)
	if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
		return line, false
	}
	return strings.TrimLeft(rest, " \t"), true
}

// Visible is the code a reader sees: hidden lines removed.
func Visible(code string) string {
	if !strings.Contains(code, HideMarker) {
		return code
	}
	var b strings.Builder
	for _, l := range strings.SplitAfter(code, "\n") {
		if _, ok := hidden(strings.TrimRight(l, "\n")); !ok {
			b.WriteString(l)
		}
	}
	return b.String()
}

// Runnable is the code verify runs: hidden lines with their marker removed.
// A hidden line in a console block keeps its "$ " prompt.
func Runnable(code string) string {
	if !strings.Contains(code, HideMarker) {
		return code
	}
	var b strings.Builder
	for _, l := range strings.SplitAfter(code, "\n") {
		body := strings.TrimRight(l, "\n")
		if cmd, ok := hidden(body); ok {
			if strings.HasPrefix(strings.TrimLeft(body, " \t"), "$ ") {
				cmd = "$ " + cmd
			}
			b.WriteString(cmd + l[len(body):])
			continue
		}
		b.WriteString(l)
	}
	return b.String()
}

// IsHidden reports whether one line is a hidden line.
func IsHidden(line string) bool { _, ok := hidden(line); return ok }
