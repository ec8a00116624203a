package main

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/dpa-tools/dpa/render"
)

// xlsxParts reads a workbook's parts by name, straight from the zip: what
// a spreadsheet program opens, not what excelize makes of it.
func xlsxParts(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	parts := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		parts[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	return parts
}

// cellFormats maps each cell of a sheet part to its number format code,
// through styles.xml's cellXfs and numFmts (built-in 10 is 0.00%).
func cellFormats(t *testing.T, parts map[string][]byte, sheet string) map[string]string {
	t.Helper()
	var styles struct {
		NumFmts []struct {
			ID   int    `xml:"numFmtId,attr"`
			Code string `xml:"formatCode,attr"`
		} `xml:"numFmts>numFmt"`
		Xfs []struct {
			NumFmtID int `xml:"numFmtId,attr"`
		} `xml:"cellXfs>xf"`
	}
	if err := xml.Unmarshal(parts["xl/styles.xml"], &styles); err != nil {
		t.Fatal(err)
	}
	codes := map[int]string{0: "General", 10: "0.00%"}
	for _, f := range styles.NumFmts {
		codes[f.ID] = f.Code
	}
	var ws struct {
		Cells []struct {
			Ref   string `xml:"r,attr"`
			Style string `xml:"s,attr"`
		} `xml:"sheetData>row>c"`
	}
	if err := xml.Unmarshal(parts[sheet], &ws); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, c := range ws.Cells {
		s, _ := strconv.Atoi(c.Style)
		if s < len(styles.Xfs) {
			out[c.Ref] = codes[styles.Xfs[s].NumFmtID]
		}
	}
	return out
}

// errBars counts the c:errBars elements (the DrawingML chart namespace,
// whatever its prefix) in each chart part.
func errBars(t *testing.T, parts map[string][]byte) map[string]int {
	t.Helper()
	const chartNS = "http://schemas.openxmlformats.org/drawingml/2006/chart"
	out := map[string]int{}
	for name, b := range parts {
		if !strings.HasPrefix(name, "xl/charts/chart") {
			continue
		}
		out[name] = 0
		d := xml.NewDecoder(bytes.NewReader(b))
		for {
			tok, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if se, ok := tok.(xml.StartElement); ok && se.Name.Space == chartNS && se.Name.Local == "errBars" {
				out[name]++
			}
		}
	}
	return out
}

// simulate -o xlsx, unzipped: rates carry a percentage format and money
// two decimals in the cells themselves, and the charts carry their 95%
// intervals as c:errBars (synthetic: CTR, revenue, RPM; replay: hit rate
// and MRR). Removing a NumFormats entry or the error bars fails here.
func TestSimulateXLSXFormatsAndErrorBars(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		formats map[string]string // cell → format code, row 2 = first strategy
		bars    map[string]int    // chart part → error-bar series
	}{
		{"synthetic", []string{"--catalog", "../../examples/catalog.csv", "--users", "300", "--days", "10", "--seed", "3"},
			map[string]string{"D2": "0.00%", "E2": "0.00%", "F2": "0.00%", "H2": "0.00%", "K2": "#,##0.00", "L2": "#,##0.00", "N2": "#,##0.00", "Q2": "0.00%", "B2": "General"},
			map[string]int{"xl/charts/chart1.xml": 1, "xl/charts/chart2.xml": 1, "xl/charts/chart3.xml": 1}},
		{"replay", []string{"--events", "../../examples/events.csv"},
			map[string]string{"C2": "0.00%", "D2": "0.00%", "H2": "0.00%", "J2": "0.00%", "K2": "0.00%", "F2": "General", "B2": "General"},
			map[string]int{"xl/charts/chart1.xml": 2, "xl/charts/chart2.xml": 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, out, errOut := render.Test()
			if code := run(t.Context(), append([]string{"simulate", "-o", "xlsx", "-q"}, tc.args...), s, fixedNow); code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			parts := xlsxParts(t, out.Bytes())
			got := cellFormats(t, parts, "xl/worksheets/sheet1.xml")
			for cell, want := range tc.formats {
				if got[cell] != want {
					t.Errorf("Results!%s format %q, want %q", cell, got[cell], want)
				}
			}
			bars := errBars(t, parts)
			for chart, want := range tc.bars {
				if n, ok := bars[chart]; !ok || n != want {
					t.Errorf("%s: %d errBars (present %v), want %d", chart, n, ok, want)
				}
			}
		})
	}
}
