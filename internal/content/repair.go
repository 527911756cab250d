package content

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/shipshape/shipshape/internal/diag"
)

// Mojibake: text written as UTF-8, read back as Windows-1252 and saved as
// UTF-8 again. Each byte of a multi-byte character became a character of
// its own: "—" (E2 80 94) reads "â€”", "🎯" reads "ðŸŽ¯". Five byte values
// (81 8D 8F 90 9D) have no Windows-1252 character and were dropped by most
// editors, so "1️⃣" (31 EF B8 8F E2 83 A3) comes back as "1ï¸âƒ£" with 8F
// gone. Repair maps the characters back to their bytes and decodes them;
// a lost byte is put back where only one choice makes sense, and the line
// is reported where it cannot be.

// cp1252 maps the characters Windows-1252 puts at 0x80–0x9F to their bytes.
var cp1252 = map[rune]byte{
	'€': 0x80, '‚': 0x82, 'ƒ': 0x83, '„': 0x84, '…': 0x85, '†': 0x86, '‡': 0x87,
	'ˆ': 0x88, '‰': 0x89, 'Š': 0x8A, '‹': 0x8B, 'Œ': 0x8C, 'Ž': 0x8E,
	'‘': 0x91, '’': 0x92, '“': 0x93, '”': 0x94, '•': 0x95, '–': 0x96, '—': 0x97,
	'˜': 0x98, '™': 0x99, 'š': 0x9A, '›': 0x9B, 'œ': 0x9C, 'ž': 0x9E, 'Ÿ': 0x9F,
}

// byteOf is the Windows-1252 byte a character was read from, if any.
// C1 controls stand for themselves: some decoders keep the undefined bytes.
func byteOf(r rune) (byte, bool) {
	if r >= 0x80 && r <= 0xFF {
		return byte(r), true
	}
	b, ok := cp1252[r]
	return b, ok
}

func isCont(b byte) bool { return b >= 0x80 && b <= 0xBF }

// seqLen is the length of the UTF-8 sequence a lead byte starts, or 0.
func seqLen(b byte) int {
	switch {
	case b >= 0xC2 && b <= 0xDF:
		return 2
	case b >= 0xE0 && b <= 0xEF:
		return 3
	case b >= 0xF0 && b <= 0xF4:
		return 4
	}
	return 0
}

// Repair undoes text that was UTF-8, decoded as Windows-1252 and saved again
// as UTF-8. It returns the text unchanged and no warning when nothing looks
// damaged. The warning (File left empty for the caller) counts the
// characters repaired and names the lines where a lost byte could not be
// inferred; those characters are dropped.
func Repair(b []byte) ([]byte, *diag.Diagnostic) {
	// Every lead byte's character (U+00C2–U+00F4) is encoded as C3 xx.
	if !bytes.Contains(b, []byte{0xC3}) || !utf8.Valid(b) {
		return b, nil
	}
	rs := []rune(string(b))
	var out strings.Builder
	out.Grow(len(b))
	fixed, firstFixed, line := 0, 0, 1
	var lost []int
	// repair only text that is certainly damaged: some complete sequences
	// and no character that real UTF-8 text would have
	if complete, stray := survey(rs); complete == 0 || stray > 0 {
		return b, nil
	}
	lineStart := 0 // index in out of the current line
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if r == '\n' {
			line++
			out.WriteRune(r)
			lineStart = out.Len()
			continue
		}
		lead, ok := byteOf(r)
		n := seqLen(lead)
		if !ok || n == 0 {
			out.WriteRune(r)
			continue
		}
		seq := []byte{lead}
		j := i + 1
		for ; j < len(rs) && len(seq) < n; j++ {
			c, ok := byteOf(rs[j])
			if !ok || !isCont(c) {
				break
			}
			seq = append(seq, c)
		}
		if len(seq) == n {
			if dr, size := utf8.DecodeRune(seq); dr != utf8.RuneError && size == n {
				out.WriteRune(dr)
				i = j - 1
				fixed++
				if firstFixed == 0 {
					firstFixed = line
				}
				continue
			}
			out.WriteRune(r)
			continue
		}
		if len(seq) < 2 {
			out.WriteRune(r)
			continue
		}
		// bytes were lost
		if dr, ok := inferLost(seq, n, out.String()[lineStart:]); ok {
			out.WriteRune(dr)
			fixed++
			if firstFixed == 0 {
				firstFixed = line
			}
		} else {
			if len(lost) == 0 || lost[len(lost)-1] != line {
				lost = append(lost, line)
			}
		}
		i = j - 1
	}
	if fixed == 0 && len(lost) == 0 {
		return b, nil
	}
	d := diag.Warnf("", firstFixed, "repaired %d characters damaged by a Windows-1252 round trip (UTF-8 read as Windows-1252 and saved again, \"â€”\" for \"—\")", fixed)
	d.Rule = "encoding"
	if len(lost) > 0 {
		d.Line = lost[0]
		ls := make([]string, len(lost))
		for i, l := range lost {
			ls[i] = fmt.Sprint(l)
		}
		d.Message += fmt.Sprintf("; a byte was lost and the character cannot be inferred on line %s (dropped)", strings.Join(ls, ", "))
	}
	d.Hint = "save the file as UTF-8 to keep the repair"
	return []byte(out.String()), &d
}

// survey counts the complete sequences in rs and the stray non-ASCII
// characters that belong to none. Mojibake leaves no strays: every byte of a
// multi-byte character became part of a run, so a lone "—" or "é" means the
// text holds real UTF-8 (a page that quotes mojibake, say) and is left alone.
func survey(rs []rune) (complete, stray int) {
	for i := 0; i < len(rs); i++ {
		if rs[i] < 0x80 {
			continue
		}
		lead, ok := byteOf(rs[i])
		want := seqLen(lead)
		if !ok || want == 0 {
			stray++
			continue
		}
		seq := []byte{lead}
		for k := i + 1; k < len(rs) && len(seq) < want; k++ {
			c, ok := byteOf(rs[k])
			if !ok || !isCont(c) {
				break
			}
			seq = append(seq, c)
		}
		switch {
		case len(seq) == want:
			if dr, size := utf8.DecodeRune(seq); dr != utf8.RuneError && size == want {
				complete++
			} else {
				stray++
			}
		case len(seq) < 2:
			stray++
		}
		i += len(seq) - 1
	}
	return complete, stray
}

// inferLost puts back one lost byte where only one character makes sense:
// EF B8 ? is U+FE0F (emoji presentation, as in keycaps "1️⃣"); E2 80 ? after
// an unclosed “ on the line is ” (E2 80 9D).
func inferLost(seq []byte, n int, lineSoFar string) (rune, bool) {
	if n-len(seq) != 1 {
		return 0, false
	}
	switch {
	case bytes.Equal(seq, []byte{0xEF, 0xB8}):
		return '\uFE0F', true
	case bytes.Equal(seq, []byte{0xE2, 0x80}):
		if strings.Count(lineSoFar, "“") > strings.Count(lineSoFar, "”") {
			return '”', true
		}
	}
	return 0, false
}
