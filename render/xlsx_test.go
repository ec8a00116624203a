package render

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func sampleWorkbook() Workbook {
	return Workbook{Sheets: []Sheet{
		{
			Name:    "Results",
			Columns: []string{"ad_set", "impressions", "ctr", "spend", "active", "note"},
			Rows: [][]any{
				{"Shoes retargeting", 120000, 0.021, 350.5, true, "=HYPERLINK(\"http://evil\")"},
				{"Bags prospecting", int64(98000), 0.015, 210.0, false, "+33 free"},
				{"Hats", 5000, 0.0, 12.25, true, "@cmd"},
				{"Socks", 0, 0.0, 0.0, false, nil},
			},
			Widths: map[int]float64{0: 30},
			Freeze: true,
			Filter: true,
			Highlight: func(row, col int) string {
				switch {
				case row == 0 && col == 2:
					return "error"
				case row == 1 && col == 2:
					return "warning"
				case row == 3:
					return "info"
				}
				return ""
			},
			ForExcel: true,
			Charts: []Chart{{
				Type: "col", Title: "Impressions by ad set", Cell: "H2",
				Series: []ChartSeries{{
					Name:       "'Results'!$B$1",
					Categories: "'Results'!$A$2:$A$5",
					Values:     "'Results'!$B$2:$B$5",
				}},
				XTitle: "Ad set", YTitle: "Impressions",
			}},
		},
		{
			Name:    "Raw",
			Columns: []string{"id", "value"},
			Rows:    [][]any{{"=1+1", 1}, {"x", 2}},
		},
	}}
}

func writeWorkbook(t *testing.T, wb Workbook) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, wb); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestWriteXLSXReadBack(t *testing.T) {
	data := writeWorkbook(t, sampleWorkbook())
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	if got := f.GetSheetList(); !equalStrings(got, []string{"Results", "Raw"}) {
		t.Fatalf("sheets = %v", got)
	}
	props, err := f.GetDocProps()
	if err != nil || props.Creator != "dpa" {
		t.Errorf("creator = %q (%v)", props.Creator, err)
	}

	// Cells, with types preserved and strings neutralised.
	cell := func(sheet, ref string) string {
		t.Helper()
		v, err := f.GetCellValue(sheet, ref, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for ref, want := range map[string]string{
		"A1": "ad_set", "B1": "impressions", "A2": "Shoes retargeting", "B2": "120000",
		"C2": "0.021", "D2": "350.5", "E2": "1", "B3": "98000", "F5": "",
		"F2": "'=HYPERLINK(\"http://evil\")", "F3": "'+33 free", "F4": "'@cmd",
	} {
		if got := cell("Results", ref); got != want {
			t.Errorf("Results!%s = %q, want %q", ref, got, want)
		}
	}
	if got := cell("Raw", "A2"); got != "=1+1" {
		t.Errorf("ForExcel=false sheet altered data: %q", got)
	}
	for _, ref := range []string{"F2", "A2"} {
		sheet := map[string]string{"F2": "Results", "A2": "Raw"}[ref]
		if formula, _ := f.GetCellFormula(sheet, ref); formula != "" {
			t.Errorf("%s!%s became a formula: %q", sheet, ref, formula)
		}
	}
	typ, _ := f.GetCellType("Results", "B2")
	if typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		t.Errorf("B2 type = %v, want number", typ)
	}

	// Frozen header.
	panes, err := f.GetPanes("Results")
	if err != nil || !panes.Freeze || panes.YSplit != 1 || panes.TopLeftCell != "A2" {
		t.Errorf("panes = %+v (%v)", panes, err)
	}
	if p, _ := f.GetPanes("Raw"); p.Freeze {
		t.Error("Raw sheet frozen without Freeze")
	}

	// Highlight fills.
	fill := func(ref string) string {
		t.Helper()
		id, err := f.GetCellStyle("Results", ref)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Fill.Color) == 0 {
			return ""
		}
		c := strings.ToUpper(st.Fill.Color[0])
		if len(c) == 8 { // ARGB
			c = c[2:]
		}
		return c
	}
	for ref, want := range map[string]string{"C2": "FFC7CE", "C3": "FFEB9C", "A5": "DDEBF7", "B2": "", "A1": "F2F2F2"} {
		if got := fill(ref); got != want {
			t.Errorf("fill of %s = %q, want %q", ref, got, want)
		}
	}

	// Widths: explicit and automatic.
	if w, _ := f.GetColWidth("Results", "A"); w != 30 {
		t.Errorf("column A width = %v, want 30", w)
	}
	if w, _ := f.GetColWidth("Results", "B"); w < 8 || w > 60 {
		t.Errorf("column B auto width = %v", w)
	}

	// Autofilter and chart live in the package parts.
	parts := zipParts(t, data)
	sheet1 := parts["xl/worksheets/sheet1.xml"]
	if !regexp.MustCompile(`<autoFilter ref="\$?A\$?1:\$?F\$?5"`).MatchString(sheet1) {
		t.Errorf("no autofilter over A1:F5 in sheet1.xml:\n%s", sheet1)
	}
	if strings.Contains(parts["xl/worksheets/sheet2.xml"], "<autoFilter") {
		t.Error("Raw sheet has an autofilter without Filter")
	}
	if !strings.Contains(sheet1, "<drawing ") {
		t.Error("sheet1.xml does not reference a drawing")
	}
	chart, ok := parts["xl/charts/chart1.xml"]
	if !ok {
		t.Fatal("no xl/charts/chart1.xml")
	}
	for _, want := range []string{"<barChart>", `<barDir val="col">`, "!$B$2:$B$5</f>", "!$B$1</f>", "Impressions by ad set", "Ad set", `<varyColors val="0">`} {
		if !strings.Contains(chart, want) {
			t.Errorf("chart1.xml lacks %q", want)
		}
	}
	if !regexp.MustCompile(`<col min="1" max="1"[^>]*/><col min="2"`).MatchString(sheet1) {
		t.Error("<col> entries not in ascending order")
	}
	// Streamed rows are intact alongside the drawing (sheet order: data
	// before drawing, as the schema requires).
	if i, j := strings.Index(sheet1, "<sheetData>"), strings.Index(sheet1, "<drawing "); i < 0 || j < i {
		t.Error("drawing placed before sheetData")
	}
	rows, err := f.GetRows("Results")
	if err != nil || len(rows) != 5 {
		t.Errorf("read back %d rows (%v), want 5", len(rows), err)
	}
}

func TestWriteXLSXDeterministic(t *testing.T) {
	a := writeWorkbook(t, sampleWorkbook())
	b := writeWorkbook(t, sampleWorkbook())
	if !bytes.Equal(a, b) {
		pa, pb := zipParts(t, a), zipParts(t, b)
		for name, body := range pa {
			if pb[name] != body {
				t.Errorf("part %s differs:\n%s\n%s", name, body, pb[name])
			}
		}
		t.Fatal("two writes of the same workbook differ")
	}
	core := zipParts(t, a)["docProps/core.xml"]
	if !strings.Contains(core, "2006-09-16T00:00:00Z") || !strings.Contains(core, "<dc:creator>dpa</dc:creator>") {
		t.Errorf("core.xml not fixed:\n%s", core)
	}
}

func TestWriteXLSXEdgeCases(t *testing.T) {
	// No sheets still yields a valid, openable workbook.
	data := writeWorkbook(t, Workbook{})
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	f.Close()

	// Sheet named Sheet1 first, NaN/Inf kept visible.
	data = writeWorkbook(t, Workbook{Sheets: []Sheet{{Name: "Sheet1", Columns: []string{"x"}, Rows: [][]any{{nan()}, {inf()}}}}})
	f, err = excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if v, _ := f.GetCellValue("Sheet1", "A2"); v != "NaN" {
		t.Errorf("NaN written as %q", v)
	}
	if v, _ := f.GetCellValue("Sheet1", "A3"); v != "+Inf" {
		t.Errorf("+Inf written as %q", v)
	}

	bad := []struct {
		name string
		wb   Workbook
		is   error
	}{
		{"duplicate sheet", Workbook{Sheets: []Sheet{{Name: "A"}, {Name: "a"}}}, ErrXLSX},
		{"bad chart type", Workbook{Sheets: []Sheet{{Name: "A", Charts: []Chart{{Type: "pie", Cell: "C1", Series: []ChartSeries{{Values: "A!$A$1:$A$2"}}}}}}}, ErrXLSX},
		{"literal series name", Workbook{Sheets: []Sheet{{Name: "A", Charts: []Chart{{Type: "col", Cell: "C1", Series: []ChartSeries{{Name: "Clicks", Values: "A!$A$1:$A$2"}}}}}}}, ErrXLSX},
		{"no series", Workbook{Sheets: []Sheet{{Name: "A", Charts: []Chart{{Type: "line", Cell: "C1"}}}}}, ErrXLSX},
		{"unknown highlight", Workbook{Sheets: []Sheet{{Name: "A", Rows: [][]any{{1}}, Highlight: func(int, int) string { return "red" }}}}, ErrXLSX},
		{"bad sheet name", Workbook{Sheets: []Sheet{{Name: "a/b"}}}, nil},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			err := WriteXLSX(io.Discard, tc.wb)
			if err == nil {
				t.Fatal("no error")
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("err = %v, want %v", err, tc.is)
			}
		})
	}
}

func zipParts(t *testing.T, data []byte) map[string]string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string]string{}
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		parts[zf.Name] = string(b)
	}
	return parts
}

func nan() float64 { z := 0.0; return z / z }
func inf() float64 { z := 0.0; return 1 / z }

// Comments survive the stream writer (they are added before it), read
// back on their cells, and the workbook stays byte-for-byte reproducible.
func TestWriteXLSXComments(t *testing.T) {
	wb := func() Workbook {
		sh := Sheet{Name: "Feed", Columns: []string{"id", "price"}, Freeze: true, Filter: true,
			Rows: [][]any{{"A", "$1"}, {"B", "2 USD"}, {"C", "$3"}},
			Highlight: func(row, col int) string {
				if col == 1 && row != 1 {
					return "error"
				}
				return ""
			},
			Comments: []CellComment{{Row: 0, Col: 1, Text: "Missing currency in price: no ISO 4217 code"}, {Row: -1, Col: 0, Text: "1 more highlighted cell has no comment"}}}
		return Workbook{Sheets: []Sheet{sh}}
	}
	a, b := writeWorkbook(t, wb()), writeWorkbook(t, wb())
	if !bytes.Equal(a, b) {
		t.Error("two writes of a workbook with comments differ")
	}
	f, err := excelize.OpenReader(bytes.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cs, err := f.GetComments("Feed")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, c := range cs {
		got[c.Cell] = c.Text
		for _, p := range c.Paragraph {
			got[c.Cell] += p.Text
		}
	}
	if !strings.Contains(got["B2"], "Missing currency in price") || !strings.Contains(got["A1"], "no comment") || len(got) != 2 {
		t.Errorf("comments %v", got)
	}
	if rows, _ := f.GetRows("Feed"); len(rows) != 4 || rows[3][1] != "$3" {
		t.Errorf("rows %v", rows)
	}
}
