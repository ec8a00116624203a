//go:build unix

package main

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

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
