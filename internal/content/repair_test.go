package content

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/shipshape/shipshape/internal/testenv"
)

// damage does to s what an editor did to the seed guide: read its UTF-8
// bytes as Windows-1252 and save the characters as UTF-8 again, dropping the
// five bytes Windows-1252 leaves undefined.
func damage(s string) string {
	toRune := map[byte]rune{}
	for r, b := range cp1252 {
		toRune[b] = r
	}
	var out strings.Builder
	for _, c := range []byte(s) {
		switch {
		case c < 0x80 || c >= 0xA0:
			out.WriteRune(rune(c))
		case toRune[c] != 0:
			out.WriteRune(toRune[c])
		default: // 81 8D 8F 90 9D: lost
		}
	}
	return out.String()
}

func TestRepair(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		want     string
		warn     bool
		line     int
		contains string // in the warning's message
	}{
		{"clean ascii", "# Title\n\nplain text\n", "# Title\n\nplain text\n", false, 0, ""},
		{"clean utf8 is left alone", "café — naïve “quotes” 🎯\n", "café — naïve “quotes” 🎯\n", false, 0, ""},
		{"latin-1 looking words", "Ãbc ðe ï\n", "Ãbc ðe ï\n", false, 0, ""},
		{"page quoting mojibake", "\"â€”\" where \"—\" was meant\n", "\"â€”\" where \"—\" was meant\n", false, 0, ""},
		{"real accents beside a lookalike", "café Ã©\n", "café Ã©\n", false, 0, ""},
		{"em dash", damage("A — B\n"), "A — B\n", true, 1, "repaired 1 characters"},
		{"emoji", damage("x\n# 🎯 Goal\n"), "x\n# 🎯 Goal\n", true, 2, "repaired 1 "},
		{"smart quotes", damage("“You Don’t”\n"), "“You Don’t”\n", true, 1, "repaired 3 "},
		{"keycap lost its byte", damage("# 1️⃣ First\n# 2️⃣ Second\n"), "# 1️⃣ First\n# 2️⃣ Second\n", true, 1, "repaired 4 "},
		{"closing quote lost its byte", damage("“Open and shut”**\n"), "“Open and shut”**\n", true, 1, "repaired 2 "},
		{"ten emoji", damage("# 🔟 Ten\n"), "# 🔟 Ten\n", true, 1, ""},
		{"check mark", damage("✔ done — yes\n"), "✔ done — yes\n", true, 1, ""},
		{"arrow", damage("a → b\n"), "a → b\n", true, 1, ""},
		{"two bytes lost cannot be inferred", damage("— ok\n\n# 🏁 Finish\n"), "— ok\n\n#  Finish\n", true, 3, "cannot be inferred on line 3"},
		{"lone lost byte without an open quote", damage("— a\nb\u201d c\n"), "— a\nb c\n", true, 2, "line 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, d := Repair([]byte(tt.in))
			if string(got) != tt.want {
				t.Errorf("Repair(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if !utf8.Valid(got) {
				t.Errorf("Repair(%q) gave invalid UTF-8", tt.in)
			}
			if (d != nil) != tt.warn {
				t.Fatalf("Repair(%q) warning = %v, want warning %v", tt.in, d, tt.warn)
			}
			if d == nil {
				return
			}
			if d.Line != tt.line {
				t.Errorf("Repair(%q) warning line = %d, want %d (%s)", tt.in, d.Line, tt.line, d.Message)
			}
			if !strings.Contains(d.Message, tt.contains) {
				t.Errorf("Repair(%q) warning %q does not contain %q", tt.in, d.Message, tt.contains)
			}
		})
	}
}

func TestRepairNeverPanics(t *testing.T) {
	for _, in := range []string{"", "\xc3", "Ã", "â€", "ï¸", "ðŸ", "â€œâ€", "â\n€\n", "Ã\u0081", strings.Repeat("ðŸŽ", 100)} {
		Repair([]byte(in))
	}
}

// TestRepairSeed repairs the user's damaged guide: the warning names the
// file, no mojibake is left, and the one emoji that lost two bytes is named
// by its line.
func TestRepairSeed(t *testing.T) {
	dir := "/work/shared/seeds"
	b, err := os.ReadFile(filepath.Join(dir, "docker-level-6-pro.md"))
	if err != nil {
		if testenv.CI() {
			t.Fatalf("CI=true: seed guide missing: %v", err)
		}
		t.Skipf("seed guides not here: %v", err)
	}
	file := filepath.Join(dir, "docker-level-6-pro.md")
	pg, ds := Parse(file, "docker-level-6-pro.md", b)
	if pg == nil {
		t.Fatalf("seed did not parse: %v", ds)
	}
	if len(ds) != 1 || ds[0].File != file || ds[0].Rule != "encoding" {
		t.Fatalf("diagnostics = %v, want one encoding warning naming %s", ds, file)
	}
	for _, bad := range []string{"â€", "ðŸ", "ï¸", "âœ", "â†"} {
		if strings.Contains(string(pg.Body), bad) {
			t.Errorf("repaired body still contains %q", bad)
		}
	}
	if !strings.HasPrefix(pg.Title, "DOCKER — LEVEL 6") {
		t.Errorf("title = %q, want the em dash repaired", pg.Title)
	}
	if !strings.Contains(string(pg.Body), "1\ufe0f\u20e3") {
		t.Errorf("keycap 1️⃣ not restored")
	}
	if !strings.Contains(ds[0].Message, "cannot be inferred on line") {
		t.Errorf("warning %q does not name the line of the unrecoverable emoji", ds[0].Message)
	}
	t.Logf("%s", ds[0].Error())
}

func FuzzRepair(f *testing.F) {
	for _, s := range []string{"â€”", "ðŸŽ¯ x", "1ï¸âƒ£", "café", "“x”**", damage("— “a” 🏁 1️⃣\n")} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out, d := Repair(in)
		if utf8.Valid(in) && !utf8.Valid(out) {
			t.Fatalf("Repair(%q) = %q: invalid UTF-8", in, out)
		}
		if d == nil && string(out) != string(in) {
			t.Fatalf("Repair(%q) changed the text without a warning", in)
		}
	})
}
