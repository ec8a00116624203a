package render

import (
	"io"
	"strconv"
	"testing"
)

func benchRows(n int) ([][]string, [][]any) {
	s := make([][]string, n)
	a := make([][]any, n)
	for i := range n {
		id := "SKU-" + strconv.Itoa(i)
		s[i] = []string{id, "Blue cotton shirt " + strconv.Itoa(i%97), "19.99", "warning"}
		a[i] = []any{id, "Blue cotton shirt " + strconv.Itoa(i%97), 19.99, i}
	}
	return s, a
}

func BenchmarkWriteTable1k(b *testing.B) {
	rows, _ := benchRows(1000)
	t := Table{Columns: []string{"id", "title", "price", "severity"}, Rows: rows}
	for b.Loop() {
		if err := WriteTable(io.Discard, t, TableOptions{MaxColWidth: 40}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteCSV100k(b *testing.B) {
	rows, _ := benchRows(100_000)
	t := Table{Columns: []string{"id", "title", "price", "severity"}, Rows: rows}
	for b.Loop() {
		if err := WriteCSV(io.Discard, t, CSVOptions{ForExcel: true}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteXLSX100k(b *testing.B) {
	_, rows := benchRows(100_000)
	wb := Workbook{Sheets: []Sheet{{
		Name: "Items", Columns: []string{"id", "title", "price", "n"}, Rows: rows,
		Freeze: true, Filter: true, ForExcel: true,
		Highlight: func(r, c int) string {
			if r%10 == 0 && c == 2 {
				return "warning"
			}
			return ""
		},
	}}}
	for b.Loop() {
		if err := WriteXLSX(io.Discard, wb); err != nil {
			b.Fatal(err)
		}
	}
}
