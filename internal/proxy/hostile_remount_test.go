package proxy

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Attack 9: the engine mounts a bind's source again, following symlinks,
// at every start and docker cp. A page creates a container on one of its
// folders, then puts a symlink to the host where the folder was.

// swap replaces the page's folder name with a symlink to the secret.
func (e *env) swap(name string) {
	e.t.Helper()
	p := filepath.Join(e.work, name)
	if err := os.RemoveAll(p); err != nil {
		e.t.Fatal(err)
	}
	if err := os.Symlink(e.secretDir, p); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) mkdir(name string) {
	e.t.Helper()
	if err := os.MkdirAll(filepath.Join(e.work, name), 0o777); err != nil {
		e.t.Fatal(err)
	}
}

func TestAttackSwapAfterCreate(t *testing.T) {
	e := newEnv(t)

	// docker create, then the swap, then docker start.
	e.mkdir("a")
	id := e.create(`{"Image":"busybox:1.36","Cmd":` + attackCmd + `,"HostConfig":{"Binds":["/work/a:/h"]}}`)
	e.swap("a")
	code, out := e.do("POST", "/containers/"+id+"/start", nil)
	refused(t, "start after the swap", code, out)
	e.do("POST", "/containers/"+id+"/wait", nil)
	_, logs := e.do("GET", "/containers/"+id+"/logs?stdout=1&stderr=1", nil)
	e.untouched("start after the swap", code, string(logs))

	// The same with --mount, and through restart.
	e.mkdir("b")
	id = e.create(`{"Image":"busybox:1.36","Cmd":["sh","-c","sleep 1; cat /h/secret.txt; touch /h/marker; sleep 60"],"HostConfig":{"Mounts":[{"Type":"bind","Source":"/work/b","Target":"/h"}]}}`)
	if code, out := e.do("POST", "/containers/"+id+"/start", nil); code/100 != 2 {
		t.Fatalf("start on the page's own folder: %d %s", code, out)
	}
	e.swap("b")
	code, out = e.do("POST", "/containers/"+id+"/restart?t=0", nil)
	refused(t, "restart after the swap", code, out)
	_, logs = e.do("GET", "/containers/"+id+"/logs?stdout=1&stderr=1", nil)
	e.untouched("restart after the swap", code, string(logs))

	// docker cp out of and into a running container after the swap: the
	// engine mounts the sources again for the copy.
	e.mkdir("c")
	id = e.create(`{"Image":"busybox:1.36","Cmd":["sleep","60"],"HostConfig":{"Binds":["/work/c:/h"]}}`)
	if code, out := e.do("POST", "/containers/"+id+"/start", nil); code/100 != 2 {
		t.Fatalf("start: %d %s", code, out)
	}
	e.swap("c")
	code, out = e.do("GET", "/containers/"+id+"/archive?path=/h/secret.txt", nil)
	refused(t, "docker cp out after the swap", code, out)
	e.untouched("docker cp out", code, string(out))
	code, out = e.do("HEAD", "/containers/"+id+"/archive?path=/h/secret.txt", nil)
	if code/100 == 2 {
		t.Errorf("stat after the swap: got %d, want it refused", code)
	}
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	_ = tw.WriteHeader(&tar.Header{Name: "marker", Mode: 0o644, Size: 1})
	_, _ = tw.Write([]byte("x"))
	_ = tw.Close()
	code, out = e.do("PUT", "/containers/"+id+"/archive?path=/h", tb.Bytes())
	refused(t, "docker cp in after the swap", code, out)
	e.untouched("docker cp in", code, string(out))

	// A folder left as it was still mounts, starts and copies.
	e.mkdir("d")
	if err := os.WriteFile(filepath.Join(e.work, "d", "page.txt"), []byte("the page's own"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, got := e.run(`{"Image":"busybox:1.36","Cmd":["cat","/h/page.txt"],"HostConfig":{"Binds":["/work/d:/h"]}}`)
	if code != http.StatusCreated || !strings.Contains(got, "the page's own") {
		t.Errorf("bind of an unchanged folder: got %d %q", code, got)
	}
	id = e.create(`{"Image":"busybox:1.36","Cmd":["sleep","60"],"HostConfig":{"Binds":["/work/d:/h"]}}`)
	e.do("POST", "/containers/"+id+"/start", nil)
	if code, out := e.do("PUT", "/containers/"+id+"/archive?path=/h", tb.Bytes()); code != http.StatusOK {
		t.Errorf("docker cp into an unchanged folder: %d %s", code, out)
	}
	if _, err := os.Stat(filepath.Join(e.work, "d", "marker")); err != nil {
		t.Errorf("docker cp into an unchanged folder did not write: %v", err)
	}
	if code, out := e.do("GET", "/containers/"+id+"/archive?path=/h/page.txt", nil); code != http.StatusOK || !bytes.Contains(out, []byte("the page's own")) {
		t.Errorf("docker cp out of an unchanged folder: %d %q", code, out)
	}
	if code, out := e.do("POST", "/containers/"+id+"/restart?t=0", nil); code/100 != 2 {
		t.Errorf("restart on an unchanged folder: %d %s", code, out)
	}
	// The page's containers run again after each of those (thawed).
	var st struct {
		State struct{ Running, Paused bool }
	}
	if err := e.px.getJSON(t.Context(), "/containers/"+id+"/json", &st); err != nil || !st.State.Running || st.State.Paused {
		t.Errorf("after the copies: running %v paused %v (%v), want it running again", st.State.Running, st.State.Paused, err)
	}
}

// A restart policy would let the engine mount the sources again unseen.
func TestAttackRestartPolicyWithBinds(t *testing.T) {
	e := newEnv(t)
	e.mkdir("a")
	for name, body := range map[string]string{
		"--restart always -v":     `{"Image":"busybox:1.36","Cmd":["true"],"HostConfig":{"Binds":["/work/a:/h"],"RestartPolicy":{"Name":"always"}}}`,
		"--restart on-failure":    `{"Image":"busybox:1.36","Cmd":["true"],"HostConfig":{"Mounts":[{"Type":"bind","Source":"/work/a","Target":"/h"}],"RestartPolicy":{"Name":"on-failure","MaximumRetryCount":3}}}`,
		"lower-case keys":         `{"image":"busybox:1.36","cmd":["true"],"hostconfig":{"binds":["/work/a:/h"],"restartpolicy":{"name":"unless-stopped"}}}`,
		"--volumes-from a binder": `{"Image":"busybox:1.36","Cmd":["true"],"HostConfig":{"VolumesFrom":["BINDER"],"RestartPolicy":{"Name":"always"}}}`,
	} {
		if strings.Contains(body, "BINDER") {
			body = strings.ReplaceAll(body, "BINDER", e.create(`{"Image":"busybox:1.36","Cmd":["true"],"HostConfig":{"Binds":["/work/a:/h"]}}`))
		}
		code, out := e.do("POST", "/containers/create", body)
		refused(t, name, code, out)
	}
	// docker update --restart on a container that binds.
	id := e.create(`{"Image":"busybox:1.36","Cmd":["true"],"HostConfig":{"Binds":["/work/a:/h"]}}`)
	code, out := e.do("POST", "/containers/"+id+"/update", `{"RestartPolicy":{"Name":"always"}}`)
	refused(t, "update --restart", code, out)
	// Restart policies on containers without binds stay available.
	id = e.create(`{"Image":"busybox:1.36","Cmd":["true"],"HostConfig":{"RestartPolicy":{"Name":"on-failure","MaximumRetryCount":2}}}`)
	if code, out := e.do("POST", "/containers/"+id+"/update", `{"RestartPolicy":{"Name":"always"}}`); code != http.StatusOK {
		t.Errorf("update --restart without binds: %d %s", code, out)
	}
}

// The swap raced: a container of the page flips the folder between a
// folder and a symlink to the secret as fast as it can while the page
// starts containers on it. Judging the path at start is not enough (the
// engine mounts a moment later); the page's processes are frozen from the
// judgement until the engine has mounted.
func TestAttackSwapRace(t *testing.T) {
	e := newEnv(t)
	e.mkdir("d")
	flip := fmt.Sprintf(`while :; do rm -rf /w/d; ln -s %s /w/d; rm -f /w/d; mkdir /w/d; done`, e.secretDir)
	racer := e.create(`{"Image":"busybox:1.36","Cmd":["sh","-c",` + fmt.Sprintf("%q", flip) + `],"HostConfig":{"Binds":["/work:/w"]}}`)
	if code, out := e.do("POST", "/containers/"+racer+"/start", nil); code/100 != 2 {
		t.Fatalf("start the racer: %d %s", code, out)
	}
	started := 0
	for i := 0; i < 40; i++ {
		code, out := e.do("POST", "/containers/create", `{"Image":"busybox:1.36","Cmd":["cat","/h/secret.txt"],"HostConfig":{"Binds":["/work/d:/h"]}}`)
		if code != http.StatusCreated {
			continue // the folder was a symlink at create: refused there
		}
		var c struct{ Id string }
		_ = json.Unmarshal(out, &c)
		id := c.Id
		code, out = e.do("POST", "/containers/"+id+"/start", nil)
		if code/100 == 2 {
			started++
		}
		e.do("POST", "/containers/"+id+"/wait", nil)
		_, logs := e.do("GET", "/containers/"+id+"/logs?stdout=1&stderr=1", nil)
		e.untouched(fmt.Sprintf("race %d", i), code, string(out)+string(logs))
		e.do("DELETE", "/containers/"+id+"?force=1", nil)
	}
	t.Logf("%d of 40 containers started on the page's folder while it flipped", started)
}
