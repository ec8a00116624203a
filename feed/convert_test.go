package feed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// exactItems are awkward for every format: separators, quotes, line
// breaks, leading spaces, formulas, markup, repeated names, Google's
// shipping groups and empty values.
func exactItems() []*Item {
	return []*Item{
		{Fields: []Field{{"id", "A1"}, {"title", `Shirt, "linen"`}, {"description", "line 1\nline 2\ttabbed\r\nCRLF"},
			{"price", "19.99 USD"}, {"additional_image_link", "https://x.example/a.jpg"}, {"additional_image_link", "https://x.example/b.jpg"},
			{"shipping", "US:CA:Ground:4.95 USD"}, {"shipping", "US::Express:9.95 USD"}, {"color", ""}}},
		{Fields: []Field{{"id", "A2"}, {"title", " leading space"}, {"description", "=SUM(A1) <b>bold</b> & más ☂"},
			{"price", `\.`}, {"additional_image_link", "https://x.example/c.jpg,https://x.example/d.jpg"},
			{"shipping", ""}, {"shipping", ""}, {"color", "Red"}}},
	}
}

// Every format pair reads back the same fields, in the same order.
func TestExactRoundTrip(t *testing.T) {
	items := exactItems()
	var cols []string
	{
		r := &sliceReader{items: items}
		var err error
		if cols, err = ScanLayout(r); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := strings.Join(cols, ","), "id,title,description,price,additional_image_link,additional_image_link,shipping,shipping,color"; got != want {
		t.Fatalf("layout %s, want %s", got, want)
	}
	for _, format := range []string{FormatCSV, FormatTSV, FormatXML, FormatJSONL} {
		t.Run(format, func(t *testing.T) {
			var b bytes.Buffer
			w, err := NewWriter(&b, format, WriteOptions{Columns: cols, Exact: true})
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range items {
				if err := w.Write(it); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			r, err := Open(context.Background(), "out."+format, bytes.NewReader(b.Bytes()), ReadOptions{Format: format})
			if err != nil {
				t.Fatal(err)
			}
			for i, want := range items {
				got, err := r.Next()
				if err != nil {
					t.Fatalf("item %d: %v\n%s", i, err, b.String())
				}
				if g, w := fieldsOf(readBack(format, got, want)), fieldsOf(readBack(format, want, want)); g != w {
					t.Errorf("item %d:\n got  %s\n want %s\n%s", i, g, w, b.String())
				}
				if len(got.Problems) > 0 {
					t.Errorf("item %d: problems %+v", i, got.Problems)
				}
			}
		})
	}
}

// readBack applies what reading a format does to values, which no writer
// can undo: encoding/csv turns CRLF inside a quoted value into LF, the XML
// reader trims the text of an element, and a tabular row has a cell for
// every column, so fields an item lacked come back empty.
func readBack(format string, it, orig *Item) *Item {
	out := &Item{}
	has := map[string]int{}
	for _, f := range orig.Fields {
		has[f.Name]++
	}
	for _, f := range it.Fields {
		switch format {
		case FormatCSV, FormatTSV:
			f.Value = strings.ReplaceAll(f.Value, "\r\n", "\n")
			if has[f.Name] == 0 && f.Value == "" {
				continue // padding
			}
			has[f.Name]--
		case FormatXML:
			f.Value = strings.TrimSpace(f.Value)
		}
		out.Fields = append(out.Fields, f)
	}
	return out
}

func fieldsOf(it *Item) string {
	var parts []string
	for _, f := range it.Fields {
		parts = append(parts, fmt.Sprintf("%s=%q", f.Name, f.Value))
	}
	return strings.Join(parts, " ")
}

// A field no column can hold is an error, never silently dropped.
func TestExactTableNoColumn(t *testing.T) {
	var b bytes.Buffer
	w, _ := NewWriter(&b, FormatCSV, WriteOptions{Columns: []string{"id", "title"}, Exact: true})
	for _, tt := range []struct {
		it   *Item
		want string
	}{
		{&Item{Index: 3, Line: 4, Fields: []Field{{"id", "A"}, {"title", "T"}, {"column_3", "x"}}}, `field "column_3"`},
		{&Item{Index: 5, Line: 6, Fields: []Field{{"id", "A"}, {"id", "B"}}}, `value 2 of field "id"`},
	} {
		err := w.Write(tt.it)
		if !errors.Is(err, ErrNoColumn) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("err = %v, want ErrNoColumn naming %s", err, tt.want)
		}
	}
	w.Close()
	if b.String() != "id,title\n" {
		t.Errorf("wrote %q", b.String())
	}
}
