package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shipshape/shipshape/internal/corpus"
)

// course writes a project with n generated pages.
func course(b *testing.B, n int) string {
	b.Helper()
	dir := b.TempDir()
	if err := corpus.Write(filepath.Join(dir, "content"), n); err != nil {
		b.Fatal(err)
	}
	write(b, filepath.Join(dir, "shipshape.toml"), "title = \"Bench\"\n")
	return dir
}

// BenchmarkSaveToServed1000 measures what an author waits for at 1000
// pages: from writing a page's file to the server answering with the new
// text, through the watcher's batch window (50 ms), the page's re-render
// and the reload event. The target is 100 ms.
func BenchmarkSaveToServed1000(b *testing.B) {
	dir := course(b, 1000)
	batch = 0 // the default window, as authors get it
	b.Cleanup(func() { batch = 20 * time.Millisecond })
	s, base := running(b, dir)
	waitChecked(b, s)
	es := follow(b, base)
	md := filepath.Join(dir, "content/ch003/p07.md")
	orig, err := os.ReadFile(md)
	if err != nil {
		b.Fatal(err)
	}
	url := base + "ch003/p07/"
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		token := fmt.Sprintf("edit-%d-marker", i)
		if err := os.WriteFile(md, append(append([]byte(nil), orig...), "\n\nNew line "+token+".\n"...), 0o644); err != nil {
			b.Fatal(err)
		}
		es.next()
		if _, body := get(b, url); !strings.Contains(body, token) {
			b.Fatalf("edit %d not served", i)
		}
	}
}

// waitChecked waits until the background full render has landed, so that
// it does not compete with the edits measured.
func waitChecked(b *testing.B, s *Server) {
	select {
	case <-s.checked:
	case <-time.After(5 * time.Minute):
		b.Fatal("no full render")
	}
}

// BenchmarkRenderPage1000 is the re-render alone, without the batch window.
func BenchmarkRenderPage1000(b *testing.B) {
	dir := course(b, 1000)
	s, err := New(Options{Dir: dir})
	if err != nil {
		b.Fatal(err)
	}
	md := filepath.Join(dir, "content/ch003/p07.md")
	orig, _ := os.ReadFile(md)
	for i := 0; b.Loop(); i++ {
		_ = os.WriteFile(md, append(append([]byte(nil), orig...), fmt.Sprintf("\n\nLine %d.\n", i)...), 0o644)
		if done, more, _ := s.renderPages([]string{"ch003/p07.md"}); !done || more {
			b.Fatal("edit needed a full render")
		}
	}
}

// BenchmarkFullRender1000 is the fallback when navigation changes.
func BenchmarkFullRender1000(b *testing.B) {
	dir := course(b, 1000)
	s, err := New(Options{Dir: dir})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := s.renderAll(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStartup1000 is from starting the preview of 1000 pages to the
// first page served (target 1 s).
func BenchmarkStartup1000(b *testing.B) {
	dir := course(b, 1000)
	for b.Loop() {
		s, err := New(Options{Dir: dir})
		if err != nil {
			b.Fatal(err)
		}
		ln, _, err := Listen("127.0.0.1", 0)
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx, ln) }()
		resp, err := http.Get(URL(ln) + "ch001/p01/")
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("first page: %d", resp.StatusCode)
		}
		b.StopTimer()
		cancel()
		select {
		case <-done:
		case <-time.After(ShutdownTimeout + time.Second):
			b.Fatal("no shutdown")
		}
		s.bg.Wait() // an abandoned render would slow the next start
		b.StartTimer()
	}
}
