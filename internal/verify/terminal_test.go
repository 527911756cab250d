package verify

import "testing"

func TestShown(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"plain\n", "plain\n"},
		{"\x1b[33m1 warning found:\n\x1b[0m - JSONArgsRecommended\n", "1 warning found:\n - JSONArgsRecommended\n"},
		{"\r\x1b[Kprogress 2/2\n", "\rprogress 2/2\n"},
		{"\x1b[1;31mred bold\x1b[m", "red bold"},
		{"a lone \x1b stays", "a lone \x1b stays"},
		{"\x1b[?25lhidden cursor", "hidden cursor"},
	} {
		if got := shown([]byte(c.in)); got != c.want {
			t.Errorf("shown(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
