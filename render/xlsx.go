package render

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// Workbook is an XLSX file for people: one or more sheets of typed cells.
type Workbook struct {
	Sheets []Sheet
}

// Sheet is one worksheet: a bold header row followed by data rows.
type Sheet struct {
	// Name is the tab name: at most 31 characters, none of : \ / ? * [ ],
	// unique (case-insensitively) within the workbook.
	Name    string
	Columns []string
	// Rows hold string, int, int64, float64 or bool (and nil for an empty
	// cell; other excelize-supported types pass through). Numbers stay
	// numeric so Excel can sum and chart them. NaN and ±Inf, which XLSX
	// cannot store, are written as the strings "NaN", "+Inf", "-Inf".
	Rows [][]any
	// Widths sets column widths in Excel character units by 0-based
	// column. Columns without an entry are sized from the header and the
	// first 1,000 rows (between 8 and 60).
	Widths map[int]float64
	// Freeze keeps the header row visible while scrolling.
	Freeze bool
	// Filter adds autofilter buttons over the header and all rows.
	Filter bool
	// Highlight, when non-nil, returns "error", "warning", "info" or "" for
	// each data cell (row is the 0-based data row): the cell gets the
	// matching red, yellow or blue fill.
	Highlight func(row, col int) string
	// ForExcel applies SafeCell to string cells (header included). Cells are
	// written as typed strings, never formulas, but a user who edits a cell
	// starting with "=" makes it one; the "'" prefix prevents that. Set it
	// for sheets people open, not for files a platform ingests.
	ForExcel bool
	Charts   []Chart
}

// Chart is a chart embedded in a sheet.
type Chart struct {
	Type   string // "col", "bar" or "line"
	Title  string
	Cell   string // top-left anchor, e.g. "H2"
	Series []ChartSeries
	XTitle string
	YTitle string
}

// ChartSeries is one data series. Name must be a cell reference holding
// the series name (usually the column header, e.g. "'Results'!$B$1"):
// excelize always writes series names as references, and a bare word
// would make Excel look for a defined name of that spelling. Categories and
// Values are ranges such as "'Results'!$A$2:$A$6".
type ChartSeries struct {
	Name       string
	Categories string
	Values     string
}

// ErrXLSX marks invalid workbook input (bad chart type, unknown highlight,
// literal series name, duplicate sheet name).
var ErrXLSX = errors.New("invalid workbook")

// xlsxEpoch is written as both creation and modification time so the same
// workbook always yields the same bytes (excelize already uses fixed zip
// timestamps).
const xlsxEpoch = "2006-09-16T00:00:00Z"

// autoWidthSample bounds the rows scanned to size columns.
const autoWidthSample = 1000

// WriteXLSX writes wb as an .xlsx document to w. Sheets are written with
// excelize's StreamWriter (go-conventions A.4), which spills large sheets to
// temporary files; the finished archive is still assembled in memory by
// excelize before it reaches w. The output is byte-for-byte reproducible:
// fixed document properties and timestamps, sorted content types and zip
// entries.
func WriteXLSX(w io.Writer, wb Workbook) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetDocProps(&excelize.DocProperties{
		Creator:        "dpa",
		LastModifiedBy: "dpa",
		Created:        xlsxEpoch,
		Modified:       xlsxEpoch,
	}); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	st, err := newXLSXStyles(f)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for i, sh := range wb.Sheets {
		key := strings.ToLower(sh.Name)
		if seen[key] {
			return fmt.Errorf("xlsx: duplicate sheet name %q: %w", sh.Name, ErrXLSX)
		}
		seen[key] = true
		if i == 0 {
			if sh.Name != "Sheet1" {
				if err := f.SetSheetName("Sheet1", sh.Name); err != nil {
					return fmt.Errorf("xlsx: sheet %q: %w", sh.Name, err)
				}
			}
		} else if _, err := f.NewSheet(sh.Name); err != nil {
			return fmt.Errorf("xlsx: sheet %q: %w", sh.Name, err)
		}
		if err := writeSheet(f, st, sh); err != nil {
			return fmt.Errorf("xlsx: sheet %q: %w", sh.Name, err)
		}
	}
	// Adding a drawing makes excelize register image content types from a
	// map, in random order; sort them so the bytes are reproducible.
	if ct := f.ContentTypes; ct != nil {
		d := ct.Defaults
		sort.SliceStable(d, func(i, j int) bool { return d[i].Extension < d[j].Extension })
	}
	// excelize builds the whole archive in memory anyway (File.Write goes
	// through WriteToBuffer), so re-ordering it costs one more pass, no
	// recompression.
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	if err := canonicalZip(w, buf.Bytes()); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	return nil
}

// canonicalZip copies a zip archive with its entries sorted by name,
// without recompressing. excelize emits streamed worksheets in map order,
// so a workbook with two or more streamed sheets would otherwise differ from
// run to run. Sorted by name, "[Content_Types].xml" comes first.
func canonicalZip(w io.Writer, data []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return err
	}
	files := slices.Clone(zr.File)
	slices.SortStableFunc(files, func(a, b *zip.File) int { return strings.Compare(a.Name, b.Name) })
	zw := zip.NewWriter(w)
	for _, zf := range files {
		dst, err := zw.CreateRaw(&zf.FileHeader)
		if err != nil {
			return err
		}
		src, err := zf.OpenRaw()
		if err != nil {
			return err
		}
		if _, err := io.Copy(dst, src); err != nil {
			return err
		}
	}
	return zw.Close()
}

type xlsxStyles struct {
	header    int
	highlight map[string]int
}

func newXLSXStyles(f *excelize.File) (*xlsxStyles, error) {
	s := &xlsxStyles{highlight: map[string]int{}}
	var err error
	s.header, err = f.NewStyle(&excelize.Style{
		Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F2F2F2"}},
		Border: []excelize.Border{
			{Type: "bottom", Color: "A6A6A6", Style: 1},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("xlsx: header style: %w", err)
	}
	// Excel's own "Bad" / "Neutral" / "Note"-like palettes, so the colours
	// read the way spreadsheet users expect.
	for _, h := range []struct{ kind, fill, font string }{
		{"error", "FFC7CE", "9C0006"},
		{"warning", "FFEB9C", "9C5700"},
		{"info", "DDEBF7", "1F4E78"},
	} {
		id, err := f.NewStyle(&excelize.Style{
			Font: &excelize.Font{Color: h.font},
			Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{h.fill}},
		})
		if err != nil {
			return nil, fmt.Errorf("xlsx: %s style: %w", h.kind, err)
		}
		s.highlight[h.kind] = id
	}
	return s, nil
}

func writeSheet(f *excelize.File, st *xlsxStyles, sh Sheet) error {
	ncol := len(sh.Columns)
	for _, r := range sh.Rows {
		ncol = max(ncol, len(r))
	}

	// The autofilter and chart drawings must be attached before the stream
	// writer is created: it copies the (still empty) worksheet's settings
	// and emits them around the streamed rows on Flush. Adding them after
	// Flush also works but makes excelize re-parse the whole sheet into
	// memory.
	if sh.Filter && ncol > 0 {
		ref, err := rangeRef(1, 1, ncol, len(sh.Rows)+1)
		if err != nil {
			return err
		}
		if err := f.AutoFilter(sh.Name, ref, nil); err != nil {
			return fmt.Errorf("autofilter: %w", err)
		}
	}
	for i, c := range sh.Charts {
		ch, err := excelChart(c)
		if err != nil {
			return fmt.Errorf("chart %d: %w", i+1, err)
		}
		if err := f.AddChart(sh.Name, c.Cell, ch); err != nil {
			return fmt.Errorf("chart %d: %w", i+1, err)
		}
	}

	sw, err := f.NewStreamWriter(sh.Name)
	if err != nil {
		return err
	}
	// excelize prepends each <col> entry; going right to left leaves them
	// in the ascending order the schema requires.
	for col := ncol - 1; col >= 0; col-- {
		width, ok := sh.Widths[col]
		if !ok {
			width = autoWidth(sh, col)
		}
		if err := sw.SetColWidth(col+1, col+1, width); err != nil {
			return fmt.Errorf("column %d width: %w", col+1, err)
		}
	}
	if sh.Freeze {
		if err := sw.SetPanes(&excelize.Panes{
			Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
			Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}},
		}); err != nil {
			return fmt.Errorf("freeze: %w", err)
		}
	}

	if len(sh.Columns) > 0 {
		hdr := make([]any, len(sh.Columns))
		for i, c := range sh.Columns {
			if sh.ForExcel {
				c = SafeCell(c)
			}
			hdr[i] = excelize.Cell{StyleID: st.header, Value: c}
		}
		if err := sw.SetRow("A1", hdr); err != nil {
			return fmt.Errorf("header: %w", err)
		}
	}
	cells := make([]any, 0, ncol)
	for r, row := range sh.Rows {
		cells = cells[:0]
		for c, v := range row {
			v = xlsxValue(v, sh.ForExcel)
			if sh.Highlight != nil {
				if kind := sh.Highlight(r, c); kind != "" {
					id, ok := st.highlight[kind]
					if !ok {
						return fmt.Errorf("row %d column %d: unknown highlight %q (want error, warning or info): %w", r+1, c+1, kind, ErrXLSX)
					}
					v = excelize.Cell{StyleID: id, Value: v}
				}
			}
			cells = append(cells, v)
		}
		cell, err := excelize.CoordinatesToCellName(1, r+2)
		if err != nil {
			return err
		}
		if err := sw.SetRow(cell, cells); err != nil {
			return fmt.Errorf("row %d: %w", r+1, err)
		}
	}
	return sw.Flush()
}

func xlsxValue(v any, forExcel bool) any {
	switch x := v.(type) {
	case string:
		if forExcel {
			return SafeCell(x)
		}
	case float64:
		switch {
		case math.IsNaN(x):
			return "NaN"
		case math.IsInf(x, 1):
			return "+Inf"
		case math.IsInf(x, -1):
			return "-Inf"
		}
	case float32:
		return xlsxValue(float64(x), forExcel)
	}
	return v
}

func rangeRef(c1, r1, c2, r2 int) (string, error) {
	a, err := excelize.CoordinatesToCellName(c1, r1)
	if err != nil {
		return "", err
	}
	b, err := excelize.CoordinatesToCellName(c2, r2)
	if err != nil {
		return "", err
	}
	return a + ":" + b, nil
}

// autoWidth sizes a column to its longest text among the header and the
// first rows, plus room for the filter button.
func autoWidth(sh Sheet, col int) float64 {
	w := 0
	if col < len(sh.Columns) {
		w = utf8.RuneCountInString(sh.Columns[col])
		if sh.Filter {
			w += 2
		}
	}
	for _, row := range sh.Rows[:min(len(sh.Rows), autoWidthSample)] {
		if col < len(row) && row[col] != nil {
			w = max(w, utf8.RuneCountInString(fmt.Sprint(row[col])))
		}
	}
	return float64(min(max(w+2, 8), 60))
}

var chartTypes = map[string]excelize.ChartType{
	"col":  excelize.Col,
	"bar":  excelize.Bar,
	"line": excelize.Line,
}

var noVary = false

func excelChart(c Chart) (*excelize.Chart, error) {
	typ, ok := chartTypes[c.Type]
	if !ok {
		kinds := make([]string, 0, len(chartTypes))
		for k := range chartTypes {
			kinds = append(kinds, k)
		}
		slices.Sort(kinds)
		return nil, fmt.Errorf("unknown chart type %q (want %s): %w", c.Type, strings.Join(kinds, ", "), ErrXLSX)
	}
	if len(c.Series) == 0 {
		return nil, fmt.Errorf("chart %q has no series: %w", c.Title, ErrXLSX)
	}
	ch := &excelize.Chart{
		Type:   typ,
		Legend: excelize.ChartLegend{Position: "bottom"},
		// One colour per series, not per bar.
		VaryColors: &noVary,
	}
	if c.Title != "" {
		ch.Title = excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: c.Title}}}
	}
	if c.XTitle != "" {
		ch.XAxis.Title = excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: c.XTitle}}}
	}
	if c.YTitle != "" {
		ch.YAxis.Title = excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: c.YTitle}}}
	}
	for i, s := range c.Series {
		if s.Name != "" && !strings.Contains(s.Name, "!") {
			return nil, fmt.Errorf("series %d name %q: must be a cell reference such as 'Sheet'!$B$1: %w", i+1, s.Name, ErrXLSX)
		}
		if s.Values == "" {
			return nil, fmt.Errorf("series %d: no values range: %w", i+1, ErrXLSX)
		}
		ch.Series = append(ch.Series, excelize.ChartSeries{Name: s.Name, Categories: s.Categories, Values: s.Values})
	}
	return ch, nil
}
