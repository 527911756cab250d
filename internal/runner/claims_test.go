package runner

import (
	"errors"
	"testing"

	"github.com/shipshape/shipshape/internal/proxy"
)

// TestClaims: a name is one session's until it gives it back, whether the
// other session is in this process or another (flock is per open file);
// held sees another's claim, not one's own.
func TestClaims(t *testing.T) {
	t.Setenv("SHIPSHAPE_RUN_DIR", t.TempDir())
	var a, b claims
	if err := a.claim("container", "web"); err != nil {
		t.Fatalf("a claims web: %v", err)
	}
	if err := a.claim("container", "web"); err != nil {
		t.Errorf("a claims web again: got %v, want nil", err)
	}
	if err := b.claim("container", "web"); !errors.Is(err, proxy.ErrConflict) {
		t.Errorf("b claims a's web: got %v, want ErrConflict", err)
	}
	if err := b.claim("network", "web"); err != nil {
		t.Errorf("b claims a network named web: got %v, want nil (another kind)", err)
	}
	if !b.held("container", "web") || a.held("container", "web") {
		t.Errorf("held(web): b sees %v, a sees %v; want true for b (a holds it), false for a", b.held("container", "web"), a.held("container", "web"))
	}
	if a.held("network", "web") != true {
		t.Errorf("a: held(network web) = false, want true (b holds it)")
	}
	a.release()
	if b.held("container", "web") {
		t.Errorf("after a released: b still sees web held")
	}
	if err := b.claim("container", "web"); err != nil {
		t.Errorf("b claims web after a released it: %v", err)
	}
	b.release()
}
