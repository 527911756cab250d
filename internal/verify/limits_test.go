package verify

import (
	"strings"
	"testing"

	"github.com/shipshape/shipshape/internal/config"
	"github.com/shipshape/shipshape/internal/snippet"
)

func TestLimitsNetwork(t *testing.T) {
	cases := []struct {
		network, want, err string
	}{
		{"", "", ""},
		{"none", "", ""},
		{"bridge", "bridge", ""},
		{"host", "", "{network=host}: want none or bridge"},
		{"container:web", "", "{network=container:web}: want none or bridge"},
		{"shipshape-abc", "", "{network=shipshape-abc}: want none or bridge"},
	}
	for _, c := range cases {
		s := snippet.Snippet{Attrs: snippet.Attrs{}}
		if c.network != "" {
			s.Attrs["network"] = c.network
		}
		lim, err := limits(config.Default(), s)
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("network=%q: got error %v, want %q", c.network, err, c.err)
		case c.err == "" && err != nil:
			t.Errorf("network=%q: got error %v, want none", c.network, err)
		case c.err == "" && lim.Network != c.want:
			t.Errorf("network=%q: got network %q, want %q", c.network, lim.Network, c.want)
		}
	}
}
