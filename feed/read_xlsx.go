package feed

import (
	"archive/zip"
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// xlsxReader streams the rows of one worksheet. excelize needs random
// access to the zip, so a workbook that does not come from a plain file
// (stdin, a gzip layer, an io.Reader handed to Open) is spooled to a
// temporary file first, removed again by Close.
type xlsxReader struct {
	readerBase
	f     *excelize.File
	rows  *excelize.Rows
	names []string
	row   int
	index int
	done  bool
}

func openXLSX(name string, br *bufio.Reader, file *os.File, closers []io.Closer, opts ReadOptions) (r Reader, err error) {
	base := readerBase{file: name, closers: closers, enc: textEncoding{name: "utf-8", utf8: true}}
	defer func() {
		if err != nil {
			_ = base.Close()
		}
	}()
	path := ""
	if file != nil {
		path = file.Name()
	} else {
		tmp, err := os.CreateTemp("", "dpa-*.xlsx")
		if err != nil {
			return nil, fmt.Errorf("%s: spool workbook: %w", name, err)
		}
		path = tmp.Name()
		base.closers = append(base.closers, removeFile(path))
		_, cerr := io.Copy(tmp, br)
		if err := errors.Join(cerr, tmp.Close()); err != nil {
			return nil, fmt.Errorf("%s: spool workbook: %w", name, err)
		}
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, fmt.Errorf("%s: read zip: %w", name, err)
	}
	isBook := false
	for _, f := range zr.File {
		if f.Name == "xl/workbook.xml" {
			isBook = true
			break
		}
	}
	zr.Close()
	if !isBook {
		return nil, fmt.Errorf("%s: a zip archive that is not an XLSX workbook (zipped feeds are not supported; unzip it first): %w", name, ErrUnsupportedFormat)
	}
	f, err := excelize.OpenFile(path, excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, fmt.Errorf("%s: open workbook: %w", name, err)
	}
	base.closers = append([]io.Closer{f}, base.closers...)
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, fmt.Errorf("%s: workbook has no sheets", name)
	}
	sheet := sheets[0]
	if opts.Sheet != "" {
		found := false
		for _, s := range sheets {
			if s == opts.Sheet {
				found = true
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("%s: no sheet %q (sheets: %s)", name, opts.Sheet, strings.Join(sheets, ", "))
		}
		sheet = opts.Sheet
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		return nil, fmt.Errorf("%s: sheet %q: %w", name, sheet, err)
	}
	x := &xlsxReader{readerBase: base, f: f, rows: rows}
	x.closers = append([]io.Closer{rows}, x.closers...)
	// Header: the first non-empty row.
	for {
		cells, ok, err := x.nextRow()
		if err != nil {
			return nil, err
		}
		if !ok {
			x.done = true
			x.diags = append(x.diags, fileFinding(name, RuleFeedEmpty, Error, fmt.Sprintf("sheet %q is empty", sheet), ""))
			return x, nil
		}
		if allBlank(cells) {
			continue
		}
		x.names = make([]string, len(cells))
		for i, h := range cells {
			n := CanonicalName(h)
			if n == "" {
				n = "column_" + strconv.Itoa(i+1)
			}
			x.names[i] = n
		}
		x.columns = append([]string(nil), x.names...)
		return x, nil
	}
}

type closerFunc func() error

func (c closerFunc) Close() error { return c() }

func removeFile(path string) io.Closer {
	return closerFunc(func() error { return os.Remove(path) })
}

func allBlank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func (x *xlsxReader) nextRow() ([]string, bool, error) {
	if !x.rows.Next() {
		if err := x.rows.Error(); err != nil {
			x.done = true
			return nil, false, &ParseError{File: x.file, Line: x.row + 1, Err: err}
		}
		return nil, false, nil
	}
	x.row++
	cells, err := x.rows.Columns(excelize.Options{RawCellValue: true})
	if err != nil {
		x.done = true
		return nil, false, &ParseError{File: x.file, Line: x.row, Err: err}
	}
	return cells, true, nil
}

func (x *xlsxReader) Format() string { return FormatXLSX }

func (x *xlsxReader) Next() (*Item, error) {
	for !x.done {
		cells, ok, err := x.nextRow()
		if err != nil {
			return nil, err
		}
		if !ok {
			x.done = true
			if x.index == 0 {
				x.noItems(FormatXLSX)
			}
			return nil, io.EOF
		}
		if allBlank(cells) {
			continue
		}
		x.index++
		it := &Item{File: x.file, Index: x.index, Line: x.row, Fields: make([]Field, 0, len(x.names))}
		for i, v := range cells {
			name := ""
			if i < len(x.names) {
				name = x.names[i]
			} else {
				if v == "" {
					continue
				}
				name = "column_" + strconv.Itoa(i+1)
			}
			it.Fields = append(it.Fields, Field{Name: name, Value: v})
		}
		// excelize trims trailing empty cells; keep the column layout.
		for i := len(cells); i < len(x.names); i++ {
			it.Fields = append(it.Fields, Field{Name: x.names[i]})
		}
		checkFieldsUTF8(it)
		return it, nil
	}
	return nil, io.EOF
}
