//go:build unix

package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dpa-tools/dpa/render"
)

// TestHostileOutDevice: `dpa validate … -o json --out /dev/null` (here a
// throwaway copy of the node) exits normally and leaves the device a
// device (issue 10, item 0).
func TestHostileOutDevice(t *testing.T) {
	dir := t.TempDir()
	node := filepath.Join(dir, "null")
	if err := syscall.Mknod(node, syscall.S_IFCHR|0o666, 1<<8|3); err != nil {
		t.Skipf("mknod needs root: %v", err)
	}
	io, _, errOut := render.Test()
	code := run(t.Context(), []string{"validate", "-o", "json", "--out", node, "--allow-empty", "../../feed/testdata/hostile/header-only.csv"}, io, fixedNow)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if fi, err := os.Lstat(node); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		t.Fatalf("--out replaced the device node: %v", err)
	}
}

// TestHostileFIFOReadTwice (issue 10, item 2): an input that is a pipe or
// FIFO and needs two passes (XML to CSV, a ragged CSV) is read once and
// spooled; it used to give a blank header and 0 items with exit 0, or hang
// on a named FIFO.
func TestHostileFIFOReadTwice(t *testing.T) {
	xmlFeed, err := os.ReadFile("../../examples/google_feed.xml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, data string
		args       []string
		want       []string // substrings of OUT
	}{
		{"xml to csv", string(xmlFeed), []string{"convert", "--format", "csv"}, []string{"id,title"}},
		{"ragged csv", "id,title\n1,a\n2,b,extra\n", []string{"convert", "--format", "csv"}, []string{"id,title,column_3\n", "2,b,extra"}},
		{"normalize xml", string(xmlFeed), []string{"normalize", "--channel", "meta", "--currency", "USD"}, []string{"id,"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			fifo := filepath.Join(dir, "in")
			if err := syscall.Mkfifo(fifo, 0o644); err != nil {
				t.Skip(err)
			}
			go func() {
				w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
				if err != nil {
					return
				}
				w.WriteString(tc.data)
				w.Close()
			}()
			out := filepath.Join(dir, "out.csv")
			io, _, errOut := render.Test()
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			code := run(ctx, append(tc.args, "--out", out, fifo), io, fixedNow)
			if ctx.Err() != nil {
				t.Fatal("hangs on a FIFO")
			}
			got, _ := os.ReadFile(out)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(got), w) {
					t.Errorf("OUT lacks %q:\n%.300s", w, got)
				}
			}
			if strings.Count(string(got), "\n") < 2 {
				t.Errorf("OUT has no items:\n%s", got)
			}
		})
	}
}
