package main

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/dpa-tools/dpa/feed"
)

func xlsxSheetRows(t *testing.T, data []byte) [][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("Feed")
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func xlsxItem(fields ...string) *feed.Item {
	it := &feed.Item{File: "in.csv", Index: 1, Line: 2}
	for i := 0; i+1 < len(fields); i += 2 {
		it.Fields = append(it.Fields, feed.Field{Name: fields[i], Value: fields[i+1]})
	}
	return it
}

// TestXLSXItemsConvert is convert's former xlsxExact: repeated columns
// take the k-th value, a formula stays as written without --for-excel, a
// character XML cannot hold is refused, and the row limit holds.
func TestXLSXItemsConvert(t *testing.T) {
	cols := []string{"id", "image", "image", "title"}
	var buf bytes.Buffer
	x := newXLSXItems(&buf, cols, feed.NewExactRow(cols).Cells, true, false)
	if err := x.Write(xlsxItem("id", "1", "image", "a.jpg", "image", "b.jpg", "title", "=SUM(A1)")); err != nil {
		t.Fatal(err)
	}
	err := x.Write(xlsxItem("id", "2", "title", "bell\x07"))
	if !errors.Is(err, feed.ErrUnrepresentable) {
		t.Fatalf("control character: %v, want ErrUnrepresentable", err)
	}
	if err := x.Write(xlsxItem("id", "3", "colour", "red")); !errors.Is(err, feed.ErrNoColumn) {
		t.Fatalf("field without a column: %v, want ErrNoColumn", err)
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	want := [][]string{cols, {"1", "a.jpg", "b.jpg", "=SUM(A1)"}}
	if got := xlsxSheetRows(t, buf.Bytes()); !reflect.DeepEqual(got, want) {
		t.Errorf("rows %q, want %q", got, want)
	}

	x = newXLSXItems(&buf, cols, feed.NewExactRow(cols).Cells, true, true)
	x.maxRows = 1
	if err := x.Write(xlsxItem("id", "1")); err != nil {
		t.Fatal(err)
	}
	var ie *inputError
	if err := x.Write(xlsxItem("id", "2")); !errors.As(err, &ie) {
		t.Fatalf("past the row limit: %v, want an input error", err)
	}
}

// TestXLSXItemsNormalize is normalize's former xlsxItems: each column
// takes the first value of its name, additional_image_link all of them
// joined with commas, formula-like cells are neutralised, and a control
// character (reported by normalize's checks) does not stop the write.
func TestXLSXItemsNormalize(t *testing.T) {
	cols := []string{"id", "title", "additional_image_link", "brand"}
	var buf bytes.Buffer
	x := newXLSXItems(&buf, cols, firstValues(cols), false, true)
	items := []*feed.Item{
		xlsxItem("id", "1", "title", "=cmd", "additional_image_link", "a.jpg", "additional_image_link", "b.jpg", "title", "second"),
		xlsxItem("id", "2", "title", "bell\x07", "colour", "red"),
	}
	for _, it := range items {
		if err := x.Write(it); err != nil {
			t.Fatal(err)
		}
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	rows := xlsxSheetRows(t, buf.Bytes())
	want := [][]string{cols, {"1", "'=cmd", "a.jpg,b.jpg"}, {"2", "bell\x07"}}
	if len(rows) != 3 || !reflect.DeepEqual(rows[0], want[0]) || !reflect.DeepEqual(rows[1], want[1]) || rows[2][0] != "2" || rows[2][1] == "" {
		t.Errorf("rows %q, want %q", rows, want)
	}
}
