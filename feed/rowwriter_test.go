package feed

import (
	"bytes"
	"testing"
)

// A RowWriter's AppendRow + WriteRow write exactly what Write does, and a
// second writer with the same columns takes the first one's rows as they
// are (export's per-ad-set feeds copy feeds/meta.csv's rows).
func TestRowWriterRowsAreWriteBytes(t *testing.T) {
	cols := []string{"id", "title", "additional_image_link", "price"}
	items := []*Item{
		{Fields: []Field{{"id", "1"}, {"title", `29" x 13", "quoted"`}, {"price", "10.00 USD"}}},
		{Fields: []Field{{"title", " leading space"}, {"id", "2"}, {"additional_image_link", "a.jpg"}, {"additional_image_link", "b.jpg"}}},
		{Fields: []Field{{"id", "3"}, {"title", "line\nbreak\ttab"}, {"extra", "dropped"}}},
		{Fields: nil},
	}
	for _, format := range []string{FormatCSV, FormatTSV} {
		var plain, rows, copied bytes.Buffer
		pw, _ := NewWriter(&plain, format, WriteOptions{Columns: cols})
		rwi, _ := NewWriter(&rows, format, WriteOptions{Columns: cols})
		cwi, _ := NewWriter(&copied, format, WriteOptions{Columns: cols})
		rw, ok1 := rwi.(RowWriter)
		cw, ok2 := cwi.(RowWriter)
		if !ok1 || !ok2 {
			t.Fatalf("%s writer is not a RowWriter", format)
		}
		var buf []byte
		for _, it := range items {
			if err := pw.Write(it); err != nil {
				t.Fatal(err)
			}
			buf = rw.AppendRow(buf[:0], it)
			if err := rw.WriteRow(buf); err != nil {
				t.Fatal(err)
			}
			if err := cw.WriteRow(buf); err != nil {
				t.Fatal(err)
			}
		}
		pw.Close()
		rw.Close()
		cw.Close()
		if !bytes.Equal(rows.Bytes(), plain.Bytes()) || !bytes.Equal(copied.Bytes(), plain.Bytes()) {
			t.Fatalf("%s: rows\n%q\ncopied\n%q\nwant\n%q", format, rows.Bytes(), copied.Bytes(), plain.Bytes())
		}
	}
}
