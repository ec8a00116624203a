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
	"strconv"
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
	// NumFormats gives data columns (0-based) an Excel number format code,
	// e.g. "0.00%" for a rate stored as a fraction, "#,##0.00" for money:
	// the cells stay numbers, displayed the way the report means them.
	NumFormats map[int]string
	// Comments are notes on cells, shown when the pointer rests on them
	// (why a cell is highlighted). Each costs a shape in the workbook:
	// callers cap them.
	Comments []CellComment
}

// CellComment is a note on one cell. Row is the 0-based data row, -1 for
// the header; Col is 0-based.
type CellComment struct {
	Row, Col int
	Text     string
}

// maxCommentRunes bounds a comment's text, far below Excel's 32,512
// characters: a note longer than a screen is not read.
const maxCommentRunes = 2000

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
	// ErrMinus and ErrPlus, when set, draw custom error bars: the distance
	// from each value down to its interval's low end and up to its high
	// end (value − low, high − value), one per category.
	ErrMinus, ErrPlus []float64
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
	bars := &errBarPatches{}
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
		if err := writeSheet(f, st, sh, bars); err != nil {
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
	if err := canonicalZip(w, buf.Bytes(), bars); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	return nil
}

// canonicalZip copies a zip archive with its entries sorted by name,
// without recompressing. excelize emits streamed worksheets in map order,
// so a workbook with two or more streamed sheets would otherwise differ from
// run to run. Sorted by name, "[Content_Types].xml" comes first.
func canonicalZip(w io.Writer, data []byte, bars *errBarPatches) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return err
	}
	files := slices.Clone(zr.File)
	slices.SortStableFunc(files, func(a, b *zip.File) int { return strings.Compare(a.Name, b.Name) })
	zw := zip.NewWriter(w)
	for _, zf := range files {
		if series, ok := bars.parts[zf.Name]; ok {
			if err := patchChart(zw, zf, series); err != nil {
				return err
			}
			continue
		}
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
	f         *excelize.File
	cell      map[[2]string]int // (highlight kind, number format) -> style
}

// cellStyle returns the style of a data cell with a highlight kind and a
// number format (either may be empty), created once per pair.
func (s *xlsxStyles) cellStyle(kind, numFmt string) (int, error) {
	if numFmt == "" {
		return s.highlight[kind], nil
	}
	key := [2]string{kind, numFmt}
	if id, ok := s.cell[key]; ok {
		return id, nil
	}
	style := &excelize.Style{CustomNumFmt: &numFmt}
	if kind != "" {
		h := highlightColors[kind]
		style.Font = &excelize.Font{Color: h[1]}
		style.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{h[0]}}
	}
	id, err := s.f.NewStyle(style)
	if err != nil {
		return 0, fmt.Errorf("number format %q: %w", numFmt, err)
	}
	s.cell[key] = id
	return id, nil
}

// highlightColors are Excel's own "Bad" / "Neutral" / "Note"-like palettes
// (fill, font), so the colours read the way spreadsheet users expect.
var highlightColors = map[string][2]string{
	"error":   {"FFC7CE", "9C0006"},
	"warning": {"FFEB9C", "9C5700"},
	"info":    {"DDEBF7", "1F4E78"},
}

func newXLSXStyles(f *excelize.File) (*xlsxStyles, error) {
	s := &xlsxStyles{highlight: map[string]int{}, f: f, cell: map[[2]string]int{}}
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
	for _, kind := range []string{"error", "warning", "info"} {
		h := highlightColors[kind]
		id, err := f.NewStyle(&excelize.Style{
			Font: &excelize.Font{Color: h[1]},
			Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{h[0]}},
		})
		if err != nil {
			return nil, fmt.Errorf("xlsx: %s style: %w", kind, err)
		}
		s.highlight[kind] = id
	}
	return s, nil
}

func writeSheet(f *excelize.File, st *xlsxStyles, sh Sheet, bars *errBarPatches) error {
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
		bars.add(c)
	}

	// Comments too: the stream writer carries the sheet's legacyDrawing
	// (the comments' shapes) over to what it writes.
	for _, c := range sh.Comments {
		cell, err := excelize.CoordinatesToCellName(c.Col+1, c.Row+2)
		if err != nil {
			return fmt.Errorf("comment: %w", err)
		}
		text := Truncate(c.Text, maxCommentRunes)
		if err := f.AddComment(sh.Name, excelize.Comment{Cell: cell, Author: "dpa", Text: text, Width: 320, Height: 90}); err != nil {
			return fmt.Errorf("comment on %s: %w", cell, err)
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
			kind := ""
			if sh.Highlight != nil {
				if kind = sh.Highlight(r, c); kind != "" {
					if _, ok := st.highlight[kind]; !ok {
						return fmt.Errorf("row %d column %d: unknown highlight %q (want error, warning or info): %w", r+1, c+1, kind, ErrXLSX)
					}
				}
			}
			if nf := sh.NumFormats[c]; kind != "" || nf != "" {
				id, err := st.cellStyle(kind, nf)
				if err != nil {
					return err
				}
				v = excelize.Cell{StyleID: id, Value: v}
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
		if (s.ErrMinus == nil) != (s.ErrPlus == nil) || len(s.ErrMinus) != len(s.ErrPlus) {
			return nil, fmt.Errorf("series %d: error bars need as many minus as plus values (%d, %d): %w", i+1, len(s.ErrMinus), len(s.ErrPlus), ErrXLSX)
		}
		ch.Series = append(ch.Series, excelize.ChartSeries{Name: s.Name, Categories: s.Categories, Values: s.Values})
	}
	return ch, nil
}

// errBarPatches maps a chart part (xl/charts/chartN.xml) to the error bars
// of its series ("" for a series without). excelize v2.11.1 has no error
// bar option (its ChartSeries has none), so the bars are written into the
// chart XML when the archive is re-assembled (canonicalZip).
type errBarPatches struct {
	charts int // charts added so far
	parts  map[string][]string
}

// add records chart c's error bars. excelize names chart parts chart1.xml,
// chart2.xml, … in the order AddChart is called, across the workbook.
func (b *errBarPatches) add(c Chart) {
	b.charts++
	var series []string
	any := false
	for _, s := range c.Series {
		x := ""
		if s.ErrMinus != nil {
			x, any = errBarsXML(s.ErrMinus, s.ErrPlus), true
		}
		series = append(series, x)
	}
	if any {
		if b.parts == nil {
			b.parts = map[string][]string{}
		}
		b.parts[fmt.Sprintf("xl/charts/chart%d.xml", b.charts)] = series
	}
}

// errBarsXML is a series' custom error bars with literal values, in the
// schema's CT_ErrBars order (ECMA-376 Part 1, §21.2.2.55: errBarType,
// errValType, noEndCap, plus, minus). errDir is left out: Excel accepts it
// on scatter charts only, and a column or line chart's bars are vertical.
//
// The elements are unprefixed: excelize writes the chart part with the
// chart namespace as the default one (<ser>, <cat>, <val>).
func errBarsXML(minus, plus []float64) string {
	lit := func(v []float64) string {
		var sb strings.Builder
		fmt.Fprintf(&sb, `<numLit><formatCode>General</formatCode><ptCount val="%d"/>`, len(v))
		for i, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				x = 0
			}
			fmt.Fprintf(&sb, `<pt idx="%d"><v>%s</v></pt>`, i, strconv.FormatFloat(math.Max(0, x), 'g', -1, 64))
		}
		return sb.String() + `</numLit>`
	}
	return `<errBars><errBarType val="both"/><errValType val="cust"/><noEndCap val="0"/>` +
		`<plus>` + lit(plus) + `</plus><minus>` + lit(minus) + `</minus></errBars>`
}

// patchChart writes chart part zf with each series' error bars inserted
// where CT_BarSer and CT_LineSer place them: after dLbls and trendline,
// before cat (or val when the series has no categories).
func patchChart(zw *zip.Writer, zf *zip.File, series []string) error {
	rc, err := zf.Open()
	if err != nil {
		return err
	}
	data, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		return err
	}
	parts := strings.Split(string(data), "<ser>")
	if len(parts)-1 != len(series) {
		return fmt.Errorf("%s: %d series, %d with error bars expected", zf.Name, len(parts)-1, len(series))
	}
	for i, x := range series {
		if x == "" {
			continue
		}
		p := parts[i+1]
		at := strings.Index(p, "<cat>")
		if at < 0 {
			at = strings.Index(p, "<val>")
		}
		if at < 0 {
			return fmt.Errorf("%s: series %d has no values", zf.Name, i+1)
		}
		parts[i+1] = p[:at] + x + p[at:]
	}
	hdr := zf.FileHeader
	dst, err := zw.CreateHeader(&hdr)
	if err != nil {
		return err
	}
	_, err = io.WriteString(dst, strings.Join(parts, "<ser>"))
	return err
}
