// Package console reads console sessions: which lines are commands behind
// a prompt, how a command continues, and which lines are its output. It is
// the one reader of that notation for classifying, checking, running,
// highlighting and copying.
package console

import (
	"regexp"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// promptRe matches the prompts people write: "$ ", "(venv) $ ", "host$ ",
// "user@host:~/dir$ ", "[user@host dir]$ ", "root@host:/# ", "% ", "PS C:\> ",
// "C:\> ", and BusyBox's "/ # " and "/app # " (the folder, a blank, the
// sign). Group 1 is the prefix before the sign, group 2 the sign.
var promptRe = regexp.MustCompile(`^[ \t]*(?:\([\w.-]+\)[ \t]*)?(\[[^\]\n]{1,60}\]|[\w.-]+@[\w.-]+(?::[^$#%\s]*)?|[\w.-]+(?::[^$#%\s]*)?|[/~][^$#%\s]*[ \t]|~[^$#%\s]*)?([$#%])(?:[ \t]|$)`)

// hostPath is a prompt's host name and folder with no user ("abc123:/",
// "web:~/app"), as shells in containers print them: "\h:\w# ".
var hostPath = regexp.MustCompile(`^[\w.-]+:[/~][^$#%\s]*$`)

// psRe matches PowerShell and cmd.exe prompts: "PS C:\> ", "PS> ", "C:\app> ".
var psRe = regexp.MustCompile(`^[ \t]*(?:PS(?:[ \t]+[A-Za-z]:[^>\n]*)?|[A-Za-z]:\\[^>\n]*)>(?:[ \t]|$)`)

// headerRe matches the first line of a two-line prompt, such as the one
// Play with Docker shows above each "$ ": "[node1] (local) root@10.0.0.5 ~/app",
// sometimes copied with the "$ " of the line before it.
var headerRe = regexp.MustCompile(`^[ \t]*(?:\$[ \t]+)?\[[\w.-]+\][ \t]+\([\w.-]+\)[ \t]+[\w.-]+@[\w.:-]+(?:[ \t]+[~/][^ \t]*)?[ \t]*$`)

// Header reports whether line l is the first line of a two-line prompt: it
// is neither a command nor output.
func Header(l string) bool { return headerRe.MatchString(strings.TrimSuffix(l, "\r")) }

// Prompt returns the length of the prompt that starts line l, leading
// blanks included, or 0 when l is not a command line. A bare "# " or "% "
// (root, zsh) counts only before a known command that reads as shell, so
// that a comment ("# curl it from elsewhere (any host)") is not taken for a
// prompt. A folder before the sign ("/ # ") is a prompt before anything: no
// script line starts by running "/".
func Prompt(l string) int {
	l = strings.TrimSuffix(l, "\r")
	if m := promptRe.FindStringSubmatchIndex(l); m != nil {
		sign := l[m[4]]
		if m[2] >= 0 && (l[m[2]] == '/' || l[m[2]] == '~') && strings.ContainsAny(l[m[3]-1:m[3]], " \t") {
			return m[1]
		}
		if m[2] >= 0 && hostPath.MatchString(l[m[2]:m[3]]) && m[1] < len(l) {
			return m[1] // "423450e3fd52:/# ": a container's host name and folder
		}
		if sign == '$' || m[2] >= 0 && (strings.Contains(l[m[2]:m[3]], "@") || l[m[2]] == '[') {
			if m[2] >= 0 && sign == '$' && !strings.ContainsAny(l[m[2]:m[3]], "@[:~") && !IsCommand(firstWord(l[m[1]:])) {
				return 0 // "US$ 5": a bare word before "$" only before a command
			}
			return m[1]
		}
		if m[2] < 0 && IsCommand(firstWord(l[m[1]:])) && shellish(l[m[1]:]) {
			return m[1]
		}
		return 0
	}
	if m := psRe.FindStringIndex(l); m != nil {
		return m[1]
	}
	if m := glyphRe.FindStringIndex(l); m != nil && strings.TrimSpace(l[m[1]:]) != "" {
		return m[1]
	}
	return 0
}

// glyphRe matches the prompts of themed shells (starship, oh-my-zsh,
// powerlevel): "❯ ", "➜ ", "▶ ".
var glyphRe = regexp.MustCompile(`^[ \t]*[❯➜▶][ \t]+`)

// shellish reports whether text reads as the start of a shell command:
// it parses, or fails only for want of the lines that would follow it.
func shellish(text string) bool {
	_, err := syntax.NewParser().Parse(strings.NewReader(text+"\n"), "")
	return err == nil || syntax.IsIncomplete(err)
}

// IsPowerShell reports whether line l starts with a PowerShell or cmd.exe
// prompt, whose commands continue with a backtick instead of a backslash.
func IsPowerShell(l string) bool { return psRe.MatchString(l) }

func firstWord(s string) string {
	s = strings.TrimLeft(s, " \t")
	if i := strings.IndexAny(s, " \t\r"); i >= 0 {
		return s[:i]
	}
	return s
}

// Continues reports whether a command line goes on on the next line: a
// trailing backslash, or a trailing backtick in PowerShell.
func Continues(l string) bool {
	t := strings.TrimRight(l, " \t\r")
	return strings.HasSuffix(t, "\\") || strings.HasSuffix(t, "`")
}

// heredocRe is "<<END" or "<<-'END'" and never a here-string ("<<< 'a b'"),
// whose quoted text is the whole of the input: no line ends it.
var heredocRe = regexp.MustCompile(`(?:^|[^<])<<-?[ \t]*['"]?([A-Za-z_][\w]*)['"]?`)

// Command is one command of a session and the output shown under it.
type Command struct {
	Line   int      // line of the prompt, from 1
	Text   string   // the command, prompt removed; continuation lines joined with "\n"
	Lines  int      // how many lines of the block the command takes
	Output []string // lines shown after it, up to the next prompt
}

// Parse splits a console session into commands and their output. Lines
// before the first prompt are ignored. A command continues on the next
// line after a trailing "\" (or "`" in PowerShell), where a leading "> "
// continuation prompt, or a "$ " written there, is dropped, and through
// the body of a here-document.
// CRLF line ends are read as LF.
func Parse(code string) []Command {
	var cmds []Command
	lines := strings.Split(strings.TrimRight(strings.ReplaceAll(code, "\r\n", "\n"), "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if Header(l) {
			continue
		}
		n := Prompt(l)
		if n == 0 {
			if len(cmds) > 0 {
				cmds[len(cmds)-1].Output = append(cmds[len(cmds)-1].Output, l)
			}
			continue
		}
		c := Command{Line: i + 1, Lines: 1}
		text := l[n:]
		end := ""
		if m := heredocRe.FindStringSubmatch(text); m != nil {
			end = m[1]
		}
		for i+1 < len(lines) && (Continues(lines[i]) || end != "") {
			i++
			next := lines[i]
			if end != "" {
				if strings.TrimSpace(next) == end {
					end = ""
				}
			} else {
				if t := strings.TrimLeft(next, " \t"); strings.HasPrefix(t, "> ") || strings.HasPrefix(t, "$ ") {
					// "> " is the shell's continuation prompt; "$ "
					// there is one written on every line (no command
					// line goes on with a lone "$").
					next = t[2:]
				}
				if m := heredocRe.FindStringSubmatch(next); m != nil {
					end = m[1]
				}
			}
			text += "\n" + next
			c.Lines++
		}
		if j, whole := completes(lines, i, text); j > i {
			// The lines under "$ for f in *;" up to its "done" are the
			// command's, with or without "> " continuation prompts.
			text = whole
			c.Lines += j - i
			i = j
		}
		c.Text = text
		cmds = append(cmds, c)
	}
	return cmds
}

// maxJoin bounds how many lines completes reads under a command.
const maxJoin = 40

// completes returns the last of the lines under lines[i] that make text, a
// command the shell would still be reading (a "for" whose "do" comes on
// the next line, a trailing "|"), a whole command, and that command, a
// leading "> " continuation prompt dropped from each line; i when text is
// whole already, when it is not shell, or when no lines before the next
// prompt complete it (an unclosed quote is the command's own mistake, and
// the lines under it stay output).
func completes(lines []string, i int, text string) (int, string) {
	if IsPowerShell(lines[i]) {
		return i, text
	}
	parse := func(s string) error {
		_, err := syntax.NewParser().Parse(strings.NewReader(s+"\n"), "")
		return err
	}
	if err := parse(text); err == nil || !syntax.IsIncomplete(err) {
		return i, text
	}
	whole := text
	for j := i + 1; j < len(lines) && j <= i+maxJoin; j++ {
		next := lines[j]
		if Prompt(next) > 0 || Header(next) {
			break
		}
		if t := strings.TrimLeft(next, " \t"); strings.HasPrefix(t, "> ") || t == ">" {
			next = strings.TrimPrefix(t[1:], " ")
		}
		whole += "\n" + next
		err := parse(whole)
		if err == nil {
			return j, whole
		}
		if !syntax.IsIncomplete(err) {
			break
		}
	}
	return i, text
}

// Commands is the code of a session as a script: the commands at their own
// lines, prompts removed, and output lines blank, so that line numbers stay
// those of the block; PowerShell's backtick continuations become
// backslashes. n is the number of commands.
func Commands(code string) (script string, n int) {
	cmds := Parse(code)
	total := strings.Count(strings.TrimRight(strings.ReplaceAll(code, "\r\n", "\n"), "\n"), "\n") + 1
	out := make([]string, total)
	lines := strings.Split(code, "\n")
	for _, c := range cmds {
		ps := IsPowerShell(lines[c.Line-1])
		for j, l := range strings.Split(c.Text, "\n") {
			if ps && strings.HasSuffix(strings.TrimRight(l, " \t"), "`") {
				l = strings.TrimRight(l, " \t")
				l = l[:len(l)-1] + "\\" // a POSIX parser reads the script
			}
			if c.Line-1+j < len(out) {
				out[c.Line-1+j] = l
			}
		}
	}
	return strings.Join(out, "\n"), len(cmds)
}

// commands are programs whose name at the start of a line marks a command:
// after a bare "# " prompt, or to tell shell from prose.
var commands = set(`docker docker-compose sudo cd mkdir echo curl export cat ls apt-get apt kubectl git
npm pip pip3 python python3 for if while set rm cp mv chmod chown wget systemctl ps watch time dive trivy
go make touch grep source . env xargs tar ssh scp nginx podman helm hadolint jq printf exit sleep kill df
du free top whoami id ping nslookup dig netstat ss useradd groupadd yum dnf apk brew node yarn npx cargo
java mvn gradle tee sed awk head tail sort wc unset alias function case until trap buildctl buildkitd
dockerd containerd ctr nerdctl runc mount umount ip iptables service journalctl openssl base64 unzip
vi vim nano less more pwd uname hostname exec`)

func set(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// IsCommand reports whether w is the name of a common command.
func IsCommand(w string) bool { return commands[w] }
