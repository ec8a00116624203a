package render

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
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
func WriteFileAtomic(path string, inputs []string, fn func(w io.Writer) error) (err error) {
	if err := CheckNotInput(path, inputs); err != nil {
		return err
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
func resolveOutput(path string) (string, error) {
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
	if ti, err := os.Stat(target); err == nil && !ti.Mode().IsRegular() {
		return "", fmt.Errorf("write %s: %s is not a regular file", path, target)
	}
	return target, nil
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

// FileSet writes several output files that appear together or not at all
// (a feed, its rejects and its change report): each is written to a
// temporary file beside its target, and Commit renames them all; Abort (or
// an error in Commit) removes every temporary file. The same refusals as
// WriteFileAtomic apply to every path.
type FileSet struct {
	inputs []string
	files  []*setFile
}

type setFile struct {
	target string
	tmp    *os.File
	bw     *bufio.Writer
}

// NewFileSet starts a set whose files may not overwrite any of inputs.
func NewFileSet(inputs []string) *FileSet { return &FileSet{inputs: inputs} }

// Create opens a buffered writer for path's temporary file.
func (s *FileSet) Create(path string) (io.Writer, error) {
	if err := CheckNotInput(path, s.inputs); err != nil {
		return nil, err
	}
	target, err := resolveOutput(path)
	if err != nil {
		return nil, err
	}
	dir, base := filepath.Split(target)
	if dir == "" {
		dir = "."
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create directory for %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	f := &setFile{target: target, tmp: tmp, bw: bufio.NewWriterSize(tmp, 64<<10)}
	s.files = append(s.files, f)
	return f.bw, nil
}

// Commit flushes, syncs and renames every file into place.
func (s *FileSet) Commit() error {
	for _, f := range s.files {
		err := f.bw.Flush()
		if err == nil {
			err = f.tmp.Sync()
		}
		if err == nil {
			err = f.tmp.Chmod(0o644)
		}
		if cerr := f.tmp.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			s.Abort()
			return fmt.Errorf("write %s: %w", f.target, err)
		}
	}
	for _, f := range s.files {
		if err := os.Rename(f.tmp.Name(), f.target); err != nil {
			s.Abort()
			return fmt.Errorf("write %s: %w", f.target, err)
		}
		f.tmp = nil
		syncDir(filepath.Dir(f.target))
	}
	s.files = nil
	return nil
}

// Abort removes every temporary file not yet renamed.
func (s *FileSet) Abort() {
	for _, f := range s.files {
		if f.tmp != nil {
			f.tmp.Close()
			os.Remove(f.tmp.Name())
		}
	}
	s.files = nil
}
