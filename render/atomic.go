package render

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ErrWouldOverwriteInput is returned (wrapped) when an output path names one
// of the command's input files, directly, through a symlink or a hard link:
// `dpa fix feed.csv --out feed.csv` would otherwise truncate the feed
// while it is being read.
var ErrWouldOverwriteInput = errors.New("output would overwrite an input file")

// ErrSymlinkOutsideDir is returned (wrapped) when the output path is a
// symlink pointing outside its own directory; following it would let a
// planted link redirect the write anywhere the user can write.
var ErrSymlinkOutsideDir = errors.New("output path is a symlink pointing outside its directory")

// CheckNotInput returns an error wrapping ErrWouldOverwriteInput when path
// refers to the same file as any of inputs. "" and "-" (stdin) inputs are
// ignored. A path that does not exist yet cannot be an input.
func CheckNotInput(path string, inputs []string) error {
	if len(inputs) == 0 {
		return nil
	}
	out, err := os.Stat(path) // follows symlinks
	if err != nil {
		return nil
	}
	for _, in := range inputs {
		if in == "" || in == "-" {
			continue
		}
		fi, err := os.Stat(in)
		if err != nil {
			continue
		}
		if os.SameFile(out, fi) {
			return fmt.Errorf("%s is the input %s: %w", path, in, ErrWouldOverwriteInput)
		}
	}
	return nil
}

// WriteFileAtomic writes path via a temporary file in the same directory,
// so readers (and a Ctrl-C) never see a half-written file: fn writes into a
// buffered writer on ".<base>.tmp-*", which is then flushed, fsynced,
// closed, given mode 0644 and renamed over path. If fn returns an error or
// panics, or any step fails, the temporary file is removed and path is left
// as it was (the panic is re-raised).
//
// It refuses, before creating anything, when path is one of inputs (see
// CheckNotInput) or is a symlink leading outside its directory. A symlink
// that stays inside the directory is written through: its target is
// replaced and the link kept. Ownership, mode and extended attributes of an
// existing file are not preserved.
//
// An existing path that is not a regular file is never renamed over (run as
// root, `--out /dev/null` would otherwise replace the device with a regular
// file): a character device (/dev/null, a terminal) or a FIFO is written in
// place, anything else (socket, block device, directory) is refused.
func WriteFileAtomic(path string, inputs []string, fn func(w io.Writer) error) (err error) {
	if err := CheckNotInput(path, inputs); err != nil {
		return err
	}
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		if err := checkInPlace(path, fi); err != nil {
			return err
		}
		return writeInPlace(path, fn)
	}
	target, err := resolveOutput(path)
	if err != nil {
		return err
	}
	dir, base := filepath.Split(target)
	if dir == "" {
		dir = "."
	}
	// A missing output directory is created: `--out reports/today.json`
	// should just work.
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create directory for %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmpName := tmp.Name()
	untrack := trackTemp(tmpName)
	defer untrack()
	done := false
	defer func() {
		if done {
			return
		}
		tmp.Close()
		os.Remove(tmpName)
	}()

	bw := bufio.NewWriterSize(tmp, 64<<10)
	if err := fn(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmpName, target); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	done = true
	syncDir(dir)
	return nil
}

// resolveOutput returns the file WriteFileAtomic should replace: path
// itself, or the target of a symlink at path that stays in path's directory.
//
// Any existing target that is not a regular file (device, FIFO, socket,
// directory) is refused: a rename would replace it. (WriteFileAtomic
// writes character devices and FIFOs in place before getting here.)
func resolveOutput(path string) (string, error) {
	target, err := resolveLink(path)
	if err != nil {
		return "", err
	}
	if ti, err := os.Stat(target); err == nil && !ti.Mode().IsRegular() {
		return "", fmt.Errorf("write %s: %s is %s: %w", path, target, DescribeMode(ti.Mode()), ErrNotRegularOutput)
	}
	return target, nil
}

// DescribeMode names a non-regular file type for an error message.
func DescribeMode(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeSymlink != 0:
		return "a symlink"
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeCharDevice != 0:
		return "a character device"
	case m&os.ModeDevice != 0:
		return "a block device"
	}
	return "not a regular file"
}

// resolveLink returns path, or the target of a symlink at path that stays
// in path's directory.
func resolveLink(path string) (string, error) {
	fi, err := os.Lstat(path)
	if err != nil || fi.Mode()&os.ModeSymlink == 0 {
		return path, nil
	}
	dir := filepath.Dir(path)
	realDir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		// Dangling link: judge by where it points.
		link, rerr := os.Readlink(path)
		if rerr != nil {
			return "", fmt.Errorf("write %s: %w", path, rerr)
		}
		if !filepath.IsAbs(link) {
			link = filepath.Join(realDir, link)
		}
		target = filepath.Clean(link)
	}
	if filepath.Dir(target) != realDir {
		return "", fmt.Errorf("write %s → %s: %w", path, target, ErrSymlinkOutsideDir)
	}
	return target, nil
}

// ErrNotRegularOutput is returned (wrapped) when the output path exists and
// is something dpa cannot write a report into: a socket, a block device, a
// directory.
var ErrNotRegularOutput = errors.New("output exists and is not a regular file, character device or FIFO")

// checkInPlace decides whether the existing non-regular file fi at path may
// be written in place. Character devices and FIFOs may; everything else is
// refused. A symlink leading outside its directory is refused too (a
// planted link must not redirect output onto a device), except the
// kernel's own /dev/stdout, /dev/stderr and /dev/fd/N.
func checkInPlace(path string, fi os.FileInfo) error {
	m := fi.Mode()
	if m&os.ModeNamedPipe == 0 && (m&os.ModeDevice == 0 || m&os.ModeCharDevice == 0) {
		return fmt.Errorf("write %s: %w", path, ErrNotRegularOutput)
	}
	if lfi, err := os.Lstat(path); err == nil && lfi.Mode()&os.ModeSymlink != 0 {
		clean := filepath.Clean(path)
		if clean == "/dev/stdout" || clean == "/dev/stderr" || strings.HasPrefix(clean, "/dev/fd/") {
			return nil
		}
		if _, err := resolveLink(path); err != nil {
			return err
		}
	}
	return nil
}

// fifoWait is how long writeInPlace waits for a reader to open a FIFO.
var fifoWait = 5 * time.Second

// writeInPlace streams fn's output straight into the device or FIFO at
// path: there is nothing to rename, and no partial output can be hidden
// from a device anyway. A FIFO is opened without blocking and retried
// until a reader appears (at most fifoWait), so a FIFO nobody reads never
// hangs dpa.
func writeInPlace(path string, fn func(w io.Writer) error) error {
	deadline := time.Now().Add(fifoWait)
	var f *os.File
	for {
		var err error
		f, err = os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.ENXIO) {
			return fmt.Errorf("write %s: %w", path, err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("write %s: the FIFO has no reader (waited %s)", path, fifoWait)
		}
		time.Sleep(20 * time.Millisecond)
	}
	defer f.Close()
	// Between the Stat and the open the path may have been replaced by a
	// regular file; writing it in place would be neither atomic nor safe.
	if st, err := f.Stat(); err != nil || st.Mode().IsRegular() {
		return fmt.Errorf("write %s: the file changed while it was opened", path)
	}
	bw := bufio.NewWriterSize(f, 64<<10)
	if err := fn(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// temps are the temporary files WriteFileAtomic has open, so that a
// process forced to exit (a second Ctrl-C) can remove them first.
var temps struct {
	sync.Mutex
	m map[string]struct{}
}

func trackTemp(name string) (untrack func()) {
	temps.Lock()
	if temps.m == nil {
		temps.m = map[string]struct{}{}
	}
	temps.m[name] = struct{}{}
	temps.Unlock()
	return func() {
		temps.Lock()
		delete(temps.m, name)
		temps.Unlock()
	}
}

// RemoveTemps deletes every temporary file of a WriteFileAtomic still in
// progress. It is for a process about to exit without unwinding (the
// second Ctrl-C); the writes in progress then fail.
func RemoveTemps() {
	temps.Lock()
	defer temps.Unlock()
	for name := range temps.m {
		os.Remove(name)
	}
}

// syncDir makes the rename durable; best effort (not all platforms let a
// directory be fsynced).
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	d.Close()
}
