package snippet

import (
	"path"
	"strings"
)

// WorkDir is the folder a page's session commands run in: one per page,
// named as a reader would name a folder for the page (compose-basics for
// 08-compose/compose-basics.md, the section's folder for an index page).
// Compose names a project without a name of its own after this folder, so
// two pages' projects differ, as do their containers, networks and volumes,
// and the pages can run at the same time. It enters the hash of every
// session block: a change of it is a change of the blocks' environment.
func WorkDir(page string) string {
	p := strings.ReplaceAll(page, `\`, "/")
	name := strings.TrimSuffix(path.Base(p), path.Ext(p))
	if name == "index" || name == "_index" {
		if d := path.Base(path.Dir(p)); d != "." && d != "/" {
			name = d
		}
	}
	return "/work/" + folderName(name)
}

// folderName keeps what Compose keeps of a folder's name for a project
// name (lower case letters, digits, - and _, starting with a letter or
// digit), so the folder's name and the project's are the same.
func folderName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case (r == '-' || r == '_') && b.Len() > 0:
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "page"
	}
	return b.String()
}
