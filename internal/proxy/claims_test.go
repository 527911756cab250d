package proxy

import (
	"net/http"
	"testing"
)

// TestNameOfUnclaimingSession: a name held by a session of a process that
// claims nothing (an older shipshape) is still found by its owner label:
// the create is answered "in use" and recorded as a conflict, so the page
// is run again instead of failing.
func TestNameOfUnclaimingSession(t *testing.T) {
	e := newEnv(t)
	name := "other-" + e.session
	code, out := e.engine("POST", "/containers/create?name="+name, map[string]any{
		"Image": baseImage, "Cmd": []string{"true"},
		"Labels": map[string]string{testSessionLabel: "another-session", testForeignLabel: e.session},
	})
	if code != http.StatusCreated {
		t.Fatalf("create the other session's container: %d %s", code, out)
	}
	code, out = e.do("POST", "/containers/create?name="+name, `{"Image":"busybox:1.36","Cmd":["true"]}`)
	if code != http.StatusConflict {
		t.Errorf("create over another session's name: got %d %s, want 409", code, out)
	}
	if len(e.px.Conflicts()) == 0 {
		t.Errorf("no conflict recorded for another session's container name")
	}
}
