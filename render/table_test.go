package render

import (
	"bytes"
	"encoding/csv"
	"errors"
	"strings"
	"testing"
)

var sampleTable = Table{
	Columns: []string{"feed_id", "title", "price", "severity"},
	Align:   []string{"", "", "right"},
	Rows: [][]string{
		{"SKU-001", "Blue cotton shirt, slim fit, long sleeves", "19.99", "error"},
		{"SKU-002", "Ñandú plush", "5.00", "warning"},
		{"SKU-003", "日本語 title", "1,299.00", ""},
		{"SKU-004"},
	},
}

func TestWriteTableGolden(t *testing.T) {
	tests := []struct {
		name string
		o    func() TableOptions
	}{
		{"table_ascii", func() TableOptions { return TableOptions{MaxColWidth: 24} }},
		{"table_tty", func() TableOptions { return TableOptions{TTY: true, MaxColWidth: 24} }},
		{"table_tty_color", func() TableOptions {
			s := NewStyles(true)
			return TableOptions{TTY: true, MaxColWidth: 24, Styles: s, RowStyle: func(_, col int, cell string) string {
				if col == 3 {
					return s.Severity(cell, cell)
				}
				return cell
			}}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteTable(&buf, sampleTable, tc.o()); err != nil {
				t.Fatal(err)
			}
			for i, line := range strings.Split(buf.String(), "\n") {
				if strings.HasSuffix(line, " ") {
					t.Errorf("line %d has trailing spaces: %q", i+1, line)
				}
			}
			golden(t, tc.name, buf.Bytes())
		})
	}
}

func TestWriteTableDetails(t *testing.T) {
	var buf bytes.Buffer
	err := WriteTable(&buf, Table{
		Columns: []string{"feed_id", "note"},
		Rows:    [][]string{{"a", "line1\nline2\ttab \x1b[31mred\x07"}},
	}, TableOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "| feed_id |") {
		t.Errorf("header was reformatted:\n%s", out)
	}
	if strings.ContainsAny(out, "\x1b\x07\t") {
		t.Errorf("control characters leaked into table:\n%q", out)
	}
	if !strings.Contains(out, "line1 line2 tab \uFFFD[31mred\uFFFD") {
		t.Errorf("cell not neutralised as expected:\n%s", out)
	}
	if n := strings.Count(out, "\n"); n != 5 {
		t.Errorf("multi-line cell split the row: %d lines\n%s", n, out)
	}

	buf.Reset()
	if err := WriteTable(&buf, Table{}, TableOptions{}); err != nil || buf.Len() != 0 {
		t.Errorf("empty table: err=%v out=%q", err, buf.String())
	}

	err = WriteTable(&buf, Table{Columns: []string{"a"}, Rows: [][]string{{"1", "2"}}}, TableOptions{})
	if !errors.Is(err, errRaggedRow) {
		t.Errorf("ragged row: err=%v", err)
	}
}

func TestWriteCSVGolden(t *testing.T) {
	tbl := Table{
		Columns: []string{"feed_id", "title", "note"},
		Rows: [][]string{
			{"SKU-1", "Shirt, \"blue\"", "ok"},
			{"SKU-2", "=HYPERLINK(\"http://x\",\"click\")", "+1 free"},
			{"SKU-3", "@SUM(A1)", "-10% off"},
			{"SKU-4", "multi\nline", "\ttabbed"},
		},
	}
	for _, forExcel := range []bool{false, true} {
		name := "csv_plain"
		if forExcel {
			name = "csv_excel"
		}
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteCSV(&buf, tbl, CSVOptions{ForExcel: forExcel}); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(buf.String(), "\r\n") {
				t.Error("CSV has CRLF line endings")
			}
			golden(t, name, buf.Bytes())
			// Round trip: the data survives (with the guard prefix when on).
			recs, err := csv.NewReader(&buf).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 5 {
				t.Fatalf("%d records, want 5", len(recs))
			}
			want := tbl.Rows[1][1]
			if forExcel {
				want = "'" + want
			}
			if recs[2][1] != want {
				t.Errorf("cell = %q, want %q", recs[2][1], want)
			}
		})
	}
}

func TestSafeCell(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"=1+2", "'=1+2"},
		{"+33 6", "'+33 6"},
		{"-5", "'-5"},
		{"@cmd", "'@cmd"},
		{"\t=x", "'\t=x"},
		{"\r=x", "'\r=x"},
		{"\x00x", "'\x00x"},
		{"a=b", "a=b"},
		{"{{product.name}}", "{{product.name}}"},
		{"[1,2]", "[1,2]"},
		{"'already", "'already"},
		{" =x", " =x"},
	}
	for _, tc := range tests {
		if got := SafeCell(tc.in); got != tc.want {
			t.Errorf("SafeCell(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzWriteCSV(f *testing.F) {
	f.Add("a", "=b", "c\nd", false)
	f.Add("\"q\"", "-1", "", true)
	f.Fuzz(func(t *testing.T, a, b, c string, forExcel bool) {
		tbl := Table{Columns: []string{"x", "y", "z"}, Rows: [][]string{{a, b, c}}}
		var buf bytes.Buffer
		if err := WriteCSV(&buf, tbl, CSVOptions{ForExcel: forExcel}); err != nil {
			t.Fatal(err)
		}
		r := csv.NewReader(&buf)
		recs, err := r.ReadAll()
		if err != nil {
			t.Fatalf("unreadable CSV %q: %v", buf.String(), err)
		}
		if len(recs) != 2 || len(recs[1]) != 3 {
			t.Fatalf("shape %v", recs)
		}
		for i, in := range []string{a, b, c} {
			want := in
			if forExcel {
				want = SafeCell(in)
			}
			// encoding/csv normalises \r\n inside quoted fields to \n.
			want = strings.ReplaceAll(want, "\r\n", "\n")
			got := recs[1][i]
			if got != want && strings.ReplaceAll(want, "\r", "\n") != got {
				t.Fatalf("field %d: got %q want %q", i, got, want)
			}
			if forExcel && got != "" && strings.ContainsRune("=+-@\t\r", rune(got[0])) {
				t.Fatalf("field %d starts with a formula trigger: %q", i, got)
			}
		}
	})
}

func TestWriteTSV(t *testing.T) {
	var buf bytes.Buffer
	err := WriteTSV(&buf, Table{
		Columns: []string{"id", "title"},
		Rows:    [][]string{{"1", "a\tb"}, {"2", "c\r\nd\ne"}, {"3", `back\slash "q"`}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "id\ttitle\n1\ta b\n2\tc d e\n3\tback\\slash \"q\"\n"
	if buf.String() != want {
		t.Errorf("got %q\nwant %q", buf.String(), want)
	}
}
