package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/dpa-tools/dpa/render"
)

// TestMarkdownReferenceFresh fails when cmd/dpa/docs/ no longer matches
// the command tree. Regenerate with: go run ./cmd/dpa docs markdown cmd/dpa/docs
func TestMarkdownReferenceFresh(t *testing.T) {
	dir := t.TempDir()
	io, _, errOut := render.Test()
	if code := run(t.Context(), []string{"docs", "markdown", dir}, io, fixedNow); code != 0 {
		t.Fatalf("docs markdown exited %d: %s", code, errOut)
	}
	want, _ := filepath.Glob(filepath.Join(dir, "*.md"))
	have, _ := filepath.Glob(filepath.Join("docs", "*.md"))
	if len(want) != len(have) {
		t.Fatalf("cmd/dpa/docs has %d pages, the command tree has %d: regenerate with `go run ./cmd/dpa docs markdown cmd/dpa/docs`", len(have), len(want))
	}
	for _, p := range want {
		got, _ := os.ReadFile(p)
		committed, err := os.ReadFile(filepath.Join("docs", filepath.Base(p)))
		if err != nil || !bytes.Equal(got, committed) {
			t.Errorf("cmd/dpa/docs/%s is stale: regenerate with `go run ./cmd/dpa docs markdown cmd/dpa/docs`", filepath.Base(p))
		}
	}
}

func TestManPages(t *testing.T) {
	dir := t.TempDir()
	io, _, errOut := render.Test()
	if code := run(t.Context(), []string{"docs", "man", dir}, io, fixedNow); code != 0 {
		t.Fatalf("docs man exited %d: %s", code, errOut)
	}
	b, err := os.ReadFile(filepath.Join(dir, "dpa-validate.1"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(".TH \"DPA\" \"1\"")) || !bytes.Contains(b, []byte("fail-on")) {
		t.Fatalf("man page lacks header or flags:\n%s", b[:min(len(b), 400)])
	}
}
