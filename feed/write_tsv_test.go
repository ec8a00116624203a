package feed

import (
	"bytes"
	"context"
	"io"
	"testing"
)

// The channel TSV writer must produce what dpa's own reader (and Merchant
// Center with quoted fields) reads back unchanged: a value with quotes,
// such as a size in inches, used to be written bare and came back as a
// csv.syntax finding.
func TestTSVWriterQuotesRoundTrip(t *testing.T) {
	values := []string{`Bag 29" x 13"`, `"Best" bag`, `plain`, ` leading space`, `tab	and
newline`}
	var b bytes.Buffer
	w, err := NewWriter(&b, FormatTSV, WriteOptions{Columns: []string{"id", "title"}})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range values {
		it := &Item{}
		it.Set("id", string(rune('a'+i)))
		it.Set("title", v)
		if err := w.Write(it); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := Open(context.Background(), "out.tsv", bytes.NewReader(b.Bytes()), ReadOptions{Format: FormatTSV})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range values {
		it, err := r.Next()
		if err != nil {
			t.Fatalf("item %d: %v\n%s", i, err, b.String())
		}
		want := v
		if i == 4 {
			want = "tab and newline" // tabs and line breaks become spaces in a channel TSV
		}
		if got := it.Get("title"); got != want {
			t.Errorf("item %d: title %q, want %q\n%s", i, got, want, b.String())
		}
		if len(it.Problems) > 0 {
			t.Errorf("item %d: problems %+v\n%s", i, it.Problems, b.String())
		}
	}
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("after the last item: %v", err)
	}
}
