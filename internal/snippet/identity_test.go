package snippet

import (
	"reflect"
	"strings"
	"testing"

	"github.com/shipshape/shipshape/internal/markdown"
)

func TestSeal(t *testing.T) {
	const page = "```text {file=a.txt}\nA\n```\n\n" + // 0
		"```sh {run image=busybox}\necho plain\n```\n\n" + // 1
		"```dockerfile {build file=Dockerfile}\nFROM busybox\nCOPY a.txt /\n```\n\n" + // 2
		"```console {run}\n$ docker ps\n```\n\n" + // 3
		"```text {file=b.txt}\nB\n```\n\n" + // 4
		"```dockerfile {build}\nFROM alpine\nCOPY b.txt /\n```\n\n" + // 5
		"```sh {run}\ndocker images\n```\n\n" + // 6
		"```dockerfile {build}\nFROM busybox\nCOPY --from=redis:7 /x /x\n```\n" // 7
	images := map[string]string{"busybox": "local/busybox", "alpine": "local/alpine", "redis:7": "local/redis"}
	env1 := Env{Session: "env1"}
	hashes := func(body string, env Env, images map[string]string) []string {
		b := []byte(body)
		mapper := func(ref string) string {
			if v, ok := images[ref]; ok {
				return v
			}
			return ref
		}
		sn, _ := Extract("p.md", markdown.New(markdown.Options{}).Parse(b), b, 1, mapper, "busybox")
		Seal(sn, mapper, env)
		var hs []string
		for _, s := range sn {
			hs = append(hs, s.Hash)
		}
		return hs
	}
	base := hashes(page, env1, images)
	if len(base) != 8 {
		t.Fatalf("got %d blocks, want 8", len(base))
	}
	if again := hashes(page, env1, images); !reflect.DeepEqual(again, base) {
		t.Fatalf("Seal is not deterministic: %v then %v", base, again)
	}
	for _, c := range []struct {
		name    string
		body    string
		env     Env
		images  map[string]string
		changed []int
	}{
		{"first file block", strings.Replace(page, "A\n", "A2\n", 1), env1, images, []int{0, 2, 3, 5, 6, 7}},
		{"plain run block", strings.Replace(page, "echo plain", "echo other", 1), env1, images, []int{1}},
		{"later file block", strings.Replace(page, "B\n", "B2\n", 1), env1, images, []int{4, 5, 6, 7}},
		{"the console block", strings.Replace(page, "docker ps", "docker ps -a", 1), env1, images, []int{3, 6}},
		{"session environment", page, Env{Session: "env2"}, images, []int{3, 6}},
		{"sandbox limits", page, Env{Session: "env1", Limits: "memory=1g"}, images, []int{1, 2, 3, 5, 6, 7}}, // every block that runs
		{"alpine's map entry", page, env1, map[string]string{"busybox": "local/busybox", "alpine": "other/alpine", "redis:7": "local/redis"}, []int{5}},
		{"busybox's map entry", page, env1, map[string]string{"busybox": "other/busybox", "alpine": "local/alpine", "redis:7": "local/redis"}, []int{1, 2, 3, 6, 7}}, // the sessions read the Dockerfile
		{"the map entry of an image copied from", page, env1, map[string]string{"busybox": "local/busybox", "alpine": "local/alpine", "redis:7": "other/redis"}, []int{7}},
		{"a later session block asks for egress", strings.Replace(page, "```sh {run}\ndocker images", "```sh {run network=bridge}\ndocker images", 1), env1, images, []int{3, 6}}, // one session, one network
		{"title only", strings.Replace(page, "{run image=busybox}", `{run image=busybox title="x"}`, 1), env1, images, nil},
	} {
		got := hashes(c.body, c.env, c.images)
		var changed []int
		for i := range got {
			if got[i] != base[i] {
				changed = append(changed, i)
			}
		}
		if !reflect.DeepEqual(changed, c.changed) {
			t.Errorf("edit %s: hashes of blocks %v changed, want %v", c.name, changed, c.changed)
		}
	}
}
