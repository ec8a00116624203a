package feed

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

// Emitted sees every written item in order, and the bytes it is handed are
// the bytes Out got for that item: concatenated after the header they are
// Out's file. A writer that is not feed's own gets a nil row but still
// every item.
func TestNormalizeEmittedRowsAreOutBytes(t *testing.T) {
	src := faultyFeed(t, 3000, 11, "csv")
	for _, format := range []string{FormatCSV, FormatXML, FormatJSONL} {
		for _, workers := range []int{1, 3} {
			var out, header, rows bytes.Buffer
			ids := 0
			res := runEmitted(t, src, workers, func(cols []string) (ItemWriter, error) {
				hw, err := NewWriter(&header, format, WriteOptions{Columns: cols})
				if err != nil {
					return nil, err
				}
				hw.Close()                                                  // the header alone (and XML's footer)
				return NewWriter(&out, format, WriteOptions{Columns: cols}) // Normalize closes it
			}, func(it *Item, row []byte) error {
				if row == nil {
					return errors.New("nil row from feed's own writer")
				}
				ids++
				rows.Write(row)
				return nil
			})
			if ids != res.ItemsOut || res.ItemsRejected == 0 {
				t.Fatalf("%s: %d emitted, %d out, %d rejected", format, ids, res.ItemsOut, res.ItemsRejected)
			}
			got, footer := out.String(), ""
			if format == FormatXML {
				footer = "  </channel>\n</rss>\n"
			}
			if want := strings.TrimSuffix(header.String(), footer) + rows.String() + footer; got != want {
				t.Errorf("%s/%d workers: Out differs from header+emitted rows at byte %d", format, workers, firstDiff(got, want))
			}
		}
	}
}

type emitCountWriter struct{ n int }

func (c *emitCountWriter) Write(*Item) error { c.n++; return nil }
func (c *emitCountWriter) Close() error      { return nil }

func TestNormalizeEmittedForeignWriter(t *testing.T) {
	src := faultyFeed(t, 500, 12, "csv")
	n := 0
	res := runEmitted(t, src, 2, func([]string) (ItemWriter, error) { return &emitCountWriter{}, nil },
		func(it *Item, row []byte) error {
			if row != nil {
				return errors.New("row for a foreign writer")
			}
			n++
			return nil
		})
	if n != res.ItemsOut || n == 0 {
		t.Fatalf("emitted %d, out %d", n, res.ItemsOut)
	}
}

// An Emitted error stops the run as a write error.
func TestNormalizeEmittedErrorStops(t *testing.T) {
	src := faultyFeed(t, 3000, 13, "csv")
	r, err := Open(context.Background(), "in.csv", bytes.NewReader(src), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	_, err = Normalize(context.Background(), r, NormalizeOptions{Channel: channels["meta"], Workers: 2}, NormalizeSinks{
		Out: func(cols []string) (ItemWriter, error) {
			var b bytes.Buffer
			return NewWriter(&b, FormatCSV, WriteOptions{Columns: cols})
		},
		Emitted: func(*Item, []byte) error { return errors.New("boom") },
	})
	if err == nil || err.Error() != "write output: boom" {
		t.Fatalf("err = %v, want write output: boom", err)
	}
}

func runEmitted(t *testing.T, src []byte, workers int, out func([]string) (ItemWriter, error), emitted func(*Item, []byte) error) *NormalizeResult {
	t.Helper()
	r, err := Open(context.Background(), "in.csv", bytes.NewReader(src), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	res, err := Normalize(context.Background(), r, NormalizeOptions{Channel: channels["meta"], Currency: "USD", Workers: workers},
		NormalizeSinks{Out: out, Emitted: emitted})
	if err != nil {
		t.Fatal(err)
	}
	return res
}
