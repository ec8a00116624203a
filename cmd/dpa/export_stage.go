package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"

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

// stageSink lets the campaign engine create files in the export's
// directory set (render.NewDirSet: staged in DIR, renamed into place only
// when every check has passed, hashed for the manifest as they are written).
type stageSink struct{ set *render.FileSet }

func (s stageSink) Create(rel string) (io.WriteCloser, error) { return s.set.CreateRel(rel) }

func (s stageSink) Files() []campaign.ManifestFile {
	var out []campaign.ManifestFile
	for _, f := range s.set.Files() {
		out = append(out, campaign.ManifestFile{Path: f.Path, Bytes: f.Bytes, SHA256: f.SHA256})
	}
	return out
}

// WriteBulkSheet writes the Ads Manager bulk sheet as XLSX and CSV.
func (s stageSink) WriteBulkSheet(sheet *campaign.BulkSheet) error {
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
	if err := s.writeWith("meta/bulk_import.xlsx", func(w io.Writer) error { return render.WriteXLSX(w, wb) }); err != nil {
		return err
	}
	// Records(true) escapes text cells only: a negative number stays a
	// number, where CSVOptions.ForExcel would quote it.
	recs := sheet.Records(true)
	t := render.Table{Columns: recs[0], Rows: recs[1:]}
	return s.writeWith("meta/bulk_import.csv", func(w io.Writer) error { return render.WriteCSV(w, t, render.CSVOptions{}) })
}

func (s stageSink) writeWith(rel string, fn func(w io.Writer) error) error {
	f, err := s.set.CreateRel(rel)
	if err != nil {
		return err
	}
	if err := fn(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", rel, err)
	}
	return f.Close()
}

// stagePrefix names export staging directories inside DIR.
const stagePrefix = ".dpa-export-"

func isStaleStage(e fs.DirEntry) bool { return render.IsStage(e, stagePrefix) }

// newStage opens DIR's directory set and tells it which files the previous
// export recorded in DIR's manifest.json, so --force leaves no outdated
// file (a batch body fewer, a renamed ad set) next to fresh ones.
func newStage(root string, inputs []string) (*render.FileSet, error) {
	set, err := render.NewDirSet(root, stagePrefix, inputs)
	if err != nil {
		return nil, fmt.Errorf("--out %s: %w", root, err)
	}
	set.ReplaceStale(previousFiles(root))
	return set, nil
}

// previousFiles lists the files of the dpa manifest in root, if any.
func previousFiles(root string) []string {
	mp := filepath.Join(root, "manifest.json")
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
	out := make([]string, len(prev.Files))
	for i, f := range prev.Files {
		out[i] = f.Path
	}
	return out
}

// commitStage renames the export into DIR; a target dpa must not replace
// (an input, a directory or device, a path through a symlink) is the
// user's to fix, and nothing in DIR has changed then.
func commitStage(set *render.FileSet) error {
	err := set.Commit()
	if errors.Is(err, render.ErrWouldOverwriteInput) || errors.Is(err, render.ErrSymlinkOutsideDir) || errors.Is(err, render.ErrNotRegularOutput) {
		return usageErr("%v", err)
	}
	return err
}
