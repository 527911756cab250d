package runner

import (
	"regexp"
	"strings"
)

// committed reads a classic build's stream and keeps the images the build
// itself committed: one " ---> id" per instruction, except a FROM's, which
// is the image it names (or an earlier stage's), unless the FROM ran that
// image's ONBUILD triggers and so committed a new one.
type committed struct {
	ids      []string
	partial  string
	from     bool // in a FROM step
	triggers bool // that FROM ran build triggers
}

var (
	stepRe   = regexp.MustCompile(`^Step \d+/\d+ : (\S+)`)
	arrowRe  = regexp.MustCompile(`^ ---> ([0-9a-f]{12,64})\s*$`)
	onbuilds = "# Executing "
)

func (c *committed) read(stream string) {
	stream = c.partial + stream
	lines := strings.Split(stream, "\n")
	c.partial = lines[len(lines)-1]
	for _, l := range lines[:len(lines)-1] {
		l = strings.TrimRight(l, "\r")
		if m := stepRe.FindStringSubmatch(l); m != nil {
			c.from, c.triggers = strings.EqualFold(m[1], "FROM"), false
			continue
		}
		if c.from && strings.HasPrefix(l, onbuilds) {
			c.triggers = true
			continue
		}
		if m := arrowRe.FindStringSubmatch(l); m != nil {
			if !c.from || c.triggers {
				c.ids = append(c.ids, m[1])
			}
			c.from = false
		}
	}
}

// has reports whether the build committed id (a full or short image id).
func (c *committed) has(id string) bool {
	id = strings.TrimPrefix(id, "sha256:")
	for _, s := range c.ids {
		if strings.HasPrefix(id, s) || strings.HasPrefix(s, id) {
			return true
		}
	}
	return false
}
