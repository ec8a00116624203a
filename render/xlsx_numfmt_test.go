package render

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// Rates stay numbers and show as percentages; a highlighted cell keeps
// both its fill and its number format.
func TestWriteXLSXNumFormats(t *testing.T) {
	wb := Workbook{Sheets: []Sheet{{Name: "R", Columns: []string{"name", "ctr", "revenue"},
		Rows:       [][]any{{"a", 0.0123, 1234.5}, {"b", 0.5, 0.0}},
		NumFormats: map[int]string{1: "0.00%", 2: "#,##0.00"},
		Highlight: func(row, col int) string {
			if row == 1 && col == 1 {
				return "warning"
			}
			return ""
		}}}}
	f, err := excelize.OpenReader(bytes.NewReader(writeWorkbook(t, wb)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for ref, want := range map[string]string{"B2": "1.23%", "B3": "50.00%", "C2": "1,234.50", "A2": "a"} {
		if got, _ := f.GetCellValue("R", ref); got != want {
			t.Errorf("R!%s shows %q, want %q", ref, got, want)
		}
	}
	if raw, _ := f.GetCellValue("R", "B2", excelize.Options{RawCellValue: true}); raw != "0.0123" {
		t.Errorf("B2 stored as %q, want the number 0.0123", raw)
	}
	id, _ := f.GetCellStyle("R", "B3")
	st, err := f.GetStyle(id)
	if err != nil || st.Fill.Color == nil || st.Fill.Color[0] != "FFEB9C" || st.CustomNumFmt == nil || *st.CustomNumFmt != "0.00%" {
		t.Errorf("highlighted percentage cell style %+v (%v)", st, err)
	}
}

// Error bars land in the chart part of their chart, in the series' place
// the schema requires (before cat), with the minus and plus amounts.
func TestWriteXLSXErrorBars(t *testing.T) {
	series := func(col string, bars bool) ChartSeries {
		s := ChartSeries{Name: "'R'!$" + col + "$1", Categories: "'R'!$A$2:$A$3", Values: "'R'!$" + col + "$2:$" + col + "$3"}
		if bars {
			s.ErrMinus, s.ErrPlus = []float64{0.1, 0.2}, []float64{0.3, 0.4}
		}
		return s
	}
	wb := Workbook{Sheets: []Sheet{
		{Name: "R", Columns: []string{"name", "x", "y"}, Rows: [][]any{{"a", 1.0, 2.0}, {"b", 3.0, 4.0}},
			Charts: []Chart{{Type: "col", Title: "plain", Cell: "E2", Series: []ChartSeries{series("B", false)}},
				{Type: "line", Title: "bars", Cell: "E20", Series: []ChartSeries{series("B", false), series("C", true)}}}},
	}}
	data := writeWorkbook(t, wb)
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	part := func(name string) string {
		for _, zf := range zr.File {
			if zf.Name == name {
				rc, _ := zf.Open()
				b, _ := io.ReadAll(rc)
				rc.Close()
				return string(b)
			}
		}
		t.Fatalf("no %s", name)
		return ""
	}
	if c1 := part("xl/charts/chart1.xml"); strings.Contains(c1, "errBars") {
		t.Error("the chart without error bars got some")
	}
	c2 := part("xl/charts/chart2.xml")
	if err := xml.Unmarshal([]byte(c2), new(struct{})); err != nil {
		t.Fatalf("chart2.xml is not well-formed: %v", err)
	}
	sers := strings.Split(c2, "<ser>")[1:]
	if len(sers) != 2 || strings.Contains(sers[0], "errBars") {
		t.Fatalf("want bars on the second series only: %d series", len(sers))
	}
	b, c := strings.Index(sers[1], "<errBars>"), strings.Index(sers[1], "<cat>")
	if b < 0 || c < b {
		t.Fatalf("errBars missing or after cat: %q", sers[1])
	}
	for _, want := range []string{`<errValType val="cust"/>`, `<plus><numLit>`, `<pt idx="1"><v>0.4</v></pt></numLit></plus>`,
		`<minus><numLit>`, `<pt idx="1"><v>0.2</v></pt></numLit></minus>`} {
		if !strings.Contains(sers[1], want) {
			t.Errorf("error bars lack %s", want)
		}
	}
	// Reproducible bytes with bars too.
	if !bytes.Equal(data, writeWorkbook(t, wb)) {
		t.Error("two writes differ")
	}
	wb.Sheets[0].Charts[1].Series[1].ErrPlus = []float64{1}
	if err := WriteXLSX(io.Discard, wb); err == nil {
		t.Error("minus and plus of different lengths accepted")
	}
}
