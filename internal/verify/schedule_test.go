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
		{"compose", "```console {run}\n$ docker compose up -d\n$ docker ps\n```\n", []string{"compose"}},
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
