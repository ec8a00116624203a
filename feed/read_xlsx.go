package feed

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/dpa-tools/dpa/feed/limit"
	"github.com/xuri/excelize/v2"
)

// xlsxReader streams the rows of one worksheet. excelize needs random
// access to the zip, so a workbook that does not come from a plain file
// (stdin, a download, a gzip layer, an io.Reader handed to Open) is
// spooled to a temporary file first (openZip), removed again by Close.
//
// Formulas are never evaluated: a cell yields the value the spreadsheet
// application cached when it saved the file, or "" when there is none (a
// generated workbook that was never opened in Excel).
type xlsxReader struct {
	readerBase
	f     *excelize.File
	rows  *excelize.Rows
	names []string
	row   int
	index int
	done  bool
}

// openXLSX opens the workbook at path (the feed itself or a spooled
// copy). closers are the layers below, closed by Close; on error the
// caller releases them.
func openXLSX(name, path string, closers []io.Closer, opts ReadOptions) (r Reader, err error) {
	base := readerBase{file: name, enc: textEncoding{name: "utf-8", utf8: true}}
	opened := &base // what was opened here, released on error
	defer func() {
		if err != nil {
			_ = opened.Close()
		} else {
			opened.closers = append(opened.closers, closers...)
		}
	}()
	maxB := opts.maxBytes()
	xo := excelize.Options{RawCellValue: true}
	if maxB >= 0 {
		// UnzipSizeLimit is a hard cap on the unpacked workbook;
		// UnzipXMLSizeLimit only decides when a worksheet is unpacked to a
		// temporary file instead of memory, and must not exceed the cap.
		xo.UnzipSizeLimit = maxB
		xo.UnzipXMLSizeLimit = min(maxB, excelize.StreamChunkSize)
	}
	f, err := excelize.OpenFile(path, xo)
	if err != nil {
		if strings.Contains(err.Error(), "unzip size exceeds") {
			err = &limit.SizeError{What: "the unpacked workbook", Limit: maxB, Flag: "--max-bytes"}
		}
		return nil, fmt.Errorf("%s: open workbook: %w", name, err)
	}
	base.closers = append(base.closers, f)
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
	base.closers = append([]io.Closer{rows}, base.closers...)
	x := &xlsxReader{readerBase: base, f: f, rows: rows}
	opened = &x.readerBase
	// Header: the first non-empty row.
	for {
		cells, ok, err := x.nextRow()
		if err != nil {
			return nil, err
		}
		if !ok {
			x.done = true
			x.diags = append(x.diags, fileFinding(name, ruleFeedEmpty, emptySeverity(opts), fmt.Sprintf("sheet %q is empty", sheet), ""))
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
