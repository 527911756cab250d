// Package results stores what verify proved, keyed by snippet hash, in one
// JSON file kept beside the content so that changes show up in review.
package results

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Status is the outcome of verifying one snippet.
type Status string

const (
	Passed       Status = "passed"        // ran or built and met its expectation
	Failed       Status = "failed"        // did not meet its expectation
	ExpectedFail Status = "expected-fail" // marked {expect=fail} and failed as intended
	Skipped      Status = "skipped"       // not run, with a reason
	Infra        Status = "infra-error"   // the engine or an image was not there
)

// Proof is what a passing result proved.
type Proof string

const (
	ProofRan      Proof = "ran"       // ran in a container
	ProofBuilt    Proof = "built"     // built as a Dockerfile
	ProofBuiltRan Proof = "built+ran" // built, then its image ran
	ProofChecked  Proof = "checked"   // checked in its image (py_compile, nginx -t)
)

// Badge is what a block's badge says: the one vocabulary of the site's
// badges (data-status), the proof page and the page summaries.
type Badge string

const (
	BadgeRan          Badge = "ran"
	BadgeBuilt        Badge = "built"
	BadgeBuiltRan     Badge = "built-ran"
	BadgeExpectedFail Badge = "expected-fail"
	BadgeChecked      Badge = "checked" // by verify in its image, or statically
	BadgeFailed       Badge = "failed"
	BadgeSkipped      Badge = "skipped"
	BadgeNotVerified  Badge = "not-verified" // runnable, with no fresh result
	BadgeNotRun       Badge = "not-run"      // code, but not an example verify runs
	BadgeNotCode      Badge = "not-code"     // text, output or a diagram
)

// Result is one snippet's latest verification.
type Result struct {
	Status   Status `json:"status"`
	Proof    Proof  `json:"proof,omitempty"` // what was proven
	Kind     string `json:"kind,omitempty"`
	File     string `json:"file"`
	Line     int    `json:"line"`
	ExitCode int    `json:"exit_code"`
	// DurationMS is how long the run took, in milliseconds.
	DurationMS int64  `json:"duration_ms"`
	Output     string `json:"output,omitempty"`
	Truncated  bool   `json:"truncated,omitempty"`
	Reason     string `json:"reason,omitempty"`
	Engine     string `json:"engine,omitempty"`
	Image      string `json:"image,omitempty"`     // the reference as written in the docs
	ImageRun   string `json:"image_run,omitempty"` // the local reference that really ran
	ImageID    string `json:"image_id,omitempty"`
	// Images are the other images the example used (a build's earlier FROM
	// images; in a page session, the images its commands ran, built from or
	// started as Compose services), by local reference → ID.
	Images map[string]string `json:"images,omitempty"`
	At     string            `json:"at"` // RFC 3339, UTC
}

// Time parses At.
func (r Result) Time() time.Time {
	t, _ := time.Parse(time.RFC3339, r.At)
	return t
}

// File is the whole results file.
type File struct {
	Version int               `json:"version"`
	Results map[string]Result `json:"results"`
}

// FormatVersion is written to the file; a file from a later version is an error.
const FormatVersion = 1

// New returns an empty store.
func New() *File { return &File{Version: FormatVersion, Results: map[string]Result{}} }

// Load reads a results file; a missing file is an empty store.
func Load(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return New(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	f := New()
	if err := json.Unmarshal(b, f); err != nil {
		return nil, fmt.Errorf("%s: results file is not valid JSON: %w", path, err)
	}
	if f.Version > FormatVersion {
		return nil, fmt.Errorf("%s: results format %d is newer than this shipshape (%d)", path, f.Version, FormatVersion)
	}
	if f.Results == nil {
		f.Results = map[string]Result{}
	}
	return f, nil
}

// Lookup returns the result stored for a hash.
func (f *File) Lookup(hash string) (Result, bool) {
	if f == nil {
		return Result{}, false
	}
	r, ok := f.Results[hash]
	return r, ok
}

// ImageIDs tells the current ID of a local image reference, as the engine
// answers it ("" for an image that is not there). ok is false when it
// cannot tell: no engine is reachable.
type ImageIDs func(ref string) (id string, ok bool)

// Now is what a stored result is held against: the engine that would run
// its snippet now. The zero Now knows nothing (no engine is reachable):
// stored results count as they are.
type Now struct {
	// Engine answers the engine's version; ok is false when it cannot
	// tell. Nil: not known.
	Engine func() (version string, ok bool)
	// ImageIDs answers current image IDs. Nil: not known.
	ImageIDs ImageIDs
}

// Fresh is the one rule for "still proven", used by verify, build, serve,
// the proof page and the page summaries, for a result looked up by the
// snippet's hash, which covers everything textual its outcome depends on
// (code, attributes, kind, the page files it reads, the image map entry,
// the verifier version). It stays fresh while the engine is the one it
// ran on (its version: another engine builds and runs the same block
// differently, and may not run it at all) and every image it ran on is
// still the same image. What now cannot tell is not re-checked.
func Fresh(r Result, now Now) bool {
	if r.Engine != "" && now.Engine != nil {
		if v, known := now.Engine(); known && v != r.Engine {
			return false
		}
	}
	if now.ImageIDs == nil {
		return true
	}
	for ref, want := range r.Dependencies() {
		if got, known := now.ImageIDs(ref); known && got != want {
			return false
		}
	}
	return true
}

// Proven looks a snippet's hash up and applies Fresh.
func (f *File) Proven(hash string, now Now) (Result, bool) {
	r, ok := f.Lookup(hash)
	if !ok || !Fresh(r, now) {
		return Result{}, false
	}
	return r, true
}

// Dependencies lists every image the result ran on, by local reference → ID.
func (r Result) Dependencies() map[string]string {
	if r.ImageID == "" && len(r.Images) == 0 {
		return nil
	}
	m := make(map[string]string, len(r.Images)+1)
	for k, v := range r.Images {
		m[k] = v
	}
	if r.ImageRun != "" && r.ImageID != "" {
		m[r.ImageRun] = r.ImageID
	}
	return m
}

// Prune drops results whose hash is not in keep, so the file describes
// only the current content.
func (f *File) Prune(keep map[string]bool) int {
	n := 0
	for h := range f.Results {
		if !keep[h] {
			delete(f.Results, h)
			n++
		}
	}
	return n
}

// Save writes the file atomically with stable key order (encoding/json
// sorts map keys) and a trailing newline.
func (f *File) Save(path string) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(f); err != nil {
		return fmt.Errorf("encode results: %w", err)
	}
	return WriteAtomic(path, buf.Bytes())
}

// WriteAtomic writes data to a temporary file beside path and renames it
// into place, so a reader never sees half a file.
func WriteAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
