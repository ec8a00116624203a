package render

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// FileSet writes several output files that appear together or not at all.
// It is dpa's one transactional writer, used two ways:
//
//   - NewFileSet: files at any paths (normalize's feed, rejects and change
//     report). Each is written to a temporary file beside its target.
//   - NewDirSet: files under one output directory (export's bulk sheet,
//     payloads, feeds and manifest). They are written into a hidden staging
//     directory inside it and hashed as they are written, for a manifest.
//
// Nothing is visible before Commit. Commit first checks every target (not
// an input, not a device, directory or symlink where a file goes), so a
// refusal leaves everything as it was; then it syncs every file, and only
// then renames them into place. Abort (or an error before the renames)
// removes every temporary file.
type FileSet struct {
	inputs []string
	mu     sync.Mutex // Create may be called from several goroutines
	files  []*SetFile
	// Directory sets only.
	root        string
	stage       string
	createdRoot bool
	stale       []string
}

// SetFile is one file of a FileSet: a buffered writer on its temporary
// file. Close is optional (Commit closes what is still open); it is how a
// directory set's file gets its size and hash before Commit.
type SetFile struct {
	target string // final path
	rel    string // slash path under the root (directory sets)
	tmp    *os.File
	bw     *bufio.Writer
	h      hash.Hash // directory sets: sha256 of what was written
	n      int64
	sum    string
	closed bool
	err    error
}

// NewFileSet starts a set whose files may not overwrite any of inputs.
func NewFileSet(inputs []string) *FileSet { return &FileSet{inputs: inputs} }

// NewDirSet starts a set of files under root, staged in a hidden directory
// root/<stagePrefix>*. Staging directories of killed runs (SIGKILL, power
// loss) with the same prefix are removed first; root is created if needed
// (and removed again by Abort while still empty).
func NewDirSet(root, stagePrefix string, inputs []string) (*FileSet, error) {
	s := &FileSet{inputs: inputs, root: root}
	if ents, err := os.ReadDir(root); err == nil {
		for _, e := range ents {
			if IsStage(e, stagePrefix) {
				os.RemoveAll(filepath.Join(root, e.Name()))
			}
		}
	}
	if _, err := os.Stat(root); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(root, 0o755); err != nil {
			return nil, err
		}
		s.createdRoot = true
	}
	stage, err := os.MkdirTemp(root, stagePrefix+"*")
	if err != nil {
		s.Abort()
		return nil, err
	}
	s.stage = stage
	return s, nil
}

// IsStage reports whether e is a staging directory NewDirSet made with
// stagePrefix (dpa's own leftover, not the user's content).
func IsStage(e fs.DirEntry, stagePrefix string) bool {
	return e.IsDir() && strings.HasPrefix(e.Name(), stagePrefix)
}

// Create opens path's temporary file (sets from NewFileSet).
func (s *FileSet) Create(path string) (*SetFile, error) {
	if s.root != "" {
		return nil, fmt.Errorf("internal error: Create(%s) on a directory set; use CreateRel", path)
	}
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
	return s.add(&SetFile{target: target, tmp: tmp, bw: bufio.NewWriterSize(tmp, 64<<10)}), nil
}

// CreateRel opens the staged file for rel, a slash-separated path inside
// the root (sets from NewDirSet). rel must be local: it is built by the
// caller from slugs, and IsLocal is the last line of defence.
func (s *FileSet) CreateRel(rel string) (*SetFile, error) {
	if s.root == "" {
		return nil, fmt.Errorf("internal error: CreateRel(%s) on a set without a root", rel)
	}
	if !filepath.IsLocal(filepath.FromSlash(rel)) {
		return nil, fmt.Errorf("refusing to write %q outside %s", rel, s.root)
	}
	p := filepath.Join(s.stage, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return nil, fmt.Errorf("write %s: %w", rel, err)
	}
	tmp, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", rel, err)
	}
	f := &SetFile{target: filepath.Join(s.root, filepath.FromSlash(rel)), rel: rel, tmp: tmp,
		bw: bufio.NewWriterSize(tmp, 256<<10), h: sha256.New()}
	return s.add(f), nil
}

func (s *FileSet) add(f *SetFile) *SetFile {
	s.mu.Lock()
	s.files = append(s.files, f)
	s.mu.Unlock()
	return f
}

func (f *SetFile) Write(p []byte) (int, error) {
	if f.h != nil {
		f.h.Write(p)
	}
	f.n += int64(len(p))
	return f.bw.Write(p)
}

// Close flushes the file and records its size and hash; the file stays
// staged until Commit. Closing twice returns the first result.
func (f *SetFile) Close() error {
	if f.closed {
		return f.err
	}
	f.closed = true
	name := f.target
	if f.rel != "" {
		name = f.rel
	}
	err := f.bw.Flush()
	if err == nil {
		err = f.tmp.Chmod(0o644)
	}
	if cerr := f.tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		f.err = fmt.Errorf("write %s: %w", name, err)
		return f.err
	}
	if f.h != nil {
		f.sum = hex.EncodeToString(f.h.Sum(nil))
	}
	return nil
}

// Discard drops f from the set: its temporary file is removed and Commit
// leaves its target as it was (normalize keeps the previous feed when no
// item passed, but still writes the rejects).
func (s *FileSet) Discard(f *SetFile) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.Index(s.files, f)
	if i < 0 {
		return
	}
	s.files = slices.Delete(s.files, i, i+1)
	if !f.closed {
		f.closed = true
		f.tmp.Close()
	}
	os.Remove(f.tmp.Name())
	f.tmp = nil
}

// SetFileInfo describes a closed file of a directory set.
type SetFileInfo struct {
	Path   string // slash path under the root
	Bytes  int64
	SHA256 string
}

// Files lists the directory set's closed files by path.
func (s *FileSet) Files() []SetFileInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SetFileInfo, 0, len(s.files))
	for _, f := range s.files {
		if f.closed && f.rel != "" {
			out = append(out, SetFileInfo{Path: f.rel, Bytes: f.n, SHA256: f.sum})
		}
	}
	slices.SortFunc(out, func(a, b SetFileInfo) int { return strings.Compare(a.Path, b.Path) })
	return out
}

// ReplaceStale names files (slash paths under the root) that a previous
// run wrote and Commit should remove, so a rerun leaves no outdated file
// next to fresh ones. Files this set writes, and anything that is not a
// regular file inside the root reached without symlinks, or is an input,
// are kept.
func (s *FileSet) ReplaceStale(rels []string) {
	s.stale = append(s.stale, rels...)
}

// Commit closes, checks, syncs and renames every file into place.
func (s *FileSet) Commit() error {
	for _, f := range s.files {
		if err := f.Close(); err != nil {
			s.Abort()
			return err
		}
	}
	for _, f := range s.files {
		if err := s.checkTarget(f); err != nil {
			s.Abort()
			return err
		}
	}
	if err := s.syncAll(); err != nil {
		s.Abort()
		return err
	}
	stale := s.staleTargets()
	for _, f := range s.files {
		if err := os.MkdirAll(filepath.Dir(f.target), 0o755); err != nil {
			s.Abort()
			return fmt.Errorf("write %s: %w", f.target, err)
		}
		if err := os.Rename(f.tmp.Name(), f.target); err != nil {
			s.Abort()
			return fmt.Errorf("write %s: %w", f.target, err)
		}
		f.tmp = nil
	}
	dirs := map[string]bool{}
	for _, f := range s.files {
		dirs[filepath.Dir(f.target)] = true
	}
	for _, p := range stale {
		os.Remove(p)
	}
	for d := range dirs {
		syncDir(d)
	}
	s.files = nil
	if s.stage != "" {
		os.RemoveAll(s.stage)
		s.stage = ""
	}
	s.createdRoot = false
	return nil
}

// checkTarget refuses, before any rename, a target that is an input, that
// is not a regular file (a rename would replace a device or a directory),
// or, in a directory set, that lies below a symlink or a file inside the
// root (which could carry the write elsewhere, or fail half-way).
func (s *FileSet) checkTarget(f *SetFile) error {
	if err := CheckNotInput(f.target, s.inputs); err != nil {
		return err
	}
	if s.root != "" {
		for d := filepath.Dir(f.target); d != s.root && len(d) > len(s.root); d = filepath.Dir(d) {
			if fi, err := os.Lstat(d); err == nil && fi.Mode()&os.ModeSymlink == 0 && !fi.IsDir() {
				return fmt.Errorf("%s: is a file where dpa needs a directory: %w", d, ErrNotRegularOutput)
			}
		}
		if err := noSymlinkBelow(s.root, f.rel); err != nil {
			return err
		}
	}
	if fi, err := os.Lstat(f.target); err == nil && !fi.Mode().IsRegular() && fi.Mode()&os.ModeSymlink == 0 {
		return fmt.Errorf("%s: is %s, not a file dpa can replace: %w", f.target, DescribeMode(fi.Mode()), ErrNotRegularOutput)
	}
	return nil
}

// syncAll makes every file durable before the renames, so a crash never
// leaves a renamed but empty file. The syncs run side by side: the kernel
// has usually written most of the data back already.
func (s *FileSet) syncAll() error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	next := make(chan *SetFile)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range next {
				g, err := os.Open(f.tmp.Name())
				if err == nil {
					err = g.Sync()
					g.Close()
				}
				if err != nil {
					mu.Lock()
					if first == nil {
						first = fmt.Errorf("write %s: %w", f.target, err)
					}
					mu.Unlock()
				}
			}
		}()
	}
	for _, f := range s.files {
		next <- f
	}
	close(next)
	wg.Wait()
	return first
}

// staleTargets filters ReplaceStale's names down to what may be removed.
func (s *FileSet) staleTargets() []string {
	if s.root == "" || len(s.stale) == 0 {
		return nil
	}
	now := map[string]bool{}
	for _, f := range s.files {
		now[f.rel] = true
	}
	var out []string
	for _, rel := range s.stale {
		if now[rel] || !filepath.IsLocal(filepath.FromSlash(rel)) || noSymlinkBelow(s.root, rel) != nil {
			continue
		}
		p := filepath.Join(s.root, filepath.FromSlash(rel))
		if fi, err := os.Lstat(p); err == nil && fi.Mode().IsRegular() && CheckNotInput(p, s.inputs) == nil {
			out = append(out, p)
		}
	}
	return out
}

// noSymlinkBelow refuses a path under root any of whose existing
// components is a symlink.
func noSymlinkBelow(root, rel string) error {
	p := root
	for _, part := range strings.Split(rel, "/") {
		p = filepath.Join(p, part)
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			return fmt.Errorf("%s is a symlink: refusing to write through it: %w", p, ErrSymlinkOutsideDir)
		}
	}
	return nil
}

// Abort removes every temporary file not yet renamed, the staging
// directory, and a root this set created (if still empty). After Commit it
// does nothing.
func (s *FileSet) Abort() {
	for _, f := range s.files {
		if f.tmp != nil {
			if !f.closed {
				f.closed = true
				f.tmp.Close()
			}
			os.Remove(f.tmp.Name())
			f.tmp = nil
		}
	}
	s.files = nil
	if s.stage != "" {
		os.RemoveAll(s.stage)
		s.stage = ""
	}
	if s.createdRoot {
		os.Remove(s.root) // only if still empty
		s.createdRoot = false
	}
}
