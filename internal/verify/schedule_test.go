package verify

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shipshape/shipshape/internal/results"
	"github.com/shipshape/shipshape/internal/snippet"
)

func TestSessionNames(t *testing.T) {
	tests := []struct {
		name, md string
		want     []string
	}{
		{"container", "```sh {run}\ndocker run -d --name web nginx\ndocker run --name=db redis\n```\n", []string{"container:db", "container:web"}},
		{"console", "```console {run}\n$ docker run -d --name api busybox sleep 9\nabc\n```\n", []string{"container:api"}},
		{"network and volume", "```sh {run}\ndocker network create --driver bridge appnet && docker volume create data\n```\n", []string{"network:appnet", "volume:data"}},
		{"bind is no volume", "```sh {run}\ndocker run -v \"$PWD\":/src -v cache:/c busybox true\n```\n", []string{"volume:cache"}},
		{"build tag", "```sh {run}\ndocker build -t myapp:1.0 .\ndocker tag myapp:1.0 registry.local/myapp:2\n```\n", []string{"image:myapp", "image:registry.local/myapp"}},
		{"port", "```sh {run}\ndocker run -d -p 127.0.0.1:8080:80 nginx\ndocker run -p 9000:90 x\n```\n", []string{"port:8080", "port:9000"}},
		{"compose without files is the folder's project", "```console {run}\n$ docker compose up -d\n$ docker ps\n```\n", []string{"compose:p"}},
		{"compose project from name:", "```yaml {file=compose.yaml}\nname: shop\nservices:\n  web:\n    image: nginx\n    ports: [\"8080:80\", \"127.0.0.1:9000-9001:90\", \"80\"]\n```\n\n```sh {run}\ndocker compose up -d --wait\n```\n",
			[]string{"compose:shop", "port:8080", "port:9000", "port:9001"}},
		{"compose project from the folder", "```yaml {file=compose.yaml}\nservices:\n  web:\n    image: nginx\n```\n\n```sh {run}\ndocker compose up -d\n```\n", []string{"compose:p"}},
		{"compose -p wins", "```yaml {file=compose.yaml}\nname: shop\nservices:\n  web:\n    image: nginx\n```\n\n```sh {run}\ndocker compose -p demo up -d\n```\n", []string{"compose:demo"}},
		{"compose -f and the subcommand's -p", "```yaml {file=compose.yaml}\nname: shop\nservices:\n  web:\n    image: nginx\n```\n\n```yaml {file=ops/compose.prod.yaml}\nservices:\n  web:\n    image: nginx\n    container_name: web-prod\n```\n\n```sh {run}\ndocker compose --file=ops/compose.prod.yaml run -p 7000:80 web\n```\n",
			[]string{"compose:ops", "container:web-prod", "port:7000"}},
		{"compose override and named volume", "```yaml {file=compose.yaml}\nname: shop\nservices:\n  db:\n    image: redis\n    volumes: [data:/data]\nvolumes:\n  data:\n    name: shared-data\n```\n\n```yaml {file=compose.override.yaml}\nservices:\n  db:\n    ports: [\"6379:6379\"]\n```\n\n```console {run}\n$ docker-compose up -d\n```\n",
			[]string{"compose:shop", "port:6379", "volume:shared-data"}},
		{"compose builds tag images", "```yaml {file=compose.yaml}\nname: shop\nservices:\n  app:\n    build: .\n    image: shop-app:1.0\n  worker:\n    build: .\n```\n\n```sh {run}\ndocker compose up -d --build\n```\n",
			[]string{"compose:shop", "image:shop-app", "image:shop-worker"}},
		{"compose file not valid", "```yaml {file=compose.yaml}\nname: [\n```\n\n```sh {run}\ndocker compose up\n```\n", []string{"compose:p"}},
		{"continued line", "```sh {run}\ndocker run -d \\\n  --name cont busybox\n```\n", []string{"container:cont"}},
		{"one-off blocks write nothing", "```sh {run image=busybox}\necho --name x\n```\n", []string{}},
		{"not docker", "```sh {run}\necho --name web\n```\n", []string{}},
	}
	cfg := fakeConfig()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := sessionNames(extractPage(t, cfg, tt.md))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("sessionNames(%q) = %q, want %q", tt.md, got, tt.want)
			}
		})
	}
}

// TestScheduleComposePages: two Compose pages whose projects have their
// own names start together; two that publish the same host port do not.
func TestScheduleComposePages(t *testing.T) {
	cfg := fakeConfig()
	page := func(file, name, port string) *job {
		md := "```yaml {file=compose.yaml}\n" + name + "services:\n  web:\n    image: nginx\n    ports: [\"" + port + ":80\"]\n```\n\n" +
			"```sh {run}\ndocker compose up -d --wait\ndocker compose down\n```\n"
		pg := extractPage(t, cfg, md)
		for i := range pg {
			pg[i].File = file
		}
		return &job{page: pg, names: sessionNames(pg)}
	}
	for _, tt := range []struct {
		name     string
		a, b     *job
		together bool
	}{
		{"named projects", page("a.md", "name: shop\n", "8080"), page("b.md", "name: blog\n", "8081"), true},
		{"projects named after their pages", page("docs/basics.md", "", "8080"), page("docs/scaling.md", "", "8081"), true},
		{"same published port", page("a.md", "name: shop\n", "8080"), page("b.md", "name: blog\n", "8080"), false},
		{"same project name", page("a.md", "name: shop\n", "8080"), page("b.md", "name: shop\n", "8081"), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newSchedule([]*job{tt.a, tt.b})
			first := s.next()
			other := tt.b
			if first == tt.b {
				other = tt.a
			}
			if got := s.free(other); got != tt.together {
				t.Errorf("with names %q running, may names %q start: got %v, want %v", first.names, other.names, got, tt.together)
			}
		})
	}
}

// TestScheduleOrderAndExclusion: pages start longest first; a page never
// starts while a page with one of its names runs, and does once it ends.
func TestScheduleOrderAndExclusion(t *testing.T) {
	a := &job{names: []string{"container:web"}, cost: 10}
	b := &job{names: []string{"compose"}, cost: 30}
	c := &job{names: []string{"compose", "container:db"}, cost: 20}
	d := &job{cost: 5}
	s := newSchedule([]*job{a, b, c, d})
	if got := s.next(); got != b {
		t.Fatalf("first page: got cost %d, want the longest (30)", got.cost)
	}
	// c shares "compose" with b, which runs: the next free page is a.
	if got := s.next(); got != a {
		t.Fatalf("second page: got cost %d, want 10 (20 shares compose with a running page)", got.cost)
	}
	if got := s.next(); got != d {
		t.Fatalf("third page: got cost %d, want 5", got.cost)
	}
	got := make(chan *job)
	go func() { got <- s.next() }()
	select {
	case j := <-got:
		t.Fatalf("a page (cost %d) started while its name was in use", j.cost)
	case <-time.After(50 * time.Millisecond):
	}
	s.done(b)
	if j := <-got; j != c {
		t.Fatalf("after the compose page ended: got cost %d, want 20", j.cost)
	}
	if j := s.next(); j != nil {
		t.Fatalf("no page left: got cost %d", j.cost)
	}
}

// TestScheduleClose: a closed schedule wakes a waiting worker with nothing.
func TestScheduleClose(t *testing.T) {
	a := &job{names: []string{"x"}, cost: 2}
	b := &job{names: []string{"x"}, cost: 1}
	s := newSchedule([]*job{a, b})
	s.next()
	got := make(chan *job)
	go func() { got <- s.next() }()
	s.close()
	if j := <-got; j != nil {
		t.Fatalf("after close: got a page (cost %d), want none", j.cost)
	}
}

// TestRunLongestFirst: with one worker, pages run by recorded duration,
// longest first, and the report is still in file order.
func TestRunLongestFirst(t *testing.T) {
	cfg := fakeConfig()
	var pages [][]snippet.Snippet
	store := results.New()
	for i, d := range []int64{100, 3000, 2000} {
		md := "```sh {run image=busybox:1}\necho " + strings.Repeat("x", i+1) + "\n```\n"
		pg := extractPage(t, cfg, md)
		for j := range pg {
			pg[j].File = string(rune('a'+i)) + ".md"
		}
		store.Results[pg[0].Hash] = results.Result{Status: results.Passed, DurationMS: d}
		pages = append(pages, pg)
	}
	e := &fakeEngine{ids: map[string]string{"local/busybox": "sha256:b"}}
	var log strings.Builder
	rep := Run(context.Background(), pages, store, Options{Config: cfg, Engine: e, Jobs: 1, Force: true, Log: &log})
	var order []string
	for _, l := range strings.Split(strings.TrimSpace(log.String()), "\n") {
		order = append(order, l[:1])
	}
	if want := []string{"b", "c", "a"}; !reflect.DeepEqual(order, want) {
		t.Errorf("pages ran in order %q, want %q (longest recorded first)", order, want)
	}
	var files []string
	for _, it := range rep.Items {
		files = append(files, it.Snippet.File)
	}
	if want := []string{"a.md", "b.md", "c.md"}; !reflect.DeepEqual(files, want) {
		t.Errorf("report order %q, want %q", files, want)
	}
}

// TestPageCostOfEditedBlocks: a block without a result of its own hash
// counts what the result at its place took; one never run, a second.
func TestPageCostOfEditedBlocks(t *testing.T) {
	cfg := fakeConfig()
	pg := extractPage(t, cfg, "```sh {run image=busybox:1}\necho edited\n```\n\n```sh {run image=busybox:1}\necho new\n```\n")
	store := results.New()
	store.Results["an-older-hash"] = results.Result{File: pg[0].File, Line: pg[0].Line, DurationMS: 5000}
	store.Results["elsewhere"] = results.Result{File: "other.md", Line: pg[1].Line, DurationMS: 9000}
	if got, want := pageCost(pg, store, durationsByPlace(store)), int64(6000); got != want {
		t.Errorf("pageCost = %d ms, want %d (5000 from the block's place, 1000 for the new block)", got, want)
	}
	store.Results[pg[0].Hash] = results.Result{File: pg[0].File, Line: pg[0].Line, DurationMS: 200}
	if got, want := pageCost(pg, store, durationsByPlace(store)), int64(1200); got != want {
		t.Errorf("pageCost = %d ms, want %d (the block's own result first)", got, want)
	}
}
