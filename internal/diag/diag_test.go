package diag

import (
	"encoding/json"
	"fmt"
	"testing"
)

func TestError(t *testing.T) {
	for _, tt := range []struct {
		d    Diagnostic
		want string
	}{
		{Errorf("a.md", 3, "bad %s", "thing"), "a.md:3: error: bad thing"},
		{Warnf("a.md", 0, "whole file"), "a.md: warning: whole file"},
		{Diagnostic{File: "b.md", Line: 7, Severity: Info, Rule: "r1", Message: "m", Hint: "h"}, "b.md:7: info: m [r1] (h)"},
	} {
		if got := tt.d.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestListSortAndCount(t *testing.T) {
	l := List{Errorf("b.md", 1, "x"), Warnf("a.md", 9, "y"), Errorf("a.md", 2, "z")}
	l.Sort()
	if got := fmt.Sprintf("%s %d %d %s", l[0].File, l[0].Line, l[1].Line, l[2].File); got != "a.md 2 9 b.md" {
		t.Errorf("sorted order = %s, want a.md:2, a.md:9, b.md:1", got)
	}
	if l.Errors() != 2 {
		t.Errorf("Errors() = %d, want 2", l.Errors())
	}
	if d, ok := As(fmt.Errorf("wrapped: %w", l[0])); !ok || d.Line != 2 {
		t.Errorf("As did not find the diagnostic in a wrapped error")
	}
}

func TestSeverityJSON(t *testing.T) {
	b, err := json.Marshal(Warnf("a.md", 1, "m"))
	if err != nil {
		t.Fatal(err)
	}
	var d Diagnostic
	if err := json.Unmarshal(b, &d); err != nil || d.Severity != Warning {
		t.Errorf("round trip of %s: %v, severity %v", b, err, d.Severity)
	}
	if err := json.Unmarshal([]byte(`{"severity":"fatal"}`), &d); err == nil {
		t.Errorf("unknown severity accepted")
	}
}
