package proxy

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAttackForeignImage: another live page's image is not there for the
// page, however it names it. docker tag took it by the name the other page
// wrote (recording a conflict, but tagging all the same), or by its id,
// and the page could then run and save it under its own name; run and
// build took it by id.
func TestAttackForeignImage(t *testing.T) {
	e := newEnv(t)
	f := e.foreign()
	theirs := "theirs-" + e.session
	q := url.Values{"container": {f}, "repo": {theirs}, "tag": {"latest"}}
	code, out := e.engine("POST", "/commit?"+q.Encode(), map[string]any{"Labels": map[string]string{
		testSessionLabel: "other-" + e.session, testForeignLabel: e.session}})
	if code != http.StatusCreated {
		t.Fatalf("commit the other page's image: %d %s", code, out)
	}
	var im struct{ Id string }
	_ = json.Unmarshal(out, &im)
	t.Cleanup(func() { e.engine("DELETE", "/images/"+im.Id+"?force=1", nil) })
	e.px.pol.Held = func(kind, name string) bool { return kind == "image" && name == normalize(theirs) }
	mine := "mine-" + e.session
	for _, c := range []struct{ name, method, path, body string }{
		{"tag it by its name", "POST", "/images/" + theirs + "/tag?repo=" + mine + "&tag=a", ""},
		{"tag it by its id", "POST", "/images/" + im.Id + "/tag?repo=" + mine + "&tag=b", ""},
		{"tag it by its short id", "POST", "/images/" + strings.TrimPrefix(im.Id, "sha256:")[:12] + "/tag?repo=" + mine + "&tag=c", ""},
		{"run it by its id", "POST", "/containers/create", `{"Image":"` + im.Id + `","Cmd":["cat","/secret.txt"]}`},
	} {
		code, out := e.do(c.method, c.path, c.body)
		if code/100 == 2 {
			t.Errorf("%s: got %d %s, want it not found", c.name, code, out)
		}
	}
	for _, tag := range []string{"a", "b", "c"} {
		if code, out := e.do("GET", "/images/get?names="+mine+":"+tag, nil); code/100 == 2 && strings.Contains(string(out), e.secret) {
			t.Errorf("docker save %s:%s: the other page's image was read", mine, tag)
		}
	}
	code, out = e.do("POST", "/build?t=attack-"+e.session, buildContext(t, "FROM "+im.Id+"\nRUN cat /secret.txt\n"))
	refused(t, "build from it by its id", code, out)
	if strings.Contains(string(out), e.secret) {
		t.Errorf("build from it by its id: the secret was read: %s", out)
	}
}
