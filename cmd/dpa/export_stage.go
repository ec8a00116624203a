package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/dpa-tools/dpa/campaign"
	"github.com/dpa-tools/dpa/render"
)

// checkOutDir refuses a DIR that is a file, or that holds anything when
// --force is not given, before any catalog is read.
func checkOutDir(dir string, force bool, inputs []string) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return &inputError{err: fmt.Errorf("--out %s: %w", dir, err)}
	case !fi.IsDir():
		return usageErr("--out %s: not a directory", dir)
	}
	if force {
		return nil
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return &inputError{err: fmt.Errorf("--out %s: %w", dir, err)}
	}
	// The staging directory of an export that was killed (SIGKILL, power
	// loss) is dpa's own leftover, not the user's content: newStage removes
	// it, so it does not make DIR "non-empty".
	ents = slices.DeleteFunc(ents, isStaleStage)
	if len(ents) > 0 {
		return &usageError{err: fmt.Errorf("--out %s is not empty (%d entries)", dir, len(ents)),
			hint: "choose an empty or new directory, or pass --force to replace dpa's files in it"}
	}
	return nil
}

// stageSink lets the campaign engine create files in the stage.
type stageSink struct{ st *stage }

func (s stageSink) Create(rel string) (io.WriteCloser, error) { return s.st.create(rel) }

func (s stageSink) Files() []campaign.ManifestFile { return s.st.manifestFiles() }

// WriteBulkSheet writes the Ads Manager bulk sheet as XLSX and CSV.
func (s stageSink) WriteBulkSheet(sheet *campaign.BulkSheet) error {
	st := s.st
	// Number cells stay numbers in the workbook so Excel can sum budgets;
	// text cells are typed strings with the formula guard applied.
	rows := make([][]any, len(sheet.Rows))
	for i, row := range sheet.Rows {
		rows[i] = make([]any, len(row))
		for j, cell := range row {
			rows[i][j] = cell.Value
			if cell.Number && cell.Value != "" {
				if f, err := strconv.ParseFloat(cell.Value, 64); err == nil {
					rows[i][j] = f
				}
			}
		}
	}
	wb := render.Workbook{Sheets: []render.Sheet{{Name: "Ads", Columns: sheet.Header, Rows: rows, Freeze: true, ForExcel: true}}}
	if err := st.writeWith("meta/bulk_import.xlsx", func(w io.Writer) error { return render.WriteXLSX(w, wb) }); err != nil {
		return err
	}
	// Records(true) escapes text cells only: a negative number stays a
	// number, where CSVOptions.ForExcel would quote it.
	recs := sheet.Records(true)
	t := render.Table{Columns: recs[0], Rows: recs[1:]}
	return st.writeWith("meta/bulk_import.csv", func(w io.Writer) error { return render.WriteCSV(w, t, render.CSVOptions{}) })
}

// stage collects the export in a hidden directory inside DIR and renames
// each file into place only when every check has passed: a failed export
// leaves DIR as it was, and every file appears atomically.
type stage struct {
	root        string
	tmp         string
	createdRoot bool
	inputs      []string
	mu          sync.Mutex // create is called from the feeds' goroutines
	files       []*stagedFile
}

type stagedFile struct {
	rel   string
	f     *os.File
	bw    *bufio.Writer
	h     hash.Hash
	n     int64
	sum   string
	close bool
}

// stagePrefix names export staging directories inside DIR.
const stagePrefix = ".dpa-export-"

func isStaleStage(e fs.DirEntry) bool {
	return e.IsDir() && strings.HasPrefix(e.Name(), stagePrefix)
}

func newStage(root string, inputs []string) (*stage, error) {
	st := &stage{root: root, inputs: inputs}
	// Remove the staging directories of killed exports (issue 10 item 9).
	// Two exports into one DIR at once are not supported anyway: their
	// renames would interleave.
	if ents, err := os.ReadDir(root); err == nil {
		for _, e := range ents {
			if isStaleStage(e) {
				os.RemoveAll(filepath.Join(root, e.Name()))
			}
		}
	}
	if _, err := os.Stat(root); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(root, 0o755); err != nil {
			return nil, fmt.Errorf("--out %s: %w", root, err)
		}
		st.createdRoot = true
	}
	tmp, err := os.MkdirTemp(root, stagePrefix+"*")
	if err != nil {
		st.abort()
		return nil, fmt.Errorf("--out %s: %w", root, err)
	}
	st.tmp = tmp
	return st, nil
}

// create opens rel for writing inside the staging directory. rel is
// always built from slugs; IsLocal is the last line of defence.
func (st *stage) create(rel string) (*stagedFile, error) {
	if !filepath.IsLocal(rel) {
		return nil, fmt.Errorf("refusing to write %q outside %s", rel, st.root)
	}
	p := filepath.Join(st.tmp, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return nil, fmt.Errorf("write %s: %w", rel, err)
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", rel, err)
	}
	sf := &stagedFile{rel: rel, f: f, h: sha256.New()}
	sf.bw = bufio.NewWriterSize(f, 256<<10)
	st.mu.Lock()
	st.files = append(st.files, sf)
	st.mu.Unlock()
	return sf, nil
}

func (sf *stagedFile) Write(p []byte) (int, error) {
	sf.h.Write(p)
	sf.n += int64(len(p))
	return sf.bw.Write(p)
}

func (sf *stagedFile) Close() error {
	if sf.close {
		return nil
	}
	sf.close = true
	if err := sf.bw.Flush(); err != nil {
		sf.f.Close()
		return fmt.Errorf("write %s: %w", sf.rel, err)
	}
	sf.sum = hex.EncodeToString(sf.h.Sum(nil))
	if err := sf.f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", sf.rel, err)
	}
	return nil
}

func (st *stage) writeWith(rel string, fn func(w io.Writer) error) error {
	sf, err := st.create(rel)
	if err != nil {
		return err
	}
	if err := fn(sf); err != nil {
		sf.Close()
		return fmt.Errorf("write %s: %w", rel, err)
	}
	return sf.Close()
}

func (st *stage) manifestFiles() []campaign.ManifestFile {
	out := make([]campaign.ManifestFile, 0, len(st.files))
	for _, sf := range st.files {
		out = append(out, campaign.ManifestFile{Path: sf.rel, Bytes: sf.n, SHA256: sf.sum})
	}
	slices.SortFunc(out, func(a, b campaign.ManifestFile) int { return strings.Compare(a.Path, b.Path) })
	return out
}

// commit renames every staged file into DIR. Targets are checked first,
// all of them, so a refusal leaves DIR untouched: no target may be an
// input, and no path component inside DIR may be a symlink (which could
// carry the write outside DIR).
func (st *stage) commit() error {
	for _, sf := range st.files {
		if !sf.close {
			return fmt.Errorf("internal error: %s not closed", sf.rel)
		}
		target := filepath.Join(st.root, filepath.FromSlash(sf.rel))
		if err := render.CheckNotInput(target, st.inputs); err != nil {
			return usageErr("%s: %v", target, err)
		}
		if err := noSymlinkBelow(st.root, sf.rel); err != nil {
			return usageErr("%v", err)
		}
		// A directory where a file must go fails here, before any rename,
		// so DIR is never left half old, half new with a manifest whose
		// hashes no longer match (issue 10 item 9).
		if fi, err := os.Lstat(target); err == nil && !fi.Mode().IsRegular() {
			return usageErr("%s: is %s, not a file dpa can replace", target, render.DescribeMode(fi.Mode()))
		}
		for d := filepath.Dir(target); d != st.root && len(d) > len(st.root); d = filepath.Dir(d) {
			if fi, err := os.Lstat(d); err == nil && !fi.IsDir() {
				return usageErr("%s: is a file where dpa needs a directory", d)
			}
		}
	}
	if err := st.syncAll(); err != nil {
		return err
	}
	stale := st.staleFiles()
	for _, sf := range st.files {
		target := filepath.Join(st.root, filepath.FromSlash(sf.rel))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return fmt.Errorf("write %s: %w", target, err)
		}
		if err := os.Rename(filepath.Join(st.tmp, filepath.FromSlash(sf.rel)), target); err != nil {
			return fmt.Errorf("write %s: %w", target, err)
		}
	}
	for _, rel := range stale {
		os.Remove(filepath.Join(st.root, filepath.FromSlash(rel)))
	}
	st.files = nil
	os.RemoveAll(st.tmp)
	st.tmp = ""
	st.createdRoot = false
	return nil
}

// syncAll makes every staged file durable before the renames, so a crash
// never leaves a renamed but empty file. The syncs run side by side: the
// kernel has usually written most of the data back already.
func (st *stage) syncAll() error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	next := make(chan *stagedFile)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for sf := range next {
				f, err := os.Open(filepath.Join(st.tmp, filepath.FromSlash(sf.rel)))
				if err == nil {
					err = f.Sync()
					f.Close()
				}
				if err != nil {
					mu.Lock()
					if first == nil {
						first = fmt.Errorf("write %s: %w", sf.rel, err)
					}
					mu.Unlock()
				}
			}
		}()
	}
	for _, sf := range st.files {
		next <- sf
	}
	close(next)
	wg.Wait()
	return first
}

// staleFiles lists the files a previous export recorded in DIR's
// manifest.json that this export does not write (a batch body fewer, a
// renamed ad set), so --force leaves no outdated file next to fresh ones.
// Only regular files inside DIR, reached without symlinks, qualify.
func (st *stage) staleFiles() []string {
	mp := filepath.Join(st.root, "manifest.json")
	if fi, err := os.Lstat(mp); err != nil || !fi.Mode().IsRegular() || fi.Size() > campaign.MaxConfigBytes*4 {
		return nil
	}
	data, err := os.ReadFile(mp)
	if err != nil {
		return nil
	}
	var prev struct {
		Tool  string                  `json:"tool"`
		Files []campaign.ManifestFile `json:"files"`
	}
	if json.Unmarshal(data, &prev) != nil || prev.Tool != "dpa" {
		return nil
	}
	now := map[string]bool{}
	for _, sf := range st.files {
		now[sf.rel] = true
	}
	var out []string
	for _, f := range prev.Files {
		rel := f.Path
		if now[rel] || !filepath.IsLocal(filepath.FromSlash(rel)) || noSymlinkBelow(st.root, rel) != nil {
			continue
		}
		p := filepath.Join(st.root, filepath.FromSlash(rel))
		if fi, err := os.Lstat(p); err == nil && fi.Mode().IsRegular() && render.CheckNotInput(p, st.inputs) == nil {
			out = append(out, rel)
		}
	}
	return out
}

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
			return fmt.Errorf("%s is a symlink: refusing to write through it", p)
		}
	}
	return nil
}

// abort removes the staging directory and a DIR this run created; after
// commit it does nothing.
func (st *stage) abort() {
	for _, sf := range st.files {
		if !sf.close {
			sf.close = true
			sf.f.Close()
		}
	}
	if st.tmp != "" {
		os.RemoveAll(st.tmp)
		st.tmp = ""
	}
	if st.createdRoot {
		os.Remove(st.root) // only if still empty
		st.createdRoot = false
	}
}
