package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/dpa-tools/dpa/campaign/events"
)

// eventPaths expands the --events arguments: a directory stands for every
// regular file under it in lexical order (the partitions of a warehouse
// export, e.g. dt=2024-01-01/part-0.parquet), skipping hidden files and
// the _SUCCESS/_committed markers (names starting with "." or "_").
func eventPaths(args []string) ([]string, error) {
	var out []string
	for _, p := range args {
		if p == "-" {
			out = append(out, p)
			continue
		}
		fi, err := os.Stat(p)
		if err != nil {
			return nil, &inputError{err: fmt.Errorf("--events: %w", err)}
		}
		if !fi.IsDir() {
			out = append(out, p)
			continue
		}
		n := len(out)
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			name := d.Name()
			if path != p && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() {
				out = append(out, path)
			}
			return nil
		})
		if err != nil {
			return nil, &inputError{err: fmt.Errorf("--events %s: %w", p, err)}
		}
		if len(out) == n {
			return nil, &inputError{err: fmt.Errorf("--events %s: the directory holds no files", p)}
		}
	}
	return out, nil
}

// openParquetLog returns the files as an events.ParquetLog when they are
// Parquet (by their magic bytes), or ok=false when none is. A mix of
// Parquet and text files is refused: they cannot be one layout.
func openParquetLog(paths []string) (pl *events.ParquetLog, closeAll func(), ok bool, err error) {
	var files []*os.File
	closeAll = func() {
		for _, f := range files {
			f.Close()
		}
	}
	pl = &events.ParquetLog{}
	var text string
	for _, p := range paths {
		if p == "-" {
			text = p
			continue
		}
		f, err := os.Open(p)
		if err != nil {
			closeAll()
			return nil, nil, false, &inputError{err: fmt.Errorf("--events: %w", err)}
		}
		files = append(files, f)
		var head [4]byte
		n, _ := f.ReadAt(head[:], 0)
		fi, err := f.Stat()
		if err != nil {
			closeAll()
			return nil, nil, false, &inputError{err: fmt.Errorf("--events: %w", err)}
		}
		if !events.IsParquet(head[:n]) {
			text = p
			continue
		}
		pl.Files = append(pl.Files, events.ParquetFile{Name: p, R: f, Size: fi.Size()})
	}
	if len(pl.Files) == 0 {
		closeAll()
		return nil, nil, false, nil
	}
	if text != "" {
		closeAll()
		return nil, nil, false, &inputError{err: fmt.Errorf("--events: %s is Parquet but %s is not: the files of one log must share a format", pl.Files[0].Name, text)}
	}
	return pl, closeAll, true, nil
}

// isParquetName reports whether an output file should be written as
// Parquet: its name ends in .parquet (as warehouses and Spark name them).
func isParquetName(path string) bool {
	return strings.EqualFold(filepath.Ext(path), ".parquet")
}
