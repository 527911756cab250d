package site

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/shipshape/shipshape/internal/check"
	"github.com/shipshape/shipshape/internal/diag"
	"github.com/shipshape/shipshape/internal/highlight"
	"github.com/shipshape/shipshape/internal/snippet"
)

// Cache keeps what depends only on a code block between renders: its static
// check and its highlighted HTML, which are most of a render's work. The
// preview server passes one Cache to every Render, so a full re-render after
// an edit redoes only the blocks that changed. A nil *Cache does everything
// afresh. It is safe for concurrent use.
type Cache struct {
	checks sync.Map // checkKey -> check.Result
	html   sync.Map // htmlKey -> []byte
	n      atomic.Int64
}

// NewCache makes an empty cache.
func NewCache() *Cache { return &Cache{} }

// maxCache bounds the entries: past it the cache starts over, so a server
// that runs for days of edits does not grow without end.
const maxCache = 100_000

// checkKey is a block's content: the same block on another page, or moved
// on its page, is checked once and its findings moved to where it stands.
type checkKey struct {
	hash, code string
}

type htmlKey struct{ code, lang, lines string }

func (c *Cache) full() {
	if c.n.Add(1) > maxCache {
		c.checks.Clear()
		c.html.Clear()
		c.n.Store(0)
	}
}

func (c *Cache) check(s snippet.Snippet) check.Result {
	if c == nil {
		return check.Block(s)
	}
	k := checkKey{s.Hash, s.Code}
	if v, ok := c.checks.Load(k); ok {
		return relocate(v.(check.Result), s)
	}
	r := check.Block(s)
	c.full()
	c.checks.Store(k, r)
	return r
}

// relocate moves a cached result onto another copy of the same block: the
// findings keep their distance from the block's first line.
func relocate(r check.Result, s snippet.Snippet) check.Result {
	from := r.Snippet
	if from.File == s.File && from.Line == s.Line {
		r.Snippet = s
		return r
	}
	r.Snippet = s
	if len(r.Findings) > 0 {
		fs := make(diag.List, len(r.Findings))
		for i, f := range r.Findings {
			if f.File == from.File {
				f.File = s.File
				if f.Line > 0 {
					f.Line += s.Line - from.Line
				}
			}
			fs[i] = f
		}
		r.Findings = fs
	}
	return r
}

func (c *Cache) highlight(w io.Writer, code, lang, lines string) error {
	if c == nil {
		return highlight.Write(w, code, lang, highlight.Options{Lines: parseLines(lines)})
	}
	k := htmlKey{code, lang, lines}
	if v, ok := c.html.Load(k); ok {
		_, err := w.Write(v.([]byte))
		return err
	}
	var b bytes.Buffer
	if err := highlight.Write(&b, code, lang, highlight.Options{Lines: parseLines(lines)}); err != nil {
		return err
	}
	c.full()
	c.html.Store(k, b.Bytes())
	_, err := w.Write(b.Bytes())
	return err
}

// storedCheck is one check result as kept on disk: the block's identity and
// code, and the result with only the block's place (for relocating findings).
type storedCheck struct {
	Hash, Code string
	Result     check.Result
}

// LoadChecks adds check results saved by SaveChecks, so that a build after
// a build checks only the blocks that changed. A missing, old or damaged file
// is an empty start, never an error: the cache is only a shortcut.
func (c *Cache) LoadChecks(path string) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	var all []storedCheck
	if err := gob.NewDecoder(f).Decode(&all); err != nil {
		return 0
	}
	for _, sc := range all {
		c.checks.Store(checkKey{sc.Hash, sc.Code}, sc.Result)
	}
	c.n.Add(int64(len(all)))
	return len(all)
}

// SaveChecks writes the cached check results to path, atomically.
func (c *Cache) SaveChecks(path string) error {
	var all []storedCheck
	c.checks.Range(func(k, v any) bool {
		key, r := k.(checkKey), v.(check.Result)
		r.Snippet = snippet.Snippet{File: r.Snippet.File, Line: r.Snippet.Line}
		all = append(all, storedCheck{key.hash, key.code, r})
		return true
	})
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(all); err != nil {
		return fmt.Errorf("encode check cache: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".checks-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(b.Bytes()); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
