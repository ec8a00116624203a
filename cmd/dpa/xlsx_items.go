package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/dpa-tools/dpa/feed"
	"github.com/dpa-tools/dpa/render"
)

// xlsxMaxRows is Excel's row limit less the header row.
const xlsxMaxRows = 1<<20 - 1

// xlsxItems is the feed.ItemWriter of XLSX output, for normalize and
// convert alike: it collects the rows of one "Feed" sheet and writes the
// workbook on Close (excelize assembles the archive in memory anyway, so
// XLSX output is for review-sized feeds).
type xlsxItems struct {
	w    io.Writer
	cols []string
	// cells lays an item out in cols.
	cells func(*feed.Item) ([]string, error)
	// lossless refuses characters XML 1.0 cannot hold, which excelize
	// would turn into U+FFFD (convert). normalize lets them through: its
	// checks have reported them as text.control_chars.
	lossless bool
	forExcel bool // neutralise formula-like cells (render.SafeCell)
	maxRows  int  // xlsxMaxRows; smaller in tests
	rows     [][]any
}

// newXLSXItems writes cols with the cells of each item from cells.
func newXLSXItems(w io.Writer, cols []string, cells func(*feed.Item) ([]string, error), lossless, forExcel bool) *xlsxItems {
	return &xlsxItems{w: w, cols: cols, cells: cells, lossless: lossless, forExcel: forExcel, maxRows: xlsxMaxRows}
}

// firstValues lays an item out by name: each column takes the item's
// first value of that name, additional_image_link all of them joined with
// commas (the channel writers' layout, which normalize writes).
func firstValues(cols []string) func(*feed.Item) ([]string, error) {
	cells := make([]string, len(cols))
	return func(it *feed.Item) ([]string, error) {
		for i, c := range cols {
			if c == "additional_image_link" {
				cells[i] = strings.Join(it.All(c), ",")
			} else {
				cells[i] = it.Get(c)
			}
		}
		return cells, nil
	}
}

func (x *xlsxItems) Write(it *feed.Item) error {
	if len(x.rows) >= x.maxRows {
		return &inputError{err: fmt.Errorf("more than %d items: an XLSX sheet cannot hold them (convert to csv instead)", x.maxRows)}
	}
	if x.lossless {
		if err := feed.CheckXMLText(it); err != nil {
			return err
		}
	}
	cells, err := x.cells(it)
	if err != nil {
		return err
	}
	row := make([]any, len(cells))
	for i, c := range cells {
		row[i] = c
	}
	x.rows = append(x.rows, row)
	return nil
}

func (x *xlsxItems) Close() error {
	return render.WriteXLSX(x.w, render.Workbook{Sheets: []render.Sheet{{Name: "Feed", Columns: x.cols, Rows: x.rows, Freeze: true, ForExcel: x.forExcel}}})
}
