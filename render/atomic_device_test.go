//go:build unix

package render

import (
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func writeX(path string) error {
	return WriteFileAtomic(path, nil, func(w io.Writer) error { _, err := io.WriteString(w, "report\n"); return err })
}

// TestWriteFileAtomicDevice: `--out /dev/null` must never replace the
// device node by a regular file (issue 10, item 0). Run as root the old
// code renamed its temp file over the node. The node used is a throwaway
// copy of /dev/null (major 1, minor 3) in a temp dir; only when that passes
// is the real /dev/null tried, so a regression cannot break the machine.
func TestWriteFileAtomicDevice(t *testing.T) {
	dir := t.TempDir()
	node := filepath.Join(dir, "null")
	if err := syscall.Mknod(node, syscall.S_IFCHR|0o666, 1<<8|3); err != nil {
		t.Skipf("mknod needs root: %v", err)
	}
	if err := writeX(node); err != nil {
		t.Fatalf("write to a character device: %v", err)
	}
	fi, err := os.Lstat(node)
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		t.Fatalf("device node replaced: %v %v", fi.Mode(), err)
	}
	if names := listDir(t, dir); len(names) != 1 {
		t.Errorf("directory holds %v, want only the node", names)
	}
	if err := writeX("/dev/null"); err != nil {
		t.Fatalf("write /dev/null: %v", err)
	}
	if fi, err := os.Stat("/dev/null"); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		t.Fatalf("/dev/null is no longer a character device: %v", err)
	}
}

// TestWriteFileAtomicFIFO: a FIFO is written in place (its reader gets the
// bytes, the FIFO stays a FIFO), and a FIFO nobody reads is an error after
// a bounded wait, not a hang.
func TestWriteFileAtomicFIFO(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "p")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip(err)
	}
	got := make(chan string, 1)
	go func() {
		f, err := os.Open(fifo)
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(f)
		f.Close()
		got <- string(b)
	}()
	if err := writeX(fifo); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-got:
		if s != "report\n" {
			t.Errorf("reader got %q", s)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("reader got nothing")
	}
	if fi, _ := os.Lstat(fifo); fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("FIFO replaced: %v", fi.Mode())
	}

	old := fifoWait
	fifoWait = 100 * time.Millisecond
	defer func() { fifoWait = old }()
	done := make(chan error, 1)
	go func() { done <- writeX(fifo) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "no reader") {
			t.Errorf("err = %v, want 'no reader'", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("write to a FIFO without reader hangs")
	}
}

// TestWriteFileAtomicRefusesOtherNonRegular: sockets and directories are
// refused with ErrNotRegularOutput and left as they are; so is a FIFO
// written through FileSet (which can only rename).
func TestWriteFileAtomicRefusesOtherNonRegular(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "s")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Skip(err)
	}
	defer l.Close()
	sub := filepath.Join(dir, "sub")
	os.Mkdir(sub, 0o755)
	for _, p := range []string{sock, sub} {
		if err := writeX(p); !errors.Is(err, ErrNotRegularOutput) {
			t.Errorf("%s: err = %v, want ErrNotRegularOutput", p, err)
		}
	}
	if fi, _ := os.Lstat(sock); fi.Mode()&os.ModeSocket == 0 {
		t.Error("socket replaced")
	}
	fifo := filepath.Join(dir, "p")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip(err)
	}
	s := NewFileSet(nil)
	if _, err := s.Create(fifo); !errors.Is(err, ErrNotRegularOutput) {
		t.Errorf("FileSet.Create(fifo): err = %v, want ErrNotRegularOutput", err)
	}
	s.Abort()
	for _, n := range listDir(t, dir) {
		if strings.Contains(n, ".tmp-") {
			t.Errorf("temp file left: %s", n)
		}
	}
}
