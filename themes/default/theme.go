// Package theme is the default look of a shipshape site: HTML templates and
// static assets, embedded into the binary.
package theme

import "embed"

// FS holds templates/ and static/.
//
//go:embed templates static
var FS embed.FS
