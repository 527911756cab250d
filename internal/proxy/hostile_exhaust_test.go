package proxy

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestAttackManyPorts: the engine starts a docker-proxy process on its
// host for every port a container publishes (measured on 20.10: 100
// ports, 100 processes, 325 MiB resident), none of it held to the page's
// limits. A create of 1 MiB names some 25,000; a page that makes many
// containers multiplies them. So a container publishes a few ports, and a
// page keeps a bounded number of containers.
func TestAttackManyPorts(t *testing.T) {
	e := newEnv(t)
	var b strings.Builder
	for i := 0; i < maxPorts+1; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"%d/tcp":[{"HostIp":"127.0.0.1"}]`, 20000+i)
	}
	code, out := e.do("POST", "/containers/create", `{"Image":"busybox:1.36","HostConfig":{"PortBindings":{`+b.String()+`}}}`)
	refused(t, "many published ports", code, out)
	code, out = e.do("POST", "/containers/create", `{"Image":"busybox:1.36","HostConfig":{"PortBindings":{"80/tcp":[{"HostIp":"127.0.0.1"}],"81/tcp":[{}]}}}`)
	if code != http.StatusCreated {
		t.Errorf("two published ports: got %d %s, want created", code, out)
	}
	for i := 1; i < maxContainers; i++ {
		e.create(`{"Image":"busybox:1.36"}`)
	}
	code, out = e.do("POST", "/containers/create", `{"Image":"busybox:1.36"}`)
	refused(t, fmt.Sprintf("container %d of a page", maxContainers+1), code, out)
	// One of them gone, the page may make another.
	var list []struct{ Id string }
	_, lo := e.do("GET", "/containers/json?all=1", nil)
	if err := json.Unmarshal(lo, &list); err != nil || len(list) != maxContainers {
		t.Fatalf("list: %v, %d containers, want %d", err, len(list), maxContainers)
	}
	if code, out := e.do("DELETE", "/containers/"+list[0].Id, nil); code/100 != 2 {
		t.Fatalf("remove: %d %s", code, out)
	}
	e.create(`{"Image":"busybox:1.36"}`)
}

// TestAttackManyNetworks: each network takes one of the engine's address
// pools, 31 on a default engine for every session and the runner's own
// session networks: a page making networks in a loop left none for the
// pages after it ("could not find an available, non-overlapping IPv4
// address pool").
func TestAttackManyNetworks(t *testing.T) {
	e := newEnv(t)
	for i := 0; i < maxNetworks; i++ {
		if code, out := e.do("POST", "/networks/create", fmt.Sprintf(`{"Name":"pool%d"}`, i)); code != http.StatusCreated {
			t.Fatalf("network %d: got %d %s, want created", i, code, out)
		}
	}
	code, out := e.do("POST", "/networks/create", `{"Name":"pool-more"}`)
	refused(t, fmt.Sprintf("network %d of a page", maxNetworks+1), code, out)
	if code, out := e.do("DELETE", "/networks/pool0", nil); code/100 != 2 {
		t.Fatalf("remove: %d %s", code, out)
	}
	if code, out := e.do("POST", "/networks/create", `{"Name":"pool-more"}`); code != http.StatusCreated {
		t.Errorf("after a remove: got %d %s, want created", code, out)
	}
}

// TestAttackParallelBuilds: every build step runs held to the memory
// limit alone, so a page starting builds in parallel (docker build … &
// in a loop) had as many limits as builds. A page's builds now run
// maxBuilds at a time, the others waiting their turn.
func TestAttackParallelBuilds(t *testing.T) {
	e := newEnv(t)
	marker := "par-" + e.session
	done := make(chan struct{})
	var most atomic.Int32
	go func() {
		f := url.QueryEscape(`{"status":{"running":true}}`)
		for {
			select {
			case <-done:
				return
			case <-time.After(100 * time.Millisecond):
			}
			_, out := e.engine("GET", "/containers/json?filters="+f, nil)
			if n := int32(strings.Count(string(out), marker)); n > most.Load() {
				most.Store(n)
			}
		}
	}()
	var wg sync.WaitGroup
	for i := 0; i < maxBuilds+3; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			df := fmt.Sprintf("FROM busybox:1.36\nRUN echo %d %s && sleep 3\n", i, marker)
			if code, out := e.do("POST", "/build?rm=1&nocache=1", buildContext(t, df)); code != http.StatusOK {
				t.Errorf("build %d: got %d %.300s", i, code, out)
			}
		}()
	}
	wg.Wait()
	close(done)
	if n := most.Load(); n > maxBuilds || n == 0 {
		t.Errorf("%d build steps of the page ran at once, want 1 to %d", n, maxBuilds)
	}
}

// TestAttackParallelBuildx: the same through buildx, whose builds reach
// the engine's BuildKit as Solve calls on /grpc, not as /build: those were
// not counted, so `docker buildx build … &` in a loop ran every build at
// once. Each build's step counts, in a cache mount the page's builds
// share, the steps running beside it. The page gets one build slot here,
// fewer than the engine would run at once (3 on 2 cores), so that a
// build past the slots shows; buildx's status call for a build waiting
// its turn must wait with it (the engine says "no such job" after a few
// seconds).
func TestAttackParallelBuildx(t *testing.T) {
	e := newEnv(t)
	const slots, n = 1, 3
	e.px.buildSlots = make(chan struct{}, slots)
	var script strings.Builder
	for i := range n {
		dir := filepath.Join(e.work, fmt.Sprintf("b%d", i))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		df := fmt.Sprintf("FROM %s\nRUN --mount=type=cache,id=par,target=/c,sharing=shared touch /c/r.%d; sleep 3; echo RUNNING=$(ls /c | grep -c '^r[.]'); rm /c/r.%d\n", baseImage, i, i)
		if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(df), 0o644); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&script, "docker buildx build --progress=plain --no-cache b%d >out%d 2>&1 &\n", i, i)
	}
	script.WriteString("wait; cat out*\n")
	out, err := sessionCLI(t, e, script.String())
	if err != nil {
		t.Fatalf("builds: %v\n%s", err, out)
	}
	most, seen := 0, 0
	for _, m := range regexp.MustCompile(`RUNNING=(\d+)`).FindAllStringSubmatch(out, -1) {
		k, _ := strconv.Atoi(m[1])
		most, seen = max(most, k), seen+1
	}
	if seen != n {
		t.Fatalf("%d of %d builds ran their step:\n%s", seen, n, out)
	}
	t.Logf("%d buildx builds, %d slot: at most %d steps at once", n, slots, most)
	if most > slots {
		t.Errorf("%d buildx builds of the page ran their steps at once, want at most %d", most, slots)
	}
}
