package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/shipshape/shipshape/internal/testenv"
)

// TestBadgesCannotLie edits each kind of input a result depends on and
// checks that build drops exactly the dependent block's badge to "not
// verified" and that the next verify re-runs it, while the untouched block
// stays proven and cached: the block itself, an earlier {file=} block, an
// included project file, the image map, the image behind a tag, and the
// sandbox limits of [verify], which every block that runs depends on.
func TestBadgesCannotLie(t *testing.T) {
	eng := testenv.Docker(t)
	testenv.Image(t, eng, "shipshape/busybox:latest")
	if _, err := exec.LookPath("docker"); err != nil {
		t.Skip("needs the docker CLI to tag test images")
	}
	tag := fmt.Sprintf("shipshape-test/tiny-%d", time.Now().UnixNano())
	docker := func(stdin string, args ...string) {
		t.Helper()
		cmd := exec.Command("docker", args...)
		cmd.Stdin = strings.NewReader(stdin)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	build := func(ref, label string) {
		docker("FROM shipshape/busybox:latest\nLABEL org.shipshape.test="+label+"\n", "build", "-q", "-t", ref, "-")
	}
	build(tag+":a", "a")
	docker("", "tag", tag+":a", tag+":b") // same image, second name
	t.Cleanup(func() {
		_ = exec.Command("docker", "rmi", "-f", tag+":a", tag+":b").Run()
	})

	dir := t.TempDir()
	write := func(rel, text string) {
		t.Helper()
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	toml := func(tiny string) string {
		return "title = \"T\"\n[images]\n\"busybox:*\" = \"shipshape/busybox:latest\"\n\"tiny:*\" = \"" + tiny + "\"\n"
	}
	limited := func(tiny string) string {
		return strings.Replace(toml(tiny), "[images]", "[verify]\nmemory = \"256m\"\n[images]", 1)
	}
	page := func(sample, tinyCode string) string {
		return "# P\n\n" +
			"```sh {run image=busybox}\necho untouched\n```\n\n" +
			"```text {file=sample.txt}\n" + sample + "\n```\n\n" +
			"```text {file=greet.txt include=examples/greet.txt}\n```\n\n" +
			"```dockerfile {build run}\nFROM busybox\nCOPY sample.txt greet.txt /\nCMD [\"cat\", \"/sample.txt\", \"/greet.txt\"]\n```\n\n" +
			"```sh {run image=tiny:1}\n" + tinyCode + "\n```\n"
	}
	// Lines of the opening fences in page().
	const untouched, dockerfile, tiny = 3, 14, 20
	write("shipshape.toml", toml(tag+":a"))
	write("examples/greet.txt", "hello\n")
	write("content/index.md", page("one", "echo tiny"))

	run := func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if code := Main(context.Background(), append([]string{"-C", dir}, args...), &out, &errb); code != ExitOK {
			t.Fatalf("shipshape %s exited %d:\n%s", strings.Join(args, " "), code, errb.String())
		}
		return errb.String()
	}
	statusRe := regexp.MustCompile(`id="L(\d+)" data-status="([^"]+)"`)
	badges := func() map[int]string {
		t.Helper()
		run("build")
		b, err := os.ReadFile(filepath.Join(dir, "public", "index.html"))
		if err != nil {
			t.Fatal(err)
		}
		m := map[int]string{}
		for _, sm := range statusRe.FindAllStringSubmatch(string(b), -1) {
			var n int
			fmt.Sscan(sm[1], &n)
			m[n] = sm[2]
		}
		return m
	}
	cached := func(log string, line int) bool {
		re := regexp.MustCompile(fmt.Sprintf(`(?m)^content/index\.md:%d: \S+ passed( \(cached\))?$`, line))
		m := re.FindStringSubmatch(log)
		if m == nil {
			t.Fatalf("verify log has no passing line for line %d:\n%s", line, log)
		}
		return m[1] != ""
	}
	want := map[int]string{untouched: "ran", dockerfile: "built-ran", tiny: "ran"}

	log := run("verify")
	for line := range want {
		if cached(log, line) {
			t.Fatalf("first verify: line %d cached, want run:\n%s", line, log)
		}
	}
	got := badges()
	for line, w := range want {
		if got[line] != w {
			t.Fatalf("after verify, line %d badge %q, want %q", line, got[line], w)
		}
	}

	edits := []struct {
		name string
		edit func()
		deps []int // the blocks whose results the edit invalidates
	}{
		{"the block", func() { write("content/index.md", page("one", "echo tiny again")) }, []int{tiny}},
		{"an earlier {file=} block", func() { write("content/index.md", page("two", "echo tiny again")) }, []int{dockerfile}},
		{"an included project file", func() { write("examples/greet.txt", "hello again\n") }, []int{dockerfile}},
		{"the image map", func() { write("shipshape.toml", toml(tag+":b")) }, []int{tiny}},
		{"the image behind a tag", func() { build(tag+":b", "b") }, []int{tiny}},
		{"the sandbox limits", func() { write("shipshape.toml", limited(tag+":b")) }, []int{untouched, dockerfile, tiny}},
	}
	for _, ed := range edits {
		ed.edit()
		dep := map[int]bool{}
		for _, l := range ed.deps {
			dep[l] = true
		}
		got := badges()
		for line, w := range want {
			if dep[line] {
				w = "not-verified"
			}
			if got[line] != w {
				t.Errorf("edit %s: build shows line %d as %q, want %q", ed.name, line, got[line], w)
			}
		}
		log := run("verify")
		for line := range want {
			if c := cached(log, line); c == dep[line] {
				t.Errorf("edit %s: verify line %d cached=%v, want %v:\n%s", ed.name, line, c, !dep[line], log)
			}
		}
		got = badges()
		for _, l := range ed.deps {
			if got[l] != want[l] {
				t.Errorf("edit %s: after verify, line %d shows %q, want %q", ed.name, l, got[l], want[l])
			}
		}
	}
}
