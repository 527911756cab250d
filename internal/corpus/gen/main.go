// Command gen writes a synthetic course for benchmarks:
//
//	go run ./internal/corpus/gen -n 1000 -o /tmp/corpus
//	hyperfine 'bin/shipshape build --source /tmp/corpus/content --out /tmp/corpus/public'
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/shipshape/shipshape/internal/corpus"
)

func main() {
	n := flag.Int("n", 1000, "pages")
	out := flag.String("o", "corpus", "folder to write (its content/ is created)")
	flag.Parse()
	dir := filepath.Join(*out, "content")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := corpus.Write(dir, *n); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("%d pages in %s\n", *n, dir)
}
